"""Evaluation against the standard benchmarks: word similarity and analogies.

Protocols (as in the benchmark literature and ``../shared/data/README.md``):

* similarity — Spearman ρ between human scores and cosine similarity, over the pairs whose
  two words (case folded) are in the vocabulary; the pairs found are reported beside ρ.
* analogy a:b :: c:? — over questions whose four words are all among the ``restrict``
  most frequent words, the answer is the word other than a, b, c maximising
  cos(x,b) − cos(x,a) + cos(x,c) (3CosAdd) or cos'(x,b)·cos'(x,c)/(cos'(x,a)+ε) with
  cos' = (cos+1)/2 and ε = 0.001 (3CosMul, Levy & Goldberg 2014), on unit vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from .errors import DataError, ParameterError
from .files import display_name
from .text import read_blocks
from .vectors import Embedding, analogy_scores


@dataclass
class SimilarityResult:
    spearman: float
    found: int
    total: int


@dataclass
class AnalogyResult:
    add: float
    mul: float
    found: int
    total: int


def read_similarity_pairs(path: str) -> list[tuple[str, str, float]]:
    """Read ``word1 word2 score`` lines (tab or space separated); ``#`` lines are comments."""
    name = display_name(path)
    pairs = []
    lineno = 0
    for block in read_blocks(path):
        for line in block.splitlines():
            lineno += 1
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            parts = s.split("\t") if "\t" in s else s.split()
            if len(parts) < 3:
                raise DataError(f"{name}, line {lineno}: expected 'word1 word2 score', got {s[:60]!r}")
            try:
                score = float(parts[2])
            except ValueError:
                if lineno == 1 or not pairs:
                    continue  # a header row
                raise DataError(f"{name}, line {lineno}: score {parts[2]!r} is not a number") from None
            pairs.append((parts[0].strip(), parts[1].strip(), score))
    if not pairs:
        raise DataError(f"{name}: no word pairs found")
    return pairs


def read_analogies(path: str) -> list[tuple[str, str, str, str]]:
    """Read ``a b c d`` lines (tab or space separated); ``:`` section headers are skipped."""
    name = display_name(path)
    out = []
    lineno = 0
    for block in read_blocks(path):
        for line in block.splitlines():
            lineno += 1
            s = line.strip()
            if not s or s.startswith(":") or s.startswith("#"):
                continue
            parts = s.split()
            if len(parts) != 4:
                raise DataError(f"{name}, line {lineno}: expected four words 'a b c d', got {s[:60]!r}")
            out.append(tuple(parts))  # type: ignore[arg-type]
    if not out:
        raise DataError(f"{name}: no analogy questions found")
    return out


def word_similarity(emb: Embedding, pairs: list[tuple[str, str, float]]) -> SimilarityResult:
    """Spearman ρ of cosine against human scores on the pairs found (case folded)."""
    index = emb.index
    u = emb.unit
    gold, pred = [], []
    for a, b, score in pairs:
        i, j = index.get(a.lower(), index.get(a)), index.get(b.lower(), index.get(b))
        if i is None or j is None:
            continue
        gold.append(score)
        pred.append(float(u[i] @ u[j]))
    rho = float(spearmanr(gold, pred).statistic) if len(gold) >= 2 else float("nan")
    return SimilarityResult(rho, len(gold), len(pairs))


