"""Subword vectors: a vector for any string from its character n-grams.

fastText (Bojanowski, Grave, Joulin & Mikolov 2017, *Enriching Word Vectors with Subword
Information*, TACL 5) represents a word by the bag of the character n-grams of ``<word>``
(3 to 6 characters, ``<`` and ``>`` marking the word's boundaries), hashed into 2,000,000
buckets with 32-bit FNV-1a, plus the word itself; the word's vector is the sum of its
units' vectors, all trained by skip-gram.  Words that share their parts share their
statistics, which carries most of the morphology behind the syntactic analogies
(walk : walking :: swim : swimming), and gives a vector to a word never seen.

Here the units are fastText's (same n-grams, same hash, so a bucket number means the same
n-gram in both), but their vectors are not trained: they are derived from the word vectors
of any model, count-based or imported.

* The vector of an n-gram g is the mean of the unit vectors of the vocabulary words that
  contain it, z_g = Σ_{w ∋ g} ŵ / |{w ∋ g}|.  For SVD vectors W = M V Σ^(p−1), the
  fold-in (as LSA folds in a new document, Deerwester et al. 1990) of g's PPMI row, taken
  as the mean of its words' rows, would be the mean of their raw vectors; unit vectors
  weigh each word alike and measured better.  An n-gram shared by many words ("ing>") averages them
  into what they have in common; one found in a single word would only copy that word, so
  n-grams found in fewer than ``min_words`` words are left out.
* Each n-gram is weighted by how much its words agree, ‖z_g‖^p (p = ``coherence``):
  ‖z_g‖ is the mean resultant length of their directions, near 1 for a shared stem or an
  inflection whose words point one way, near 1/√df for a letter triple spread over
  unrelated words.  (Measured against idf-like and length weights in BENCHMARKS.md.)
* A word's vector becomes its own direction mixed with its n-grams':
  w' = ‖w‖ (ŵ + β · n̂_w), n_w = Σ_{g ∈ w} ‖z_g‖^p z_g  (β = ``weight``; the norm is
  kept, the direction changes).
* A word outside the vocabulary gets n_w alone, from the n-grams it shares with the
  vocabulary (fastText likewise sums the n-grams of an unknown word).

What a model stores to do this (:class:`Subwords`) is the settings and, for each bucket
kept, the vocabulary words that contain it: the n-gram vectors are means of word vectors
the model already holds, so they need no matrix of their own (an unseen word's n-grams
average the model's stored, mixed vectors).
"""

from __future__ import annotations

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
DEFAULT_MIN_WORDS = options.SUBWORD_MIN_WORDS
DEFAULT_COHERENCE = options.SUBWORD_COHERENCE
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


def check_settings(minn: int, maxn: int, buckets: int) -> None:
    """Raise :class:`ParameterError` unless 1 ≤ minn ≤ maxn and buckets ≥ 1."""
    check_at_least("minn", minn)
    if maxn < minn:
        raise ParameterError("maxn", maxn, f"must be at least {param('minn')} ({minn})")
    check_at_least("buckets", buckets)


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
        cols = (hashes % np.uint32(buckets)).astype(np.int32) if buckets < 1 << 32 else hashes.astype(np.int64)
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
    coherence : p, an n-gram's vector z_g is weighted by ‖z_g‖^p
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

    def settings(self) -> dict:
        """The scalar settings (as stored in a model's header)."""
        return {
            "minn": self.minn,
            "maxn": self.maxn,
            "buckets": self.buckets,
            "weight": self.weight,
            "min_words": self.min_words,
            "coherence": self.coherence,
            "ngrams": int(self.keys.size),
        }

    @property
    def nbytes(self) -> int:
        """Bytes of the tables (what a model file holds for its subwords)."""
        return int(self.keys.nbytes + self.indptr.nbytes + self.members.nbytes)

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
        """Weighted n-gram vectors ‖z_g‖^p z_g of the kept n-grams ``cols`` (default: all):
        (len(cols), dim) float32, z_g the mean of the rows of ``unit`` (n_vocab × dim, unit
        word vectors) that contain n-gram g."""
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
) -> tuple[np.ndarray, Subwords]:
    """Mix each word's vector with its n-grams' and keep what unseen words need.

    words : n strings; vectors : (n, dim).  Returns the new (n, dim) float32 vectors,
    w' = ‖w‖ (ŵ + β n̂_w) with n_w = Σ_{g ∈ w} ‖z_g‖^p z_g over the word's kept n-grams
    and z_g the mean unit vector of the words containing g (see the module's docstring),
    and the :class:`Subwords` that build n_w for any string.  Raises
    :class:`ParameterError` on a bad setting.
    """
    check_settings(minn, maxn, buckets)
    check_at_least("subword_weight", weight, 0)
    check_at_least("subword_min_words", min_words)
    check_at_least("subword_coherence", coherence, 0)
    x = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1)
    unit = x / np.where(norms > 0, norms, 1.0)[:, None]
    a = ngram_buckets(list(words), minn, maxn, buckets).tocsc()
    df = np.diff(a.indptr)
    keys = np.flatnonzero(df >= min_words).astype(np.int64)
    kept = a[:, keys]  # (n × k), CSC: column i lists the words containing bucket keys[i]
    sub = Subwords(
        minn, maxn, buckets, float(weight), int(min_words), float(coherence), keys,
        kept.indptr.astype(np.int64), kept.indices.astype(np.int32),
    )  # fmt: skip
    n = kept.tocsr() @ sub.ngram_vectors(unit)
    n_norm = np.linalg.norm(n, axis=1)
    mixed = unit + weight * (n / np.where(n_norm > 0, n_norm, 1.0)[:, None])
    m_norm = np.linalg.norm(mixed, axis=1)
    out = mixed * (norms / np.where(m_norm > 0, m_norm, 1.0))[:, None]
    return out.astype(np.float32), sub
