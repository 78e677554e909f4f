"""benchmarks/search_words.py builds each variant by train-words' own stages: identities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedkit.options import WordOptions
from embedkit.pipeline import count_corpus, train_words

from .conftest import DEMO, load_benchmark

sw = load_benchmark("search_words")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The first 1,500 lines of the demo corpus and their per-distance counts C_1..C_10."""
    d = tmp_path_factory.mktemp("search")
    corpus = d / "small.txt"
    corpus.write_text("".join(DEMO.read_text(encoding="utf-8").splitlines(keepends=True)[:1500]), encoding="utf-8")
    (d / "cache").mkdir()
    return corpus, sw.distance_counts(d / "cache", corpus)


def test_distance_counts_sum_to_the_libraries_weighted_window(small):
    corpus, (words, counts, mats) = small
    ref = count_corpus(str(corpus), WordOptions(window=3, weighting="harmonic", workers=1))
    assert words == ref.vocab.words and counts.tolist() == ref.vocab.counts.tolist()
    summed = sw.weighted_counts(mats, sw.profile("3h"))
    np.testing.assert_allclose(summed.toarray(), ref.counts.toarray(), rtol=1e-5)
    # a narrow plus a wide window: pairs 1–2 apart count twice
    both = sw.weighted_counts(mats, sw.profile("2u+3u")).toarray()
    np.testing.assert_array_equal(both, (2 * (mats[0] + mats[1]) + mats[2]).toarray())


@pytest.mark.parametrize("beta", [0.0, 1.25])
def test_a_variant_is_train_words_with_the_same_options(small, beta):
    corpus, (words, counts, mats) = small
    p = sw.parse_spec(f"w=3h,solver=shifted,iter=3,dim=20,eig=0.5,vec=w+c,top=2,sub={beta:g}")
    assert p["sub"] == [beta] and p["solver"] == "shifted" and p["iter"] == 3
    emb = sw.variant(words, counts, sw.factorize(mats, p), 0.5, "w+c", 2, beta)
    opts = WordOptions(window=3, weighting="harmonic", dim=20, eig=0.5, remove_top=2, workers=1,
                       subwords=beta > 0, subword_weight=beta if beta else None)  # fmt: skip
    ref = train_words(str(corpus), opts)
    assert emb.words == ref.words
    assert (emb.subwords is not None) == (beta > 0) == (ref.subwords is not None)
    # same vectors up to the rounding of summed counts (cosine of each row with its twin)
    cos = np.sum(emb.unit * ref.unit, axis=1)
    assert cos.min() > 0.999
    if beta:  # an unseen word is built from the same n-grams
        a, b = emb.vector("dogparks"), ref.vector("dogparks")
        assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 0.999


def test_rows_hide_the_confirm_sets_when_deciding():
    sim = {k: (0.5, 10, 0.4) for k in sw.DECIDE_SIM + sw.CONFIRM_SIM}
    g = {"all": (0.1, 0.2, 5), "sem": (0.1, 0.3, 2), "syn": (0.1, 0.1, 3)}
    r = {"label": "x", "sim": sim, "google": g, "subwords": True}
    assert sw.row(r, confirm=False) == f"{'x':<58} | 0.500 0.500 | 0.100 0.200 (0.300/0.100)"
    full = sw.row(r)
    assert full.count("0.500") == 2 + len(sw.CONFIRM_SIM) and full.endswith(
        "all pairs " + " ".join(["0.400"] * (2 + len(sw.CONFIRM_SIM)))
    )
    assert "all pairs" not in sw.row({**r, "subwords": False})


def _result(label: str, ws: float, sv: float, mul: float, sub: bool = False) -> dict:
    sim = {k: (0.5, 10, 0.4) for k in sw.DECIDE_SIM + sw.CONFIRM_SIM}
    sim["ws353"], sim["simverb3500"] = (ws, 300, ws - 0.01), (sv, 3000, sv - 0.01)
    g = {"all": (0.0, mul, 9), "sem": (0.0, mul, 4), "syn": (0.0, mul, 5)}
    return {"label": label, "sim": sim, "google": g, "subwords": sub}


def test_seed_means_and_the_rule_by_hand(tmp_path, capsys):
    results = [
        _result("ys", 0.70, 0.46, 0.16), _result("ys seed=1", 0.68, 0.46, 0.18),
        _result("a", 0.72, 0.47, 0.18), _result("a seed=1", 0.70, 0.49, 0.18),
        _result("b sub=1", 0.73, 0.49, 0.50, True), _result("b sub=1 seed=1", 0.71, 0.47, 0.48, True),
        _result("c", 0.90, 0.90, 0.90),  # seed 0 only: no mean over 0, 1
        {"label": "d", "sim": {}},  # no analogies: not a row of the rule
    ]  # fmt: skip
    means = sw.seed_means(results, (0, 1))
    assert set(means) == {"ys", "a", "b sub=1"}
    np.testing.assert_allclose(means["a"]["dec"], (0.71, 0.48, 0.18))
    assert means["a"]["all"] is None and means["b sub=1"]["all"][0] == pytest.approx(0.71)
    # margins over the yardstick (0.69, 0.46, 0.17): a = (+0.02, +0.02, +0.01), b = (+0.03, +0.02, +0.32)
    (low_b, first, d_b), (low_a, second, _), (low_y, third, _) = sw.margins(means, "ys")
    assert (first, second, third) == ("b sub=1", "a", "ys")
    assert low_b == pytest.approx(0.02) and d_b[2] == pytest.approx(0.32)
    assert low_a == pytest.approx(0.01) and low_y == 0
    # and the command prints them, the tie marked, the confirm sets only when asked
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))
    sw.summary(tmp_path, "ys", (0, 1), confirm=False)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:4] for line in lines] == [
        ["+0.0200", "*", "b", "sub=1"],  # the best
        ["+0.0100", "a", "0.7100", "0.4800"],  # 0.01 behind: not a tie
        ["+0.0000", "ys", "0.6900", "0.4600"],
    ]
    assert "all pairs" not in lines[0] and "| 0.500" not in lines[0]
    sw.summary(tmp_path, "ys", (0, 1), confirm=True)
    assert lines[0].split("|")[0] + "|" in (out := capsys.readouterr().out)
    assert out.splitlines()[0].endswith("| 0.500 0.500 0.500 0.500 0.500 0.500 | all pairs 0.710 0.470" + " 0.400" * 6)
