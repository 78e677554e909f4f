"""The Python library as a user calls it: inputs of the wrong type, shape or value end in
one embedkit error naming the library parameter (never a flag, never a NumPy traceback
from deep inside), and large or odd-but-valid inputs give the right answer."""

from pathlib import Path

import numpy as np
import pytest

from embedkit.errors import DataError, EmbedkitWarning, ParameterError
from embedkit.features import SentenceFeatures
from embedkit.graph import Graph
from embedkit.pipeline import GraphOptions, WordOptions, embed_graph, train_words
from embedkit.vectors import Embedding

from .conftest import TOY_WORDS, subprocess_env, toy_embedding


def test_a_huge_topn_returns_every_row_and_allocates_no_padding():
    # topn 10**9 used to pad the search to 10**9 columns (8 GB) before dropping the padding
    emb = toy_embedding()
    assert [w for w, _ in emb.most_similar("king", topn=10**9)] == ["man", "queen", "apple", "woman"]
    assert len(emb.analogy("man", "king", "woman", topn=10**9)) == 2
    answers, _ = emb.analogies([("man", "king", "woman")], topn=10**9)
    assert len(answers[0]) == 2
    rows, unknown = emb.neighbors(["king"], topn=10**9)
    assert [n for _, n, _ in rows] == ["man", "queen", "apple", "woman"] and unknown == []


@pytest.mark.parametrize("topn", [2.5, "3", None])
def test_topn_that_is_not_a_whole_number_is_named(topn):
    emb = toy_embedding()
    with pytest.raises(ParameterError, match="^topn must be a whole number"):
        emb.analogy("man", "king", "woman", topn=topn)
    if topn is not None:  # most_similar's topn=None is gensim's "every cosine"
        with pytest.raises(ParameterError, match="^topn must be a whole number"):
            emb.most_similar("king", topn=topn)


def test_a_numpy_integer_topn_is_a_whole_number():
    assert len(toy_embedding().most_similar("king", topn=np.int64(2))) == 2


def test_negative_restrict_vocab_is_named_not_an_empty_answer():
    emb = toy_embedding()
    with pytest.raises(ParameterError, match="^restrict_vocab must be non-negative, got -1"):
        emb.most_similar("king", restrict_vocab=-1)
    assert [w for w, _ in emb.most_similar("king", restrict_vocab=3)] == ["man", "queen"]


def test_a_query_vector_with_nan_is_named_not_an_empty_answer():
    emb = toy_embedding()
    with pytest.raises(ParameterError, match="NaN or infinity"):
        emb.most_similar(np.array([np.nan, 1.0, 0.0]))
    with pytest.raises(ParameterError, match="^queries row 1 holds NaN or infinity"):
        emb.search(np.array([[1.0, 0, 0], [np.inf, 0, 0]]))


def test_an_all_zero_query_has_no_neighbours_as_on_the_command_line():
    # before, the first rows came back with cosine 0, as if they were the nearest
    emb = toy_embedding()
    with pytest.warns(EmbedkitWarning, match="all-zero vector: it has no neighbours"):
        assert emb.similar_by_vector(np.zeros(3)) == []
    with pytest.warns(EmbedkitWarning):
        assert emb.most_similar(positive=["king"], negative=["king"]) == []
    assert (emb.most_similar(np.zeros(3), topn=None) == 0).all()  # every cosine, all 0


def test_query_vectors_of_any_dtype_or_layout_give_the_same_answer():
    emb = toy_embedding()
    base = emb.most_similar(np.array([1, 1, 0], np.float32), topn=3)
    for v in (np.array([1, 1, 0]), np.array([1.0, 1.0, 0.0]), np.asfortranarray([[1.0], [1.0], [0.0]])[:, 0]):
        got = emb.most_similar(v, topn=3)
        assert [w for w, _ in got] == ["king", "man", "queen"] == [w for w, _ in base]
        assert [s for _, s in got] == pytest.approx([s for _, s in base], abs=1e-6)


def test_neighbors_of_one_word_given_as_a_string():
    # a str used to be taken letter by letter: no answer, and 'k', 'i', 'n', 'g' unknown
    emb = toy_embedding()
    assert emb.neighbors("king", topn=1) == emb.neighbors(["king"], topn=1)
    assert emb.neighbors("king", topn=1)[0][0][:2] == ("king", "man")


