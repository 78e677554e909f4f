"""train-words end to end, stage by stage: wall seconds, CPU seconds (this process, its
threads and its children) and peak resident memory of this process in each stage.

    python benchmarks/bench_stages.py [--root TREE] [--runs N] [--corpus PATH] [-- train-words options]

Runs ``embedkit train-words CORPUS`` through the CLI's own ``main`` in this process (the
model goes to a temporary file), with the reporter's stages wrapped in clocks and a thread
sampling the resident set every 5 ms, and prints one row a stage and the run's totals
(interpreter start excluded: ``imports`` is the time to import the CLI).  ``--root`` runs
another checkout's embedkit (e.g. main's, for a before/after in one sitting, alternating
``--runs``); the model's SHA-256 is printed so that two trees can be checked for the same
bytes.  On a shared machine compare the CPU columns; wall seconds need an idle one.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))


def cpu_seconds() -> float:
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def one_run(root: str, corpus: str, extra: list[str]) -> None:
    """One run in this process (the child of :func:`main`): prints its rows."""
    t0 = time.perf_counter()
    sys.path.insert(0, root)
    import embedkit.progress as progress

    peak = [0]
    page = os.sysconf("SC_PAGE_SIZE")

    def sample() -> None:
        while True:
            with open("/proc/self/statm") as f:
                peak[0] = max(peak[0], int(f.read().split()[1]) * page)
            time.sleep(0.005)

    threading.Thread(target=sample, daemon=True).start()
    stage, rows = progress.Reporter.stage, []

    @contextlib.contextmanager
    def timed(self, name, total=None, unit="bytes"):
        peak[0] = 0
        w, c = time.perf_counter(), cpu_seconds()
        with stage(self, name, total, unit) as advance:
            yield advance
        rows.append((name, time.perf_counter() - w, cpu_seconds() - c, peak[0] / 2**20))

    progress.Reporter.stage = timed
    from embedkit.cli import main

    imports = (time.perf_counter() - t0, cpu_seconds())
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "model.ekm")
        sys.argv = ["embedkit", "train-words", corpus, "-q", "-o", out, *extra]
        try:
            main()
        except SystemExit as e:
            if e.code:
                raise
        digest = hashlib.sha256(Path(out).read_bytes()).hexdigest()[:16]
    wall, cpu = time.perf_counter() - t0, cpu_seconds()
    print(f"| imports | {imports[0]:.2f} | {imports[1]:.2f} | |")
    for name, w, c, rss in rows:
        print(f"| {name} | {w:.2f} | {c:.2f} | {rss:.0f} |")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| all (model {digest}) | {wall:.2f} | {cpu:.2f} | {rss:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", action="append", help="checkout(s) whose embedkit to run (default: this one)")
    ap.add_argument("--runs", type=int, default=1, help="runs of each root, alternating")
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "dictwiki.txt.gz"))
    ap.add_argument("--one", help=argparse.SUPPRESS)  # a child: run this root once
    ap.add_argument("extra", nargs="*", help="train-words options (after --)")
    args = ap.parse_args()
    if args.one:
        return one_run(args.one, args.corpus, args.extra)
    if not Path(args.corpus).exists():
        sys.exit(f"benchmark data not found: {args.corpus}")
    roots = args.root or [str(ROOT)]
    for i in range(args.runs):
        for root in roots:
            print(f"\n{root}, run {i + 1}: | stage | wall s | CPU s | peak RSS MB |", flush=True)
            cmd = [sys.executable, __file__, "--one", root, "--corpus", args.corpus, "--", *args.extra]
            subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
