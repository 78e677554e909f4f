"""Subword vectors: a vector for any string from its character n-grams.

fastText (Bojanowski, Grave, Joulin & Mikolov 2017, *Enriching Word Vectors with Subword
Information*, TACL 5) represents a word by the bag of the character n-grams of ``<word>``
(3 to 6 characters, ``<`` and ``>`` marking the word's boundaries), hashed into 2,000,000
buckets with 32-bit FNV-1a, plus the word itself; the word's vector is the sum of its
units' vectors, all trained by skip-gram.  Words that share their parts share their
statistics, which carries most of the morphology behind the syntactic analogies
(walk : walking :: swim : swimming), and gives a vector to a word never seen.

Here the units are fastText's (same n-grams, same hash, so a bucket number means the same
n-gram in both), but their vectors are not trained by skip-gram: they are fitted to the
word vectors of any model, count-based or imported, in closed form.

* **Ridge (the default, ``ridge`` = λ > 0).**  fastText and LexVec with subwords (Salle &
  Villavicencio 2018, *Incorporating Subword Information into Matrix Factorization Word
  Embeddings*) make each word its own unit plus the sum of its n-grams' and fit them all
  together.  Fitted to the model's unit word vectors X̂ (n × dim) with G the binary word ×
  n-gram incidence, min ‖O + G Z − X̂‖² + λ_o ‖O‖² + λ ‖Z‖² over the words' own rows O and
  the n-gram vectors Z has, for the n-grams, the ridge solution Z = Gᵀ A with
  A = (G Gᵀ + λ' I)⁻¹ X̂ (the dual form; λ' = λ (1 + λ_o) / λ_o), solved by conjugate
  gradients.  Unlike a mean of the words that contain an n-gram, the fit shares out each
  word among its n-grams: the stem n-grams explain the stem, so "ing>" keeps what its
  words have in common beyond their stems — the consistent offset that
  walk : walking :: swim : swimming asks for.  An n-gram's vector is the sum of the dual
  rows A_w of the words containing it, so the model stores A (float16) and the table of
  which words contain each n-gram, not a k × dim matrix.
* **Mean (``ridge`` = 0; models written before the ridge fit).**  The vector of an n-gram g
  is the mean of the unit vectors of the vocabulary words that contain it,
  z_g = Σ_{w ∋ g} ŵ / |{w ∋ g}|, weighted by how much its words agree, ‖z_g‖^p
  (p = ``coherence``): ‖z_g‖ is the mean resultant length of their directions, near 1 for a
  shared stem or an inflection, near 1/√df for a letter triple spread over unrelated words.
  It needs no table beyond the word lists (an unseen word's n-grams average the model's
  stored, mixed vectors).
* Either way n-grams found in fewer than ``min_words`` words are left out (one found in a
  single word would only copy it), and a word's vector becomes its own direction mixed with
  its n-grams', w' = ‖w‖ (ŵ + β · n̂_w), n_w = Σ_{g ∈ w} z_g (β = ``weight``; the norm is
  kept, the direction changes); a word outside the vocabulary gets n_w alone, from the
  n-grams it shares with the vocabulary (fastText likewise sums the n-grams of an unknown
  word).  Choices and figures: BENCHMARKS.md, "Subwords".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import kernels, options
from .errors import ParameterError, check_at_least, param

#: fastText's defaults (``-minn 3 -maxn 6 -bucket 2000000``), and β, the fewest words an
#: n-gram is kept for, and the coherence exponent (chosen in BENCHMARKS.md; kept in
#: :mod:`embedkit.options` with the other defaults).
DEFAULT_MINN = options.SUBWORD_MINN
DEFAULT_MAXN = options.SUBWORD_MAXN
DEFAULT_BUCKETS = options.SUBWORD_BUCKETS
DEFAULT_WEIGHT = options.SUBWORD_WEIGHT
DEFAULT_WEIGHT_WITH_RARE = options.SUBWORD_WEIGHT_WITH_RARE
DEFAULT_MIN_WORDS = options.SUBWORD_MIN_WORDS
DEFAULT_COHERENCE = options.SUBWORD_COHERENCE
DEFAULT_RIDGE = options.SUBWORD_RIDGE
DEFAULT_RARE_WEIGHT = options.SUBWORD_RARE_WEIGHT
#: Conjugate-gradient steps of the ridge fit at most, and the relative residual it stops at
#: (measured on dictwiki, BENCHMARKS.md "Subwords": 8 steps there; 5 steps, at 0.25, score
#: the vocabulary as well but build unseen words worse, their dual rows further from the
#: solution).
RIDGE_MAX_ITER = 50
RIDGE_TOL = 1e-1
#: The relative residual when extra rows (rare words) join the fit, if below
#: :data:`RIDGE_TOL`: with their rows the fit stopped at 0.1 gives the analogies 0.011 less
#: than converged, 0.02 all but that (BENCHMARKS.md "Subwords", round 6).
RIDGE_TOL_WITH_EXTRA = 2e-2
BOW, EOW = "<", ">"

#: Fewer words are hashed in Python: a query's few unseen words should not wait for the
#: compiled loop to load (a few hundred ms the first time in a process).
_COMPILED_MIN_WORDS = 256

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619


def fasttext_hash(ngram: str) -> int:
    """fastText's ``Dictionary::hash`` of a string: 32-bit FNV-1a over its UTF-8 bytes,
    each byte sign-extended first (fastText casts it through ``int8_t``, so bytes ≥ 0x80
    differ from textbook FNV-1a; gensim's ``ft_hash_bytes`` reproduces the same)."""
    h = _FNV_OFFSET
    for b in ngram.encode("utf-8"):
        h = ((h ^ (b | 0xFFFFFF00 if b >= 0x80 else b)) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def char_ngrams(word: str, minn: int = DEFAULT_MINN, maxn: int = DEFAULT_MAXN) -> list[str]:
    """The character n-grams of ``<word>`` with ``minn`` ≤ n ≤ ``maxn``, in fastText's
    order (by start, then length; repeats kept).  The whole ``<word>`` is one of them when
    it is short enough; a lone boundary mark never is (fastText's ``computeSubwords``)."""
    w = BOW + word + EOW
    out = []
    for i in range(len(w)):
        for n in range(1, maxn + 1):
            j = i + n
            if j > len(w):
                break
            if n >= minn and not (n == 1 and (i == 0 or j == len(w))):
                out.append(w[i:j])
    return out


def unit_rows_f32(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` at unit length (float32; zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1)).astype(np.float32)


def check_settings(minn: int, maxn: int, buckets: int) -> None:
    """Raise :class:`ParameterError` unless 1 ≤ minn ≤ maxn and buckets ≥ 1."""
    check_at_least("minn", minn)
    if maxn < minn:
        raise ParameterError("maxn", maxn, f"must be at least {param('minn')} ({minn})")
    check_at_least("buckets", buckets)


def check_fit_settings(
    minn: int, maxn: int, buckets: int, weight: float, min_words: int, coherence: float, ridge: float
) -> None:
    """Raise :class:`ParameterError` for a bad setting of :func:`fit_subwords` (checked
    before any work: ``train-words`` before it reads the corpus)."""
    check_settings(minn, maxn, buckets)
    check_at_least("subword_weight", weight, 0)
    check_at_least("subword_min_words", min_words)
    check_at_least("subword_coherence", coherence, 0)
    check_at_least("subword_ridge", ridge, 0)


def ngram_buckets(
    words: list[str], minn: int = DEFAULT_MINN, maxn: int = DEFAULT_MAXN, buckets: int = DEFAULT_BUCKETS
) -> sp.csr_matrix:
    """Which buckets each word's n-grams fall in: a binary CSR matrix (len(words) × buckets).

    Bucket of an n-gram = :func:`fasttext_hash` modulo ``buckets``, as in fastText; an
    n-gram repeated in a word counts once.  Compiled (:func:`embedkit.kernels.ngram_hashes`)
    when numba is available, else the same in Python.
    """
    check_settings(minn, maxn, buckets)
    n = len(words)
    if kernels.ENABLED and n >= _COMPILED_MIN_WORDS:
        encoded = [(BOW + w + EOW).encode("utf-8") for w in words]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        ends = np.cumsum(lengths)
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        indptr, hashes = kernels.ngram_hashes(data, ends - lengths, ends, minn, maxn)
        if buckets >= 1 << 32:  # the raw 32-bit hash
            cols = hashes.astype(np.int64)
        else:
            cols = (hashes % np.uint32(buckets)).astype(np.int32 if buckets <= 1 << 31 else np.int64)
    else:
        rows = [[fasttext_hash(g) % buckets for g in char_ngrams(w, minn, maxn)] for w in words]
        indptr = np.zeros(n + 1, np.int64)
        indptr[1:] = np.cumsum([len(r) for r in rows])
        cols = np.fromiter((c for r in rows for c in r), dtype=np.int64, count=int(indptr[-1]))
    m = sp.csr_matrix((np.ones(cols.size, np.float32), cols, indptr), shape=(n, buckets))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


@dataclass
class Subwords:
    """What a model needs to build a vector for any string from its n-grams.

    minn, maxn, buckets : fastText's n-gram lengths and number of hash buckets
    weight : β, the weight of the n-gram direction in a vocabulary word's vector
    min_words : n-grams found in fewer vocabulary words are not kept
    coherence : p, an n-gram's vector z_g is weighted by ‖z_g‖^p (mean n-gram vectors only)
    ridge : λ of the ridge fit; 0 for mean n-gram vectors
    dual : float16 (n_vocab + extra_rows, dim), the ridge fit's dual rows A (None for mean
        vectors): an n-gram's vector is the sum of the rows of the words that contain it
    extra_rows : rows of ``dual`` (and ids in ``members``) past the vocabulary's: words the
        fit learnt from that are not in the vocabulary (rare words, weighted; see
        :func:`fit_subwords`)
    keys : int64 (k,), ascending — the buckets kept
    indptr : int64 (k + 1,), members : int32 (nnz,) — the vocabulary rows that contain
        bucket ``keys[i]`` are ``members[indptr[i]:indptr[i + 1]]``
    """

    minn: int
    maxn: int
    buckets: int
    weight: float
    min_words: int
    coherence: float
    keys: np.ndarray
    indptr: np.ndarray
    members: np.ndarray
    ridge: float = 0.0
    dual: np.ndarray | None = None
    extra_rows: int = 0

    def settings(self) -> dict:
        """The scalar settings (as stored in a model's header)."""
        return {
            "minn": self.minn,
            "maxn": self.maxn,
            "buckets": self.buckets,
            "weight": self.weight,
            "min_words": self.min_words,
            "coherence": self.coherence,
            "ridge": self.ridge,
            "ngrams": int(self.keys.size),
            **({"extra_rows": self.extra_rows} if self.extra_rows else {}),
        }

    @property
    def nbytes(self) -> int:
        """Bytes of the tables (what a model file holds for its subwords)."""
        dual = 0 if self.dual is None else self.dual.nbytes
        return int(self.keys.nbytes + self.indptr.nbytes + self.members.nbytes + dual)

    def ngram_matrix(self, words: list[str]) -> sp.csr_matrix:
        """Binary (len(words) × k): which kept buckets each word's n-grams fall in."""
        a = ngram_buckets(words, self.minn, self.maxn, self.buckets).tocoo()
        if self.keys.size == 0:
            return sp.csr_matrix((len(words), 0), dtype=np.float32)
        pos = np.searchsorted(self.keys, a.col)
        hit = pos < self.keys.size
        hit[hit] = self.keys[pos[hit]] == a.col[hit]
        return sp.csr_matrix(
            (np.ones(int(hit.sum()), np.float32), (a.row[hit], pos[hit])), shape=(len(words), self.keys.size)
        )

    def ngram_vectors(self, unit: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """Vectors of the kept n-grams ``cols`` (default: all), (len(cols), dim) float32:
        with a ridge fit, z_g = Σ_{w ∋ g} A_w (the dual rows; ``unit`` is not used); else
        ‖z_g‖^p z_g, z_g the mean of the rows of ``unit`` (n_vocab × dim, unit word
        vectors) that contain n-gram g."""
        df = np.diff(self.indptr)
        if cols is None:
            indptr, members = self.indptr, self.members
        else:  # only these n-grams' rows of the table: an unseen word needs a few dozen
            cols = np.asarray(cols, dtype=np.int64)
            lengths = df[cols]
            indptr = np.concatenate([[0], np.cumsum(lengths)])
            offsets = np.repeat(self.indptr[cols] - indptr[:-1], lengths)
            members = self.members[np.arange(indptr[-1]) + offsets]
            df = lengths
        if self.dual is not None:
            # only the rows these n-grams need, widened from float16
            rows, local = np.unique(members, return_inverse=True)
            sums = sp.csr_matrix((np.ones(members.size, np.float32), local, indptr), shape=(df.size, rows.size))
            return np.asarray(sums @ self.dual[rows].astype(np.float32), dtype=np.float32)
        means = sp.csr_matrix(
            (np.repeat(1.0 / np.maximum(df, 1), df).astype(np.float32), members, indptr),
            shape=(df.size, unit.shape[0]),
        )
        z = np.asarray(means @ unit, dtype=np.float32)
        if self.coherence:
            z *= (np.linalg.norm(z, axis=1) ** self.coherence)[:, None]
        return z

    def vectors(self, unit: np.ndarray, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of ``words`` from their n-grams alone, and how many n-grams each had.

        unit : (n_vocab, dim) the model's unit word vectors.  Returns ((len(words), dim)
        float32 — Σ ‖z_g‖^p z_g over each word's kept n-grams g, zero for a word with
        none — and int (len(words),)).
        """
        a = self.ngram_matrix(words)
        cols = np.unique(a.indices)
        z = self.ngram_vectors(unit, cols)
        v = np.asarray(a[:, cols] @ z, dtype=np.float32)
        return v, np.diff(a.indptr)


def fit_subwords(
    words: list[str],
    vectors: np.ndarray,
    minn: int = DEFAULT_MINN,
    maxn: int = DEFAULT_MAXN,
    buckets: int = DEFAULT_BUCKETS,
    weight: float = DEFAULT_WEIGHT,
    min_words: int = DEFAULT_MIN_WORDS,
    coherence: float = DEFAULT_COHERENCE,
    ridge: float = DEFAULT_RIDGE,
    product: Product | None = None,
    parallel: ParallelMap | None = None,
    extra_words: list[str] | None = None,
    extra_vectors: np.ndarray | None = None,
    extra_weight: float = 0.0,
) -> tuple[np.ndarray, Subwords]:
    """Mix each word's vector with its n-grams' and keep what unseen words need.

    words : n strings; vectors : (n, dim).  Returns the new (n, dim) float32 vectors,
    w' = ‖w‖ (ŵ + β n̂_w) with n_w = Σ_{g ∈ w} z_g over the word's kept n-grams — z_g
    fitted by ridge regression (``ridge`` = λ > 0, :func:`ridge_dual`) or, with
    ``ridge`` = 0, ‖z_g‖^p times the mean unit vector of the words containing g (see the
    module's docstring) — and the :class:`Subwords` that build n_w for any string.
    ``product``: how a sparse × dense product is made (see :data:`Product`; default
    scipy's, on one core); ``parallel``: how the fit's dense steps are shared among threads
    (see :data:`ParallelMap`; default one thread).  Raises :class:`ParameterError` on a bad setting.

    ``extra_words`` with ``extra_vectors`` (r × dim) and ``extra_weight`` ω > 0 (ridge fit
    only): more rows for the fit — words outside the vocabulary with vectors from
    elsewhere (rare words folded in from their contexts), each weighing ω against a
    vocabulary word's 1 (rows scaled by √ω) — so that the n-grams learn from them too.
    They are not mixed or returned; their dual rows (× √ω) follow the vocabulary's in
    :attr:`Subwords.dual` (``extra_rows`` of them), and the n-grams kept are still those in
    ``min_words`` vocabulary words.  With them the fit runs to the relative residual
    :data:`RIDGE_TOL_WITH_EXTRA` (else :data:`RIDGE_TOL`).
    """
    check_fit_settings(minn, maxn, buckets, weight, min_words, coherence, ridge)
    check_at_least("subword_rare_weight", extra_weight, 0)
    x = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1)
    unit = x / np.where(norms > 0, norms, 1.0)[:, None]
    extra = list(extra_words or []) if ridge > 0 and extra_weight > 0 else []
    a = ngram_buckets(list(words) + extra, minn, maxn, buckets)
    # only the buckets some word uses, as columns (a table as wide as ``buckets`` would cost
    # 8 bytes a bucket: 34 GB for the raw 32-bit hash, buckets = 2**32)
    used, cols = np.unique(a.indices, return_inverse=True)
    a = sp.csr_matrix((a.data, cols.ravel(), a.indptr), shape=(a.shape[0], used.size)).tocsc()
    df = np.diff(a[: len(words)].tocsc().indptr) if extra else np.diff(a.indptr)
    kept_cols = np.flatnonzero(df >= min_words)
    keys = used[kept_cols].astype(np.int64)
    kept = a[:, kept_cols]  # ((n + r) × k), CSC: column i lists the words containing bucket keys[i]
    sub = Subwords(
        minn, maxn, buckets, float(weight), int(min_words), float(coherence), keys,
        kept.indptr.astype(np.int64), kept.indices.astype(np.int32), float(ridge), extra_rows=len(extra),
    )  # fmt: skip
    g = kept.tocsr()
    if ridge > 0:
        target = unit
        if extra:
            scale = np.float32(np.sqrt(extra_weight))
            target = np.vstack([unit, scale * unit_rows_f32(np.asarray(extra_vectors, np.float32))])
            g = sp.diags(np.r_[np.ones(len(words)), np.full(len(extra), scale)].astype(np.float32)) @ g
            g = sp.csr_matrix(g)
        tol = min(RIDGE_TOL, RIDGE_TOL_WITH_EXTRA) if extra else RIDGE_TOL
        _, gz, dual = _ridge_fit(g, target, ridge, product, parallel, tol)
        if extra:
            dual[len(words) :] *= scale  # so that Z = Σ over the binary table of the stored rows
        n = gz[: len(words)]
        sub.dual = dual.astype(np.float16)
    else:
        n = g @ sub.ngram_vectors(unit)
    n_norm = np.linalg.norm(n, axis=1)
    mixed = unit + weight * (n / np.where(n_norm > 0, n_norm, 1.0)[:, None])
    m_norm = np.linalg.norm(mixed, axis=1)
    out = mixed * (norms / np.where(m_norm > 0, m_norm, 1.0))[:, None]
    return out.astype(np.float32), sub


#: A factory of sparse × dense products: ``product(m)`` returns a callable computing
#: ``m @ x`` (and may have ``close()``), e.g. :class:`embedkit.linalg.RowSplitMatmul`,
#: which shares the rows among threads and gives scipy's bytes.  (The layers keep this
#: module below linalg, so the caller hands it in.)
Product = Callable[[sp.csr_matrix], Callable[[np.ndarray], np.ndarray]]


@contextmanager
def _multiplier(product: Product | None, m: sp.csr_matrix) -> Iterator[Callable[[np.ndarray], np.ndarray]]:
    op = product(m) if product is not None else None
    try:
        yield op if op is not None else m.__matmul__
    finally:
        if op is not None and hasattr(op, "close"):
            op.close()


def ridge_dual(
    g: sp.csr_matrix,
    x: np.ndarray,
    ridge: float,
    product: Product | None = None,
    parallel: ParallelMap | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ridge fit of ``x`` on the n-grams: the n-gram vectors Z and the dual rows A.

    g : binary (n × k) word × n-gram incidence; x : (n, dim); ridge : λ > 0.  Z minimises
    ‖G Z − X‖² + λ ‖Z‖² (Hoerl & Kennard's ridge regression), solved by conjugate
    gradients on (Gᵀ G + λ I) Z = Gᵀ X with the Jacobi preconditioner (diag Gᵀ G = the
    words each n-gram is found in, + λ), all columns at once, until the relative residual
    is below :data:`RIDGE_TOL` or after :data:`RIDGE_MAX_ITER` steps.  A = (X − G Z) / λ,
    so that Z = Gᵀ A at the solution (the dual form: n rows instead of k, what a model
    stores).  Returns float32 Z (k, dim) and A (n, dim).  ``product``: as
    :func:`fit_subwords`'s (most of the time is these sparse products); ``parallel``: how
    the steps' row blocks are shared among threads (:data:`ParallelMap`).
    """
    z, _, dual = _ridge_fit(g, x, ridge, product, parallel, RIDGE_TOL)
    return z, dual


def _ridge_fit(g, x, ridge, product, parallel, tol):
    """:func:`ridge_dual`'s Z and A, and G Z (the product A needs, which the mixing needs too),
    stopped at the relative residual ``tol``."""
    gt = g.T.tocsr()
    with _multiplier(product, g) as g_mul, _multiplier(product, gt) as gt_mul:
        x = np.asarray(x, dtype=np.float32)
        z = _ridge_cg(g_mul, gt_mul, gt, x, ridge, parallel or _serial, tol)
        gz = np.asarray(g_mul(z), dtype=np.float32)
    return z, gz, (x - gz) / np.float32(ridge)


#: ``parallel(fn, items)`` = ``[fn(item) for item in items]``, possibly on several threads
#: (results in the items' order), e.g. :func:`embedkit.linalg.on_product_threads`.
ParallelMap = Callable[[Callable, list], list]

#: Rows per block of the conjugate gradients' dense steps: the blocks are shared among
#: the threads of ``parallel`` and their column sums added in block order, so the result
#: is the same bytes for any number of threads.
CG_BLOCK_ROWS = 4096


def _serial(fn: Callable, items: list) -> list:
    return [fn(item) for item in items]


def _cg_step_numpy(z, r, p, q, inv_diag, alpha, lam, lo, hi):
    """:func:`embedkit.kernels.cg_step` in numpy (the reference, and the route without numba)."""
    zs, rs, ps = z[lo:hi], r[lo:hi], p[lo:hi]
    zs += alpha * ps
    rs -= alpha * (q[lo:hi] + lam * ps)
    r64 = rs.astype(np.float64)
    return np.stack([np.einsum("ij,ij->j", r64, inv_diag[lo:hi, None] * r64), np.einsum("ij,ij->j", r64, r64)])


def _cg_direction_numpy(p, r, inv_diag, beta, lo, hi):
    """:func:`embedkit.kernels.cg_direction` in numpy."""
    ps = p[lo:hi]
    ps *= beta
    ps += inv_diag[lo:hi, None] * r[lo:hi]
    p64 = ps.astype(np.float64)
    return np.einsum("ij,ij->j", p64, p64)


def _column_squares_numpy(x, lo, hi):
    x64 = x[lo:hi].astype(np.float64)
    return np.einsum("ij,ij->j", x64, x64)


def _ridge_cg(
    g_mul, gt_mul, gt: sp.csr_matrix, x: np.ndarray, ridge: float, parallel: ParallelMap, tol: float
) -> np.ndarray:
    """Z by preconditioned conjugate gradients (Hestenes & Stiefel 1952), every column its
    own system.  The dense steps are fused into two passes over the k × dim arrays per
    step (:func:`embedkit.kernels.cg_step`, :func:`embedkit.kernels.cg_direction`), shared
    by row blocks among ``parallel``'s threads; pᵀ (Gᵀ G + λ I) p is taken as
    ‖G p‖² + λ ‖p‖², from the product's intermediate (n rows, not k) and the direction
    pass."""
    compiled = kernels.ENABLED
    step = kernels.cg_step if compiled else _cg_step_numpy
    direction = kernels.cg_direction if compiled else _cg_direction_numpy
    squares = kernels.column_squares if compiled else _column_squares_numpy
    lam = np.float32(ridge)
    # diag Gᵀ G: the words each n-gram is found in (their weights², when rows are weighted)
    diag = np.diff(gt.indptr) if np.all(gt.data == 1) else np.asarray(gt.power(2).sum(axis=1)).ravel()
    inv_diag = (1.0 / (diag + ridge)).astype(np.float32)
    k, dim = gt.shape[0], x.shape[1]

    def sums(fn: Callable, m: np.ndarray, *args) -> np.ndarray:
        """fn over the row blocks of m (and of the arrays in args) on ``parallel``'s
        threads; its column sums added in block order."""
        rows = [(lo, min(lo + CG_BLOCK_ROWS, m.shape[0])) for lo in range(0, m.shape[0], CG_BLOCK_ROWS)]
        parts = parallel(lambda b: fn(m, *args, *b), rows)
        out = parts[0].copy()
        for part in parts[1:]:
            out += part
        return out

    z = np.zeros((k, dim), np.float32)
    r = np.ascontiguousarray(gt_mul(x), dtype=np.float32)  # the residual Gᵀ X − (Gᵀ G + λ I) Z at Z = 0
    p = np.zeros_like(r)
    if k == 0 or dim == 0 or x.shape[0] == 0:
        return z
    none = np.zeros(dim, np.float32)
    rho, rr = sums(step, z, r, p, p, inv_diag, none, lam)  # Σ r·d r and Σ r², per column
    pp = sums(direction, p, r, inv_diag, none)  # p = d r; Σ p²
    target = tol * np.sqrt(rr.sum())
    tiny = np.finfo(np.float32).tiny
    for _ in range(RIDGE_MAX_ITER):
        if np.sqrt(rr.sum()) <= target:
            break
        gp = np.asarray(g_mul(p), dtype=np.float32)
        curvature = sums(squares, gp) + float(lam) * pp  # pᵀ (Gᵀ G + λ I) p
        q = np.asarray(gt_mul(gp), dtype=np.float32)
        del gp
        alpha = (rho / np.maximum(curvature, tiny)).astype(np.float32)
        rho_next, rr = sums(step, z, r, p, q, inv_diag, alpha, lam)
        del q
        pp = sums(direction, p, r, inv_diag, (rho_next / np.maximum(rho, tiny)).astype(np.float32))
        rho = rho_next
    return z
