"""Evaluation against the standard benchmarks: word similarity and analogies for word
vectors, sentence similarity (STS) for sentence features, classification for feature
tables, node classification and link prediction for graph embeddings (the ``embedkit
evaluate`` commands).

Protocols (as in the benchmark literature and ``../shared/data/README.md``):

* similarity — Spearman ρ between human scores and cosine similarity, over the pairs whose
  two words (case folded) are in the vocabulary; the pairs found are reported beside ρ.
* analogy a:b :: c:? — over questions whose four words are all among the ``restrict``
  most frequent words, the answer is the word other than a, b, c maximising
  cos(x,b) − cos(x,a) + cos(x,c) (3CosAdd) or cos'(x,b)·cos'(x,c)/(cos'(x,a)+ε) with
  cos' = (cos+1)/2 and ε = 0.001 (3CosMul, Levy & Goldberg 2014), on unit vectors.
* classify — accuracy and macro-F1 of L2 logistic regression on standardised features
  (sentence features, SentEval-style): a fixed train/test split of the rows, or
  stratified k-fold cross-validation.
* nodes — micro/macro-F1 of one-vs-rest logistic regression on L2-normalised node
  vectors, each node predicted its true number of labels (Perozzi et al. 2014, DeepWalk;
  Qiu et al. 2018, NetMF), averaged over seeded splits at each training fraction.
* links — ROC-AUC of cosine similarity between held-out edges and as many sampled
  non-edges, the graph re-embedded without the held-out edges (Grover & Leskovec 2016).
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .errors import (
    DataError,
    ParameterError,
    UnknownWordError,
    check_at_least,
    check_count,
    check_positive,
    counted,
    param,
)
from .graph import Graph
from .io import ascii_fields, decimal_point, display_name, is_number, numbered_lines
from .linalg import unit_rows
from .options import C_GRID, INNER_FOLDS
from .vectors import Embedding, analogy_scores, find_word


@dataclass
class SimilarityResult:
    """spearman: over the ``found`` pairs whose words are in the vocabulary; spearman_all:
    over those and the ``built`` pairs with a word built from its character n-grams (a
    model with subwords).  Without subwords built = 0, and spearman_all is spearman when
    every pair was found, else NaN: the pairs with an unseen word were not scored."""

    spearman: float
    found: int
    total: int
    spearman_all: float = float("nan")
    built: int = 0


@dataclass
class AnalogyResult:
    add: float
    mul: float
    found: int
    total: int


def _content_lines(path: str) -> Iterator[tuple[int, str]]:
    """(line number, stripped line) for each line that is not blank or a ``#`` comment."""
    for lineno, line in numbered_lines(path):
        s = line.strip()
        if s and not s.startswith("#"):
            yield lineno, s


def _fields(line: str, sep: str | None) -> list[str]:
    """The fields of a line split at ``sep`` (``","``, ``";"`` or ``"\\t"``: CSV, quotes
    honoured; None: ASCII white space, so a word may hold a U+00A0), each stripped, so
    ``a, b`` and ``a,b`` read the same."""
    if sep is None:
        return ascii_fields(line)
    if '"' in line:
        import csv

        return [f.strip() for f in next(csv.reader([line], delimiter=sep, skipinitialspace=True), [])]
    return [f.strip() for f in line.split(sep)]


def _separator(line: str, fits: Callable[[list[str]], bool]) -> str | None:
    """The field separator of a line: TAB, else a comma, else white space (None); but a
    semicolon when the row does not ``fits`` that way and does split at semicolons
    (``love;sex;6,77``, ``1;red``: the CSV of locales with a decimal comma), and white
    space when a comma row does not fit and white space does (``love sex 6,77``)."""
    sep = "\t" if "\t" in line else "," if "," in line else None
    if ";" in line and not fits(_fields(line, sep)) and fits(_fields(line, ";")):
        return ";"
    if sep == "," and not fits(_fields(line, sep)) and fits(_fields(line, None)):
        return None
    return sep


#: A column's name in a benchmark file's header row: a role, perhaps numbered (one digit) or
#: lettered (``word1``, ``Word 2``, ``term_a``, ``w3``, ``target``, ``node``, ``label``); see
#: :func:`_is_header`.
_COLUMN_NAME = re.compile(
    r"(?:word|term|token|sentence|question|query|answer|target|expected|gold|node|node[ _-]?id|id|label|labels|class)"
    r"(?:[ _-]?(?:[1-9]|[a-d]))?|w[ _-]?[1-9]",  # one digit: a column's number, not an id (w00000001)
    re.IGNORECASE,
)


def _is_header(words: list[str], numbers: list[str] = ()) -> bool:
    """Whether the first content line of a benchmark file is a header row (the names of its
    columns) rather than data.  One rule for every reader (word pairs, analogies, STS
    pairs, node labels): a cell of a number column that is not a number (``Human
    (mean)``), or word cells that are all column names (:data:`_COLUMN_NAME`: ``Word 1``,
    ``word2``, ``target``, ``node``, ``label``) or the letters ``a b c`` / ``a b c d`` in
    order (the analogy a : b :: c : d).  Only the first content line may be a header;
    ``words`` are its word cells, ``numbers`` its number cells."""
    if any(not is_number(decimal_point(n)) for n in numbers):
        return True
    if len(words) >= 3 and [w.lower() for w in words] == list("abcd"[: len(words)]):
        return True
    return bool(words) and all(_COLUMN_NAME.fullmatch(w) for w in words)


