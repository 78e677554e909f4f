"""Graphs of other kinds, with labels, to confirm graph defaults chosen on BlogCatalog and Cora.

    python benchmarks/gen_confirm_graphs.py OUTDIR [--corpus ../shared/data/corpora/dictwiki.txt.gz]
    python benchmarks/gen_confirm_graphs.py OUTDIR --news [--eval ../shared/data/eval]
    python benchmarks/gen_confirm_graphs.py OUTDIR --other [--only NAME ...]

Writes ``NAME.edges.csv`` (``source,target[,weight]``, each undirected edge once) and
``NAME.labels.csv`` (``node,label``) for each of:

* ``dcsbm`` — a degree-corrected stochastic block model (``gen_graph.py``'s generator):
  4,000 nodes, 40,000 edges, 20 communities, a quarter of the edges inside them; power-law
  degrees.  Labels: the community.  Homophilous, like a social network, but noisier.
* ``hetero`` — low homophily: 3,000 nodes in 6 classes paired (0,1), (2,3), (4,5); 70 % of
  each node's ~10 edges go to the *partner* class, the rest anywhere.  A node's class is
  read from whom it links to, not from being like its neighbours; the graph is nearly
  bipartite inside each pair, so the information sits in the negative end of the spectrum.
* ``useritem`` — bipartite: 2,000 users × 1,000 items in 10 genres; each user has a
  favourite genre and rates 8–30 items, 35 % from it.  Labels: an item's genre, a user's
  favourite genre.  Every edge joins a user to an item.
* ``words`` — a word co-occurrence network (the NetMF paper's "Wikipedia" kind): the 8,000
  most frequent lower-cased ``[a-z]+`` words of dictwiki, an edge for each pair adjacent in
  the text at least twice, weighted by the count.  Labels are spelling classes that follow
  part of speech: ``-ly`` (adverbs), ``-ing``, ``-ed``, ``-tion``/``-sion``, ``-ness``,
  ``-able``/``-ible``, ``-ous``, ``-ment``, ``-ity`` (words of 6+ letters only; the rest
  have no label).  Skipped when the corpus is absent.
* ``newswords`` (only with ``--news``, and then only it) — the same recipe on other text: the
  AG News test set (titles and descriptions), the customer reviews of ``cr.tsv`` and the
  STS12/13 sentence pairs from the shared evaluation folder (about 0.5 M words), its 5,000
  most frequent words.  A second word network, built after ``words`` had been looked at,
  to check whether what helps on ``words`` holds for word networks in general.

With ``--other`` (and then only these), graphs of kinds none of the above is, none of them
looked at while any default was chosen (``--only`` writes a subset):

* ``lfr10``, ``lfr30``, ``lfr50`` — LFR benchmark graphs (Lancichinetti, Fortunato &
  Radicchi 2008; ``networkx.LFR_benchmark_graph``): 5,000 nodes, power-law degrees
  (exponent 2.5, mean 12, at most 120) and community sizes (exponent 1.5, 30–400), a
  fraction μ = 0.1, 0.3, 0.5 of each node's edges leaving its community.  Labels: the
  community.
* ``geo`` — a random geometric graph: 5,000 points uniform in the unit square, an edge
  between points closer than 0.025 (mean degree ≈ 10; diameter ≈ 60 hops).  Labels: the
  cell of a 4 × 4 grid the point lies in (regions).  Points without an edge are left out.
* ``grid`` — a 70 × 70 square lattice (4,900 nodes, diameter 138, every degree 2–4,
  bipartite, a spectrum of many repeated eigenvalues).  Labels: 5 × 5 blocks of 14 × 14.
* ``components`` — one giant component, a degree-corrected block model (4,000 nodes,
  40,000 edges, 10 communities, 40 % of edges inside them), beside 1,500 small components
  of 2–6 nodes each (paths, stars, cycles and cliques, about 6,000 nodes).  Each small
  component adds an eigenvalue 1 to D^-½ A D^-½, as the giant's own does.  Labels: the
  giant's communities only (the small components carry no planted class).
* ``weighted`` — the weights carry the labels: 4,000 nodes in 10 communities, 40,000
  edges of which only 30 % are inside a community (the topology alone says little), but
  an edge inside a community weighs 3–9 and one across 1–2.  Labels: the community.
* ``bipartite`` — two kinds of node with different label sets: 3,000 "papers" in 8
  topics ``P0``–``P7`` and 2,000 "terms" in 6 classes ``T0``–``T5``; a paper of topic c
  draws half its 6–25 terms from classes c mod 6 and (c + 3) mod 6 (not one-to-one: the
  block matrix is not diagonal), the rest by popularity.  Labels on both sides.
* ``citedag`` — a directed citation DAG (each edge citing → cited, to an older paper):
  8,000 papers in 10 fields, published in order; each cites 1 + Poisson(6) earlier papers,
  chosen in proportion to 1 + their citations so far (preferential attachment), 75 %
  from its own field.  Labels: the field.  Read it as directed (``embed-graph
  --directed``) or not.
* ``wordsdir`` — ``words`` as a directed graph: an edge from each word to the word after
  it (each ordered pair seen at least twice), weighted by the count.  Labels as ``words``.
* ``lfrbig`` — just above ``embed-graph``'s 20,000-node limit for the dense route, so the
  default takes the sparse route: an LFR graph of 21,000 nodes, μ = 0.3, mean degree 10, at
  most 100, communities of 30–600.

``--orient EDGES ...`` writes each ``NAME.edges.csv`` given as a directed graph ``NAMEdir``,
every edge's direction a seeded coin flip (labels copied): the same structure, directed.

Deterministic (seeded); numpy, and networkx for the LFR and geometric graphs.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_graph import generate  # noqa: E402

SUFFIXES = {
    "ly": ("ly",),
    "ing": ("ing",),
    "ed": ("ed",),
    "tion": ("tion", "sion"),
    "ness": ("ness",),
    "able": ("able", "ible"),
    "ous": ("ous",),
    "ment": ("ment",),
    "ity": ("ity",),
}


def _undirected(src: np.ndarray, dst: np.ndarray, w: np.ndarray | None = None):
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    keep = a != b
    a, b = a[keep], b[keep]
    key = a.astype(np.int64) * (1 << 32) + b
    uniq, inv = np.unique(key, return_inverse=True)
    weight = np.bincount(inv, weights=None if w is None else w[keep])
    return uniq >> 32, uniq & ((1 << 32) - 1), weight


def write(out: Path, name: str, src, dst, labels: dict[int, list[str]], weight=None) -> None:
    with open(out / f"{name}.edges.csv", "w") as f:
        if weight is None:
            f.writelines(f"{a},{b}\n" for a, b in zip(src.tolist(), dst.tolist()))
        else:
            f.writelines(f"{a},{b},{int(c)}\n" for a, b, c in zip(src.tolist(), dst.tolist(), weight.tolist()))
    with open(out / f"{name}.labels.csv", "w") as f:
        f.writelines(f"{v},{lab}\n" for v in sorted(labels) for lab in labels[v])
    print(
        f"{name}: {len(set(src.tolist()) | set(dst.tolist())):,} nodes, {len(src):,} edges, {len(labels):,} labelled",
        file=sys.stderr,
    )


def dcsbm(out: Path) -> None:
    g = generate(4000, 40000, communities=20, mu=0.25, exponent=2.5, seed=1)
    write(out, "dcsbm", g.source, g.target, {v: [str(c)] for v, c in enumerate(g.community.tolist())})


def hetero(out: Path, n: int = 3000, k: int = 6, deg: int = 10, p_partner: float = 0.7) -> None:
    rng = np.random.default_rng(2)
    cls = rng.integers(0, k, n)
    partner = cls ^ 1
    members = [np.flatnonzero(cls == c) for c in range(k)]
    src = np.repeat(np.arange(n), deg // 2)
    to_partner = rng.random(src.size) < p_partner
    dst = rng.integers(0, n, src.size)
    for c in range(k):
        sel = to_partner & (partner[src] == c)
        dst[sel] = rng.choice(members[c], sel.sum())
    a, b, _ = _undirected(src, dst)
    write(out, "hetero", a, b, {v: [str(c)] for v, c in enumerate(cls.tolist())})


def _preferred(rng, m: int, rate: float, pool, popularity) -> np.ndarray:
    """m picks by popularity: each one from ``pool`` with probability ``rate``, else from
    every item (0 … len(popularity) − 1)."""
    inside = rng.random(m) < rate
    return np.concatenate(
        [
            rng.choice(pool, int(inside.sum()), p=popularity[pool] / popularity[pool].sum()),
            rng.choice(popularity.size, int((~inside).sum()), p=popularity / popularity.sum()),
        ]
    )


def useritem(out: Path, users: int = 2000, items: int = 1000, genres: int = 10) -> None:
    rng = np.random.default_rng(3)
    genre = rng.integers(0, genres, items)
    by_genre = [np.flatnonzero(genre == c) for c in range(genres)]
    fav = rng.integers(0, genres, users)
    popularity = rng.pareto(1.5, items) + 1.0
    src, dst = [], []
    for u in range(users):
        m = int(rng.integers(8, 31))
        chosen = _preferred(rng, m, 0.35, by_genre[fav[u]], popularity)
        src.append(np.full(chosen.size, u))
        dst.append(users + chosen)
    a, b, _ = _undirected(np.concatenate(src), np.concatenate(dst))
    labels = {u: [f"g{f}"] for u, f in enumerate(fav.tolist())}
    labels.update({users + i: [f"g{c}"] for i, c in enumerate(genre.tolist())})
    write(out, "useritem", a, b, labels)


def words(
    out: Path, corpus: Path, top: int = 8000, name: str = "words", text: list[str] | None = None, directed: bool = False
) -> None:
    if text is None and not corpus.exists():
        print(f"words: skipped, corpus not found: {corpus}", file=sys.stderr)
        return
    if text is None:
        with gzip.open(corpus, "rt", encoding="utf-8") as f:
            text = list(f)
    lines = [re.findall(r"[a-z]+", line.lower()) for line in text]
    counts = Counter(w for line in lines for w in line)
    vocab = [w for w, _ in counts.most_common(top)]
    index = {w: i for i, w in enumerate(vocab)}
    src, dst = [], []
    for line in lines:
        ids = np.array([index.get(w, -1) for w in line], dtype=np.int64)
        if ids.size < 2:
            continue
        a, b = ids[:-1], ids[1:]
        keep = (a >= 0) & (b >= 0)
        src.append(a[keep])
        dst.append(b[keep])
    if directed:  # each ordered pair once: (word, the word after it)
        key, w = np.unique(np.concatenate(src) * (1 << 32) + np.concatenate(dst), return_counts=True)
        a, b = key >> 32, key & ((1 << 32) - 1)
        keep = (w >= 2) & (a != b)
    else:
        a, b, w = _undirected(np.concatenate(src), np.concatenate(dst))
        keep = w >= 2
    labels = {}
    for i, word in enumerate(vocab):
        if len(word) < 6:
            continue
        for lab, ends in SUFFIXES.items():
            if word.endswith(ends):
                labels[i] = [lab]
                break
    write(out, name, a[keep], b[keep], labels, w[keep])


def newswords(out: Path, folder: Path, top: int = 5000) -> None:
    """``words`` on the shared evaluation folder's English text (see the module doc)."""
    import csv

    if not (folder / "agnews_test.csv").exists():
        print(f"newswords: skipped, not found: {folder / 'agnews_test.csv'}", file=sys.stderr)
        return
    with open(folder / "agnews_test.csv", encoding="utf-8", newline="") as f:
        text = [field for row in csv.reader(f) for field in row[1:3]]
    with open(folder / "cr.tsv", encoding="utf-8") as f:
        text += [line.split("\t", 1)[1] for line in f]
    for path in sorted((folder / "sts").glob("*.tsv")):
        with open(path, encoding="utf-8") as f:
            text += [part for line in f for part in line.rstrip("\n").split("\t")[1:3]]
    words(out, folder, top, name="newswords", text=text)


