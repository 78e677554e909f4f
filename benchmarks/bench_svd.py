"""The SVD of train-words on dictwiki: the floor (one sparse × dense product), the number
of products each solver needs, its time, and what it gives.

    python benchmarks/bench_svd.py [--corpus PATH] [--repeats N] [--quality] [--workers W]
    python benchmarks/bench_svd.py --steps [--corpus PATH]

Counts dictwiki with the train-words defaults and weights it (PPMI, cds 0.75), then
measures on that matrix, back to back in one process:

- the floor: one product M X and one Mᵀ X at the working width (dim + oversample = 320
  columns, float32): scipy's on one core, then ``ParallelMatmul``'s on 1 and ``--workers``
  cores, forked scipy processes (without numba) and the compiled kernel's threads (what
  the solvers use when numba is there), best of ``--repeats``;
- one Cholesky-QR round of a 41k × 320 block (the dense step between products);
- the shifted solver's start: M Ω for a sparse sign Ω (8 non-zeros a row), compiled;
- each solver (``shifted`` at the default n_iter, ``randomized`` at the earlier default 4,
  ``randomized`` at 3): its products, wall and CPU seconds (this process and its
  workers), and its singular values against a reference (``randomized``, 10 iterations);
- with ``--quality``, each solver's WS353, SimVerb-3500 and Google 3CosMul / 3CosAdd as
  ``bench_words.py`` computes them (W + C, eig 0.5, top 2 removed).

``--steps`` instead runs train-words' SVD stage once (``pipeline.factorize_to_embedding``
with the defaults: the solver, W + C, the top components removed) with each of its steps
wrapped in wall and CPU clocks, and prints where the time went.

Times on a loaded machine are noisy: compare the ratios within one run, and the CPU
seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from embedkit import evaluate as ev  # noqa: E402
from embedkit import kernels  # noqa: E402
from embedkit.linalg import (  # noqa: E402
    ParallelMatmul,
    orthonormalize,
    remove_top_components,
    svd_steps,
    svd_vectors,
    truncated_svd,
)
from embedkit.options import WordOptions  # noqa: E402
from embedkit.pipeline import count_corpus  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402
from embedkit.weighting import pmi  # noqa: E402

DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _live_children_cpu() -> float:
    """CPU seconds of this process's running children (forked product workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # ppid; utime and stime are fields 14 and 15 of stat
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def cpu_seconds() -> float:
    """CPU seconds (user + sys) of this process and of its children, running or finished."""
    total = _live_children_cpu()
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def timed(fn, repeats: int = 1):
    """(result, best wall seconds, CPU seconds of that run) of ``fn()``."""
    best = None
    for _ in range(repeats):
        c, t = cpu_seconds(), time.perf_counter()
        out = fn()
        wall, cpu = time.perf_counter() - t, cpu_seconds() - c
        if best is None or wall < best[1]:
            best = (out, wall, cpu)
    return best


STEPS = {
    "linalg": [
        "implicit_basis",
        "orthonormalize",
        "_smallest_ritz_value",
        "_small_svd",
        "fix_svd_signs",
        "gram",
        "sparse_sign",
        "svd_vectors",
        "top_components",
    ],
    "TopComponents": ["apply"],
    "ParallelMatmul": ["__init__", "_compiled_product", "sketch", "close"],
}


