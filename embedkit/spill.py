"""The disk-spill part of co-occurrence counting: under a memory budget each worker
writes its running total to disk as sorted CSR runs (:class:`SpillingSum`), and the runs
are merged a block of rows at a time, so memory holds the result and one block of each
run, never the result twice."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import scipy.sparse as sp

from .engine import TreeSum

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


class SpillingSum:
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