def _score_column(fields: list[str]) -> int | None:
    """The column of a pair row's gold score: the first field after the two words that is a
    number (``love sex 6.77``: 2; SimLex-999's ``old new A 1.58 2.72 ...`` and SimVerb-3500's
    ``take remove V 0.33 ANTONYMS``, which put a part of speech before it: 3), or None."""
    return next((i for i in range(2, len(fields)) if is_number(decimal_point(fields[i]))), None)


def _is_pair(fields: list[str]) -> bool:
    return len(fields) >= 3 and bool(fields[0] and fields[1]) and _score_column(fields) is not None


def _is_labelled(fields: list[str]) -> bool:
    return len(fields) >= 2 and bool(fields[0] and any(fields[1:]))


def _score(field: str, name: str, lineno: int) -> float:
    """The gold score written in ``field`` (line ``lineno`` of ``name``; a header row is
    recognised before, by :func:`_is_header`).  A decimal comma reads as a
    point (``6,77`` is 6.77), whatever separates the fields: a comma that is inside a field
    is not a separator (``love;sex;6,77``, ``love<TAB>sex<TAB>6,77``, and ``"6,77"`` quoted
    in a comma-separated file, as a spreadsheet of a decimal-comma locale exports it).
    Raises :class:`DataError` for a score that is not a finite number."""
    field = decimal_point(field)
    try:
        score = float(field)
    except ValueError:
        raise DataError(f"{name}, line {lineno}: score {field[:30]!r} is not a number") from None
    if not np.isfinite(score):
        raise DataError(f"{name}, line {lineno}: score {field[:30]!r} is not a finite number")
    return score


def read_similarity_pairs(path: str) -> list[tuple[str, str, float]]:
    """Read word pairs with a human score: ``word1 word2 score`` per line, separated by
    TABs, commas (CSV, with or without a space after the comma) or white space, as the
    benchmark files are distributed; a score may have a decimal comma (``love;sex;6,77``,
    ``love<TAB>sex<TAB>6,77``, ``love,sex,"6,77"``).  A first
    line is a header when it has no number after its two words (``Word 1,Word 2,Human (mean)``)
    or its two words are column names (:func:`_is_header`); the
    separator is that of the first pair, and so is the score's column: the first field after
    the two words that is a number there (the third, or the fourth of SimLex-999's and
    SimVerb-3500's files as distributed, whose third is a part of speech).  ``#``
    lines are comments; the other columns are ignored.  Raises :class:`DataError`
    naming the line for a row without three fields or with a score that is not a number,
    and when no pair is found at all."""
    name = display_name(path)
    pairs = []
    sep: str | None = None
    first = True
    col = 2  # the score's column, as the first pair has it
    for lineno, s in _content_lines(path):
        if not pairs:  # a header row may be written with other separators
            sep = _separator(s, _is_pair)
            if first and len(_fields(s, sep)) < 3:  # not a pair: a header of three names?
                sep = _separator(s, lambda fields: len(fields) >= 3)
        parts = _fields(s, sep)
        if len(parts) < 3 or not parts[0] or not parts[1]:
            raise DataError(f"{name}, line {lineno}: expected 'word1 word2 score', got {s[:60]!r}")
        if first and (_score_column(parts) is None or _is_header(parts[:2])):
            first = False
            continue
        if not pairs and _is_pair(parts):
            col = _score_column(parts)
        if len(parts) <= col:
            raise DataError(
                f"{name}, line {lineno}: expected 'word1 word2 ... with the score in column {col + 1}', got {s[:60]!r}"
            )
        first = False
        pairs.append((parts[0], parts[1], _score(parts[col], name, lineno)))
    if not pairs:
        raise DataError(f"{name}: no word pairs found")
    return pairs


def read_analogies(path: str, words: int = 4) -> list[tuple[str, ...]]:
    """Read analogy questions, ``words`` words a line: ``a b c d`` (a : b :: c : d, the
    default), or ``a b c`` with ``words=3`` (queries, as ``analogy -`` takes them); white
    space, TABs or commas between the words (as the first question has them, or as a
    line that does not split so has them).  ``:`` section headers and ``#`` comments are
    skipped, and so is a header row first (:func:`_is_header`, the rule of every
    benchmark reader: ``a,b,c,d``, ``word1 word2 word3 word4``, ``word1,word2,word3,target``).
    Raises :class:`DataError` naming the line that does not have ``words`` words, or when
    there is no question at all."""
    name = display_name(path)
    shape = " ".join("abcd"[:words])
    count = {3: "three", 4: "four"}[words]
    out = []
    sep: str | None = None

    def fits(fields: list[str]) -> bool:
        return len(fields) == words and all(fields)

    first = True
    for lineno, s in _content_lines(path):
        if s.startswith(":"):  # a section header
            continue
        if not out:
            sep = _separator(s, fits)
        parts = _fields(s, sep)
        if not fits(parts):  # a line written another way (questions typed into ``analogy -``)
            parts = _fields(s, _separator(s, fits))
        if not fits(parts):
            raise DataError(f"{name}, line {lineno}: expected {count} words '{shape}', got {s[:60]!r}")
        if first and _is_header(parts):  # a header row: ``a,b,c,d``, ``word1 word2 word3 word4``
            first = False
            continue
        first = False
        out.append(tuple(parts))
    if not out:
        raise DataError(f"{name}: no analogy questions found ('{shape}', one a line)")
    return out


