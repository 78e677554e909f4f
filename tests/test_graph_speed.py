"""The fast graph routes: NetMF's vectors without its n × n matrix (tiled log product and
Rayleigh–Ritz), sparse products shared among threads, and the directed sparse route."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.linalg as la
import scipy.sparse as sp

import embedkit.pipeline as pipeline_module
from embedkit.graph import (
    Graph,
    directed_sparse_pmi_matrix,
    netmf_factors,
    netmf_matrix,
    netmf_vector_steps,
    netmf_vectors,
    pagerank_walk,
    sparse_pmi_matrix,
)
from embedkit.linalg import RowSplitMatmul, fix_signs, truncated_eigh, truncated_eigh_product
from embedkit.pipeline import GraphOptions, embed_graph, graph_route


def _karate() -> Graph:
    e = np.array(nx.karate_club_graph().edges())
    return Graph.from_edges(e[:, 0], e[:, 1], n=34)


def _planted(n=600, k=6, seed=0) -> tuple[Graph, np.ndarray]:
    g = nx.planted_partition_graph(k, n // k, 0.12, 0.01, seed=seed)
    e = np.array(g.edges())
    return Graph.from_edges(e[:, 0], e[:, 1], n=n), np.repeat(np.arange(k), n // k)


def test_netmf_vectors_are_rayleigh_ritz_of_the_dense_log_matrix_on_a_block_krylov_basis():
    g = _karate()
    f = netmf_factors(g, window=10, rank=12)
    # the dense matrix netmf_matrix builds is log max of exactly these factors
    m = netmf_matrix(g, window=10, rank=12).astype(np.float64)
    np.testing.assert_allclose(np.log(np.maximum(f.scaled @ f.left.T, 1.0)), m, atol=1e-5)
    u = f.basis.astype(np.float64)
    np.testing.assert_allclose(u.T @ u, np.eye(u.shape[1]), atol=1e-5)
    # the basis [U, P]: P spans the part of L U outside span(U)
    z = m @ u
    p, _ = np.linalg.qr(z - u @ (u.T @ z))
    q = np.hstack([u, p])
    h = q.T @ m @ q
    w, v = la.eigh((h + h.T) / 2)
    top = np.argsort(-np.abs(w))[:5]
    want = fix_signs(q @ v[:, top]) * np.abs(w[top]) ** 0.5
    for block, threads in ((1024, 1), (7, 1), (7, 3), (5, 2)):  # any tiling, any threads
        got = netmf_vectors(f, 5, eig=0.5, block=block, threads=threads)
        assert got.shape == (34, 5) and got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=2e-4)


def test_netmf_vectors_count_their_tiles_and_refuse_more_dimensions_than_eigenpairs():
    g = _karate()
    f = netmf_factors(g, rank=8)
    k = f.basis.shape[1]
    assert 2 * k <= 34
    steps = []
    netmf_vectors(f, 4, block=10, progress=steps.append)
    assert sum(steps) == netmf_vector_steps(34, k, 10) == 2 * 10  # 2 passes × 4 + 3 + 2 + 1 tiles
    assert netmf_vector_steps(34, 20, 10) == 10  # 2k > n: U alone, one pass
    with pytest.raises(Exception, match="larger than the"):
        netmf_vectors(f, k + 1)


def test_default_route_recovers_planted_communities_and_is_deterministic():
    from embedkit.evaluate import node_classification

    g, community = _planted()
    a = embed_graph(g, GraphOptions(dim=16, rank=24)).embedding
    b = embed_graph(g, GraphOptions(dim=16, rank=24)).embedding
    assert a.params["method"] == "netmf+sparse" and a.vectors.tobytes() == b.vectors.tobytes()
    labels = {str(v): [str(c)] for v, c in enumerate(community)}
    (r,) = node_classification(a, labels, (0.5,), repeats=1)
    assert r.micro_f1 > 0.95, r  # chance is 1/6


def test_row_split_products_are_the_same_bytes_as_scipys():
    rng = np.random.default_rng(0)
    m = sp.random(500, 400, density=0.03, format="csr", dtype=np.float32, random_state=1)
    x = rng.standard_normal((400, 9)).astype(np.float32)
    want = m @ x
    for threads in (1, 2, 3, 600):  # more threads than rows: one a row at most
        with RowSplitMatmul(m, threads) as op:
            assert op(x).tobytes() == want.tobytes() and op.shape == (500, 400)
            assert op(np.asfortranarray(x)).tobytes() == want.tobytes()


def test_truncated_eigh_through_threaded_products_is_truncated_eigh():
    g, _ = _planted(300, 3)
    m = sparse_pmi_matrix(g)
    w1, u1 = truncated_eigh(m, 10, n_iter=4, seed=2)
    with RowSplitMatmul(m, 2) as op:
        w2, u2 = truncated_eigh_product(op, 300, 10, n_iter=4, seed=2)
    assert w1.tobytes() == w2.tobytes() and u1.tobytes() == u2.tobytes()


def test_directed_sparse_matrix_by_hand_on_a_cycle():
    # a directed 3-cycle: π is uniform, P_ij = 1 on the cycle's edges, so on each edge
    # M = (1 − α)/(2b) · P_ij/π_j = 0.85/2 · 3 = 1.275 in both directions, 0 elsewhere
    c = Graph.from_edges(np.array([0, 1, 2]), np.array([1, 2, 0]), n=3, directed=True)
    p, jump, pi = pagerank_walk(c.adjacency())
    np.testing.assert_allclose(pi, 1 / 3)
    np.testing.assert_allclose(jump, 0.15 / 3)
    m = directed_sparse_pmi_matrix(c).toarray()
    want = np.log(1.275) * (np.ones((3, 3)) - np.eye(3))
    np.testing.assert_allclose(m, want, rtol=1e-6)
    assert m.dtype == np.float32


def test_directed_sparse_matrix_of_both_directions_without_restarts_is_the_undirected_one():
    g = _karate()
    a = g.adjacency().tocoo()
    both = Graph.from_edges(a.row, a.col, n=34, directed=True)  # every edge both ways
    np.testing.assert_allclose(
        directed_sparse_pmi_matrix(both, negative=2.0, teleport=0.0).toarray(),
        sparse_pmi_matrix(g, negative=2.0).toarray(),
        atol=1e-5,
    )


def test_auto_takes_the_directed_sparse_route_below_and_above_the_netmf_limit(monkeypatch):
    g, community = _planted(600, 6, seed=3)
    a = g.adjacency().tocoo()
    keep = a.row < a.col
    rng = np.random.default_rng(0)
    flip = rng.random(keep.sum()) < 0.5  # each edge once, in a random direction
    src = np.where(flip, a.row[keep], a.col[keep])
    dst = np.where(flip, a.col[keep], a.row[keep])
    d = Graph.from_edges(src, dst, n=600, directed=True)
    # small: the sparse route too (walks before; BENCHMARKS.md "Graphs of other kinds")
    small = graph_route(d, GraphOptions(dim=16))
    assert (small.method, small.chosen) == ("sparse", True)
    monkeypatch.setattr(pipeline_module, "NETMF_MAX_NODES", 100)
    route = graph_route(d, GraphOptions(dim=16))
    assert (route.method, route.chosen) == ("sparse", True)
    from embedkit.evaluate import node_classification

    emb = embed_graph(d, GraphOptions(dim=16)).embedding
    assert emb.params["method"] == "sparse"
    labels = {str(v): [str(c)] for v, c in enumerate(community)}
    (r,) = node_classification(emb, labels, (0.5,), repeats=1)
    assert r.micro_f1 > 0.9, r  # chance is 1/6


def test_propagation_counts_its_products_and_block_width_does_not_change_it():
    from embedkit.graph import propagation_steps, spectral_propagation

    g, _ = _planted(300, 3)
    x = np.random.default_rng(0).standard_normal((300, 10)).astype(np.float32)
    steps = []
    a = spectral_propagation(g, x, order=4, block=4, progress=steps.append)
    assert sum(steps) == propagation_steps(10, 4, 4) == 3 * 7  # 3 blocks × (2·3 + 1)
    b = spectral_propagation(g, x, order=4, block=10, threads=1)
    assert a.tobytes() == b.tobytes()  # each column is computed alone


@pytest.mark.parametrize(("order", "mu", "theta"), [(2, 0.0, 4.0), (3, 0.2, 0.5), (5, 0.0, 4.0), (6, 0.2, 0.5)])
def test_propagation_in_place_is_the_textbook_recurrence_byte_for_byte(order, mu, theta):
    """The propagation updates its Chebyshev terms in place (six n × block arrays); it is the
    same bytes as the recurrence written out with scipy's products, T₁ = M² x / 2 − x,
    T_{k+1} = M² T_k − 2 T_k − T_{k−1}, y = Ã (x − Σ ±c_k T_k)."""
    from scipy.special import iv

    from embedkit.graph import spectral_propagation

    g, _ = _planted(300, 3)
    x = np.random.default_rng(1).standard_normal((300, 7)).astype(np.float32)
    n = g.n
    at = (g.adjacency() + sp.eye(n, format="csr")).tocsr()
    dt = np.asarray(at.sum(axis=1)).ravel()
    m = (sp.eye(n, format="csr") * (1.0 - mu) - sp.diags(1.0 / dt) @ at).astype(np.float32).tocsr()
    at = at.astype(np.float32)
    c = [float(iv(k, theta)) for k in range(order)]
    t_prev, t_cur = x, 0.5 * (m @ (m @ x)) - x
    conv = c[0] * x - 2.0 * c[1] * t_cur
    for k in range(2, order):
        t_next = m @ (m @ t_cur) - 2.0 * t_cur - t_prev
        conv += (2.0 if k % 2 == 0 else -2.0) * c[k] * t_next
        t_prev, t_cur = t_cur, t_next
    want = at @ (x - conv)
    got = spectral_propagation(g, x, order=order, mu=mu, theta=theta, block=3, threads=2)
    assert got.dtype == np.float32
    assert got.tobytes() == want.astype(np.float32).tobytes()


def test_row_split_product_takes_the_compiled_kernel_where_it_pays(monkeypatch):
    """Small matrices use scipy's kernel unless numba is already loaded (importing it costs
    more than it saves); the bytes are the same either way."""
    from embedkit import kernels, linalg

    m = sp.random(300, 200, density=0.05, format="csr", dtype=np.float32, random_state=2)
    x = np.random.default_rng(1).standard_normal((200, 7)).astype(np.float32)
    monkeypatch.setattr(kernels, "loaded", lambda: False)
    with RowSplitMatmul(m, 2) as small:
        assert not small.compiled and small(x).tobytes() == (m @ x).tobytes()
    monkeypatch.setattr(linalg, "_COMPILED_MIN_NNZ", 1)
    with RowSplitMatmul(m, 2) as large, RowSplitMatmul(m, 2, compiled=False) as forced:
        assert large.compiled == kernels.ENABLED and not forced.compiled
        assert large(x).tobytes() == forced(x).tobytes() == (m @ x).tobytes()
