"""The graph routes for large graphs: the sparse route (T = 1 PMI → SVD → spectral
propagation), the automatic choice and its stderr line, the integer fast path of the
edge reader, and walks counted as they are generated."""

from __future__ import annotations

import weakref

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.linalg import eigsh

import embedkit.graph.edges as edges_module
import embedkit.pipeline as pipeline_module
from embedkit import kernels
from embedkit.evaluate import node_classification
from embedkit.graph import Graph, random_walks, read_edges
from embedkit.pipeline import GraphOptions, embed_graph
from embedkit.vectors import Embedding

from .conftest import load_benchmark


def _gen_graph():
    return load_benchmark("gen_graph")


@pytest.fixture(scope="module")
def planted():
    """3,000 nodes, 15,000 edges, 10 planted communities, skewed degrees (gen_graph.py)."""
    g = _gen_graph().generate(3000, 15_000, communities=10, mu=0.8, seed=1)
    return Graph.from_edges(g.source, g.target, n=3000), g.community


def test_sparse_route_recovers_planted_communities(planted):
    g, community = planted
    emb = embed_graph(g, GraphOptions(method="sparse", dim=32, seed=0)).embedding
    assert emb.vectors.shape == (3000, 32) and emb.params["method"] == "sparse"
    labels = {str(v): [str(c)] for v, c in enumerate(community) if g.degrees[v] > 0}
    (r,) = node_classification(emb, labels, (0.5,), repeats=1)
    assert r.micro_f1 > 0.8 and r.macro_f1 > 0.8, r  # chance is 0.1
    # the propagation adds to what the T = 1 factorisation alone gives
    bare = embed_graph(g, GraphOptions(method="sparse", dim=32, seed=0, order=1)).embedding
    (r1,) = node_classification(bare, labels, (0.5,), repeats=1)
    assert r.micro_f1 > r1.micro_f1, (r, r1)


def test_sparse_route_is_deterministic_for_a_seed(planted):
    g, _ = planted
    a = embed_graph(g, GraphOptions(method="sparse", dim=16, seed=3)).embedding
    b = embed_graph(g, GraphOptions(method="sparse", dim=16, seed=3)).embedding
    assert a.vectors.tobytes() == b.vectors.tobytes()
    c = embed_graph(g, GraphOptions(method="sparse", dim=16, seed=4)).embedding
    assert not np.array_equal(a.vectors, c.vectors)


def test_sparse_route_gives_isolated_nodes_zero_vectors_and_takes_directed_graphs():
    g = Graph.from_edges(np.array([0, 1, 2, 3]), np.array([1, 2, 0, 4]), n=7)
    emb = embed_graph(g, GraphOptions(method="sparse", dim=3)).embedding
    assert np.all(emb.vectors[[5, 6]] == 0) and np.all(np.linalg.norm(emb.vectors[:5], axis=1) > 0)
    d = Graph.from_edges(np.array([0, 1, 2, 3]), np.array([1, 2, 0, 4]), n=7, directed=True)
    emb = embed_graph(d, GraphOptions(method="sparse", dim=3)).embedding
    assert emb.params["method"] == "sparse" and emb.params["directed"] is True
    # node 4 is a sink (an in-edge only): it keeps a vector; 5 and 6 have no edge at all
    assert np.all(emb.vectors[[5, 6]] == 0) and np.all(np.linalg.norm(emb.vectors[:5], axis=1) > 0)


def test_truncated_eigh_gives_the_top_singular_triplets_of_a_symmetric_matrix(planted):
    from embedkit.graph import sparse_pmi_matrix
    from embedkit.linalg import truncated_eigh

    m = sparse_pmi_matrix(planted[0])
    w, u = truncated_eigh(m, 12, n_iter=8, seed=0)
    # the reference: ARPACK's 12 eigenvalues of largest magnitude (a dense eigvalsh of the
    # same matrix gives the same values in 100 × the time)
    truth = eigsh(m.astype(np.float64), k=12, which="LM", return_eigenvectors=False, v0=np.ones(m.shape[0]))
    truth = truth[np.argsort(-np.abs(truth))]
    # signed, by decreasing magnitude; the ones near the cut (a slow tail here) converge last
    np.testing.assert_allclose(w[:9], truth[:9], rtol=1e-3)
    np.testing.assert_allclose(w, truth, rtol=1e-2)
    np.testing.assert_allclose(u.T @ u, np.eye(12), atol=1e-4)
    assert np.linalg.norm(m @ u[:, :9] - u[:, :9] * w[:9], axis=0).max() < 0.05 * np.abs(w).max()
    assert (u[np.argmax(np.abs(u), axis=0), np.arange(12)] > 0).all()  # truncated_svd's signs


