"""Graph benchmarks: BlogCatalog and Cora end to end, walk generation, and DeepWalk beside.

    python benchmarks/bench_graph.py                 # embed-graph (default, sparse, walks), walks/s
    python benchmarks/bench_graph.py --deepwalk      # also walks + gensim skip-gram (~90 s)
    python benchmarks/bench_graph.py --methods default --seeds 0 1 2 --no-walk-speed \
        [--data DIR --graphs dcsbm hetero useritem words]   # the solver's seed spread, other graphs
    python benchmarks/bench_graph.py --floor         # BlogCatalog's default route: the floor of its parts


End to end is the real command (``python -m embedkit.cli embed-graph EDGES -o MODEL``) in
a fresh process: interpreter start, reading, embedding, saving.  Peak memory is that
process's maximum resident set and CPU is its user + system time (``resource.getrusage``),
the figure to compare on a shared machine, where wall time depends on the other jobs.  Quality is node classification
at 50 % training (one-vs-rest liblinear logistic regression, C = 1, L2-normalised rows,
top-k labels), micro/macro-F1 averaged over ``--repeats`` seeded splits.  The data lives
in ``../shared/data/graphs`` (``$EMBEDKIT_SHARED_DATA/graphs``); nothing is copied.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
GRAPHS = ("blogcatalog", "cora")


def _child(cmd: list[str]) -> None:
    """Run ``cmd`` and print its wall time and peak memory as JSON (a fresh rusage)."""
    t = time.perf_counter()
    rc = subprocess.run(cmd).returncode
    wall = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"rc": rc, "wall_s": wall, "cpu_s": cpu, "peak_mb": usage.ru_maxrss / 1024}))


def measured(cmd: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(cmd)], capture_output=True, text=True, check=True
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    if r["rc"] != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return r


def quality(model: Path, labels: Path, repeats: int) -> tuple[float, float]:
    from embedkit.evaluate import node_classification, read_node_labels
    from embedkit.vectors import Embedding

    (r,) = node_classification(Embedding.load(model), read_node_labels(str(labels)), (0.5,), repeats=repeats)
    return r.micro_f1, r.macro_f1


def walk_speed(edges: Path) -> list[dict]:
    from embedkit.graph import random_walks, read_edges

    g = read_edges(str(edges))
    rows = []
    for name, p, q in (("uniform", 1.0, 1.0), ("node2vec p=0.25 q=4", 0.25, 4.0)):
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            n_steps = sum(w.shape[0] * (w.shape[1] - 1) for w in random_walks(g, 10, 80, p, q, seed=0))
            best = min(best, time.perf_counter() - t)
        rows.append({"walks": name, "steps": n_steps, "seconds": best, "Msteps_per_s": n_steps / best / 1e6})
    return rows


def deepwalk(edges: Path, labels: Path, repeats: int, workdir: Path) -> dict | None:
    """DeepWalk as its authors run it: 10 walks × 80 a node, gensim skip-gram, 128 d, window 10."""
    try:
        from gensim.models import Word2Vec
    except ImportError:
        return None
    import numpy as np

    from embedkit.graph import random_walks, read_edges
    from embedkit.vectors import Embedding

    t = time.perf_counter()
    g = read_edges(str(edges))
    sentences = [[g.nodes[i] for i in row] for w in random_walks(g, 10, 80, seed=0) for row in w.tolist()]
    t_walks = time.perf_counter() - t
    model = Word2Vec(sentences, vector_size=128, window=10, min_count=0, sg=1, hs=1, negative=0, workers=2, seed=0)
    wall = time.perf_counter() - t
    vecs = np.stack([model.wv[v] for v in g.nodes])
    path = workdir / "deepwalk.ekm"
    Embedding(g.nodes, vecs).save(path)
    mi, ma = quality(path, labels, repeats)
    return {"wall_s": wall, "walks_s": t_walks, "micro": mi, "macro": ma}


def floor(edges: Path) -> None:
    """The parts the default route's time is made of on ``edges``, each at its floor: the
    start-up, one sparse × dense product of S at the eigensolver's width (scipy on one core,
    the compiled row-split product on all) times the products the solver makes, the tile
    pass's GEMM work at a bare float32 GEMM's rate on all cores, and the route's own stages."""
    import numpy as np
    import scipy.sparse as sp
    from threadpoolctl import threadpool_limits

    def best(fn, runs: int = 5) -> float:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    imports = "import embedkit.cli, embedkit.pipeline, numpy, scipy.linalg"
    start = min(measured([sys.executable, "-c", imports])["wall_s"] for _ in range(3))
    product = "; import scipy.sparse as sp; from embedkit.linalg import RowSplitMatmul as R; "
    product += "R(sp.eye(64, format='csr', dtype='float32'))(numpy.ones((64, 8), 'float32'))"
    jit = min(measured([sys.executable, "-c", imports + product])["wall_s"] for _ in range(3)) - start
    from embedkit.graph import read_edges
    from embedkit.graph.netmf import DEGREE, OVERSAMPLE, PASSES, netmf_factors, netmf_vectors
    from embedkit.linalg import RowSplitMatmul
    from embedkit.options import GraphOptions

    t = time.perf_counter()
    g = read_edges(str(edges))
    read = time.perf_counter() - t
    opts = GraphOptions()
    a = g.adjacency()
    dinv = sp.diags(1.0 / np.sqrt(np.maximum(np.asarray(a.sum(axis=1)).ravel(), 1e-300)))
    s32 = sp.csr_matrix(dinv @ a @ dinv, dtype=np.float32)  # S = D^-½ A D^-½
    width = opts.rank + OVERSAMPLE
    x = np.random.default_rng(0).standard_normal((g.n, width), dtype=np.float32)
    products = PASSES * (DEGREE + 1)
    with threadpool_limits(1):
        one_scipy = best(lambda: s32 @ x)
        with RowSplitMatmul(s32) as m:
            m(x)
            one_split = best(lambda: m(x))
    t = time.perf_counter()
    f = netmf_factors(g, opts.window, opts.negative, opts.rank, seed=0)
    eig = time.perf_counter() - t
    k = f.basis.shape[1]
    t = time.perf_counter()
    netmf_vectors(f, opts.dim)
    tiles = time.perf_counter() - t
    flop = 2.0 * g.n * g.n * k * (0.5 + 1.0 + 1.0)  # upper-triangle tiles, then L U and L P
    a = np.random.default_rng(1).standard_normal((4096, 4096), dtype=np.float32)
    rate = 2 * 4096**3 / best(lambda: a @ a, 3)
    print(f"| part | BlogCatalog ({g.n:,} nodes, {g.n_edges:,} edges) |\n|---|---|")
    print(f"| start-up (interpreter, `{imports}`) | {start:.2f} s |")
    print(f"| numba's import and the cached product kernel's load | {jit:.2f} s |")
    print(f"| read the edges | {read:.2f} s |")
    print(f"| one product S X, X {g.n:,} × {width} float32 | scipy, one core {one_scipy * 1e3:.0f} ms; "
          f"compiled, row-split {one_split * 1e3:.0f} ms |")  # fmt: skip
    print(f"| the positive solver's {products} products at the row-split rate | {products * one_split:.2f} s |")
    print(f"| eigenpairs (both ends), measured | {eig:.2f} s |")
    print(f"| tile pass: {flop / 1e9:.0f} GFLOP at a bare GEMM's {rate / 1e9:.0f} GFLOP/s | {flop / rate:.2f} s |")
    print(f"| tile pass, measured | {tiles:.2f} s |")