def test_vectors_that_do_not_fit_the_words_name_the_parameter():
    with pytest.raises(ParameterError, match=r"^vectors must be an array of shape \(5, dim\) for 5 words, got \(5,\)"):
        Embedding(TOY_WORDS, np.ones(5))
    with pytest.raises(ValueError):  # still a ValueError, as before
        Embedding(TOY_WORDS, np.ones((4, 3)))


def test_vectors_given_as_a_list_of_rows():
    emb = Embedding(["a", "b"], [[1, 0], [1, 1]])
    assert emb.vectors.dtype == np.float32 and emb.similarity("a", "b") == pytest.approx(2**-0.5)


def test_a_graph_embedding_says_nodes():
    g = Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], nodes=["a", "b", "c", "d"], source="g.csv")
    emb = embed_graph(g, GraphOptions(method="netmf", dim=2)).embedding
    assert repr(emb).startswith("<Embedding: 4 nodes × 2 dims, from 'g.csv'")


def test_sentence_features_refuse_one_string_for_lines():
    feats = SentenceFeatures(toy_embedding(), "mean")
    with pytest.raises(
        ParameterError, match=r"^lines must be a sequence of lines, not one string \(give \[line\]\), got 'king man'"
    ):
        feats.transform("king man")
    assert feats.transform(["king man"]).shape == (1, 3)


def test_train_words_takes_a_path_and_refuses_tokens(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\nb c d\nc d a\n")
    opts = WordOptions(min_count=1, dim=2, remove_top=0)
    from_path = train_words(Path(corpus), opts)
    assert from_path.words == train_words(str(corpus), opts).words
    assert np.array_equal(from_path.vectors, train_words([corpus], opts).vectors)
    with pytest.raises(ParameterError, match="^corpus must be file paths .* not a list"):
        train_words([["a", "b"]], opts)


def test_train_words_takes_sentences_as_it_takes_their_file(tmp_path):
    """train_words(sentences=...) counts the text as the file that holds it, one line a
    sentence (a generator too), names it <sentences>, and refuses what is not text."""
    text = ["a b c d", "b c d a", "c d a b", "d a b c", "a c b d"]
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(text) + "\n")
    opts = WordOptions(min_count=1, dim=2, remove_top=0)
    from_file = train_words(corpus, opts)
    from_text = train_words(sentences=(s for s in text), opts=opts)
    assert from_text.words == from_file.words and np.array_equal(from_text.vectors, from_file.vectors)
    assert from_text.params["corpus"] == "<sentences>"
    with pytest.raises(ParameterError, match=r"^sentences\[1\] is a list, not a str"):
        train_words(sentences=["a b", ["a", "b"]], opts=opts)
    with pytest.raises(ParameterError, match="^sentences must be an iterable of str"):
        train_words(sentences="a b c", opts=opts)
    with pytest.raises(ParameterError, match="^give corpus .* or sentences"):
        train_words(corpus, opts, sentences=text)
    with pytest.raises(DataError, match="^<sentences>: the corpus has no tokens"):
        train_words(sentences=[], opts=opts)


def test_the_main_entry_points_are_in_embedkit_itself_imported_on_first_use():
    """``from embedkit import train_words`` (every name of ``__all__``) gives the object
    of the module that defines it, and ``import embedkit`` alone imports neither numpy
    nor any of those modules (checked in a fresh interpreter)."""
    import subprocess
    import sys

    import embedkit
    import embedkit.features
    import embedkit.formats
    import embedkit.pipeline

    assert embedkit.train_words is embedkit.pipeline.train_words and embedkit.Graph is Graph
    assert embedkit.load_model is embedkit.formats.load_model
    assert embedkit.SentenceFeatures is embedkit.features.SentenceFeatures
    assert {"Embedding", "train_words", "embed_graph", "load_model", "Graph", "SentenceFeatures"} <= set(
        embedkit.__all__
    )
    assert all(getattr(embedkit, name) is not None for name in embedkit.__all__)
    assert set(embedkit.__all__) <= set(dir(embedkit))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        embedkit.nope  # noqa: B018
    code = "import sys, embedkit; print(sorted(m for m in sys.modules if m == 'numpy' or m.startswith('embedkit.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=subprocess_env())
    out = out.stdout
    assert out.strip() == "[]"


