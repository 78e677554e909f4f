"""Graphs of every shape get real vectors: bipartite graphs (star, complete bipartite, a
single edge, a path), low-homophily graphs, and directed graphs' sinks.

The inputs are the field cases of ``../shared/field/bipartite-graphs`` and
``directed-sinks`` (rebuilt here), plus small graphs whose NetMF matrix is known by hand.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from embedkit.graph import Graph, netmf_matrix
from embedkit.graph.netmf import _normalized, directed_netmf_matrix, two_sided_eigenpairs
from embedkit.pipeline import GraphOptions, embed_graph
from embedkit.vectors import Embedding

STAR = "".join(f"hub leaf{i}\n" for i in range(8))
K34 = "".join(f"u{i} v{j}\n" for i in range(3) for j in range(4))
TWO = "a b\n"
PATH = "a b\nb c\nc d\nd e\n"
DIR_SINK = "a\tb\nb\tc\nc\ta\na\tz1\nb\tz1\nc\tz1\np\tq\nq\tr\nr\tp\np\tz2\nq\tz2\nr\tz2\n"


def _cos(emb: Embedding) -> np.ndarray:
    x = np.asarray(emb.vectors, dtype=np.float64)
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    return x @ x.T


def _run(cli, tmp_path, text: str, *args) -> tuple[object, Embedding | None]:
    src, out = tmp_path / "g.txt", tmp_path / "g.ekm"
    src.write_text(text)
    r = cli("embed-graph", src, "-o", out, "-q", *args)
    return r, (Embedding.load(out) if r.exit_code == 0 else None)


# -- the field cases, through the real command -------------------------------------------
def test_star_leaves_come_out_close_to_each_other(cli, tmp_path):
    r, emb = _run(cli, tmp_path, STAR, "--dim", "4")
    assert r.exit_code == 0
    assert np.all(np.linalg.norm(emb.vectors, axis=1) > 0)
    c = _cos(emb)
    leaves = [emb.index[f"leaf{i}"] for i in range(8)]
    hub = emb.index["hub"]
    assert c[np.ix_(leaves, leaves)].min() > 0.99
    assert c[hub, leaves].max() < 0.5


def test_complete_bipartite_sides_cluster(cli, tmp_path):
    r, emb = _run(cli, tmp_path, K34, "--dim", "4")
    assert r.exit_code == 0
    c = _cos(emb)
    us = [emb.index[f"u{i}"] for i in range(3)]
    vs = [emb.index[f"v{j}"] for j in range(4)]
    assert c[np.ix_(us, us)].min() > 0.99 and c[np.ix_(vs, vs)].min() > 0.99
    assert c[np.ix_(us, vs)].max() < 0.5


def test_single_edge_gets_vectors_or_says_why_not(cli, tmp_path):
    r, _ = _run(cli, tmp_path, TWO, "--dim", "4")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "--dim 4 is too large for a graph of 2 nodes" in r.stderr
    r, emb = _run(cli, tmp_path, TWO, "--dim", "2")
    assert r.exit_code == 0 and np.all(np.linalg.norm(emb.vectors, axis=1) > 0.1)


def test_path_nodes_all_get_vectors_and_each_side_is_alike(cli, tmp_path):
    r, emb = _run(cli, tmp_path, PATH, "--dim", "2")
    assert r.exit_code == 0 and np.all(np.linalg.norm(emb.vectors, axis=1) > 0.1)
    c = _cos(emb)
    i = emb.index
    assert c[i["a"], i["c"]] > 0.9 and c[i["b"], i["d"]] > 0.9 and c[i["a"], i["b"]] < 0.5


@pytest.mark.parametrize("method", ["auto", "walks", "netmf"])
def test_directed_sinks_get_vectors_near_the_nodes_pointing_at_them(cli, tmp_path, method):
    r, emb = _run(cli, tmp_path, DIR_SINK, "--directed", "--dim", "4", "--seed", "1", "--method", method)
    assert r.exit_code == 0
    assert np.all(np.linalg.norm(emb.vectors, axis=1) > 0.05)
    c = _cos(emb)
    i = emb.index
    for sink, own, other in (("z1", "abc", "pqr"), ("z2", "pqr", "abc")):
        near = np.mean([c[i[sink], i[v]] for v in own])
        far = np.mean([c[i[sink], i[v]] for v in other])
        assert near > 0.5 and near > far + 0.4, (sink, near, far)


def test_sinks_are_named_in_one_line_and_edgeless_nodes_stay_zero(cli, tmp_path):
    src = tmp_path / "g.tsv"
    src.write_text(DIR_SINK)
    r = cli("embed-graph", src, "--directed", "-o", tmp_path / "g.ekm", "--dim", "2", "--method", "netmf")
    assert r.exit_code == 0 and "2 sink nodes with no outgoing edge" in r.stderr and "they get vectors" in r.stderr
    g = Graph.from_edges(np.array([0, 1, 3]), np.array([1, 2, 3]), n=4, directed=True, self_loops=False)
    assert g.edgeless.tolist() == [False, False, False, True]  # 3 only had a self-loop
    for method in ("netmf", "walks"):
        v = embed_graph(g, GraphOptions(dim=2, method=method)).embedding.vectors
        assert np.all(v[3] == 0) and np.all(np.linalg.norm(v[:3], axis=1) > 0)


# -- hand-checkable matrices -------------------------------------------------------------
@pytest.mark.parametrize("window", [1, 2, 3, 10])
def test_netmf_of_a_complete_bipartite_graph_by_hand(window):
    """K_{a,b} has eigenvalues 1, 0 … 0, −1, so M = 1 − σ_i σ_j (σ = ±1 by side) whatever
    the window: log 2 across the sides, 0 within.  With the one-sided filter NetMF's
    matrix is 1 everywhere at an even window, so log max(M, 1) would be all zero."""
    nxg = nx.complete_bipartite_graph(3, 4)
    e = np.array(list(nxg.edges()))
    g = Graph.from_edges(e[:, 0], e[:, 1], n=7)
    m = netmf_matrix(g, window=window)
    side = np.array([1] * 3 + [-1] * 4)
    np.testing.assert_allclose(m, np.where(np.outer(side, side) < 0, np.log(2.0), 0.0), atol=1e-5)


def test_directed_closed_form_equals_the_dense_formula():
    """M = (X Π⁻¹ + Π⁻¹ Xᵀ) / (2 b T), X = Σ P_α^r, with P_α built as a dense matrix."""
    src = np.array([0, 1, 2, 0, 3, 3])
    dst = np.array([1, 2, 0, 4, 4, 1])  # node 4 is a sink
    g = Graph.from_edges(src, dst, n=5, directed=True)
    alpha, t, b = 0.15, 3, 2.0
    a = g.adjacency().toarray()
    out = a.sum(1)
    p = np.where(out[:, None] > 0, a / np.maximum(out, 1)[:, None], 1.0 / 5)  # a sink restarts
    p = (1 - alpha) * p + alpha / 5
    w, v = np.linalg.eig(p.T)
    pi = np.real(v[:, np.argmax(np.real(w))])
    pi /= pi.sum()
    x = sum(np.linalg.matrix_power(p, r) for r in range(1, t + 1))
    m = (x / pi[None, :] + (x / pi[None, :]).T) / (2 * b * t)
    np.testing.assert_allclose(directed_netmf_matrix(g, t, b, alpha), np.log(np.maximum(m, 1)), atol=1e-5)


def test_directed_closed_form_without_restarts_is_netmf_on_an_undirected_graph():
    nxg = nx.convert_node_labels_to_integers(nx.les_miserables_graph())
    e = np.array(list(nxg.edges()))
    both = Graph.from_edges(np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]], n=nxg.number_of_nodes(), directed=True)
    und = Graph.from_edges(e[:, 0], e[:, 1], n=nxg.number_of_nodes())
    np.testing.assert_allclose(
        directed_netmf_matrix(both, 5, 1.0, teleport=0.0), netmf_matrix(und, 5, exact=True), atol=1e-4
    )


# -- the two-sided spectrum: which negative eigenvalues count as structure ---------------
def _heterophilous(n: int = 600, seed: int = 0) -> tuple[Graph, np.ndarray]:
    """4 classes paired (0,1), (2,3): 80 % of the edges join partner classes."""
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 4, n)
    src = np.repeat(np.arange(n), 5)
    dst = rng.integers(0, n, src.size)
    partner = rng.random(src.size) < 0.8
    for c in range(4):
        pool = np.flatnonzero(cls == (c ^ 1))
        sel = partner & (cls[src] == c)
        dst[sel] = rng.choice(pool, sel.sum())
    return Graph.from_edges(src, dst, n=n), cls


def test_negative_eigenvalues_are_kept_only_where_they_mirror_the_positive_ones():
    hetero, _ = _heterophilous()
    s, _, _ = _normalized(hetero)
    w, _, kept = two_sided_eigenpairs(s, 32)
    assert kept >= 1 and w[-kept:].max() < -0.5
    sbm = nx.stochastic_block_model([150] * 4, np.full((4, 4), 0.01) + np.eye(4) * 0.08, seed=1)
    e = np.array(list(sbm.edges()))
    s, _, _ = _normalized(Graph.from_edges(e[:, 0], e[:, 1], n=600))
    w, _, kept = two_sided_eigenpairs(s, 32)
    assert kept == 0 and np.all(w > 0)


def test_low_homophily_classes_are_recovered():
    from sklearn.linear_model import LogisticRegression

    g, cls = _heterophilous()
    x = embed_graph(g, GraphOptions(dim=32)).embedding.vectors
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    clf = LogisticRegression(max_iter=1000).fit(x[:300], cls[:300])
    assert clf.score(x[300:], cls[300:]) > 0.9  # the one-sided window: about 0.4


def test_chebyshev_route_matches_dense_eigh_on_both_ends():
    g, _ = _heterophilous(n=2400, seed=3)
    s, _, _ = _normalized(g)
    w_fast, u_fast, k_fast = two_sided_eigenpairs(sp.csr_matrix(s), 24, max_negative=6)
    w_all = np.linalg.eigvalsh(s.toarray())
    assert k_fast >= 1
    np.testing.assert_allclose(w_fast[:24], np.sort(w_all)[::-1][:24], atol=5e-3)
    np.testing.assert_allclose(w_fast[24:], np.sort(w_all)[:k_fast], atol=5e-3)


def test_negative_probe_keeps_its_own_solver_settings():
    # the positive solver's defaults (netmf.OVERSAMPLE/DEGREE) can change without moving the
    # negative eigenpairs, which decide how many the mirror rule keeps: they are exactly the
    # degree-8 probe's (block 8 + 16, or max_negative + 32)
    from embedkit.graph.netmf import top_eigenpairs

    g, _ = _heterophilous(n=2400, seed=3)
    s = sp.csr_matrix(_normalized(g)[0])
    w, u, kept = two_sided_eigenpairs(s, 24, seed=5, max_negative=6)
    w_neg, u_neg = top_eigenpairs(-s, 6, seed=6, oversample=16, degree=8)
    assert kept >= 1
    np.testing.assert_array_equal(w[24:], -w_neg[:kept])
    np.testing.assert_array_equal(u[:, 24:], u_neg[:, :kept])
    w_pos, u_pos = top_eigenpairs(s, 24, seed=5)
    np.testing.assert_array_equal(w[:24], w_pos)
    np.testing.assert_array_equal(u[:, :24], u_pos)


def test_mirror_rule_counts_eigenvalues_just_below_one_as_trivial():
    from embedkit.graph.netmf import _mirrored

    # two components: the solver's second eigenvalue 1 comes out 3e-6 below 1; the first
    # negative one (0.95) mirrors the first non-trivial positive one (0.9), the second does not
    pos = np.array([1.0, 1.0 - 3e-6, 0.9, 0.5])
    assert _mirrored(pos, np.array([0.95, 0.4])) == 1
    assert _mirrored(pos, np.array([0.85, 0.4])) == 0
    assert _mirrored(np.array([1.0, 0.99, 0.9]), np.array([0.995, 0.95])) == 2  # 0.99 is structure


def test_a_negative_eigenspace_is_kept_or_dropped_whole():
    """Two disjoint edges: S has eigenvalue −1 twice.  Keeping one of the two (max_negative
    1 at rank 4) would treat the two identical edges differently; the whole space is kept."""
    g = Graph.from_edges(np.array([0, 2]), np.array([1, 3]), n=4)
    s, _, _ = _normalized(g)
    w, u, keep = two_sided_eigenpairs(s, 4, max_negative=1)
    assert keep == 2 and np.allclose(np.sort(w), [-1, -1, 1, 1])


def test_two_identical_components_get_the_same_geometry(cli, tmp_path):
    p = tmp_path / "two.csv"
    p.write_text("1,2\n3,4\n")
    assert cli("embed-graph", p, "-o", tmp_path / "t.ekm", "--dim", "4", "-q").exit_code == 0
    e = Embedding.load(tmp_path / "t.ekm")
    u = e.unit[[e.index[w] for w in ("1", "2", "3", "4")]]
    assert np.isclose(u[0] @ u[1], u[2] @ u[3], atol=1e-5)  # each edge's two ends alike
    assert all(np.linalg.norm(r) > 0.5 for r in u)
