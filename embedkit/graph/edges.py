"""Graphs: edge lists, random walks (DeepWalk, node2vec) and the NetMF closed form.

A random walk is a sentence whose words are node ids, so walks feed the word pipeline's
``cooccur → pmi → svd`` stages unchanged.  NetMF (Qiu et al., WSDM 2018) writes down the
matrix that DeepWalk's walk co-occurrence converges to, for window T and b negative
samples::

    M = vol(G) / (b T) · (Σ_{r=1..T} P^r) D⁻¹,    P = D⁻¹ A,  vol(G) = Σ_ij A_ij
      = vol(G) / b · D^-½ f(S) D^-½,                S = D^-½ A D^-½,  f(S) = (1/T) Σ_{r=1..T} S^r

and factorises log(max(M, 1)) by truncated SVD — no sampling at all.  ``f(S)`` is computed
exactly (T sparse × dense products) on small graphs, and through the top ``rank``
eigenpairs of S (Chebyshev-filtered subspace iteration) on larger ones.

Why NetMF is the default, and its parameters (measured, see BENCHMARKS.md "## Graphs"):
on BlogCatalog it reaches the quality targets that walk-based training misses (walks are
a noisy Monte-Carlo estimate of the same matrix) and it is several times faster end to
end, because the walk route must sort hundreds of millions of window pairs.  T = 10 and
b = 1 (the paper's) were best among T ∈ {5, 10, 20} and b ∈ {0.5, 1, 2, 5}.  The rank and
dimension are not the paper's (256 eigenpairs, 128 d): with exact eigenpairs, 512
eigenpairs lost a point of micro-F1 against 256 and 192 (the small eigenvalues carry noise
that log(max(M, 1)) amplifies), and 160–256 dimensions beat 128 on the rare labels
(macro-F1 ≈ 0.281 against 0.275 on BlogCatalog; Cora also gains with more dimensions).
rank 192, dim 160 is the cheapest of the best.

Three routes, and ``method="auto"`` picks one:

* ``netmf`` — the closed form above, a dense n × n float32 matrix: the best quality, chosen
  up to :data:`NETMF_MAX_NODES` nodes (1.6 GB there; 4 TB at a million nodes).
* ``sparse`` — chosen for larger undirected graphs: NetMF's matrix for T = 1,
  log(max(vol(G)/b · A_ij / (d_i d_j), 1)), which has the non-zeros of A only, factorised
  by a randomized eigendecomposition (it is symmetric), then ProNE's *spectral
  propagation* (Zhang et al., IJCAI 2019): a Chebyshev expansion of a Gaussian filter on
  the normalized Laplacian brings back the higher-order proximity that T = 1 leaves out,
  and a small SVD of the n × d result re-orthogonalises it.  Every step is a sparse ×
  dense product or a dense n × d operation: memory grows with nnz(A) + n·d, not n².  It
  is 0.01–0.03 micro-F1 below dense NetMF on BlogCatalog and Cora (BENCHMARKS.md "Graphs
  at scale").
* ``walks`` — random walks counted batch by batch as they are generated (the word
  pipeline's cooccur → PPMI → SVD), never all held at once: for directed graphs (the
  choice of ``auto`` there), node2vec's p and q, or when asked.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from .errors import DataError, ParameterError
from .factorize import fix_signs, orthonormalize
from .files import display_name, is_number, read_all_bytes

METHODS = ("auto", "netmf", "sparse", "walks")
#: ``method="auto"`` uses NetMF up to this many nodes (a dense n × n float32 matrix,
#: 1.6 GB at 20,000 nodes), the sparse route above (random walks for directed graphs).
NETMF_MAX_NODES = 20_000
#: NetMF computes f(S) exactly (T sparse × dense n × n products) while nnz(A) · n · T stays
#: below this many multiply-adds (about a second); above it, through ``rank`` eigenpairs.
EXACT_BUDGET = 2e9

_HEADER_WORDS = {
    "source", "target", "src", "dst", "from", "to", "node", "node1", "node2", "u", "v", "weight", "w",
    "head", "tail", "id1", "id2", "source_id", "target_id",
}  # fmt: skip
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True


# -- reading edge lists ---------------------------------------------------------------
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
        text = f"{self.n:,} nodes, {self.n_edges:,} {kind} edges"
        if self.merged:
            text += f" ({self.merged:,} duplicates merged)"
        return text

    def isolated_note(self) -> str | None:
        """A line reporting nodes without edges, or None."""
        iso = self.isolated
        if not iso.size:
            return None
        some = ", ".join(repr(self.nodes[i]) for i in iso[:3])
        what = "no outgoing edge" if self.directed else "no edge"
        return f"{self.source}: {iso.size:,} node(s) with {what} (e.g. {some}); no walk leaves them"

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


def read_edges(
    path: str,
    directed: bool = False,
    self_loops: bool = False,
    header: bool | None = None,
    delimiter: str | None = None,
) -> Graph:
    """Read an edge list: ``source target [weight]`` per line.

    Columns are separated by commas, tabs or white space (detected from the first data
    line unless ``delimiter`` is given); lines whose first non-blank character is ``#``
    and blank lines are skipped; ``header=None`` detects a header row (column names such
    as ``source,target``, or non-numeric ids above numeric ones).  Node ids are kept as
    written.  Duplicate edges are merged with their weights summed.  Parsing is vectorised
    over the whole file (numpy over the bytes, one C-level split), not a loop per line.

    Raises :class:`DataError` naming the file and line for a wrong column count, a weight
    that is not a number, or a negative weight; and for a file with no edges.
    """
    name = display_name(path)
    data = read_all_bytes(path)
    if not data.endswith(b"\n"):
        data += b"\n"
    buf = np.frombuffer(data, dtype=np.uint8)
    if header is not True:
        fast = _integer_edges(buf, delimiter)
        if fast is not None:
            nodes, inverse = fast
            g = Graph.from_edges(
                inverse[0], inverse[1], len(nodes), nodes=nodes, directed=directed, self_loops=self_loops, source=name
            )
            return _checked(g)
    ends = np.flatnonzero(buf == 10)  # one per line
    starts = np.concatenate([[0], ends[:-1] + 1])
    nonspace = np.flatnonzero(~_SPACE[buf])
    k = np.searchsorted(nonspace, starts)
    first = np.append(nonspace, buf.size)[k]
    has_text = first < ends
    is_comment = np.zeros_like(has_text)
    is_comment[has_text] = buf[first[has_text]] == ord("#")
    data_lines = np.flatnonzero(has_text & ~is_comment)  # 0-based line numbers
    if data_lines.size == 0:
        raise DataError(f"{name}: no edges (the file is empty or has only comments)")

    first_line = data[starts[data_lines[0]] : ends[data_lines[0]]].decode("utf-8", "replace")
    if delimiter is None:
        delimiter = "\t" if "\t" in first_line else ("," if "," in first_line else " ")
    if delimiter not in (",", "\t", " ", ";", "|"):
        raise ParameterError(f"--delimiter must be one of ',', tab, ' ', ';', '|', got {delimiter!r}")

    # fields per line, counted on the bytes
    line_of = np.cumsum(buf == 10) - (buf == 10)  # line index of each byte
    if delimiter == " ":
        tok_start = ~_SPACE[buf]
        tok_start[1:] &= _SPACE[buf[:-1]]
        n_fields = np.bincount(line_of[tok_start], minlength=ends.size)
    else:
        n_fields = np.bincount(line_of[buf == ord(delimiter)], minlength=ends.size) + 1
    nf = n_fields[data_lines]
    ncol = int(nf[0])
    bad = np.flatnonzero(nf != ncol) if ncol in (2, 3) else np.array([0])
    if bad.size:
        ln = int(data_lines[bad[0]])
        got = int(nf[bad[0]])
        want = "2 or 3" if ncol not in (2, 3) else str(ncol)
        text = data[starts[ln] : ends[ln]].decode("utf-8", "replace").strip()
        raise DataError(
            f"{name}, line {ln + 1}: expected {want} columns (source, target[, weight]), found {got}: {text[:60]!r}"
        )

    # keep the bytes of the data lines only, then one split for all fields
    keep_line = np.zeros(ends.size, dtype=bool)
    keep_line[data_lines] = True
    kept = buf[keep_line[line_of]].tobytes()
    try:
        text = kept.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{name}: not UTF-8 text") from None
    if delimiter == " ":
        fields = text.split()
    else:
        pad = "[ \r\f\v]+" if delimiter == "\t" else "[ \t\r\f\v]+"
        sep = "[\n" + re.escape(delimiter) + "]"
        text = re.sub(f"{pad}(?={sep})", "", re.sub(f"(?<={sep}){pad}", "", text.lstrip(" \r\f\v")))
        fields = text.replace("\n", delimiter).split(delimiter)
        if fields and fields[-1] == "":
            fields.pop()
    cols = np.array(fields, dtype=object).reshape(-1, ncol)
    lines = data_lines + 1  # 1-based line numbers of the rows

    if header is None:
        header = _looks_like_header(cols)
    if header:
        cols, lines = cols[1:], lines[1:]
    if cols.shape[0] == 0:
        raise DataError(f"{name}: no edges (only a header row)")

    weights = None
    if ncol == 3:
        try:
            weights = cols[:, 2].astype(np.float64)
        except ValueError:
            i = next(i for i, s in enumerate(cols[:, 2]) if not is_number(s))
            raise DataError(f"{name}, line {lines[i]}: weight {cols[i, 2]!r} is not a number") from None
        bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
        if bad.size:
            i = int(bad[0])
            raise DataError(f"{name}, line {lines[i]}: weight {cols[i, 2]!r} must be a finite non-negative number")
    nodes, inverse = _node_ids(cols[:, :2])
    if inverse is None:
        raise DataError(f"{name}, line {lines[nodes]}: a node id is empty")
    g = Graph.from_edges(
        inverse[:, 0],
        inverse[:, 1],
        n=len(nodes),
        weights=weights,
        nodes=nodes,
        directed=directed,
        self_loops=self_loops,
        source=name,
    )
    return _checked(g)


def _checked(g: Graph) -> Graph:
    if g.n_edges == 0:
        why = f"all {g.self_loops_dropped:,} are self-loops (keep them with --self-loops)"
        raise DataError(f"{g.source}: no edges left: {why if g.self_loops_dropped else 'every weight is 0'}")
    return g


def _integer_edges(buf: np.ndarray, delimiter: str | None) -> tuple[list[str], np.ndarray] | None:
    """The common large case without Python strings: two columns of canonical integers.

    Returns (node ids in numeric order, int64 (2, m) positions), or None when the bytes are
    anything else (comments, a header, weights, signs, leading zeros, a column count that
    differs) so that the general parser handles them and their errors.  At 10 M edges the
    general parser holds one Python string per field (6.4 GB, 48 s); this path holds a
    few int64 arrays per field (about 1 GB, a few seconds).
    """
    if (delimiter is not None and delimiter not in (",", "\t", " ")) or buf[-1] != 10:
        return None
    is_digit = (buf >= 48) & (buf <= 57)
    if not (is_digit | (buf == 10) | (buf == 13) | (buf == 32) | (buf == 9) | (buf == 44)).all():
        return None
    nl = np.flatnonzero(buf == 10)
    # digit runs are the fields: a start is a digit after a non-digit
    starts = np.flatnonzero(is_digit[1:] & ~is_digit[:-1]) + 1
    if is_digit[0]:
        starts = np.concatenate([[0], starts])
    stops = np.flatnonzero(~is_digit[1:] & is_digit[:-1]) + 1
    del is_digit
    if starts.size < 2 or starts.size != stops.size:
        return None
    lens = stops - starts
    if lens.max() > 18 or np.any((buf[starts] == 48) & (lens > 1)):
        return None  # too long for int64, or "007" (kept as a string id by the general path)
    line = np.searchsorted(nl, starts)
    per_line = np.bincount(line, minlength=nl.size)
    if np.any((per_line != 0) & (per_line != 2)):
        return None
    # one separator a line, the one the general parser would pick from the first line
    first = buf[starts[0] : nl[line[0]]].tobytes()
    delim = delimiter or ("\t" if b"\t" in first else ("," if b"," in first else " "))
    if delim != ",":
        if np.any(buf == 44):
            return None
    if delim != " ":
        n_delim = np.bincount(np.searchsorted(nl, np.flatnonzero(buf == ord(delim))), minlength=nl.size)
        if np.any(n_delim != per_line // 2):
            return None
    del line, per_line, nl
    values = np.zeros(starts.size, dtype=np.int64)
    last = buf.size - 1
    for k in range(int(lens.max())):
        digit = buf[np.minimum(starts + k, last)].astype(np.int64) - 48
        values = np.where(lens > k, values * 10 + digit, values)
    del starts, lens
    if values.max() < 4 * values.size:  # dense-ish ids: a presence table instead of a sort
        present = np.zeros(int(values.max()) + 1, dtype=bool)
        present[values] = True
        uniq = np.flatnonzero(present)
        inverse = (np.cumsum(present) - 1)[values]
    else:
        uniq, inverse = np.unique(values, return_inverse=True)
    return uniq.astype(str).tolist(), inverse.reshape(-1, 2).T


def _node_ids(ends: np.ndarray):
    """(node ids as given, int64 (m, 2) of positions) for an object array (m, 2) of strings.

    Integer ids that read back exactly (no "007") take a fast numeric path and are ordered
    numerically; anything else is ordered as strings.  Returns (row, None) if the id of
    that row is empty.
    """
    flat = ends.ravel()
    try:
        as_int = flat.astype(np.int64)
        uniq, inverse = np.unique(as_int, return_inverse=True)
        names = uniq.astype(str)
        # a non-canonical integer ("007", "+7") is longer than its canonical form, so equal
        # total lengths mean every id reads back exactly as written
        if sum(map(len, flat)) == int(np.char.str_len(names)[inverse].sum()):
            return names.tolist(), inverse.reshape(-1, 2)
    except (ValueError, OverflowError):
        pass
    flat = flat.astype(str)
    empty = np.flatnonzero(flat == "")
    if empty.size:
        return int(empty[0] // 2), None
    ids, inverse = np.unique(flat, return_inverse=True)
    order = _natural_order(ids)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return ids[order].tolist(), rank[inverse].reshape(-1, 2)


def _natural_order(ids: np.ndarray) -> np.ndarray:
    """Order of node ids: numerically when all are integers, else as strings."""
    try:
        as_int = ids.astype(np.int64)
    except (ValueError, OverflowError):
        return np.arange(ids.size)  # np.unique already sorted them as strings
    return np.lexsort((ids, as_int))


def _looks_like_header(cols: np.ndarray) -> bool:
    row = [str(x).strip().lower() for x in cols[0]]
    if all(x in _HEADER_WORDS for x in row):
        return True
    if cols.shape[0] < 2:
        return False
    nxt = [str(x) for x in cols[1]]
    if cols.shape[1] == 3 and not is_number(row[2]) and is_number(nxt[2]):
        return True
    return not any(is_number(x) for x in row[:2]) and all(is_number(x) for x in nxt[:2])


# -- random walks ---------------------------------------------------------------------
def _check_walk_params(walks_per_node: int, walk_length: int, p: float, q: float) -> None:
    if walks_per_node < 1:
        raise ParameterError(f"--walks-per-node must be at least 1, got {walks_per_node}")
    if walk_length < 1:
        raise ParameterError(f"--walk-length must be at least 1, got {walk_length}")
    for nm, v in (("--p", p), ("--q", q)):
        if not (v > 0 and np.isfinite(v)):
            raise ParameterError(f"{nm} must be a positive number, got {v}")


class _EdgeSet:
    """Vectorised membership test for int64 keys: open addressing, linear probing.

    A 2×-oversized table answers most queries with one random access, where a binary
    search of a sorted key array needs ~20 (node2vec's "is x a neighbour of t" test runs
    several times per step for every walker).
    """

    _MULT = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: np.ndarray) -> None:
        bits = max(4, int(np.ceil(np.log2(max(2 * keys.size, 16)))))
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._table = np.full(1 << bits, -1, dtype=np.int64)
        pos = self._hash(keys)
        todo = np.arange(keys.size)
        while todo.size:
            p = pos[todo]
            free = self._table[p] == -1
            _, first = np.unique(p[free], return_index=True)
            win = todo[free][first]
            self._table[pos[win]] = keys[win]
            placed = np.zeros(keys.size, dtype=bool)
            placed[win] = True
            todo = todo[~placed[todo]]
            pos[todo] = (pos[todo] + 1) & self._mask

    def _hash(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys.astype(np.uint64) * self._MULT) >> self._shift).astype(np.int64)

    def contains(self, q: np.ndarray) -> np.ndarray:
        pos = self._hash(q)
        out = np.zeros(q.size, dtype=bool)
        todo = np.arange(q.size)
        while todo.size:
            v = self._table[pos[todo]]
            hit = v == q[todo]
            out[todo[hit]] = True
            todo = todo[~hit & (v != -1)]
            pos[todo] = (pos[todo] + 1) & self._mask
        return out


def random_walks(
    graph: Graph,
    walks_per_node: int = 10,
    walk_length: int = 80,
    p: float = 1.0,
    q: float = 1.0,
    seed: int = 0,
    batch_steps: int = 1 << 21,
) -> Iterator[np.ndarray]:
    """Random walks from every node with an edge, ``walks_per_node`` times each.

    Yields int32 arrays of shape (batch, walk_length) of node ids; a walk that reaches a
    node with no out-edge (directed graphs) stops there and the rest of its row is -2.
    Round r of walks starts from a seeded permutation of the nodes (as DeepWalk does).

    Each step moves every walker of the batch at once: a uniform neighbour is
    ``indices[indptr[v] + floor(u · deg v)]``; on weighted graphs the neighbour is drawn in
    proportion to the edge weight by a binary search of u in the cumulative weights.
    With p ≠ 1 or q ≠ 1 (node2vec), the first-order draw x from v (previous node t) is
    accepted with probability α(t, x) / max α, α = 1/p if x = t, 1 if x is a neighbour of
    t, 1/q otherwise — rejection sampling, repeated for the rejected walkers only.
    """
    _check_walk_params(walks_per_node, walk_length, p, q)
    rng = np.random.default_rng(seed)
    indptr, indices = graph.indptr, graph.indices
    deg = graph.degrees
    starts_all = np.flatnonzero(deg > 0)
    if starts_all.size == 0:
        return
    cum = None
    if graph.weighted:
        cum = np.concatenate([[0.0], np.cumsum(graph.weights)])
    second_order = p != 1.0 or q != 1.0
    if second_order:
        n = graph.n
        rows = np.repeat(np.arange(n, dtype=np.int64), deg)
        edge_keys = rows * n + indices  # globally sorted (CSR, sorted rows)
        alpha = np.array([1.0 / p, 1.0, 1.0 / q])
        alpha_max = alpha.max()

    def step(cur: np.ndarray) -> np.ndarray:
        lo = indptr[cur]
        u = rng.random(cur.size)
        if cum is None:
            return indices[lo + (u * deg[cur]).astype(np.int64)]
        a, b = cum[lo], cum[indptr[cur + 1]]
        pos = np.searchsorted(cum, a + u * (b - a), side="right") - 1
        return indices[np.clip(pos, lo, indptr[cur + 1] - 1)]

    if second_order:
        # Envelope of the rejection sampler.  On undirected graphs a large return weight
        # 1/p is "folded out" (KnightKing, Yang et al. 2019): the return edge gets an extra
        # slice of proposal mass w(v,t)·(1/p − env), so the envelope is max(1, 1/q) and small
        # p does not make every other proposal rare.
        fold = not graph.directed and alpha[0] > max(alpha[1], alpha[2])
        env = max(alpha[1], alpha[2]) if fold else alpha_max
        need_adj = alpha[1] != alpha[2]
        strength = graph.strengths if graph.weighted else deg.astype(np.float64)

        edges = _EdgeSet(edge_keys) if need_adj else None

    def is_edge(t: np.ndarray, x: np.ndarray) -> np.ndarray:
        return edges.contains(t * n + x)

    def step2(prev: np.ndarray, cur: np.ndarray) -> np.ndarray:
        out = np.empty(cur.size, dtype=np.int32)
        if fold:
            if graph.weighted:
                k = cur * n + prev
                w_back = graph.weights[np.minimum(np.searchsorted(edge_keys, k), edge_keys.size - 1)]
            else:
                w_back = np.ones(cur.size)
            base = strength[cur] * env
            total = base + w_back * (alpha[0] - env)
        todo = np.arange(cur.size)
        while todo.size:
            c, t = cur[todo], prev[todo]
            x = step(c)
            a = np.full(todo.size, alpha[2])
            back = x == t
            a[back] = alpha[0]
            if need_adj:
                fwd = np.flatnonzero(~back)
                a[fwd[is_edge(t[fwd], x[fwd].astype(np.int64))]] = alpha[1]
            else:
                a[~back] = alpha[1]
            prob = np.minimum(a / env, 1.0)
            if fold:
                ret = rng.random(todo.size) * total[todo] >= base[todo]
                x[ret] = t[ret]
                prob[ret] = 1.0
            ok = rng.random(todo.size) < prob
            out[todo[ok]] = x[ok]
            todo = todo[~ok]
        return out

    per_batch = max(1, batch_steps // walk_length)
    starts = np.concatenate([rng.permutation(starts_all) for _ in range(walks_per_node)]).astype(np.int32)
    for b0 in range(0, starts.size, per_batch):
        cur = starts[b0 : b0 + per_batch]
        walks = np.full((cur.size, walk_length), -2, dtype=np.int32)
        walks[:, 0] = cur
        alive = np.arange(cur.size)
        for j in range(1, walk_length):
            c = walks[alive, j - 1]
            live = deg[c] > 0
            if not live.all():
                alive, c = alive[live], c[live]
                if alive.size == 0:
                    break
            if second_order and j > 1:
                walks[alive, j] = step2(walks[alive, j - 2].astype(np.int64), c.astype(np.int64))
            else:
                walks[alive, j] = step(c.astype(np.int64))
        yield walks


def walks_to_id_blocks(walks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    """Turn walk batches into the word pipeline's id blocks: each walk one line."""
    for w in walks:
        out = np.empty((w.shape[0], w.shape[1] + 1), dtype=np.int32)
        out[:, :-1] = w
        out[:, -1] = -1  # LINE_BREAK; the -2 padding of stopped walks is skipped
        yield out.ravel()


