"""train-words end to end, and the time outside its stages: from exec to the first stage,
and from the last line to the process's end.

    python benchmarks/bench_outside.py [--root TREE]... [--runs N] [--corpus PATH] [-- train-words options]

Runs ``TREE/.venv/bin/embedkit train-words CORPUS -v`` (the console script, as a user
runs it; default: this checkout) under ``strace`` tracing only the main thread's
``execve``, ``write`` and ``exit_group`` (a seccomp filter: the other system calls run
untraced), so that the exec, each stage's line, the last line, ``exit_group`` and the
process's end are timestamped by the kernel.  Prints a row a run: ``start`` (exec to the
moment the first stage began: its line's time less its printed seconds — interpreter
start, imports, options, loading the compiled loops), the stages, ``tail`` (the last line
to the process's end; ``exit`` to ``exit_group``: the interpreter's own exit), wall, and
user / sys seconds of the process and its children; with two roots, alternating, and
whether their models are the same bytes.  Needs ``strace``.  On a shared machine compare
the CPU columns and the tail; wall seconds need an idle one.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
STAGE = re.compile(r'write\(2, "embedkit: (\S+(?: words)?)\s+([\d.]+) s"')


def one_run(root: str, corpus: str, out: str, extra: list[str]) -> str:
    exe = str(Path(root) / ".venv" / "bin" / "embedkit")
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as trace:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cmd = ["strace", "-ttt", "--seccomp-bpf", "-e", "trace=execve,write,exit_group", "-o", trace.name]
        proc = subprocess.run(
            [*cmd, exe, "train-words", corpus, "-v", "-o", out, *extra], capture_output=True, text=True
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        lines = trace.read().splitlines()
    if proc.returncode:
        sys.exit(f"{exe} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    times = [float(line.split()[0]) for line in lines]
    stages = [(m[1], t, float(m[2])) for line, t in zip(lines, times) if (m := STAGE.search(line))]
    last = max(t for line, t in zip(lines, times) if 'write(2, "embedkit: ' in line)
    exit_group = next(t for line, t in zip(lines, times) if "exit_group" in line)
    start = stages[0][1] - stages[0][2]
    user, sys_ = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    shown = " ".join(f"{name} {s:.2f}" for name, _, s in stages)
    return (f"| start {start - times[0]:.2f} | {shown} | tail {times[-1] - last:.2f} (exit {exit_group - last:.2f}) "
            f"| wall {times[-1] - times[0]:.2f} | user {user:.2f} sys {sys_:.2f} |")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", action="append", help="checkout(s) with a .venv to run (default: this one)")
    ap.add_argument("--runs", type=int, default=1, help="runs of each root, alternating")
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "dictwiki.txt.gz"))
    ap.add_argument("extra", nargs="*", help="train-words options (after --)")
    args = ap.parse_args()
    if not Path(args.corpus).exists():
        sys.exit(f"benchmark data not found: {args.corpus}")
    if shutil.which("strace") is None:
        sys.exit("strace not found")
    roots = args.root or [str(ROOT)]
    with tempfile.TemporaryDirectory() as d:
        outs = [os.path.join(d, f"model{i}.ekm") for i in range(len(roots))]
        for i in range(args.runs):
            for root, out in zip(roots, outs):
                print(f"{root}, run {i + 1} {one_run(root, args.corpus, out, args.extra)}", flush=True)
            if len(roots) > 1:
                same = all(filecmp.cmp(outs[0], o, shallow=False) for o in outs[1:])
                print(f"models: {'the same bytes' if same else 'DIFFERENT'}", flush=True)


if __name__ == "__main__":
    main()
