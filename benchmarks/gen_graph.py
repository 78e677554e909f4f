"""Deterministic synthetic graph with planted communities and skewed degrees.

    python benchmarks/gen_graph.py --nodes 1000000 --edges 10000000 -o graph.edges.csv \\
        --labels graph.labels.csv [--communities 100] [--mu 0.8] [--exponent 1.5] [--seed 0]

A degree-corrected stochastic block model: each node gets a weight from a Pareto
distribution (shape ``--exponent``, so degrees follow a power law with exponent about
``1 + exponent``) and a community (uniformly at random).  Each edge draws its source in
proportion to weight; with probability ``--mu`` its target is drawn by weight within the
source's community, otherwise by weight among all nodes.  Self-loops are dropped, edges are
made undirected (smaller id first) and de-duplicated, and draws continue until at least
``--edges`` distinct edges exist, and a random surplus is dropped (so exactly ``--edges``).

Output: ``source,target`` lines (each undirected edge once, source < target, sorted), no
header (with ``--directed``, each edge oriented as :func:`orient` says, in the same order);
labels ``node,community``, one line per node 0 .. nodes-1.  Node ids are 0-based
integers.  The same arguments give byte-identical files.  Standard library and numpy only.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

#: Raw draws per round, as a multiple of the edges still missing (duplicates, self-loops).
OVERDRAW = 1.15
MAX_ROUNDS = 50


@dataclass
class Graph:
    """Edges (``source < target``, sorted), community of each node, node weights."""

    source: np.ndarray
    target: np.ndarray
    community: np.ndarray
    weight: np.ndarray


def distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values (by sorting: np.unique is much slower on large int arrays in numpy 2.3+)."""
    k = np.sort(keys)
    if len(k) == 0:
        return k
    return k[np.concatenate([[True], k[1:] != k[:-1]])]


class CumulativeSampler:
    """Inverse CDF of a cumulative weight array, with a guide table (Chen & Asau).

    ``index(u)`` equals ``np.searchsorted(cum, u, side="right")`` (capped at ``len(cum) - 1``)
    but starts each search at its bucket's first node: a few steps instead of a binary search
    with a cache miss at every level.
    """

    def __init__(self, cum: np.ndarray):
        self.cum, self.n = cum, len(cum)
        self.scale = self.n / cum[-1]
        self.grid = np.arange(self.n + 1) / self.scale
        self.guide = np.minimum(np.searchsorted(cum, self.grid, side="right"), self.n - 1)

    def index(self, u: np.ndarray) -> np.ndarray:
        cum, last = self.cum, self.n - 1
        b = np.minimum((u * self.scale).astype(np.int64), last)
        b -= self.grid[b] > u
        j = self.guide[b]
        idx = np.flatnonzero((cum[j] <= u) & (j < last))
        while idx.size:
            j[idx] += 1
            idx = idx[(cum[j[idx]] <= u[idx]) & (j[idx] < last)]
        return j


