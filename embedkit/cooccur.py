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

import functools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import scipy.sparse as sp

from . import kernels
from .errors import DataError, ParameterError
from .parallel import TreeSum, map_reduce
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
        raise DataError(f"a vocabulary of {n} words is too large to count")
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


def _count_segment(task: tuple) -> sp.csr_matrix:
    """Count the forward pairs of one segment of the id stream.

    ``task`` = (ids, context, position, vocab_size, weights, keep_probability, seed):
    ``ids`` is a stretch of raw ids (LINE_BREAK, skipped words and all) starting at token
    ``position`` of the stream; ``context`` holds the last kept ids before it when the
    segment starts inside a line (empty otherwise).  Runs in a worker process.
    """
    ids, context, position, n, weights, keep_probability, seed = task
    keep = _kept(ids, position, keep_probability, seed)
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


_RUN_PARTS = (("indptr", np.int64), ("indices", np.int32), ("data", np.float64))


def _save_run(m: sp.csr_matrix, directory: str) -> str:
    """Write a canonical CSR matrix as three raw binary files; returns their common prefix."""
    fd, path = tempfile.mkstemp(prefix="run-", dir=directory)  # reserves the prefix
    os.close(fd)
    for (part, dtype), arr in zip(_RUN_PARTS, (m.indptr, m.indices, m.data)):
        arr.astype(dtype, copy=False).tofile(f"{path}.{part}")
    return path


def _read_run_rows(path: str, indptr: np.ndarray, r0: int, r1: int, n_cols: int) -> sp.csr_matrix:
    """Rows r0..r1 of a run written by :func:`_save_run`, read with plain file reads (not
    memory-mapped: mapped pages would count as the process's memory until unmapped)."""
    lo, hi = int(indptr[r0]), int(indptr[r1])
    indices = np.fromfile(f"{path}.indices", dtype=np.int32, count=hi - lo, offset=4 * lo)
    data = np.fromfile(f"{path}.data", dtype=np.float64, count=hi - lo, offset=8 * lo)
    return sp.csr_matrix((data, indices, indptr[r0 : r1 + 1] - lo), shape=(r1 - r0, n_cols))


class _Runs:
    """Partial count matrices: some spilled to disk (sorted CSR arrays in .npy files, and
    for symmetric counting the transpose of each), one in memory.  ``+`` concatenates the
    spilled runs and adds the in-memory parts."""

    def __init__(self, paths: list[str], memory: sp.csr_matrix, transposed: list[str] | None = None) -> None:
        self.paths = paths
        self.transposed = transposed or []
        self.memory = memory

    def __add__(self, other):
        if isinstance(other, _Runs):
            return _Runs(self.paths + other.paths, self.memory + other.memory, self.transposed + other.transposed)
        return _Runs(self.paths, self.memory + other, self.transposed)

    __radd__ = __add__

    def merge(
        self, rows_per_block_nnz: int = 1 << 24, symmetric: bool = False, dtype=np.float64, directory: str | None = None
    ) -> sp.csr_matrix:
        """Sum every run (plus the transposed runs, and the in-memory part and its
        transpose when ``symmetric``) a block of rows at a time.  Each run is read a
        block at a time; each summed block is appended to files in ``directory`` and the
        result is read back at the end, so memory holds the result (in ``dtype``) and one
        block of each run, never the result twice."""
        memory = self.memory
        if symmetric:
            memory = (memory + memory.T).tocsr()
        if not self.paths and not self.transposed:
            return memory.astype(dtype, copy=False)
        paths = self.paths + (self.transposed if symmetric else [])
        run_indptr = [np.fromfile(f"{p}.indptr", dtype=np.int64) for p in paths]
        n_rows, n_cols = memory.shape
        total_nnz = memory.nnz + sum(int(ip[-1]) for ip in run_indptr)
        step = max(1, int(n_rows * rows_per_block_nnz / max(total_nnz, 1)))
        row_nnz = np.zeros(n_rows + 1, np.int64)
        with tempfile.TemporaryDirectory(prefix="merge-", dir=directory) as tmp:
            f_indices = open(os.path.join(tmp, "indices"), "wb")
            f_data = open(os.path.join(tmp, "data"), "wb")
            with f_indices, f_data:
                for r0 in range(0, n_rows, step):
                    r1 = min(n_rows, r0 + step)
                    block = memory[r0:r1]
                    for path, indptr in zip(paths, run_indptr):
                        block = block + _read_run_rows(path, indptr, r0, r1, n_cols)
                    block.sum_duplicates()
                    block.sort_indices()
                    row_nnz[r0 + 1 : r1 + 1] = np.diff(block.indptr)
                    f_indices.write(block.indices.astype(np.int32, copy=False).tobytes())
                    f_data.write(block.data.astype(dtype, copy=False).tobytes())
                    del block
            indices = np.fromfile(os.path.join(tmp, "indices"), dtype=np.int32)
            data = np.fromfile(os.path.join(tmp, "data"), dtype=dtype)
        # int32 row pointers where they fit, or scipy would widen the column indices too
        indptr = np.cumsum(row_nnz).astype(np.int32 if indices.size < 2**31 else np.int64)
        return sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))


