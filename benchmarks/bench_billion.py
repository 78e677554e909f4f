"""A billion tokens end to end: ``train-words`` on the synthetic corpus, per stage.

    python benchmarks/bench_billion.py [--corpus PATH] [--tokens 1000000000] [--keep]
                                       [-- TRAIN-WORDS OPTIONS]

Writes the corpus with ``gen_corpus.py`` (seed 0; about 4.8 GB and 3-5 minutes for a
billion tokens) unless ``--corpus`` names an existing file, then runs ``embedkit
train-words`` on it in a fresh process, sampling the PSS of its process tree once a
second (a finer sampling costs CPU on a 10 GB process), and prints the wall time, the
peak memory and the time of each stage.  Default options: ``--window 5 --max-size 300000
--memory 4G`` (see BENCHMARKS.md, "A billion tokens", for why).  Targets:
at most 20 minutes and 8 GB on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_words import ROOT, tree_rss  # noqa: E402

DEFAULT_OPTIONS = ["--window", "5", "--max-size", "300000", "--memory", "4G"]


def main() -> None:
    argv = sys.argv[1:]
    extra = None
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="an existing corpus (default: generate one)")
    ap.add_argument("--tokens", type=int, default=1_000_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the generated corpus and the model")
    ap.add_argument("--workdir", default=None, help="where to write the corpus and model (default: a temp dir)")
    args = ap.parse_args(argv)
    options = DEFAULT_OPTIONS if extra is None else extra
    work = Path(args.workdir or tempfile.mkdtemp(prefix="embedkit-billion-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.corpus and not Path(args.corpus).is_file():
        sys.exit(f"--corpus {args.corpus}: no such file (leave it out to generate the corpus)")
    corpus = Path(args.corpus) if args.corpus else work / f"corpus-{args.tokens}.txt"
    if not corpus.exists():
        t = time.perf_counter()
        gen = [sys.executable, str(ROOT / "benchmarks" / "gen_corpus.py"), "-o", str(corpus)]
        subprocess.run([*gen, "--tokens", str(args.tokens), "--quiet"], check=True)
        size = corpus.stat().st_size / 1e9
        print(f"generated {corpus} ({size:.2f} GB) in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    model = work / "model.ekm"
    cmd = [sys.executable, "-m", "embedkit.cli", "train-words", str(corpus), "-o", str(model), "-v", *options]
    print("running:", " ".join(cmd[2:]), file=sys.stderr, flush=True)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True)
    trace: list[tuple[float, int]] = []  # (seconds, PSS bytes)
    while proc.poll() is None:
        trace.append((time.perf_counter() - t, tree_rss(proc.pid)))
        time.sleep(1.0)
    wall = time.perf_counter() - t
    peak_at, peak = max(trace, key=lambda x: x[1]) if trace else (0.0, 0)
    err = proc.stderr.read()
    if proc.returncode:
        sys.exit(f"train-words failed ({proc.returncode}):\n{err}")
    stages = re.findall(r"embedkit: (\w+)\s+([\d.]+) s", err)
    print(f"\nmachine: {os.cpu_count()} cores; corpus: {corpus} ({corpus.stat().st_size / 1e9:.2f} GB)")
    print(f"command: embedkit train-words CORPUS {' '.join(options)}\n")
    print("| stage | seconds | peak GB during the stage |")
    print("|---|---|---|")
    start = 0.0  # stages follow each other; the first starts after the imports
    for i, (name, secs) in enumerate(stages):
        end = start + float(secs) if i < len(stages) - 1 else wall
        during = [pss for at, pss in trace if start <= at <= end]
        print(f"| {name} | {float(secs):.0f} | {max(during, default=0) / 2**30:.2f} |")
        start = end
    print(f"| **total (wall)** | **{wall:.0f}** | **{peak / 2**30:.2f}** |")
    print(f"\npeak memory (PSS of the process tree, sampled each second): {peak / 2**30:.2f} GB at {peak_at:.0f} s")
    print(err.strip().splitlines()[-1])
    if not args.keep:
        model.unlink(missing_ok=True)
        if not args.corpus:
            corpus.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
