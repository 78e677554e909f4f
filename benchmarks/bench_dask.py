"""The Dask engine against the local process pool: counting, and train-words per stage.

    python benchmarks/bench_dask.py --count [--times 5] [--runs 2] [--memory 64M]
    python benchmarks/bench_dask.py [--times 1 5] [--workers 1 2] [--runs 2] [--svd]

``--count`` (the comparison of the two engines' counting): writes dictwiki × N (5 by
default) as plain text, starts a LocalCluster of 2 worker processes (one thread each,
before the clock, as a standing cluster would be), then alternates, ``--runs`` times,
``count_corpus`` (tokenize + vocabulary + co-occurrence counts, the defaults) on the
local pool of 2 processes and on the cluster, back to back, so that both see the same
load. For each run: wall seconds per stage, CPU seconds (user + sys of this process and
its pool workers, or of this process and the Dask workers), and the cluster's wall time
over the pool's. Checks that both count the same. ``--memory`` also runs the cluster
with that budget per worker (spilling to the workers' disks).

Without ``--count``: for each N, trains with the defaults (a) on the local process pool
(``--workers 2``) and (b) with ``--scheduler`` on a LocalCluster of 1, then 2 worker
processes. Reports the wall time of each stage (best of ``--runs``) and WS353 of each model.

``--svd`` also factorises dictwiki's PPMI matrix with ``dask.array.linalg.svd_compressed``
over scipy.sparse row blocks on a 2-worker LocalCluster and compares its time and quality
(WS353, singular values) with embedkit's randomized SVD at the same power iterations.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_words import DATA, dictwiki_times  # noqa: E402

from embedkit import evaluate as ev  # noqa: E402
from embedkit.pipeline import WordOptions, count_corpus, train_words  # noqa: E402
from embedkit.progress import Reporter  # noqa: E402

STAGES = ("tokenize", "cooccur", "pmi", "svd")


def ws353(emb) -> float:
    return ev.word_similarity(emb, ev.read_similarity_pairs(str(DATA / "eval" / "ws353.txt"))).spearman


def timed_train(corpus: Path, opts: WordOptions, runs: int) -> tuple[dict, float]:
    best: dict = {}
    for _ in range(runs):
        rep = Reporter(quiet=True)
        t = time.perf_counter()
        emb = train_words(str(corpus), opts, rep)
        timings = {**rep.timings, "total": time.perf_counter() - t}
        if not best or timings["total"] < best["total"]:
            best = timings
    return best, ws353(emb)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--times", type=int, nargs="+", default=[1])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--svd", action="store_true")
    ap.add_argument("--svd-only", action="store_true", help="only the SVD comparison")
    ap.add_argument("--count", action="store_true", help="counting only: the pool and the cluster back to back")
    ap.add_argument("--memory", help="with --count: also the cluster under this budget per worker (e.g. 64M)")
    args = ap.parse_args()
    if args.svd_only:
        return compare_svd()
    if args.count:
        return compare_counting(args.times[0] if args.times != [1] else 5, args.runs, args.memory)
    import distributed

    rows = []
    with tempfile.TemporaryDirectory(prefix="embedkit-dask-") as tmp:
        for n in args.times:
            corpus = dictwiki_times(n, tmp)
            timings, score = timed_train(corpus, WordOptions(workers=2), args.runs)
            rows.append((n, "local pool, 2 processes", timings, score))
            print(f"x{n} local: {timings}", file=sys.stderr, flush=True)
            for w in args.workers:
                with distributed.LocalCluster(
                    n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster:
                    opts = WordOptions(workers=2, scheduler=cluster.scheduler_address)
                    timings, score = timed_train(corpus, opts, args.runs)
                rows.append((n, f"Dask, {w} worker{'s' if w > 1 else ''}", timings, score))
                print(f"x{n} dask {w}: {timings}", file=sys.stderr, flush=True)
            corpus.unlink()
    print(f"machine: {os.cpu_count()} cores; train-words with the defaults; best of {args.runs}\n")
    print("| corpus | engine | tokenize s | cooccur s | pmi s | svd s | total s | WS353 |")
    print("|---|---|---|---|---|---|---|---|")
    for n, name, t, score in rows:
        cells = " | ".join(f"{t.get(s, 0):.2f}" for s in STAGES)
        print(f"| dictwiki × {n} | {name} | {cells} | {t['total']:.2f} | {score:.3f} |")
    if args.svd:
        compare_svd()


def _own_cpu() -> float:
    """User + sys seconds of this process and of its children that have ended."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def _cpu_of(pids: list[int]) -> float:
    import psutil

    return sum(sum(psutil.Process(p).cpu_times()[:2]) for p in pids)