def _community_labels(g) -> dict[int, list[str]]:
    """networkx LFR graphs store each node's community as a set: number them by smallest member."""
    first = {}
    for v in sorted(g):
        first.setdefault(min(g.nodes[v]["community"]), len(first))
    return {v: [str(first[min(g.nodes[v]["community"])])] for v in g}


def _write_nx(out: Path, name: str, g, labels: dict[int, list[str]]) -> None:
    e = np.array(sorted((min(a, b), max(a, b)) for a, b in g.edges() if a != b), dtype=np.int64).reshape(-1, 2)
    a, b, _ = _undirected(e[:, 0], e[:, 1])
    linked = set(a.tolist()) | set(b.tolist())
    write(out, name, a, b, {v: lab for v, lab in labels.items() if v in linked})


def lfr(out: Path, name: str, n: int, mu: float, seed: int, degree=12, max_degree=120, max_community=400) -> None:
    import networkx as nx

    g = nx.LFR_benchmark_graph(
        n, 2.5, 1.5, mu, average_degree=degree, max_degree=max_degree, min_community=30,
        max_community=max_community, seed=seed, max_iters=2000,
    )  # fmt: skip
    _write_nx(out, name, g, _community_labels(g))


def geo(out: Path, n: int = 5000, radius: float = 0.025, cells: int = 4) -> None:
    import networkx as nx

    g = nx.random_geometric_graph(n, radius, seed=4)
    labels = {}
    for v, (x, y) in nx.get_node_attributes(g, "pos").items():
        labels[v] = [f"r{min(int(x * cells), cells - 1)}{min(int(y * cells), cells - 1)}"]
    _write_nx(out, "geo", g, labels)


