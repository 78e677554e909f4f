"""The variants of benchmarks/bench_graph_enhance.py that are not library code: identities."""

from __future__ import annotations

import numpy as np

from embedkit.graph import Graph, netmf_matrix, sparse_pmi_matrix, spectral_vectors
from embedkit.linalg import unit_rows

from .conftest import load_benchmark

be = load_benchmark("bench_graph_enhance")


def _graph() -> Graph:
    # a 4-cycle with a chord and a pendant path, weighted: irregular degrees, odd cycles
    src = np.array([0, 1, 2, 3, 0, 3, 4])
    dst = np.array([1, 2, 3, 0, 2, 4, 5])
    return Graph.from_edges(src, dst, 6, weights=np.array([1.0, 2.0, 1.0, 1.0, 3.0, 1.0, 2.0]))


def test_exact_window_matrix_at_t1_is_the_sparse_routes_pmi():
    g = _graph()
    np.testing.assert_allclose(be.exact_window_matrix(g, 1).toarray(), sparse_pmi_matrix(g).toarray(), rtol=1e-6)


def test_exact_window_matrix_is_netmfs_exact_matrix():
    """On the pattern of A + … + A^T it is NetMF's f(S) exactly; off it M = 0, log max = 0."""
    g = _graph()
    for t in (2, 3, 10):
        dense = netmf_matrix(g, window=t, exact=True)
        assert np.count_nonzero(dense) > np.count_nonzero(sparse_pmi_matrix(g).toarray())
        np.testing.assert_allclose(be.exact_window_matrix(g, t).toarray(), dense, rtol=1e-5, atol=1e-6)


def test_even_walk_keeps_a_bipartite_sides_vector():
    """On a bipartite graph P² maps the λ = −1 vector (+1 on one side, −1 on the other) to
    itself, so one even step changes nothing; an odd step (P) would flip it."""
    g = Graph.from_edges(np.array([0, 0, 0, 1, 1, 1]), np.array([2, 3, 4, 2, 3, 4]), 5)  # K_{2,3}
    x = np.array([[1.0, 0.3], [1.0, -0.2], [-1.0, 0.5], [-1.0, 0.1], [-1.0, -0.4]], dtype=np.float32)
    side = x[:, :1]
    np.testing.assert_allclose(be.even_walk(g, side, 1), be.even_walk(g, side, 0), atol=1e-6)
    np.testing.assert_allclose(be.even_walk(g, x, 0), spectral_vectors(unit_rows(x), 0.5), atol=1e-6)
    assert not np.allclose(be.even_walk(g, x, 1), be.even_walk(g, x, 0), atol=1e-3)
