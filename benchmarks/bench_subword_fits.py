"""Where a word's n-gram vectors come from, on dictwiki: counted, factorised or fitted.

    python benchmarks/bench_subword_fits.py [--cache DIR] [--only FAMILY,...] [--tols R,...] [--weights B,...]
        [--buckets N,...] [--rare-min-count N]

FAMILY: none, fold, stack, syntax, ridge (the default set), shipped, rare, rarefit, buckets,
mix, rarebeta, unseen.

One count matrix (``train-words``' defaults: window 10 harmonic) and its SVD (PPMI cds 0.75,
300 d, shifted solver, 3 iterations) are computed once with embedkit's own stages and
cached in ``--cache`` (default: a folder in the system's temp directory); the families of
n-gram vectors below vary only the cheap stages.  N-grams: fastText's 3–6 characters of
``<word>``, exact strings (no hashing), kept when found in at least 2 vocabulary words;
G is the binary word × n-gram incidence (V × K, K = 91,947 on dictwiki).

- ``none``: the vectors of ``train-words`` (W + C, top 2 components removed).
- ``fold``: the n-grams' own co-occurrences, N = Gᵀ C (each occurrence of a word also
  counts for its n-grams, as fastText's targets do); PPMI of each n-gram row with the
  words' context margins (cds 0.75), folded into the word SVD as LSA folds in a document:
  z_g = PPMI(N)_g V Σ^(−1/2) (and the context side with U); word = own + β · mean of its
  n-grams' z (W and C sides), then W + C and top-2 removal as usual.  ``a1``: each word's
  count row divided by its total before summing (every word weighs alike).
- ``stack``: one SVD of the stacked PPMI [C; Gᵀ C] (n-gram rows shifted by log 5), word =
  own row + β · (mean or sum) of its n-grams' rows, C side from the same SVD.
- ``syntax``: a second count (window 2, uniform), a 100-d stacked SVD of its words and
  suffix n-grams (ending in ``>``), word syntax = own + Σ suffix rows, concatenated to the
  unit semantic vector with weight γ.
- ``ridge``: fastText's / LexVec's composition (word = own unit + Σ n-gram units) fitted in
  closed form to the unit word vectors X̂: Z = argmin ‖G Z − X̂‖² + λ ‖Z‖² (conjugate
  gradients, 20 steps), word = x̂ + β · unit(G Z) — what ``train-words --subwords`` ships
  (embedkit/subwords.py, hashed n-grams; figures within ±0.006 of these).
- ``shipped``: ``Embedding.with_subwords`` itself (hashed n-grams, the compiled fit) for each
  ``--tols`` (the conjugate gradients' stopping residual, ``subwords.RIDGE_TOL``) and
  ``--weights`` (β), and beside each row the all-pairs ρ of the similarity sets (unseen
  words built from their n-grams; ``spearman_all``).

- ``rare``: the words below the cut (count 1–4 on dictwiki: 135,691 of them), counted as
  ``train-words --rare-min-count`` counts them (cached) and folded into the cached SVD
  (``fold_in_pmi`` + ``fold_in_vectors``); printed per similarity set as in-vocabulary ρ /
  all-pairs ρ (pairs built), without subwords and with the shipped fit, the fold-in alone
  or mixed with the n-gram vector (constant β, or c/(c + k) : k/(c + k) by the count c).
- ``rarefit``: the ridge fit (exact n-grams, 20 steps, as ``ridge``) with the rare words'
  folded-in unit vectors as extra rows weighing ω (constant, or c/(c + 5)).
- ``buckets``: what ``train-words --subwords --rare-min-count N`` (``--rare-min-count``,
  default 1) ships, through ``Embedding.with_subwords`` (hashed n-grams, ω 0.3, β 1.5), at
  each ``--buckets`` count (4294967296 = 2**32: the raw 32-bit hash, no modulo) and each
  ``--tols`` residual; the kept buckets that hold more than one n-gram of the fit's words,
  the model's subword tables and rare words in MB, and the all-pairs ρ.
- ``mix``: that fit (the first of ``--buckets`` and ``--tols``), each vocabulary word mixed
  with its n-gram direction by a weight falling with its count c, β k/(c + k), or with
  only the part of n̂ in the span of the suffix n-grams' top r directions.
- ``rarebeta``: that fit, each vocabulary word mixed with a constant β, each of ``--weights``.
- ``unseen``: that fit; per similarity set each word outside the vocabulary, what builds
  it (folded in, or n-grams alone), and what its pairs cost the all-pairs ρ.

Scores: Spearman ρ over the pairs in the vocabulary, Google 3CosMul over the questions in
the vocabulary (semantic half: the first 8,869 questions).  Selection columns first
(WS353, SimVerb, Google syntactic half), then the confirmation sets.  Prints markdown rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_words_eval import DATA, analogy_scores, similarity_scores  # noqa: E402

from embedkit.linalg import remove_top_components, truncated_svd  # noqa: E402
from embedkit.options import WordOptions  # noqa: E402
from embedkit.pipeline import count_corpus  # noqa: E402
from embedkit.subwords import char_ngrams  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402
from embedkit.weighting import pmi  # noqa: E402

COLS = ["ws353", "simverb3500", "syn", "ws353_similarity", "ws353_relatedness", "rg65", "mc30", "yp130", "verb143"]
HEADER = "| variant | WS353 | SimVerb | G-syn | WS-sim | WS-rel | RG65 | MC30 | YP130 | Verb143 | G-sem | Google |"


def unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(n > 0, n, 1.0)).astype(np.float32)


def finish(w: np.ndarray, c: np.ndarray) -> np.ndarray:
    """W + C (unit rows), mean and top 2 components removed: train-words' defaults."""
    return remove_top_components(unit(w) + unit(c), 2)