def grid(out: Path, side: int = 70, block: int = 14) -> None:
    v = np.arange(side * side).reshape(side, side)
    src = np.concatenate([v[:, :-1].ravel(), v[:-1, :].ravel()])
    dst = np.concatenate([v[:, 1:].ravel(), v[1:, :].ravel()])
    a, b, _ = _undirected(src, dst)
    row, col = np.divmod(np.arange(side * side), side)
    labels = {i: [f"b{r // block}{c // block}"] for i, (r, c) in enumerate(zip(row.tolist(), col.tolist()))}
    write(out, "grid", a, b, labels)


def components(out: Path, small: int = 1500) -> None:
    rng = np.random.default_rng(5)
    g = generate(4000, 40000, communities=10, mu=0.4, exponent=2.5, seed=5)
    src, dst = [g.source], [g.target]
    nxt = 4000
    for _ in range(small):
        k = int(rng.integers(2, 7))
        ids = np.arange(nxt, nxt + k)
        shape = rng.integers(0, 4)
        if shape == 0 or k == 2:  # path
            s, t = ids[:-1], ids[1:]
        elif shape == 1:  # star
            s, t = np.full(k - 1, ids[0]), ids[1:]
        elif shape == 2:  # cycle
            s, t = ids, np.roll(ids, -1)
        else:  # clique
            s, t = np.triu_indices(k, 1)
            s, t = ids[s], ids[t]
        src.append(s)
        dst.append(t)
        nxt += k
    a, b, _ = _undirected(np.concatenate(src), np.concatenate(dst))
    write(out, "components", a, b, {v: [str(c)] for v, c in enumerate(g.community.tolist())})


