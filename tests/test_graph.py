"""Graphs: edge lists, random walks, NetMF, node evaluation, and the graph commands."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from embedkit.errors import ParameterError, UnknownWordError
from embedkit.evaluate import link_prediction, node_classification, read_node_labels, split_edges
from embedkit.graph import Graph, graph_sinks, netmf_matrix, random_walks, read_edges, top_eigenpairs
from embedkit.graph.walks import _reversed_rows
from embedkit.pipeline import GraphOptions, embed_graph
from embedkit.vectors import Embedding

from .conftest import one_line_error, shared, subprocess_env


def _graph(nxg: nx.Graph, weight: str | None = None) -> Graph:
    edges = np.array(list(nxg.edges()), dtype=np.int64).reshape(-1, 2)
    w = None if weight is None else np.array([d[weight] for _, _, d in nxg.edges(data=True)], dtype=float)
    return Graph.from_edges(edges[:, 0], edges[:, 1], n=nxg.number_of_nodes(), weights=w)


def _all_walks(g: Graph, **kw) -> np.ndarray:
    return np.vstack(list(random_walks(g, **kw)))


def _edge_set(g: Graph) -> set[tuple[int, int]]:
    rows = np.repeat(np.arange(g.n), g.degrees)
    return set(zip(rows.tolist(), g.indices.tolist()))


# -- reading edge lists ---------------------------------------------------------------
def test_read_edges_formats_header_comments_duplicates(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text(
        "source,target,weight\n# a comment\nalice, bob ,1.5\nbob,carol,2\n\n  # indented comment\nbob,alice,0.5\n"
    )
    g = read_edges(str(p))
    assert g.nodes == ["alice", "bob", "carol"]
    assert g.n_edges == 2 and g.merged == 1 and g.weighted
    a = g.adjacency().toarray()
    # alice–bob listed twice (both directions): weights summed, symmetric
    np.testing.assert_array_equal(a, [[0, 2.0, 0], [2.0, 0, 2.0], [0, 2.0, 0]])

    p.write_text("1\t2\n2\t10\n10\t10\n")
    g = read_edges(str(p))
    assert g.nodes == ["1", "2", "10"]  # integer ids in numeric order, kept as written
    assert g.n_edges == 2 and g.self_loops_dropped == 1
    g = read_edges(str(p), self_loops=True)
    assert g.n_edges == 3 and g.adjacency()[2, 2] == 1.0

    p.write_text("u v\n007 1\n1 2\n")  # header detected (non-numeric above numeric), "007" kept
    g = read_edges(str(p), directed=True)
    assert g.nodes == ["1", "007", "2"] or set(g.nodes) == {"007", "1", "2"}
    assert "007" in g.nodes and g.n_edges == 2 and g.directed
    i = {v: k for k, v in enumerate(g.nodes)}
    assert g.adjacency()[i["007"], i["1"]] == 1 and g.adjacency()[i["1"], i["007"]] == 0


def test_read_edges_reports_isolated_nodes(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("a,b\nc,c\n")
    g = read_edges(str(p))
    assert g.nodes == ["a", "b", "c"] and g.isolated.tolist() == [2]
    assert g.isolated_note() == f"{p}: 1 node with no edge (e.g. 'c'); it gets a zero vector"
    edges = "".join(f"n{u},n{v}\n" for u, v in nx.karate_club_graph().edges())
    p.write_text(edges + "lonely,lonely\n")
    g = read_edges(str(p))
    assert g.n == 35 and [g.nodes[i] for i in g.isolated] == ["lonely"]
    for method in ("netmf", "walks"):
        emb = embed_graph(g, GraphOptions(dim=4, method=method)).embedding
        assert np.all(emb["lonely"] == 0) and np.all(np.linalg.norm(np.delete(emb.vectors, g.isolated, 0), axis=1) > 0)


# -- random walks ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["uniform", "weighted", "node2vec", "node2vec-weighted"])
def test_walks_follow_edges_with_the_asked_counts_and_lengths(kind):
    nxg = nx.connected_watts_strogatz_graph(60, 4, 0.3, seed=1)
    for u, v in nxg.edges():
        nxg[u][v]["w"] = 1.0 + (u * 7 + v) % 5
    g = _graph(nxg, "w" if "weighted" in kind else None)
    pq = dict(p=0.5, q=2.0) if "node2vec" in kind else {}
    w = _all_walks(g, walks_per_node=3, walk_length=17, seed=5, **pq)
    assert w.shape == (60 * 3, 17)
    assert (w >= 0).all()
    assert np.bincount(w[:, 0], minlength=60).tolist() == [3] * 60  # every node starts 3 walks
    edges = _edge_set(g)
    pairs = set(zip(w[:, :-1].ravel().tolist(), w[:, 1:].ravel().tolist()))
    assert pairs <= edges
    # same seed → same walks; another seed → other walks
    np.testing.assert_array_equal(w, _all_walks(g, walks_per_node=3, walk_length=17, seed=5, **pq))
    assert not np.array_equal(w, _all_walks(g, walks_per_node=3, walk_length=17, seed=6, **pq))


def test_long_uniform_walks_visit_nodes_in_proportion_to_degree():
    g = _graph(nx.karate_club_graph())  # connected, not bipartite
    w = _all_walks(g, walks_per_node=20, walk_length=400, seed=0)
    visits = np.bincount(w[:, 50:].ravel(), minlength=g.n) / w[:, 50:].size
    expected = g.degrees / g.degrees.sum()
    np.testing.assert_allclose(visits, expected, atol=0.004)


def test_weighted_walks_step_in_proportion_to_weight():
    g = Graph.from_edges(np.array([0, 0, 0]), np.array([1, 2, 3]), n=4, weights=np.array([1.0, 2.0, 7.0]))
    w = _all_walks(g, walks_per_node=20_000, walk_length=2, seed=1)
    first = w[w[:, 0] == 0, 1]
    freq = np.bincount(first, minlength=4)[1:] / first.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.01)


def _return_rate(g: Graph, p: float, q: float) -> float:
    w = _all_walks(g, walks_per_node=200, walk_length=12, p=p, q=q, seed=3)
    return float((w[:, 2:] == w[:, :-2]).mean())


def test_node2vec_return_rate_follows_the_transition_formula():
    # Petersen graph: 3-regular, no triangles. From v (arrived from t) the candidates are t
    # (α = 1/p) and two nodes not adjacent to t (α = 1/q): P(return) = (1/p) / (1/p + 2/q).
    g = _graph(nx.petersen_graph())
    for p, q in [(0.05, 1.0), (20.0, 1.0), (1.0, 0.5)]:
        expected = (1 / p) / (1 / p + 2 / q)
        assert _return_rate(g, p, q) == pytest.approx(expected, abs=0.01)
    assert _return_rate(g, 0.05, 1.0) > 30 * _return_rate(g, 20.0, 1.0)
    # Complete graph K5: every other candidate is adjacent to t (α = 1), whatever q is.
    k5 = _graph(nx.complete_graph(5))
    for p, q in [(0.25, 3.0), (0.25, 0.2)]:
        assert _return_rate(k5, p, q) == pytest.approx((1 / p) / (1 / p + 3), abs=0.01)


def test_walks_stop_at_dead_ends_of_directed_graphs():
    g = Graph.from_edges(np.array([0, 1]), np.array([1, 2]), n=3, directed=True)
    w = _all_walks(g, walks_per_node=1, walk_length=5, seed=0)
    # node 2 starts no walk; one walk ends there, drawn backwards from it
    assert w.tolist() == [[0, 1, 2, -2, -2], [1, 2, -2, -2, -2], [0, 1, 2, -2, -2]]
    assert graph_sinks(g).tolist() == [2]


def test_every_sink_ends_walks_from_the_nodes_that_point_at_it(cli, tmp_path):
    """A hub pointing at 50 sinks: its 10 walks reach at most 10 of them, so each sink also
    ends walks_per_node walks drawn backwards; every leaf gets a vector (field: directed-sinks)."""
    g = Graph.from_edges(np.zeros(50, dtype=np.int64), np.arange(1, 51), n=51, directed=True)
    w = _all_walks(g, walks_per_node=2, walk_length=4, seed=0)
    ends = w[w[:, 1] >= 0]
    assert w.shape[0] == 2 + 2 * 50 and sorted(set(ends[:, 1].tolist())) == list(range(1, 51))
    assert (ends[:, 0] == 0).all() and (w[:, 2:] == -2).all()  # hub → leaf, nothing after a sink
    p = tmp_path / "star.tsv"
    p.write_text("".join(f"h\tl{i}\n" for i in range(50)))
    r = cli("embed-graph", p, "--directed", "-o", tmp_path / "w.ekm", "--dim", "4", "--seed", "1", "-q")
    assert r.exit_code == 0 and "all-zero" not in r.stderr, r.stderr
    # auto takes the sparse route for a directed graph, whose PMI is empty here: it says so, walks instead
    assert "T = 1 PMI has no positive entry" in r.stderr and "--method auto takes the walks route instead" in r.stderr
    assert Embedding.load(tmp_path / "w.ekm").params["method"] == "walks"
    assert (np.linalg.norm(np.asarray(Embedding.load(tmp_path / "w.ekm").vectors), axis=1) > 0).all()
    # the sparse route's T = 1 PMI of a directed star is empty: an error, not a model of zeros
    out = tmp_path / "s.ekm"
    r = cli("embed-graph", p, "--directed", "--method", "sparse", "-o", out, "--dim", "4", "-q")
    one_line_error(r, "star.tsv: the sparse route's T = 1 PMI has no positive entry", "--method netmf", code=4, out=out)
    # the reversed rows keep their padding last, whatever their lengths
    rows = np.array([[5, 4, -2, -2], [7, -2, -2, -2], [1, 2, 3, 4]], dtype=np.int32)
    assert _reversed_rows(rows).tolist() == [[4, 5, -2, -2], [7, -2, -2, -2], [4, 3, 2, 1]]


# -- NetMF ----------------------------------------------------------------------------
def test_netmf_eigen_route_equals_the_formula_over_its_eigenpairs_and_the_exact_route():
    nxg = nx.les_miserables_graph()
    nxg = nx.convert_node_labels_to_integers(nxg)
    g = _graph(nxg, "weight")
    exact = netmf_matrix(g, window=5, negative=2.0, exact=True)
    eigen = netmf_matrix(g, window=5, negative=2.0, exact=False, rank=None)
    # the eigen route: every positive eigenpair with f(λ) = (1/T) Σ λ^r, and the negative
    # ones only while |λ⁻_j| ≥ λ⁺_{j+1} (this graph's do not mirror its positive ones)
    a = g.adjacency().toarray()
    d = a.sum(1)
    w, u = np.linalg.eigh(a / np.sqrt(np.outer(d, d)))
    assert -w.min() < np.sort(w)[-2]
    pos = w > 1e-9
    f = sum(w[pos] ** r for r in range(1, 6)) / 5
    left = u[:, pos] / np.sqrt(d)[:, None]
    by_hand = np.log(np.maximum(a.sum() / 2.0 * (left * f) @ left.T, 1))
    np.testing.assert_allclose(eigen, by_hand, atol=2e-5)
    # the exact route differs only by the small negative eigenvalues' share
    assert np.abs(eigen - exact).mean() < 0.05
    # and the dense formula itself, by hand: log max(vol/(bT) Σ P^r D^-1, 1)
    a = g.adjacency().toarray()
    d = a.sum(1)
    pm = a / d[:, None]
    s = sum(np.linalg.matrix_power(pm, r) for r in range(1, 6))
    m = a.sum() / (2.0 * 5) * s / d[None, :]
    np.testing.assert_allclose(exact, np.log(np.maximum(m, 1)), atol=2e-5)
    assert (exact > 0).mean() > 0.1


def test_chebyshev_eigensolver_finds_the_top_eigenpairs():
    from threadpoolctl import threadpool_limits

    nxg = nx.stochastic_block_model([400] * 4, np.full((4, 4), 0.004) + np.eye(4) * 0.03, seed=2)
    g = _graph(nxg)
    from embedkit.graph.netmf import _normalized

    s, _, _ = _normalized(g)
    w, u = top_eigenpairs(s, 40, seed=0)
    with threadpool_limits(1):
        truth = np.sort(np.linalg.eigvalsh(s.toarray()))[::-1][:40]
    np.testing.assert_allclose(w, truth, atol=2e-3)
    np.testing.assert_allclose(u.T @ u, np.eye(40), atol=1e-3)
    assert np.linalg.norm(s @ u - u * w, axis=0).max() < 0.02


def test_karate_club_factions_are_linearly_separable():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    nxg = nx.karate_club_graph()
    y = np.array([nxg.nodes[v]["club"] == "Officer" for v in nxg])
    for method in ("netmf", "walks"):
        x = embed_graph(_graph(nxg), GraphOptions(method=method, dim=16, seed=0)).embedding.unit
        assert LogisticRegression(C=100.0, max_iter=5000).fit(x, y).score(x, y) == 1.0, method
        assert cross_val_score(LogisticRegression(C=10.0), x, y, cv=5).mean() >= 0.85, method
        # in 4 dimensions at most one node (node 8, the famous borderline member) is on the wrong side
        x = embed_graph(_graph(nxg), GraphOptions(method=method, dim=4, seed=0)).embedding.unit
        assert LogisticRegression(C=100.0, max_iter=5000).fit(x, y).score(x, y) >= 33 / 34, method


def test_embed_graph_is_deterministic_and_stores_node_ids():
    g = _graph(nx.karate_club_graph())
    a = embed_graph(g, GraphOptions(dim=4, seed=3)).embedding
    b = embed_graph(g, GraphOptions(dim=4, seed=3)).embedding
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert a.words == [str(i) for i in range(34)] and a.params["method"] == "netmf+sparse"


def test_netmf_beside_sparse_is_the_two_routes_unit_rows_side_by_side():
    from embedkit.errors import ParameterError
    from embedkit.linalg import unit_rows

    g = _graph(nx.karate_club_graph())
    both = embed_graph(g, GraphOptions(method="netmf+sparse", dim=6, seed=2))
    parts = [embed_graph(g, GraphOptions(method=m, dim=6, seed=2)).embedding.vectors for m in ("netmf", "sparse")]
    assert both.method == "netmf+sparse" and both.embedding.params["method"] == "netmf+sparse"
    assert both.embedding.vectors.shape == (34, 12) and both.embedding.vectors.dtype == np.float32
    assert (
        both.embedding.vectors.tobytes()
        == np.hstack([unit_rows(parts[0]), unit_rows(parts[1]) * np.float32(0.7)]).tobytes()
    )
    np.testing.assert_allclose(np.linalg.norm(both.embedding.vectors, axis=1), np.sqrt(1 + 0.7**2), rtol=1e-5)
    half = embed_graph(g, GraphOptions(method="netmf+sparse", dim=6, seed=2, sparse_weight=0.5)).embedding.vectors
    assert half[:, :6].tobytes() == both.embedding.vectors[:, :6].tobytes()
    np.testing.assert_allclose(half[:, 6:], unit_rows(parts[1]) * 0.5, rtol=1e-6)
    assert set(both.timings) >= {"netmf:eigenpairs", "sparse:propagate"}
    with pytest.raises(ParameterError, match="W only"):
        embed_graph(g, GraphOptions(method="netmf+sparse", dim=6, vectors="w+c"))


# -- evaluation -----------------------------------------------------------------------
def test_node_classification_top_k_and_f1_by_hand(tmp_path):
    # two perfectly separated classes, plus a multi-label node
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal([5, 0], 0.3, (20, 2)), rng.normal([0, 5], 0.3, (20, 2))])
    words = [f"n{i}" for i in range(40)]
    emb = Embedding(words, x.astype(np.float32))
    (tmp_path / "l.csv").write_text("".join(f"n{i},{'a' if i < 20 else 'b'}\n" for i in range(40)) + "n0,b\n")
    labels = read_node_labels(str(tmp_path / "l.csv"))
    assert labels["n0"] == ["a", "b"]
    (r,) = node_classification(emb, labels, (0.5,), repeats=3)
    assert r.nodes == 40 and r.labels == 2
    # n0 (if in the test part) gets both labels (k = 2): every prediction is right
    assert r.micro_f1 == 1.0 and r.macro_f1 == 1.0


def test_a_label_missing_from_the_training_part_is_not_predicted_for_everyone():
    # 8 tight clusters; "rare" is only on n0, so most splits have no training example of it.
    # Ranking by decision values would put its constant predictor (0) above the real labels
    # (negative decision values with 1/8 positives): micro-F1 0.88 instead of 0.98.
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(8), 25)
    x = np.eye(8)[y] + rng.normal(0, 0.1, (200, 8))
    emb = Embedding([f"n{i}" for i in range(200)], x.astype(np.float32))
    labels = {f"n{i}": ["abcdefgh"[y[i]]] for i in range(200)}
    labels["n0"] = ["a", "rare"]
    (r,) = node_classification(emb, labels, (0.2,), repeats=4)
    assert r.micro_f1 > 0.95


def test_link_prediction_on_a_block_model():
    nxg = nx.stochastic_block_model([60] * 4, np.full((4, 4), 0.01) + np.eye(4) * 0.2, seed=1)
    g = _graph(nxg)
    train, test, neg = split_edges(g, 0.1, seed=0)
    assert len(test) == len(neg) == round(0.1 * g.n_edges)
    assert train.n_edges == g.n_edges - len(test)
    assert not set(map(tuple, test.tolist())) & _edge_set(train)
    assert not set(map(tuple, neg.tolist())) & _edge_set(g)
    assert (train.degrees[np.unique(test)] > 0).all()
    emb = embed_graph(train, GraphOptions(dim=16)).embedding
    assert link_prediction(emb, test, neg).auc > 0.8


# -- the command line -----------------------------------------------------------------
@pytest.fixture
def karate_files(tmp_path):
    nxg = nx.karate_club_graph()
    (tmp_path / "k.csv").write_text("".join(f"{u},{v}\n" for u, v in nxg.edges()))
    (tmp_path / "labels.csv").write_text("".join(f"{v},{d['club']}\n" for v, d in nxg.nodes(data=True)))
    return tmp_path


def test_cli_walks_into_cooccur(cli, karate_files):
    d = karate_files
    r = cli("walks", d / "k.csv", "--walks-per-node", "2", "--walk-length", "7", "--seed", "1")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 68 and all(len(line.split(" ")) == 7 for line in lines)
    g = read_edges(str(d / "k.csv"))
    edges = {(g.nodes[a], g.nodes[b]) for a, b in _edge_set(g)}
    assert all((u, v) in edges for line in lines for u, v in zip(line.split()[:-1], line.split()[1:]))
    assert cli("walks", d / "k.csv", "--walks-per-node", "2", "--walk-length", "7", "--seed", "1").stdout == r.stdout
    r2 = cli(
        "cooccur", "-", "--pattern", r"\S+", "--min-count", "1", "--window", "3", "-o", d / "c.npz", input=r.stdout
    )
    assert r2.exit_code == 0, r2.stderr
    from embedkit.io import load_matrix

    m, words, counts, _ = load_matrix(d / "c.npz")
    assert sorted(words, key=int) == [str(i) for i in range(34)] and counts.sum() == 68 * 7


def test_walks_piped_into_the_word_stages_in_a_real_shell(karate_files):
    import subprocess
    import sys

    d = karate_files
    (d / "named.csv").write_text("".join(f"Node{u} Node{v}\n" for u, v in nx.karate_club_graph().edges()))
    env = subprocess_env()
    ek = f"{sys.executable} -m embedkit.cli"
    subprocess.run(
        f"{ek} walks named.csv --seed 2 | {ek} cooccur - --pattern '\\S+' --no-lowercase --min-count 1 --window 5 "
        f"| {ek} pmi - | {ek} svd - --dim 8 -o piped.ekm",
        shell=True,
        check=True,
        cwd=d,
        env=env,
    )
    emb = Embedding.load(d / "piped.ekm")
    assert sorted(emb.words) == sorted(f"Node{i}" for i in range(34))
    assert emb.dim == 8 and np.isfinite(emb.vectors).all()


def test_cli_embed_graph_neighbors_and_evaluate(cli, karate_files):
    d = karate_files
    r = cli("embed-graph", d / "k.csv", "-o", d / "k.ekm", "--dim", "8", "-q")
    assert r.exit_code == 0, r.stderr
    r = cli("neighbors", "33", "-m", d / "k.ekm", "-k", "3")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 1 + 3  # a header row, then 3
    r = cli("evaluate", "nodes", d / "k.ekm", d / "labels.csv", "--train-fraction", "0.5", "--json")
    assert r.exit_code == 0
    import json

    (row,) = json.loads(r.stdout)
    assert row["train"] == 0.5 and row["micro_f1"] > 0.8 and row["labels"] == 2
    r = cli("evaluate", "links", d / "k.csv", "--dim", "8")  # 10 % of karate's 78 edges: 8
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "method\tauc\ttest_edges\ttrain_edges"
    assert "only 8 edges held out" in r.stderr
    r = cli("evaluate", "links", d / "k.csv", "--dim", "8", "--test-fraction", "0.2")
    assert r.exit_code == 0 and r.stdout.splitlines()[1].split("\t")[2] == "16" and not r.stderr


@pytest.mark.parametrize(
    "content, needles",
    [
        ("1,2\n2,3\n3,4,5,6\n", ["line 3", "expected 2 columns", "found 4"]),
        ("# weights\n1,2,0.5\n2,3,heavy\n", ["line 3", "weight 'heavy' is not a number"]),
        ("1 2 1\n2 3 -1\n", ["line 2", "non-negative"]),
        ("1,2\n3\n", ["line 2", "found 1"]),
        ("# nothing here\n\n", ["no edges"]),
        ("", ["no edges"]),
        ("a,a\nb,b\n", ["no edges left", "self-loops", "--self-loops"]),
        ("a,b,0\n", ["no edges left", "weight is 0"]),
    ],
)
def test_cli_bad_edge_files_name_the_line_and_write_nothing(cli, tmp_path, content, needles):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    for args in (["embed-graph", bad, "-o", tmp_path / "m.ekm"], ["walks", bad, "-o", tmp_path / "w.txt"]):
        r = cli(*args)
        assert r.exit_code not in (0, None)
        err = r.stderr.strip()
        assert len(err.splitlines()) == 1 and err.startswith("embedkit: error: ") and "bad.csv" in err, err
        for n in needles:
            assert n in err, err
        assert "Traceback" not in r.output
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_cli_bad_parameters(cli, karate_files):
    d = karate_files
    r = cli("walks", d / "k.csv", "--q", "4", "-q", "--walks-per-node", "1", "--walk-length", "3")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 34  # --q is node2vec's, -q is --quiet
    r = cli("walks", d / "k.csv", "--p", "0")
    assert r.exit_code == 2 and "--p must be a positive number" in r.stderr
    r = cli("walks", d / "k.csv", "--walk-length", "0")
    assert r.exit_code == 2 and "--walk-length must be at least 1" in r.stderr
    r = cli("embed-graph", d / "k.csv", "--method", "sparse", "--directed", "-o", d / "m.ekm")
    assert r.exit_code == 2 and "--dim 160 is too large for a graph of 34 nodes" in r.stderr
    assert "(at most 34; 160 is the default: give a smaller --dim)" in r.stderr
    assert not (d / "m.ekm").exists()


def test_settings_the_route_does_not_read_are_named(cli, karate_files):
    """A walk setting given to a route without walks (or a window to the sparse route's
    T = 1) is refused when the route was asked for, and warned about when auto chose it."""
    d, out = karate_files, karate_files / "m.ekm"
    one_line_error(cli("embed-graph", d / "k.csv", "--method", "sparse", "--window", "3", "--dim", "4", "-o", out),
                   "--window is not used by --method sparse", code=2, out=out)  # fmt: skip
    r = cli("embed-graph", d / "k.csv", "--method", "netmf", "--p", "2", "--walk-length", "5", "--dim", "4", "-o", out)
    one_line_error(r, "--walk-length and --p are not used by --method netmf", code=2, out=out)
    r = cli("embed-graph", d / "k.csv", "--dim", "4", "--q", "0.5", "-q", "-o", out)
    assert r.exit_code == 0 and r.stderr.strip() == (
        "embedkit: warning: --q is not used by the netmf+sparse route, which --method auto takes for an "
        "undirected graph up to 20,000 nodes"
    )
    # the read note (sinks, isolated nodes) waits until the options are known to be good
    sinks = d / "sinks.tsv"
    sinks.write_text("a\tb\nb\tc\nc\ta\na\tz\n")
    fresh = d / "fresh.ekm"
    r = cli("embed-graph", sinks, "--directed", "--method", "netmf", "--p", "2", "--dim", "2", "-o", fresh)
    one_line_error(r, "--p is not used by --method netmf", code=2, out=fresh)
    r = cli("embed-graph", sinks, "--directed", "--dim", "2", "-o", fresh)
    assert r.exit_code == 0 and "1 sink node with no outgoing edge" in r.stderr
    # what the route reads passes without a word, and the default value given changes nothing
    r = cli("embed-graph", d / "k.csv", "--dim", "4", "--window", "3", "--rank", "20", "-q", "-o", out)
    assert r.exit_code == 0 and r.stderr == ""
    r = cli("embed-graph", d / "k.csv", "--method", "walks", "--dim", "4", "--p", "1", "--walks-per-node", "2",
            "-q", "-o", out)  # fmt: skip
    assert r.exit_code == 0 and r.stderr == ""
    # evaluate links embeds the same way, under the same rule
    one_line_error(cli("evaluate", "links", d / "k.csv", "--method", "sparse", "--window", "3", "--dim", "4"),
                   "--window is not used by --method sparse", code=2)  # fmt: skip
    r = cli("evaluate", "links", d / "k.csv", "--method", "netmf", "--window", "3", "--dim", "4", "--tsv")
    assert r.exit_code == 0 and r.stdout.splitlines()[1].startswith("netmf\t"), r.stderr


def test_rank_is_refused_where_the_closed_form_keeps_no_eigenpairs(cli, tmp_path):
    """On a directed graph netmf sums PageRank's walk exactly (directed_netmf_matrix): --rank
    is read only by the undirected closed form, so it is named, not silently dropped."""
    edges, out = tmp_path / "chain.csv", tmp_path / "m.ekm"
    edges.write_text("a b\nb c\nc d\nd e\n")
    for method in ("netmf", "netmf+sparse"):
        r = cli("embed-graph", edges, "--directed", "--method", method, "--rank", "3", "--dim", "2", "-q", "-o", out)
        one_line_error(r, f"--rank is not used by --method {method} on a directed graph", code=2, out=out)
    r = cli("embed-graph", edges, "--method", "netmf", "--rank", "3", "--dim", "2", "-q", "-o", out)
    assert r.exit_code == 0 and r.stderr == ""  # undirected: the eigenpairs kept


# -- real data ------------------------------------------------------------------------
@pytest.mark.slow
def test_blogcatalog_quality_floor():
    g = read_edges(str(shared("graphs/blogcatalog.edges.csv")))
    emb = embed_graph(g).embedding
    labels = read_node_labels(str(shared("graphs/blogcatalog.labels.csv")))
    (r,) = node_classification(emb, labels, (0.5,), repeats=1)
    # the 10-split means are 0.437 / 0.282 (BENCHMARKS.md); one split varies by ~0.006
    assert r.micro_f1 >= 0.425 and r.macro_f1 >= 0.265, r


def test_read_edges_keeps_a_unicode_space_inside_a_space_separated_id(tmp_path):
    """Fields are counted at ASCII white space; they must be split there too: an id with a
    no-break space (a name pasted from a web page) is one node, never two ids that shift
    every later field of the file into the wrong column."""
    p = tmp_path / "g.txt"
    p.write_text("Jean\u00a0Dupont carol\ncarol dave\ndave Jean\u00a0Dupont\n", encoding="utf-8")
    g = read_edges(str(p))
    assert sorted(g.nodes) == sorted(["Jean\u00a0Dupont", "carol", "dave"])
    assert g.n_edges == 3 and g.self_loops_dropped == 0
    i = {v: k for k, v in enumerate(g.nodes)}
    a = g.adjacency().toarray()
    assert a[i["Jean\u00a0Dupont"], i["carol"]] == a[i["carol"], i["dave"]] == a[i["dave"], i["Jean\u00a0Dupont"]] == 1


def test_node_ids_take_nfc_as_words_do_in_edges_labels_walks_and_queries(cli, tmp_path):
    """An id written decomposed ("e" + U+0301) in the edges and composed ("é") in the
    labels is one node; it can be queried in either form, and walks write it as words
    are read (NFC), so `walks | cooccur` and `embed-graph` agree on its name."""
    nfd, nfc = "caf" + "e\u0301", "caf\u00e9"
    nxg = nx.karate_club_graph()
    name = {v: nfd if v == 0 else f"n{v}" for v in nxg.nodes}
    (tmp_path / "e.csv").write_text("".join(f"{name[u]},{name[v]}\n" for u, v in nxg.edges()), encoding="utf-8")
    labels = {v: d["club"] for v, d in nxg.nodes(data=True)}
    (tmp_path / "l.csv").write_text("".join(f"{nfc if v == 0 else name[v]},{labels[v]}\n" for v in nxg.nodes))
    assert read_edges(str(tmp_path / "e.csv")).nodes.count(nfc) == 1
    assert nfc in read_node_labels(str(tmp_path / "l.csv"))
    r = cli("embed-graph", tmp_path / "e.csv", "-o", tmp_path / "g.ekm", "--dim", "8", "-q")
    assert r.exit_code == 0, r.stderr
    assert nfc in Embedding.load(tmp_path / "g.ekm").words
    for query in (nfc, nfd):
        r = cli("neighbors", query, "-m", tmp_path / "g.ekm", "-k", "2", "--tsv")
        assert r.exit_code == 0 and len(r.stdout.splitlines()) == 3, r.stderr
    r = cli("evaluate", "nodes", tmp_path / "g.ekm", tmp_path / "l.csv", "--train-fraction", "0.5", "--json")
    assert r.exit_code == 0, r.stderr  # every labelled node, the composed one too, has a vector
    walks = cli("walks", tmp_path / "e.csv", "--walks-per-node", "1", "--seed", "1").stdout
    assert nfc in walks.split() and nfd not in walks
    # from Python: ids given to the graph constructors are taken in NFC too
    assert Graph.from_edges([0], [1], nodes=[nfd, "x"]).nodes == [nfc, "x"]
    g = nx.Graph([(nfd, "x")])
    assert Graph.from_networkx(g).nodes[0] == nfc
    with pytest.raises(ParameterError, match=r"one id \(as text, in Unicode NFC\)"):
        Graph.from_edges([0], [1], nodes=[nfd, nfc])


def test_graph_from_edges_takes_node_ids_as_text_each_once():
    """Node ids become the model's words: an int id is its text, as from_networkx names
    nodes (it was kept an int, and a query's suggestions then failed on ``int.lower``), and
    an id given twice is refused whatever its form (only ids that NFC changed were checked)."""
    g = Graph.from_edges([0, 1], [1, 2], nodes=[10, 20, 30])
    assert g.nodes == ["10", "20", "30"]
    emb = embed_graph(g, GraphOptions(dim=2, method="netmf")).embedding
    assert emb.words == ["10", "20", "30"]
    with pytest.raises(UnknownWordError):  # suggestions are computed over the ids: all text
        emb.most_similar("11")
    with pytest.raises(ParameterError, match=r"nodes: 'a' and 'a' are twice"):
        Graph.from_edges([0, 1], [1, 2], nodes=["a", "a", "b"])
    with pytest.raises(ParameterError, match=r"nodes: 1 and '1' are one id"):
        Graph.from_edges([0], [1], nodes=[1, "1"])


def test_split_edges_of_a_directed_graph_holds_out_directed_edges(cli, tmp_path):
    """--directed in evaluate links as in embed-graph: the held-out edges are the file's
    u → v (78 karate edges one way, 20 of them both ways: 98 directed edges, 20 % = 20
    held out, where the undirected reading has 78 edges and holds out 16), training is
    directed, and a non-edge is a pair linked in neither direction."""
    und = list(nx.karate_club_graph().edges())
    arcs = und + [(v, u) for u, v in und[::4][:20]]
    (tmp_path / "d.csv").write_text("".join(f"{u},{v}\n" for u, v in arcs))
    g = read_edges(str(tmp_path / "d.csv"), directed=True)
    assert g.n_edges == 98
    train, test, neg = split_edges(g, 0.2, seed=3)
    have = {(g.nodes[u], g.nodes[v]) for u, v in zip(*g.adjacency().nonzero())}
    held = {(g.nodes[u], g.nodes[v]) for u, v in test}
    kept = {(train.nodes[u], train.nodes[v]) for u, v in zip(*train.adjacency().nonzero())}
    assert train.directed and len(held) == 20 and held <= have and kept == have - held
    linked = have | {(v, u) for u, v in have}
    assert len(neg) == 20 and not any((g.nodes[u], g.nodes[v]) in linked for u, v in neg)
    import json

    r = cli("evaluate", "links", tmp_path / "d.csv", "--directed", "--dim", "8", "--test-fraction", "0.2", "--json")
    assert r.exit_code == 0, r.stderr
    (row,) = json.loads(r.stdout)
    assert (row["test_edges"], row["train_edges"]) == (20, 78) and 0 <= row["auc"] <= 1
    r = cli("evaluate", "links", tmp_path / "d.csv", "--dim", "8", "--test-fraction", "0.2", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["test_edges"] == 16
