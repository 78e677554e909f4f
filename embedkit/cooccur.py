"""Windowed co-occurrence counting into a scipy sparse matrix.

``window = N`` pairs each word with the words at distance 1..N on the same line (on both
sides when symmetric): the lecture's "window of 4 consecutive words" is ``window=3``.
Words outside the vocabulary are removed before windowing (as word2vec does), so a
window spans N vocabulary words.  Lines are never crossed.

Counting is chunked: each block of token ids is turned into integer pair keys, sorted and
reduced to a small sparse matrix; partial matrices are merged in a binary tree (a
log-structured stack), so memory grows with the distinct pairs, not with the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp

from .errors import DataError, ParameterError
from .text import LINE_BREAK

WEIGHTINGS = ("uniform", "harmonic", "linear")


def distance_weights(window: int, weighting: str) -> np.ndarray:
    """Weight of a pair at distance d = 1..window (index d-1).

    uniform: 1; harmonic: 1/d (GloVe); linear: (window - d + 1) / window, the expected
    weight of word2vec's dynamic window (a window size drawn uniformly from 1..window).
    """
    if window < 1:
        raise ParameterError(f"--window must be at least 1, got {window}")
    d = np.arange(1, window + 1, dtype=np.float64)
    if weighting == "uniform":
        return np.ones(window)
    if weighting == "harmonic":
        return 1.0 / d
    if weighting == "linear":
        return (window - d + 1) / window
    raise ParameterError(f"--weighting must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}")


def subsample_keep_probability(counts: np.ndarray, threshold: float) -> np.ndarray:
    """word2vec's subsampling: keep a token of frequency f with probability min(1, sqrt(t/f))."""
    freq = counts / max(counts.sum(), 1)
    with np.errstate(divide="ignore"):
        return np.minimum(1.0, np.sqrt(threshold / np.maximum(freq, 1e-300)))


def _uniform_at(seed: int, start: int, n: int) -> np.ndarray:
    """Uniform [0, 1) numbers that depend only on (seed, token position), not on blocking.

    splitmix64 of the position: the same corpus gives the same draws however it is
    split into blocks or shards.
    """
    x = np.arange(start, start + n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = x + np.uint64((seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % (1 << 64))
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


class _TreeSum:
    """Sum sparse matrices pairwise, like a binary counter: O(log n) partials alive."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, sp.csr_matrix]] = []

    def add(self, m: sp.csr_matrix) -> None:
        level = 0
        while self._stack and self._stack[-1][0] == level:
            _, other = self._stack.pop()
            m = other + m
            level += 1
        self._stack.append((level, m))

    def total(self, shape: tuple[int, int]) -> sp.csr_matrix:
        out = sp.csr_matrix(shape, dtype=np.float64)
        for _, m in reversed(self._stack):
            out = m + out
        return out


def _pairs_to_csr(keys: np.ndarray, values: np.ndarray | None, n: int) -> sp.csr_matrix:
    """CSR matrix from sorted unique pair keys (row * n + col)."""
    rows = keys // n
    cols = (keys - rows * n).astype(np.int32)
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
    return sp.csr_matrix((values, cols, indptr), shape=(n, n))


def _count_block(ids: np.ndarray, lines: np.ndarray, start: int, n: int, weights: np.ndarray) -> sp.csr_matrix:
    """Count forward pairs (ids[i], ids[i+d]) with i + d >= start, same line, d <= window."""
    window = len(weights)
    uniform = bool(np.all(weights == 1.0))
    parts = []
    for d in range(1, window + 1):
        lo = max(start - d, 0)
        if len(ids) - d <= lo:
            break
        left = ids[lo : len(ids) - d]
        right = ids[lo + d :]
        same = lines[lo : len(ids) - d] == lines[lo + d :]
        key = left[same].astype(np.int64) * n + right[same]
        if not uniform:
            key = key * window + (d - 1)
        parts.append(key)
    keys = np.concatenate(parts) if parts else np.empty(0, np.int64)
    if keys.size == 0:
        return sp.csr_matrix((n, n), dtype=np.float64)
    keys.sort()
    first = np.empty(keys.size, dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    uniq = keys[starts]
    mult = np.diff(np.append(starts, keys.size)).astype(np.float64)
    if uniform:
        return _pairs_to_csr(uniq, mult, n)
    pair = uniq // window
    mult *= weights[uniq - pair * window]
    first = np.empty(pair.size, dtype=bool)
    first[0] = True
    np.not_equal(pair[1:], pair[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return _pairs_to_csr(pair[starts], np.add.reduceat(mult, starts), n)


def count_cooccurrences(
    id_blocks: Iterable[np.ndarray],
    vocab_size: int,
    window: int = 5,
    weighting: str = "uniform",
    symmetric: bool = True,
    keep_probability: np.ndarray | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> sp.csr_matrix:
    """Co-occurrence matrix of a stream of token-id blocks.

    Parameters
    ----------
    id_blocks : iterable of int32 arrays
        Vocabulary ids, ``LINE_BREAK`` (-1) at each end of line, any other negative id
        for a word to skip.  Blocks may split a line anywhere.
    vocab_size : int
        V; the result is V × V.
    window, weighting
        See :func:`distance_weights`.
    symmetric : bool
        Count context words on both sides (C[w, c] = C[c, w]); otherwise only the words
        that follow w.
    keep_probability : float array of shape (V,), optional
        Frequent-word subsampling: each token is kept with this probability before
        windowing (see :func:`subsample_keep_probability`), drawn from ``seed``.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (V, V), float64, canonical (sorted, no duplicates).
    """
    weights = distance_weights(window, weighting)
    if vocab_size < 1:
        raise DataError("the vocabulary is empty: no word reaches --min-count")
    tree = _TreeSum()
    tail_ids = np.empty(0, np.int32)
    tail_lines = np.empty(0, np.int64)
    line_offset = 0
    position = 0
    for block in id_blocks:
        block = np.asarray(block, dtype=np.int32)
        breaks = block == LINE_BREAK
        lines = np.cumsum(breaks, dtype=np.int64)
        lines += line_offset
        line_offset = int(lines[-1]) if lines.size else line_offset
        keep = block >= 0
        if keep_probability is not None:
            draw = _uniform_at(seed, position, block.size)
            keep &= draw < keep_probability[np.maximum(block, 0)]
        position += block.size
        ids = np.concatenate([tail_ids, block[keep]])
        lns = np.concatenate([tail_lines, lines[keep]])
        tree.add(_count_block(ids, lns, len(tail_ids), vocab_size, weights))
        tail_ids = ids[-window:]
        tail_lines = lns[-window:]
        if progress is not None:
            progress(block.size)
    counts = tree.total((vocab_size, vocab_size))
    if symmetric:
        counts = (counts + counts.T).tocsr()
    counts.sum_duplicates()
    counts.sort_indices()
    return counts
