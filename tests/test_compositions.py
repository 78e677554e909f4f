"""The compositions the command line calls in one step, tested as library functions, and
the edge where library errors (in parameter names) become command-line errors (in flags)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import embedkit.pipeline as pipeline_module
from embedkit.errors import DataError, ParameterError, param
from embedkit.features import SentenceFeatures
from embedkit.graph import Graph
from embedkit.io import load_matrix
from embedkit.linalg import pca, truncated_svd
from embedkit.options import GraphOptions, WordOptions
from embedkit.pipeline import count_corpus, factorize_matrix, graph_route, train_words

from .conftest import DEMO, one_line_error, toy_embedding


# -- errors: parameter names in the library, flags on the command line -----------------------
def test_parameter_error_names_the_parameter_and_the_cli_its_flag(cli, tmp_path):
    with pytest.raises(ParameterError, match=r"^dim must be at least 1, got 0$") as info:
        truncated_svd(np.eye(3), dim=0)
    assert info.value.param == "dim" and info.value.value == 0
    assert isinstance(info.value, ValueError)  # as scikit-learn's parameter errors are
    # the flag appears only when the command line renders it, also after a trip through
    # a worker process (pickle)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == "dim must be at least 1, got 0" and again.param == "dim"
    assert again.render(lambda p: "--" + p) == "--dim must be at least 1, got 0"
    # a parameter named inside another error's message
    e = DataError(f"no word is left; lower {param('min_count')}")
    assert str(e) == "no word is left; lower min_count"
    # the same error through the command line names the flag (and -k for topn)
    toy_embedding().save(tmp_path / "m.ekm")
    one_line_error(cli("analogy", "king", "queen", "man", "-k", "0", "-m", tmp_path / "m.ekm"), "-k must be", code=2)
    one_line_error(cli("train-words", DEMO, "--min-count", "0", "-o", tmp_path / "x.ekm"), "--min-count must", code=2)


# -- counting: one route for cooccur and train-words -------------------------------------------
def test_cooccur_and_train_words_count_a_small_corpus_on_threads(cli, tmp_path, monkeypatch):
    """Both commands run count_corpus, so a small corpus is counted on threads of this
    process, not forked workers (cooccur used to fork them: it never passed the number of
    tokens)."""
    seen = []
    real = pipeline_module.count_cooccurrences

    def spy(*args, **kw):
        seen.append((kw["workers"], kw["threads"]))
        return real(*args, **kw)

    monkeypatch.setattr(pipeline_module, "count_cooccurrences", spy)
    r = cli("cooccur", DEMO, "--workers", "2", "--window", "3", "-o", tmp_path / "c.npz")
    assert r.exit_code == 0, r.stderr
    r = cli("train-words", DEMO, "--workers", "2", "--window", "3", "--dim", "20", "-q", "-o", tmp_path / "m.ekm")
    assert r.exit_code == 0, r.stderr
    assert seen == [(2, True), (2, True)]
    # and they count the same matrix
    counts, words, _, params = load_matrix(tmp_path / "c.npz")
    c = count_corpus(str(DEMO), WordOptions(window=3, workers=2))
    assert words == c.vocab.words and params["corpus"] == c.source == str(DEMO)
    assert (counts != c.counts).nnz == 0 and c.n_tokens > 0
    # a given vocabulary (cooccur --vocab): one pass, the same counts and tokens
    given = count_corpus([str(DEMO)], WordOptions(window=3), vocab=c.vocab)
    assert given.vocab is c.vocab and given.n_tokens == c.n_tokens and (given.counts != c.counts).nnz == 0


def test_factorize_matrix_records_the_params_train_words_records(tmp_path):
    opts = WordOptions(window=3, dim=20, seed=1, subwords=False)  # the staged svd adds no subwords
    c = count_corpus(str(DEMO), opts)
    from embedkit.weighting import pmi

    m = pmi(c.counts, opts.transform, opts.shift, opts.cds)
    pmi_params = WordOptions(window=3, subwords=False).params()  # what the pmi stage records
    recorded = {"stage": "pmi", "corpus": c.source, "tokens": c.n_tokens, **pmi_params}
    staged = factorize_matrix(m, c.vocab.words, c.vocab.counts, recorded, dim=20, seed=1)
    oneshot = train_words(str(DEMO), opts)
    assert staged.params == oneshot.params
    np.testing.assert_array_equal(staged.vectors, oneshot.vectors)


# -- graphs: the route is data; the command line words it ------------------------------------
def test_graph_route_says_which_route_and_why_before_any_work(monkeypatch):
    ring = Graph.from_edges(np.arange(30), (np.arange(30) + 1) % 30, n=30)
    r = graph_route(ring, GraphOptions(dim=4))
    assert (r.method, r.chosen, r.nodes, r.dense_bytes) == ("netmf+sparse", True, 30, 4 * 30 * 30)
    monkeypatch.setattr(pipeline_module, "NETMF_MAX_NODES", 20)
    r = graph_route(ring, GraphOptions(dim=4))
    assert (r.method, r.chosen, r.netmf_max_nodes) == ("sparse", True, 20)
    assert graph_route(ring, GraphOptions(method="walks", dim=4)).chosen is False
    with pytest.raises(ParameterError, match="^dim 31 is too large for a graph of 30 nodes \\(at most 30\\)$"):
        graph_route(ring, GraphOptions(dim=31))


# -- features and PCA --------------------------------------------------------------------------
def test_fit_or_load_fits_on_the_given_lines_or_reads_a_fit(tmp_path):
    emb = toy_embedding(counts=np.array([50, 40, 30, 20, 10]))
    lines = ["king queen", "man woman", "apple king", "queen man apple"]
    f = SentenceFeatures(emb, "sif")
    assert f.fit_or_load(lines) == 4  # fitted on the lines themselves
    f.save_fit(tmp_path / "fit.npz")
    g = SentenceFeatures(emb, "sif")
    assert g.fit_or_load(["king"], fit_on=lines) == 4
    np.testing.assert_array_equal(f.transform(lines), g.transform(lines))
    h = SentenceFeatures(emb, "sif")
    assert h.fit_or_load(["king"], load_fit=str(tmp_path / "fit.npz")) is None
    np.testing.assert_array_equal(f.transform(lines), h.transform(lines))
    assert SentenceFeatures(emb, "mean").fit_or_load(lines) is None  # nothing to fit
    with pytest.raises(ParameterError, match="^give fit_on or load_fit, not both$"):
        h.fit_or_load(lines, fit_on=lines, load_fit=str(tmp_path / "fit.npz"))


def test_sentence_features_fit_on_and_load_fit_together_name_the_flags(cli, tmp_path):
    toy_embedding(counts=np.array([50, 40, 30, 20, 10])).save(tmp_path / "m.ekm")
    (tmp_path / "a.txt").write_text("king queen\n")
    r = cli(
        "sentence-features", tmp_path / "a.txt", "-m", tmp_path / "m.ekm", "--mode", "sif",
        "--fit-on", tmp_path / "a.txt", "--load-fit", tmp_path / "a.txt",
    )  # fmt: skip
    one_line_error(r, "give --fit-on or --load-fit, not both", code=2)


def test_pca_reconstruction_error_is_the_sum_of_the_dropped_squares():
    x = np.random.default_rng(0).standard_normal((40, 6))
    res = pca(x, 2)
    x_hat, error = res.reconstruction(x)
    assert x_hat.shape == x.shape
    assert error == pytest.approx(res.reconstruction_error, rel=1e-9)
    assert error == pytest.approx(((x - x.mean(0) - (x_hat - x.mean(0))) ** 2).sum(), rel=1e-9)
    exact, _ = pca(x, 6).reconstruction(x)  # every direction kept: X back
    np.testing.assert_allclose(exact, x, atol=1e-10)


# -- outputs are checked before any work ------------------------------------------------------
def test_an_output_that_cannot_be_written_is_refused_before_the_input_is_read(cli, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    out = tmp_path / "sub"
    out.mkdir()
    # an empty corpus would fail with exit 4 once read; the output is refused first (6)
    r = cli("train-words", tmp_path / "empty.txt", "-o", out)
    one_line_error(r, "is a directory, expected a file name", code=6)
    one_line_error(
        cli("train-words", tmp_path / "empty.txt", "-o", tmp_path / "no" / "m.ekm"), "does not exist", code=6
    )
    assert not any(p.name.endswith(".part") for p in tmp_path.rglob("*"))
