"""evaluate classify: the protocol's figures, recomputed independently."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from embedkit.errors import DataError
from embedkit.evaluate import classify
from embedkit.options import C_GRID, INNER_FOLDS


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, size=300)
    x = rng.standard_normal((300, 8)) * [1, 5, 0.2, 1, 1, 1, 3, 1]
    x[:, 0] += y * 0.8  # weakly informative, so the accuracy is neither 0 nor 1
    x[:, 2] -= (y == 2) * 0.3
    return x, np.array(["sport", "world", "tech"])[y]


def test_split_matches_an_independent_computation(data):
    x, y = data
    r = classify(x, y, train=200, c=1.0)
    sc = StandardScaler().fit(x[:200])
    pred = LogisticRegression(C=1.0, max_iter=5000).fit(sc.transform(x[:200]), y[:200]).predict(sc.transform(x[200:]))
    assert r.accuracy == pytest.approx((pred == y[200:]).mean())
    assert r.macro_f1 == pytest.approx(f1_score(y[200:], pred, average="macro"))
    assert (r.train, r.test, r.classes, r.folds) == (200, 100, 3, 0)
    assert 0.4 < r.accuracy < 0.95 and r.c == 1.0
    assert classify(x, y, train=200, test=50).test == 50


def test_c_is_chosen_by_inner_cv_on_the_training_part_alone(data):
    """The default C: the grid's best mean accuracy over a stratified 5-fold split of the
    training rows (standardised on the training part), recomputed with plain fits."""
    x, y = data
    rng = np.random.default_rng(5)
    x = np.hstack([x, rng.standard_normal((300, 100))])  # noise columns, so the penalty matters
    sc = StandardScaler().fit(x[:200])
    xs, ytr = sc.transform(x[:200]), y[:200]
    inner = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=0)
    scores = [
        np.mean(
            [
                (LogisticRegression(C=c, max_iter=5000).fit(xs[a], ytr[a]).predict(xs[b]) == ytr[b]).mean()
                for a, b in inner.split(xs, ytr)
            ]
        )
        for c in C_GRID
    ]
    best = C_GRID[int(np.argmax(np.round(scores, 6)))]
    assert best < 1.0  # this data wants a stronger penalty than the old fixed C = 1
    pred = LogisticRegression(C=best, max_iter=5000).fit(xs, ytr).predict(sc.transform(x[200:]))
    r = classify(x, y, train=200)
    assert r.c == best
    assert r.accuracy == pytest.approx((pred == y[200:]).mean(), abs=0.011)  # one test row
    # the test rows play no part in the choice: other test features, the same C
    x2 = x.copy()
    x2[200:] = rng.standard_normal((100, x.shape[1]))
    assert classify(x2, y, train=200).c == best
    # with folds: each training part chooses its own; the result gives the median
    cv = classify(x, y, folds=3)
    assert cv.c in C_GRID and classify(x, y, folds=3, c=0.5).c == 0.5
    # a label with a single training row cannot be cross-validated on: say so, name C
    with pytest.raises(DataError, match="give c"):
        classify(x[:60], ["a"] + ["b"] * 59, train=50)


def test_separable_data_is_classified_perfectly():
    x = np.array([[0.0, 1], [0.1, 1.2], [5, 0.9], [5.2, 1.1], [0.2, 0.8], [4.9, 1.0]] * 5)
    y = ["a", "a", "b", "b", "a", "b"] * 5
    assert classify(x, y, folds=3).accuracy == 1.0


def test_classify_command(cli, data, tmp_path):
    x, y = data
    np.save(tmp_path / "f.npy", x)
    (tmp_path / "labels.txt").write_text("\n".join(y) + "\n")
    r = cli("evaluate", "classify", tmp_path / "f.npy", tmp_path / "labels.txt", "--train", "200", "--json")
    assert r.exit_code == 0, r.stderr
    row = json.loads(r.stdout)[0]
    assert row["accuracy"] == pytest.approx(classify(x, y, train=200).accuracy)
    assert (row["train"], row["test"], row["classes"]) == (200, 100, 3)
    r = cli("evaluate", "classify", tmp_path / "f.npy", tmp_path / "labels.txt")
    header, line = r.stdout.splitlines()
    assert header.split("\t") == ["file", "classes", "train", "test", "folds", "accuracy", "macro_f1", "C"]
    assert float(line.split("\t")[5]) == pytest.approx(classify(x, y).accuracy, abs=1e-4)
    assert float(line.split("\t")[7]) == classify(x, y).c
    r = cli("evaluate", "classify", tmp_path / "f.npy", tmp_path / "labels.txt", "--train", "200", "-C", "1", "--json")
    row = json.loads(r.stdout)[0]
    assert (row["C"], row["accuracy"]) == (1.0, pytest.approx(classify(x, y, train=200, c=1.0).accuracy))


def test_classify_command_bad_input(cli, data, tmp_path):
    x, y = data
    np.save(tmp_path / "f.npy", x)
    (tmp_path / "short.txt").write_text("\n".join(y[:-1]) + "\n")
    r = cli("evaluate", "classify", tmp_path / "f.npy", tmp_path / "short.txt")
    assert r.exit_code == 4 and r.stderr.strip().endswith(
        "299 labels for 300 rows of features; they must match line for line"
    )
    (tmp_path / "labels.txt").write_text("\n".join(y) + "\n")
    r = cli("evaluate", "classify", tmp_path / "f.npy", tmp_path / "labels.txt", "--train", "250", "--test", "100")
    assert r.exit_code == 2 and "do not fit 300 rows" in r.stderr and len(r.stderr.splitlines()) == 1
    r = cli("evaluate", "classify", tmp_path / "f.npy", tmp_path / "labels.txt", "--test", "100")
    assert r.exit_code == 2 and "--test needs --train" in r.stderr
