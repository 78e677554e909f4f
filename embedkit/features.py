"""Sentence and document features from word vectors: uSIF, SIF, mean, GEM, power means, principal components.

Every line of text becomes one fixed-length row, in order.  Lines are tokenized as the
model's corpus was (its ``pattern`` / ``lowercase`` parameters), mapped to word ids once,
and kept as a sparse (lines × vocabulary) count matrix, so weighted averages are a single
sparse-dense product rather than a Python loop per sentence.

Modes (``mode`` may join several with ``+``, e.g. ``"usif-oov+pmeans"``, to concatenate
them; each part is then scaled to unit length per line).  p(w) is a word's relative
frequency in the model's corpus (the model's counts; imported vectors need
``embedkit import --counts``).

``usif-ctx`` (the default)
    ``usif-cn`` whose word directions are first moved toward the fitting lines' use of
    them: each word's unit vector u_w becomes unit(u_w + γ c_w) and each unknown word's
    random direction r_w becomes unit(r_w + β c_w), with c_w the unit-length sum of the
    directions (unit-length uSIF averages) of the fitting lines the word occurs in, counted
    as often as it occurs (:func:`context_directions`; γ = ``ctx_gamma`` = 0.25, β =
    ``ctx_beta`` = 1, the unknown words' context taken from the lines' averages after the
    known words have moved).  A word the fitting lines lack keeps its direction.  In-domain
    usage without labels: an unknown company name in news takes the direction of the items
    it appears in, and a word's sense in the domain pulls on its vector (the additive
    context induction of Lazaridou et al. 2017 and Khodak et al. 2018's "à la carte"
    embeddings, without their learnt transform).  Chosen by measurement (BENCHMARKS.md,
    "Sentence features").  Shape (n, d).
``usif-cn``
    ``usif-oov``'s weighted averages (unknown words as random directions), in which the
    common directions are damped rather than removed: the averages times the conceptor
    negation ¬C = (I + μ R)⁻¹ of the *fitting* lines' averages (R their uncentred
    correlation matrix scaled to mean eigenvalue 1, μ = ``cn_mu`` = 0.07;
    :func:`conceptor_negation`, Liu, Ungar & Sedoc 2019), in place of uSIF's five
    components removed.  Each direction of R loses a share that grows with its weight in
    the fitting lines, so what all sentences share fades and no direction is cut whole.
    Chosen by measurement (BENCHMARKS.md, "Sentence features").  Shape (n, d).
``usif-oov``
    ``usif`` in which a token outside the vocabulary is not dropped but counts as a fixed
    random unit direction of its own (:func:`unknown_vectors`, hashed from the word), with
    the weight of a word of probability 0.  Two sentences that share a name the vectors
    never saw ("vodafone", "assad") match on it; different unknown words are nearly
    orthogonal.  Shape (n, d).
``usif``
    Unsupervised SIF (Ethayarajh 2018): unit-length word vectors weighted a / (a/2 + p(w)),
    a set from the vocabulary (:func:`usif_weights`), averaged; then the first ``remove``
    (5) principal directions of the *fitting* lines' averages (uncentred) removed, each in
    proportion λ_i = σ_i² / Σ σ_j².  Shape (n, d).
``sif``
    Smooth inverse frequency (Arora, Liang & Ma 2017): the average of the token vectors
    weighted by a / (a + p(w)), then with the projection on the first ``remove`` (1)
    principal directions of the *training* sentences' weighted averages (the "common
    component", uncentred, as in the paper) subtracted.  Shape (n, d).
``mean``
    The average of the vectors of the line's known tokens (repeats count).  Shape (n, d).
``gem``
    Geometric embedding (Yang, Zhu & Chen 2019): words weighted by how much new direction
    each brings to the span of its context (Gram–Schmidt), and the line's share of the
    corpus's principal subspace removed (:func:`gem`).  Shape (n, d).
``pmeans``
    Power means p = 1, +∞, −∞ of the token vectors — mean, max, min — concatenated (Rücklé
    et al. 2018).  Shape (n, 3d).
``pcs``
    The top ``k`` principal directions of the line's matrix of token vectors X (n_tokens × d),
    i.e. the right singular vectors v_1..v_k of X (not centred, so v_1 follows the bulk of
    the words and the mean), each scaled by σ_i / √n_tokens (its root-mean-square share of
    the words), concatenated.  Shape (n, k·d).  Kept as the lecture's baseline: it loses to
    every other mode on every benchmark measured (BENCHMARKS.md).

    *Sign*: a singular vector is only defined up to sign; each v_i is turned so that the
    line's words score positively on it on the whole, vᵢ · Σⱼ xⱼ ≥ 0; when that sum is
    (numerically) zero, so that its largest-magnitude coordinate is positive.
    *Fewer than k words*: a line with r < k known tokens (rank ≤ r) has only r directions;
    the others are zero vectors (the feature is zero-padded), so every row has length k·d.

What a mode learns from text (common components, the conceptor, ``usif-ctx``'s context directions,
GEM's subspace) is estimated once by
:meth:`SentenceFeatures.fit` and then applied unchanged to every later batch (e.g. the test
sentences).  ``abtt = D`` first makes the word vectors "all but the top" (Mu & Viswanath
2018: mean and top D principal directions removed).

A line that is empty or has no known word gets a row of zeros in every mode (in
``usif-oov`` / ``usif-cn`` / ``usif-ctx``: no word at all).

``dim = m`` then projects the (concatenated) features on their top ``m`` principal
directions, fitted with the rest on the training lines (centred PCA,
:func:`embedkit.linalg.pca`): fewer, decorrelated features, which a lightly regularised
classifier overfits less (BENCHMARKS.md, "Sentence features").  Empty lines stay zero rows.

What :meth:`SentenceFeatures.fit` learns (components, subspace, projection) is saved
with :meth:`SentenceFeatures.save_fit` and reloaded with :meth:`SentenceFeatures.load_fit`,
so test sentences get exactly the training transformation.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from .errors import DataError, InputError, ParameterError, check_at_least, check_count, check_positive, counted, param
from .io import atomic_output, display_name, numpy_reason, seekable_source
from .linalg import PCAResult, fix_signs, pca
from .options import (
    CONCEPTOR_MU,
    CONTEXT_BETA,
    CONTEXT_GAMMA,
    DEFAULT_FEATURE_MODE,
    FEATURE_MODE_SETTINGS,
    FEATURE_MODES,
)
from .tokenize import Tokenizer
from .vectors import Embedding, find_word

MODES = FEATURE_MODES
#: The mode used when none is given (chosen by measurement: BENCHMARKS.md, "Sentence features").
DEFAULT_MODE = DEFAULT_FEATURE_MODE
#: Modes whose features need :meth:`SentenceFeatures.fit` (common components, the conceptor, GEM's subspace).
_FITTED = ("sif", "usif", "usif-oov", "usif-cn", "usif-ctx", "gem")
#: Modes that count the words outside the vocabulary as random directions.
_OOV = ("usif-oov", "usif-cn", "usif-ctx")

#: Floats held at once by one padded batch of the pcs mode (batch × length × dim).
_PCS_BATCH_FLOATS = 1 << 24


def _short(text: str, n: int = 40) -> str:
    """``text`` cut to ``n`` characters for a message."""
    return text if len(text) <= n else text[: n - 1] + "…"


def parse_mode(mode: str) -> list[str]:
    """``"sif+pcs"`` → ``["sif", "pcs"]``; raises :class:`ParameterError` on an unknown part."""
    parts = [p.strip() for p in str(mode).split("+")]
    bad = [p for p in parts if p not in MODES]
    if not parts or bad:
        raise ParameterError("mode", mode, f"must be one of {', '.join(MODES)} (or several joined by '+')")
    return parts


@dataclass
class EncodedLines:
    """Lines as known-token ids.

    ids : int64 array (T,) — the vocabulary id of every known token, line after line
    line : int64 array (T,) — the line of each token
    counts : CSR matrix (n_lines × V) — how often each word occurs on each line
    """

    ids: np.ndarray
    line: np.ndarray
    counts: sp.csr_matrix
    #: with ``keep_unknown``: the distinct unknown words, in order of first appearance,
    #: and how often each occurs on each line, CSR (n_lines × len(unknown))
    unknown: list[str] = field(default_factory=list)
    unknown_counts: sp.csr_matrix | None = None
    #: with ``build_unseen`` and a model with subwords: the words outside the vocabulary that
    #: were built from their character n-grams (ids V, V + 1, … in ``ids`` and ``counts``,
    #: whose width is then V + len(built)) and their vectors (len(built) × d, float32)
    built: list[str] = field(default_factory=list)
    built_vectors: np.ndarray | None = None

    @property
    def n_lines(self) -> int:
        return int(self.counts.shape[0])

    @property
    def lengths(self) -> np.ndarray:
        """Known tokens per line, shape (n_lines,)."""
        return np.bincount(self.line, minlength=self.n_lines)

    @property
    def n_empty(self) -> int:
        """Lines with no known word (their features are zero rows)."""
        return int((self.lengths == 0).sum())


def model_tokenizer(emb: Embedding, pattern: str | None = None, lowercase: bool | None = None) -> Tokenizer:
    """The tokenizer that makes text meet the model's words: the one its corpus was read
    with (its saved ``pattern`` / ``lowercase``).  An imported model (word2vec, GloVe)
    records neither: it is lower-cased only if none of its words has an upper-case
    letter, so a cased model (``Paris``, ``USA``) keeps the case of the text.  ``pattern``
    and ``lowercase``, when given, override the model's."""
    if lowercase is None:
        saved = emb.params.get("lowercase")
        lowercase = bool(saved) if saved is not None else not _is_cased(emb)
    return Tokenizer(pattern if pattern is not None else emb.params.get("pattern"), lowercase)