# -- the automatic choice and its line on stderr -------------------------------------------
@pytest.fixture
def karate_csv(tmp_path):
    p = tmp_path / "k.csv"
    p.write_text("".join(f"{u},{v}\n" for u, v in nx.karate_club_graph().edges()))
    return p


def test_auto_takes_the_sparse_route_above_the_netmf_limit_and_says_so(cli, karate_csv, monkeypatch):
    out = karate_csv.parent / "k.ekm"
    r = cli("embed-graph", karate_csv, "-o", out, "--dim", "8")
    assert r.exit_code == 0, r.stderr
    assert "embedkit: 34 nodes: dense NetMF (5 KB) beside the sparse route" in r.stderr
    assert Embedding.load(out).params["method"] == "netmf+sparse" and Embedding.load(out).dim == 16

    monkeypatch.setattr(pipeline_module, "NETMF_MAX_NODES", 20)
    r = cli("embed-graph", karate_csv, "-o", out, "--dim", "8", "-v")
    assert r.exit_code == 0, r.stderr
    (line,) = [x for x in r.stderr.splitlines() if x.startswith("embedkit: 34 nodes:")]
    assert "34 nodes: sparse route" in line and "dense NetMF needs 5 KB above 20 nodes" in line, line
    assert Embedding.load(out).params["method"] == "sparse"
    for stage in ("read", "pmi", "svd", "propagate", "orthogonalise", "save"):
        assert any(x.split()[0] == stage for x in r.stderr.splitlines() if x.startswith("  ")), stage

    r = cli("embed-graph", karate_csv, "-o", out, "--dim", "8", "-q")
    assert r.exit_code == 0 and r.stderr == ""
    # a directed graph above the limit: the sparse route too, on the PageRank walk's matrix
    r = cli("embed-graph", karate_csv, "-o", out, "--dim", "8", "--directed")
    assert r.exit_code == 0, r.stderr
    (line,) = [x for x in r.stderr.splitlines() if x.startswith("embedkit: 34 nodes:")]
    assert "34 nodes: sparse route: directed (PageRank walk) T = 1 PMI" in line, line
    assert Embedding.load(out).params["method"] == "sparse"
    # below the limit: the sparse route as well (walks before; BENCHMARKS.md "Graphs of other kinds"),
    # and a walk setting given with auto is warned about, naming why the sparse route was taken
    monkeypatch.setattr(pipeline_module, "NETMF_MAX_NODES", 20_000)
    r = cli("embed-graph", karate_csv, "-o", out, "--dim", "8", "--directed", "--walk-length", "20")
    assert r.exit_code == 0, r.stderr
    (line,) = [x for x in r.stderr.splitlines() if x.startswith("embedkit: 34 nodes:")]
    assert line.endswith(
        "sparse route: directed (PageRank walk) T = 1 PMI, SVD, spectral propagation (a directed graph)"
    )
    assert "--walk-length is not used by the sparse route, which --method auto takes for a directed graph" in r.stderr
    assert Embedding.load(out).params["method"] == "sparse"
    r = cli("embed-graph", karate_csv, "-o", out, "--dim", "8", "--directed", "--method", "walks")
    assert r.exit_code == 0 and "walks route: 10 walks × 80 steps a node (as asked)" in r.stderr, r.stderr
    assert Embedding.load(out).params["method"] == "walks"


def test_options_that_cannot_run_give_one_clear_error_line(cli, karate_csv):
    out = karate_csv.parent / "m.ekm"
    r = cli("embed-graph", karate_csv, "--method", "sparse", "--directed", "--dim", "40", "-o", out)
    assert r.exit_code == 2 and not out.exists()
    *notes, err = r.stderr.strip().splitlines()  # (a note on nodes without out-edges) and the error
    assert err.startswith("embedkit: error: ") and "--dim 40 is too large" in err and "Traceback" not in r.output
    assert not any(x.startswith("embedkit: 34 nodes:") for x in notes)  # no route line before the error
    r = cli("embed-graph", karate_csv, "--dim", "40", "-o", out)
    (err,) = r.stderr.strip().splitlines()
    assert r.exit_code == 2 and "--dim 40 is too large for a graph of 34 nodes" in err and not out.exists()