def weighted(out: Path, n: int = 4000, m: int = 40000, k: int = 10, inside: float = 0.3) -> None:
    rng = np.random.default_rng(6)
    cls = rng.integers(0, k, n)
    members = [np.flatnonzero(cls == c) for c in range(k)]
    w = rng.pareto(2.0, n) + 1.0
    src = rng.choice(n, int(m * 1.1), p=w / w.sum())
    dst = rng.choice(n, src.size, p=w / w.sum())
    same = rng.random(src.size) < inside
    for c in range(k):
        sel = same & (cls[src] == c)
        dst[sel] = rng.choice(members[c], int(sel.sum()), p=w[members[c]] / w[members[c]].sum())
    a, b, _ = _undirected(src, dst)
    keep = rng.permutation(a.size)[:m]
    a, b = a[np.sort(keep)], b[np.sort(keep)]
    inner = cls[a] == cls[b]
    weight = np.where(inner, rng.integers(3, 10, a.size), rng.integers(1, 3, a.size))
    write(out, "weighted", a, b, {v: [str(c)] for v, c in enumerate(cls.tolist())}, weight)


def bipartite(out: Path, papers: int = 3000, terms: int = 2000, topics: int = 8, classes: int = 6) -> None:
    rng = np.random.default_rng(7)
    topic = rng.integers(0, topics, papers)
    tclass = rng.integers(0, classes, terms)
    by_class = [np.flatnonzero(tclass == c) for c in range(classes)]
    popularity = rng.pareto(1.5, terms) + 1.0
    src, dst = [], []
    for p in range(papers):
        m = int(rng.integers(6, 26))
        c = topic[p]
        pool = np.concatenate([by_class[c % classes], by_class[(c + 3) % classes]])
        chosen = _preferred(rng, m, 0.5, pool, popularity)
        src.append(np.full(chosen.size, p))
        dst.append(papers + chosen)
    a, b, _ = _undirected(np.concatenate(src), np.concatenate(dst))
    labels = {p: [f"P{t}"] for p, t in enumerate(topic.tolist())}
    labels.update({papers + i: [f"T{c}"] for i, c in enumerate(tclass.tolist())})
    write(out, "bipartite", a, b, labels)