def word_similarity(emb: Embedding, pairs: list[tuple[str, str, float]]) -> SimilarityResult:
    """Spearman ρ of cosine against human scores on the pairs found (as written, else
    lower-cased: :func:`_find`), and with subwords also over every pair that can be built
    (see :class:`SimilarityResult`).

    ``pairs``: (word1, word2, score) as :func:`read_similarity_pairs` reads them.  The
    protocol (the benchmark data's README): ρ over the pairs whose two words are both
    known, reported beside the pairs found.  ρ is NaN with fewer than two pairs found, never
    an error; an empty list gives found = total = 0."""
    index = emb.index
    u = emb.unit
    gold, pred, gold_all, pred_all = [], [], [], []
    for a, b, score in pairs:
        i, j = find_word(index, a), find_word(index, b)
        if i is None or j is None:
            if emb.builds_unseen:
                va = u[i] if i is not None else _built(emb, a)
                vb = u[j] if j is not None else _built(emb, b)
                if va is not None and vb is not None:
                    gold_all.append(score)
                    pred_all.append(float(va @ vb))
            continue
        gold.append(score)
        pred.append(float(u[i] @ u[j]))
    rho = _spearman(gold, pred)
    if gold_all:
        rho_all = _spearman(gold + gold_all, pred + pred_all)
    else:  # nothing was built: "every pair" is the found pairs only if nothing is missing
        rho_all = rho if len(gold) == len(pairs) or emb.builds_unseen else float("nan")
    return SimilarityResult(rho, len(gold), len(pairs), rho_all, len(gold_all))


def _spearman(gold: list[float], pred: list[float]) -> float:
    from scipy.stats import spearmanr  # about a second to import: only when used

    return float(spearmanr(gold, pred).statistic) if len(gold) >= 2 else float("nan")


def _built(emb: Embedding, word: str) -> np.ndarray | None:
    """The unit n-gram vector of an unknown word (lower-cased), or None if it has none."""
    try:
        return emb.query_vectors([word.lower()])[0][0]
    except UnknownWordError:
        return None


def analogy(
    emb: Embedding,
    questions: list[tuple[str, str, str, str]],
    restrict: int = 200_000,
    batch: int = 512,
) -> AnalogyResult:
    """3CosAdd and 3CosMul accuracy (Levy & Goldberg, CoNLL 2014) over the questions whose
    four words are all among the first ``restrict`` rows (the most frequent, in a trained
    model; each word as written, else lower-cased: :func:`_find`); the answer is searched
    among those rows too, the question's own three words excluded (the benchmark data's
    protocol: the 200,000 most frequent).  ``questions``: (a, b, c, d) as
    :func:`read_analogies` reads them, a : b :: c : d.  Accuracies are fractions in [0, 1],
    NaN when no question is found (``found`` = 0); ``batch`` questions are scored at a time
    ((batch × restrict) float32 scores each)."""
    n = min(restrict, len(emb))
    index = {w: i for w, i in emb.index.items() if i < n}
    u = np.ascontiguousarray(emb.unit[:n])
    rows = []
    for q in questions:
        ids = [find_word(index, w) for w in q]
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


# -- semantic textual similarity (STS) ------------------------------------------------------
# Protocol (SentEval's, and the SIF paper's): the cosine of the two sentences' feature
# vectors against the gold score, Pearson r and Spearman ρ (× 100) per file, averaged over
# the files. Whatever the sentence-feature mode fits (SIF's common component, …) is fitted
# on all the sentences of the file, both sides, as Arora et al. (2017) did.


@dataclass
class STSPairs:
    """Scored sentence pairs of one file: gold scores (n,) and the two sides (n each)."""

    name: str
    scores: np.ndarray
    first: list[str]
    second: list[str]


@dataclass
class STSResult:
    file: str
    pearson: float  # Pearson r × 100
    spearman: float  # Spearman ρ × 100
    pairs: int
    unknown: int  # pairs with a sentence that has no word of the model (cosine 0)


