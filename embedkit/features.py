"""Sentence and document features from word vectors: mean, SIF, top principal components.

Every line of text becomes one fixed-length row, in order.  Lines are tokenized as the
model's corpus was (its ``pattern`` / ``lowercase`` parameters), mapped to word ids once,
and kept as a sparse (lines × vocabulary) count matrix, so weighted averages are a single
sparse-dense product rather than a Python loop per sentence.

Modes (``mode`` may join several with ``+``, e.g. ``"sif+pcs"``, to concatenate them):

``mean``
    The average of the vectors of the line's known tokens (repeats count).  Shape (n, d).
``sif``
    Smooth inverse frequency (Arora, Liang & Ma 2017): the average of the token vectors
    weighted by a / (a + p(w)), p(w) the word's relative frequency in the model's corpus,
    then with the projection on the first ``remove`` principal directions of the *training*
    sentences' weighted averages (the "common component", uncentred, as in the paper)
    subtracted.  :meth:`SentenceFeatures.fit` estimates those directions once; the same
    directions are then removed from every later batch (e.g. the test sentences).  Shape (n, d).
``pcs``
    The top ``k`` principal directions of the line's matrix of token vectors X (n_tokens × d),
    i.e. the right singular vectors v_1..v_k of X (not centred, so v_1 follows the bulk of
    the words and the mean), each scaled by σ_i / √n_tokens (its root-mean-square share of
    the words), concatenated.  Shape (n, k·d).

    *Sign*: a singular vector is only defined up to sign; each v_i is turned so that the
    line's words score positively on it on the whole, vᵢ · Σⱼ xⱼ ≥ 0; when that sum is
    (numerically) zero, so that its largest-magnitude coordinate is positive.
    *Fewer than k words*: a line with r < k known tokens (rank ≤ r) has only r directions;
    the others are zero vectors (the feature is zero-padded), so every row has length k·d.

A line that is empty or has no known word gets a row of zeros in every mode.

``dim = m`` then projects the (concatenated) features on their top ``m`` principal
directions, fitted with the SIF component on the training lines (centred PCA,
:func:`embedkit.linalg.pca`): fewer, decorrelated features, which a lightly regularised
classifier overfits less (BENCHMARKS.md, "Sentence features").  Empty lines stay zero rows.

What :meth:`SentenceFeatures.fit` learns (the SIF components and the projection) is saved
with :meth:`SentenceFeatures.save_fit` and reloaded with :meth:`SentenceFeatures.load_fit`,
so test sentences get exactly the training transformation.
"""

from __future__ import annotations

import itertools
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from .errors import DataError, InputError, ParameterError, check_at_least, check_positive, param
from .io import atomic_output, check_readable, numpy_reason
from .linalg import PCAResult, fix_signs, pca
from .options import FEATURE_MODES
from .tokenize import Tokenizer
from .vectors import Embedding

MODES = FEATURE_MODES

#: Floats held at once by one padded batch of the pcs mode (batch × length × dim).
_PCS_BATCH_FLOATS = 1 << 24


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
    vocab: Embedding | Mapping[str, int], lines: Sequence[str], tokenizer: Tokenizer | None = None
) -> EncodedLines:
    """Tokenize ``lines`` and keep the tokens in the vocabulary (a model, or word → id).

    A model brings its own tokenizer (:func:`model_tokenizer`); a plain mapping needs one.
    """
    if isinstance(vocab, Embedding):
        index, tok = vocab.index, tokenizer or model_tokenizer(vocab)
    else:
        index, tok = vocab, tokenizer or Tokenizer()
    n_words = len(index)
    token_lists = [tok.tokenize(line) for line in lines]
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat = itertools.chain.from_iterable(token_lists)
    ids = np.fromiter(map(index.get, flat, itertools.repeat(-1)), dtype=np.int64, count=int(lengths.sum()))
    line = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
    known = ids >= 0
    ids, line = ids[known], line[known]
    counts = sp.csr_matrix(
        (np.ones(len(ids), dtype=np.float32), (line, ids)), shape=(len(token_lists), n_words), dtype=np.float32
    )
    counts.sum_duplicates()
    return EncodedLines(ids, line, counts)


