"""Fuzzing the edge-list parser with hypothesis: what is written is what is read, and
arbitrary bytes either parse or fail with a user error, never a crash."""

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from embedkit.errors import EmbedkitError
from embedkit.graph import read_edges

node = st.one_of(st.integers(0, 30).map(str), st.text(alphabet="abcxyzé_-.", min_size=1, max_size=4))
edge = st.tuples(node, node, st.integers(1, 9))


def edge_set(g):
    out = {}
    for i in range(len(g.nodes)):
        for k in range(g.indptr[i], g.indptr[i + 1]):
            out[(g.nodes[i], g.nodes[g.indices[k]])] = float(g.weights[k])
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(edge, min_size=1, max_size=40), st.sampled_from([",", "\t", " "]), st.booleans())
def test_fuzz_written_edges_read_back(tmp_path_factory, edges, sep, weighted):
    expected = defaultdict(float)
    for a, b, w in edges:
        if a != b:
            expected[(a, b)] += w if weighted else 1.0
            expected[(b, a)] += w if weighted else 1.0
    lines = ["# a comment"] + [sep.join([a, b, str(w)] if weighted else [a, b]) for a, b, w in edges]
    p = tmp_path_factory.mktemp("edges") / "g.txt"
    p.write_text("\n".join(lines) + "\n")
    try:
        g = read_edges(str(p), header=False)
    except EmbedkitError as exc:
        assert not expected and "no edges" in str(exc)  # only self-loops
        return
    assert edge_set(g) == dict(expected)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_arbitrary_bytes_parse_or_fail_cleanly(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("edges") / "g.bin"
    p.write_bytes(data)
    try:
        g = read_edges(str(p))
    except EmbedkitError as exc:
        assert str(exc).startswith(str(p)) or "g.bin" in str(exc)
    else:
        assert g.indptr[-1] == len(g.indices) == len(g.weights)