def compare_counting(n: int, runs: int, memory: str | None) -> None:
    """count_corpus on the local pool and on a 2-worker LocalCluster, alternately."""
    import distributed

    from embedkit.cli import parse_size

    rows = []
    with tempfile.TemporaryDirectory(prefix="embedkit-dask-") as tmp:
        corpus = str(dictwiki_times(n, tmp))
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster:
            with distributed.Client(cluster, set_as_default=False) as client:
                pids = list(client.run(os.getpid).values())
            engines = [("local pool, 2 processes", WordOptions(workers=2))]
            engines.append(("Dask, 2 workers", WordOptions(workers=2, scheduler=cluster.scheduler_address)))
            if memory:
                budget = parse_size(memory)
                engines.append(
                    (
                        f"Dask, 2 workers, {memory} each",
                        WordOptions(workers=2, scheduler=cluster.scheduler_address, memory=budget),
                    )
                )
            first = None
            for r in range(runs):
                for name, opts in engines:
                    rep = Reporter(quiet=True)
                    cpu0, workers0, t = _own_cpu(), _cpu_of(pids), time.perf_counter()
                    c = count_corpus(corpus, opts, rep)
                    wall = time.perf_counter() - t
                    cpu = _own_cpu() - cpu0 + (_cpu_of(pids) - workers0 if opts.scheduler else 0.0)
                    if first is None:
                        first = c
                    else:  # the same counts (within float rounding of 1/d weights summed in another order)
                        assert c.vocab.words == first.vocab.words and c.counts.nnz == first.counts.nnz
                        diff = abs(c.counts.astype(np.float64) - first.counts).max()
                        assert diff <= 1e-6 * max(1.0, float(first.counts.max())), diff
                    rows.append((r + 1, name, rep.timings, wall, cpu))
                    print(f"run {r + 1} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU", file=sys.stderr, flush=True)
                    del c
        tokens = first.n_tokens
    print(f"count_corpus on dictwiki × {n} ({tokens:,} tokens), defaults; {os.cpu_count()} cores\n")
    print("| run | engine | tokenize s | cooccur s | wall s | CPU s | wall / pool's |")
    print("|---|---|---|---|---|---|---|")
    pool = {}
    for r, name, t, wall, cpu in rows:
        if name.startswith("local"):
            pool[r] = wall
        ratio = f"{wall / pool[r]:.2f}" if not name.startswith("local") else ""
        stages = f"{t.get('tokenize', 0):.2f} | {t.get('cooccur', 0):.2f}"
        print(f"| {r} | {name} | {stages} | {wall:.2f} | {cpu:.2f} | {ratio} |")


def compare_svd(dim: int = 300, n_iter: int = 4, seed: int = 0, float64: bool = True) -> None:
    """embedkit's randomized SVD against dask's svd_compressed on dictwiki's PPMI matrix."""
    import dask.array as da
    import distributed
    import scipy.sparse as sp

    from embedkit.linalg import SVDResult, fix_svd_signs, remove_top_components, svd_vectors, truncated_svd
    from embedkit.pipeline import corpus_name, local_counts
    from embedkit.progress import SILENT
    from embedkit.tokenize import Tokenizer
    from embedkit.vectors import Embedding
    from embedkit.weighting import pmi

    opts = WordOptions(workers=2, dim=dim, n_iter=n_iter, seed=seed)
    files = [str(DATA / "corpora" / "dictwiki.txt.gz")]
    vocab, counts, _ = local_counts(files, Tokenizer(), opts, SILENT, corpus_name(files))
    m = pmi(counts, opts.transform, opts.shift, opts.cds, copy=False).tocsr()

    def model(r: SVDResult) -> Embedding:
        vecs = remove_top_components(svd_vectors(r, eig=opts.eig, vectors=opts.vectors), opts.remove_top)
        return Embedding(vocab.words, vecs, vocab.counts, {})

    t = time.perf_counter()
    local = truncated_svd(m, dim=dim, n_iter=n_iter, seed=seed, workers=2)
    t_local = time.perf_counter() - t
    t = time.perf_counter()
    ref = truncated_svd(m, dim=dim, n_iter=12, seed=seed, workers=2)
    t_ref = time.perf_counter() - t
    rows_per_block = -(-m.shape[0] // 8)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        with distributed.Client(c) as client:
            t = time.perf_counter()
            blocks = [m[i : i + rows_per_block] for i in range(0, m.shape[0], rows_per_block)]
            futures = client.scatter(blocks)
            meta = sp.csr_matrix((0, m.shape[1]), dtype=m.dtype)
            arr = da.concatenate(
                [da.from_delayed(f, shape=b.shape, dtype=m.dtype, meta=meta) for f, b in zip(futures, blocks)]
            )
            if float64:  # float32 power iterations lose the tail (see BENCHMARKS.md)
                arr = arr.astype(np.float64)
            t_scatter = time.perf_counter() - t
            t = time.perf_counter()
            u, s, vt = da.linalg.svd_compressed(
                arr, dim, n_power_iter=n_iter, n_oversamples=20, seed=seed, compute=True
            )
            u, s, vt = client.compute([u, s, vt], sync=True)
            t_dask = time.perf_counter() - t
    dask_r = fix_svd_signs(
        SVDResult(np.ascontiguousarray(u, dtype=np.float32), s.astype(np.float32), vt.astype(np.float32))
    )
    print(f"\nSVD of dictwiki's PPMI matrix ({m.shape[0]:,} × {m.shape[1]:,}, {m.nnz:,} non-zeros), k = {dim}\n")
    print("| solver | power iterations | time s | WS353 | σ_k / reference σ_k, mean of the last 50 |")
    print("|---|---|---|---|---|")
    for name, r, secs, it in (
        ("embedkit randomized, 2 processes", local, t_local, n_iter),
        ("embedkit randomized (reference)", ref, t_ref, 12),
        (
            f"dask svd_compressed, 2 workers, {'float64' if float64 else 'float32'} (+{t_scatter:.1f} s to scatter)",
            dask_r,
            t_dask,
            n_iter,
        ),
    ):
        tail = float(np.mean(r.s[-50:] / ref.s[-50:]))
        print(f"| {name} | {it} | {secs:.2f} | {ws353(model(r)):.3f} | {tail:.4f} |")


if __name__ == "__main__":
    main()