class Bench:
    def __init__(self, cache: Path, corpus: Path):
        self.cache, self.corpus = cache, corpus
        cache.mkdir(parents=True, exist_ok=True)
        self.words, self.wcounts, self.C = self.counts(10, "harmonic")
        self.svd = self._svd()
        self.G, self.names = self.incidence()

    def counts(self, window: int, weighting: str):
        f = self.cache / f"counts_w{window}{weighting}.npz"
        if not f.exists():
            c = count_corpus(str(self.corpus), WordOptions(window=window, weighting=weighting, workers=1))
            sp.save_npz(f, sp.csr_matrix(c.counts, dtype=np.float32))
            np.savez(self.cache / "vocab.npz", words=np.array(c.vocab.words), counts=c.vocab.counts)
        v = np.load(self.cache / "vocab.npz")
        return [str(w) for w in v["words"]], v["counts"], sp.load_npz(f).tocsr()

    def _svd(self):
        f = self.cache / "svd.npz"
        if not f.exists():
            r = truncated_svd(pmi(self.C, "ppmi", 1.0, 0.75), dim=300, solver="shifted", n_iter=3, seed=0)
            np.savez(f, U=r.U, s=r.s, Vt=r.Vt)
        d = np.load(f)
        return d["U"], d["s"], d["Vt"]

    def incidence(self, min_words: int = 2):
        index: dict[str, int] = {}
        rows, cols = [], []
        for i, w in enumerate(self.words):
            for g in set(char_ngrams(w)):
                rows.append(i)
                cols.append(index.setdefault(g, len(index)))
        g = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(self.words), len(index)))
        keep = np.flatnonzero(np.diff(g.tocsc().indptr) >= min_words)
        return g[:, keep].tocsr(), np.array(list(index), dtype=object)[keep]

    def base(self):
        U, s, Vt = self.svd
        scale = np.sqrt(s)
        return (U * scale).astype(np.float32), (Vt.T * scale).astype(np.float32)

    def score(self, name: str, vectors: np.ndarray) -> str:
        emb = Embedding(self.words, np.ascontiguousarray(vectors, dtype=np.float32), self.wcounts, {})
        sim, g = similarity_scores(emb), analogy_scores(emb)
        cells = [f"{sim[c][0]:.4f}" if c == "simverb3500" else f"{sim[c][0]:.3f}" for c in COLS if c in sim]
        cells.insert(2, f"{g['syn'][1]:.3f}")
        line = f"| {name} | " + " | ".join(cells) + f" | {g['sem'][1]:.3f} | {g['all'][1]:.3f} |"
        print(line, flush=True)
        return line


def ppmi_rows(n: sp.csr_matrix, rowsum, log_col, const, shift: float = 0.0) -> sp.csr_matrix:
    """max(PMI − shift, 0) of count rows ``n`` with given row sums and (smoothed) column margins."""
    n = n.tocsr()
    own = np.repeat(np.arange(n.shape[0]), np.diff(n.indptr))
    d = np.log(n.data.astype(np.float64)) + const - np.log(rowsum[own]) - log_col[n.indices] - shift
    m = sp.csr_matrix((np.maximum(d, 0).astype(np.float32), n.indices, n.indptr), shape=n.shape)
    m.eliminate_zeros()
    return m


