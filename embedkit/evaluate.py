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

from .errors import DataError
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