# -- the edge reader's integer fast path -------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "1,2\n2,10\n10,3\n3,1\n",
        "5\t7\r\n7\t0\r\n\r\n0\t5\r\n",
        "  4 9\n9   12\n\n12 4",
        "1, 2\n2 ,3\n3,1\n",
        "0,1\n1,1\n1,0\n",  # a self-loop and a duplicate
    ],
)
def test_integer_fast_path_reads_what_the_general_parser_reads(tmp_path, monkeypatch, text):
    p = tmp_path / "g.txt"
    p.write_text(text)
    assert edges_module._integer_edges(np.frombuffer(text.encode() + b"\n", np.uint8), None) is not None
    fast = read_edges(str(p))
    monkeypatch.setattr(edges_module, "_integer_edges", lambda buf, delimiter: None)
    slow = read_edges(str(p))
    assert fast.nodes == slow.nodes and fast.n_edges == slow.n_edges and fast.merged == slow.merged
    assert fast.self_loops_dropped == slow.self_loops_dropped
    np.testing.assert_array_equal(fast.indptr, slow.indptr)
    np.testing.assert_array_equal(fast.indices, slow.indices)


@pytest.mark.parametrize(
    "text",
    ["007,1\n1,2\n", "1,2,3\n2,3,1\n", "# c\n1,2\n", "1,2\n3\n", "1,-2\n", "1,2\n3,4,\n", "1\t2\n3,4\n", "1 2 3 4\n"],
)
def test_anything_else_goes_to_the_general_parser(text):
    assert edges_module._integer_edges(np.frombuffer(text.encode(), np.uint8), None) is None, text


def test_bad_integer_file_still_names_the_line(cli, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("1,2\n2,3\n3,4,5\n")
    r = cli("embed-graph", p, "-o", tmp_path / "m.ekm")
    err = r.stderr.strip()
    assert r.exit_code not in (0, None) and len(err.splitlines()) == 1
    assert "bad.csv, line 3" in err and "found 3" in err


# -- walks are counted as they are generated ---------------------------------------------
def test_walk_batches_are_counted_as_generated_never_all_held(monkeypatch):
    g = Graph.from_edges(*np.array(list(nx.connected_watts_strogatz_graph(300, 6, 0.2, seed=0).edges())).T, n=300)
    alive: list[weakref.ref] = []
    most_alive = 0
    produced = 0

    def tracked(*args, **kwargs):
        nonlocal most_alive, produced
        gen = random_walks(*args, **kwargs, batch_steps=800)  # 10 walks of 80 steps a batch
        assert iter(gen) is gen  # a generator, not a list
        for batch in gen:
            produced += 1
            alive.append(weakref.ref(batch))
            most_alive = max(most_alive, sum(r() is not None for r in alive))
            yield batch
            del batch

    monkeypatch.setattr(pipeline_module, "random_walks", tracked)
    emb = embed_graph(g, GraphOptions(method="walks", dim=8, walks_per_node=4, walk_length=80)).embedding
    assert produced == 120 and emb.vectors.shape == (300, 8)
    assert most_alive <= 2, most_alive  # the batch being counted (and the one just made)


@pytest.mark.skipif(not kernels.ENABLED, reason="numba is not installed (or EMBEDKIT_NO_JIT is set)")
def test_compiled_integer_pass_reads_what_the_numpy_passes_read():
    """The compiled one-pass parser against the numpy reference, on random files built from
    the bytes the fast path has to judge: digits, separators, blanks, CR, a stray letter."""
    rng = np.random.default_rng(0)
    pieces = ["1", "23", "0", "007", "10", "999999999999999999", "1234567890123456789",
              ",", ", ", "\t", " ", "  ", "\n", "\r\n", "\n\n", ",\n", "\t\n", "x", "-"]  # fmt: skip
    texts = ["1,2\n2,10\n", "5\t7\r\n7\t0\r\n\r\n0\t5\r\n", "\t1\t2\n", ",\n1,2\n", "\t\n1\t2\n", "1 2\n3\t4\n",
             "1,2\n", "1\t2,\n"]  # fmt: skip

    def line():
        return "".join(rng.choice(pieces[:6])) + rng.choice([",", "\t", " ", " , "]) + rng.choice(pieces[:6])

    for _ in range(3000):
        body = "\n".join(line() for _ in range(rng.integers(1, 4))) + "\n"
        at = int(rng.integers(0, len(body)))
        texts.append(body[:at] + str(rng.choice(pieces)) + body[at:])
    agree = 0
    for text in texts:
        buf = np.frombuffer(text.encode(), np.uint8)
        for delimiter in (None, ",", "\t", " "):
            fast = edges_module._integer_values(buf, delimiter) if buf[-1] == 10 else None
            ref = edges_module._integer_values_numpy(buf, delimiter) if buf[-1] == 10 else None
            assert (fast is None) == (ref is None), (text, delimiter)
            if ref is not None:
                np.testing.assert_array_equal(fast, ref)
                agree += 1
    assert agree > 300  # many files were read, not only refused