def _is_cased(emb: Embedding) -> bool:
    """Whether some word of the model has an upper-case letter (checked on the 100,000
    first words: models list frequent words first)."""
    return any(w != w.lower() for w in itertools.islice(emb.words, 100_000))


def encode_lines(
    vocab: Embedding | Mapping[str, int],
    lines: Sequence[str],
    tokenizer: Tokenizer | None = None,
    keep_unknown: bool = False,
    build_unseen: bool = False,
) -> EncodedLines:
    """Tokenize ``lines`` and keep the tokens in the vocabulary (a model, or word → id).

    A model brings its own tokenizer (:func:`model_tokenizer`); a plain mapping needs one.
    A token of a tokenizer that keeps case and that the vocabulary lacks as written is
    looked up lower-cased (:func:`~embedkit.vectors.find_word`, as the benchmarks' words
    are): a sentence's first word, ``The``, is a cased model's ``the`` when it has no ``The``.
    With ``keep_unknown`` the tokens outside the vocabulary are counted too
    (``unknown`` / ``unknown_counts``).  With ``build_unseen``, a model with subwords builds
    the words outside its vocabulary from their character n-grams
    (:meth:`Embedding.unseen_vectors`): they become known tokens with ids from V on
    (``built`` / ``built_vectors``); the words it cannot build stay unknown.
    """
    if isinstance(vocab, Embedding):
        index, tok = vocab.index, tokenizer or model_tokenizer(vocab)
    else:
        index, tok = vocab, tokenizer or Tokenizer()
    n_words = len(index)
    token_lists = [tok.tokenize(line) for line in lines]
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat_tokens = list(itertools.chain.from_iterable(token_lists))
    ids = np.fromiter(map(index.get, flat_tokens, itertools.repeat(-1)), dtype=np.int64, count=len(flat_tokens))
    if not tok.lowercase and (ids < 0).any():  # a cased model without 'The' has 'the' (find_word)
        where = np.flatnonzero(ids < 0)
        found = (find_word(index, flat_tokens[i]) for i in where)
        ids[where] = np.fromiter((-1 if i is None else i for i in found), np.int64, count=len(where))
    line = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
    built: list[str] = []
    built_vectors = None
    if build_unseen and isinstance(vocab, Embedding) and vocab.builds_unseen and (ids < 0).any():
        where = np.flatnonzero(ids < 0)
        built, built_vectors = vocab.unseen_vectors(list(dict.fromkeys(flat_tokens[i] for i in where)))
        slot = {w: n_words + j for j, w in enumerate(built)}
        ids[where] = np.fromiter((slot.get(flat_tokens[i], -1) for i in where), np.int64, count=len(where))
        n_words += len(built)
    known = ids >= 0
    unknown: list[str] = []
    unknown_counts = None
    if keep_unknown:
        where = np.flatnonzero(~known)
        slot: dict[str, int] = {}
        cols = np.fromiter((slot.setdefault(flat_tokens[i], len(slot)) for i in where), np.int64, count=len(where))
        unknown = list(slot)
        unknown_counts = sp.csr_matrix(
            (np.ones(len(cols), dtype=np.float32), (line[where], cols)),
            shape=(len(token_lists), len(unknown)),
            dtype=np.float32,
        )
        unknown_counts.sum_duplicates()
    ids, line = ids[known], line[known]
    counts = sp.csr_matrix(
        (np.ones(len(ids), dtype=np.float32), (line, ids)), shape=(len(token_lists), n_words), dtype=np.float32
    )
    counts.sum_duplicates()
    return EncodedLines(ids, line, counts, unknown, unknown_counts, built, built_vectors)


def _probabilities(counts: np.ndarray | None) -> np.ndarray:
    """p(w) = count / total, float64 (V,); a model without counts is a :class:`DataError`."""
    c = np.zeros(0) if counts is None else np.asarray(counts, dtype=np.float64)
    total = c.sum()
    if total <= 0:
        raise DataError(
            "the model keeps no word counts; SIF / uSIF weighting needs them (train it with embedkit, "
            f"or give the vectors their counts: {param('Embedding(words, vectors, counts)')})"
        )
    return c / total


def sif_weights(counts: np.ndarray | None, a: float = 1e-3) -> np.ndarray:
    """a / (a + p(w)) for word counts (V,), p(w) = count / total; shape (V,), float32.

    Arora, Liang & Ma (2017), "A simple but tough-to-beat baseline for sentence embeddings".
    """
    check_positive("sif_a", a)
    return (a / (a + _probabilities(counts))).astype(np.float32)


def usif_weights(counts: np.ndarray | None, n: int = 11) -> tuple[np.ndarray, float]:
    """uSIF weights a / (a/2 + p(w)) for word counts (V,), and a; shape (V,), float32.

    Ethayarajh (2018), "Unsupervised random walk sentence embeddings": a = (1 − α) / (α Z)
    with Z = V/2 and α the share of the V words whose p(w) exceeds 1 − (1 − 1/V)^n, the
    chance that a word is seen at all in a sentence of ``n`` words (n = 11, the paper's).
    """
    check_at_least("usif_n", n)
    p = _probabilities(counts)
    v = len(p)
    alpha = np.count_nonzero(p > 1.0 - (1.0 - 1.0 / v) ** n) / v
    if alpha == 0:  # no word is that frequent (a tiny vocabulary): treat one word as such
        alpha = 1.0 / v
    a = (1.0 - alpha) / (alpha * 0.5 * v) if alpha < 1 else 1.0 / v
    return (a / (0.5 * a + p)).astype(np.float32), float(a)


