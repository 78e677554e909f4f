"""Windowed co-occurrence counting into a scipy sparse matrix.

``window = N`` pairs each word with the words at distance 1..N on the same line (on both
sides when symmetric): the lecture's "window of 4 consecutive words" is ``window=3``.
Words outside the vocabulary are removed before windowing (as word2vec does), so a
window spans N vocabulary words.  Lines are never crossed.

Counting is chunked: the id stream is cut into segments at line breaks; each segment's
pairs become integer keys, sorted and reduced to a small sparse matrix (on ``workers``
processes); partial matrices are merged in a binary tree (a log-structured stack), so
memory grows with the distinct pairs, not with the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
import scipy.sparse as sp

from .errors import DataError, ParameterError
from .parallel import TreeSum, ordered_map
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


def _count_segment(task: tuple) -> sp.csr_matrix:
    """Count the forward pairs of one segment of the id stream.

    ``task`` = (ids, context, position, vocab_size, weights, keep_probability, seed):
    ``ids`` is a stretch of raw ids (LINE_BREAK, skipped words and all) starting at token
    ``position`` of the stream; ``context`` holds the last kept ids before it when the
    segment starts inside a line (empty otherwise).  Runs in a worker process.
    """
    ids, context, position, n, weights, keep_probability, seed = task
    lines = np.cumsum(ids == LINE_BREAK, dtype=np.int64)
    keep = _kept(ids, position, keep_probability, seed)
    kept = np.concatenate([context, ids[keep]])
    kept_lines = np.concatenate([np.zeros(len(context), np.int64), lines[keep]])
    return _count_block(kept, kept_lines, len(context), n, weights)


def _kept(ids: np.ndarray, position: int, keep_probability: np.ndarray | None, seed: int) -> np.ndarray:
    keep = ids >= 0
    if keep_probability is not None:
        keep &= _uniform_at(seed, position, ids.size) < keep_probability[np.maximum(ids, 0)]
    return keep


def _segments(
    id_blocks: Iterable[np.ndarray],
    window: int,
    keep_probability: np.ndarray | None,
    seed: int,
    target: int,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """Regroup a stream of id blocks into segments of about ``target`` tokens that end at
    a line break, so that segments can be counted independently.  A line longer than
    ``4 * target`` is cut anyway, and the piece after the cut carries the last
    ``window`` kept ids before it as context: the counts never depend on the cuts."""
    pending: list[np.ndarray] = []
    size = 0
    position = 0
    context = np.empty(0, np.int32)
    for block in id_blocks:
        block = np.asarray(block, dtype=np.int32)
        if progress is not None:
            progress(block.size)
        pending.append(block)
        size += block.size
        if size < target:
            continue
        ids = np.concatenate(pending)
        breaks = np.flatnonzero(ids == LINE_BREAK)
        cut = int(breaks[-1]) + 1 if breaks.size else (ids.size if ids.size >= 4 * target else 0)
        if cut == 0:
            pending, size = [ids], ids.size
            continue
        seg = ids[:cut]
        yield seg, context, position
        context = (
            np.empty(0, np.int32)
            if cut - 1 in breaks[-1:]
            else _last_kept(seg, context, position, window, keep_probability, seed)
        )
        position += cut
        rest = ids[cut:]
        pending, size = [rest], rest.size
    ids = np.concatenate(pending) if pending else np.empty(0, np.int32)
    if ids.size:
        yield ids, context, position


def _last_kept(seg, context, position, window, keep_probability, seed) -> np.ndarray:
    """The last ``window`` kept ids of a segment that ends inside a line."""
    found: list[np.ndarray] = []
    have = 0
    end = seg.size
    while end > 0 and have < window:
        start = max(0, end - 4096)
        chunk = seg[start:end]
        kept = chunk[_kept(chunk, position + start, keep_probability, seed)]
        found.insert(0, kept)
        have += kept.size
        end = start
    out = np.concatenate([context, *found]) if have < window else np.concatenate(found)
    return out[-window:].astype(np.int32)


def count_cooccurrences(
    id_blocks: Iterable[np.ndarray],
    vocab_size: int,
    window: int = 5,
    weighting: str = "uniform",
    symmetric: bool = True,
    keep_probability: np.ndarray | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    segment_tokens: int = 1 << 21,
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
        windowing (see :func:`subsample_keep_probability`), drawn from ``seed`` and the
        token's position, so the result does not depend on blocking or workers.
    workers : int
        Processes counting segments in parallel; the result is identical for any number.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (V, V), float64, canonical (sorted, no duplicates).
    """
    weights = distance_weights(window, weighting)
    if vocab_size < 1:
        raise DataError("the vocabulary is empty: no word reaches --min-count")
    tasks = (
        (ids, context, position, vocab_size, weights, keep_probability, seed)
        for ids, context, position in _segments(id_blocks, window, keep_probability, seed, segment_tokens, progress)
    )
    tree = TreeSum()
    for partial in ordered_map(_count_segment, tasks, workers):
        tree.add(partial)
    counts = tree.total(sp.csr_matrix((vocab_size, vocab_size), dtype=np.float64))
    if symmetric:
        counts = (counts + counts.T).tocsr()
    counts.sum_duplicates()
    counts.sort_indices()
    return counts
