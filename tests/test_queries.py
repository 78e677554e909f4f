"""Similarity and analogy queries on a tiny hand-built embedding, against hand computation."""

import json

import numpy as np
import pytest

from embedkit.errors import ParameterError, UnknownWordError
from embedkit.evaluate import analogy as evaluate_analogy
from embedkit.vectors import Embedding

from .conftest import TOY_VECTORS, TOY_WORDS, one_line_error

WORDS, VECTORS = TOY_WORDS, TOY_VECTORS

# Cosines by hand: |king| = |queen| = √2, |man| = |woman| = √1.01, |apple| = 1.
COS_WOMAN_QUEEN = 1 / np.sqrt(2.02)  # (0·1 + (−1)(−1) + 0) / (√1.01 √2)
COS_WOMAN_KING = -1 / np.sqrt(2.02)
COS_WOMAN_MAN = (-1 + 0.01) / 1.01
COS_APPLE_MAN = 0.1 / np.sqrt(1.01)


@pytest.fixture
def tiny(tmp_path):
    emb = Embedding(WORDS, VECTORS, np.array([50, 40, 30, 20, 10]))
    emb.save(tmp_path / "m.ekm")
    return emb


def test_analogy_3cosadd_by_hand(tiny):
    # king : queen :: man : ?   score(x) = cos(x, queen) − cos(x, king) + cos(x, man)
    got = tiny.analogy("king", "queen", "man", method="3cosadd", topn=5)
    assert [w for w, _ in got] == ["woman", "apple"]  # the question words are excluded
    assert got[0][1] == pytest.approx(COS_WOMAN_QUEEN - COS_WOMAN_KING + COS_WOMAN_MAN, abs=1e-6)
    assert got[1][1] == pytest.approx(0 - 0 + COS_APPLE_MAN, abs=1e-6)


def test_analogy_3cosmul_by_hand(tiny):
    p = lambda c: (c + 1) / 2  # noqa: E731
    woman = p(COS_WOMAN_QUEEN) * p(COS_WOMAN_MAN) / (p(COS_WOMAN_KING) + 0.001)
    apple = p(0) * p(COS_APPLE_MAN) / (p(0) + 0.001)
    got = tiny.analogy("king", "queen", "man", topn=2)  # 3cosmul is the default
    assert got == [("apple", pytest.approx(apple, abs=1e-6)), ("woman", pytest.approx(woman, abs=1e-6))]


def test_analogy_agrees_with_the_evaluation(tiny):
    # the evaluation scores with the same function: its accuracy follows the top answers
    qs = [("king", "queen", "man", "woman")]
    r = evaluate_analogy(tiny, qs)
    assert (r.add, r.mul) == (1.0, 0.0)
    assert tiny.analogy("king", "queen", "man", "3cosadd", 1)[0][0] == "woman"


def test_analogy_bad_input(tiny):
    with pytest.raises(UnknownWordError, match="'kinq'"):
        tiny.analogy("kinq", "queen", "man")
    with pytest.raises(ParameterError, match="^method must be one of"):
        tiny.analogy("king", "queen", "man", method="3cosdiv")
    with pytest.raises(ParameterError, match="^topn must be at least 1"):
        tiny.analogy("king", "queen", "man", topn=0)


def test_similarity_and_analogy_commands(cli, tiny, tmp_path):
    m = tmp_path / "m.ekm"
    r = cli("similarity", "woman", "queen", "--model", m)
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "word1\tword2\tcosine"
    assert float(r.stdout.splitlines()[1].split("\t")[2]) == pytest.approx(COS_WOMAN_QUEEN, abs=1e-6)
    r = cli("similarity", "woman", "queen", "--model", m, "--json")
    assert json.loads(r.stdout)[0]["cosine"] == pytest.approx(COS_WOMAN_QUEEN, abs=1e-6)
    r = cli("analogy", "king", "queen", "man", "--method", "3cosadd", "-k", "1", "--model", m)
    assert r.exit_code == 0
    header, row = r.stdout.splitlines()
    assert header.split("\t") == ["a", "b", "c", "method", "answer", "score"]
    assert row.split("\t")[:5] == ["king", "queen", "man", "3cosadd", "woman"]
    assert float(row.split("\t")[5]) == pytest.approx(COS_WOMAN_QUEEN - COS_WOMAN_KING + COS_WOMAN_MAN, abs=1e-6)
    r = cli("analogy", "king", "queen", "man", "--model", m, "--json")
    assert [d["answer"] for d in json.loads(r.stdout)] == ["apple", "woman"]


def test_query_commands_bad_input(cli, tiny, tmp_path):
    m = tmp_path / "m.ekm"
    one_line_error(cli("similarity", "king", "kingg", "--model", m), "'kingg' is not in the vocabulary")
    one_line_error(cli("analogy", "king", "queen", "man", "-k", "0", "--model", m), "-k must be at least 1")
    one_line_error(cli("analogy", "king", "queen", "mann", "--model", m), "'mann'", "did you mean 'man'")


def test_a_pair_scores_the_same_however_it_is_asked():
    # a float32 product's last digit depends on the shapes it runs in: the answers' scores
    # are float64 dots of the two unit vectors, alone, in a batch, or by similarity()
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(3000)]
    x = rng.standard_normal((3000, 64)) * rng.random((3000, 1))  # rows of unequal lengths
    emb = Embedding(words, x.astype(np.float32))
    alone, _ = emb.neighbors(["w7"], 5)
    batch, _ = emb.neighbors([f"w{i}" for i in range(0, 600)], 5)
    assert alone == [row for row in batch if row[0] == "w7"]
    u = emb.unit.astype(np.float64)
    for _, w, score in alone:
        assert emb.similarity("w7", w) == emb.similarity(w, "w7") == pytest.approx(score, abs=1e-15)
        assert score == pytest.approx(float(u[7] @ u[int(w[1:])]), abs=1e-15)
    assert [s for _, _, s in alone] == sorted((s for _, _, s in alone), reverse=True)
    one = emb.analogy("w1", "w2", "w3", topn=4)
    many, _ = emb.analogies([("w5", "w6", "w8"), ("w1", "w2", "w3"), ("w9", "w10", "w11")], topn=4)
    assert many[1] == one
    cos = {w: [float(u[int(x[1:])] @ u[int(w[1:])]) for x in ("w1", "w2", "w3")] for w, _ in one}
    for w, score in one:  # 3CosMul by hand from the float64 cosines
        sa, sb, sc = ((c + 1) / 2 for c in cos[w])
        assert score == pytest.approx(sb * sc / (sa + 0.001), abs=1e-12)


def test_an_all_zero_vector_has_no_neighbours_and_says_so():
    # a node without edges is a zero row: every cosine with it is 0, so any list would be noise
    from embedkit.errors import EmbedkitWarning

    x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0, 0]], np.float32)
    emb = Embedding(["a", "b", "c", "z"], x)
    with pytest.warns(EmbedkitWarning, match="'z': an all-zero vector"):
        rows, unknown = emb.neighbors(["z", "a"], 2)
    assert unknown == [] and [r[:2] for r in rows] == [("a", "b"), ("a", "c")]
