"""The plain numpy counting prototype: the reference that embedkit's counting is measured against.

    python benchmarks/proto_count.py CORPUS.txt [--window 10] [--weighting harmonic]
                                     [--min-count 5] [--processes 2] [-o counts.npz]

What a careful engineer writes first with numpy and the standard library, and nothing
compiled: the same design as ``embedkit cooccur`` (two passes over the text: the
vocabulary, then the pairs), written plainly —

* tokens: ``re.findall`` of embedkit's default pattern (letter runs) on the lower-cased
  line; ids by a dict lookup;
* pass 1: a ``collections.Counter`` per chunk of lines, summed; words below min-count dropped;
* pass 2: per chunk, the ids of each line (unknown words removed, as embedkit removes them
  before the window), and for every distance d = 1..window the keys i·V + j of the pairs
  (i, j) and (j, i) at that distance, weighted 1/d (harmonic) or 1 (uniform); ``np.unique``
  of the keys with the weights summed by ``np.bincount``; each chunk's counts as a CSR
  matrix, summed in a binary tree;
* ``--processes`` chunks counted in a ``multiprocessing`` pool (fork), the CSR partials
  summed in the parent.

It writes nothing unless ``-o`` is given, and prints the wall time of each pass and the
tokens counted (stderr, then one JSON line on stdout). Used by ``bench_scale.py --prototype``.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing as mp
import re
import sys
import time

import numpy as np
import scipy.sparse as sp

PATTERN = re.compile(r"[^\W\d_]+")  # embedkit.tokenize.DEFAULT_PATTERN
CHUNK_LINES = 20_000

_index: dict[str, int] = {}
_window = 10
_harmonic = True


def chunks(path: str):
    with open(path, encoding="utf-8", errors="replace") as f:
        block = []
        for line in f:
            block.append(line)
            if len(block) == CHUNK_LINES:
                yield block
                block = []
        if block:
            yield block


def vocab_chunk(lines: list[str]) -> collections.Counter:
    c = collections.Counter()
    for line in lines:
        c.update(PATTERN.findall(line.lower()))
    return c


def pairs_chunk(lines: list[str]) -> sp.csr_matrix:
    index, window, v = _index, _window, len(_index)
    keys, weights = [], []
    for line in lines:
        ids = np.array([i for i in (index.get(t) for t in PATTERN.findall(line.lower())) if i is not None], np.int64)
        for d in range(1, min(window, len(ids) - 1) + 1):
            a, b = ids[:-d], ids[d:]
            keys.append(a * v + b)
            keys.append(b * v + a)
            w = np.full(2 * a.size, 1.0 / d if _harmonic else 1.0)
            weights.append(w)
    if not keys:
        return sp.csr_matrix((v, v), dtype=np.float64)
    k = np.concatenate(keys)
    w = np.concatenate(weights)
    uniq, inv = np.unique(k, return_inverse=True)
    sums = np.bincount(inv, weights=w)
    return sp.csr_matrix((sums, (uniq // v, uniq % v)), shape=(v, v))


def tree_sum(parts: list[sp.csr_matrix]) -> sp.csr_matrix:
    while len(parts) > 1:
        parts = [parts[i] + parts[i + 1] if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
    return parts[0]


def _set_globals(index, window, harmonic):
    global _index, _window, _harmonic
    _index, _window, _harmonic = index, window, harmonic


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--weighting", choices=["harmonic", "uniform"], default="harmonic")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    ctx = mp.get_context("fork")
    t0 = time.perf_counter()
    with ctx.Pool(args.processes) as pool:
        counts = collections.Counter()
        for c in pool.imap_unordered(vocab_chunk, chunks(args.corpus)):
            counts.update(c)
    words = sorted((w for w, n in counts.items() if n >= args.min_count), key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(words)}
    tokens = sum(counts.values())
    t1 = time.perf_counter()
    init = (index, args.window, args.weighting == "harmonic")
    with ctx.Pool(args.processes, initializer=_set_globals, initargs=init) as pool:
        parts = []
        for m in pool.imap_unordered(pairs_chunk, chunks(args.corpus)):
            parts.append(m)
            if len(parts) >= 8:  # a running tree: at most a few partials alive
                parts = [tree_sum(parts)]
    total = tree_sum(parts)
    t2 = time.perf_counter()
    if args.output:
        sp.save_npz(args.output, total)
    print(f"prototype: {tokens:,} tokens, {len(words):,} words, {total.nnz:,} pairs; "
          f"vocabulary {t1 - t0:.1f} s, pairs {t2 - t1:.1f} s", file=sys.stderr)  # fmt: skip
    print(json.dumps({"tokens": tokens, "words": len(words), "nnz": int(total.nnz), "vocab_s": t1 - t0,
                      "pairs_s": t2 - t1, "wall_s": t2 - t0}))  # fmt: skip


if __name__ == "__main__":
    main()
