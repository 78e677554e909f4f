"""Search train-words' weighting and factorisation options on cached counts (dictwiki).

    python benchmarks/search_words.py --cache DIR [--analogies] SPEC [SPEC ...]

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
summed), ``cds``, ``shift``, ``iter`` (power iterations), ``eig`` (a list joined by
``/``), ``vec`` (``w``, ``w+c``, list by ``/``), ``top`` (remove-top list by ``/``).
Example: ``w=5u,cds=0.75,eig=0/0.5,vec=w/w+c,top=0/1/2``.  Results are appended as JSON
lines to DIR/results.jsonl and printed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def parse_spec(spec: str) -> dict:
    kv = dict(item.split("=", 1) for item in spec.split(","))
    return {
        "w": kv.get("w", "5u"),
        "cds": float(kv.get("cds", 0.75)),
        "shift": float(kv.get("shift", 1)),
        "iter": int(kv.get("iter", 4)),
        "dim": int(kv.get("dim", 300)),
        "seed": int(kv.get("seed", 0)),
        "eig": [float(x) for x in kv.get("eig", "0.5").split("/")],
        "vec": kv.get("vec", "w+c").split("/"),
        "top": [int(x) for x in kv.get("top", "0").split("/")],
    }


def row(r: dict) -> str:
    s = r["sim"]
    g = r.get("google")
    ana = f"{g['all'][0]:.3f} {g['all'][1]:.3f} ({g['sem'][1]:.3f}/{g['syn'][1]:.3f})" if g else "-"
    dec = " ".join(f"{s[k][0]:.3f}" for k in DECIDE_SIM)
    con = " ".join(f"{s[k][0]:.3f}" for k in CONFIRM_SIM)
    return f"{r['label']:<58} | {dec} | {ana} | {con}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", required=True, type=Path)
    ap.add_argument("--corpus", type=Path, default=DATA / "corpora" / "dictwiki.txt.gz")
    ap.add_argument("--subsample", type=float, default=0.0, help="count a subsampled corpus (its own cache)")
    ap.add_argument("--analogies", action="store_true", help="also the Google set (slow: ~10 s a variant)")
    ap.add_argument("specs", nargs="+")
    args = ap.parse_args()
    if args.subsample > 0:
        args.cache = args.cache / f"subsample{args.subsample:g}"
    args.cache.mkdir(parents=True, exist_ok=True)
    words, counts, mats = distance_counts(args.cache, args.corpus, args.subsample)
    print(
        f"{'variant':<58} | "
        + " ".join(LABELS[k] for k in DECIDE_SIM)
        + " | Google add mul (sem/syn) | "
        + " ".join(LABELS[k] for k in CONFIRM_SIM)
    )
    for spec in args.specs:
        p = parse_spec(spec)
        key = f"{p['w']}_cds{p['cds']}_k{p['shift']:g}_it{p['iter']}_d{p['dim']}_s{p['seed']}"
        cached = args.cache / "svd" / f"{key}.npz"
        t = time.perf_counter()
        if cached.exists():
            with np.load(cached) as z:
                svd = SVDResult(z["U"], z["s"], z["Vt"])
        else:
            m = pmi(weighted_counts(mats, profile(p["w"])), "ppmi", p["shift"], p["cds"], copy=False)
            svd = truncated_svd(m, dim=p["dim"], n_iter=p["iter"], seed=p["seed"], workers=1)
            del m
            cached.parent.mkdir(exist_ok=True)
            np.savez(cached, U=svd.U, s=svd.s, Vt=svd.Vt)
        t_svd = time.perf_counter() - t
        for eig, vec, top in itertools.product(p["eig"], p["vec"], p["top"]):
            x = remove_top_components(svd_vectors(svd, eig=eig, vectors=vec), top)
            emb = Embedding(words, x, counts)
            label = f"w={p['w']} cds={p['cds']} k={p['shift']:g} it={p['iter']} eig={eig} {vec} top={top}"
            if p["seed"]:
                label += f" seed={p['seed']}"
            if p["dim"] != 300:
                label += f" d={p['dim']}"
            r = {"label": label, "svd_s": round(t_svd, 1), **all_scores(emb, args.analogies)}
            with open(args.cache / "results.jsonl", "a") as f:
                f.write(json.dumps(r) + "\n")
            print(row(r), flush=True)


if __name__ == "__main__":
    main()