def read_sts_pairs(path: str) -> STSPairs:
    """Read ``score<TAB>sentence1<TAB>sentence2`` lines (SemEval STS, as in ``sts/``).

    Blank lines, a UTF-8 byte-order mark, CRLF line ends, a decimal comma (``4,5``) and a
    header row (a first line whose score is not a number: :func:`_is_header`) are
    tolerated; so is a pair with an empty score (the SemEval gold files leave pairs they
    did not score empty), which is skipped. Any other line that
    is not three TAB-separated fields with a numeric score is a :class:`DataError` naming
    the file and line, and so is a file with no scored pair.
    """
    name = display_name(path)
    scores: list[float] = []
    first: list[str] = []
    second: list[str] = []
    seen = False  # a content line before this one (a header is only allowed first)
    for lineno, line in numbered_lines(path):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise DataError(
                f"{name}, line {lineno}: expected 'score<TAB>sentence1<TAB>sentence2', "
                f"got {counted(len(parts), 'TAB-separated field')}: {line[:60]!r}"
            )
        field = parts[0].strip()
        if not field:
            seen = True
            continue
        if not seen and _is_header([], [field]):
            seen = True
            continue  # a header row
        seen = True
        scores.append(_score(field, name, lineno))
        first.append(parts[1])
        second.append(parts[2])
    if not scores:
        raise DataError(f"{name}: no scored sentence pairs found (expected 'score<TAB>sentence1<TAB>sentence2' lines)")
    return STSPairs(name, np.asarray(scores, dtype=np.float64), first, second)


def sts(pairs: STSPairs, features: Callable[[list[str]], np.ndarray]) -> STSResult:
    """Pearson r and Spearman ρ (× 100) of the two sentences' cosine against the gold scores.

    ``features(lines)`` gives one row per line for the 2n sentences of the file, first
    sides then second sides, fitting what it fits on them — e.g.
    ``SentenceFeatures(emb, mode).fit_transform`` (:mod:`embedkit.features`). A pair in
    which a sentence's row is zero (no word of the model) scores cosine 0 and is counted in
    ``unknown``. With fewer than two pairs, or constant scores or cosines, the correlations
    are nan.
    """
    from scipy.stats import spearmanr

    n = len(pairs.scores)
    x = np.asarray(features(pairs.first + pairs.second), dtype=np.float64)
    a, b = x[:n], x[n:]
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    ok = (na > 0) & (nb > 0)
    cos = np.zeros(n)
    cos[ok] = np.einsum("ij,ij->i", a[ok], b[ok]) / (na[ok] * nb[ok])
    pearson = spearman = float("nan")
    if n >= 2 and np.ptp(cos) > 0 and np.ptp(pairs.scores) > 0:
        pearson = 100.0 * float(np.corrcoef(cos, pairs.scores)[0, 1])
        spearman = 100.0 * float(spearmanr(cos, pairs.scores).statistic)
    return STSResult(pairs.name, pearson, spearman, n, int((~ok).sum()))


def sts_files(pairs: list[STSPairs], features: Callable[[list[str]], np.ndarray]) -> list[STSResult]:
    """:func:`sts` of each file (``features`` fitted on each file's sentences in turn), then,
    for two files or more, a row ``"average"``: the unweighted mean of the files' Pearson
    and Spearman (SentEval's "mean"), their pairs summed — over the files that have a
    correlation (a file of one pair, or of constant scores, has none: NaN, left out of the
    mean; the average is NaN only when no file has one)."""
    out = [sts(p, features) for p in pairs]
    if len(out) > 1:
        scored = [r for r in out if np.isfinite(r.pearson)] or out
        out.append(
            STSResult(
                "average",
                float(np.mean([r.pearson for r in scored])),
                float(np.mean([r.spearman for r in scored])),
                sum(r.pairs for r in scored),
                sum(r.unknown for r in scored),
            )
        )
    return out


# -- text classification with sentence / document features ------------------------------------
# Protocol (../shared/data/README.md): features standardised on the training part, logistic
# regression (L2), accuracy on the test part.  Its C is chosen on the training part alone,
# by stratified inner cross-validation over C_GRID (SentEval's protocol, Conneau & Kiela
# 2018, which tunes the penalty on the training folds), unless it is given.


@dataclass
class ClassifyResult:
    accuracy: float
    macro_f1: float
    train: int
    test: int
    classes: int
    folds: int  # 0 for a single train / test split
    #: the C used: given, or chosen by inner CV (with folds: the median of the folds' choices)
    c: float = 1.0


def read_labels(path: str) -> list[str]:
    """One label a line (surrounding white space dropped); an empty line is an error."""
    name = display_name(path)
    labels: list[str] = []
    for lineno, line in numbered_lines(path):
        label = line.strip()
        if not label:
            raise DataError(f"{name}, line {lineno}: empty label")
        labels.append(label)
    if not labels:
        raise DataError(f"{name}: no labels found")
    return labels