def margins(c: sp.csr_matrix, cds: float = 0.75):
    rows = np.asarray(c.sum(1)).ravel().astype(np.float64)
    col_a = np.asarray(c.sum(0)).ravel().astype(np.float64) ** cds
    return rows, np.log(np.maximum(col_a, 1e-30)), np.log(col_a.sum())


def fold(b: Bench, a: float = 0.0, chunk: int = 2000):
    """z_g = PPMI(Gᵀ C)_g V Σ^(−1/2) (W side) and the n-gram as a context, U Σ^(−1/2) (C side)."""
    U, s, Vt = b.svd
    rows, log_col, const = margins(b.C)
    gt = (b.G.T.tocsr() @ sp.diags((rows**-a).astype(np.float32))).tocsr()
    rg = gt @ rows
    pw, pc = (Vt.T / np.sqrt(s)).astype(np.float32), (U / np.sqrt(s)).astype(np.float32)
    zw = np.zeros((gt.shape[0], s.size), np.float32)
    zc = np.zeros_like(zw)
    for s0 in range(0, gt.shape[0], chunk):
        n = (gt[s0 : s0 + chunk] @ b.C).tocsr()
        zw[s0 : s0 + chunk] = ppmi_rows(n, rg[s0 : s0 + chunk], log_col, const) @ pw
        # as a context: the n-gram's margin smoothed (cds), the word rows' margins as rows
        own = np.repeat(np.arange(n.shape[0]) + s0, np.diff(n.indptr))
        d = np.log(n.data.astype(np.float64)) + const - 0.75 * np.log(rg[own]) - np.log(rows[n.indices])
        m = sp.csr_matrix((np.maximum(d, 0).astype(np.float32), n.indices, n.indptr), shape=n.shape)
        zc[s0 : s0 + chunk] = m @ pc
    return zw, zc


def stacked(c: sp.csr_matrix, g: sp.csr_matrix, dim: int, shift: float):
    """One SVD of PPMI [C; Gᵀ C] (n-gram rows shifted): word rows, n-gram rows, context rows."""
    rows, log_col, const = margins(c)
    gt = g.T.tocsr()
    rg = gt @ rows
    parts = [ppmi_rows(c, rows, log_col, const)]
    for s0 in range(0, gt.shape[0], 4000):
        parts.append(ppmi_rows(gt[s0 : s0 + 4000] @ c, rg[s0 : s0 + 4000], log_col, const, shift))
    r = truncated_svd(sp.vstack(parts).tocsr(), dim=dim, solver="shifted", n_iter=3, seed=0)
    x = r.U * np.sqrt(r.s)
    return x[: c.shape[0]], x[c.shape[0] :], r.Vt.T * np.sqrt(r.s)


def ridge_fit(g: sp.csr_matrix, x: np.ndarray, lam: float, steps: int = 20) -> np.ndarray:
    """Z = argmin ‖G Z − X‖² + λ‖Z‖² by Jacobi-preconditioned conjugate gradients."""
    gt = g.T.tocsr()
    inv = (1.0 / (np.diff(gt.indptr) + lam)).astype(np.float32)[:, None]
    z = np.zeros((g.shape[1], x.shape[1]), np.float32)
    r = gt @ x
    y = inv * r
    p = y.copy()
    rho = (r * y).sum(0)
    for _ in range(steps):
        q = gt @ (g @ p) + lam * p
        alpha = rho / np.maximum((p * q).sum(0), 1e-30)
        z += p * alpha
        r -= q * alpha
        y = inv * r
        nxt = (r * y).sum(0)
        p = y + p * (nxt / np.maximum(rho, 1e-30))
        rho = nxt
    return z


def shipped(b: Bench, x: np.ndarray, tols: list[float], weights: list[float]) -> None:
    """The shipped fit at each stopping residual and β, with the all-pairs ρ of each set."""
    from bench_words_eval import _PAIRS

    from embedkit import subwords
    from embedkit.evaluate import word_similarity

    base = Embedding(b.words, x, b.wcounts, {})
    default = subwords.RIDGE_TOL
    try:
        for tol in tols:
            subwords.RIDGE_TOL = tol
            for beta in weights:
                emb = base.with_subwords(weight=beta)
                b.score(f"shipped fit, residual {tol:g}, β {beta:g}", emb.vectors)
                every = {n: word_similarity(emb, pairs) for n, pairs in _PAIRS.items()}
                print("  in vocabulary / all pairs: " + ", ".join(
                    f"{n} {r.spearman:.3f} / {r.spearman_all:.3f}" for n, r in every.items()), flush=True)  # fmt: skip
    finally:
        subwords.RIDGE_TOL = default


