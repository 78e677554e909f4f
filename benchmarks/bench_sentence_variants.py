"""Variants of uSIF-with-unknown-words measured on STS12, STS13, AG News and CR (one table).

    python benchmarks/bench_sentence_variants.py --model MODEL.ekm [--rows "NAME;NAME"] [--json OUT] [--coverage]

The variants the choice of ``sentence-features``' default mode was made among
(BENCHMARKS.md, "Sentence features"), each a small change to ``usif-oov``'s recipe, built
here from embedkit's parts (``encode_lines``, ``usif_weights``, ``unknown_vectors``,
``classify``) on lines encoded once:

* where the unknown words' random directions go: in the word vectors' space (``usif-oov``),
  dropped (``usif``), or in a separate block of B dimensions beside it, weighted β;
* every word's random direction as a lexical-overlap block (B dimensions, weighted β, its
  common component removed), a unigram DisC embedding (Arora, Khodak, Saunshi & Vodrahalli
  2018, "A compressed sensing view of unsupervised text embeddings, bag-of-n-grams, and LSTMs");
* the word weights: uSIF's a / (a/2 + p), SIF's a / (a + p) with a = 1e-3, or none;
* the common directions: uSIF's 5 removed in proportion λ_i, 0 or 1 removed, or all damped by
  a conceptor negation (Liu, Ungar & Sedoc 2019) of strength μ (``usif-cn``);
* for the classifiers: rows scaled to unit length, or projected on their top 150 principal
  directions; and two yardsticks that are not modes: the same features with C = 0.01, and
  LSA (tf-idf, sublinear tf, truncated SVD) fitted on the training lines themselves;
* word weights from the fitting lines' own counts (p(w) in uSIF's or SIF's formula, half and
  half with the corpus's, or IDF) (:func:`fit_weights`); the fitting lines' top 100 / 200
  principal directions, or a whitening fitted on them;
* context directions (``usif-ctx``): an unknown word's random direction plus β × the unit sum
  of its fitting lines' directions (or that alone), and every word's unit vector plus γ × its
  own (additive context induction, Lazaridou et al. 2017; Khodak et al. 2018).

``--coverage`` prints each set's share of tokens outside the vocabulary (and, for a model
with rare words or subwords, the share it cannot build).

Protocol as in ``bench_sentences.py`` (``../shared/data/README.md``): STS Pearson × 100 per
file averaged, fitted on each file's sentences; AG News first 6,000 train / the rest test;
CR ``default_rng(0).permutation``, 3,000 / 771; features standardised on the training part,
logistic regression C = 1; what a variant fits, it fits on the training lines.
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
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embedkit.evaluate import classify, read_sts_pairs  # noqa: E402
from embedkit.features import encode_lines, sif_weights, unknown_vectors, usif_weights  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402

DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
AG_TRAIN, CR_TRAIN = 6000, 3000

#: name → options; the keys are read by :func:`features`
VARIANTS: dict[str, dict] = {
    "usif-oov (5 removed, λ-scaled)": {},
    "unknown words dropped (usif)": {"oov": "drop"},
    "unknown words in a block, B 300, β 1": {"oov": "block", "b": 300, "beta": 1.0},
    "unknown words in a block, B 300, β 0.5": {"oov": "block", "b": 300, "beta": 0.5},
    "+ lexical block, B 1000, β 0.8, 1 removed": {"lex": 1000, "beta": 0.8},
    "+ lexical block, B 300, β 0.8, 1 removed": {"lex": 300, "beta": 0.8},
    "SIF weights (a 1e-3)": {"w": "sif"},
    "no weights": {"w": "none"},
    "0 removed": {"remove": 0},
    "1 removed": {"remove": 1},
    "conceptor μ 0.02": {"cn": 0.02},
    "conceptor μ 0.05": {"cn": 0.05},
    "conceptor μ 0.07 (usif-cn)": {"cn": 0.07},
    "conceptor μ 0.1": {"cn": 0.1},
    "conceptor μ 0.15": {"cn": 0.15},
    "conceptor μ 0.07, SIF weights": {"cn": 0.07, "w": "sif"},
    "conceptor μ 0.07, unknown words dropped": {"cn": 0.07, "oov": "drop"},
    "conceptor μ 0.07 + lexical block, B 1000, β 0.8": {"cn": 0.07, "lex": 1000, "beta": 0.8},
    "usif-oov, rows unit length": {"unit_rows": True},
    "usif-oov, rows unit length, top 150 PCs": {"unit_rows": True, "pca": 150},
    "usif-oov, rows unit length, C = 0.01 (not the protocol)": {"unit_rows": True, "c": 0.01},
    "conceptor μ 0.07, p(w) of the fitting lines": {"cn": 0.07, "w": "usif-fit"},
    "conceptor μ 0.07, SIF weights, p(w) of the fitting lines": {"cn": 0.07, "w": "sif-fit"},
    "conceptor μ 0.07, p(w) half corpus half fitting lines": {"cn": 0.07, "w": "usif-mix"},
    "conceptor μ 0.07, IDF of the fitting lines": {"cn": 0.07, "w": "idf"},
    "conceptor μ 0.07, uSIF weights × IDF of the fitting lines": {"cn": 0.07, "w": "usif*idf"},
    "conceptor μ 0.07, rows unit length": {"cn": 0.07, "unit_rows": True},
    "conceptor μ 0.07, top 100 PCs": {"cn": 0.07, "pca": 100},
    "conceptor μ 0.07, top 200 PCs": {"cn": 0.07, "pca": 200},
    "conceptor μ 0.07, whitened (ZCA, shrinkage 0.1)": {"cn": 0.07, "zca": 0.1},
    "conceptor μ 0.07, unknown words + context, β 0.5": {"cn": 0.07, "ctx": 0.5},
    "conceptor μ 0.07, unknown words + context, β 1": {"cn": 0.07, "ctx": 1.0},
    "conceptor μ 0.07, unknown words + context, β 2": {"cn": 0.07, "ctx": 2.0},
    "conceptor μ 0.07, unknown words as their context": {"cn": 0.07, "ctx": "only"},
    "conceptor μ 0.07, unknown words + context, β 1.5": {"cn": 0.07, "ctx": 1.5},
    "conceptor μ 0.07, unknown words + context β 1, every word + context γ 0.25": {
        "cn": 0.07,
        "ctx": 1.0,
        "wctx": 0.25,
    },
    "conceptor μ 0.07, unknown words + context β 1, every word + context γ 0.5": {"cn": 0.07, "ctx": 1.0, "wctx": 0.5},
    "LSA of the training lines, 100 d (not a mode)": {"lsa": 100},
    "LSA of the training lines, 200 d (not a mode)": {"lsa": 200},
}


class Data:
    def __init__(self, emb: Embedding):
        self.emb = emb
        self.unit = np.asarray(emb.unit, dtype=np.float64)
        self.usif = usif_weights(emb.counts)[0].astype(np.float64)
        self.sif = sif_weights(emb.counts).astype(np.float64)
        self.p = np.asarray(emb.counts, dtype=np.float64) / np.asarray(emb.counts, dtype=np.float64).sum()
        self._rand: dict[int, np.ndarray] = {}
        enc = lambda lines: encode_lines(emb, lines, keep_unknown=True)  # noqa: E731
        self.sts, self.sts_pairs = {}, {}
        for f in sorted((DATA / "eval" / "sts").glob("sts1[23].*.tsv")):
            p = read_sts_pairs(str(f))
            self.sts.setdefault(f.name[:5], []).append((p.scores, enc(p.first + p.second)))
            self.sts_pairs.setdefault(f.name[:5], []).append(p)
        with open(DATA / "eval" / "agnews_test.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        self.ag_text = [f"{t} {d}" for _, t, d in rows]
        self.ag = (enc(self.ag_text), np.array([int(r[0]) for r in rows]))
        with open(DATA / "eval" / "cr.tsv", encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
        perm = np.random.default_rng(0).permutation(len(rows))
        self.cr_text = [rows[i][1] for i in perm]
        self.cr = (enc(self.cr_text), np.array([int(rows[i][0]) for i in perm]))

    def vocab_directions(self, b: int) -> np.ndarray:
        if b not in self._rand:
            self._rand[b] = unknown_vectors(list(self.emb.words), b).astype(np.float64)
        return self._rand[b]


def _unit(x):
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


def _nonzero(x):
    return x[np.abs(x).sum(axis=1) > 0]


def _remove(x, fit, r):
    """uSIF's removal: the first r singular directions of the fit rows, each in proportion λ_i."""
    if not r:
        return x
    z = _nonzero(x[fit])
    ev, evec = np.linalg.eigh(z.T @ z)
    top = np.argsort(ev)[::-1][:r]
    c, lam = evec[:, top].T, ev[top] / ev[top].sum()
    return x - ((x @ c.T) * lam) @ c


