"""Progress with a known total: every library step that can take long reports through a
callable, and the counts it reports add up to the total the command line shows."""

import bz2
import contextlib
import gzip
import lzma
import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from embedkit import evaluate as ev
from embedkit.corpus import EncodedCorpus
from embedkit.graph import Graph, netmf_matrix, netmf_steps, top_eigenpairs
from embedkit.io import input_size, raw_blocks
from embedkit.linalg import svd_steps, truncated_eigh, truncated_svd
from embedkit.tokenize import Tokenizer
from embedkit.vectors import Embedding

from .conftest import DEMO, ROOT


class Counter:
    def __init__(self):
        self.calls = []

    def __call__(self, n):
        self.calls.append(n)

    @property
    def total(self):
        return sum(self.calls)


def sparse_matrix(n=300, m=200, seed=0):
    return sp.random(n, m, density=0.05, random_state=seed, format="csr", dtype=np.float32)


@pytest.mark.parametrize("solver", ["randomized", "shifted"])
@pytest.mark.parametrize("n_iter", [0, 1, 4])
@pytest.mark.parametrize("dense", [False, True])
def test_svd_reports_every_power_iteration(n_iter, dense, solver):
    m = sparse_matrix()
    c = Counter()
    a = truncated_svd(m.toarray() if dense else m, dim=10, solver=solver, n_iter=n_iter, progress=c)
    assert c.total == svd_steps(solver, n_iter) == 2 * n_iter + 3 and len(c.calls) == c.total
    b = truncated_svd(m.toarray() if dense else m, dim=10, solver=solver, n_iter=n_iter)  # the callback changes nothing
    np.testing.assert_array_equal(a.s, b.s)
    c = Counter()
    truncated_svd(m, dim=10, solver="arpack", progress=c)
    assert svd_steps("arpack") is None and c.total == 1


def test_the_eigensolvers_report_their_products():
    m = sparse_matrix(300, 300)
    m = m + m.T
    for n_iter in (0, 3, 4):
        c = Counter()
        truncated_eigh(m, 10, n_iter=n_iter, progress=c)
        assert c.total == n_iter + 2
    g = nx.connected_watts_strogatz_graph(2000, 6, 0.1, seed=1)
    s = nx.normalized_laplacian_matrix(g).astype(np.float64)
    s = sp.identity(2000) - s
    c = Counter()
    top_eigenpairs(sp.csr_matrix(s), 20, passes=3, degree=5, progress=c)
    assert c.total == 3 * (5 + 1)
    c = Counter()
    top_eigenpairs(sp.csr_matrix(s)[:100, :100], 20, passes=3, degree=5, progress=c)  # the dense branch
    assert c.total == 3 * (5 + 1)


def test_netmf_reports_the_steps_it_announces():
    edges = np.array(list(nx.karate_club_graph().edges()))
    g = Graph.from_edges([str(u) for u in edges[:, 0]], [str(v) for v in edges[:, 1]])
    c = Counter()
    netmf_matrix(g, window=7, progress=c)
    assert c.total == netmf_steps(g, 7) == 4 * (6 + 1)  # the eigensolver's block products
    d = Graph.from_edges(edges[:, 0], edges[:, 1], directed=True)
    c = Counter()
    netmf_matrix(d, window=7, progress=c)
    assert c.total == netmf_steps(d, 7) == 7  # directed: one product a window step


def test_classification_counts_its_fits():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 4))
    y = [str(i % 3) for i in range(60)]
    c = Counter()
    ev.classify(x, y, folds=4, progress=c)
    assert c.total == ev.classify_fits(None, 4) == 4
    c = Counter()
    ev.classify(x, y, train=40, progress=c)
    assert c.total == ev.classify_fits(40, 4) == 1
    words = [str(i) for i in range(60)]
    emb = Embedding(words, rng.standard_normal((60, 4)).astype(np.float32))
    labels = {w: [f"l{i % 3}"] + (["rare"] if i == 5 else []) for i, w in enumerate(words)}
    c = Counter()
    plain = ev.node_classification(emb, labels, (0.5, 0.8), repeats=2, seed=1)
    counted = ev.node_classification(emb, labels, (0.5, 0.8), repeats=2, seed=1, progress=c)
    # one fit a label a split, also for 'rare', which a split may not train on
    assert c.total == 2 * 2 * ev.node_label_count(emb, labels) == 2 * 2 * 4
    assert counted == plain


def test_compressed_input_reports_compressed_bytes(tmp_path):
    text = DEMO.read_bytes()[:400_000]
    text = text[: text.rfind(b"\n") + 1]  # whole lines
    for suffix, compress in ((".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)):
        packed = tmp_path / f"c.txt{suffix}"
        packed.write_bytes(compress(text))
        c = Counter()
        assert b"".join(data for data, _ in raw_blocks(str(packed), 1 << 15, c)) == text
        assert c.total == input_size(str(packed)) == packed.stat().st_size < len(text)
    gz = tmp_path / "c.txt.gz"
    plain = tmp_path / "c.txt"
    plain.write_bytes(text)
    for path, workers in ((gz, 1), (plain, 1), (plain, 2)):
        c = Counter()
        with EncodedCorpus([str(path)], Tokenizer(), workers=workers, chunk_bytes=1 << 15) as enc:
            enc.read(c)
        assert c.total == input_size(str(path)), (path, workers)


def test_a_terminal_on_stdin_is_told_once(tmp_path):
    master, slave = os.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen(
        [sys.executable, "-m", "embedkit.cli", "tokenize", "-"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    # a terminal's end of input (Ctrl-D) is not sticky: each read that asks again needs one
    os.write(master, b"Hello World\n" + b"\x04" * 4)
    out, err = p.communicate(timeout=60)
    os.close(master)
    assert out.decode() == "hello world\n"
    assert err.decode().count("reading from stdin") == 1
    piped = subprocess.run(
        [sys.executable, "-m", "embedkit.cli", "tokenize", "-"], input=b"A b\n", capture_output=True, env=env
    )
    assert piped.stdout == b"a b\n" and b"reading from stdin" not in piped.stderr


class Stages:
    """A reporter that records each stage's announced total and what was reported in it."""

    def __init__(self):
        self.stages = {}

    @contextlib.contextmanager
    def stage(self, name, total=None, unit="bytes"):
        c = Counter()
        self.stages[name] = (total, c)
        yield c


def test_lsa_shows_its_documents_and_products():
    from embedkit.lsa import build_lsa

    docs = [line for line in DEMO.read_text().splitlines()[:3000] if line.strip()]
    r = Stages()
    m = build_lsa(docs, dim=20, n_iter=3, reporter=r)
    assert list(r.stages) == ["tokenize", "svd"]
    total, c = r.stages["tokenize"]
    assert total == c.total == 2 * len(docs)
    total, c = r.stages["svd"]
    assert total == c.total == svd_steps("randomized", 3)
    np.testing.assert_array_equal(m.docs, build_lsa(docs, dim=20, n_iter=3).docs)  # the reporter changes nothing


def test_walks_show_how_many_of_the_walks_are_done():
    from embedkit.pipeline import GraphOptions, embed_graph

    edges = np.array(list(nx.karate_club_graph().edges()))
    g = Graph.from_edges([str(u) for u in edges[:, 0]], [str(v) for v in edges[:, 1]])
    r = Stages()
    embed_graph(g, GraphOptions(method="walks", dim=8, walks_per_node=3, walk_length=10), r)
    total, c = r.stages["walks"]
    assert total == c.total == 3 * 34
