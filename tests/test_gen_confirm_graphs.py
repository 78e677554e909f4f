"""benchmarks/gen_confirm_graphs.py's graphs of other kinds: the structure each one plants."""

from __future__ import annotations

import subprocess
import sys

import networkx as nx
import numpy as np

from .conftest import BENCH, load_benchmark

gen = load_benchmark("gen_confirm_graphs")


def _read(folder, name):
    rows = [line.rstrip("\n").split(",") for line in open(folder / f"{name}.edges.csv")]
    edges = np.array([[int(x) for x in r] for r in rows], dtype=np.int64)
    labels = dict(line.rstrip("\n").split(",") for line in open(folder / f"{name}.labels.csv"))
    return edges, {int(k): v for k, v in labels.items()}


def test_grid_by_hand(tmp_path):
    gen.grid(tmp_path, side=4, block=2)
    e, lab = _read(tmp_path, "grid")
    assert len(e) == 2 * 4 * 3  # 4 rows of 3 horizontal edges, 4 columns of 3 vertical ones
    assert {tuple(x) for x in e.tolist()} >= {(0, 1), (0, 4), (5, 6), (5, 9), (14, 15), (11, 15)}
    assert set((e[:, 1] - e[:, 0]).tolist()) == {1, 4} and (3, 4) not in {tuple(x) for x in e.tolist()}  # no wrap
    assert lab[0] == lab[5] == "b00" and lab[3] == "b01" and lab[12] == "b10" and lab[15] == "b11"


def test_other_kinds_plant_what_they_say(tmp_path):
    gen.components(tmp_path, small=40)
    e, lab = _read(tmp_path, "components")
    g = nx.Graph(e.tolist())
    sizes = sorted(len(c) for c in nx.connected_components(g))
    assert len(sizes) >= 41 and sizes[-1] > 3000 and max(sizes[:-1]) <= 6 and min(sizes) >= 2
    assert set(lab) == set(range(4000))  # the giant's nodes only

    gen.weighted(tmp_path, n=300, m=2000, k=3)
    e, lab = _read(tmp_path, "weighted")
    assert len(e) == 2000 and (e[:, 0] < e[:, 1]).all()
    inner = np.array([lab[a] == lab[b] for a, b in e[:, :2].tolist()])
    assert (e[inner, 2] >= 3).all() and (e[inner, 2] <= 9).all() and (e[~inner, 2] <= 2).all()

    gen.bipartite(tmp_path, papers=60, terms=40, topics=8, classes=6)
    e, lab = _read(tmp_path, "bipartite")
    assert (e[:, 0] < 60).all() and (e[:, 1] >= 60).all()
    assert all(lab[v].startswith("P") for v in range(60)) and all(lab[v].startswith("T") for v in range(60, 100))

    gen.citedag(tmp_path, n=200, fields=4)
    e, lab = _read(tmp_path, "citedag")
    assert (e[:, 0] > e[:, 1]).all()  # every citation points to an older paper: a DAG
    assert len({tuple(x) for x in e.tolist()}) == len(e) and len(lab) == 200

    gen.lfr(tmp_path, "lfr", 500, 0.2, seed=3, degree=8, max_degree=40, max_community=100)
    e, lab = _read(tmp_path, "lfr")
    inside = np.mean([lab[a] == lab[b] for a, b in e.tolist()])
    assert 0.7 < inside < 0.9  # μ = 0.2 of each node's edges leave its community

    gen.geo(tmp_path, n=400, radius=0.1, cells=2)
    e, lab = _read(tmp_path, "geo")
    assert set(lab.values()) == {"r00", "r01", "r10", "r11"}


def test_cli_is_deterministic(tmp_path):
    for out in ("a", "b"):
        subprocess.run(
            [sys.executable, str(BENCH / "gen_confirm_graphs.py"), str(tmp_path / out), "--other", "--only", "grid",
             "weighted"],
            check=True, capture_output=True,
        )  # fmt: skip
    for f in ("grid.edges.csv", "grid.labels.csv", "weighted.edges.csv", "weighted.labels.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "grid.edges.csv", "grid.labels.csv", "weighted.edges.csv", "weighted.labels.csv",
    ]  # fmt: skip


def test_directed_word_network_and_orientation_by_hand(tmp_path):
    # "walking slowly walking slowly": (walking → slowly) twice, (slowly → walking) once: only the first stays
    gen.words(tmp_path, tmp_path / "absent", name="wd", text=["walking slowly walking slowly"], directed=True)
    # ids by frequency, ties in order of appearance: walking 0, slowly 1
    assert (tmp_path / "wd.edges.csv").read_text() == "0,1,2\n"
    assert (tmp_path / "wd.labels.csv").read_text() == "0,ing\n1,ly\n"

    edges = tmp_path / "g.edges.csv"
    edges.write_text("".join(f"{i},{i + 1}\n" for i in range(200)))
    (tmp_path / "g.labels.csv").write_text("0,a\n1,b\n")
    gen.oriented(tmp_path, edges)
    e, lab = _read(tmp_path, "gdir")
    assert {tuple(sorted(x)) for x in e.tolist()} == {(i, i + 1) for i in range(200)}  # the same edges
    reversed_ = int((e[:, 0] > e[:, 1]).sum())
    assert 60 < reversed_ < 140 and lab == {0: "a", 1: "b"}