def steps(m, words, counts, opts: WordOptions) -> None:
    """The SVD stage once, each step's wall and CPU seconds summed over its calls: in all
    (with the wrapped steps it calls) and by itself (less them), so the self columns add
    up to the stage."""
    import collections

    from embedkit import linalg, pipeline

    # with numba the products run on threads of this process: its own clock (cheap), not a
    # scan of /proc for forked workers at every call
    clock = time.process_time if kernels.ENABLED else cpu_seconds
    totals = collections.defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0])  # wall, CPU, self wall, self CPU, calls
    inner: list[list[float]] = []  # per open call: wall and CPU of the wrapped steps it called

    def wrap(owner, name, label):
        fn = getattr(owner, name, None)
        if fn is None:
            return

        def timed_step(*a, **k):
            inner.append([0.0, 0.0])
            w, c = time.perf_counter(), clock()
            try:
                return fn(*a, **k)
            finally:
                dw, dc = time.perf_counter() - w, clock() - c
                cw, cc = inner.pop()
                t = totals[label]
                t[0], t[1], t[2], t[3], t[4] = t[0] + dw, t[1] + dc, t[2] + dw - cw, t[3] + dc - cc, t[4] + 1
                if inner:
                    inner[-1][0] += dw
                    inner[-1][1] += dc

        setattr(owner, name, timed_step)

    owners = {"linalg": linalg, "TopComponents": linalg.TopComponents, "ParallelMatmul": linalg.ParallelMatmul}
    for owner, names in STEPS.items():
        for name in names:
            wrap(owners[owner], name, name if owner == "linalg" else f"{owner}.{name}")
    for name in ("svd_vectors", "top_components"):  # the names pipeline imported
        setattr(pipeline, name, getattr(linalg, name))
    c, t = clock(), time.perf_counter()
    pipeline.factorize_to_embedding(m, words, counts, opts, {})
    wall, cpu = time.perf_counter() - t, clock() - c
    print(f"SVD stage ({opts.solver}, n_iter {opts.n_iter}): {wall:.3f} s wall, {cpu:.3f} s CPU")
    print("| step | calls | wall s | CPU s | self wall s | self CPU s |")
    print("|---|---|---|---|---|---|")
    for label, (w, c, sw, sc, n) in sorted(totals.items(), key=lambda kv: -kv[1][3]):
        print(f"| {label} | {n} | {w:.3f} | {c:.3f} | {sw:.3f} | {sc:.3f} |")
    selfs = sum(v[2] for v in totals.values()), sum(v[3] for v in totals.values())
    print(f"| the rest (the solver's own lines, W + C's caller) | | | | {wall - selfs[0]:.3f} | {cpu - selfs[1]:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "dictwiki.txt.gz"))
    ap.add_argument("--repeats", type=int, default=3, help="best of N for the floor")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quality", action="store_true", help="also evaluate each solver's vectors (~20 s each)")
    ap.add_argument("--steps", action="store_true", help="only time the SVD stage's steps, once")
    args = ap.parse_args()
    if not Path(args.corpus).exists():
        sys.exit(f"benchmark data not found: {args.corpus}")
    opts = WordOptions()
    c = count_corpus(args.corpus, opts)
    m = pmi(c.counts, opts.transform, opts.shift, opts.cds, copy=False)
    c.counts = None
    if args.steps:
        steps(m, c.vocab.words, c.vocab.counts, opts)
        return
    width = opts.dim + 20
    print(f"corpus: {args.corpus}  PPMI {m.shape[0]:,} × {m.shape[1]:,}, {m.nnz:,} non-zeros, {m.dtype}")
    print(f"machine: {os.cpu_count()} cores; working width {width} columns (dim {opts.dim} + oversample 20)")
    print()
    x = np.random.default_rng(0).standard_normal((m.shape[1], width), dtype=np.float32)
    print("| step | processes | wall s | CPU s |")
    print("|---|---|---|---|")
    _, wall, cpu = timed(lambda: m @ x, args.repeats)
    print(f"| one product M X ({width} columns), scipy | 1 | {wall:.3f} | {cpu:.3f} |")
    floor = {}
    for compiled in (False, True) if kernels.ENABLED else (False,):
        kernels.ENABLED = compiled
        how = "compiled, threads" if compiled else "scipy, forked processes"
        for w in sorted({1, args.workers}):
            with ParallelMatmul(m, w, width) as op:
                op.matmul(x, copy=False)  # warm: the workers' views and pages, the compiled code
                for name, fn in (("M X", op.matmul), ("Mᵀ X", op.rmatmul)):
                    _, wall, cpu = timed(lambda fn=fn: fn(x, copy=False), args.repeats)
                    floor[(name, w)] = wall
                    print(f"| one product {name} ({width} columns), {how} | {w} | {wall:.3f} | {cpu:.3f} |")
    y = m @ x
    _, wall, cpu = timed(lambda: orthonormalize(y, rounds=1), args.repeats)
    print(f"| one Cholesky-QR round ({m.shape[0]:,} × {width}) | BLAS threads | {wall:.3f} | {cpu:.3f} |")
    if kernels.ENABLED:
        from embedkit.linalg import sparse_sign

        omega = sparse_sign(m.shape[1], width, np.random.default_rng(0))
        with ParallelMatmul(m, args.workers, width) as op:
            op.sketch(*omega)  # warm
            _, wall, cpu = timed(lambda: op.sketch(*omega), args.repeats)
        print(f"| the sparse sign start M Ω (8 non-zeros a row), compiled | {args.workers} | {wall:.3f} | {cpu:.3f} |")
    print()

    ref = truncated_svd(m, opts.dim, solver="randomized", n_iter=10, seed=opts.seed, workers=args.workers).s
    rows = []
    for solver, n_iter in (("shifted", opts.n_iter), ("randomized", 4), ("randomized", 3)):
        r, wall, cpu = timed(
            lambda s=solver, n=n_iter: truncated_svd(
                m, opts.dim, solver=s, n_iter=n, seed=opts.seed, workers=args.workers
            )
        )
        # the progress steps less the small SVD; the shifted solver's start is a sketch,
        # not a product of the working width
        products = svd_steps(solver, n_iter) - 1 - (solver == "shifted")
        per = (floor[("M X", args.workers)] + floor[("Mᵀ X", args.workers)]) / 2
        err = np.abs(r.s - ref) / ref
        q = ""
        if args.quality:
            from bench_words import scores

            v = remove_top_components(svd_vectors(r, eig=opts.eig, vectors=opts.vectors), opts.remove_top)
            emb = Embedding(c.vocab.words, v, c.vocab.counts, {})
            sc = scores(emb)
            simverb = ev.word_similarity(emb, ev.read_similarity_pairs(str(DATA / "eval" / "simverb3500.txt")))
            q = f" | {sc['ws353']:.4f} | {simverb.spearman:.4f} | {sc['mul']:.4f} | {sc['add']:.4f}"
        rows.append(
            f"| {solver}, n_iter {n_iter} | {products} | {products * per:.2f} | {wall:.2f} | {cpu:.2f} | "
            f"{err.mean():.4f} / {err.max():.4f}{q} |"
        )
    head = "| solver | products | floor s (products × one) | wall s | CPU s | σ rel. error mean / max |"
    sep = "|---|---|---|---|---|---|"
    if args.quality:
        head += " WS353 | SimVerb | 3CosMul | 3CosAdd |"
        sep += "---|---|---|---|"
    print(f"σ against randomized n_iter 10; floor: products × one product on {args.workers} cores (as the solvers run)")
    print(head)
    print(sep)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
