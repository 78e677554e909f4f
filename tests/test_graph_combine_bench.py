"""benchmarks/bench_graph_combine.py builds each part by the library's own steps: identities."""

from __future__ import annotations

import networkx as nx
import numpy as np

from embedkit.graph import Graph, spectral_vectors
from embedkit.graph.netmf import _two_sided_filter
from embedkit.linalg import unit_rows
from embedkit.pipeline import GraphOptions, embed_graph

from .conftest import load_benchmark

bc = load_benchmark("bench_graph_combine")


def _karate() -> Graph:
    g = nx.karate_club_graph()
    src, dst = zip(*g.edges())
    return Graph.from_edges(np.array(src), np.array(dst), g.number_of_nodes())


def test_base_is_embed_graphs_default_bytes_and_each_part_its_routes():
    g = _karate()
    parts = bc.Parts(g, "karate", None)
    o = bc.parse("nd=6,sd=6")
    ref = embed_graph(g, GraphOptions(dim=6))
    assert ref.method == "netmf+sparse"
    assert parts.combined(o).tobytes() == ref.embedding.vectors.tobytes()
    for method, part in (("netmf", parts.netmf), ("sparse", parts.sparse)):
        assert part(o).tobytes() == embed_graph(g, GraphOptions(method=method, dim=6)).embedding.vectors.tobytes()
    # a variant of one part leaves the other part's columns as they were
    other = parts.combined(bc.parse("nd=6,sd=6,so=5,smu=0.2,sth=0.5,a=1.0"))
    assert other[:, :6].tobytes() == ref.embedding.vectors[:, :6].tobytes()
    np.testing.assert_allclose(np.linalg.norm(other[:, 6:], axis=1), 1.0, rtol=1e-5)


def test_window_filters_by_hand():
    lam = np.array([0.9, 0.5, -0.6, 0.0])
    np.testing.assert_allclose(bc.window_filter(lam, "1-10"), _two_sided_filter(lam, 10))
    np.testing.assert_allclose(bc.window_filter(lam, "2-3"), np.sign(lam) * (lam**2 + np.abs(lam) ** 3) / 2)
    np.testing.assert_allclose(bc.window_filter(lam, "w:0:1"), np.sign(lam) * lam**2)
    assert bc.window_filter(lam, "10").tobytes() == _two_sided_filter(lam, 10).tobytes()


def test_walk_window_by_hand_on_a_path():
    # path 0 - 1 - 2: P = D⁻¹A by hand
    g = Graph.from_edges(np.array([0, 1]), np.array([1, 2]), 3)
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    p = np.array([[0, 1, 0], [0.5, 0, 0.5], [0, 1, 0]])
    z = unit_rows(x)
    want = spectral_vectors(((p @ z + p @ p @ z) / 2).astype(np.float32), 0.5)
    np.testing.assert_allclose(bc.walk_window(g, x, 2), want, atol=1e-6)


def test_parse_names_an_unknown_setting():
    import pytest

    assert bc.parse("base") == bc.DEFAULTS and bc.parse("a=0.5")["a"] == 0.5 and bc.parse("nT=2-10")["nT"] == "2-10"
    with pytest.raises(SystemExit, match="unknown setting 'x'"):
        bc.parse("x=1")
