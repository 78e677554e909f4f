"""The synthetic-data generators of benchmarks/: small sizes, a few seconds."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from .conftest import load_benchmark

gc = load_benchmark("gen_corpus")
gg = load_benchmark("gen_graph")

TOKEN = re.compile(r"[^\W\d_]+")


def corpus_text(tokens: int, seed: int = 0) -> bytes:
    return b"".join(text for _, text in gc.generate(tokens, seed))


# ---------------------------------------------------------------------------- corpus


def test_corpus_cli_is_deterministic(tmp_path, capsys):
    paths = [tmp_path / f"{i}.txt" for i in range(3)]
    for p, seed in zip(paths, (0, 0, 1)):
        assert gc.main(["-o", str(p), "--tokens", "30000", "--seed", str(seed), "--stats", "--quiet"]) == 0
    a, b, c = (p.read_bytes() for p in paths)
    assert a == b
    assert a != c
    err = capsys.readouterr().err
    assert "tokens=30000\t" in err and "types=" in err and f"bytes={len(a)}" in err


def test_corpus_exact_size_and_shape():
    for n in (1, 59, 12345):
        text = corpus_text(n).decode("ascii")
        assert len(TOKEN.findall(text)) == n
        assert text.endswith("\n")
    text = corpus_text(50000).decode("ascii")
    assert re.fullmatch(r"([a-z]+( [a-z]+)*\n)+", text)
    lengths = [len(line.split()) for line in text.splitlines()]
    assert all(20 <= k <= 60 for k in lengths[:-1]) and 1 <= lengths[-1] <= 60


def test_corpus_prefix_of_larger():
    small, large = corpus_text(20000), corpus_text(40000)
    cut = small.rfind(b"\n", 0, len(small) - 1) + 1  # all but the (shortened) last line
    assert large.startswith(small[:cut])


def test_zero_tokens():
    assert corpus_text(0) == b""


def test_spelling_is_injective_and_table_agrees():
    ranks = np.concatenate([np.arange(1, 20000), gc.TABLE_RANKS + np.arange(-500, 500), [gc.RANK_SPACE]])
    rows, lens = gc.spell(ranks)
    words = [r[: k - 1].tobytes() for r, k in zip(rows, lens)]
    assert len(set(words)) == len(words)
    assert all(re.fullmatch(rb"[a-z]+", w) for w in words)
    assert words[0] == b"the" and words[1] == b"of"
    rows_t, lens_t = gc.spell_tokens(ranks)
    assert (rows_t == rows).all() and (lens_t == lens).all()
    # frequent ranks get short words
    assert np.mean(lens[:100]) < np.mean(lens[5000:20000]) < lens[-1]


def test_zipf_and_function_words():
    ranks = np.concatenate([b.ranks for b in gc.Generator(0).batches(200_000)])
    counts = np.bincount(ranks[ranks < 1000])
    assert 0.03 < counts[1] / len(ranks) < 0.12  # "the"
    assert counts[1] > counts[2] > counts[10] > counts[100]


def test_heaps_law_vocabulary_growth():
    ranks = np.concatenate([b.ranks for b in gc.Generator(0).batches(400_000)])
    small, large = len(np.unique(ranks[:100_000])), len(np.unique(ranks))
    assert large >= 1.5 * small
    assert large <= 4 * small  # but sublinear


def test_lines_of_a_topic_share_words():
    batches = list(gc.Generator(0).batches(300_000))
    ranks = np.concatenate([b.ranks for b in batches])
    lengths = np.concatenate([b.lengths for b in batches])
    topics = np.concatenate([b.topics for b in batches])
    lines = np.split(ranks, np.cumsum(lengths)[:-1])
    content = [set(x[x > 1000].tolist()) for x in lines]  # beyond the 1000 most frequent ranks
    by_topic: dict[int, list[int]] = {}
    for i, t in enumerate(topics):
        by_topic.setdefault(int(t), []).append(i)
    same = [len(content[i] & content[j]) for ids in by_topic.values() for i, j in itertools.combinations(ids, 2)]
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(lines), (len(same), 2))
    other = [len(content[i] & content[j]) for i, j in pairs if topics[i] != topics[j]]
    assert len(same) > 1000
    assert np.mean(same) > 3 * np.mean(other)


# ---------------------------------------------------------------------------- graph


def test_graph_cli_is_deterministic(tmp_path, capsys):
    def run(seed: int, tag: str) -> tuple[bytes, bytes]:
        e, lab = tmp_path / f"{tag}.edges.csv", tmp_path / f"{tag}.labels.csv"
        args = ["--nodes", "3000", "--edges", "15000", "--communities", "5", "-o", str(e), "--labels", str(lab)]
        assert gg.main(args + ["--seed", str(seed)]) == 0
        return e.read_bytes(), lab.read_bytes()

    a, b, c = run(0, "a"), run(0, "b"), run(1, "c")
    assert a == b
    assert a[0] != c[0] and a[1] != c[1]
    assert "edges=15000\t" in capsys.readouterr().err
    edges = np.loadtxt(a[0].splitlines(), delimiter=",", dtype=np.int64)
    labels = np.loadtxt(a[1].splitlines(), delimiter=",", dtype=np.int64)
    assert edges.shape == (15000, 2)
    assert (labels[:, 0] == np.arange(3000)).all() and set(labels[:, 1]) == set(range(5))
    assert (edges[:, 0] < edges[:, 1]).all()  # no self-loops, each undirected edge once
    assert len(np.unique(edges, axis=0)) == len(edges)
    assert edges.min() >= 0 and edges.max() < 3000


@pytest.mark.parametrize("mu", [0.8, 0.3])
def test_graph_communities_and_degrees(mu):
    n, m, k = 20000, 100_000, 10
    g = gg.generate(n, m, communities=k, mu=mu, seed=3)
    assert len(g.source) == m
    assert (g.source < g.target).all()
    assert len(gg.distinct(g.source * n + g.target)) == m
    intra = np.mean(g.community[g.source] == g.community[g.target])
    expected = mu + (1 - mu) / k  # "anywhere" targets land in the same community 1/k of the time
    assert abs(intra - expected) < 0.04
    deg = np.bincount(np.concatenate([g.source, g.target]), minlength=n)
    assert deg.max() > 20 * deg.mean()
    assert np.corrcoef(deg, g.weight)[0, 1] > 0.8


def test_cumulative_sampler_matches_searchsorted():
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 5000):
        cum = np.cumsum(rng.pareto(1.5, n) + 1)
        u = np.concatenate([rng.random(20000) * cum[-1], [0.0], cum, [np.nextafter(cum[-1], 0)]])
        ref = np.minimum(np.searchsorted(cum, u, side="right"), n - 1)
        assert (gg.CumulativeSampler(cum).index(u) == ref).all()


def test_format_columns():
    a = np.array([0, 9, 10, 99, 100, 123456789])
    b = np.array([5, 10, 0, 1000, 7, 1])
    assert gg.format_columns(a, b).decode() == "".join(f"{x},{y}\n" for x, y in zip(a, b))


def test_graph_bad_arguments():
    with pytest.raises(ValueError):
        gg.generate(10, 1000)
    with pytest.raises(ValueError):
        gg.generate(100, 10, communities=0)
