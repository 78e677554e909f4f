"""Word vectors on dictwiki: embedkit train-words against gensim's Word2Vec, side by side.

    python benchmarks/bench_words.py [--gensim] [--corpus PATH] [--runs N] [-- OPTIONS]

Runs ``embedkit train-words`` with its defaults in a subprocess (wall time, and peak
memory (PSS) of its whole process tree, workers included), evaluates the model on
WordSim-353 (all, similarity, relatedness) and the Google analogy set (3CosAdd, 3CosMul,
200k most frequent words), and prints a markdown table. With ``--gensim`` (and gensim
installed) it also trains skip-gram on the same tokens: 300 d, window 5, 5 epochs,
2 workers.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embedkit import evaluate as ev  # noqa: E402
from embedkit.tokenize import Tokenizer  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402

DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))


def dictwiki_times(n: int, directory: str | Path) -> Path:
    """dictwiki repeated ``n`` times as one plain-text file in ``directory`` (the scale
    benchmarks' corpus: more text, the same vocabulary and distinct pairs)."""
    src = DATA / "corpora" / "dictwiki.txt.gz"
    if not src.exists():
        sys.exit(f"benchmark data not found: {src}")
    with gzip.open(src, "rb") as f:
        text = f.read()
    corpus = Path(directory) / f"dictwiki-x{n}.txt"
    with open(corpus, "wb") as out:
        for _ in range(n):
            out.write(text)
    return corpus


def scores(emb: Embedding) -> dict:
    out = {}
    for name in ("ws353", "ws353_similarity", "ws353_relatedness"):
        out[name] = ev.word_similarity(emb, ev.read_similarity_pairs(str(DATA / "eval" / f"{name}.txt"))).spearman
    an = ev.analogy(emb, ev.read_analogies(str(DATA / "eval" / "google_analogy.txt")))
    out.update(add=an.add, mul=an.mul, found=an.found)
    return out


def _pss(pid: int) -> int:
    """Proportional set size: resident bytes with pages shared between processes (a
    forked worker's copy-on-write pages) split among them, so a tree is not counted twice."""
    for name, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(name).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


def tree_rss(pid: int) -> int:
    """Memory of a process and all its descendants (Linux /proc), shared pages once."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        total += _pss(p)
    return total


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak MB of its whole process tree)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)})
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - t
    if proc.returncode:
        sys.exit(f"failed: {' '.join(cmd)}")
    return wall, peak / 2**20


def run_embedkit(corpus: Path, extra: list[str]) -> tuple[dict, Embedding]:
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "m.ekm"
        cmd = [sys.executable, "-m", "embedkit.cli", "train-words", str(corpus), "-o", str(model), "-q", *extra]
        wall, peak = run_measured(cmd)
        emb = Embedding.load(model, mmap=False)
    return {"wall": wall, "peak_mb": peak}, emb


def run_gensim(corpus: Path) -> tuple[dict, Embedding]:
    from gensim.models import Word2Vec

    tok = Tokenizer()
    sentences = [s for s in tok.iter_lines(str(corpus)) if s]
    t = time.perf_counter()
    model = Word2Vec(sentences, vector_size=300, window=5, min_count=5, sg=1, workers=2, epochs=5, seed=1)
    wall = time.perf_counter() - t
    kv = model.wv
    emb = Embedding(list(kv.index_to_key), np.asarray(kv.vectors))
    return {"wall": wall, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, emb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "dictwiki.txt.gz"))
    ap.add_argument("--gensim", action="store_true", help="also train gensim skip-gram (about 90 s)")
    ap.add_argument("--runs", type=int, default=1, help="embedkit runs; the fastest is reported")
    ap.add_argument("extra", nargs="*", help="extra train-words options, after --")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not corpus.exists():
        sys.exit(f"benchmark data not found: {corpus}")
    rows = []
    best = None
    for _ in range(args.runs):
        res, emb = run_embedkit(corpus, args.extra)
        if best is None or res["wall"] < best[0]["wall"]:
            best = (res, emb)
    res, emb = best
    rows.append(("embedkit train-words " + " ".join(args.extra), res, scores(emb), len(emb)))
    if args.gensim:
        try:
            res, emb = run_gensim(corpus)
            rows.append(("gensim Word2Vec skip-gram 300d w5 5 epochs", res, scores(emb), len(emb)))
        except ImportError:
            print("gensim is not installed; skipping it", file=sys.stderr)
    print(f"corpus: {corpus}  machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    print()
    print("| system | words | WS353 | WS-sim | WS-rel | analogy 3CosAdd | analogy 3CosMul | wall s | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, res, sc, n in rows:
        print(
            f"| {name.strip()} | {n:,} | {sc['ws353']:.3f} | {sc['ws353_similarity']:.3f} | "
            f"{sc['ws353_relatedness']:.3f} | {sc['add']:.3f} | {sc['mul']:.3f} ({sc['found']:,} q) | "
            f"{res['wall']:.1f} | {res['peak_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
