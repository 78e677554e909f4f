"""The graph type: a CSR adjacency matrix with its node names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import ParameterError, counted, param
from ..io import normal_form

#: The most nodes a graph holds: its node numbers are int32.
_MAX_NODES = 2**31 - 1


@dataclass
class Graph:
    """A graph in CSR form with its node ids as given in the edge list.

    ``nodes[i]`` is the id of node i (a string as written in the file, in the Unicode
    normal form every word takes, :func:`~embedkit.io.normal_form`);
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
            f"a walk stops there (the sparse route's PageRank walk restarts), and {gets}"
        )

    @classmethod
    def from_networkx(cls, graph, weight: str | None = "weight", source: str = "<networkx>") -> Graph:
        """A networkx graph as a :class:`Graph`: its nodes in ``graph.nodes`` order, each
        named ``str(node)`` (in NFC, :func:`~embedkit.io.normal_form`); directed when
        ``graph.is_directed()``; edge weights read from the ``weight`` attribute (default 1;
        None: every edge weighs 1), parallel edges of a multigraph merged with their
        weights summed, self-loops dropped (as :func:`~embedkit.graph.read_edges` does).  Raises
        :class:`~embedkit.errors.ParameterError` naming ``graph`` for an object that is not
        a networkx graph or two nodes with one name, and as :meth:`from_edges` for a weight
        that is NaN, infinite or negative."""
        if not (hasattr(graph, "nodes") and hasattr(graph, "edges") and hasattr(graph, "is_directed")):
            raise ParameterError(f"{param('graph')} must be a networkx graph, not a {type(graph).__name__}")
        nodes = list(graph.nodes())
        names = [normal_form(str(v)) for v in nodes]
        if len(set(names)) != len(names):
            raise ParameterError(
                f"{param('graph')} has two nodes that print the same (e.g. 1 and '1', or 'e\\u0301' and 'é')"
            )
        index = {v: i for i, v in enumerate(nodes)}
        edges = list(graph.edges(data=weight, default=1.0)) if weight else [(u, v, 1.0) for u, v in graph.edges()]
        m = len(edges)
        src = np.fromiter((index[e[0]] for e in edges), np.int64, m)
        dst = np.fromiter((index[e[1]] for e in edges), np.int64, m)
        w = np.array([e[2] for e in edges], dtype=np.float64) if m else np.zeros(0)
        return cls.from_edges(
            src, dst, len(nodes), weights=w, nodes=names, directed=bool(graph.is_directed()), source=source
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
        """Build a graph from edge arrays ``src``, ``dst`` (m,) of node numbers 0 … n − 1
        (any integer dtype, or floats holding whole numbers), merging duplicates (weights
        summed).  ``n``: the number of nodes (default: the largest number + 1, or
        ``len(nodes)``); ``nodes``: their ids (default ``"0"`` … ``"n−1"``; each taken as
        ``str(id)`` in NFC, :func:`~embedkit.io.normal_form`, as every word is); ``weights`` (m,): finite and
        non-negative (default 1).

        Undirected graphs treat (u, v) and (v, u) as the same edge.  Edges of weight 0
        are dropped.  Raises :class:`~embedkit.errors.ParameterError` naming the argument
        for arrays that are not 1-D of one length, node numbers that are not whole, are
        negative or reach ``n``, ``nodes`` of another length than ``n`` (or two that are one
        id: the same, or the same text in NFC, as 1 and ``"1"``), and weights that
        are NaN, infinite or negative.
        """
        src, dst = _node_numbers("src", src), _node_numbers("dst", dst)
        if src.shape != dst.shape:
            raise ParameterError(
                f"{param('src')} and {param('dst')} must have one length, got {src.size:,} and {dst.size:,}"
            )
        if n is None:
            n = len(nodes) if nodes is not None else int(max(src.max(initial=-1), dst.max(initial=-1)) + 1)
        top = int(max(src.max(initial=-1), dst.max(initial=-1)))
        if n > _MAX_NODES:  # node numbers are int32 and every node gets a row (and an id)
            raise ParameterError(
                f"a graph of {n:,} nodes (node numbers in {param('src')} / {param('dst')} up to {top:,}) is above "
                f"{_MAX_NODES:,}; renumber the nodes 0..k-1 (np.unique(..., return_inverse=True))"
            )
        if top >= n:
            raise ParameterError(
                f"node number {top:,} in {param('src')} / {param('dst')} is not below {param('n')} ({n:,})"
            )
        if nodes is None:
            nodes = [str(i) for i in range(n)]
        elif len(nodes) != n:
            raise ParameterError(f"{param('nodes')} must name the {n:,} nodes, got {len(nodes):,}")
        else:  # ids are words of the model: text in NFC (as from_networkx names them), each once
            normal = [normal_form(str(v)) for v in nodes]
            if len(set(normal)) != n:
                seen: dict = {}
                for i, v in enumerate(normal):
                    if seen.setdefault(v, i) != i:
                        first, again = nodes[seen[v]], nodes[i]
                        same = "twice" if first == again else "one id (as text, in Unicode NFC)"
                        raise ParameterError(f"{param('nodes')}: {first!r} and {again!r} are {same}")
            nodes = normal
        w = np.ones(src.size) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != src.shape:
            raise ParameterError(f"{param('weights')} must have one value an edge ({src.size:,}), got shape {w.shape}")
        if not (np.isfinite(w).all() and (w >= 0).all()):
            bad = int(np.flatnonzero(~(np.isfinite(w) & (w >= 0)))[0])
            raise ParameterError(f"{param('weights')} must be finite and non-negative, got {w[bad]} for edge {bad:,}")
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


def _node_numbers(name: str, values) -> np.ndarray:
    """``values`` as int64 node numbers (m,): whole and non-negative, else ParameterError."""
    a = np.asarray(values)
    if a.ndim != 1:
        raise ParameterError(f"{param(name)} must be a 1-D array of node numbers, got shape {a.shape}")
    if a.size and a.dtype.kind in "US":  # numbers written as text ("12"), as NumPy reads them
        try:
            a = a.astype(np.int64)
        except ValueError:
            raise ParameterError(
                f"{param(name)} must hold node numbers 0 … n − 1 (node ids go in {param('nodes')}), got {a[0]!r}"
            ) from None
    if a.size and not np.issubdtype(a.dtype, np.integer):
        if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
            raise ParameterError(f"{param(name)} must hold node numbers 0 … n − 1, not values of dtype {a.dtype}")
        whole = np.isfinite(a) & (a == np.round(a))
        if not whole.all():
            raise ParameterError(f"{param(name)} must hold whole node numbers, got {a[~whole][0]}")
    a = a.astype(np.int64)
    if a.size and a.min() < 0:
        raise ParameterError(f"{param(name)} must hold node numbers 0 … n − 1, got {int(a.min())}")
    return a
