"""Counting throughput and memory as the corpus grows: dictwiki repeated N times.

    python benchmarks/bench_scale.py [--times 5 20] [--window 5] [--workers 2] [--memory 4G]
    python benchmarks/bench_scale.py --times 20 --train-words     # end to end, beside the prototype

For each N, writes dictwiki × N as plain text to a temporary directory, runs
``embedkit cooccur`` on it (both passes: vocabulary and pairs; window 5, min-count 5)
in a fresh process, and reports wall time, tokens per second and peak memory (PSS of the
process tree). Targets: ≥ 3 M tokens/s at 20× (92 M tokens) on both cores, and
the peak at 20× at most 1.3× the peak at 5×.

``--train-words``: runs ``embedkit train-words`` with its defaults (window 10, 1/d) end
to end instead, and in the same run the plain numpy counting prototype
(``proto_count.py``: counting alone, the same window and weighting, two processes),
and prints the ratio of the two wall times.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_words import dictwiki_times, run_measured  # noqa: E402

TOKENS_PER_COPY = 4_585_929  # dictwiki with the default tokenizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--times", type=int, nargs="+", default=[5, 20])
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--memory", default=None)
    ap.add_argument("--train-words", action="store_true", help="train-words end to end beside the prototype")
    args = ap.parse_args()
    if args.train_words:
        return against_prototype(args.times)
    rows = []
    with tempfile.TemporaryDirectory(prefix="embedkit-scale-") as tmp:
        for n in args.times:
            corpus = dictwiki_times(n, tmp)
            cmd = [sys.executable, "-m", "embedkit.cli", "cooccur", str(corpus), "-o", str(Path(tmp) / "c.npz"), "-q"]
            cmd += ["--window", str(args.window)]
            if args.workers:
                cmd += ["--workers", str(args.workers)]
            if args.memory:
                cmd += ["--memory", args.memory]
            wall, peak = run_measured(cmd)
            tokens = n * TOKENS_PER_COPY
            rows.append((n, tokens, wall, peak))
            corpus.unlink()
            print(
                f"x{n}: {tokens:,} tokens in {wall:.1f} s = {tokens / wall / 1e6:.2f} M tokens/s, peak {peak:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    print(f"machine: {os.cpu_count()} cores; command: embedkit cooccur (window {args.window}, min-count 5)\n")
    print("| corpus | tokens | wall s | M tokens/s | peak MB |")
    print("|---|---|---|---|---|")
    for n, tokens, wall, peak in rows:
        print(f"| dictwiki × {n} | {tokens:,} | {wall:.1f} | {tokens / wall / 1e6:.2f} | {peak:.0f} |")
    if len(rows) > 1:
        print(f"\npeak at × {rows[-1][0]} / peak at × {rows[-2][0]}: {rows[-1][3] / rows[-2][3]:.2f}")


def against_prototype(times: list[int]) -> None:
    """train-words (defaults) end to end against the numpy prototype's counting alone."""
    import json

    here = Path(__file__).resolve().parent
    print("| corpus | tokens | train-words wall s (peak MB) | prototype counting wall s (peak MB) | ratio |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="embedkit-scale-") as tmp:
        for n in times:
            corpus = dictwiki_times(n, tmp)
            model = str(Path(tmp) / "m.ekm")
            tw, tp = run_measured([sys.executable, "-m", "embedkit.cli", "train-words", str(corpus), "-o", model, "-q"])
            out = Path(tmp) / "proto.json"
            pw, pp = run_measured(["sh", "-c", f"{sys.executable} {here / 'proto_count.py'} {corpus} > {out}"])
            proto = json.loads(out.read_text())
            corpus.unlink()
            cells = [f"dictwiki × {n}", f"{proto['tokens']:,}", f"{tw:.1f} ({tp:.0f})", f"{pw:.1f} ({pp:.0f})"]
            print("| " + " | ".join(cells) + f" | {tw / pw:.2f} |", flush=True)
    print(f"\nmachine: {os.cpu_count()} cores; prototype: window 10, 1/d, min-count 5, 2 processes")


if __name__ == "__main__":
    main()