def _fit_predict(x_train, y_train, x_test, c: float | None, seed: int) -> tuple[np.ndarray, float]:
    """Predictions for x_test and the C used: ``c``, or (None) the C of :data:`C_GRID` with
    the best mean accuracy over a stratified :data:`INNER_FOLDS`-fold split of the training
    rows (scikit-learn's ``LogisticRegressionCV``; the smallest C on a tie)."""
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x_train)
    if c is None:
        inner = min(INNER_FOLDS, int(np.unique(y_train, return_counts=True)[1].min()))
        if inner < 2:
            raise DataError(
                f"a label has a single training row: too few to choose {param('c')} by cross-validation "
                f"on the training part (give {param('c')})"
            )
        clf = LogisticRegressionCV(
            Cs=list(C_GRID),
            cv=StratifiedKFold(inner, shuffle=True, random_state=seed),
            scoring="accuracy",
            max_iter=2000,
            random_state=seed,
        )
        with warnings.catch_warnings():  # scikit-learn 1.8+ announces changes to its attributes
            warnings.simplefilter("ignore", FutureWarning)
            clf.fit(scaler.transform(x_train), y_train)
        c = float(clf.C_[0])
    else:
        clf = LogisticRegression(C=c, max_iter=2000, random_state=seed)
        clf.fit(scaler.transform(x_train), y_train)
    return clf.predict(scaler.transform(x_test)), c


def _no_progress(_: int) -> None:
    pass


def classify_fits(train: int | None = None, folds: int = 5) -> int:
    """How many models :func:`classify` fits: one for a train / test split, else one a fold."""
    return 1 if train is not None else folds


