"""Sentence features: every mode on STS12, STS13, AG News and CR, beside an independent SIF / uSIF.

    python benchmarks/bench_sentences.py [--model MODEL.ekm] [--modes usif-oov,sif,...]
                                         [--dim N] [--no-cv] [--c C] [--json OUT.json]

Trains word vectors with ``embedkit.pipeline.train_words`` on ``dictwiki.txt.gz`` (all
defaults) unless ``--model`` is given. Data and protocols (``../shared/data/README.md``):

* STS12 / STS13 (``eval/sts/``): Pearson r × 100 of the cosine of the two sentences'
  features against the gold score, per file, averaged over the year's files (SentEval);
  what a mode fits is fitted on each file's sentences (Arora et al. 2017) — exactly
  ``embedkit evaluate sts``.
* AG News: the first 6,000 items train, the other 1,599 test; CR: a permutation
  ``numpy.random.default_rng(0).permutation(n)``, the first 3,000 train, the rest test,
  and 10-fold stratified cross-validation over all 3,771 beside it. Features standardised on
  the training part, L2 logistic regression (``embedkit.evaluate.classify``) whose C is
  chosen on each training part alone by 5-fold inner CV (SentEval's protocol; ``--c 1``:
  the fixed C = 1 of the tables before 2026-12-01's "classifier" subsection); what a mode
  fits is fitted on the training part (for CV: on all sentences, no labels used).

The rows ``SIF (ref_sif.py)`` and ``uSIF (ref_sif.py)`` come from ``benchmarks/ref_sif.py``,
numpy code written from the papers that shares nothing with embedkit's features code (not
even the tokenizer), on the same vectors and counts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import ref_sif  # noqa: E402

from embedkit.evaluate import classify, read_sts_pairs, sts_files  # noqa: E402
from embedkit.features import MODES, SentenceFeatures  # noqa: E402
from embedkit.pipeline import WordOptions, train_words  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402

DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
AG_TRAIN, CR_TRAIN = 6000, 3000
#: every mode alone, then the concatenations worth a row
ROWS = [*MODES, "usif-cn+mean", "usif-cn+pmeans", "sif+pmeans"]


def agnews() -> tuple[list[str], np.ndarray]:
    with open(DATA / "eval" / "agnews_test.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return [f"{title} {desc}" for _, title, desc in rows], np.array([int(r[0]) for r in rows])


def cr() -> tuple[list[str], np.ndarray]:
    with open(DATA / "eval" / "cr.tsv", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    perm = np.random.default_rng(0).permutation(len(rows))
    return [rows[i][1] for i in perm], np.array([int(rows[i][0]) for i in perm])


def sts_sets() -> dict[str, list]:
    files = sorted((DATA / "eval" / "sts").glob("sts*.tsv"))
    return {year: [read_sts_pairs(str(f)) for f in files if f.name.startswith(year)] for year in ("sts12", "sts13")}


def evaluate(features, sts, ag, crd, cv: bool, c: float | None = None) -> dict:
    """features(lines, fit_lines) → (n, d): fitted on fit_lines (a prefix of lines), applied to lines."""
    out = {}
    for year, pairs in sts.items():
        out[year] = sts_files(pairs, lambda lines: features(lines, lines))[-1].pearson
    text, y = ag
    out["ag"] = classify(features(text, text[:AG_TRAIN]), y, train=AG_TRAIN, c=c).accuracy
    text, y = crd
    out["cr"] = classify(features(text, text[:CR_TRAIN]), y, train=CR_TRAIN, c=c).accuracy
    out["cr_cv"] = classify(features(text, text), y, folds=10, seed=0, c=c).accuracy if cv else float("nan")
    return out


def embedkit_features(emb: Embedding, mode: str, **options):
    def features(lines, fit_lines):
        f = SentenceFeatures(emb, mode, **options)
        return f.fit(fit_lines).transform(lines) if f.needs_fit else f.transform(lines)

    return features


def reference_features(emb: Embedding, which: str):
    index = emb.index
    vectors = np.asarray(emb.vectors, dtype=np.float64)
    counts = np.asarray(emb.counts, dtype=np.float64)
    fn = ref_sif.sif if which == "sif" else ref_sif.usif

    def features(lines, fit_lines):
        ids = [ref_sif.tokens(s, index) for s in lines]
        return fn(ids, vectors, counts, np.arange(len(fit_lines)))  # fit_lines: a prefix of lines

    return features


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="use these vectors instead of training on dictwiki")
    ap.add_argument("--modes", help="comma-separated modes (default: every mode and a few concatenations)")
    ap.add_argument("--dim", type=int, help="also project each mode on its top DIM directions (--dim)")
    ap.add_argument("--no-cv", action="store_true", help="skip CR's 10-fold cross-validation")
    ap.add_argument("--no-reference", action="store_true", help="skip the ref_sif.py rows")
    ap.add_argument("--c", type=float, help="the classifier's C, fixed (default: chosen by inner CV on training parts)")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()

    t = time.perf_counter()
    if args.model:
        emb, train_s = Embedding.load(args.model, mmap=False), None
    else:
        emb = train_words(str(DATA / "corpora" / "dictwiki.txt.gz"), WordOptions())
        train_s = time.perf_counter() - t
    sts, ag, crd = sts_sets(), agnews(), cr()
    refs = () if args.no_reference else ("SIF", "uSIF")
    rows = [(f"{n} (ref_sif.py)", reference_features(emb, n.lower())) for n in refs]
    modes = args.modes.split(",") if args.modes else ROWS
    rows += [(m, embedkit_features(emb, m)) for m in modes]
    if args.dim:
        rows += [(f"{m}, dim {args.dim}", embedkit_features(emb, m, dim=args.dim)) for m in modes]
    results = []
    for label, features in rows:
        t = time.perf_counter()
        r = evaluate(features, sts, ag, crd, cv=not args.no_cv, c=args.c)
        r.update(features=label, seconds=time.perf_counter() - t)
        results.append(r)
        print(
            f"{label:<24} STS12 {r['sts12']:6.2f}  STS13 {r['sts13']:6.2f}  AG {r['ag']:.4f}  "
            f"CR {r['cr']:.4f}  CR 10-fold {r['cr_cv']:.4f}  ({r['seconds']:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    print(f"\nWord vectors: {len(emb):,} words × {emb.dim} d", end="")
    print(f", trained in {train_s:.1f} s" if train_s else f" from {args.model}")
    print("\n| features | STS12 | STS13 | AG News | CR | CR 10-fold | time |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['features']} | {r['sts12']:.2f} | {r['sts13']:.2f} | {r['ag']:.4f} | {r['cr']:.4f} "
            f"| {r['cr_cv']:.4f} | {r['seconds']:.0f} s |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"train_seconds": train_s, "results": results}, indent=1))


if __name__ == "__main__":
    main()