METHODS = {
    "default": ("default (netmf)", []),
    "sparse": ("sparse", ["--method", "sparse"]),
    "walks": ("walks", ["--method", "walks"]),
}


def _cells(r: dict, digits: int = 3) -> str:
    return (
        f"{r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_mb']:.0f} | {r['micro']:.{digits}f} | {r['macro']:.{digits}f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--graphs", nargs="*", default=list(GRAPHS))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--deepwalk", action="store_true", help="also run walks + gensim Word2Vec (slow)")
    ap.add_argument("--no-walks-method", action="store_true", help="skip embed-graph --method walks")
    ap.add_argument("--methods", nargs="*", choices=METHODS, help="the routes to run (default: all three)")
    ap.add_argument(
        "--seeds", nargs="*", type=int, default=[0], help="embed-graph --seed values; a mean row when several"
    )
    ap.add_argument(
        "--data", type=Path, help="a folder of NAME.edges.csv and NAME.labels.csv (default: the shared graphs)"
    )
    ap.add_argument("--no-walk-speed", action="store_true", help="skip the walk-generation timings")
    ap.add_argument("--floor", action="store_true", help="only the floor of the default route's parts on BlogCatalog")
    args = ap.parse_args()
    if args.child:
        _child(json.loads(args.child))
        return
    data = args.data or SHARED / "graphs"
    if not data.is_dir():
        raise SystemExit(f"benchmark data not found: {data}")
    print(f"# embedkit graph benchmarks — {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}\n")
    if args.floor:
        floor(data / "blogcatalog.edges.csv")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("| graph | method | seed | wall (s) | CPU (s) | peak memory (MB) | micro-F1 @50% | macro-F1 @50% |")
        print("|---|---|---|---|---|---|---|---|")
        chosen = args.methods or [m for m in METHODS if m != "walks" or not args.no_walks_method]
        for name in args.graphs:
            edges, labels = data / f"{name}.edges.csv", data / f"{name}.labels.csv"
            for method in chosen:
                label, extra = METHODS[method]
                rows = []
                for seed in args.seeds:
                    model = tmp / f"{name}.ekm"
                    cmd = [sys.executable, "-m", "embedkit.cli", "embed-graph", str(edges), "-o", str(model), "-q"]
                    r = measured([*cmd, *extra, "--seed", str(seed)])
                    r["micro"], r["macro"] = quality(model, labels, args.repeats)
                    rows.append(r)
                    print(f"| {name} | {label} | {seed} | {_cells(r)} |", flush=True)
                if len(rows) > 1:
                    mean = {
                        k: sum(r[k] for r in rows) / len(rows) for k in ("wall_s", "cpu_s", "peak_mb", "micro", "macro")
                    }
                    print(f"| {name} | {label} | mean | {_cells(mean, 4)} |", flush=True)
            if args.deepwalk:
                d = deepwalk(edges, labels, args.repeats, tmp)
                if d is None:
                    print(f"| {name} | DeepWalk (gensim not installed) | | | | |")
                else:
                    print(
                        f"| {name} | DeepWalk: our walks ({d['walks_s']:.1f} s) + gensim skip-gram, 2 workers "
                        f"| {d['wall_s']:.1f} | | {d['micro']:.3f} | {d['macro']:.3f} |",
                        flush=True,
                    )
        if args.no_walk_speed:
            return
        print("\n| walks (BlogCatalog, 10 × 80 a node) | steps | seconds | M steps/s |")
        print("|---|---|---|---|")
        for w in walk_speed(SHARED / "graphs" / "blogcatalog.edges.csv"):
            print(f"| {w['walks']} | {w['steps']:,} | {w['seconds']:.3f} | {w['Msteps_per_s']:.1f} |")


if __name__ == "__main__":
    main()