def test_a_dim_that_is_not_a_whole_number_fails_before_the_corpus_is_read():
    with pytest.raises(ParameterError, match="^dim must be a whole number, got 2.5"):
        train_words("no-such-file.txt", WordOptions(dim=2.5))


def test_a_duplicate_word_is_found_at_its_first_row_however_it_is_looked_up():
    # the word → row dictionary used to keep the last row, a scan of the word list the first
    emb = Embedding(["a", "b", "a"], np.array([[1, 0], [0, 1], [-1, 0]], np.float32))
    assert emb.id("a") == 0 and emb.key_to_index["a"] == 0 and emb.key_to_index["b"] == 1
    assert emb.get_vector("a").tolist() == [1, 0]


def test_a_networkx_graph_becomes_the_graph_its_edge_list_reads_as(tmp_path):
    nx = pytest.importorskip("networkx")
    from embedkit.graph import read_edges

    g = nx.Graph()
    g.add_weighted_edges_from([("a", "b", 2.0), ("b", "c", 1.0), ("c", "a", 1.0), ("c", "d", 3.0)])
    g.add_edge("d", "d")  # a self-loop is dropped, as the reader drops it
    (tmp_path / "e.csv").write_text("a,b,2\nb,c,1\nc,a,1\nc,d,3\nd,d,1\n")
    ours, read = Graph.from_networkx(g), read_edges(str(tmp_path / "e.csv"))
    assert ours.nodes == read.nodes == ["a", "b", "c", "d"] and not ours.directed
    assert np.array_equal(ours.indptr, read.indptr) and np.array_equal(ours.indices, read.indices)
    assert np.array_equal(ours.weights, read.weights) and ours.n_edges == read.n_edges == 4
    assert Graph.from_networkx(nx.DiGraph(g)).directed
    unweighted = Graph.from_networkx(g, weight=None)
    assert not unweighted.weighted and set(unweighted.weights) == {1.0}


def test_embed_graph_names_a_graph_of_another_library():
    nx = pytest.importorskip("networkx")
    with pytest.raises(ParameterError, match=r"^graph must be an embedkit.graph.Graph .*not a Graph"):
        embed_graph(nx.path_graph(4))
    with pytest.raises(ParameterError, match="^graph must be a networkx graph, not a list"):
        Graph.from_networkx([(0, 1)])


@pytest.mark.parametrize(
    "src, dst, kwargs, message",
    [
        ([0, 1, 2], [1, 2], {}, r"^src and dst must have one length, got 3 and 2"),
        ([0.5, 1], [1, 2], {}, r"^src must hold whole node numbers, got 0.5"),
        ([-1, 1], [1, 2], {}, r"^src must hold node numbers 0 … n − 1, got -1"),
        ([0, 1], [1, 5], {"nodes": ["a", "b"]}, r"^node number 5 in src / dst is not below n \(2\)"),
        ([0, 1], [1, 2], {"n": 3, "nodes": ["a", "b"]}, r"^nodes must name the 3 nodes, got 2"),
        (
            [0, 1, 2],
            [1, 2, 0],
            {"weights": [1, np.nan, 1]},
            r"^weights must be finite and non-negative, got nan for edge 1",
        ),
        ([0, 1], [1, 2], {"weights": [1]}, r"^weights must have one value an edge \(2\)"),
        ([[0, 1]], [[1, 2]], {}, r"^src must be a 1-D array of node numbers, got shape \(1, 2\)"),
        # a sparse numbering would build a string a node: refused before, not after, the hang
        ([0, 10**12], [1, 2], {}, r"^a graph of 1,000,000,000,001 nodes .* up to 1,000,000,000,000\) is above 2,147"),
    ],
)
def test_edge_arrays_that_cannot_be_a_graph_name_the_argument(src, dst, kwargs, message):
    # each used to be a silent wrong graph (0.5 taken as 0, a NaN edge dropped, two names for
    # six nodes) or a NumPy / SciPy error from inside
    with pytest.raises(ParameterError, match=message):
        Graph.from_edges(np.array(src), np.array(dst), **kwargs)


def test_whole_float_node_numbers_are_node_numbers():
    g = Graph.from_edges(np.array([0.0, 1.0]), np.array([1.0, 2.0]))
    assert g.n == 3 and g.n_edges == 2