def features(data: Data, e, fit: np.ndarray, cfg: dict) -> np.ndarray:
    """The variant's features of encoded lines ``e``, fitted on the rows ``fit``."""
    wname = cfg.get("w", "usif")
    if wname in ("usif", "sif", "none"):
        w, w_unknown = {"usif": (data.usif, 2.0), "sif": (data.sif, 1.0), "none": (np.ones(len(data.usif)), 1.0)}[wname]
        w_unknown = np.full(len(e.unknown), w_unknown)
    else:
        w, w_unknown = fit_weights(data, e, fit, wname)
    oov = cfg.get("oov", "in")
    n = np.asarray(e.counts.sum(axis=1)).ravel()
    if oov != "drop":
        n = n + np.asarray(e.unknown_counts.sum(axis=1)).ravel()
    n = np.where(n > 0, n, 1.0)[:, None]
    weighted = e.counts @ sp.diags(w)
    x = np.asarray(weighted @ data.unit)
    if cfg.get("wctx"):  # every word's unit vector plus γ × the average of its fitting lines' averages
        c = _unit(np.asarray(e.counts[fit].T @ _unit(x[fit])))
        x = np.asarray(weighted @ _unit(data.unit + cfg["wctx"] * c))
    if e.unknown and oov == "in":
        u = unknown_vectors(e.unknown, x.shape[1]).astype(np.float64)
        if "ctx" in cfg:  # each unknown word's direction plus the average of its fitting lines' known words
            c = _unit(np.asarray(e.unknown_counts[fit].T @ _unit(x[fit])))
            u = _unit(c) if cfg["ctx"] == "only" else _unit(u + cfg["ctx"] * c)
            if cfg["ctx"] == "only":  # a word the fitting lines never had keeps its random direction
                none = np.abs(c).sum(axis=1) == 0
                u[none] = unknown_vectors([e.unknown[i] for i in np.flatnonzero(none)], x.shape[1])
        x += np.asarray((e.unknown_counts @ sp.diags(w_unknown)) @ u)
    x /= n
    extra = None  # a block of B more dimensions: the unknown words', or every word's directions
    if oov == "block":
        extra = np.zeros((e.n_lines, cfg["b"]))
        if e.unknown:
            extra += np.asarray((e.unknown_counts @ sp.diags(w_unknown)) @ unknown_vectors(e.unknown, cfg["b"])) / n
    if cfg.get("lex"):
        extra = np.asarray(weighted @ data.vocab_directions(cfg["lex"]))
        if e.unknown:
            extra += np.asarray((e.unknown_counts @ sp.diags(w_unknown)) @ unknown_vectors(e.unknown, cfg["lex"]))
        extra = _remove(extra / n, fit, 1)
    if "cn" in cfg:
        z = _nonzero(x[fit])
        r = z.T @ z / len(z)
        r *= len(r) / np.trace(r)
        x = x @ np.linalg.inv(np.eye(len(r)) + cfg["cn"] * r)
    else:
        x = _remove(x, fit, cfg.get("remove", 5))
    if extra is not None:
        x = np.hstack([x, cfg.get("beta", 1.0) * extra])
    if cfg.get("unit_rows"):
        x = _unit(x)
    if cfg.get("pca"):
        mu = x[fit].mean(axis=0)
        ev, evec = np.linalg.eigh((x[fit] - mu).T @ (x[fit] - mu))
        x = (x - mu) @ evec[:, np.argsort(ev)[::-1][: cfg["pca"]]]
    if cfg.get("zca"):  # whitening fitted on the fitting lines, its eigenvalues shrunk toward their mean
        z = x[fit]
        ev, evec = np.linalg.eigh(np.cov(z, rowvar=False))
        ev = (1 - cfg["zca"]) * ev + cfg["zca"] * ev.mean()
        x = ((x - z.mean(axis=0)) @ evec / np.sqrt(ev)) @ evec.T
    return x