def sif_weights(counts: np.ndarray, a: float = 1e-3) -> np.ndarray:
    """a / (a + p(w)) for word counts (V,), p(w) = count / total; shape (V,), float32."""
    check_positive("sif_a", a)
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    if total <= 0:
        raise DataError(
            "the model keeps no word counts; SIF weighting needs them (train it with embedkit, "
            "or import the vectors with their counts: embedkit import VECTORS --counts VOCAB)"
        )
    return (a / (a + c / total)).astype(np.float32)


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
    d = vectors.shape[1]
    out = np.zeros((enc.n_lines, k, d), dtype=np.float32)
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
        # padded token matrices, (B, L, d)
        offs = np.arange(L)
        valid = offs[None, :] < lengths[lines][:, None]
        tok_index = np.where(valid, starts[lines][:, None] + offs[None, :], len(ids) - 1)
        x = padded[ids[tok_index]].astype(np.float64)
        out[lines] = _top_directions(x, k, lengths[lines])
        pos += batch
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
    mode : "mean", "sif", "pcs", or several joined by "+" (concatenated in that order)
    a : float — SIF smoothing a in a / (a + p(w))
    remove : int — SIF common components to remove (fitted by :meth:`fit`)
    k : int — principal directions per line in ``pcs`` mode
    pcs_weighted : bool — weight the token rows by their SIF weight before the pcs SVD
    unit : bool — average unit-length word vectors instead of the raw vectors
    dim : int or None — project the features on their top ``dim`` principal directions

    ``fit(lines)`` estimates the SIF common components (and the projection) on training
    lines; ``transform(lines)`` gives an array of shape (n_lines, dim_out), float32.
    """

    def __init__(
        self,
        emb: Embedding,
        mode: str = "mean",
        a: float = 1e-3,
        remove: int = 1,
        k: int = 2,
        pcs_weighted: bool = False,
        unit: bool = False,
        dim: int | None = None,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        self.emb = emb
        self.modes = parse_mode(mode)
        check_at_least("k", k)
        check_at_least("remove", remove, 0)
        self.a, self.remove, self.k = a, remove, k
        self.pcs_weighted, self.unit = pcs_weighted, unit
        if dim is not None:
            check_at_least("dim", dim)
        self.dim = dim
        self.pca_: PCAResult | None = None
        self.tokenizer = tokenizer or model_tokenizer(emb)
        self.weights = sif_weights(emb.counts if emb.counts is not None else [], a) if self._needs_weights else None
        self.components_: np.ndarray | None = None

    @property
    def _needs_weights(self) -> bool:
        return "sif" in self.modes or ("pcs" in self.modes and self.pcs_weighted)

    @property
    def vectors(self) -> np.ndarray:
        return self.emb.unit if self.unit else np.asarray(self.emb.vectors, dtype=np.float32)

    @property
    def dim_out(self) -> int:
        if self.dim is not None:
            return self.dim
        d = self.emb.dim
        return sum(self.k * d if m == "pcs" else d for m in self.modes)

    @property
    def needs_fit(self) -> bool:
        """Whether :meth:`transform` needs :meth:`fit` (or :meth:`load_fit`) first."""
        return "sif" in self.modes or self.dim is not None

    def encode(self, lines: Sequence[str] | EncodedLines) -> EncodedLines:
        if isinstance(lines, EncodedLines):
            return lines
        return encode_lines(self.emb, lines, self.tokenizer)

    def _sif_average(self, enc: EncodedLines) -> np.ndarray:
        return _row_average(enc.counts, self.vectors, self.weights)

    def fit(self, lines: Sequence[str] | EncodedLines) -> SentenceFeatures:
        """Estimate the SIF common components (remove, d) and the projection on these lines."""
        enc = self.encode(lines)
        if self.needs_fit and enc.n_empty == enc.n_lines:
            raise DataError("no line to fit the features on has a known word")
        if "sif" in self.modes:
            x = self._sif_average(enc)[enc.lengths > 0]
            self.components_ = common_components(x, min(self.remove, len(x)))
        self.pca_ = None
        if self.dim is not None:
            x = self._features(enc)[enc.lengths > 0]
            if self.dim > min(x.shape):
                raise ParameterError(
                    "dim", self.dim, f"is more than the {min(x.shape)} directions of the fitting lines", True
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
        """Features of shape (n_lines, dim_out), float32; lines with no known word → zeros."""
        enc = self.encode(lines)
        x = self._features(enc)
        if self.dim is not None:
            if self.pca_ is None:
                raise ParameterError("projected features (dim) need a fitted projection: call fit() first")
            x = self.pca_.transform(x).astype(np.float32)
            x[enc.lengths == 0] = 0.0
        return x

    def _features(self, enc: EncodedLines) -> np.ndarray:
        parts = []
        for m in self.modes:
            if m == "mean":
                parts.append(_row_average(enc.counts, self.vectors))
            elif m == "sif":
                if self.components_ is None:
                    raise ParameterError("SIF features need fitted common components: call fit() first")
                x = self._sif_average(enc)
                c = self.components_
                x = x - (x @ c.T) @ c
                x[enc.lengths == 0] = 0.0
                parts.append(x)
            else:
                w = self.weights if self.pcs_weighted else None
                p = principal_directions(self.vectors, enc, self.k, w)
                parts.append(p.reshape(enc.n_lines, -1))
        return np.hstack(parts) if len(parts) > 1 else parts[0]

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
            "model_dim": self.emb.dim,
        }

    def save_fit(self, path: str) -> None:
        """Write what :meth:`fit` learnt (and the options it was learnt with) to an ``.npz``."""
        if self.needs_fit and (
            ("sif" in self.modes and self.components_ is None) or (self.dim is not None and self.pca_ is None)
        ):
            raise ParameterError("nothing fitted to save: call fit() first")
        arrays = {"config": np.array(json.dumps(self._config(), sort_keys=True))}
        if self.components_ is not None:
            arrays["sif_components"] = self.components_
        if self.pca_ is not None:
            arrays["pca_components"] = self.pca_.components
            arrays["pca_mean"] = self.pca_.mean
        with atomic_output(path) as f:
            np.savez(f, **arrays)

    def load_fit(self, path: str) -> SentenceFeatures:
        """Reuse a fit saved by :meth:`save_fit`; its options must match this object's."""
        p = check_readable(path)
        try:
            with np.load(p, allow_pickle=False) as z:
                config = json.loads(str(z["config"]))
                sif = z["sif_components"] if "sif_components" in z.files else None
                comps = z["pca_components"] if "pca_components" in z.files else None
                mean = z["pca_mean"] if "pca_mean" in z.files else None
        except (ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise InputError(f"{p}: not a sentence-features fit file ({numpy_reason(exc)})") from None
        mine = self._config()
        diff = [
            f"{param(key)} {config.get(key)!r} (here {mine[key]!r})" for key in mine if config.get(key) != mine[key]
        ]
        if diff:
            raise ParameterError(f"{p} was fitted with other options: {', '.join(diff)}")
        self.components_ = None if sif is None else sif.astype(np.float32)
        self.pca_ = None if comps is None else PCAResult(comps, np.zeros(0), 0.0, mean, None, 0)
        return self


def sentence_features(emb: Embedding, lines: Iterable[str], mode: str = "mean", **options) -> np.ndarray:
    """Features of ``lines`` (n_lines, dim_out), fitting SIF's common component on them."""
    return SentenceFeatures(emb, mode, **options).fit_transform(list(lines))