def analogy(
    emb: Embedding,
    questions: list[tuple[str, str, str, str]],
    restrict: int = 200_000,
    batch: int = 512,
) -> AnalogyResult:
    """3CosAdd and 3CosMul accuracy over the questions whose words are all known."""
    n = min(restrict, len(emb))
    index = {w: i for w, i in emb.index.items() if i < n}
    u = np.ascontiguousarray(emb.unit[:n])
    rows = []
    for q in questions:
        ids = [index.get(w.lower(), index.get(w)) for w in q]
        if None not in ids:
            rows.append(ids)
    if not rows:
        return AnalogyResult(float("nan"), float("nan"), 0, len(questions))
    q = np.array(rows, dtype=np.int64)
    add_ok = mul_ok = 0
    for s in range(0, len(q), batch):
        qb = q[s : s + batch]
        add, mul = analogy_scores(u, qb[:, :3], ("3cosadd", "3cosmul"))
        add_ok += int((add.argmax(axis=1) == qb[:, 3]).sum())
        mul_ok += int((mul.argmax(axis=1) == qb[:, 3]).sum())
    return AnalogyResult(add_ok / len(q), mul_ok / len(q), len(q), len(questions))


# -- text classification with sentence / document features ------------------------------------
# Protocol (../shared/data/README.md): features standardised on the training part, logistic
# regression (L2, C = 1), accuracy on the test part.


@dataclass
class ClassifyResult:
    accuracy: float
    macro_f1: float
    train: int
    test: int
    classes: int
    folds: int  # 0 for a single train / test split


def read_labels(path: str) -> list[str]:
    """One label a line (surrounding white space dropped); an empty line is an error."""
    name = display_name(path)
    labels: list[str] = []
    for block in read_blocks(path):
        for line in block.split("\n")[:-1]:
            label = line.strip()
            if not label:
                raise DataError(f"{name}, line {len(labels) + 1}: empty label")
            labels.append(label)
    if not labels:
        raise DataError(f"{name}: no labels found")
    return labels


def _fit_predict(x_train, y_train, x_test, c: float, seed: int) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x_train)
    clf = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    clf.fit(scaler.transform(x_train), y_train)
    return clf.predict(scaler.transform(x_test))


def classify(
    x: np.ndarray,
    labels: list[str] | np.ndarray,
    train: int | None = None,
    test: int | None = None,
    folds: int = 5,
    c: float = 1.0,
    seed: int = 0,
) -> ClassifyResult:
    """Accuracy and macro-F1 of L2 logistic regression on standardised features.

    x : (n, d) features, labels : (n,).  With ``train`` the first ``train`` rows train and
    the last ``test`` rows (default: all the others) test; otherwise stratified ``folds``-fold
    cross-validation (shuffled with ``seed``), averaged over the folds.
    """
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(labels)
    n = len(x)
    if len(y) != n:
        raise DataError(f"{len(y)} labels for {n} rows of features; they must match line for line")
    if not c > 0:
        raise ParameterError(f"-C must be positive, got {c}")
    classes = len(np.unique(y))
    if classes < 2:
        raise DataError("classification needs at least two distinct labels")
    if test is not None and train is None:
        raise ParameterError("--test needs --train (the rows to train on)")
    if train is not None:
        test = n - train if test is None else test
        if train < 1 or test < 1 or train + test > n:
            raise ParameterError(
                f"--train {train} and --test {test} do not fit {n} rows (both at least 1, together at most {n})"
            )
        tr, te = np.arange(train), np.arange(n - test, n)
        if len(np.unique(y[tr])) < 2:
            raise DataError(f"the first {train} rows have a single label; nothing to learn")
        pred = _fit_predict(x[tr], y[tr], x[te], c, seed)
        return ClassifyResult(
            float((pred == y[te]).mean()), float(f1_score(y[te], pred, average="macro")), train, test, classes, 0
        )
    if folds < 2:
        raise ParameterError(f"--folds must be at least 2, got {folds}")
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if smallest < folds:
        raise DataError(f"a label has only {smallest} rows, fewer than --folds {folds}")
    acc, f1 = [], []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        pred = _fit_predict(x[tr], y[tr], x[te], c, seed)
        acc.append(float((pred == y[te]).mean()))
        f1.append(float(f1_score(y[te], pred, average="macro")))
    return ClassifyResult(float(np.mean(acc)), float(np.mean(f1)), n - n // folds, n // folds, classes, folds)
