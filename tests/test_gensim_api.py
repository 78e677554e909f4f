"""The Python query surface against gensim's KeyedVectors on the same vectors.

Every call runs on both and the answers are compared: the same words in the same order,
scores within 1e-5."""

import numpy as np
import pytest

from embedkit.errors import UnknownWordError
from embedkit.vectors import Embedding

gensim_models = pytest.importorskip("gensim.models")

N, DIM = 300, 16


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(N)]
    vectors = rng.standard_normal((N, DIM)).astype(np.float32)
    kv = gensim_models.KeyedVectors(DIM)
    kv.add_vectors(words, vectors)
    return Embedding(words, vectors.copy(), np.arange(N, 0, -1)), kv


def same(ours, theirs):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)


CALLS = [
    dict(positive=["w1"]),
    dict(positive="w1", topn=3),
    dict(positive=["w1", "w2"], negative=["w3"], topn=7),
    dict(negative=["w4"]),
    dict(positive=["w5"], topn=5, restrict_vocab=50),
    dict(positive=[("w1", 2.0), ("w9", 0.5)], negative=[("w3", 1.5)]),
]


@pytest.mark.parametrize("kwargs", CALLS, ids=[str(c) for c in CALLS])
def test_most_similar_with_words(pair, kwargs):
    emb, kv = pair
    same(emb.most_similar(**kwargs), kv.most_similar(**kwargs))


def test_most_similar_with_vectors_and_with_both(pair):
    emb, kv = pair
    v = np.random.default_rng(1).standard_normal(DIM).astype(np.float32)
    same(emb.most_similar(positive=[v], topn=5), kv.most_similar(positive=[v], topn=5))
    same(emb.most_similar(v, topn=5), kv.most_similar(v, topn=5))
    same(emb.most_similar(positive=["w2", v], negative=["w8"]), kv.most_similar(positive=["w2", v], negative=["w8"]))
    same(emb.similar_by_vector(v, topn=4), kv.similar_by_vector(v, topn=4))
    same(emb.similar_by_word("w11", topn=4), kv.similar_by_word("w11", topn=4))
    np.testing.assert_allclose(emb.most_similar("w3", topn=None), kv.most_similar("w3", topn=None), atol=1e-5)


def test_the_rest_of_the_surface(pair):
    emb, kv = pair
    assert emb.key_to_index == kv.key_to_index and emb.index_to_key == kv.index_to_key
    assert len(emb) == len(kv) and ("w3" in emb) == ("w3" in kv) and ("nope" in emb) == ("nope" in kv)
    assert emb.vector_size == kv.vector_size == DIM
    np.testing.assert_allclose(emb.get_vector("w5"), kv.get_vector("w5"))
    np.testing.assert_allclose(emb.get_vector("w5", norm=True), kv.get_vector("w5", norm=True), atol=1e-6)
    np.testing.assert_allclose(emb[["w1", "w2"]], kv[["w1", "w2"]])
    assert emb.get_index("w42") == kv.get_index("w42") == 42
    # an integer is a row, as in gensim: emb[3], a mixed list, get_vector(3), get_index(3)
    np.testing.assert_array_equal(emb[3], kv[3])
    np.testing.assert_array_equal(emb[np.int64(3)], kv["w3"])
    np.testing.assert_array_equal(emb[[3, "w5"]], kv[[3, "w5"]])
    np.testing.assert_allclose(emb.get_vector(7, norm=True), kv.get_vector(7, norm=True), atol=1e-6)
    assert emb.get_index(9) == kv.get_index(9) == 9
    for obj in (emb, kv):
        with pytest.raises(KeyError):
            obj[len(kv)]
        with pytest.raises(KeyError):
            obj.get_vector(-1)
    assert emb.similarity("w1", "w2") == pytest.approx(float(kv.similarity("w1", "w2")), abs=1e-6)
    assert emb.distance("w1", "w2") == pytest.approx(float(kv.distance("w1", "w2")), abs=1e-6)
    assert emb.n_similarity(["w1", "w2"], ["w3", "w4", "w5"]) == pytest.approx(
        float(kv.n_similarity(["w1", "w2"], ["w3", "w4", "w5"])), abs=1e-5
    )
    group = ["w1", "w2", "w3", "w4", "w77", "unknown"]
    assert emb.doesnt_match(group) == kv.doesnt_match(group)


def test_row_numbers_are_keys_in_every_query_as_in_gensim(pair):
    emb, kv = pair
    assert emb.similarity(1, 2) == pytest.approx(float(kv.similarity(1, 2)), abs=1e-6)
    assert emb.similarity(np.int64(1), "w2") == pytest.approx(float(kv.similarity("w1", "w2")), abs=1e-6)
    assert emb.distance(1, 2) == pytest.approx(float(kv.distance(1, 2)), abs=1e-6)
    same(emb.most_similar(1, topn=5), kv.most_similar(1, topn=5))
    same(
        emb.most_similar(positive=[1, "w2"], negative=[3], topn=5),
        kv.most_similar(positive=[1, "w2"], negative=[3], topn=5),
    )
    same(emb.similar_by_word(4, topn=3), kv.similar_by_word(4, topn=3))
    assert (1 in emb) == (1 in kv) and (N in emb) == (N in kv) and (True in emb) is False
    for obj in (emb, kv):  # a row out of range is a KeyError, as an unknown word
        with pytest.raises(KeyError):
            obj.similarity(1, N)
        with pytest.raises(KeyError):
            obj.most_similar(N)


def test_unknown_words_raise_a_key_error_like_gensim(pair):
    emb, kv = pair
    for obj in (emb, kv):
        with pytest.raises(KeyError):
            obj.most_similar("nope")
        with pytest.raises(KeyError):
            obj.get_vector("nope")
        with pytest.raises(KeyError):
            obj["nope"]
    with pytest.raises(UnknownWordError) as info:  # and ours says which word, with suggestions
        emb.similarity("w1", "w1000")
    assert info.value.word == "w1000" and str(info.value).startswith("'w1000' is not in the vocabulary")
    with pytest.raises(ValueError):
        emb.doesnt_match(["nope"])
    with pytest.raises(ZeroDivisionError):
        emb.n_similarity([], ["w1"])


def test_repr_says_what_the_model_is(pair):
    emb, _ = pair
    text = repr(emb)
    assert "300 words" in text and "16 dims" in text and "with counts" in text
    trained = Embedding(["a", "b"], np.eye(2, dtype=np.float32), None, {"corpus": "wiki.txt", "lowercase": True})
    assert repr(trained) == "<Embedding: 2 words × 2 dims, from 'wiki.txt', lower-cased, no counts>"


def test_a_gensim_native_save_is_refused_with_the_way_to_export_it(tmp_path, cli):
    # KeyedVectors.save() writes a pickle, not vectors: one line saying how to get a file embedkit reads
    kv = gensim_models.KeyedVectors(3)
    kv.add_vectors(["cat", "dog"], np.eye(2, 3, dtype=np.float32))
    kv.save(str(tmp_path / "kv.model"))
    r = cli("neighbors", "cat", "-m", tmp_path / "kv.model")
    assert r.exit_code == 3 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "pickle" in r.stderr and "save_word2vec_format" in r.stderr
    kv.save_word2vec_format(str(tmp_path / "kv.txt"))
    assert cli("neighbors", "cat", "-m", tmp_path / "kv.txt", "-k", "1").exit_code == 0
