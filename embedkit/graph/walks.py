"""Random walks on a graph: DeepWalk's uniform walks and node2vec's biased second-order
walks (Grover & Leskovec, KDD 2016), generated in batches that the word pipeline counts
as sentences whose words are node ids."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..errors import DataError, ParameterError, check_at_least, param
from .types import Graph


def _check_walk_params(walks_per_node: int, walk_length: int, p: float, q: float) -> None:
    check_at_least("walks_per_node", walks_per_node)
    check_at_least("walk_length", walk_length)
    for nm, v in (("p", p), ("q", q)):
        if not (v > 0 and np.isfinite(v)):
            raise ParameterError(nm, v, "must be a positive number")


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


class _WalkSampler:
    """One step of every walker of a batch at once, on ``graph`` with node2vec's ``p`` and
    ``q``: :meth:`step` draws a first-order neighbour (uniform, or by edge weight);
    :meth:`step2` the second-order one (rejection sampling against the previous node).
    The second-order state (edge keys, α, the envelope) exists only when p ≠ 1 or q ≠ 1.
    """

    def __init__(self, graph: Graph, p: float, q: float, rng: np.random.Generator) -> None:
        self.graph = graph
        self.rng = rng
        self.indptr, self.indices = graph.indptr, graph.indices
        self.deg = graph.degrees
        self.cum = np.concatenate([[0.0], np.cumsum(graph.weights)]) if graph.weighted else None
        self.second_order = p != 1.0 or q != 1.0
        if self.second_order:
            n = self.n = graph.n
            rows = np.repeat(np.arange(n, dtype=np.int64), self.deg)
            self.edge_keys = rows * n + self.indices  # globally sorted (CSR, sorted rows)
            alpha = self.alpha = np.array([1.0 / p, 1.0, 1.0 / q])
            # Envelope of the rejection sampler.  On undirected graphs a large return weight
            # 1/p is "folded out" (KnightKing, Yang et al. 2019): the return edge gets an extra
            # slice of proposal mass w(v,t)·(1/p − env), so the envelope is max(1, 1/q) and small
            # p does not make every other proposal rare.
            self.fold = not graph.directed and alpha[0] > max(alpha[1], alpha[2])
            self.env = max(alpha[1], alpha[2]) if self.fold else alpha.max()
            self.need_adj = alpha[1] != alpha[2]
            self.strength = graph.strengths if graph.weighted else self.deg.astype(np.float64)
            self.edges = _EdgeSet(self.edge_keys) if self.need_adj else None

    def step(self, cur: np.ndarray) -> np.ndarray:
        """A neighbour of each node of ``cur`` (int64 ids with out-edges)."""
        indptr, indices, cum = self.indptr, self.indices, self.cum
        lo = indptr[cur]
        u = self.rng.random(cur.size)
        if cum is None:
            return indices[lo + (u * self.deg[cur]).astype(np.int64)]
        a, b = cum[lo], cum[indptr[cur + 1]]
        pos = np.searchsorted(cum, a + u * (b - a), side="right") - 1
        return indices[np.clip(pos, lo, indptr[cur + 1] - 1)]

    def step2(self, prev: np.ndarray, cur: np.ndarray) -> np.ndarray:
        """node2vec's next node from each ``cur`` having come from ``prev`` (int64 ids)."""
        graph, rng, alpha, env, n = self.graph, self.rng, self.alpha, self.env, self.n
        out = np.empty(cur.size, dtype=np.int32)
        if self.fold:
            if graph.weighted:
                k = cur * n + prev
                keys = self.edge_keys
                w_back = graph.weights[np.minimum(np.searchsorted(keys, k), keys.size - 1)]
            else:
                w_back = np.ones(cur.size)
            base = self.strength[cur] * env
            total = base + w_back * (alpha[0] - env)
        todo = np.arange(cur.size)
        while todo.size:
            c, t = cur[todo], prev[todo]
            x = self.step(c)
            a = np.full(todo.size, alpha[2])
            back = x == t
            a[back] = alpha[0]
            if self.need_adj:
                fwd = np.flatnonzero(~back)
                a[fwd[self.edges.contains(t[fwd] * n + x[fwd].astype(np.int64))]] = alpha[1]
            else:
                a[~back] = alpha[1]
            prob = np.minimum(a / env, 1.0)
            if self.fold:
                ret = rng.random(todo.size) * total[todo] >= base[todo]
                x[ret] = t[ret]
                prob[ret] = 1.0
            ok = rng.random(todo.size) < prob
            out[todo[ok]] = x[ok]
            todo = todo[~ok]
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
    """Random walks from every node with an out-edge, ``walks_per_node`` times each; in a
    directed graph also ``walks_per_node`` walks that end at each sink (:func:`graph_sinks`;
    drawn backwards, first order, after the others).

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
    deg = graph.degrees
    starts_all = np.flatnonzero(deg > 0)
    if starts_all.size == 0:
        return
    sampler = _WalkSampler(graph, p, q, rng)
    per_batch = max(1, batch_steps // walk_length)
    starts = np.concatenate([rng.permutation(starts_all) for _ in range(walks_per_node)]).astype(np.int32)
    yield from _walk_batches(graph, sampler, starts, walk_length, per_batch)
    sinks = graph_sinks(graph)
    if sinks.size:  # walks that end at each sink (in-edges only), drawn backwards: see graph_sinks
        reverse = _reversed(graph)
        back = _WalkSampler(reverse, 1.0, 1.0, rng)
        ends = np.concatenate([rng.permutation(sinks) for _ in range(walks_per_node)]).astype(np.int32)
        for walks in _walk_batches(reverse, back, ends, walk_length, per_batch):
            yield _reversed_rows(walks)


def graph_sinks(graph: Graph) -> np.ndarray:
    """Ids (int64) of a directed graph's sinks: nodes with in-edges and no out-edge (none
    in an undirected graph).  No walk starts from a sink, and walks from the nodes that
    point at it reach it only by chance (10 walks from a hub reach at most 10 of its 50
    leaves), so :func:`random_walks` adds ``walks_per_node`` walks that END at each sink:
    walks of the reversed graph from it, read backwards (forward walks of the graph, so
    each sink sits in the context of the nodes that lead to it)."""
    if not graph.directed:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero((graph.degrees == 0) & ~graph.edgeless)


def _reversed(graph: Graph) -> Graph:
    """The graph with every edge turned around (CSR of Aᵀ, rows sorted)."""
    a = graph.adjacency().T.tocsr()
    a.sort_indices()
    return Graph(graph.nodes, a.indptr.astype(np.int64), a.indices.astype(np.int32), a.data.astype(np.float64),
                 directed=True, weighted=graph.weighted, n_edges=graph.n_edges, source=graph.source)  # fmt: skip


def _reversed_rows(walks: np.ndarray) -> np.ndarray:
    """Each walk (a row, padded with -2 after it stops) read backwards, padding kept last."""
    out = np.full_like(walks, -2)
    lengths = (walks != -2).sum(axis=1)
    cols = np.arange(walks.shape[1])
    src = lengths[:, None] - 1 - cols[None, :]
    ok = src >= 0
    rows = np.nonzero(ok)[0]
    out[ok] = walks[rows, src[ok]]
    return out


def _walk_batches(graph: Graph, sampler: _WalkSampler, starts: np.ndarray, walk_length: int, per_batch: int):
    """Walks of ``walk_length`` from ``starts`` in batches of ``per_batch`` (see random_walks)."""
    deg = graph.degrees
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
            if sampler.second_order and j > 1:
                walks[alive, j] = sampler.step2(walks[alive, j - 2].astype(np.int64), c.astype(np.int64))
            else:
                walks[alive, j] = sampler.step(c.astype(np.int64))
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

    Raises :class:`DataError` before writing anything when a node id contains white space:
    the word stages would read it as several words.
    """
    bad = next((s for s in graph.nodes if not s or any(ch.isspace() for ch in s)), None)
    if bad is not None:
        source = f"{graph.source}: " if graph.source else ""
        raise DataError(
            f"{source}node id {bad!r} contains white space, and a walk is a line of space-separated ids "
            f"(the word stages would split it); embedding the graph with {param('method')} walks keeps ids whole"
        )
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
