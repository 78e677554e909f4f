"""Sentence features on AG News: every mode of ``sentence-features``, tuned on the training part.

    python benchmarks/bench_features.py [--model MODEL.ekm] [--json OUT.json] [--quick]

Trains word vectors with ``embedkit.pipeline.train_words`` on ``dictwiki.txt.gz`` (all
defaults) unless ``--model`` is given, then turns each AG News item (title and description,
one line) into features.  Protocol (``../shared/data/README.md``): the first 6,000 lines
train, the rest test (the file has 7,599 items, so 1,599 of them); features standardised
on the training part; L2 logistic regression, C = 1; accuracy on the test part.

Every fitted part of a mode (SIF's common component, the ``dim`` projection) is fitted on
the training lines only.  Modes are compared by 5-fold cross-validation *within the
training part*; the configuration chosen that way is the one reported as the best, and the
test accuracy of every configuration is printed beside its cross-validated one.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embedkit.evaluate import classify  # noqa: E402
from embedkit.features import SentenceFeatures  # noqa: E402
from embedkit.pipeline import WordOptions, train_words  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402

DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
N_TRAIN = 6000

#: (label, SentenceFeatures options)
CONFIGS: list[tuple[str, dict]] = [
    ("mean", dict(mode="mean")),
    ("sif (a = 1e-3)", dict(mode="sif")),
    ("sif, a = 1e-2", dict(mode="sif", a=1e-2)),
    ("sif, no removal", dict(mode="sif", remove=0)),
    ("pcs k = 1", dict(mode="pcs", k=1)),
    ("pcs k = 2", dict(mode="pcs", k=2)),
    ("mean+pcs k = 1", dict(mode="mean+pcs", k=1)),
    ("mean, dim 100", dict(mode="mean", dim=100)),
    ("sif, dim 50", dict(mode="sif", dim=50)),
    ("sif, dim 100", dict(mode="sif", dim=100)),
    ("sif, dim 150", dict(mode="sif", dim=150)),
    ("sif, a = 1e-2, dim 100", dict(mode="sif", a=1e-2, dim=100)),
    ("sif+pcs k = 1, dim 150", dict(mode="sif+pcs", k=1, dim=150)),
    ("pcs k = 2, dim 100", dict(mode="pcs", k=2, dim=100)),
]


QUICK = ("mean", "sif (a = 1e-3)", "pcs k = 1", "sif, dim 100")


def agnews() -> tuple[list[str], np.ndarray]:
    with open(DATA / "eval" / "agnews_test.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return [f"{title} {desc}" for _, title, desc in rows], np.array([int(r[0]) for r in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="use these vectors instead of training on dictwiki")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--quick", action="store_true", help="mean, sif, pcs and the chosen mode only; no CV")
    args = ap.parse_args()

    t = time.perf_counter()
    if args.model:
        emb, train_s = Embedding.load(args.model, mmap=False), None
    else:
        emb = train_words(str(DATA / "corpora" / "dictwiki.txt.gz"), WordOptions())
        train_s = time.perf_counter() - t
    text, y = agnews()
    train = text[:N_TRAIN]
    results = []
    configs = [c for c in CONFIGS if c[0] in QUICK] if args.quick else CONFIGS
    for label, opts in configs:
        t = time.perf_counter()
        feats = SentenceFeatures(emb, **opts)
        enc = feats.encode(text)
        feats.fit(feats.encode(train))
        x = feats.transform(enc)
        feat_s = time.perf_counter() - t
        cv = classify(x[:N_TRAIN], y[:N_TRAIN], folds=5, seed=0) if not args.quick else None
        test = classify(x, y, train=N_TRAIN)
        results.append(
            {
                "features": label,
                **opts,
                "dim_out": x.shape[1],
                "cv": cv.accuracy if cv else float("nan"),
                "test": test.accuracy,
                "seconds": feat_s,
            }
        )
        print(
            f"{label:<26} {x.shape[1]:>5} d  cv {results[-1]['cv']:.4f}  test {test.accuracy:.4f}  ({feat_s:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
    best = None if args.quick else max(results, key=lambda r: r["cv"])
    print(f"\nWord vectors: {len(emb):,} words × {emb.dim} d", end="")
    print(f", trained in {train_s:.1f} s" if train_s else f" from {args.model}")
    print(f"AG News: {N_TRAIN} train, {len(y) - N_TRAIN} test; machine: {os.cpu_count()} cores, {platform.machine()}\n")
    print("| features | dims | 5-fold CV accuracy (train part) | test accuracy | features time |")
    print("|---|---|---|---|---|")
    for r in results:
        mark = " **(chosen by CV)**" if r is best else ""
        print(f"| {r['features']}{mark} | {r['dim_out']} | {r['cv']:.4f} | {r['test']:.4f} | {r['seconds']:.1f} s |")
    if args.json:
        Path(args.json).write_text(json.dumps({"train_seconds": train_s, "results": results}, indent=1))


if __name__ == "__main__":
    main()