def fit_weights(data: Data, e, fit: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    """Word weights from the fitting lines' own counts: (vocabulary (V,), unknown words (U,)).

    ``usif-fit`` / ``sif-fit``: uSIF's a / (a/2 + p) (a from the fitting lines' vocabulary, as
    :func:`usif_weights` does from the corpus's) or SIF's a / (a + p), a = 1e-3, with p(w) a
    word's share of the fitting lines' tokens (unknown words included); ``usif-mix``: uSIF's
    weights of p = (p_corpus + p_fit) / 2; ``idf``: log((1 + N) / (1 + df)) + 1 over the N
    fitting lines (scikit-learn's smooth IDF); ``usif*idf``: the corpus's uSIF weight times it.
    """
    kc = np.asarray(e.counts[fit].sum(axis=0)).ravel().astype(np.float64)
    uc = np.asarray(e.unknown_counts[fit].sum(axis=0)).ravel().astype(np.float64) if e.unknown else np.zeros(0)
    if how in ("idf", "usif*idf"):
        n = len(fit)
        kd = np.bincount(e.counts[fit].indices, minlength=e.counts.shape[1]).astype(np.float64)
        ud = (
            np.bincount(e.unknown_counts[fit].indices, minlength=len(e.unknown)).astype(np.float64) if e.unknown else uc
        )
        kw, uw = np.log((1 + n) / (1 + kd)) + 1, np.log((1 + n) / (1 + ud)) + 1
        if how == "usif*idf":
            kw, uw = kw * data.usif, uw * 2.0
        return kw, uw
    total = kc.sum() + uc.sum()
    pk, pu = kc / total, uc / total
    if how == "sif-fit":
        return 1e-3 / (1e-3 + pk), 1e-3 / (1e-3 + pu)
    if how == "usif-mix":
        pk = (pk + data.p) / 2
        pu = pu / 2
    seen = np.concatenate([pk[kc > 0], pu[uc > 0]])
    v = len(seen)
    alpha = max(np.count_nonzero(seen > 1 - (1 - 1 / v) ** 11) / v, 1 / v)
    a = (1 - alpha) / (alpha * 0.5 * v)
    return a / (0.5 * a + pk), a / (0.5 * a + pu)


def lsa(text: list[str], train: int, k: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    v = TfidfVectorizer(sublinear_tf=True).fit(text[:train])
    x = v.transform(text)
    return _unit(TruncatedSVD(k, random_state=0).fit(x[:train]).transform(x))


def measure(data: Data, cfg: dict) -> dict:
    out = {}
    if "lsa" not in cfg:
        for year, files in data.sts.items():
            r = []
            for gold, e in files:
                x = features(data, e, np.arange(e.n_lines), cfg)
                a, b = x[: len(gold)], x[len(gold) :]
                na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
                ok = (na > 0) & (nb > 0)
                cos = np.zeros(len(gold))
                cos[ok] = (a[ok] * b[ok]).sum(axis=1) / (na[ok] * nb[ok])
                r.append(100 * np.corrcoef(cos, gold)[0, 1])
            out[year] = float(np.mean(r))
    for name, (e, y), text, train in (("ag", data.ag, data.ag_text, AG_TRAIN), ("cr", data.cr, data.cr_text, CR_TRAIN)):
        x = lsa(text, train, cfg["lsa"]) if "lsa" in cfg else features(data, e, np.arange(train), cfg)
        out[name] = classify(x, y, train=train, c=cfg.get("c", 1.0)).accuracy
    return out


def coverage(data: Data) -> None:
    """Each set's share of tokens (and of distinct words) outside the model's vocabulary; for a
    model with rare words or subwords also the share it cannot build (``encode_lines``'s
    ``build_unseen``), which ``sentence-features`` leaves to the unknown words' treatment."""
    builds = data.emb.builds_unseen
    print("| set | tokens | outside the vocabulary | distinct words | outside |" + (" not built |" if builds else ""))
    print("|---|---|---|---|---|" + ("---|" if builds else ""))
    sets = {y: [e for _, e in files] for y, files in data.sts.items()}
    sets.update(ag=[data.ag[0]], cr=[data.cr[0]])
    raw = {
        "ag": [data.ag_text],
        "cr": [data.cr_text],
        **{y: [p.first + p.second for p in data.sts_pairs[y]] for y in data.sts},
    }
    for name, encs in sets.items():
        known = sum(int(e.counts.sum()) for e in encs)
        unknown = sum(int(e.unknown_counts.sum()) for e in encs)
        kw = len(set().union(*(set(e.ids.tolist()) for e in encs)))
        uw = len(set().union(*(set(e.unknown) for e in encs)))
        row = (
            f"| {name} | {known + unknown:,} | {unknown / (known + unknown):.1%} | {kw + uw:,} | {uw / (kw + uw):.1%} |"
        )
        if builds:
            left = sum(
                int(encode_lines(data.emb, lines, keep_unknown=True, build_unseen=True).unknown_counts.sum())
                for lines in raw[name]
            )
            row += f" {left / (known + unknown):.1%} |"
        print(row)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="word vectors (embedkit train-words dictwiki.txt.gz)")
    ap.add_argument("--rows", help="variant names separated by ';' (default: all)")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument(
        "--coverage",
        action="store_true",
        help="print each set's tokens outside the vocabulary (then only --rows, if given)",
    )
    args = ap.parse_args()
    data = Data(Embedding.load(args.model, mmap=False))
    if args.coverage:
        coverage(data)
        if not args.rows:  # the coverage alone
            return
    names = args.rows.split(";") if args.rows else list(VARIANTS)
    results = []
    print("| variant | STS12 | STS13 | AG News | CR |\n|---|---|---|---|---|")
    for name in names:
        t = time.perf_counter()
        r = measure(data, VARIANTS[name])
        r.update(variant=name, seconds=time.perf_counter() - t)
        results.append(r)
        sts = " | ".join(f"{r[y]:.2f}" if y in r else "–" for y in ("sts12", "sts13"))
        print(f"| {name} | {sts} | {r['ag']:.4f} | {r['cr']:.4f} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
