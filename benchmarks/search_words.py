"""Search train-words' weighting and factorisation options on cached counts (dictwiki).

    python benchmarks/search_words.py --cache DIR [--analogies] [--decide-only] SPEC [SPEC ...]
    python benchmarks/search_words.py --cache DIR --summary YARDSTICK_LABEL [--seeds 0,1,2] [--decide-only]

Co-occurrences are counted ONCE per distance: C_d (d = 1..10, both sides) is the
difference of the library's uniform counts for windows d and d − 1, each stored in DIR
(``scipy.sparse.save_npz``).  Any window and distance weighting is then Σ_d w(d) C_d,
and so is the sum of a narrow and a wide window's counts (w = 1[d ≤ a] + 1[d ≤ b]).
The stages after counting are the library's: :func:`embedkit.weighting.pmi`,
:func:`embedkit.factorize.truncated_svd`, ``svd_vectors``, ``remove_top_components``;
one SVD serves every (eig, vectors, remove-top) variant.  (Summing per-distance matrices
rounds differently from counting with weights, so a figure may differ from train-words'
in the fourth decimal; the chosen options are re-run through train-words by
bench_words_eval.py.)

A SPEC is comma-separated key=value: ``w`` (window profile: ``5u``, ``10h``, ``10l``,
``2u+10u``, ``2u+10h`` …: u uniform, h harmonic 1/d, l linear (N − d + 1)/N, terms
summed), ``cds``, ``shift``, ``solver`` (``randomized``, the default here, or ``shifted``,
train-words' default), ``iter`` (power iterations; 4 unless given), ``eig`` (a list joined
by ``/``), ``vec`` (``w``, ``w+c``, list by ``/``), ``top`` (remove-top list by ``/``),
``sub`` (subword weights β by ``/``, 0 = none: each variant's vectors then go through
``Embedding.with_subwords(weight=β)`` with its other defaults, as ``train-words --subwords
--subword-weight β`` does after the component removal).
Example: ``w=5u,cds=0.75,eig=0/0.5,vec=w/w+c,top=0/1/2``; train-words' defaults with and
without subwords: ``w=10h,solver=shifted,iter=3,top=2,sub=0/1.25``.  Results are appended
as JSON lines to DIR/results.jsonl (with subwords, each similarity set's all-pairs ρ,
``spearman_all``, beside its ρ) and printed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_words_eval import CONFIRM_SIM, DATA, DECIDE_SIM, LABELS, all_scores  # noqa: E402

from embedkit.corpus import EncodedCorpus  # noqa: E402
from embedkit.linalg import SVDResult, remove_top_components, svd_vectors, truncated_svd  # noqa: E402
from embedkit.options import WordOptions  # noqa: E402
from embedkit.pipeline import build_vocabulary, cooccurrence_counts  # noqa: E402
from embedkit.tokenize import Tokenizer  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402
from embedkit.weighting import pmi  # noqa: E402

MAX_WINDOW = 10


def distance_counts(
    cache: Path, corpus: Path, subsample: float = 0.0
) -> tuple[list[str], np.ndarray, list[sp.csr_matrix]]:
    """Vocabulary (words, counts) and the per-distance count matrices C_1..C_10
    (of the corpus subsampled at ``subsample``, word2vec's t, when it is above 0)."""
    words_file = cache / "words.tsv"
    if not words_file.exists():
        opts = WordOptions(workers=1, subsample=subsample)
        with EncodedCorpus(str(corpus), Tokenizer(opts.pattern, opts.lowercase)) as enc:
            enc.read()
            vocab = build_vocabulary(enc.word_counts(opts.min_count), opts, str(corpus), enc.n_types)
            previous = None
            for d in range(1, MAX_WINDOW + 1):
                t = time.perf_counter()
                u = cooccurrence_counts(enc.id_blocks(vocab), vocab, replace(opts, window=d, weighting="uniform"))
                c = (u - previous).tocsr() if previous is not None else u
                c.eliminate_zeros()
                sp.save_npz(cache / f"dist{d}.npz", c, compressed=False)
                print(f"counted d={d}: nnz {c.nnz:,} ({time.perf_counter() - t:.1f} s)", file=sys.stderr)
                previous = u
        words_file.write_text("".join(f"{w}\t{n}\n" for w, n in zip(vocab.words, vocab.counts.tolist())))
    words, counts = [], []
    for line in words_file.read_text().splitlines():
        w, n = line.split("\t")
        words.append(w)
        counts.append(int(n))
    mats = [sp.load_npz(cache / f"dist{d}.npz").tocsr() for d in range(1, MAX_WINDOW + 1)]
    return words, np.array(counts), mats


def profile(spec: str) -> np.ndarray:
    """Distance weights w(1..10) of a window profile such as ``2u+10h``."""
    w = np.zeros(MAX_WINDOW)
    for term in spec.split("+"):
        n, kind = int(term[:-1]), term[-1]
        d = np.arange(1, n + 1, dtype=np.float64)
        w[:n] += {"u": np.ones(n), "h": 1.0 / d, "l": (n - d + 1) / n}[kind]
    return w


def weighted_counts(mats: list[sp.csr_matrix], w: np.ndarray) -> sp.csr_matrix:
    total = None
    for d, m in enumerate(mats):
        if w[d] == 0:
            continue
        term = m * w[d] if w[d] != 1 else m
        total = term if total is None else total + term
    return total.tocsr()


def factorize(mats: list[sp.csr_matrix], p: dict) -> SVDResult:
    """The SVD of the PPMI of a spec's weighted counts (train-words' pmi → truncated_svd)."""
    m = pmi(weighted_counts(mats, profile(p["w"])), "ppmi", p["shift"], p["cds"], copy=False)
    return truncated_svd(m, dim=p["dim"], solver=p["solver"], n_iter=p["iter"], seed=p["seed"], workers=1)


def variant(
    words: list[str], counts: np.ndarray, svd: SVDResult, eig: float, vec: str, top: int, beta: float
) -> Embedding:
    """One (eig, vectors, remove-top, subword β) variant of an SVD, as train-words builds it:
    ``svd_vectors`` → the mean and ``top`` components removed → with β > 0,
    ``Embedding.with_subwords(weight=β)`` (``--subwords --subword-weight β``)."""
    emb = Embedding(words, remove_top_components(svd_vectors(svd, eig=eig, vectors=vec), top), counts)
    return emb.with_subwords(weight=beta) if beta > 0 else emb


def parse_spec(spec: str) -> dict:
    kv = dict(item.split("=", 1) for item in spec.split(","))
    return {
        "w": kv.get("w", "5u"),
        "cds": float(kv.get("cds", 0.75)),
        "shift": float(kv.get("shift", 1)),
        "solver": kv.get("solver", "randomized"),
        "iter": int(kv.get("iter", 4)),
        "dim": int(kv.get("dim", 300)),
        "seed": int(kv.get("seed", 0)),
        "eig": [float(x) for x in kv.get("eig", "0.5").split("/")],
        "vec": kv.get("vec", "w+c").split("/"),
        "top": [int(x) for x in kv.get("top", "0").split("/")],
        "sub": [float(x) for x in kv.get("sub", "0").split("/")],
    }


def row(r: dict, confirm: bool = True) -> str:
    """One printed line: the decide columns, then (``confirm``) the confirm sets' ρ and, for a
    model with subwords, every set's all-pairs ρ."""
    s = r["sim"]
    g = r.get("google")
    ana = f"{g['all'][0]:.3f} {g['all'][1]:.3f} ({g['sem'][1]:.3f}/{g['syn'][1]:.3f})" if g else "-"
    dec = " ".join(f"{s[k][0]:.3f}" for k in DECIDE_SIM)
    line = f"{r['label']:<58} | {dec} | {ana}"
    if confirm:
        line += " | " + " ".join(f"{s[k][0]:.3f}" for k in CONFIRM_SIM)
        if r.get("subwords"):
            line += " | all pairs " + " ".join(f"{s[k][2]:.3f}" for k in DECIDE_SIM + CONFIRM_SIM)
    return line


def seed_means(results: list[dict], seeds: tuple[int, ...]) -> dict[str, dict]:
    """The rows of ``results`` (results.jsonl) with analogies, grouped by label across ``seeds``
    (a label without ``seed=`` is seed 0): {label: {"n": seeds found, "dec": (WS353, SimVerb,
    3CosMul), "conf": confirm ρ, "all": every set's all-pairs ρ or None}}, each the mean over
    the seeds; a label is kept only when every seed is there (the last row of a repeat counts)."""
    by: dict[str, dict[int, dict]] = {}
    for r in results:
        if "google" not in r:
            continue
        m = re.search(r" seed=(\d+)", r["label"])
        by.setdefault(re.sub(r" seed=\d+", "", r["label"]), {})[int(m.group(1)) if m else 0] = r
    out = {}
    for label, rows in by.items():
        if not all(s in rows for s in seeds):
            continue
        rs = [rows[s] for s in seeds]
        sims = np.array([[r["sim"][k] for k in DECIDE_SIM + CONFIRM_SIM] for r in rs], dtype=np.float64).mean(0)
        google = float(np.mean([r["google"]["all"][1] for r in rs]))
        n_dec = len(DECIDE_SIM)
        out[label] = {
            "n": len(rs),
            "dec": (*sims[:n_dec, 0].tolist(), google),
            "conf": tuple(sims[n_dec:, 0].tolist()),
            "all": tuple(sims[:, 2].tolist()) if rs[0].get("subwords") else None,
        }
    return out


def margins(means: dict[str, dict], yardstick: str) -> list[tuple[float, str, tuple[float, ...]]]:
    """(smallest margin, label, margins) over the yardstick's decide figures, best first: the
    rule of BENCHMARKS.md "How the defaults were chosen"."""
    y = means[yardstick]["dec"]
    rows = []
    for label, m in means.items():
        d = tuple(a - b for a, b in zip(m["dec"], y))
        rows.append((min(d), label, d))
    return sorted(rows, key=lambda r: -r[0])


def summary(cache: Path, yardstick: str, seeds: tuple[int, ...], confirm: bool) -> None:
    """Print every label's mean over ``seeds`` and its margins over ``yardstick``, best first
    (``*``: within 0.005 of the best); with ``confirm``, the confirm sets' and the all-pairs means."""
    results = [json.loads(line) for line in (cache / "results.jsonl").read_text().splitlines() if line]
    means = seed_means(results, seeds)
    if yardstick not in means:
        sys.exit(f"no yardstick row {yardstick!r} with seeds {seeds} in {cache / 'results.jsonl'}")
    ranked = margins(means, yardstick)
    best = ranked[0][0]
    for low, label, d in ranked:
        m = means[label]
        line = f"{low:+.4f} {'*' if low >= best - 0.005 else ' '} {label:<62} " + " ".join(f"{x:.4f}" for x in m["dec"])
        line += " | margins " + " ".join(f"{x:+.4f}" for x in d)
        if confirm:
            line += " | " + " ".join(f"{x:.3f}" for x in m["conf"])
            if m["all"]:
                line += " | all pairs " + " ".join(f"{x:.3f}" for x in m["all"])
        print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", required=True, type=Path)
    ap.add_argument("--corpus", type=Path, default=DATA / "corpora" / "dictwiki.txt.gz")
    ap.add_argument("--subsample", type=float, default=0.0, help="count a subsampled corpus (its own cache)")
    ap.add_argument("--analogies", action="store_true", help="also the Google set (slow: ~10 s a variant)")
    ap.add_argument(
        "--decide-only",
        action="store_true",
        help="print only the decide columns (the confirm sets are still scored into results.jsonl)",
    )
    ap.add_argument(
        "--summary",
        metavar="YARDSTICK",
        help="print no new rows: the mean of each label of DIR/results.jsonl over --seeds and its "
        "margins over the row labelled YARDSTICK, best first",
    )
    ap.add_argument("--seeds", default="0", help="with --summary: the seeds to average (default 0)")
    ap.add_argument("specs", nargs="*")
    args = ap.parse_args()
    if args.summary:
        seeds = tuple(int(x) for x in args.seeds.split(","))
        summary(args.cache / (f"subsample{args.subsample:g}" if args.subsample > 0 else ""), args.summary, seeds,
                not args.decide_only)  # fmt: skip
        return
    if args.subsample > 0:
        args.cache = args.cache / f"subsample{args.subsample:g}"
    args.cache.mkdir(parents=True, exist_ok=True)
    words, counts, mats = distance_counts(args.cache, args.corpus, args.subsample)
    print(
        f"{'variant':<58} | "
        + " ".join(LABELS[k] for k in DECIDE_SIM)
        + " | Google add mul (sem/syn)"
        + ("" if args.decide_only else " | " + " ".join(LABELS[k] for k in CONFIRM_SIM))
    )
    for spec in args.specs:
        p = parse_spec(spec)
        key = f"{p['w']}_cds{p['cds']}_k{p['shift']:g}_it{p['iter']}_d{p['dim']}_s{p['seed']}"
        if p["solver"] != "randomized":  # the earlier searches' files keep their names
            key += f"_{p['solver']}"
        cached = args.cache / "svd" / f"{key}.npz"
        t = time.perf_counter()
        if cached.exists():
            with np.load(cached) as z:
                svd = SVDResult(z["U"], z["s"], z["Vt"])
        else:
            svd = factorize(mats, p)
            cached.parent.mkdir(exist_ok=True)
            np.savez(cached, U=svd.U, s=svd.s, Vt=svd.Vt)
        t_svd = time.perf_counter() - t
        for eig, vec, top, beta in itertools.product(p["eig"], p["vec"], p["top"], p["sub"]):
            emb = variant(words, counts, svd, eig, vec, top, beta)
            label = f"w={p['w']} cds={p['cds']} k={p['shift']:g} it={p['iter']} eig={eig} {vec} top={top}"
            if p["solver"] != "randomized":
                label += f" {p['solver']}"
            if beta > 0:
                label += f" sub={beta:g}"
            if args.subsample > 0:
                label += f" t={args.subsample:g}"
            if p["seed"]:
                label += f" seed={p['seed']}"
            if p["dim"] != 300:
                label += f" d={p['dim']}"
            r = {"label": label, "svd_s": round(t_svd, 1), "subwords": beta > 0, **all_scores(emb, args.analogies)}
            with open(args.cache / "results.jsonl", "a") as f:
                f.write(json.dumps(r) + "\n")
            print(row(r, not args.decide_only), flush=True)


if __name__ == "__main__":
    main()
