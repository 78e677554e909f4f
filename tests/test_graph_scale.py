"""Graphs at scale: the integer fast path of the edge reader, and walks counted as they
are generated."""

from __future__ import annotations

import importlib.util
import weakref
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import embedkit.graph as graph_module
from embedkit.graph import Graph, GraphOptions, embed_graph, random_walks, read_edges

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _gen_graph():
    spec = importlib.util.spec_from_file_location("_bench_gen_graph", BENCH / "gen_graph.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


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
    assert graph_module._integer_edges(np.frombuffer(text.encode() + b"\n", np.uint8), None) is not None
    fast = read_edges(str(p))
    monkeypatch.setattr(graph_module, "_integer_edges", lambda buf, delimiter: None)
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
    assert graph_module._integer_edges(np.frombuffer(text.encode(), np.uint8), None) is None, text


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

    monkeypatch.setattr(graph_module, "random_walks", tracked)
    emb = embed_graph(g, GraphOptions(method="walks", dim=8, walks_per_node=4, walk_length=80))
    assert produced == 120 and emb.vectors.shape == (300, 8)
    assert most_alive <= 2, most_alive  # the batch being counted (and the one just made)
