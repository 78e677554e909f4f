"""Graphs of other kinds, with labels, to confirm graph defaults chosen on BlogCatalog and Cora.

    python benchmarks/gen_confirm_graphs.py OUTDIR [--corpus ../shared/data/corpora/dictwiki.txt.gz]
    python benchmarks/gen_confirm_graphs.py OUTDIR --news [--eval ../shared/data/eval]

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

Deterministic (seeded); numpy only.
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


def useritem(out: Path, users: int = 2000, items: int = 1000, genres: int = 10) -> None:
    rng = np.random.default_rng(3)
    genre = rng.integers(0, genres, items)
    by_genre = [np.flatnonzero(genre == c) for c in range(genres)]
    fav = rng.integers(0, genres, users)
    popularity = rng.pareto(1.5, items) + 1.0
    src, dst = [], []
    for u in range(users):
        m = int(rng.integers(8, 31))
        inside = rng.random(m) < 0.35
        pool = by_genre[fav[u]]
        p = popularity[pool] / popularity[pool].sum()
        chosen = np.concatenate(
            [
                rng.choice(pool, int(inside.sum()), p=p),
                rng.choice(items, int((~inside).sum()), p=popularity / popularity.sum()),
            ]
        )
        src.append(np.full(chosen.size, u))
        dst.append(users + chosen)
    a, b, _ = _undirected(np.concatenate(src), np.concatenate(dst))
    labels = {u: [f"g{f}"] for u, f in enumerate(fav.tolist())}
    labels.update({users + i: [f"g{c}"] for i, c in enumerate(genre.tolist())})
    write(out, "useritem", a, b, labels)


def words(out: Path, corpus: Path, top: int = 8000, name: str = "words", text: list[str] | None = None) -> None:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpora" / "dictwiki.txt.gz"
    ap.add_argument("--corpus", type=Path, default=default)
    ap.add_argument("--news", action="store_true", help="write only newswords (from --eval's text)")
    ap.add_argument("--eval", type=Path, default=default.parents[1] / "eval")
    args = ap.parse_args()
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    if args.news:
        newswords(out, args.eval)
        return
    dcsbm(out)
    hetero(out)
    useritem(out)
    words(out, args.corpus)


if __name__ == "__main__":
    main()
