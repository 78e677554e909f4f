"""Word vectors on dictwiki, scored on every similarity set and the Google analogies,
beside the plain PPMI + SVD yardstick in the same run.

    python benchmarks/bench_words_eval.py [--corpus PATH] [--no-old] [--seeds 0,1,2] [-- OPTIONS]

Trains ``embedkit train-words`` in a subprocess (one at a time) with:

- the current defaults plus ``OPTIONS`` (the candidate),
- the yardstick of ../shared/data/README.md: window 5 uniform, PPMI, cds 0.75, eig 0.5,
  W + C, 300 d, no top component removed,
- the defaults before this change (window 10 harmonic, W, one top component removed), unless
  ``--no-old``: CPU time is compared with them measured the same way in the same run,

and prints two markdown tables: the DECIDE sets (WS-353 full, SimVerb-3500, Google
3CosAdd / 3CosMul with its semantic and syntactic halves), on which defaults are chosen,
and the CONFIRM sets (RG-65, MC-30, YP-130, Verb-143, the WS-353 similarity and relatedness
halves), which are only reported.  Each similarity figure is Spearman ρ over the pairs whose
two words are in the vocabulary (pairs found in brackets).  Time: wall seconds and CPU seconds
(user + sys of the whole process tree); on a shared machine only the CPU time is comparable.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embedkit import evaluate as ev  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402

DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))

DECIDE_SIM = ("ws353", "simverb3500")
CONFIRM_SIM = ("rg65", "mc30", "yp130", "verb143", "ws353_similarity", "ws353_relatedness")
LABELS = {
    "ws353": "WS353",
    "simverb3500": "SimVerb",
    "rg65": "RG65",
    "mc30": "MC30",
    "yp130": "YP130",
    "verb143": "Verb143",
    "ws353_similarity": "WS-sim",
    "ws353_relatedness": "WS-rel",
}
#: The Google set in its published order: the first 8,869 questions are the five semantic
#: sections (capitals, currencies, cities in states, family), the other 10,675 syntactic.
GOOGLE_SEMANTIC = 8869

YARDSTICK = ["--window", "5", "--weighting", "uniform", "--cds", "0.75", "--eig", "0.5"]
YARDSTICK += ["--vectors", "w+c", "--remove-top", "0", "--dim", "300"]
OLD_DEFAULTS = ["--window", "10", "--weighting", "harmonic", "--cds", "0.75", "--eig", "0.5"]
OLD_DEFAULTS += ["--vectors", "w", "--remove-top", "1", "--dim", "300", "--transform", "ppmi", "--shift", "1"]
OLD_DEFAULTS += ["--n-iter", "4"]

_PAIRS: dict = {}
_QUESTIONS: list = []


def similarity_scores(emb: Embedding, names=DECIDE_SIM + CONFIRM_SIM) -> dict:
    """{set: (spearman, pairs found, spearman_all)} for each similarity set (spearman_all:
    every pair the model can build, unseen words from their n-grams; see
    :func:`embedkit.evaluate.word_similarity`)."""
    out = {}
    for name in names:
        if name not in _PAIRS:
            _PAIRS[name] = ev.read_similarity_pairs(str(DATA / "eval" / f"{name}.txt"))
        r = ev.word_similarity(emb, _PAIRS[name])
        out[name] = (r.spearman, r.found, r.spearman_all)
    return out


def analogy_scores(emb: Embedding) -> dict:
    """3CosAdd / 3CosMul accuracy on the Google set, all and by half, with questions found."""
    if not _QUESTIONS:
        _QUESTIONS.extend(ev.read_analogies(str(DATA / "eval" / "google_analogy.txt")))
    out = {}
    for part, qs in (("sem", _QUESTIONS[:GOOGLE_SEMANTIC]), ("syn", _QUESTIONS[GOOGLE_SEMANTIC:])):
        r = ev.analogy(emb, qs)
        out[part] = (r.add, r.mul, r.found)
    (sa, sm, sf), (ya, ym, yf) = out["sem"], out["syn"]
    out["all"] = ((sa * sf + ya * yf) / (sf + yf), (sm * sf + ym * yf) / (sf + yf), sf + yf)
    return out


def all_scores(emb: Embedding, analogies: bool = True) -> dict:
    out = {"sim": similarity_scores(emb), "words": len(emb)}
    if analogies:
        out["google"] = analogy_scores(emb)
    return out


def run_train_words(corpus: Path, options: list[str]) -> tuple[dict, Embedding]:
    """``embedkit train-words`` in a subprocess: (wall s, CPU s of the tree), the model."""
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "m.ekm"
        cmd = [sys.executable, "-m", "embedkit.cli", "train-words", str(corpus), "-o", str(model), "-q", *options]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            sys.exit(f"failed: {' '.join(cmd)}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        emb = Embedding.load(model, mmap=False)
    return {"wall": wall, "cpu": cpu}, emb


def decide_row(name: str, sc: dict, timing: dict | None = None) -> str:
    sims = " | ".join(f"{sc['sim'][s][0]:.3f} ({sc['sim'][s][1]})" for s in DECIDE_SIM)
    g = sc.get("google")
    if g:
        ana = f"{g['all'][0]:.3f} | {g['all'][1]:.3f} ({g['all'][2]:,}) | {g['sem'][1]:.3f} | {g['syn'][1]:.3f}"
    else:
        ana = "– | – | – | –"
    t = f" | {timing['wall']:.1f} | {timing['cpu']:.1f}" if timing else ""
    return f"| {name} | {sims} | {ana}{t} |"


def confirm_row(name: str, sc: dict) -> str:
    return f"| {name} | " + " | ".join(f"{sc['sim'][s][0]:.3f} ({sc['sim'][s][1]})" for s in CONFIRM_SIM) + " |"


DECIDE_HEADER = (
    "| system | WS353 | SimVerb | Google 3CosAdd | 3CosMul (questions) | 3CosMul sem | 3CosMul syn |",
    "|---|---|---|---|---|---|---|",
)
CONFIRM_HEADER = (
    "| system | " + " | ".join(LABELS[s] for s in CONFIRM_SIM) + " |",
    "|---|" + "---|" * len(CONFIRM_SIM),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "dictwiki.txt.gz"))
    ap.add_argument("--no-old", action="store_true", help="skip the defaults before this change")
    ap.add_argument("--no-yardstick", action="store_true", help="skip the plain PPMI + SVD yardstick")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds for the candidate (default 0)")
    ap.add_argument("extra", nargs="*", help="train-words options for the candidate, after --")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not corpus.exists():
        sys.exit(f"benchmark data not found: {corpus}")
    runs = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        label = "train-words defaults " + " ".join(args.extra) + (f" --seed {seed}" if seed else "")
        runs.append((label.strip(), [*args.extra, "--seed", str(seed)]))
    if not args.no_yardstick:
        runs.append(("yardstick: PPMI + SVD, w5 uniform, cds 0.75, eig 0.5, W+C", YARDSTICK))
    if not args.no_old:
        runs.append(("old defaults: w10 harmonic, W, remove-top 1", OLD_DEFAULTS))
    rows = []
    for name, options in runs:
        timing, emb = run_train_words(corpus, options)
        rows.append((name, timing, all_scores(emb)))
        print(f"done: {name}  wall {timing['wall']:.1f} s  cpu {timing['cpu']:.1f} s", file=sys.stderr, flush=True)
    print(f"corpus: {corpus}  ({rows[0][2]['words']:,} words)  machine: {os.cpu_count()} cores, shared")
    print("\nDECIDE sets (Spearman ρ (pairs found); Google accuracy, 200k most frequent)\n")
    print(DECIDE_HEADER[0] + " wall s | CPU s |")
    print(DECIDE_HEADER[1] + "---|---|")
    for name, timing, sc in rows:
        print(decide_row(name, sc, timing))
    print("\nCONFIRM sets (Spearman ρ (pairs found))\n")
    print(CONFIRM_HEADER[0])
    print(CONFIRM_HEADER[1])
    for name, _, sc in rows:
        print(confirm_row(name, sc))


if __name__ == "__main__":
    main()