def test_library_messages_name_the_library_way_and_the_cli_its_own(tmp_path, cli):
    from embedkit.errors import DataError, InputError
    from embedkit.formats import load_model, read_vectors

    p = tmp_path / "v.txt"
    p.write_text("a 1 2\nb 1 nan\nc 2 1\n")
    with pytest.raises(InputError) as exc:
        load_model(p, cache=False)
    assert str(exc.value).endswith(
        "word 'b' has a non-finite value (nan); read_vectors(path, nonfinite='drop') leaves such rows out"
    )
    assert "--" not in str(exc.value)
    with pytest.warns(UserWarning):
        assert read_vectors(p, nonfinite="drop").words == ["a", "c"]  # the way it names works
    r = cli("neighbors", "a", "-m", str(p))
    assert r.exit_code == 3 and "'embedkit import FILE --drop-nonfinite' leaves such rows out" in r.stderr
    with pytest.raises(DataError) as exc:
        SentenceFeatures(toy_embedding(), "sif")
    assert "give the vectors their counts: Embedding(words, vectors, counts)" in str(exc.value)
    assert "--" not in str(exc.value)


def test_the_stages_name_nan_counts_and_a_matrix_that_is_not_one():
    import scipy.sparse as sp

    from embedkit.errors import DataError
    from embedkit.linalg import truncated_svd
    from embedkit.weighting import pmi

    counts = sp.csr_matrix(np.array([[0, 2, 1], [2, 0, np.nan], [1, 3, 0]]))
    with pytest.raises(DataError, match="must be finite numbers"):  # was a PPMI matrix of NaN
        pmi(counts)
    m = np.arange(12.0).reshape(4, 3)
    with pytest.raises(ParameterError, match=r"^m must be a matrix \(2-D\), got shape \(3,\)"):
        truncated_svd(m[0], dim=1)
    with pytest.raises(DataError, match="NaN or infinity"):  # was U, s, Vt of NaN
        truncated_svd(np.where(m > 10, np.inf, m), dim=1)
    # any dtype and memory order: the same singular values
    s = truncated_svd(m, dim=2, solver="randomized").s
    for other in (m.astype(np.int64), np.asfortranarray(m), m.tolist()):
        assert truncated_svd(other, dim=2).s == pytest.approx(s, rel=1e-6)


def test_build_lsa_refuses_one_string_for_its_documents():
    from embedkit.lsa import build_lsa

    with pytest.raises(ParameterError, match=r"^lines must be a list of documents, not one string"):
        build_lsa("the dog and the cat", dim=2)  # was 19 one-letter documents
    assert build_lsa(["the dog and the cat", "a cat and a hat"], dim=2).docs.shape == (2, 2)


def test_node_classification_takes_one_fraction_as_a_float():
    from embedkit.evaluate import node_classification

    rng = np.random.default_rng(0)
    labels = {f"n{i}": [f"c{i % 2}"] for i in range(40)}
    vectors = np.array([[1.0, 0.0] if i % 2 else [0.0, 1.0] for i in range(40)]) + 0.05 * rng.standard_normal((40, 2))
    emb = Embedding(list(labels), vectors.astype(np.float32))
    (one,) = node_classification(emb, labels, 0.5, repeats=2)  # was: 'float' object is not iterable
    assert one == node_classification(emb, labels, (0.5,), repeats=2)[0] and one.micro_f1 == 1.0
    with pytest.raises(ParameterError, match="^repeats must be a whole number"):
        node_classification(emb, labels, 0.5, repeats=1.5)


def test_a_batch_of_queries_scores_the_same_in_either_memory_order():
    rng = np.random.default_rng(3)
    emb = Embedding([f"w{i}" for i in range(500)], rng.standard_normal((500, 48)).astype(np.float32))
    q = rng.standard_normal((3, 48)).astype(np.float32)
    ids, scores = emb.search(q, 5)
    ids_f, scores_f = emb.search(np.asfortranarray(q), 5)
    assert np.array_equal(ids, ids_f) and np.array_equal(scores, scores_f)  # bit for bit


def test_most_similar_scores_a_pair_as_similarity_does():
    # the float64 dot of the two unit vectors, not the search's float32 product
    emb = toy_embedding()
    for word, score in emb.most_similar("king", topn=3):
        assert isinstance(score, float) and score == pytest.approx(emb.similarity("king", word), abs=1e-12)
    ((word, score),) = emb.most_similar(positive=["king", "woman"], negative=["man"], topn=1)
    assert -1.0 <= score <= 1.0
