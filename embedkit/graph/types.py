"""The graph type: a CSR adjacency matrix with its node names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import counted


@dataclass
class Graph:
    """A graph in CSR form with its node ids as given in the edge list.

    ``nodes[i]`` is the id of node i (a string, exactly as written in the file);
    ``indptr`` (n + 1,) int64, ``indices`` (nnz,) int32 sorted within each row, and
    ``weights`` (nnz,) float64 hold the out-neighbours of each node (both directions of
    each edge when undirected).  ``weighted`` is False when every weight is 1.
    """

    nodes: list[str]
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    directed: bool = False
    weighted: bool = False
    n_edges: int = 0
    source: str = "<graph>"
    merged: int = 0
    self_loops_dropped: int = 0

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def degrees(self) -> np.ndarray:
        """Number of out-neighbours of each node, int64 (n,)."""
        return np.diff(self.indptr)

    @property
    def strengths(self) -> np.ndarray:
        """Sum of out-edge weights of each node, float64 (n,)."""
        rows = np.repeat(np.arange(self.n), self.degrees)
        return np.bincount(rows, weights=self.weights, minlength=self.n)

    @property
    def isolated(self) -> np.ndarray:
        """Ids (int) of the nodes with no out-edge."""
        return np.flatnonzero(self.degrees == 0)

    def adjacency(self) -> sp.csr_matrix:
        """The weighted adjacency matrix A (n × n, float64, CSR)."""
        return sp.csr_matrix((self.weights, self.indices, self.indptr), shape=(self.n, self.n))

    def summary(self) -> str:
        kind = "directed" if self.directed else "undirected"
        text = f"{counted(self.n, 'node')}, {counted(self.n_edges, kind + ' edge')}"
        if self.merged:
            text += f" ({counted(self.merged, 'duplicate')} merged)"
        return text

    @property
    def edgeless(self) -> np.ndarray:
        """Boolean (n,): nodes with no edge in either direction (the only zero vectors)."""
        has = self.degrees > 0
        has[self.indices] = True
        return ~has

    def isolated_note(self) -> str | None:
        """A line reporting nodes without edges (or, directed, without out-edges), or None."""
        iso = self.isolated
        if not iso.size:
            return None
        some = ", ".join(repr(self.nodes[i]) for i in iso[:3])
        one = iso.size == 1
        if not self.directed:
            gets = "it gets a zero vector" if one else "they get zero vectors"
            return f"{self.source}: {counted(iso.size, 'node')} with no edge (e.g. {some}); {gets}"
        gets = "it gets a vector from the nodes that point at it"
        if not one:
            gets = "they get vectors from the nodes that point at them"
        return (
            f"{self.source}: {counted(iso.size, 'sink node')} with no outgoing edge (e.g. {some}); "
            f"walks end there, and {gets}"
        )

    @classmethod
    def from_edges(
        cls,
        src: np.ndarray,
        dst: np.ndarray,
        n: int | None = None,
        weights: np.ndarray | None = None,
        nodes: list[str] | None = None,
        directed: bool = False,
        self_loops: bool = False,
        source: str = "<graph>",
    ) -> Graph:
        """Build a graph from integer edge arrays (m,), merging duplicates (weights summed).

        Undirected graphs treat (u, v) and (v, u) as the same edge.  Edges of weight 0
        are dropped.
        """
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        if n is None:
            n = int(max(src.max(initial=-1), dst.max(initial=-1)) + 1)
        if nodes is None:
            nodes = [str(i) for i in range(n)]
        w = np.ones(src.size) if weights is None else np.asarray(weights, dtype=np.float64)
        loops = src == dst
        dropped = 0
        if not self_loops and loops.any():
            dropped = int(loops.sum())
            keep = ~loops
            src, dst, w = src[keep], dst[keep], w[keep]
        if not directed:
            src, dst = np.minimum(src, dst), np.maximum(src, dst)
        key = src * n + dst
        uniq, inverse = np.unique(key, return_inverse=True)
        merged = int(key.size - uniq.size)
        wsum = np.bincount(inverse, weights=w, minlength=uniq.size)
        nz = wsum > 0
        uniq, wsum = uniq[nz], wsum[nz]
        s, d = uniq // n, uniq % n
        if not directed:
            off = s != d
            s, d, wsum = np.concatenate([s, d[off]]), np.concatenate([d, s[off]]), np.concatenate([wsum, wsum[off]])
        a = sp.csr_matrix((wsum, (s, d)), shape=(n, n))
        a.sum_duplicates()
        a.sort_indices()
        return cls(
            nodes=list(nodes),
            indptr=a.indptr.astype(np.int64),
            indices=a.indices.astype(np.int32),
            weights=a.data.astype(np.float64),
            directed=directed,
            weighted=bool(weights is not None and not np.all(a.data == 1.0)),
            n_edges=int(uniq.size),
            source=source,
            merged=merged,
            self_loops_dropped=dropped,
        )