def rare_counts(b: Bench, min_rare: int = 1):
    """The words below the cut (count ≥ ``min_rare``) and their co-occurrences with the
    vocabulary, counted as ``train-words --rare-min-count`` counts them (cached)."""
    f = b.cache / f"rare_{min_rare}.npz"
    if not f.exists():
        from embedkit.cooccur import RareContexts
        from embedkit.corpus import EncodedCorpus
        from embedkit.tokenize import Tokenizer
        from embedkit.vocab import Vocabulary

        opts = WordOptions()
        with EncodedCorpus(str(b.corpus), Tokenizer(opts.pattern, opts.lowercase)) as enc:
            enc.read()
            known = set(b.words)
            every = enc.word_counts(min_rare)
            rare = sorted((w for w in every if w not in known), key=lambda w: (-every[w], w))
            vocab = Vocabulary(b.words, np.asarray(b.wcounts))
            rc = RareContexts(len(rare), len(b.words), opts.window, opts.weighting)
            for block in enc.id_blocks(vocab, rare=rare):
                rc.feed(block)
            fol, pre = rc.result()
        sp.save_npz(b.cache / f"rare_{min_rare}_following.npz", fol.tocsr())
        sp.save_npz(b.cache / f"rare_{min_rare}_preceding.npz", pre.tocsr())
        np.savez(f, words=np.array(rare), counts=np.array([every[w] for w in rare]))
    d = np.load(f)
    fol = sp.load_npz(b.cache / f"rare_{min_rare}_following.npz")
    pre = sp.load_npz(b.cache / f"rare_{min_rare}_preceding.npz")
    return [str(w) for w in d["words"]], d["counts"], (fol + pre).tocsr()


def rare_folded(b: Bench, n: sp.csr_matrix) -> np.ndarray:
    """The rare words folded into the cached SVD as ``train-words`` folds them."""
    from embedkit.linalg import SVDResult, fold_in_vectors, top_components
    from embedkit.weighting import count_margins, fold_in_pmi

    U, s, Vt = b.svd
    rows, cols = count_margins(b.C)
    w, c = b.base()
    removed = top_components(unit(w) + unit(c), 2)
    word = fold_in_pmi(n, rows, cols, side="word")
    ctx = fold_in_pmi(n, rows, cols, side="context")
    return fold_in_vectors(word, ctx, SVDResult(U, s, Vt), 0.5, "w+c", removed)


def all_pairs(emb: Embedding, extra: dict[str, np.ndarray]) -> dict[str, tuple[float, float, int]]:
    """{set: (in-vocabulary ρ, all-pairs ρ, pairs built)}: an unseen word from ``extra`` (a
    folded-in rare word), else from its n-grams (with subwords), else the pair is left out."""
    from bench_words_eval import _PAIRS, similarity_scores
    from scipy.stats import spearmanr

    similarity_scores(emb)  # reads the pair files
    u, index = emb.unit, emb.index
    out = {}
    for name, pairs in _PAIRS.items():
        gold, pred, gold_v, pred_v = [], [], [], []
        built = 0
        for a, bw, score in pairs:
            vs = []
            for wd in (a.lower(), bw.lower()):
                if wd in index:
                    vs.append(u[index[wd]])
                elif wd in extra:
                    vs.append(extra[wd])
                elif emb.subwords is not None:
                    v, k = emb.subwords.vectors(u, [wd])
                    vs.append(v[0] / max(np.linalg.norm(v[0]), 1e-30) if k[0] else None)
                else:
                    vs.append(None)
            if a.lower() in index and bw.lower() in index:
                gold_v.append(score)
                pred_v.append(float(vs[0] @ vs[1]))
            if vs[0] is not None and vs[1] is not None:
                gold.append(score)
                pred.append(float(vs[0] @ vs[1]))
                built += not (a.lower() in index and bw.lower() in index)
        out[name] = (spearmanr(gold_v, pred_v)[0], spearmanr(gold, pred)[0], built)
    return out


