"""Graphs at scale: a 1 M-node, 10 M-edge planted-partition graph through ``embed-graph``.

    python benchmarks/bench_graph_scale.py [--nodes 1000000] [--edges 10000000] [--mu 0.8]
        [--runs 1] [--sample 100000] [--train-fraction 0.1] [-- EMBED-GRAPH OPTIONS]

1. ``benchmarks/gen_graph.py`` writes the graph (degree-corrected block model: 100
   communities, ``--mu`` = 80 % of edges drawn inside them, Pareto node weights) and its labels into a
   temporary folder; its wall time is reported.
2. ``embedkit embed-graph EDGES -o MODEL -v`` with the default method runs in a fresh
   process: wall time, and peak memory (PSS) of its whole process tree sampled every
   50 ms (``run_measured``'s method in bench_words.py); the per-stage times are the
   ``-v`` lines it writes on stderr, and the route it took is its ``embedkit: N nodes: …`` line.
3. Quality: node classification on the planted communities (evaluate.py's
   ``node_classification``: L2-normalised rows, one-vs-rest liblinear logistic
   regression, micro/macro-F1), on ``--sample`` labelled nodes drawn at random (seeded)
   because 100 one-vs-rest fits on all 1 M nodes take far longer than the embedding, with
   ``--train-fraction`` of them for training.  Chance is about 0.01 (100 communities).

Targets: ≤ 60 s and ≤ 5 GB for ``embed-graph`` with the default method (the earlier
aims were 5 minutes and 8 GB).  ``--directed`` orients every edge (gen_graph.py ``--directed``:
towards the heavier end with probability 0.8) and embeds the graph as directed, which
``auto`` sends to the sparse route's directed form.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_words import tree_rss  # noqa: E402

from embedkit.evaluate import node_classification, read_node_labels  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402


def run_measured(cmd: list[str], stderr_path: Path) -> tuple[float, float, str, float]:
    """Run a command; return (wall seconds, peak MB of its process tree, its stderr, its
    CPU seconds: user + system of the command and its children)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=err)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = stderr_path.read_text()
    if proc.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{text}")
    return wall, peak / 2**20, text, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=10_000_000)
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--mu", type=float, default=0.8, help="gen_graph.py: share of edges drawn inside a community")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=1, help="embed-graph runs (each is reported)")
    ap.add_argument("--sample", type=int, default=100_000, help="labelled nodes given to the classifier")
    ap.add_argument("--train-fraction", type=float, default=0.1)
    ap.add_argument("--repeats", type=int, default=1, help="classification splits averaged")
    ap.add_argument("--keep", help="keep the graph, labels and model in this folder")
    ap.add_argument(
        "--directed", action="store_true", help="gen_graph.py --directed, embedded with embed-graph --directed"
    )
    ap.add_argument("extra", nargs="*", help="extra embed-graph options, after --")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        edges, labels, model = work / "graph.edges.csv", work / "graph.labels.csv", work / "graph.ekm"
        gen = [sys.executable, str(ROOT / "benchmarks" / "gen_graph.py"), "--nodes", str(args.nodes)]
        gen += ["--edges", str(args.edges), "--communities", str(args.communities), "--mu", str(args.mu)]
        gen += ["--seed", str(args.seed)] + (["--directed"] if args.directed else [])
        t = time.perf_counter()
        out = subprocess.run([*gen, "-o", str(edges), "--labels", str(labels)], capture_output=True, text=True)
        if out.returncode:
            sys.exit(out.stderr)
        gen_wall = time.perf_counter() - t
        print(f"# gen_graph.py: {gen_wall:.1f} s wall — {out.stderr.strip()}")
        print(f"# machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before embed-graph\n")

        cmd = [sys.executable, "-m", "embedkit.cli", "embed-graph", str(edges), "-o", str(model), "-v", *args.extra]
        if args.directed:
            cmd.append("--directed")
        runs = []
        for _ in range(args.runs):
            wall, peak, err, cpu = run_measured(cmd, work / "stderr.txt")
            runs.append((wall, peak, err, os.getloadavg()[0], cpu))

        emb = Embedding.load(model, mmap=False)
        all_labels = read_node_labels(str(labels))
        present = np.array([v for v in all_labels if v in emb.index])
        rng = np.random.default_rng(args.seed)
        pick = rng.choice(present.size, min(args.sample, present.size), replace=False)
        sample = {v: all_labels[v] for v in present[np.sort(pick)]}
        t = time.perf_counter()
        (r,) = node_classification(emb, sample, (args.train_fraction,), repeats=args.repeats, seed=args.seed)
        eval_s = time.perf_counter() - t

    print("| run | wall (s) | CPU user + sys (s) | peak memory (MB) | load avg after | route |")
    print("|---|---|---|---|---|---|")
    for i, (wall, peak, err, load, cpu) in enumerate(runs, 1):
        route = next((line for line in err.splitlines() if line.startswith("embedkit:") and " nodes: " in line), "?")
        print(f"| {i} | {wall:.1f} | {cpu:.1f} | {peak:,.0f} | {load:.1f} | {route} |")
    print("\nper stage (-v), run by run:")
    for i, (_, _, err, _, _) in enumerate(runs, 1):
        stages = [line.split() for line in err.splitlines() if line.startswith("  ") and line.strip().endswith(" s")]
        print(f"  run {i}: " + ", ".join(f"{s[0]} {float(s[1]):.1f} s" for s in stages))
    print(
        f"\nnode classification: {r.nodes:,} sampled labelled nodes ({r.labels} communities), "
        f"{args.train_fraction:.0%} training, {r.repeats} split(s): micro-F1 {r.micro_f1:.3f}, "
        f"macro-F1 {r.macro_f1:.3f} ({eval_s:.0f} s)"
    )


if __name__ == "__main__":
    main()
