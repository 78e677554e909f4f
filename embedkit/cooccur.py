"""Windowed co-occurrence counting into a scipy sparse matrix.

``window = N`` pairs each word with the words at distance 1..N on the same line (on both
sides when symmetric): the lecture's "window of 4 consecutive words" is ``window=3``.
Words outside the vocabulary are removed before windowing (as word2vec does), so a
window spans N vocabulary words.  Lines are never crossed.

Counting is chunked: the id stream is cut into segments at line breaks; each segment's
pairs become integer keys, sorted and reduced to a small sparse matrix (on ``workers``
processes); partial matrices are merged in a binary tree (a log-structured stack), so
memory grows with the distinct pairs, not with the corpus.  Under a memory budget the
partial sums spill to disk (:mod:`embedkit.spill`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from . import kernels
from .corpus import LINE_BREAK, OUT_OF_VOCABULARY, RARE_BASE
from .engine import map_reduce
from .errors import DataError, check_at_least, check_choice
from .io import scratch_directory
from .options import WEIGHTINGS
from .spill import SpillingSum


def distance_weights(window: int, weighting: str) -> np.ndarray:
    """Weight of a pair at distance d = 1..window (index d-1).

    uniform: 1; harmonic: 1/d (GloVe); linear: (window - d + 1) / window, the expected
    weight of word2vec's dynamic window (a window size drawn uniformly from 1..window).
    """
    check_at_least("window", window)
    d = np.arange(1, window + 1, dtype=np.float64)
    if weighting == "uniform":
        return np.ones(window)
    if weighting == "harmonic":
        return 1.0 / d
    if weighting == "linear":
        return (window - d + 1) / window
    check_choice("weighting", weighting, WEIGHTINGS)
    raise AssertionError(weighting)  # unreachable: every choice is handled above


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


def _pairs_to_csr(keys: np.ndarray, values: np.ndarray, n: int, col_bits: int) -> sp.csr_matrix:
    """CSR matrix from sorted unique pair keys ``row << col_bits | col``."""
    rows = keys >> col_bits
    cols = (keys & ((1 << col_bits) - 1)).astype(np.int32)
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
    return sp.csr_matrix((values, cols, indptr), shape=(n, n))


def _first_of_runs(sorted_keys: np.ndarray) -> np.ndarray:
    """Indices where a new value starts in a sorted array."""
    first = np.empty(sorted_keys.size, dtype=bool)
    first[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=first[1:])
    return np.flatnonzero(first)


def _key_layout(n: int, weights: np.ndarray) -> tuple[int, int]:
    """Bit widths (col_bits, dist_bits) of a pair key ``row | col | d-1`` for V = n."""
    window = len(weights)
    col_bits = max(int(n - 1).bit_length(), 1)
    dist_bits = 0 if bool(np.all(weights == 1.0)) else max(int(window - 1).bit_length(), 1)
    if 2 * col_bits + dist_bits > 63:
        raise DataError(f"a vocabulary of {n:,} words is too large to count")
    return col_bits, dist_bits


def _count_block(ids: np.ndarray, lines: np.ndarray, start: int, n: int, weights: np.ndarray) -> sp.csr_matrix:
    """Count forward pairs (ids[i], ids[i+d]) with i + d >= start, same line, d <= window.

    Each pair becomes one int64 key, ``row | col | d-1`` packed in bit fields (shifts and
    masks, no integer division), so one sort groups the pairs and, within a pair, its
    distances; runs are then counted and weighted.  (The numpy version of
    :func:`kernels.pair_keys` + :func:`kernels.reduce_sorted_keys`.)
    """
    window = len(weights)
    col_bits, dist_bits = _key_layout(n, weights)
    row_shift = col_bits + dist_bits
    wide = ids.astype(np.int64)
    left_keys = wide << row_shift
    right_keys = wide << dist_bits if dist_bits else wide
    parts = []
    for d in range(1, window + 1):
        lo = max(start - d, 0)
        if len(ids) - d <= lo:
            break
        key = left_keys[lo : len(ids) - d] | right_keys[lo + d :]
        if dist_bits:
            key |= d - 1
        parts.append(key[lines[lo : len(ids) - d] == lines[lo + d :]])
    keys = np.concatenate(parts) if parts else np.empty(0, np.int64)
    if keys.size == 0:
        return sp.csr_matrix((n, n), dtype=np.float64)
    keys.sort()
    starts = _first_of_runs(keys)
    uniq = keys[starts]
    mult = np.empty(starts.size, dtype=np.float64)
    mult[:-1] = starts[1:] - starts[:-1]
    mult[-1] = keys.size - starts[-1]
    if not dist_bits:
        return _pairs_to_csr(uniq, mult, n, col_bits)
    mult *= weights[uniq & ((1 << dist_bits) - 1)]
    pair = uniq >> dist_bits
    starts = _first_of_runs(pair)
    return _pairs_to_csr(pair[starts], np.add.reduceat(mult, starts), n, col_bits)


class SegmentTask(NamedTuple):
    """The message a counting worker receives (process pool and Dask alike): ``ids``, a
    stretch of raw ids (LINE_BREAK, skipped words and all) starting at token ``position``
    of the stream; ``context``, the last kept ids before it when the segment starts inside
    a line (empty otherwise); V (``vocab_size``), the distance ``weights``, and the
    subsampling ``keep_probability`` (or None) with its ``seed``."""

    ids: np.ndarray
    context: np.ndarray
    position: int
    vocab_size: int
    weights: np.ndarray
    keep_probability: np.ndarray | None
    seed: int


def count_segment(task: SegmentTask) -> sp.csr_matrix:
    """Count the forward pairs of one segment of the id stream (V × V, canonical).

    The task function of both engines: a worker of the local pool
    (:func:`count_cooccurrences`) or a Dask worker (:mod:`embedkit.dask`).
    """
    ids, context, position, n, weights, keep_probability, seed = task
    keep = kept_mask(ids, position, keep_probability, seed)
    if kernels.ENABLED:
        col_bits, dist_bits = _key_layout(n, weights)
        keys = kernels.pair_keys(ids, keep, np.asarray(context, np.int32), len(weights), col_bits, dist_bits)
        keys.sort()
        indptr, indices, data = kernels.reduce_sorted_keys(keys, weights, n, col_bits, dist_bits)
        return sp.csr_matrix((data, indices, indptr), shape=(n, n))
    lines = np.cumsum(ids == LINE_BREAK, dtype=np.int64)
    kept = np.concatenate([context, ids[keep]])
    kept_lines = np.concatenate([np.zeros(len(context), np.int64), lines[keep]])
    return _count_block(kept, kept_lines, len(context), n, weights)


def _empty(n: int) -> sp.csr_matrix:
    return sp.csr_matrix((n, n), dtype=np.float64)


def kept_mask(ids: np.ndarray, position: int, keep_probability: np.ndarray | None, seed: int) -> np.ndarray:
    """Which tokens of ``ids`` (a stretch starting at token ``position`` of the stream) are
    counted: vocabulary words (ids ≥ 0) that survive subsampling.  The draw for a token
    depends only on (``seed``, its position), so every engine and segmenting keeps the same
    tokens.  Returns a boolean array shaped like ``ids``."""
    keep = ids >= 0
    if keep_probability is not None:
        keep &= _uniform_at(seed, position, ids.size) < keep_probability[np.maximum(ids, 0)]
    return keep


def segments(
    id_blocks: Iterable[np.ndarray],
    window: int,
    keep_probability: np.ndarray | None,
    seed: int,
    target: int,
    position: int = 0,
    context: np.ndarray | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """Regroup a stream of id blocks into segments of about ``target`` tokens that end at
    a line break, so that segments can be counted independently: (ids, context, position)
    of each.  A line longer than ``4 * target`` is cut anyway, and the piece after the cut
    carries the last ``window`` kept ids before it as context: the counts never depend on
    the cuts.  ``position`` and ``context``: where the stream starts (a Dask shard starts
    at its place in the corpus, with the context carried from the shards before it)."""
    pending: list[np.ndarray] = []
    size = 0
    context = np.empty(0, np.int32) if context is None else context
    for block in id_blocks:
        block = np.asarray(block, dtype=np.int32)
        pending.append(block)
        size += block.size
        if size < target:
            continue
        ids = np.concatenate(pending)
        breaks = np.flatnonzero(ids == LINE_BREAK)
        start = 0
        while ids.size - start >= target:
            j = np.searchsorted(breaks, start + target - 1)
            if j < breaks.size:
                cut, at_break = int(breaks[j]) + 1, True  # the first line end past the target
            elif ids.size - start >= 4 * target:
                cut, at_break = start + target, False  # inside a very long line
            else:
                break  # wait for the rest of this line
            seg = ids[start:cut]
            yield seg, context, position
            context = (
                np.empty(0, np.int32) if at_break else last_kept(seg, context, position, window, keep_probability, seed)
            )
            position += seg.size
            start = cut
        rest = ids[start:]
        pending, size = [rest], rest.size
    ids = np.concatenate(pending) if pending else np.empty(0, np.int32)
    if ids.size:
        yield ids, context, position


def last_kept(seg, context, position, window, keep_probability, seed) -> np.ndarray:
    """The context a segment passes on when it ends inside a line: its last ``window``
    kept ids after its last line break (and, if it has none, the ``context`` it started
    with before them; see :func:`carried_context`)."""
    breaks = np.flatnonzero(seg == LINE_BREAK)
    line_start = int(breaks[-1]) + 1 if breaks.size else 0
    found: list[np.ndarray] = []
    have = 0
    end = seg.size
    while end > line_start and have < window:
        start = max(line_start, end - 4096)
        chunk = seg[start:end]
        kept = chunk[kept_mask(chunk, position + start, keep_probability, seed)]
        found.insert(0, kept)
        have += kept.size
        end = start
    return carried_context(context, np.concatenate([np.empty(0, np.int32), *found]), bool(breaks.size), window)


def carried_context(context: np.ndarray, tail: np.ndarray, has_break: bool, window: int) -> np.ndarray:
    """The context after a stretch whose kept ids after its last line break are ``tail``:
    the last ``window`` of ``tail``, preceded by the ``context`` the stretch started with
    when it holds no line break (int32)."""
    before = context if not has_break else np.empty(0, np.int32)
    return np.concatenate([before, tail]).astype(np.int32)[-window:]


def finish_counts(counts: sp.csr_matrix, symmetric: bool, dtype=np.float64) -> sp.csr_matrix:
    """The last step of counting, on either engine: the forward counts plus their
    transpose when ``symmetric``, in ``dtype``, canonical (sorted, no duplicates)."""
    if symmetric:
        counts = (counts + counts.T).tocsr()
    counts = counts.astype(dtype, copy=False)
    counts.sum_duplicates()
    counts.sort_indices()
    return counts


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
    segment_tokens: int = 1 << 20,
    memory: int | None = None,
    spill_dir: str | None = None,
    dtype=np.float64,
    threads: bool = False,
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
    threads : bool
        Count the segments on ``workers`` threads of this process instead of processes
        (the compiled loops release the GIL), summed in the segments' order: the bytes of
        ``workers=1``.  Pays on a small corpus (a few million tokens), where forked
        workers cost more than they save.
    memory : int, optional
        Bytes the partial matrices may hold (shared among the workers); past it a worker
        writes its running total to a temporary file in ``spill_dir`` and the runs are
        summed a block of rows at a time at the end. The result is the same.  Every
        worker ends by writing its total (and, when symmetric, its transpose) to disk, so
        the matrix is assembled once, block by block, never held twice.
    dtype : float32 or float64
        Of the result (partials are always summed in float64).

    Returns
    -------
    scipy.sparse.csr_matrix of shape (V, V), canonical (sorted, no duplicates).
    """
    weights = distance_weights(window, weighting)
    if vocab_size < 1:
        raise DataError("the vocabulary is empty: no word reaches {param('min_count')}")
    tasks = (
        SegmentTask(ids, context, position, vocab_size, weights, keep_probability, seed)
        for ids, context, position in segments(id_blocks, window, keep_probability, seed, segment_tokens)
    )
    done = (lambda task: progress(task.ids.size)) if progress is not None else None
    threads = threads and kernels.ENABLED  # numpy's counting holds the GIL in too many small steps
    if workers > 1:  # compile (or load) the counting loops once, before the workers fork or start
        warm = SegmentTask(np.zeros(2, np.int32), np.empty(0, np.int32), 0, vocab_size, weights, keep_probability, seed)
        count_segment(warm)
    if memory is None:
        counts = map_reduce(
            count_segment, tasks, workers, functools.partial(_empty, vocab_size), done=done, threads=threads
        )
        return finish_counts(counts, symmetric, dtype)
    else:
        with scratch_directory("embedkit-spill-", spill_dir) as directory:
            share = max(1, memory // max(workers, 1))
            runs = map_reduce(
                count_segment,
                tasks,
                workers,
                functools.partial(_empty, vocab_size),
                functools.partial(SpillingSum, share, directory, symmetric),
                done,
                threads,
            )
            counts = runs.merge(
                rows_per_block_nnz=max(1 << 16, memory // 256), symmetric=symmetric, dtype=dtype, directory=directory
            )
    counts.sum_duplicates()
    counts.sort_indices()
    return counts


class RareContexts:
    """The co-occurrences of words below the vocabulary's cut with the vocabulary, counted
    as the id blocks of the main count go by (:meth:`feed`, then :meth:`result`).

    In the id stream a rare word j is ``RARE_BASE - j`` (negative, so the main count skips
    it as any word outside the vocabulary).  Its contexts are the ones it would have had
    had it been kept: the ``window`` kept vocabulary words before and after it on its line,
    at the distances of the stream the main count windows (words outside the vocabulary
    removed; a rare word does not count in another's distance), weighted as the main count
    weights them (:func:`distance_weights`), with the same subsampling draws
    (:func:`kept_mask`).  So the rows are the rows the vocabulary cut dropped from the
    count matrix: (row j, vocabulary word c) is what C[j, c] would have been.

    One vectorised pass a block; what a block leaves open (a rare word whose right context
    is in the next block, and the left context the next block's rare words need) is
    carried over, so the result does not depend on where the blocks are cut.
    """

    def __init__(
        self,
        n_rare: int,
        vocab_size: int,
        window: int = 5,
        weighting: str = "uniform",
        keep_probability: np.ndarray | None = None,
        seed: int = 0,
    ) -> None:
        self.n_rare, self.vocab_size = n_rare, vocab_size
        self.weights = distance_weights(window, weighting)
        self.window = window
        self.keep_probability, self.seed = keep_probability, seed
        self._carry = np.empty(0, np.int32)  # the open tail of the current line (compressed)
        self._position = 0
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool]] = []
        self._following = sp.csr_matrix((n_rare, vocab_size))
        self._preceding = sp.csr_matrix((n_rare, vocab_size))
        self._pending = 0

    def feed(self, ids: np.ndarray) -> None:
        """Count the rare words of the next block of the id stream (int32: vocabulary ids,
        LINE_BREAK, OUT_OF_VOCABULARY, rare ids)."""
        ids = np.asarray(ids, dtype=np.int32)
        keep = kept_mask(ids, self._position, self.keep_probability, self.seed)
        self._position += ids.size
        relevant = keep | (ids == LINE_BREAK) | (ids <= RARE_BASE)
        self._scan(np.concatenate([self._carry, ids[relevant]]), final=False)

    def result(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(following, preceding): float64 CSR (n_rare × V), row j's vocabulary words at
        distance 1..window after it, and before it, weighted.  A symmetric count's rows
        are their sum (as a word and as a context alike); else the word's row is
        ``following`` and its column as a context ``preceding``."""
        self._scan(self._carry, final=True)
        self._carry = np.empty(0, np.int32)
        self._reduce()
        return self._following, self._preceding

    def _scan(self, buf: np.ndarray, final: bool) -> None:
        is_kept = buf >= 0
        line = np.cumsum(buf == LINE_BREAK)
        kept_at = np.flatnonzero(is_kept)
        kept_ids, kept_line = buf[kept_at], line[kept_at]
        before = np.cumsum(is_kept) - is_kept  # kept words before each position
        rare_at = np.flatnonzero(buf <= RARE_BASE)
        nk, w = kept_at.size, self.window
        last_line = line[-1] if buf.size else 0
        # complete: its right context is known (window kept words after it, or its line ended)
        done = final | (before[rare_at] + w <= nk) | (line[rare_at] < last_line)
        r, rl, kb = RARE_BASE - buf[rare_at[done]], line[rare_at[done]], before[rare_at[done]]
        for d in range(1, w + 1):
            for j, side in ((kb - d, 1), (kb + d - 1, 0)):
                ok = (j >= 0) & (j < nk)
                ok[ok] = kept_line[j[ok]] == rl[ok]
                if ok.any():
                    self._parts.append((r[ok], kept_ids[j[ok]], np.full(int(ok.sum()), self.weights[d - 1]), side))
                    self._pending += int(ok.sum())
        if self._pending > 1 << 22:
            self._reduce()
        if final:
            return
        # carry the current line's open part: the left context of its open rare words and
        # of what comes next (the last `window` kept words); finished rare words become
        # plain skipped words there
        line_start = int(np.searchsorted(line, last_line)) if buf.size else 0
        starts = [line_start]
        in_line = kept_at[kept_line == last_line]
        starts.append(int(in_line[-w]) if in_line.size >= w else line_start)
        open_at = rare_at[~done]
        if open_at.size:
            first = open_at[0]
            k0 = int(before[first]) - w
            starts.append(int(kept_at[k0]) if k0 >= 0 and kept_line[k0] == last_line else line_start)
        start = max(line_start, min(starts[1:]))
        carry = buf[start:].copy()
        finished = np.flatnonzero(carry <= RARE_BASE)
        carry[finished[done[np.searchsorted(rare_at, finished + start)]]] = OUT_OF_VOCABULARY
        self._carry = carry[carry != LINE_BREAK]

    def _reduce(self) -> None:
        shape = (self.n_rare, self.vocab_size)
        for side in (0, 1):
            parts = [p for p in self._parts if p[3] == side]
            if not parts:
                continue
            rows, cols, vals = (np.concatenate([p[k] for p in parts]) for k in range(3))
            m = sp.csr_matrix((vals, (rows, cols)), shape=shape)
            if side == 0:
                self._following = self._following + m
            else:
                self._preceding = self._preceding + m
        self._parts, self._pending = [], 0