def rare(b: Bench, x: np.ndarray) -> None:
    """Words below the cut folded in from their contexts, alone and mixed with n-grams."""
    words, counts, n = rare_counts(b)
    f = unit(rare_folded(b, n))
    base = Embedding(b.words, x, b.wcounts, {})
    sub = base.with_subwords()
    nv, found = sub.subwords.vectors(sub.unit, words)
    nv = unit(nv)

    def show(label, emb, vecs, keep):
        extra = {w: v for w, v, k in zip(words, unit(vecs), keep) if k}
        r = all_pairs(emb, extra)
        print(f"  {label}: " + ", ".join(f"{k} {a:.3f} / {c:.3f} ({m})" for k, (a, c, m) in r.items()), flush=True)

    cnt = counts.astype(np.float64)[:, None]
    for lo in (1, 2):
        keep = counts >= lo
        show(f"no subwords, fold-in count ≥ {lo}", base, f, keep)
        show(f"subwords, fold-in only, count ≥ {lo}", sub, f, keep)
        for beta in (0.5, 1.25, 2.5):
            show(f"subwords, fold-in + {beta} n̂, count ≥ {lo}", sub, f + beta * nv, keep)
        for k in (1.0, 3.0):
            show(
                f"subwords, c/(c+{k:g}) fold-in + {k:g}/(c+{k:g}) n̂, count ≥ {lo}",
                sub,
                cnt / (cnt + k) * f + k / (cnt + k) * nv,
                keep,
            )
    show("subwords, n-grams only (today)", sub, f, np.zeros(len(words), bool))
    show("no subwords, nothing (today)", base, f, np.zeros(len(words), bool))


def rare_fit(b: Bench, x: np.ndarray) -> None:
    """The ridge fit with the rare words' folded-in vectors as extra, down-weighted rows
    (exact n-grams of the vocabulary's set, as the ``ridge`` family; weight ω per rare row)."""
    words, counts, n = rare_counts(b)
    f = unit(rare_folded(b, n))
    col = {g: j for j, g in enumerate(b.names)}
    rows, cols = [], []
    for i, w in enumerate(words):
        for g in set(char_ngrams(w)):
            j = col.get(g)
            if j is not None:
                rows.append(i)
                cols.append(j)
    gr = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(words), b.G.shape[1]))
    xu = unit(x)
    c = counts.astype(np.float32)
    for lam, beta in ((10.0, 1.25), (10.0, 1.5), (30.0, 1.0)):
        gz = unit(b.G @ ridge_fit(b.G, xu, lam))
        b.score(f"ridge λ {lam:g}, β {beta} (vocabulary rows only)", xu + beta * gz)
        for label, om in (("ω 0.1", np.full(c.size, 0.1, np.float32)), ("ω 0.3", np.full(c.size, 0.3, np.float32)),
                          ("ω c/(c+5)", c / (c + 5))):  # fmt: skip
            sq = np.sqrt(om)[:, None]
            g2 = sp.vstack([b.G, sp.diags(sq[:, 0]) @ gr]).tocsr()
            z = ridge_fit(g2, np.vstack([xu, sq * f]), lam)
            b.score(f"ridge λ {lam:g}, β {beta}, rare rows {label}", xu + beta * unit(b.G @ z))


def rare_embedding(b: Bench, x: np.ndarray, min_rare: int = 1) -> Embedding:
    """The model of ``train-words --rare-min-count min_rare`` without subwords: the cached
    vectors and the rare words (count ≥ ``min_rare``) folded in, those with no surviving
    context left out, as ``pipeline.fold_in_rare_words`` does."""
    words, counts, n = rare_counts(b)
    f = rare_folded(b, n)
    keep = (counts >= min_rare) & (np.linalg.norm(f, axis=1) > 0)
    base = Embedding(b.words, x, b.wcounts, {})
    return base.with_rare_words([w for w, k in zip(words, keep) if k], counts[keep], f[keep])


def all_pairs_line(emb: Embedding) -> str:
    """In-vocabulary ρ / all-pairs ρ of every set, as ``evaluate similarity`` gives them."""
    from bench_words_eval import _PAIRS

    from embedkit.evaluate import word_similarity

    every = {n: word_similarity(emb, pairs) for n, pairs in _PAIRS.items()}
    return "  in vocabulary / all pairs: " + ", ".join(
        f"{n} {r.spearman:.3f} / {r.spearman_all:.3f}" for n, r in every.items()
    )