def unknown_vectors(words: Sequence[str], dim: int) -> np.ndarray:
    """A fixed random unit direction for each word, from a hash of the word: (len(words), dim).

    The same word always gets the same vector (blake2b of its UTF-8 bytes seeds a Gaussian
    draw), and two different words nearly orthogonal ones, so a word outside the vocabulary
    still matches itself in another sentence, and nothing else.
    """
    out = np.empty((len(words), dim), dtype=np.float32)
    for i, w in enumerate(words):
        seed = int.from_bytes(hashlib.blake2b(w.encode("utf-8"), digest_size=8).digest(), "little")
        g = np.random.default_rng(seed).standard_normal(dim)
        out[i] = g / np.linalg.norm(g)
    return out


def abtt_vectors(vectors: np.ndarray, d: int) -> np.ndarray:
    """All-but-the-top (Mu & Viswanath 2018): the vectors minus their mean and their
    projection on the top ``d`` principal directions of the vocabulary; float32, same shape."""
    return _abtt_apply(vectors, *abtt_fit(vectors, d))


def abtt_fit(vectors: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """All-but-the-top's mean (dim,) and top ``d`` principal directions (dim × d), float64."""
    check_at_least("abtt", d, 0)
    x = np.asarray(vectors, dtype=np.float64)
    mean = x.mean(axis=0)
    if d >= x.shape[1]:
        raise ParameterError("abtt", d, f"must be less than the {x.shape[1]} dimensions")
    if not d:
        return mean, np.zeros((x.shape[1], 0))
    x = x - mean
    with threadpool_limits(1):
        evals, evecs = np.linalg.eigh(x.T @ x)
    return mean, evecs[:, np.argsort(evals)[::-1][:d]]


def _abtt_apply(vectors: np.ndarray, mean: np.ndarray, top: np.ndarray) -> np.ndarray:
    x = np.asarray(vectors, dtype=np.float64) - mean
    if top.shape[1]:
        x = x - (x @ top) @ top.T
    return x.astype(np.float32)


def power_means(vectors: np.ndarray, enc: EncodedLines) -> np.ndarray:
    """Power means p = 1, +∞, −∞ of each line's token vectors (mean, max, min), concatenated.

    Rücklé, Eger, Peyrard & Gurevych (2018), "Concatenated power mean word embeddings as
    universal cross-lingual sentence representations". Shape (n_lines, 3·d); empty lines → 0.
    """
    d = vectors.shape[1]
    out = np.zeros((enc.n_lines, 3 * d), dtype=np.float32)
    lengths = enc.lengths
    has = lengths > 0
    if not has.any():
        return out
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[has]
    x = np.asarray(vectors, dtype=np.float32)[enc.ids]  # tokens are stored line after line
    out[has, :d] = np.add.reduceat(x, starts, axis=0) / lengths[has][:, None]
    out[has, d : 2 * d] = np.maximum.reduceat(x, starts, axis=0)
    out[has, 2 * d :] = np.minimum.reduceat(x, starts, axis=0)
    return out


def _row_average(counts: sp.csr_matrix, vectors: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Σ_w weight(w)·count(line, w)·v_w / tokens(line): shape (n_lines, d); empty lines → 0."""
    m = counts if weights is None else counts @ sp.diags(weights)
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    scale = np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)
    return np.asarray(sp.diags(scale.astype(np.float32)) @ m @ vectors, dtype=np.float32)


def common_components(x: np.ndarray, n: int = 1) -> np.ndarray:
    """The first ``n`` right singular vectors of x (rows × d), not centred: shape (n, d)."""
    check_at_least("remove", n, 0)
    if n == 0:
        return np.zeros((0, x.shape[1]), dtype=np.float32)
    if n > min(x.shape):
        raise ParameterError("remove", n, f"is more than the {min(x.shape)} directions of the fitting sentences", True)
    x64 = np.asarray(x, dtype=np.float64)
    with threadpool_limits(1):
        evals, evecs = np.linalg.eigh(x64.T @ x64)  # d × d: cheap whatever the number of rows
    comps = fix_signs(evecs[:, np.argsort(evals)[::-1][:n]]).T
    return comps.astype(np.float32)


def principal_directions(
    vectors: np.ndarray, enc: EncodedLines, k: int = 2, weights: np.ndarray | None = None
) -> np.ndarray:
    """Top-``k`` right singular vectors of each line's token matrix, scaled by σ/√n.

    Returns (n_lines, k, d) float32: for line s with tokens x_1..x_n (rows of X_s), the
    directions v_i of X_s = U Σ Vᵀ, times σ_i / √n, signed so that v_i · Σ x_j ≥ 0.
    Lines are batched by length and padded with zero rows (which change nothing), and the
    n × n Gram matrices X Xᵀ (or the d × d matrix Xᵀ X for lines longer than d) are
    diagonalised in one batched call per group.
    """
    check_at_least("k", k)
    out = np.zeros((enc.n_lines, k, vectors.shape[1]), dtype=np.float32)
    for lines, x, n in _padded_lines(vectors, enc, weights):
        out[lines] = _top_directions(x, k, n)
    return out


def _padded_lines(vectors: np.ndarray, enc: EncodedLines, weights: np.ndarray | None = None):
    """Yield (line indices (B,), padded token matrices (B, L, d) float64, lengths (B,)) for
    the non-empty lines, grouped by length so that the padding (zero rows) stays small."""
    d = vectors.shape[1]
    lengths = enc.lengths
    starts = np.concatenate([[0], np.cumsum(lengths)])  # tokens are stored line after line
    order = np.argsort(lengths, kind="stable")
    order = order[lengths[order] > 0]
    # a zero row after the vocabulary stands for the padding of short lines
    padded = np.vstack([np.asarray(vectors, dtype=np.float32), np.zeros((1, d), np.float32)])
    ids = np.append(enc.ids, len(padded) - 1)
    if weights is not None:
        padded[:-1] *= np.asarray(weights, dtype=np.float32)[:, None]
    pos = 0
    while pos < len(order):
        batch = min(len(order) - pos, max(1, _PCS_BATCH_FLOATS // (int(lengths[order[pos]]) * d)))
        while batch > 1 and batch * int(lengths[order[pos + batch - 1]]) * d > _PCS_BATCH_FLOATS:
            batch //= 2
        lines = order[pos : pos + batch]
        L = int(lengths[lines[-1]])
        offs = np.arange(L)
        valid = offs[None, :] < lengths[lines][:, None]
        tok_index = np.where(valid, starts[lines][:, None] + offs[None, :], len(ids) - 1)
        yield lines, padded[ids[tok_index]].astype(np.float64), lengths[lines]
        pos += batch


def _cubed_spectrum(x: np.ndarray) -> np.ndarray:
    """x (B, L, d) → (B, d): Σ_i σ_i³ v_i over the singular triplets of each X, every v_i
    signed so that v_i · Σ_j x_j ≥ 0 (GEM's per-sentence vector, with a fixed sign)."""
    total = x.sum(axis=1)  # (B, d)
    with threadpool_limits(1):
        if x.shape[1] <= x.shape[2]:
            lam, w = np.linalg.eigh(x @ x.transpose(0, 2, 1))  # σ², left singular vectors
            xv = x.transpose(0, 2, 1) @ w  # (B, d, L): columns σ_i v_i
            sign = np.where(np.einsum("bdl,bd->bl", xv, total) < 0, -1.0, 1.0)
            return np.einsum("bdl,bl->bd", xv, np.maximum(lam, 0.0) * sign)
        lam, v = np.linalg.eigh(x.transpose(0, 2, 1) @ x)  # σ², right singular vectors
    sign = np.where(np.einsum("bdl,bd->bl", v, total) < 0, -1.0, 1.0)
    return np.einsum("bdl,bl->bd", v, np.maximum(lam, 0.0) ** 1.5 * sign)


def gem_subspace(vectors: np.ndarray, enc: EncodedLines, k: int = 45) -> tuple[np.ndarray, np.ndarray]:
    """GEM's principal subspace of a set of lines: the top ``k`` right singular vectors
    (k, d) and singular values (k,) of the matrix whose rows are the lines' Σ_i σ_i³ v_i."""
    check_at_least("gem_k", k)
    rows = np.zeros((enc.n_lines, vectors.shape[1]))
    for lines, x, _ in _padded_lines(vectors, enc):
        rows[lines] = _cubed_spectrum(x)
    rows = rows[enc.lengths > 0]
    with threadpool_limits(1):
        evals, evecs = np.linalg.eigh(rows.T @ rows)
    top = np.argsort(evals)[::-1][: min(k, len(rows))]
    return evecs[:, top].T.copy(), np.sqrt(np.maximum(evals[top], 0.0))


def _context_residuals(x: np.ndarray, lengths: np.ndarray, window: int, chunk: int = 4096):
    """For every token x_i (rows of x, line after line): the residual of x_i off the span
    of the other tokens of its line within ``window`` places, and how many those are."""
    t, d = x.shape
    starts = np.repeat(np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    ends = starts + np.repeat(lengths, lengths)
    offs = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    ctx = np.arange(t)[:, None] + offs[None, :]
    valid = (ctx >= starts[:, None]) & (ctx < ends[:, None])
    ctx = np.where(valid, ctx, t)  # t: a zero row
    xp = np.vstack([x, np.zeros((1, d))])
    res = np.empty_like(x)
    with threadpool_limits(1):
        for a in range(0, t, chunk):
            c = xp[ctx[a : a + chunk]]  # (b, 2w, d)
            g = c @ c.transpose(0, 2, 1)
            rhs = np.einsum("bkd,bd->bk", c, x[a : a + chunk])
            beta = np.einsum("bkl,bl->bk", np.linalg.pinv(g, rcond=1e-10, hermitian=True), rhs)
            res[a : a + chunk] = x[a : a + chunk] - np.einsum("bk,bkd->bd", beta, c)
    return res, valid.sum(axis=1)


def gem(
    vectors: np.ndarray,
    enc: EncodedLines,
    directions: np.ndarray,
    singular_values: np.ndarray,
    r: int = 17,
    window: int = 7,
) -> np.ndarray:
    """GEM sentence vectors (Yang, Zhu & Chen 2019, "Parameter-free sentence embedding via
    orthogonal basis"): shape (n_lines, d), empty lines → 0.

    For each line, the ``r`` of the corpus ``directions`` (k, d; :func:`gem_subspace`) on
    which its words weigh most (‖X c_j‖ σ_j) are its "common" directions C. Each word x_i
    is split, by Gram–Schmidt against the other words within ``window`` places, into the
    part its context already spans and a new orthogonal part q_i ‖r_i‖; its weight is
    exp(‖r_i‖/‖x_i‖) (novelty) + ‖r_i‖ / (context + 1) (significance) +
    exp(−‖σ_C ⊙ Cq_i‖ / r) (uniqueness). The sentence is Σ_i weight_i x_i with its
    projection on C removed.
    """
    d = vectors.shape[1]
    out = np.zeros((enc.n_lines, d), dtype=np.float32)
    lengths = enc.lengths
    has = lengths > 0
    if not has.any():
        return out
    k = len(directions)
    r = min(r, k)
    x = np.asarray(vectors, dtype=np.float64)[enc.ids]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[has]
    proj = x @ directions.T  # (T, k)
    score = np.zeros((enc.n_lines, k))
    score[has] = np.sqrt(np.add.reduceat(proj**2, starts, axis=0)) * singular_values
    chosen = np.zeros((enc.n_lines, k), dtype=bool)
    np.put_along_axis(chosen, np.argsort(score, axis=1)[:, k - r :], True, axis=1)
    res, n_ctx = _context_residuals(x, lengths, window)
    rn = np.linalg.norm(res, axis=1)
    xn = np.linalg.norm(x, axis=1)
    spanned = rn <= 1e-6 * xn  # nothing new: q_i = 0
    rn[spanned] = 0.0
    q_on_c = (res @ directions.T) / np.where(spanned, 1.0, rn)[:, None]
    q_on_c[spanned] = 0.0
    uniq = np.linalg.norm(q_on_c * singular_values * chosen[enc.line], axis=1)
    w = np.exp(rn / np.where(xn > 0, xn, 1.0)) + rn / (n_ctx + 1) + np.exp(-uniq / r)
    s = np.add.reduceat(x * w[:, None], starts, axis=0)
    coef = (s @ directions.T) * chosen[has]
    out[has] = s - coef @ directions
    return out


def _top_directions(x: np.ndarray, k: int, n: np.ndarray) -> np.ndarray:
    """x (B, L, d) float64 → (B, k, d): top right singular vectors × σ/√n, signed, zero-padded."""
    B, L, d = x.shape
    xt = x.transpose(0, 2, 1)
    with threadpool_limits(1):  # many tiny eigenproblems: threads only get in the way
        if L <= d:
            evals, u = np.linalg.eigh(x @ xt)  # (B, L), (B, L, L)
            u = u[:, :, ::-1][:, :, :k]
            s = np.sqrt(np.maximum(evals[:, ::-1][:, :k], 0.0))
            v = u.transpose(0, 2, 1) @ x  # (B, k, d) = σ_i v_i
            v /= np.where(s > 0, s, 1.0)[:, :, None]
        else:
            evals, w = np.linalg.eigh(xt @ x)  # (B, d), (B, d, d)
            v = w[:, :, ::-1][:, :, :k].transpose(0, 2, 1)
            s = np.sqrt(np.maximum(evals[:, ::-1][:, :k], 0.0))
    kk = v.shape[1]
    tol = np.maximum(s[:, :1], 1e-30) * 1e-6 * max(L, d)
    keep = (s > tol) & (np.arange(kk)[None, :] < n[:, None])  # directions beyond the rank are zero
    total = x.sum(axis=1)  # (B, d)
    dots = (v @ total[:, :, None])[:, :, 0]
    big = np.take_along_axis(v, np.argmax(np.abs(v), axis=2)[:, :, None], axis=2)[:, :, 0]
    ref = np.where(np.abs(dots) > 1e-9 * np.linalg.norm(total, axis=1, keepdims=True), dots, big)
    sign = np.where(ref < 0, -1.0, 1.0)
    scale = np.where(keep, sign * s / np.sqrt(n)[:, None], 0.0)
    res = np.zeros((B, k, d), dtype=np.float32)
    res[:, :kk] = v * scale[:, :, None]
    return res


class SentenceFeatures:
    """Fixed-length features for lines of text from a word embedding.

    Parameters
    ----------
    emb : Embedding
    mode : one of :data:`MODES`, or several joined by "+" (concatenated in that order);
        None: :data:`DEFAULT_MODE`, or ``mean`` for a model without word counts (``fell_back``)
    a : float — SIF smoothing a in a / (a + p(w))
    remove : int or None — common components to remove in ``sif`` (default 1) and
        ``usif`` / ``usif-oov`` (default 5), fitted by :meth:`fit` (``usif-cn`` removes none:
        it damps them all, ``cn_mu``)
    k : int — principal directions per line in ``pcs`` mode
    pcs_weighted : bool — weight the token rows by their SIF weight before the pcs SVD
    unit : bool — use unit-length word vectors in ``mean``, ``sif``, ``pcs``, ``pmeans``, ``gem``
        (``usif`` always does, as in the paper)
    dim : int or None — project the features on their top ``dim`` principal directions
    abtt : int — first make the word vectors "all but the top" (Mu & Viswanath 2018): remove
        their mean and their top ``abtt`` principal directions (0: leave them as they are)
    usif_n : int — uSIF's expected sentence length n
    gem_k, gem_r, gem_window : GEM's corpus directions, directions removed per line, and
        context window (the paper's 45, 17, 7)
    cn_mu : float — ``usif-cn``'s conceptor strength α² on the fitting lines' correlation
        matrix scaled to mean eigenvalue 1 (:func:`conceptor_negation`; 0.07, chosen on STS12)
    ctx_gamma, ctx_beta : float — ``usif-ctx``'s weights of a word's context direction beside
        its own unit vector (vocabulary and built words: γ 0.25) and beside an unknown word's
        random direction (β 1); chosen on STS12 and AG News

    ``fit(lines)`` estimates what the modes learn from text (common components, GEM's
    subspace, the projection) on training lines; ``transform(lines)`` gives an array of
    shape (n_lines, dim_out), float32.  ``lines`` is a sequence of str, one sentence each
    (not one str).  In a concatenation every part is scaled to unit length per line, so the
    cosine of two rows is the mean of their parts' cosines.

    The modes and their papers are in this module's docstring: ``usif-ctx`` (the default:
    ``usif-cn`` with each word's direction moved toward its use in the fitting lines, after
    Lazaridou et al. 2017 and Khodak et al. 2018), ``usif-cn`` (uSIF, Ethayarajh 2018, with
    conceptor negation, Liu, Ungar & Sedoc 2019), ``usif``, ``sif`` (Arora, Liang & Ma
    2017), ``gem`` (Yang, Zhu & Chen 2019), ``pmeans`` (Rücklé et al. 2018), ``mean``,
    ``pcs``.  The default mode, ``cn_mu`` and the ``ctx_*`` weights were decided on STS12
    and AG News and confirmed on STS13 and CR (BENCHMARKS.md "Sentence features": "The
    default: usif-ctx", "How usif-cn was chosen"); ``a``, ``remove``, ``usif_n`` and GEM's
    settings are the papers'.

    Raises :class:`ParameterError` naming the parameter for an unknown mode or a bad
    setting (``k``, ``dim``, ``a``, …), for ``lines`` given as one str, for :meth:`transform`
    before :meth:`fit` in a mode that learns from text, and for a ``dim`` above what the
    fitting lines span; :class:`DataError` when no fitting line has a known word.
    """

    def __init__(
        self,
        emb: Embedding,
        mode: str | None = None,
        a: float = 1e-3,
        remove: int | None = None,
        k: int = 2,
        pcs_weighted: bool = False,
        unit: bool = False,
        dim: int | None = None,
        tokenizer: Tokenizer | None = None,
        abtt: int = 0,
        usif_n: int = 11,
        gem_k: int = 45,
        gem_r: int = 17,
        gem_window: int = 7,
        cn_mu: float = CONCEPTOR_MU,
        ctx_gamma: float = CONTEXT_GAMMA,
        ctx_beta: float = CONTEXT_BETA,
    ) -> None:
        self.emb = emb
        #: True when no mode was given and the model keeps no word counts, so that the
        #: default (which weights words by frequency) gave way to ``mean``
        self.fell_back = mode is None and (emb.counts is None or not np.asarray(emb.counts).sum() > 0)
        if mode is None:
            mode = "mean" if self.fell_back else DEFAULT_MODE
        self.modes = parse_mode(mode)
        check_count("k", k)
        if remove is not None:
            check_at_least("remove", remove, 0)
        check_at_least("gem_k", gem_k)
        check_at_least("gem_r", gem_r)
        check_at_least("gem_window", gem_window)
        self.a, self.remove, self.k = a, remove, k
        self.pcs_weighted, self.unit = pcs_weighted, unit
        if dim is not None:
            check_count("dim", dim)
        self.dim = dim
        self.abtt, self.usif_n = abtt, usif_n
        self.gem_k, self.gem_r, self.gem_window = gem_k, gem_r, gem_window
        check_positive("cn_mu", cn_mu)
        check_at_least("ctx_gamma", ctx_gamma, 0)
        check_at_least("ctx_beta", ctx_beta, 0)
        for name, value in (("cn_mu", cn_mu), ("ctx_gamma", ctx_gamma), ("ctx_beta", ctx_beta)):
            if not np.isfinite(value):
                raise ParameterError(name, value, "must be finite")
        self.cn_mu = cn_mu
        self.ctx_gamma, self.ctx_beta = float(ctx_gamma), float(ctx_beta)
        self.pca_: PCAResult | None = None
        self.tokenizer = tokenizer or model_tokenizer(emb)
        self.weights = sif_weights(emb.counts, a) if self._needs_weights else None
        self.usif_weights = None
        if any(m in ("usif", *_OOV) for m in self.modes):
            self.usif_weights, self.usif_a = usif_weights(emb.counts, usif_n)
        self.fitted_: dict[str, np.ndarray] = {}
        self._base: np.ndarray | None = None
        self._abtt: tuple[np.ndarray, np.ndarray] | None = None
        if abtt:
            self._abtt = abtt_fit(emb.vectors, abtt)
            self._base = _abtt_apply(emb.vectors, *self._abtt)
        #: the words outside the vocabulary built from their n-grams, over every call so far
        self.built_: set[str] = set()

    @property
    def settings(self) -> set[str]:
        """The settings its modes read (:data:`embedkit.options.FEATURE_MODE_SETTINGS`;
        ``a`` for weighted ``pcs`` too), beside ``dim`` and ``abtt``, which every mode reads."""
        read = {s for m in self.modes for s in FEATURE_MODE_SETTINGS[m]}
        return read | {"a"} if "pcs" in self.modes and self.pcs_weighted else read

    @property
    def _needs_weights(self) -> bool:
        return "sif" in self.modes or ("pcs" in self.modes and self.pcs_weighted)

    @property
    def components_(self) -> np.ndarray | None:
        """SIF's fitted common components (remove, d), or None."""
        return self.fitted_.get("sif_components")

    def _removed(self, mode: str) -> int:
        if self.remove is not None:
            return self.remove
        return 1 if mode == "sif" else 5

    @property
    def vectors(self) -> np.ndarray:
        v = self._base if self._base is not None else np.asarray(self.emb.vectors, dtype=np.float32)
        return _unit_rows(v) if self.unit else v

    @property
    def unit_vectors(self) -> np.ndarray:
        return _unit_rows(self._base) if self._base is not None else self.emb.unit

    def _built(self, enc: EncodedLines) -> np.ndarray | None:
        """The built words' vectors as the vocabulary's are used (all-but-the-top applied)."""
        if enc.built_vectors is None or not len(enc.built_vectors):
            return None
        return _abtt_apply(enc.built_vectors, *self._abtt) if self._abtt is not None else enc.built_vectors

    def _vectors(self, enc: EncodedLines) -> np.ndarray:
        """:attr:`vectors`, with the rows of the words ``enc`` built from their n-grams below."""
        extra = self._built(enc)
        if extra is None:
            return self.vectors
        return np.vstack([self.vectors, _unit_rows(extra) if self.unit else extra])

    def _unit_vectors(self, enc: EncodedLines) -> np.ndarray:
        extra = self._built(enc)
        return self.unit_vectors if extra is None else np.vstack([self.unit_vectors, _unit_rows(extra)])

    @staticmethod
    def _weights(weights: np.ndarray | None, enc: EncodedLines, unseen: float) -> np.ndarray | None:
        """Word weights (V,) extended to the built words, each weighted as a word of
        probability 0 (``unseen``: SIF's a / (a + 0) = 1, uSIF's a / (a/2) = 2)."""
        if weights is None or not enc.built:
            return weights
        return np.concatenate([weights, np.full(len(enc.built), unseen, dtype=weights.dtype)])

    @property
    def dim_out(self) -> int:
        if self.dim is not None:
            return self.dim
        d = self.emb.dim
        return sum(self.k * d if m == "pcs" else 3 * d if m == "pmeans" else d for m in self.modes)

    @property
    def needs_fit(self) -> bool:
        """Whether :meth:`transform` needs :meth:`fit` (or :meth:`load_fit`) first."""
        return any(m in _FITTED for m in self.modes) or self.dim is not None

    def encode(self, lines: Sequence[str] | EncodedLines) -> EncodedLines:
        if isinstance(lines, EncodedLines):
            return lines
        if isinstance(lines, str):  # its characters would be taken for lines, one each
            raise ParameterError("lines", _short(lines), "must be a sequence of lines, not one string (give [line])")
        oov = any(m in _OOV for m in self.modes)
        enc = encode_lines(self.emb, lines, self.tokenizer, keep_unknown=oov, build_unseen=True)
        self.built_.update(enc.built)
        return enc

    def _usif_average(
        self, enc: EncodedLines, with_unknown: bool, contexts: Mapping[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """uSIF's weighted average of unit word vectors; with_unknown: unknown words count
        too, each as its own random unit direction (:func:`unknown_vectors`) weighted as a
        word of probability 0 (a / (a/2) = 2).  ``contexts`` (``usif-ctx``): the fitted
        context directions, moving the words' directions (:meth:`_context_moved`)."""
        w = self._weights(self.usif_weights, enc, 2.0)
        m = enc.counts @ sp.diags(w)
        unit = self._unit_vectors(enc)
        if contexts is not None:
            unit = self._context_moved(enc, unit, contexts)
        x = np.asarray(m @ unit, dtype=np.float64)
        n = np.asarray(enc.counts.sum(axis=1), dtype=np.float64).ravel()
        if with_unknown:
            if enc.unknown_counts is None:
                raise ParameterError(
                    "usif-oov / usif-cn / usif-ctx features need lines encoded with their unknown words"
                )
            if enc.unknown:
                u = unknown_vectors(enc.unknown, self.emb.dim).astype(np.float64)
                if contexts is not None:
                    u = _moved(u, enc.unknown, contexts["unknown_words"], contexts["unknown"], self.ctx_beta)
                x += 2.0 * np.asarray(enc.unknown_counts @ u)
                n += np.asarray(enc.unknown_counts.sum(axis=1), dtype=np.float64).ravel()
        return (x / np.where(n > 0, n, 1.0)[:, None]).astype(np.float32)

    def _context_moved(self, enc: EncodedLines, unit: np.ndarray, contexts: Mapping[str, np.ndarray]) -> np.ndarray:
        """The unit word vectors (vocabulary, then ``enc``'s built words) moved toward their
        fitted context directions: unit(u + γ c) (``usif-ctx``); words without one unchanged."""
        unit = np.array(unit, dtype=np.float32)
        ids = contexts["vocab_ids"]
        unit[ids] = _unit_rows(unit[ids] + self.ctx_gamma * contexts["vocab"])
        if enc.built:
            v = len(self.emb)
            unit[v:] = _moved(unit[v:], enc.built, contexts["built_words"], contexts["built"], self.ctx_gamma)
        return unit

    def _fit_contexts(self, enc: EncodedLines) -> dict[str, np.ndarray]:
        """``usif-ctx``'s context directions on the fitting lines ``enc``: the vocabulary's
        (by id), the built words' and the unknown words' (by word), each (·, d) float32."""
        w = self._weights(self.usif_weights, enc, 2.0)
        unit = self._unit_vectors(enc)
        known = context_directions(enc.counts, np.asarray((enc.counts @ sp.diags(w)) @ unit))
        v = len(self.emb)
        ids = np.flatnonzero(np.abs(known[:v]).sum(axis=1) > 0)
        built = np.flatnonzero(np.abs(known[v:]).sum(axis=1) > 0)
        out = {
            "vocab_ids": ids.astype(np.int64),
            "vocab": known[ids],
            "built_words": np.array([enc.built[i] for i in built], dtype=str),
            "built": known[v:][built],
        }
        moved = self._context_moved(enc, unit, out)
        if enc.unknown:
            c = context_directions(enc.unknown_counts, np.asarray((enc.counts @ sp.diags(w)) @ moved))
        else:
            c = np.zeros((0, self.emb.dim), dtype=np.float32)
        out["unknown_words"] = np.array(enc.unknown, dtype=str)
        out["unknown"] = c
        return out

    def _raw(self, mode: str, enc: EncodedLines) -> np.ndarray:
        """The mode's features before what fit() learnt is applied."""
        if mode == "mean":
            return _row_average(enc.counts, self._vectors(enc))
        if mode == "sif":
            return _row_average(enc.counts, self._vectors(enc), self._weights(self.weights, enc, 1.0))
        if mode == "usif-ctx":
            return self._usif_average(enc, True, self._contexts())
        if mode in ("usif", *_OOV):
            return self._usif_average(enc, mode in _OOV)
        if mode == "pmeans":
            return power_means(self._vectors(enc), enc)
        if mode == "pcs":
            w = self._weights(self.weights, enc, 1.0) if self.pcs_weighted else None
            return principal_directions(self._vectors(enc), enc, self.k, w).reshape(enc.n_lines, -1)
        raise AssertionError(mode)

    def fit(self, lines: Sequence[str] | EncodedLines) -> SentenceFeatures:
        """Learn, on these lines, the common components (SIF, uSIF), the conceptor and the
        context directions (``usif-cn``, ``usif-ctx``), GEM's subspace, the projection."""
        enc = self.encode(lines)
        if self.needs_fit and enc.n_empty == enc.n_lines and not (enc.unknown and any(m in _OOV for m in self.modes)):
            raise DataError("no line to fit the features on has a known word")
        self.fitted_ = {}
        for m in self.modes:
            if m == "sif":
                x = self._raw(m, enc)[enc.lengths > 0]
                self.fitted_["sif_components"] = common_components(x, min(self._removed(m), len(x)))
            elif m in ("usif", "usif-oov"):
                x = self._raw(m, enc)
                x = x[np.abs(x).sum(axis=1) > 0]
                comps, sv = _top_singular(x, min(self._removed(m), len(x)))
                self.fitted_[f"{m}_components"] = comps
                self.fitted_[f"{m}_lambdas"] = (sv**2 / max(float((sv**2).sum()), 1e-300)).astype(np.float32)
            elif m in ("usif-cn", "usif-ctx"):
                if m == "usif-ctx":
                    for key, value in self._fit_contexts(enc).items():
                        self.fitted_[f"usif-ctx_{key}"] = value
                x = self._raw(m, enc)
                self.fitted_[f"{m}_negation"] = conceptor_negation(x[np.abs(x).sum(axis=1) > 0], self.cn_mu)
            elif m == "gem":
                dirs, sv = gem_subspace(self._vectors(enc), enc, self.gem_k)
                self.fitted_["gem_directions"], self.fitted_["gem_singular_values"] = dirs, sv
        self.pca_ = None
        if self.dim is not None:
            x = self._features(enc)
            x = x[np.abs(x).sum(axis=1) > 0]
            # the projection is a PCA: centred, n lines span at most n - 1 directions
            most = min(x.shape[0] - 1, x.shape[1])
            if self.dim > most:
                raise ParameterError(
                    "dim",
                    self.dim,
                    f"is more than the fitting lines' {counted(most, 'direction')} (their mean removed)",
                    True,
                )
            self.pca_ = pca(x, self.dim)
        return self

    def fit_or_load(
        self,
        lines: Sequence[str] | EncodedLines,
        fit_on: Sequence[str] | EncodedLines | None = None,
        load_fit: str | None = None,
    ) -> int | None:
        """Get ready to transform ``lines``: read a fit saved by :meth:`save_fit`
        (``load_fit``), or, when the mode needs one, fit on ``fit_on`` lines (default:
        ``lines`` themselves).  Returns how many lines were fitted on (None when nothing
        was fitted), so that a caller can warn about a fit on very few."""
        if fit_on is not None and load_fit is not None:
            raise ParameterError(f"give {param('fit_on')} or {param('load_fit')}, not both")
        if load_fit is not None:
            self.load_fit(load_fit)
            return None
        if not self.needs_fit:
            return None
        enc = self.encode(fit_on if fit_on is not None else lines)
        self.fit(enc)
        return enc.n_lines

    def transform(self, lines: Sequence[str] | EncodedLines) -> np.ndarray:
        """Features of shape (n_lines, dim_out), float32; lines with no word → zeros."""
        enc = self.encode(lines)
        x = self._features(enc)
        if self.dim is not None:
            if self.pca_ is None:
                raise ParameterError("projected features (dim) need a fitted projection: call fit() first")
            empty = np.abs(x).sum(axis=1) == 0
            x = self.pca_.transform(x).astype(np.float32)
            x[empty] = 0.0
        return x

    def _contexts(self) -> dict[str, np.ndarray]:
        """``usif-ctx``'s fitted context directions (:meth:`_fit_contexts`), keys without the prefix."""
        self._fitted("usif-ctx_vocab")
        n = len("usif-ctx_")
        return {k[n:]: v for k, v in self.fitted_.items() if k.startswith("usif-ctx_") and k != "usif-ctx_negation"}

    def _fitted(self, key: str) -> np.ndarray:
        if key not in self.fitted_:
            mode = key.split("_")[0]
            raise ParameterError(f"{mode} features need what fit() learns from text: call fit() first")
        return self.fitted_[key]

    def _features(self, enc: EncodedLines) -> np.ndarray:
        parts = []
        for m in self.modes:
            if m == "gem":
                x = gem(
                    self._vectors(enc),
                    enc,
                    self._fitted("gem_directions"),
                    self._fitted("gem_singular_values"),
                    self.gem_r,
                    self.gem_window,
                )
            else:
                x = self._raw(m, enc)
            if m == "sif":
                c = self._fitted("sif_components")
                x = x - (x @ c.T) @ c
                x[enc.lengths == 0] = 0.0
            elif m in ("usif", "usif-oov"):
                c, lam = self._fitted(f"{m}_components"), self._fitted(f"{m}_lambdas")
                zero = np.abs(x).sum(axis=1) == 0
                x = x - ((x @ c.T) * lam) @ c
                x[zero] = 0.0
            elif m in ("usif-cn", "usif-ctx"):
                x = x @ self._fitted(f"{m}_negation")  # symmetric; zero rows stay zero
            parts.append(np.asarray(x, dtype=np.float32))
        if len(parts) == 1:
            return parts[0]
        return np.hstack([_unit_rows(p) for p in parts])

    def fit_transform(self, lines: Sequence[str] | EncodedLines) -> np.ndarray:
        enc = self.encode(lines)
        return self.fit(enc).transform(enc)

    def _config(self) -> dict:
        return {
            "mode": "+".join(self.modes),
            "a": self.a,
            "remove": self.remove,
            "k": self.k,
            "pcs_weighted": self.pcs_weighted,
            "unit": self.unit,
            "dim": self.dim,
            "abtt": self.abtt,
            "usif_n": self.usif_n,
            "gem": [self.gem_k, self.gem_r, self.gem_window],
            "cn_mu": self.cn_mu,
            "ctx": [self.ctx_gamma, self.ctx_beta],
            "model_dim": self.emb.dim,
            "model": self._model_fingerprint(),
        }

    def _model_fingerprint(self) -> str:
        """A short hash of the model's words and vectors (every ⌈V/1000⌉-th row): a fit
        is only meaningful on the vectors it was fitted with."""
        emb = self.emb
        step = max(1, len(emb) // 1000)
        h = hashlib.sha256("\n".join(list(emb.words)[::step]).encode("utf-8"))
        h.update(np.ascontiguousarray(np.asarray(emb.vectors[::step], dtype=np.float32)).tobytes())
        return h.hexdigest()[:16]

    def _model_description(self) -> str:
        """The model as a message names it: its size and, when it records one, its corpus."""
        emb = self.emb
        corpus = emb.params.get("corpus") if isinstance(emb.params, dict) else None
        return f"{counted(len(emb), 'word')} × {counted(emb.dim, 'dim')}" + (f", from {corpus}" if corpus else "")

    def save_fit(self, path: str) -> None:
        """Write what :meth:`fit` learnt (and the options it was learnt with) to an ``.npz``."""
        if self.needs_fit and (
            (any(m in _FITTED for m in self.modes) and not self.fitted_) or (self.dim is not None and self.pca_ is None)
        ):
            raise ParameterError("nothing fitted to save: call fit() first")
        config = {**self._config(), "model_description": self._model_description()}  # named in messages, not compared
        arrays = {"config": np.array(json.dumps(config, sort_keys=True)), **self.fitted_}
        if self.pca_ is not None:
            arrays["pca_components"] = self.pca_.components
            arrays["pca_mean"] = self.pca_.mean
        with atomic_output(path) as f:
            np.savez(f, **arrays)

    @classmethod
    def from_fit(cls, emb: Embedding, path: str, tokenizer: Tokenizer | None = None, **options) -> SentenceFeatures:
        """Features with the options a fit saved by :meth:`save_fit` was made with (its
        ``mode``, ``a``, ``remove``, ``k``, ``dim``, ``unit``, ``abtt``, …), that fit loaded.

        ``options`` (the keyword arguments of :class:`SentenceFeatures`) may repeat the
        fit's options; one that differs from the fit's raises :class:`ParameterError`
        naming the parameter, the fit's value and the given one, as :meth:`load_fit`
        does for any option (a fit means nothing with other options), and so does a fit
        of another model.  Raises :class:`InputError` for a file that is not a fit.
        """
        fit = _read_fit(path)  # once: a pipe cannot be read again
        config = fit[1]
        saved = {key: config[key] for key in _FIT_OPTIONS if key in config}
        if "gem" in config:
            saved["gem_k"], saved["gem_r"], saved["gem_window"] = config["gem"]
        if "ctx" in config:
            saved["ctx_gamma"], saved["ctx_beta"] = config["ctx"]
        return cls(emb, **{**saved, **options}, tokenizer=tokenizer)._adopt(*fit)

    def load_fit(self, path: str) -> SentenceFeatures:
        """Reuse a fit saved by :meth:`save_fit`; its options must match this object's
        (else :class:`ParameterError` naming each option, the fit's value and this one's;
        :meth:`from_fit` takes the fit's options instead)."""
        return self._adopt(*_read_fit(path))

    def _adopt(self, p: str, config: dict, arrays: dict[str, np.ndarray]) -> SentenceFeatures:
        """:meth:`load_fit` of a fit already read (:func:`_read_fit`)."""
        mine = self._config()
        if "model" not in config:  # a fit saved before fits recorded their model
            mine.pop("model")
        elif config["model"] != mine["model"]:  # other options mean nothing on other vectors
            theirs = f" ({config['model_description']})" if config.get("model_description") else ""
            raise ParameterError(
                f"{p} was fitted on another model's vectors: model {config['model']}{theirs}, not this model "
                f"{mine['model']} ({self._model_description()}); give the model it was fitted on, or fit on this "
                f"one ({param('fit_on')} lines, in place of {param('load_fit')})"
            )
        if "cn_mu" not in config:  # a fit saved before usif-cn existed: cn_mu played no part in it
            mine.pop("cn_mu")
        if "ctx" not in config:  # likewise for usif-ctx's context weights
            mine.pop("ctx")
        for options in (config, mine):  # the context weights are two options, named as such
            if "ctx" in options:
                options["ctx_gamma"], options["ctx_beta"] = options.pop("ctx")

        def shown(value):  # an option left out (dim None) reads as such, not as Python's None
            return "not given" if value is None else repr(value)

        diff = [
            f"the model's dimension {config.get(key)!r} (here {mine[key]!r})"
            if key == "model_dim"
            else f"{param(key)} {shown(config.get(key))} (here {shown(mine[key])})"
            for key in mine
            if config.get(key) != mine[key]
        ]
        if diff:
            raise ParameterError(f"{p} was fitted with other options: {', '.join(diff)}")
        comps, mean = arrays.pop("pca_components", None), arrays.pop("pca_mean", None)
        self.fitted_ = arrays
        self.pca_ = None if comps is None else PCAResult(comps, np.zeros(0), 0.0, mean, None, 0)
        return self


#: The options of :class:`SentenceFeatures` a fit records under their own name (``gem``
#: and ``ctx`` hold lists; ``model`` and ``model_dim`` are checks, not options).
_FIT_OPTIONS = ("mode", "a", "remove", "k", "pcs_weighted", "unit", "dim", "abtt", "usif_n", "cn_mu")


def _read_fit(path: str) -> tuple[str, dict, dict[str, np.ndarray]]:
    """(the path as shown, the options, the arrays) of a fit saved by :meth:`SentenceFeatures.save_fit`."""
    p = display_name(path)
    try:
        with np.load(seekable_source(path), allow_pickle=False) as z:  # a pipe too: read once
            config = json.loads(str(z["config"]))
            arrays = {key: z[key] for key in z.files if key != "config"}
    except (ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{p}: not a sentence-features fit file ({numpy_reason(exc)})") from None
    return str(p), config, arrays


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32); zero rows stay zero."""
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


def context_directions(counts: sp.spmatrix, line_sums: np.ndarray) -> np.ndarray:
    """Each word's context direction: the unit-length sum, over the lines it occurs in (as
    often as it occurs), of those lines' unit-length feature directions.

    counts : (n_lines × n_words) sparse counts; line_sums : (n_lines, d) — the lines' (weighted)
    sums of word directions; returns (n_words, d) float32, zero rows for words no line has (or
    whose lines are all zero).  ``usif-ctx`` uses it (additive context induction: Lazaridou,
    Marelli & Baroni 2017; Khodak et al. 2018, "A la carte embedding").
    """
    lines = _unit_rows(np.asarray(line_sums, dtype=np.float64))
    return _unit_rows(np.asarray(counts.T @ lines, dtype=np.float64))


def _moved(
    vectors: np.ndarray, words: Sequence[str], known: np.ndarray, contexts: np.ndarray, weight: float
) -> np.ndarray:
    """unit(v + weight · c) for the rows of ``vectors`` whose word is in ``known`` (its context
    direction c the matching row of ``contexts``); the other rows unchanged."""
    out = np.array(vectors, dtype=np.float64)
    if not len(known) or weight == 0:
        return out
    slot = {w: i for i, w in enumerate(known.tolist())}
    rows = [(i, slot[w]) for i, w in enumerate(words) if w in slot]
    if rows:
        i, j = (np.array(t) for t in zip(*rows))
        out[i] = _unit_rows(out[i] + weight * np.asarray(contexts, dtype=np.float64)[j])
    return out


def conceptor_negation(x: np.ndarray, mu: float = 0.07) -> np.ndarray:
    """The conceptor negation ¬C = I − C of the rows of x (n × d), as a (d × d) float32 matrix.

    Liu, Ungar & Sedoc (2019), "Unsupervised post-processing of word vectors via conceptor
    negation" (AAAI): with R = xᵀx / n the rows' correlation matrix (uncentred), the conceptor
    of aperture α is C = R (R + α⁻² I)⁻¹, and ¬C = (I + α² R)⁻¹ damps each principal direction
    of R, of eigenvalue λ, by 1 / (1 + α² λ) — a soft removal of the common directions, where
    SIF / uSIF remove a few of them outright. Here R is first scaled to mean eigenvalue 1
    (trace d), so that ``mu`` = α² does not depend on the vectors' scale: a direction with the
    average share of the rows' energy keeps 1 / (1 + mu) of its length. Apply as x @ ¬C
    (¬C is symmetric). A zero x (no row) gives the identity.
    """
    check_positive("cn_mu", mu)
    x64 = np.asarray(x, dtype=np.float64)
    d = x64.shape[1]
    r = x64.T @ x64 / max(len(x64), 1)
    tr = float(np.trace(r))
    if tr > 0:
        r *= d / tr
    with threadpool_limits(1):
        evals, evecs = np.linalg.eigh(r)
    neg = (evecs / (1.0 + mu * np.maximum(evals, 0.0))) @ evecs.T
    return ((neg + neg.T) / 2).astype(np.float32)


def _top_singular(x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` right singular vectors (n, d) of x (not centred) and their singular values."""
    x64 = np.asarray(x, dtype=np.float64)
    with threadpool_limits(1):
        evals, evecs = np.linalg.eigh(x64.T @ x64)
    top = np.argsort(evals)[::-1][:n]
    return evecs[:, top].T.astype(np.float32), np.sqrt(np.maximum(evals[top], 0.0))


def sentence_features(emb: Embedding, lines: Iterable[str], mode: str = DEFAULT_MODE, **options) -> np.ndarray:
    """Features of ``lines`` (a sequence of str, one sentence each): an array of shape
    (n_lines, dim_out), float32, fitting what the mode learns on these same lines
    (:class:`SentenceFeatures` ``(emb, mode, **options).fit_transform(lines)``; its
    docstring has the modes, their papers, the defaults and the errors)."""
    return SentenceFeatures(emb, mode, **options).fit_transform(list(lines))