def citedag(out: Path, n: int = 8000, fields: int = 10, own: float = 0.75) -> None:
    rng = np.random.default_rng(8)
    field = rng.integers(0, fields, n)
    cited = np.ones(n)  # 1 + citations so far
    src, dst = [], []
    for v in range(1, n):
        m = min(v, 1 + int(rng.poisson(6)))
        older = np.arange(v)
        mine = older[field[:v] == field[v]]
        pick = []
        for _ in range(m):
            pool = mine if (mine.size and rng.random() < own) else older
            pick.append(rng.choice(pool, p=cited[pool] / cited[pool].sum()))
        pick = np.unique(pick)
        cited[pick] += 1
        src.append(np.full(pick.size, v))
        dst.append(pick)
    s, t = np.concatenate(src), np.concatenate(dst)
    with open(out / "citedag.edges.csv", "w") as f:
        f.writelines(f"{a},{b}\n" for a, b in zip(s.tolist(), t.tolist()))
    with open(out / "citedag.labels.csv", "w") as f:
        f.writelines(f"{v},f{c}\n" for v, c in enumerate(field.tolist()))
    print(f"citedag: {n:,} nodes, {s.size:,} directed edges, {n:,} labelled", file=sys.stderr)


def oriented(out: Path, edges: Path, seed: int = 0) -> None:
    """``edges`` (``NAME.edges.csv``, each undirected edge once) as a directed graph
    ``NAMEdir``: each edge kept as written or reversed by a seeded coin; labels copied."""
    name = edges.name.removesuffix(".edges.csv")
    rows = np.loadtxt(edges, delimiter=",", dtype=np.int64, ndmin=2)
    flip = np.random.default_rng([seed, len(rows)]).random(len(rows)) < 0.5
    rows[flip, 0], rows[flip, 1] = rows[flip, 1], rows[flip, 0].copy()
    with open(out / f"{name}dir.edges.csv", "w") as f:
        f.writelines(",".join(map(str, r)) + "\n" for r in rows.tolist())
    (out / f"{name}dir.labels.csv").write_bytes((edges.parent / f"{name}.labels.csv").read_bytes())
    print(f"{name}dir: {len(rows):,} directed edges, {int(flip.sum()):,} reversed", file=sys.stderr)


OTHER = {
    "lfr10": lambda out: lfr(out, "lfr10", 5000, 0.1, seed=10),
    "lfr30": lambda out: lfr(out, "lfr30", 5000, 0.3, seed=30),
    "lfr50": lambda out: lfr(out, "lfr50", 5000, 0.5, seed=50),
    "geo": geo,
    "grid": grid,
    "components": components,
    "weighted": weighted,
    "bipartite": bipartite,
    "citedag": citedag,
    "wordsdir": lambda out: words(out, CORPUS, name="wordsdir", directed=True),
    "lfrbig": lambda out: lfr(out, "lfrbig", 21000, 0.3, seed=21, degree=10, max_degree=100, max_community=600),
}


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpora" / "dictwiki.txt.gz"


def main() -> None:
    global CORPUS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    default = CORPUS
    ap.add_argument("--corpus", type=Path, default=default)
    ap.add_argument("--news", action="store_true", help="write only newswords (from --eval's text)")
    ap.add_argument("--eval", type=Path, default=default.parents[1] / "eval")
    ap.add_argument("--other", action="store_true", help="write only the graphs of other kinds (see above)")
    ap.add_argument("--only", nargs="*", choices=sorted(OTHER), help="with --other: only these")
    ap.add_argument("--orient", nargs="*", type=Path, metavar="EDGES", help="write each NAME.edges.csv as NAMEdir")
    args = ap.parse_args()
    CORPUS = args.corpus
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    if args.orient:
        for edges in args.orient:
            oriented(out, edges)
        return
    if args.other:
        for name in args.only or OTHER:
            OTHER[name](out)
        return
    if args.news:
        newswords(out, args.eval)
        return
    dcsbm(out)
    hetero(out)
    useritem(out)
    words(out, args.corpus)


if __name__ == "__main__":
    main()