def buckets(b: Bench, x: np.ndarray, sizes: list[int], tols: list[float], min_rare: int = 1) -> None:
    """(a) The shipped fit with rare rows (``--subwords --rare-min-count``: ω 0.3, β 1.5) at
    each bucket count (2**32: the raw 32-bit hash, no modulo) and stopping residual (``--tols``); the
    model's subword tables and rare words in MB, and how many kept buckets hold more than
    one distinct n-gram of the fit's words (collisions)."""
    import time

    from embedkit import subwords

    rare = rare_embedding(b, x, min_rare)
    every = sorted({g for w in list(b.words) + list(rare.rare.words) for g in char_ngrams(w)})
    hashes = np.array([subwords.fasttext_hash(g) for g in every], dtype=np.int64)
    print(
        f"  {len(b.words):,} words + {len(rare.rare.words):,} rare words: {len(every):,} distinct n-grams", flush=True
    )
    default = subwords.RIDGE_TOL, subwords.RIDGE_TOL_WITH_EXTRA
    try:
        for tol in tols:
            subwords.RIDGE_TOL = subwords.RIDGE_TOL_WITH_EXTRA = tol
            for size in sizes:
                t = time.process_time()
                emb = rare.with_subwords(buckets=size)
                cpu = time.process_time() - t
                sub = emb.subwords
                bucket = hashes % size if size < 1 << 32 else hashes
                kept = np.isin(bucket, sub.keys)
                shared = int(np.sum(np.unique(bucket[kept], return_counts=True)[1] > 1))
                mb = (sub.nbytes + emb.rare.vectors.nbytes) / 1e6
                b.score(f"rare rows, {size:,} buckets, residual {tol:g}", emb.vectors)
                print(
                    f"  kept buckets {sub.keys.size:,} ({shared:,} hold ≥ 2 n-grams; {int(kept.sum()):,} n-grams "
                    f"fall in kept buckets); subwords + rare {mb:.1f} MB; fit CPU {cpu:.1f} s",
                    flush=True,
                )
                print(all_pairs_line(emb), flush=True)
    finally:
        subwords.RIDGE_TOL, subwords.RIDGE_TOL_WITH_EXTRA = default


def mixing(
    b: Bench, x: np.ndarray, size: int, min_rare: int = 1, tol: float = 0.1, betas: list[float] | None = None
) -> None:
    """(b) The semantic half: the same fit (rare rows, ``size`` buckets), each vocabulary word
    mixed with its n-gram direction by a weight that falls with its count,
    β_w = β k / (c + k) (c/(c + k) of the rare words' mixing, for the vocabulary too), or
    with only the part of n̂ in the span of the suffix n-grams' top r directions."""
    from embedkit import subwords
    from embedkit.vectors import Embedding as E

    r0 = rare_embedding(b, x, min_rare)
    default = subwords.RIDGE_TOL, subwords.RIDGE_TOL_WITH_EXTRA
    subwords.RIDGE_TOL = subwords.RIDGE_TOL_WITH_EXTRA = tol
    try:
        emb = r0.with_subwords(buckets=size)
    finally:
        subwords.RIDGE_TOL, subwords.RIDGE_TOL_WITH_EXTRA = default
    sub = emb.subwords
    xu = unit(x)
    # n̂ as the fit mixed it: v̂ = unit(x̂ + β n̂) with ‖n̂‖ = 1 gives ‖x̂ + β n̂‖ = m, the
    # positive root of m² − 2 m v̂·x̂ + 1 − β² = 0 (β > 1), and n̂ = (m v̂ − x̂) / β
    beta0 = float(sub.weight)
    v = unit(emb.vectors)
    vx = np.sum(v * xu, axis=1, keepdims=True)
    m = vx + np.sqrt(vx**2 + beta0**2 - 1)
    nhat = ((m * v - xu) / beta0).astype(np.float32)
    c = np.asarray(b.wcounts, dtype=np.float64)[:, None]
    print(f"  counts: median {np.median(c):.0f}, 90 % {np.percentile(c, 90):.0f}", flush=True)

    def show(label, v):
        v = v * (np.linalg.norm(x, axis=1) / np.maximum(np.linalg.norm(v, axis=1), 1e-30))[:, None]
        b.score(label, v)
        out = E(b.words, v.astype(np.float32), b.wcounts, {}, sub)
        out = out.with_rare_words(r0.rare.words, r0.rare.counts, r0.rare.vectors.astype(np.float32))
        print(all_pairs_line(out), flush=True)

    show(f"β {beta0:g} (as shipped)", xu + beta0 * nhat)
    if betas:  # ``rarebeta``: the same fit, a constant β each
        for beta in betas:
            show(f"β {beta:g}", xu + beta * nhat)
        return
    for k, betas in ((300.0, (2.0, 3.0)), (30.0, (3.0, 5.0))):
        for beta in betas:
            show(f"β_w = {beta} · {k:g}/(c + {k:g})", xu + beta * (k / (c + k)) * nhat)
    # the suffix n-grams' directions
    suffix = sorted({g for w in b.words for g in char_ngrams(w) if g.endswith(">")})
    from embedkit.subwords import fasttext_hash

    hs = np.array([fasttext_hash(g) for g in suffix], dtype=np.int64)
    hs = hs % size if size < 1 << 32 else hs
    cols = np.flatnonzero(np.isin(sub.keys, hs))
    z = sub.ngram_vectors(xu, cols)
    df = np.diff(sub.indptr)[cols].astype(np.float64)
    _, _, vt = np.linalg.svd(z * np.sqrt(df)[:, None], full_matrices=False)
    for r in (30, 100):
        p = vt[:r].T.astype(np.float32)
        ns = (nhat @ p) @ p.T
        for beta in (1.5, 2.5):
            show(f"n̂ in the suffix n-grams' top {r} directions, β {beta}", xu + beta * ns)