def classify(
    x: np.ndarray,
    labels: list[str] | np.ndarray,
    train: int | None = None,
    test: int | None = None,
    folds: int = 5,
    c: float | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> ClassifyResult:
    """Accuracy and macro-F1 of L2 logistic regression on standardised features.

    x : (n, d) features, labels : (n,).  With ``train`` the first ``train`` rows train and
    the last ``test`` rows (default: all the others) test; otherwise stratified ``folds``-fold
    cross-validation (shuffled with ``seed``), averaged over the folds.  ``c`` is the inverse
    L2 penalty; None (the default) chooses it for each training part from :data:`C_GRID` by
    stratified :data:`INNER_FOLDS`-fold cross-validation on that part alone (SentEval's
    protocol: Conneau & Kiela 2018), so no test row plays a part; ``result.c`` is the C used
    (with folds, the median of the folds').  ``progress(1)`` follows each outer fit:
    :func:`classify_fits` of them.  Raises :class:`DataError` for labels that do not match
    the rows, a single label, or (c None) a label with one training row.
    """
    progress = progress or _no_progress
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(labels)
    n = len(x)
    if len(y) != n:
        raise DataError(f"{len(y):,} labels for {n:,} rows of features; they must match line for line")
    if c is not None:
        check_positive("c", c)
    classes = len(np.unique(y))
    if classes < 2:
        raise DataError("classification needs at least two distinct labels")
    if test is not None and train is None:
        raise ParameterError(f"{param('test')} needs {param('train')} (the rows to train on)")
    if train is not None:
        if test is None:  # test on the rest: say so in the user's terms
            check_at_least("train", train)
            if train >= n:
                raise ParameterError("train", train, f"leaves no rows to test on: the features have {n:,} rows", True)
            test = n - train
        if train < 1 or test < 1 or train + test > n:
            raise ParameterError(
                f"{param('train')} {train} and {param('test')} {test} do not fit {n:,} rows "
                f"(both at least 1, together at most {n})"
            )
        tr, te = np.arange(train), np.arange(n - test, n)
        if len(np.unique(y[tr])) < 2:
            raise DataError(f"the first {train} rows have a single label; nothing to learn")
        pred, used = _fit_predict(x[tr], y[tr], x[te], c, seed)
        progress(1)
        return ClassifyResult(
            float((pred == y[te]).mean()), float(f1_score(y[te], pred, average="macro")), train, test, classes, 0, used
        )
    check_at_least("folds", folds, 2)
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if smallest < folds:
        raise DataError(f"a label has only {smallest:,} rows, fewer than {param('folds')} {folds}")
    acc, f1, used = [], [], []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        pred, c_fold = _fit_predict(x[tr], y[tr], x[te], c, seed)
        progress(1)
        acc.append(float((pred == y[te]).mean()))
        f1.append(float(f1_score(y[te], pred, average="macro")))
        used.append(c_fold)
    return ClassifyResult(
        float(np.mean(acc)), float(np.mean(f1)), n - n // folds, n // folds, classes, folds, float(np.median(used))
    )


# -- graphs: node classification and link prediction ------------------------------------
#
# Node classification follows DeepWalk / node2vec / NetMF (and ``../shared/data/README.md``):
# rows L2-normalised; one-vs-rest logistic regression (liblinear, C = 1) trained on a random
# fraction of the labelled nodes; each test node gets its k most probable labels, k being its
# true number of labels; micro- and macro-F1 averaged over repeated seeded splits.
# Link prediction holds out a fraction of the edges, embeds the rest, and scores held-out
# edges against as many sampled non-edges by cosine similarity: ROC-AUC.


@dataclass
class NodeClassificationResult:
    train_fraction: float
    micro_f1: float
    macro_f1: float
    micro_std: float
    macro_std: float
    repeats: int
    nodes: int
    labels: int


_NODE_HEADER = {"node", "nodes", "id", "node_id", "nodeid", "vertex", "name", "user", "user_id", "item", "paper"}
_LABEL_HEADER = {"label", "labels", "class", "classes", "group", "groups", "category", "categories", "community"}
_INDICATOR = {"0": False, "1": True, "0.0": False, "1.0": True, "false": False, "true": True}


def read_node_labels(path: str) -> dict[str, list[str]]:
    """Read node labels: ``node,label`` lines (comma, TAB, semicolon or white space; CSV
    quotes honoured), several lines for several labels, or several labels on one line
    (``6<TAB>red,blue``, ``6,red,blue``, ``6,"red,blue"``, ``6;red;blue``, ``6 red blue``,
    ``6,red|blue`` as MovieLens lists genres), or one column a label under a header that
    names them, 0/1 in the rows (``node,red,blue`` / ``6,1,1``: an indicator matrix, as
    scikit-learn's ``MultiLabelBinarizer`` and the PPI labels have them).
    ``#`` lines are comments; a first line such as ``node,label`` or ``id,group`` is a
    header (:func:`_is_header`, the rule of every benchmark reader), and a first column it
    leaves unnamed (``,node,label``: the index that pandas' ``to_csv`` and R's ``write.csv``
    write) is skipped.  Node ids
    are in NFC as in edge lists (:func:`~embedkit.io.normal_form`), so an id written
    decomposed in one file and composed in the other is one node."""
    name = display_name(path)
    rows = [(lineno, s, _fields(s, _separator(s, _is_labelled))) for lineno, s in _content_lines(path)]
    if not rows:
        raise DataError(f"{name}: no labels found")
    if len(rows[0][2]) >= 3 and rows[0][2][0] == "":  # an unnamed index column
        rows = [(lineno, s, fields[1:]) for lineno, s, fields in rows]
    head = [f.strip() for f in rows[0][2]]
    if (
        len(rows) > 1
        and len(head) >= 3
        and not all(f.lower() in _INDICATOR for f in head[1:])
        and all(len(f) == len(head) and all(x.lower() in _INDICATOR for x in f[1:]) for _, _, f in rows[1:])
    ):  # node,red,blue / 6,1,1
        out = {}
        for _, _, (node, *flags) in rows[1:]:
            have = out.setdefault(node.strip(), [])
            have.extend(lab for lab, x in zip(head[1:], flags) if _INDICATOR[x.lower()] and lab not in have)
        out = {node: labels for node, labels in out.items() if labels}
        if not out:
            raise DataError(f"{name}: no labels found (every row of the indicator matrix is 0)")
        return out
    out: dict[str, list[str]] = {}
    first = True
    for lineno, s, fields in rows:
        sep = _separator(s, _is_labelled)
        node, *rest = fields
        within = r"[,;|]|\s+" if sep in ("\t", None) else r"[,;|]"  # labels within a field
        labels = [x.strip() for field in rest for x in re.split(within, field) if x.strip()]
        node = node.strip()
        if not node or not labels:
            raise DataError(f"{name}, line {lineno}: expected 'node,label', got {s[:60]!r}")
        if first and (
            _is_header([node, *labels]) or (node.lower() in _NODE_HEADER and labels[0].lower() in _LABEL_HEADER)
        ):  # ``node,label``, ``id,group``
            first = False
            continue
        first = False
        have = out.setdefault(node, [])
        have.extend(x for x in dict.fromkeys(labels) if x not in have)
    if not out:
        raise DataError(f"{name}: no labels found")
    return out


def _top_k_predictions(scores: np.ndarray, k: np.ndarray) -> np.ndarray:
    """0/1 matrix (n × L) with the k[i] highest scores of row i set."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    ranks[np.arange(len(order))[:, None], order] = np.arange(scores.shape[1])[None, :]
    return (ranks < k[:, None]).astype(np.int8)


def node_label_count(emb: Embedding, labels: dict[str, list[str]]) -> int:
    """Distinct labels among the labelled nodes that have a vector (the fits per split)."""
    index = emb.index
    return len({lab for v, ls in labels.items() if v in index for lab in ls})


def node_classification(
    emb: Embedding,
    labels: dict[str, list[str]],
    train_fractions: tuple[float, ...] = (0.1, 0.5, 0.9),
    repeats: int = 5,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[NodeClassificationResult]:
    """Micro/macro-F1 of one-vs-rest logistic regression on the nodes that have a vector.

    Parameters
    ----------
    emb : Embedding of n nodes (dim d)
    labels : node id → its labels (one or several), as :func:`read_node_labels` reads them
    train_fractions : fractions of the labelled nodes used for training, each in (0, 1)
        (a sequence, or one float); one result per fraction, in order
    repeats : random splits averaged per fraction, seeded from ``seed``
    progress : called with 1 after each binary fit, one a label per split:
        len(train_fractions) × repeats × (distinct labels) in all (:func:`node_label_count`)

    The protocol of DeepWalk (Perozzi et al. 2014) and NetMF (Qiu et al. 2018), as the
    benchmark data's README gives it: rows at unit length; liblinear logistic regression,
    C = 1, one-vs-rest; each test node gets its k most probable labels, k its true number
    of labels; micro- and macro-F1 (fractions in [0, 1]) averaged over ``repeats`` splits.
    Raises :class:`ParameterError` for a fraction outside (0, 1) or ``repeats`` < 1, and
    :class:`DataError` when fewer than two labelled nodes are in the model (the node ids
    differ) or they carry a single label.
    """
    import warnings

    from sklearn.base import BaseEstimator, ClassifierMixin, clone
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    check_count("repeats", repeats)
    if isinstance(train_fractions, numbers.Real):  # one fraction: not a sequence to iterate over
        train_fractions = (train_fractions,)
    for f in train_fractions:
        if not 0.0 < f < 1.0:
            raise ParameterError("train_fractions", f, "must be in (0, 1)")
    index = emb.index
    nodes = [v for v in labels if v in index]
    if len(nodes) < 2:
        raise DataError(
            f"only {counted(len(nodes), 'labelled node')} {'is' if len(nodes) == 1 else 'are'} in the model; "
            "are the node ids the same?"
        )
    x = np.asarray(emb.vectors, dtype=np.float64)[[index[v] for v in nodes]]
    x = unit_rows(x)
    mlb = MultiLabelBinarizer()
    y = mlb.fit_transform([labels[v] for v in nodes])
    if y.shape[1] < 2:
        raise DataError(
            f"every labelled node in the model has the one label {str(mlb.classes_[0])!r}: "
            "node classification needs at least two labels"
        )
    k = y.sum(axis=1)
    progress = progress or _no_progress
    n_labels = y.shape[1]

    class CountedFit(ClassifierMixin, BaseEstimator):
        """The binary classifier of one label, reporting its fit."""

        def __init__(self, estimator=None):
            self.estimator = estimator

        def fit(self, xs, ys):
            self.estimator_ = clone(self.estimator).fit(xs, ys)
            self.classes_ = self.estimator_.classes_
            fits[0] += 1
            progress(1)
            return self

        def predict_proba(self, xs):
            return self.estimator_.predict_proba(xs)

        def decision_function(self, xs):
            return self.estimator_.decision_function(xs)

    out = []
    for frac in train_fractions:
        micro, macro = [], []
        for rep in range(repeats):
            rng = np.random.default_rng([seed, rep, int(round(frac * 1e6))])
            perm = rng.permutation(len(nodes))
            n_train = min(max(1, int(round(frac * len(nodes)))), len(nodes) - 1)
            tr, te = perm[:n_train], perm[n_train:]
            clf = OneVsRestClassifier(CountedFit(LogisticRegression(C=1.0, solver="liblinear")))
            fits = [0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(x[tr], y[tr])
            progress(n_labels - fits[0])  # a label constant in training needs no fit
            # probabilities, not decision values: a label absent from the training part gets
            # a constant predictor whose decision value (0) would outrank every real label
            scores = clf.predict_proba(x[te])
            if scores.ndim == 1:  # two classes: one column of scores for class 1
                scores = np.column_stack([1 - scores, scores])
            pred = _top_k_predictions(scores, k[te])
            micro.append(f1_score(y[te], pred, average="micro", zero_division=0))
            macro.append(f1_score(y[te], pred, average="macro", zero_division=0))
        out.append(
            NodeClassificationResult(
                frac,
                float(np.mean(micro)),
                float(np.mean(macro)),
                float(np.std(micro)),
                float(np.std(macro)),
                repeats,
                len(nodes),
                len(mlb.classes_),
            )
        )
    return out


@dataclass
class LinkPredictionResult:
    auc: float
    test_edges: int
    train_edges: int


def split_edges(graph, test_fraction: float = 0.1, seed: int = 0):
    """Hold out a random ``test_fraction`` of a graph's edges.

    An edge is held out only if both its ends keep at least one other edge, so every node
    still has a vector.  Returns (training Graph, held-out edges (m, 2) int64, non-edges
    (m, 2) int64 sampled uniformly among the node pairs that are not edges).  A directed
    graph (``graph.directed``) holds out directed edges ``u → v`` (``test[i] = (u, v)``; the
    reverse ``v → u``, if an edge too, may stay in training) and trains on a directed
    graph; its non-edges are pairs linked in neither direction, because the score of
    :func:`link_prediction` (cosine) is symmetric and would give a reversed edge its
    edge's score.  Self-loops are not held out and not kept.

    Raises :class:`DataError` when no edge can be held out: the graph is a tree or a forest
    (a star, a path: every edge is needed to keep it connected), or the fraction of its
    edges rounds to none; and when fewer node pairs are non-edges than edges are held out
    (a complete graph such as a triangle has none to score them against).
    """
    import scipy.sparse as sp

    if not 0.0 < test_fraction < 1.0:
        raise ParameterError("test_fraction", test_fraction, "must be in (0, 1)")
    rng = np.random.default_rng(seed)
    adj = graph.adjacency()
    a = (sp.triu(adj, k=1) if not graph.directed else adj - sp.diags(adj.diagonal())).tocoo()
    a.eliminate_zeros()
    src, dst, w = a.row.astype(np.int64), a.col.astype(np.int64), a.data
    m = src.size
    # the node pairs linked either way: what a non-edge must not be
    skeleton = sp.triu(a + a.T, k=1).tocoo() if graph.directed else a
    linked = int(skeleton.nnz)
    order = rng.permutation(m)
    want = int(round(test_fraction * m))
    source = f"{graph.source}: " if graph.source else ""
    from scipy.sparse.csgraph import connected_components

    if m == graph.n - connected_components(a, directed=False)[0]:  # a forest (no two-way pair): no cycle
        raise DataError(
            f"{source}no edge can be held out without disconnecting the graph "
            f"(its {counted(m, 'edge')} {'forms' if m == 1 else 'form'} a tree or forest, as a star or a path does)"
        )
    if want == 0:
        raise DataError(
            f"{source}{param('test_fraction')} {test_fraction} of {counted(m, 'edge')} holds out none; raise it"
        )
    deg = np.bincount(np.concatenate([src, dst]), minlength=graph.n)
    cand = order[: min(m, 2 * want + 10)]
    # vectorised greedy pass: remove candidates in order while both ends keep degree >= 1
    held = np.zeros(m, dtype=bool)
    for _ in range(3):
        left = cand[~held[cand]]
        # how many candidate removals hit each node, counted in order
        ends = np.stack([src[left], dst[left]], axis=1).ravel()
        seen = _running_count(ends).reshape(-1, 2)
        ok = (deg[src[left]] - seen[:, 0] >= 1) & (deg[dst[left]] - seen[:, 1] >= 1)
        take = left[ok][: max(0, want - int(held.sum()))]
        if take.size == 0:
            break
        held[take] = True
        deg = deg - np.bincount(np.concatenate([src[take], dst[take]]), minlength=graph.n)
    if not held.any():
        raise DataError(f"{source}no edge can be held out while both its ends keep another edge")
    test = np.stack([src[held], dst[held]], axis=1)
    keep = ~held
    train = Graph.from_edges(
        src[keep], dst[keep], n=graph.n, weights=w[keep] if graph.weighted else None, nodes=graph.nodes,
        directed=graph.directed, source=graph.source,
    )  # fmt: skip
    existing = np.sort(skeleton.row.astype(np.int64) * graph.n + skeleton.col)
    m = linked
    pairs = graph.n * (graph.n - 1) // 2
    if pairs - m < len(test):  # a complete graph (a triangle, a clique): no non-edge to draw
        raise DataError(
            f"{source}only {counted(pairs - m, 'node pair')} {'is' if pairs - m == 1 else 'are'} not edges, "
            f"fewer than the {counted(len(test), 'held-out edge')}: "
            "link prediction needs as many non-edges to score them against (a complete graph has none)"
        )
    if pairs - m < 0.05 * pairs:  # few non-edges (and so few pairs): list them, then draw
        i, j = np.triu_indices(graph.n, k=1)
        free = np.setdiff1d(i.astype(np.int64) * graph.n + j, existing, assume_unique=True)
        neg = np.sort(rng.choice(free, size=len(test), replace=False))
        return train, test, np.stack([neg // graph.n, neg % graph.n], axis=1)
    neg = np.empty(0, dtype=np.int64)
    while neg.size < len(test):
        u = rng.integers(0, graph.n, size=2 * len(test) + 10)
        v = rng.integers(0, graph.n, size=u.size)
        key = np.minimum(u, v) * graph.n + np.maximum(u, v)
        key = key[(u != v) & ~np.isin(key, existing) & ~np.isin(key, neg)]
        _, first = np.unique(key, return_index=True)
        neg = np.concatenate([neg, key[np.sort(first)]])[: len(test)]
    return train, test, np.stack([neg // graph.n, neg % graph.n], axis=1)


def _running_count(x: np.ndarray) -> np.ndarray:
    """For each position i, 1 + the number of earlier positions with the same value."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    grp_start = np.maximum.accumulate(np.where(first, np.arange(xs.size), 0))
    out = np.empty(x.size, dtype=np.int64)
    out[order] = np.arange(xs.size) - grp_start + 1
    return out


def link_prediction(emb: Embedding, test: np.ndarray, negatives: np.ndarray, train_edges: int = 0):
    """ROC-AUC of cosine similarity: held-out edges (m, 2) against non-edges (m, 2), both
    int arrays of node rows of ``emb`` as :func:`split_edges` returns them (``emb`` trained
    on its training graph; ``train_edges`` is only reported)."""
    from sklearn.metrics import roc_auc_score

    u = emb.unit
    pos = np.einsum("ij,ij->i", u[test[:, 0]], u[test[:, 1]])
    neg = np.einsum("ij,ij->i", u[negatives[:, 0]], u[negatives[:, 1]])
    y = np.r_[np.ones(pos.size), np.zeros(neg.size)]
    return LinkPredictionResult(float(roc_auc_score(y, np.r_[pos, neg])), int(test.shape[0]), int(train_edges))