def generate(
    nodes: int, edges: int, communities: int = 100, mu: float = 0.8, exponent: float = 1.5, seed: int = 0
) -> Graph:
    if nodes < 2 or communities < 1 or communities > nodes or not 0 <= mu <= 1 or exponent <= 0:
        raise ValueError("need nodes >= 2, 1 <= communities <= nodes, 0 <= mu <= 1, exponent > 0")
    if edges < 0 or edges > nodes * (nodes - 1) // 4:
        raise ValueError(f"edges must be between 0 and a quarter of all {nodes * (nodes - 1) // 2} node pairs")
    rng = np.random.default_rng([seed, 7])
    weight = rng.pareto(exponent, nodes) + 1.0
    community = rng.integers(0, communities, nodes)
    # nodes sorted by community; one cumulative weight serves global and per-community draws
    order = np.argsort(community, kind="stable")
    cum = np.cumsum(weight[order])
    total = cum[-1]
    bounds = np.searchsorted(community[order], np.arange(communities + 1))
    start = np.concatenate([[0.0], cum])[bounds]  # cumulative weight before each community
    span = start[1:] - start[:-1]

    sampler = CumulativeSampler(cum)

    def draw(u: np.ndarray) -> np.ndarray:
        return order[sampler.index(u)]

    keys = np.empty(0, np.int64)
    rounds = 0
    while len(keys) < edges:
        rounds += 1
        if rounds > MAX_ROUNDS:
            raise RuntimeError(f"only {len(keys)} distinct edges after {MAX_ROUNDS} rounds: graph too dense")
        m = int((edges - len(keys)) * OVERDRAW) + 16
        src = draw(rng.random(m) * total)
        c = community[src]
        intra = rng.random(m) < mu
        u = rng.random(m)
        dst = draw(np.where(intra, start[c] + u * span[c], u * total))
        ok = src != dst
        a, b = np.minimum(src[ok], dst[ok]), np.maximum(src[ok], dst[ok])
        keys = distinct(np.concatenate([keys, a.astype(np.int64) * nodes + b]))
    if len(keys) > edges:  # drop a random subset of the surplus
        drop = rng.choice(len(keys), len(keys) - edges, replace=False)
        keys = np.delete(keys, drop)
    return Graph(keys // nodes, keys % nodes, community, weight)


def format_columns(*cols: np.ndarray) -> bytes:
    """CSV text of non-negative integer columns: ``a,b,...\\n`` per row, vectorised."""
    n = len(cols[0])
    if n == 0:
        return b""
    width = sum(len(str(int(c.max()))) if len(c) else 1 for c in cols) + len(cols)
    rows = np.zeros((n, width), np.uint8)
    pos = np.zeros(n, np.int64)
    ar = np.arange(n)
    for i, c in enumerate(cols):
        c = np.asarray(c, np.int64)
        nd = np.ones(n, np.int64)
        p10 = 10
        while True:
            more = c >= p10
            if not more.any():
                break
            nd += more
            p10 *= 10
        for p in range(int(nd.max())):
            has = nd > p
            d = (c[has] // 10 ** (nd[has] - 1 - p)) % 10
            rows[ar[has], pos[has] + p] = d + 48
        pos += nd
        rows[ar, pos] = ord(",") if i < len(cols) - 1 else ord("\n")
        pos += 1
    keep = np.arange(width) < pos[:, None]
    return rows[keep].tobytes()


def write_columns(path: str, *cols: np.ndarray, block: int = 1 << 21) -> int:
    written = 0
    with open(path, "wb") as f:
        for s in range(0, len(cols[0]), block):
            text = format_columns(*(c[s : s + block] for c in cols))
            f.write(text)
            written += len(text)
    return written


def orient(g: Graph, seed: int, towards_heavier: float = 0.8) -> Graph:
    """``g`` with each edge pointing to its endpoint of higher weight with probability
    ``towards_heavier``, else to the other (its own random stream: the undirected output
    of the same arguments is unchanged); edges stay in the same order."""
    rng = np.random.default_rng([seed, 1])
    up = g.weight[g.target] >= g.weight[g.source]  # does source → target point to the heavier end?
    keep = np.where(rng.random(len(g.source)) < towards_heavier, up, ~up)
    src = np.where(keep, g.source, g.target)
    dst = np.where(keep, g.target, g.source)
    return Graph(src, dst, g.community, g.weight)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--edges", type=int, required=True, help="exact number of distinct undirected edges")
    ap.add_argument("-o", "--output", required=True, help="edge list (source,target per line)")
    ap.add_argument("--labels", help="node,community per line")
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--mu", type=float, default=0.8, help="probability that an edge is drawn within a community")
    ap.add_argument("--exponent", type=float, default=1.5, help="Pareto shape of node weights")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--directed",
        action="store_true",
        help="orient each edge: towards the endpoint of higher weight with probability 0.8 (as links go to "
        "popular pages, citations to cited papers), else the other way; lines are then source,target as oriented",
    )
    args = ap.parse_args(argv)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        g = generate(args.nodes, args.edges, args.communities, args.mu, args.exponent, args.seed)
    except ValueError as exc:
        ap.error(str(exc))
    if args.directed:
        g = orient(g, args.seed)
    t1 = time.perf_counter()
    size = write_columns(args.output, g.source, g.target)
    if args.labels:
        size += write_columns(args.labels, np.arange(args.nodes), g.community)
    deg = np.bincount(np.concatenate([g.source, g.target]), minlength=args.nodes)
    intra = float(np.mean(g.community[g.source] == g.community[g.target])) if len(g.source) else 0.0
    print(
        f"nodes={args.nodes}\tedges={len(g.source)}\tintra={intra:.3f}\tmean_degree={deg.mean():.2f}"
        f"\tmax_degree={deg.max()}\tbytes={size}\tgenerate_s={t1 - t0:.2f}\tseconds={time.perf_counter() - t0:.2f}"
        f"\tcpu_s={time.process_time() - c0:.2f}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