def unseen(b: Bench, x: np.ndarray, size: int, min_rare: int = 1) -> None:
    """(c) Per similarity set: each word outside the vocabulary, what builds it (folded in
    from its c contexts, or its n-grams alone), and how far off its pairs are — the
    all-pairs ρ without that word's pairs minus with them (> 0: the word costs ρ), and the
    mean rank error |rank(gold) − rank(cosine)| / pairs of its pairs against the set's
    in-vocabulary pairs'."""
    from bench_words_eval import _PAIRS
    from scipy.stats import rankdata, spearmanr

    from embedkit.errors import UnknownWordError

    emb = rare_embedding(b, x, min_rare).with_subwords(buckets=size)
    b.score("the fit", emb.vectors)  # (reads the pair files too)
    print(all_pairs_line(emb), flush=True)
    rare_index = {w: i for i, w in enumerate(emb.rare.words)}
    for name, pairs in _PAIRS.items():
        words = sorted({w.lower() for p in pairs for w in p[:2]} - set(emb.index))
        scored = [(a.lower(), c.lower(), g) for a, c, g in pairs]
        vecs = {}
        for w in {w for p in scored for w in p[:2]}:
            try:
                v = np.asarray(emb.vector(w), dtype=np.float32)
            except UnknownWordError:
                v = None
            vecs[w] = None if v is None or not np.any(v) else v / np.linalg.norm(v)
        ok = [p for p in scored if vecs[p[0]] is not None and vecs[p[1]] is not None]
        gold = np.array([p[2] for p in ok])
        cos = np.array([float(vecs[p[0]] @ vecs[p[1]]) for p in ok])
        rho = spearmanr(gold, cos)[0]
        err = np.abs(rankdata(gold) - rankdata(cos)) / len(ok)
        inv = np.array([p[0] in emb.index and p[1] in emb.index for p in ok])
        print(
            f"  {name}: all pairs {len(ok)}/{len(pairs)} ρ {rho:.3f}, in-vocabulary pairs' mean rank error "
            f"{err[inv].mean():.3f}",
            flush=True,
        )
        for w in words:
            mine = np.array([w in p[:2] for p in ok])
            if not mine.any():
                print(f"    {w}: not built", flush=True)
                continue
            src = f"fold-in, c = {emb.rare.counts[rare_index[w]]}" if w in rare_index else "n-grams"
            d = spearmanr(gold[~mine], cos[~mine])[0] - rho
            print(
                f"    {w} ({src}): {int(mine.sum())} pairs, ρ without them {d:+.3f}, rank error {err[mine].mean():.3f}",
                flush=True,
            )