def write_walks(graph: Graph, walks: Iterator[np.ndarray], out) -> int:
    """Write walks to a binary file object as lines of space-separated node ids.

    Vectorised: each batch becomes one bytes object built by numpy gathers from the
    encoded node ids, not a Python join per walk.  Returns the number of walks written.
    """
    enc = [s.encode("utf-8") + b" " for s in graph.nodes]
    lens = np.fromiter((len(e) for e in enc), dtype=np.int64, count=len(enc))
    pool = np.frombuffer(b"".join(enc), dtype=np.uint8)
    offs = np.concatenate([[0], np.cumsum(lens)[:-1]])
    n_walks = 0
    for w in walks:
        n_walks += w.shape[0]
        for r0 in range(0, w.shape[0], max(1, (1 << 20) // w.shape[1])):
            sub = w[r0 : r0 + max(1, (1 << 20) // w.shape[1])]
            valid = sub >= 0
            ids = sub[valid]
            tl = lens[ids]
            total = int(tl.sum())
            tok_out = np.cumsum(tl) - tl
            src = np.repeat(offs[ids] - tok_out, tl) + np.arange(total)
            buf = pool[src]
            # the last token of each walk ends with a newline instead of a space
            last_tok = np.cumsum(valid.sum(axis=1)) - 1
            buf[(tok_out + tl - 1)[last_tok]] = ord("\n")
            out.write(buf.tobytes())
    return n_walks


# -- NetMF ----------------------------------------------------------------------------
def _normalized(graph: Graph) -> tuple[sp.csr_matrix, np.ndarray, float]:
    """S = D^-½ A D^-½ (CSR), d^-½ (n,) with 0 for isolated nodes, and vol(G)."""
    a = graph.adjacency()
    d = np.asarray(a.sum(axis=1)).ravel()
    dinv = np.zeros_like(d)
    dinv[d > 0] = 1.0 / np.sqrt(d[d > 0])
    s = sp.diags(dinv) @ a @ sp.diags(dinv)
    return s.tocsr(), dinv, float(d.sum())


def _window_filter(evals: np.ndarray, window: int) -> np.ndarray:
    """f(λ) = (1/T) Σ_{r=1..T} λ^r, elementwise."""
    out = np.zeros_like(evals)
    x = np.ones_like(evals)
    for _ in range(window):
        x = x * evals
        out += x
    return out / window


def top_eigenpairs(
    s: sp.spmatrix, rank: int, seed: int = 0, oversample: int = 32, degree: int = 8, passes: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``rank`` algebraic eigenpairs of a symmetric sparse matrix S (n × n), ‖S‖ ≤ 1.

    Chebyshev-filtered subspace iteration: a block of ``rank + oversample`` vectors goes
    through a degree-``degree`` Chebyshev polynomial that maps the unwanted part of the
    spectrum, [-1, c], into [-1, 1] and grows exponentially above c (c is re-estimated
    from the Ritz values after each pass), then Rayleigh–Ritz.  Every step is one sparse ×
    dense block product in float32 — on BlogCatalog (n = 10,312, rank 192–256) 1–2 s on a
    quiet machine, eigenvalues within 0.003 of ARPACK's, where ``scipy.sparse.linalg.eigsh``
    (one vector per Python callback) takes 38 s for 256 eigenpairs.
    Dense ``eigh`` when ``rank`` is a large part of n.

    Returns (evals (rank,) descending, evecs (n × rank) with orthonormal columns).
    """
    n = s.shape[0]
    if 3 * rank >= n or n <= 1500:
        with threadpool_limits(1 if n <= 2000 else None):
            w, u = la.eigh(s.toarray() if sp.issparse(s) else s)
        order = np.argsort(w)[::-1][:rank]
        return w[order], u[:, order]
    rng = np.random.default_rng(seed)
    l = min(rank + oversample, n)
    s32 = sp.csr_matrix(s, dtype=np.float32)
    x = orthonormalize(rng.standard_normal((n, l), dtype=np.float32))
    cut = 0.0  # first pass: damp the negative half of the spectrum
    for _ in range(passes):
        center, half = (cut - 1.0) / 2, (cut + 1.0) / 2
        y_prev, y = x, (s32 @ x - center * x) / half
        for _k in range(1, degree):
            y_prev, y = y, 2.0 * (s32 @ y - center * y) / half - y_prev
        x = orthonormalize(y)
        h = (x.T @ (s32 @ x)).astype(np.float64)
        with threadpool_limits(1):
            w, v = la.eigh((h + h.T) / 2, check_finite=False)
        order = np.argsort(w)[::-1]
        w, v = w[order], v[:, order]
        x = x @ v.astype(np.float32)
        cut = float(w[-1])  # the smallest Ritz value: below it is what to damp
    return w[:rank], x[:, :rank].astype(np.float64)


def netmf_matrix(
    graph: Graph,
    window: int = 10,
    negative: float = 1.0,
    rank: int | None = 192,
    exact: bool | None = None,
    seed: int = 0,
) -> np.ndarray:
    """NetMF's matrix log(max(M, 1)) as a dense float32 array (n × n), see the module doc.

    ``exact=None`` decides by cost (:data:`EXACT_BUDGET`); ``exact=False`` uses the top
    ``rank`` eigenpairs of S (all of them when ``rank`` is None).  Rows and columns of
    isolated nodes are 0.
    """
    if window < 1:
        raise ParameterError(f"--window must be at least 1, got {window}")
    if not negative > 0:
        raise ParameterError(f"--negative must be positive, got {negative}")
    if graph.directed:
        raise ParameterError("NetMF needs an undirected graph; use --method walks for a directed one")
    s, dinv, vol = _normalized(graph)
    n = graph.n
    if exact is None:
        exact = s.nnz * n * window <= EXACT_BUDGET
    if exact:
        # f(S) by Horner: X ← S (I + X), T times; sparse × dense in float32 (7× faster
        # than float64 here, and the sum of T bounded terms loses nothing that matters)
        s32 = s.astype(np.float32)
        x = np.zeros((n, n), dtype=np.float32)
        diag = np.diag_indices(n)
        for _ in range(window):
            x[diag] += 1.0
            x = np.asarray(s32 @ x)
        d32 = dinv.astype(np.float32)
        x *= d32[:, None]
        x *= d32[None, :] * np.float32(vol / (negative * window))
        m = x
    else:
        if rank is None:
            rank = n
        if rank < 1:
            raise ParameterError(f"--rank must be at least 1, got {rank}")
        evals, evecs = top_eigenpairs(s, min(rank, n), seed=seed)
        fl = _window_filter(evals, window)
        left = (evecs * dinv[:, None]).astype(np.float32)  # D^-½ U
        m = (left * (fl * (vol / negative)).astype(np.float32)) @ left.T
    m = np.asarray(m, dtype=np.float32)
    np.maximum(m, 1.0, out=m)
    np.log(m, out=m)
    return m


# -- the sparse route: T = 1 PMI, then spectral propagation (ProNE) ---------------------
def sparse_pmi_matrix(graph: Graph, negative: float = 1.0) -> sp.csr_matrix:
    """NetMF's matrix for T = 1, log(max(vol(G)/b · A_ij / (d_i d_j), 1)), sparse (n × n).

    It is the PPMI of the graph's edges as co-occurrence counts (no smoothing), so it keeps
    at most nnz(A) non-zeros; float32 CSR.  ``negative`` below 1 counts as 1.
    """
    from .weighting import pmi

    return pmi(graph.adjacency(), "ppmi", max(negative, 1.0), cds=1.0)


def spectral_propagation(
    graph: Graph, x: np.ndarray, order: int = 5, mu: float = 0.0, theta: float = 4.0, block: int = 64
) -> np.ndarray:
    """ProNE's spectral propagation of an embedding x (n × d): float32 (n × d).

    With Ã = A + I and the random-walk Laplacian L = I − D̃⁻¹Ã (spectrum in [0, 2)), the
    Gaussian g(L) = exp(−θ/2 ((L − μ)² − 2)) = e^θ · exp(−θ/2 (L − μ)²) is expanded in
    Chebyshev polynomials of (L − μ)²/2 − 1 (coefficients: modified Bessel functions
    I_k(θ)) to ``order`` terms, and the embedding becomes Ã (I − g(L)) x.  The filter
    1 − g weighs each eigencomponent by its distance from μ: with the defaults (order 5,
    μ 0, θ 4; the 5-term expansion only approximates the Gaussian) |1 − g| is about 52
    at λ = 0, 33 at λ = 0.5, 5.5 at λ = 1 and below 0.35 from λ = √2 up — a low-pass
    that strengthens what is smooth on the graph; ProNE's own (10, 0.2, 0.5) is milder.
    2 (order − 1) + 1 sparse × dense products, in float32, ``block`` columns at a time so
    that only a few n × block arrays are alive.  Zhang et al., "ProNE", IJCAI 2019.
    """
    from scipy.special import iv

    if order < 1:
        raise ParameterError(f"the propagation order must be at least 1, got {order}")
    n = graph.n
    at = (graph.adjacency() + sp.eye(n, format="csr")).tocsr()
    dt = np.asarray(at.sum(axis=1)).ravel()
    # M = L − μ I = (1 − μ) I − D̃⁻¹ Ã
    m = (sp.eye(n, format="csr") * (1.0 - mu) - sp.diags(1.0 / dt) @ at).astype(np.float32).tocsr()
    at = at.astype(np.float32)
    coef = [float(iv(k, theta)) for k in range(order)]
    out = np.empty((n, x.shape[1]), dtype=np.float32)
    for j in range(0, x.shape[1], block):
        x0 = np.ascontiguousarray(x[:, j : j + block], dtype=np.float32)
        if order == 1:
            out[:, j : j + block] = x0
            continue
        t_prev, t_cur = x0, 0.5 * (m @ (m @ x0)) - x0  # T₀, T₁ of (M²/2 − I)
        conv = coef[0] * x0 - 2.0 * coef[1] * t_cur
        for k in range(2, order):
            t_next = (m @ (m @ t_cur)) - 2.0 * t_cur - t_prev
            conv += (2.0 if k % 2 == 0 else -2.0) * coef[k] * t_next
            t_prev, t_cur = t_cur, t_next
        out[:, j : j + block] = at @ (x0 - conv)
    return out


def _spectral_vectors(y: np.ndarray, eig: float = 0.5) -> np.ndarray:
    """Re-orthogonalise an n × d embedding: U Σ^eig of its thin SVD, through the d × d Gram."""
    g = (y.T @ y).astype(np.float64)
    with threadpool_limits(1):  # OpenBLAS threads only slow down d × d problems
        w, v = la.eigh(g, check_finite=False)
    order = np.argsort(w)[::-1]
    s = np.sqrt(np.maximum(w[order], 0.0))
    keep = s > (s[0] * 1e-6 if s.size and s[0] > 0 else np.inf)
    scale = np.zeros_like(s)
    scale[keep] = s[keep] ** (eig - 1.0)  # U Σ^eig = Y V Σ^(eig − 1)
    return fix_signs(y @ (v[:, order] * scale).astype(np.float32))


# -- the one-shot command ---------------------------------------------------------------
@dataclass
class GraphOptions:
    """Every parameter of ``embed-graph``; the defaults are the measured best (BENCHMARKS.md)."""

    method: str = "auto"
    dim: int = 160
    window: int = 10
    negative: float = 1.0
    rank: int = 192
    walks_per_node: int = 10
    walk_length: int = 80
    p: float = 1.0
    q: float = 1.0
    cds: float = 0.75  # walks only
    # sparse only: the spectral propagation's Chebyshev terms, and the centre μ and width
    # parameter θ of its Gaussian on the Laplacian's spectrum (ProNE's are 10, 0.2, 0.5;
    # these were as good or better on BlogCatalog and Cora at half the products)
    order: int = 5
    mu: float = 0.0
    theta: float = 4.0
    n_iter: int = 2
    eig: float = 0.5
    vectors: str | None = None  # None: "w" for netmf (a symmetric matrix), "w+c" for walks
    seed: int = 0
    timings: dict = field(default_factory=dict, compare=False)

    def params(self) -> dict:
        d = asdict(self)
        d.pop("timings")
        return d


def resolve_method(graph: Graph, method: str) -> str:
    if method not in METHODS:
        raise ParameterError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    if method != "auto":
        return method
    if graph.directed:
        return "walks"
    return "netmf" if graph.n <= NETMF_MAX_NODES else "sparse"


def _bytes(x: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if x < 1000 or unit == "PB":
            return f"{x:.0f} {unit}" if unit in ("B", "KB", "MB") else f"{x:.1f} {unit}"
        x /= 1000
    return ""  # unreachable


def _checked_method(graph: Graph, opts: GraphOptions) -> str:
    """The route ``opts`` takes on ``graph``, once the options are checked against it."""
    if graph.n_edges == 0:
        raise DataError(f"{graph.source}: the graph has no edges")
    method = resolve_method(graph, opts.method)
    if method in ("netmf", "sparse") and graph.directed:
        what = "NetMF" if method == "netmf" else "The sparse route"
        raise ParameterError(f"{what} needs an undirected graph; use --method walks for a directed one")
    if opts.dim < 1:
        raise ParameterError(f"--dim must be at least 1, got {opts.dim}")
    if opts.dim > graph.n:
        raise ParameterError(f"--dim {opts.dim} is too large for a graph of {graph.n} nodes")
    return method


def route_note(graph: Graph, opts: GraphOptions) -> str:
    """One line saying which route ``opts`` takes on ``graph``, and why (for stderr).

    Raises the errors :func:`embed_graph` would for these options, so that a run that
    cannot start says only that.
    """
    method = opts.method
    chosen = _checked_method(graph, opts)
    dense = _bytes(4.0 * graph.n * graph.n)
    head = f"embed-graph: {graph.n:,} nodes: "
    if chosen == "netmf":
        return head + f"dense NetMF (an n × n float32 matrix, {dense})"
    if chosen == "sparse":
        why = f"dense NetMF needs {dense} above {NETMF_MAX_NODES:,} nodes" if method == "auto" else "as asked"
        return head + f"sparse route: T = 1 PMI, SVD, spectral propagation ({why})"
    why = "a directed graph" if method == "auto" else "as asked"
    return head + f"walks route: {opts.walks_per_node} walks × {opts.walk_length} steps a node ({why})"


def embed_graph(graph: Graph, opts: GraphOptions | None = None):
    """Node embeddings of ``graph``: an :class:`~embedkit.vectors.Embedding` (n × dim).

    ``netmf``: log(max(M, 1)) of the closed form, then truncated SVD, vectors U Σ^eig.
    ``walks``: DeepWalk / node2vec walks → window co-occurrence → PPMI (shift ``negative``,
    smoothing ``cds``) → truncated SVD → W + C.  Nodes without edges get zero vectors.
    (Walk defaults measured on BlogCatalog / Cora: cds 0.75 and W + C gave micro-F1 0.347 /
    0.819 against 0.322 / 0.817 for cds 1 and W.)
    """
    from . import __version__
    from .cooccur import count_cooccurrences
    from .factorize import _unit_rows, svd_vectors, truncated_eigh, truncated_svd
    from .vectors import Embedding
    from .weighting import pmi

    opts = opts or GraphOptions()
    method = _checked_method(graph, opts)
    t = time.perf_counter()
    if method == "netmf":
        m = netmf_matrix(graph, opts.window, opts.negative, opts.rank, seed=opts.seed)
        opts.timings["netmf"] = time.perf_counter() - t
    elif method == "sparse":
        m = sparse_pmi_matrix(graph, opts.negative)
        opts.timings["pmi"] = time.perf_counter() - t
    else:
        walks = random_walks(graph, opts.walks_per_node, opts.walk_length, opts.p, opts.q, opts.seed)
        counts = count_cooccurrences(walks_to_id_blocks(walks), graph.n, window=opts.window)
        opts.timings["walks+cooccur"] = time.perf_counter() - t
        t = time.perf_counter()
        if counts.nnz == 0:
            raise DataError(f"{graph.source}: the walks produced no co-occurrences")
        m = pmi(counts, "ppmi", max(opts.negative, 1.0), opts.cds)
        opts.timings["pmi"] = time.perf_counter() - t
    t = time.perf_counter()
    kind = opts.vectors or ("w+c" if method == "walks" else "w")
    # OpenBLAS threads only slow down the products of a small graph (factorize.py's gotcha)
    with threadpool_limits(1 if graph.n <= 5000 else None):
        if method == "sparse":
            if kind != "w":
                raise ParameterError(f"the sparse route gives node vectors W only, not {kind!r}")
            # M is symmetric: its SVD is an eigendecomposition, at a third of the memory
            evals, evecs = truncated_eigh(m, opts.dim, n_iter=2 * opts.n_iter, seed=opts.seed)
            vectors = evecs * (np.abs(evals) ** opts.eig).astype(np.float32)
        else:
            r = truncated_svd(m, dim=opts.dim, n_iter=opts.n_iter, seed=opts.seed)
            vectors = svd_vectors(r, eig=opts.eig, vectors=kind)
    del m
    opts.timings["svd"] = time.perf_counter() - t
    if method == "sparse":
        t = time.perf_counter()
        # unit rows first: propagating U Σ^½ as is lets high-degree nodes dominate
        # (BlogCatalog micro-F1 0.394 against 0.417, BENCHMARKS.md "Graphs at scale")
        y = spectral_propagation(graph, _unit_rows(vectors), opts.order, opts.mu, opts.theta)
        del vectors
        opts.timings["propagate"] = time.perf_counter() - t
        t = time.perf_counter()
        vectors = _spectral_vectors(y, opts.eig)
        del y
        opts.timings["orthogonalise"] = time.perf_counter() - t
    vectors[graph.degrees == 0] = 0.0
    params = {
        "kind": "graph",
        "corpus": graph.source,
        "nodes": graph.n,
        "edges": graph.n_edges,
        "directed": graph.directed,
        "embedkit": __version__,
        **opts.params(),
        "method": method,
        "vectors": kind,
    }
    return Embedding(graph.nodes, vectors, graph.degrees, params)


__all__ = [
    "Graph",
    "GraphOptions",
    "embed_graph",
    "netmf_matrix",
    "random_walks",
    "read_edges",
    "route_note",
    "sparse_pmi_matrix",
    "spectral_propagation",
    "top_eigenpairs",
    "walks_to_id_blocks",
    "write_walks",
]