class _SpillingSum:
    """A worker's tree sum that writes its running total to ``directory`` whenever the
    partials it holds pass half of ``budget`` bytes (12 bytes a stored pair), and at the end, so
    that only file names travel back to the parent.  With ``transpose`` each run's
    transpose is written too (for the symmetric merge)."""

    def __init__(self, budget: int, directory: str, transpose: bool = False) -> None:
        self.budget = budget
        self.directory = directory
        self.transpose = transpose
        self.tree = TreeSum()
        self.held = 0
        self.paths: list[str] = []
        self.transposed: list[str] = []
        self.shape: tuple[int, int] | None = None

    def add(self, m: sp.csr_matrix) -> None:
        self.shape = m.shape
        self.tree.add(m)
        self.held += 12 * m.nnz
        # a spill adds the partials up (a second copy) and then transposes the sum, so
        # partials of half the budget keep the worker's peak near the budget
        if 2 * self.held > self.budget:
            self._spill()

    def _spill(self) -> None:
        if self.shape is None or self.held == 0:
            return
        total = self.tree.total(sp.csr_matrix(self.shape, dtype=np.float64))
        self.tree = TreeSum()  # the levels are freed before the transpose is made
        self.held = 0
        total.sum_duplicates()
        self.paths.append(_save_run(total, self.directory))
        if self.transpose:
            transposed = total.T.tocsr()
            del total
            self.transposed.append(_save_run(transposed, self.directory))

    def total(self, empty: sp.csr_matrix) -> _Runs:
        self._spill()
        return _Runs(self.paths, empty, self.transposed)


def _empty(n: int) -> sp.csr_matrix:
    return sp.csr_matrix((n, n), dtype=np.float64)


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
                np.empty(0, np.int32)
                if at_break
                else _last_kept(seg, context, position, window, keep_probability, seed)
            )
            position += seg.size
            start = cut
        rest = ids[start:]
        pending, size = [rest], rest.size
    ids = np.concatenate(pending) if pending else np.empty(0, np.int32)
    if ids.size:
        yield ids, context, position


def _last_kept(seg, context, position, window, keep_probability, seed) -> np.ndarray:
    """The last ``window`` kept ids of a segment that ends inside a line: those after its
    last line break (and, if it has none, the context it started with before them)."""
    breaks = np.flatnonzero(seg == LINE_BREAK)
    line_start = int(breaks[-1]) + 1 if breaks.size else 0
    found: list[np.ndarray] = []
    have = 0
    end = seg.size
    while end > line_start and have < window:
        start = max(line_start, end - 4096)
        chunk = seg[start:end]
        kept = chunk[_kept(chunk, position + start, keep_probability, seed)]
        found.insert(0, kept)
        have += kept.size
        end = start
    before = context if not breaks.size else np.empty(0, np.int32)
    return np.concatenate([before, *found]).astype(np.int32)[-window:]


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
        raise DataError("the vocabulary is empty: no word reaches --min-count")
    tasks = (
        (ids, context, position, vocab_size, weights, keep_probability, seed)
        for ids, context, position in _segments(id_blocks, window, keep_probability, seed, segment_tokens)
    )
    done = (lambda task: progress(task[0].size)) if progress is not None else None
    if workers > 1:  # compile (or load) the counting loops once, before the workers fork
        _count_segment((np.zeros(2, np.int32), np.empty(0, np.int32), 0, vocab_size, weights, keep_probability, seed))
    if memory is None:
        counts = map_reduce(_count_segment, tasks, workers, functools.partial(_empty, vocab_size), done=done)
        if symmetric:
            counts = (counts + counts.T).tocsr()
        counts = counts.astype(dtype, copy=False)
    else:
        with tempfile.TemporaryDirectory(prefix="embedkit-spill-", dir=spill_dir) as directory:
            share = max(1, memory // max(workers, 1))
            runs = map_reduce(
                _count_segment,
                tasks,
                workers,
                functools.partial(_empty, vocab_size),
                functools.partial(_SpillingSum, share, directory, symmetric),
                done,
            )
            counts = runs.merge(
                rows_per_block_nnz=max(1 << 16, memory // 256), symmetric=symmetric, dtype=dtype, directory=directory
            )
    counts.sum_duplicates()
    counts.sort_indices()
    return counts