def run(
    b: Bench,
    only: set[str],
    tols: list[float] = (0.1,),
    weights: list[float] = (1.25,),
    sizes: list[int] = (2_000_000,),
    min_rare: int = 1,
) -> None:
    w, c = b.base()
    x = finish(w, c)
    n_grams = np.diff(b.G.indptr).astype(np.float32)[:, None]
    if "none" in only:
        b.score("no subwords", x)
        e = Embedding(b.words, x, b.wcounts, {}).with_subwords(weight=0.5, coherence=1.0, ridge=0)
        b.score("mean n-gram vectors (hashed), β 0.5, p 1", e.vectors)
    if "fold" in only:
        for a in (0.0, 1.0):
            zw, zc = fold(b, a)
            sw, sc = b.G @ zw, b.G @ zc
            for beta in (0.5, 1.0) if a else (0.5, 1.0, 2.0):
                w2, c2 = w + beta * sw / np.maximum(n_grams, 1), c + beta * sc / np.maximum(n_grams, 1)
                b.score(f"fold-in PPMI(GᵀC){', rows per word' if a else ''}, own + {beta} · mean", finish(w2, c2))
            if a:
                b.score("fold-in PPMI(GᵀC), rows per word, own + 0.5 · sum", finish(w + 0.5 * sw, c + 0.5 * sc))
    if "stack" in only:
        xw, xg, xc = stacked(b.C, b.G, 300, np.log(5))
        sg = b.G @ xg
        b.score("stacked SVD [C; GᵀC], own row only", finish(xw, xc))
        for beta in (0.5, 1.0):
            b.score(f"stacked SVD [C; GᵀC], own + {beta} · mean", finish(xw + beta * sg / np.maximum(n_grams, 1), xc))
        b.score("stacked SVD [C; GᵀC], own + 0.25 · sum", finish(xw + 0.25 * sg, xc))
    if "syntax" in only:
        _, _, c2 = b.counts(2, "uniform")
        suffix = np.flatnonzero([n.endswith(">") for n in b.names])
        gs = b.G[:, suffix].tocsr()
        xw, xg, _ = stacked(c2, gs, 100, 0.0)
        syn = unit(remove_top_components((xw + gs @ xg).astype(np.float32), 1))
        for gamma in (0.5, 1.0):
            b.score(f"[semantic, {gamma} · syntax (w2 stack, own + Σ suffixes)]", np.hstack([unit(x), gamma * syn]))
    if "shipped" in only:
        shipped(b, x, tols, weights)
    if "rare" in only:
        rare(b, x)
    if "rarefit" in only:
        rare_fit(b, x)
    if "buckets" in only:
        buckets(b, x, sizes, tols, min_rare)
    if "unseen" in only:
        unseen(b, x, sizes[0], min_rare)
    if "mix" in only:
        mixing(b, x, sizes[0], min_rare, tols[0])
    if "rarebeta" in only:
        mixing(b, x, sizes[0], min_rare, tols[0], weights)
    if "ridge" in only:
        xu = unit(x)
        for lam, betas in ((10.0, (0.85, 1.0, 1.25, 1.5)), (30.0, (0.5, 0.75, 0.85, 1.0, 1.25)),
                           (100.0, (0.75, 1.25))):  # fmt: skip
            gz = unit(b.G @ ridge_fit(b.G, xu, lam))
            for beta in betas:
                b.score(f"ridge λ {lam:g}, x̂ + {beta} · unit(G Z)", xu + beta * gz)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "dictwiki.txt.gz"))
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "embedkit-subword-fits"))
    ap.add_argument("--only", default="none,fold,stack,syntax,ridge", help="families to run, comma-separated")
    ap.add_argument("--tols", default="0.1", help="shipped: stopping residuals, comma-separated")
    ap.add_argument("--weights", default="1.25", help="shipped: β values, comma-separated")
    ap.add_argument("--buckets", default="2000000", help="buckets, mix, unseen: bucket counts, comma-separated")
    ap.add_argument(
        "--rare-min-count", type=int, default=1, help="buckets, mix, unseen: the rare words' fewest occurrences"
    )
    args = ap.parse_args()
    if not Path(args.corpus).exists():
        sys.exit(f"benchmark data not found: {args.corpus}")
    print(HEADER + "\n|" + "---|" * 12)
    floats = [[float(v) for v in a.split(",")] for a in (args.tols, args.weights)]
    sizes = [int(v) for v in args.buckets.split(",")]
    run(Bench(Path(args.cache), Path(args.corpus)), set(args.only.split(",")), *floats, sizes, args.rare_min_count)


if __name__ == "__main__":
    main()
