"""SIF and uSIF written from the papers with numpy alone: a check on embedkit's features code.

    python benchmarks/ref_sif.py VECTORS.w2v.txt VOCAB.tsv PAIRS.tsv [PAIRS.tsv ...]

VECTORS: word2vec text (``embedkit export model.ekm -f word2vec -o v.txt``); VOCAB:
``word<TAB>count`` lines (``embedkit vocab corpus.txt``); PAIRS: ``score<TAB>s1<TAB>s2``.
Prints Pearson r × 100 per file for SIF and uSIF, each fitted on the file's sentences.
``benchmarks/bench_sentences.py`` imports :func:`sif` and :func:`usif` and puts their rows
beside embedkit's in the same table. Nothing here imports embedkit.

* SIF (Arora, Liang & Ma 2017): v_s = (1/|s|) Σ_w a/(a + p(w)) v_w, a = 1e-3, then the
  projection on the first singular vector of the matrix of all v_s (uncentred) removed.
* uSIF (Ethayarajh 2018): unit-length word vectors; a = (1 − α)/(α Z), Z = V/2, α the
  share of the V words with p(w) > 1 − (1 − 1/V)^n, n = 11; weights a/(a/2 + p(w)); then
  the first m = 5 singular vectors u_i removed, each scaled by λ_i = σ_i² / Σ_j σ_j².
"""

import re
import sys

import numpy as np

TOKEN = re.compile(r"[^\W\d_]+")  # runs of letters, as embedkit's default tokenizer


def tokens(line, index):
    """Vocabulary ids of a line's lower-cased letter runs (unknown words dropped)."""
    return [index[t] for t in TOKEN.findall(line.lower()) if t in index]


def _average(ids_per_line, vectors, weights):
    x = np.zeros((len(ids_per_line), vectors.shape[1]))
    for i, ids in enumerate(ids_per_line):
        if ids:
            x[i] = (vectors[ids] * weights[ids, None]).mean(axis=0)
    return x


def _remove(x, fit, m, scaled):
    rows = x[fit][np.abs(x[fit]).sum(axis=1) > 0]
    _, s, vt = np.linalg.svd(rows, full_matrices=False)
    lam = s[:m] ** 2 / (s[:m] ** 2).sum() if scaled else np.ones(m)
    return x - ((x @ vt[:m].T) * lam) @ vt[:m]


def sif(ids_per_line, vectors, counts, fit, a=1e-3):
    """SIF features (n_lines, d); the common component is fitted on the rows ``fit``."""
    p = counts / counts.sum()
    return _remove(_average(ids_per_line, vectors, a / (a + p)), fit, 1, scaled=False)


def usif(ids_per_line, vectors, counts, fit, n=11, m=5):
    """uSIF features (n_lines, d); the m common components are fitted on the rows ``fit``."""
    p = counts / counts.sum()
    v = len(p)
    alpha = np.count_nonzero(p > 1 - (1 - 1 / v) ** n) / v
    a = (1 - alpha) / (alpha * 0.5 * v)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-30)
    return _remove(_average(ids_per_line, unit, a / (0.5 * a + p)), fit, m, scaled=True)


def sts_pearson(features, pairs, index):
    """Pearson r × 100 of the cosines of (score, s1, s2) pairs, fitted on all 2n sentences."""
    gold = np.array([g for g, _, _ in pairs])
    ids = [tokens(s, index) for _, s, _ in pairs] + [tokens(s, index) for _, _, s in pairs]
    x = features(ids, np.arange(len(ids)))
    a, b = x[: len(pairs)], x[len(pairs) :]
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    cos = np.where(norms > 0, (a * b).sum(axis=1) / np.where(norms > 0, norms, 1), 0.0)
    return 100 * np.corrcoef(cos, gold)[0, 1]


def main(argv):
    vec_path, vocab_path, *pair_paths = argv
    with open(vec_path, encoding="utf-8") as f:
        n, d = map(int, f.readline().split())
        rows = [line.rstrip("\n").split(" ") for line in f]
    words = [r[0] for r in rows]
    vectors = np.array([r[1 : d + 1] for r in rows], dtype=np.float64)
    index = {w: i for i, w in enumerate(words)}
    counts = np.zeros(len(words))
    with open(vocab_path, encoding="utf-8") as f:
        for line in f:
            w, c = line.rstrip("\n").split("\t")
            if w in index:
                counts[index[w]] = float(c)
    for path in pair_paths:
        with open(path, encoding="utf-8-sig") as f:
            pairs = [(float(p[0]), p[1], p[2]) for p in (line.rstrip("\r\n").split("\t") for line in f) if len(p) == 3]
        r_sif = sts_pearson(lambda x, fit: sif(x, vectors, counts, fit), pairs, index)
        r_usif = sts_pearson(lambda x, fit: usif(x, vectors, counts, fit), pairs, index)
        print(f"{path}\tSIF {r_sif:.2f}\tuSIF {r_usif:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
