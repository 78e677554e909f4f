"""Clustered random word vectors, deterministic: the neighbour-search benchmarks' models.

    python benchmarks/gen_vectors.py -o model.ekm --rows 1000000 [--dim 300] [--seed 0]
    python benchmarks/gen_vectors.py -o vectors.bin --rows 3000000 --format word2vec-binary

The model: ``rows // 500`` clusters (at least 2) with Zipf-distributed sizes (exponent 1);
cluster c has a centre drawn from N(0, I) and a spread σ_c uniform in [0.6, 1.4]; a row is
its cluster's centre plus N(0, σ_c² I) noise, times a length uniform in [0.5, 2] (cosine
ignores it; it keeps the rows from being unit already).  Two rows of one cluster have a
cosine of about 1 / (1 + σ_c²), rows of different clusters about 0: every query has a
crowd of near-equal candidates, as real vectors do, which is what makes approximate
search miss.  Row i is the word ``w`` + i written in 8 digits; its count falls as
1 / (i + 1), so the rows are in frequency order like a trained model's.

Rows are made in blocks of :data:`BLOCK` with a generator seeded by (seed, block), so the
same arguments give the same bytes, and a smaller ``rows`` is a prefix of a larger one
(the clusters depend on ``rows``: the prefix property holds for equal cluster counts).
Standard library and numpy only, memory one block at a time for the binary format.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

BLOCK = 1 << 16


def clusters_for(rows: int) -> int:
    return max(2, rows // 500)


def words(start: int, stop: int) -> list[str]:
    return [f"w{i:08d}" for i in range(start, stop)]


def counts(rows: int) -> np.ndarray:
    return (10 * rows // (np.arange(rows, dtype=np.int64) + 1)).astype(np.int64) + 1


def blocks(rows: int, dim: int = 300, seed: int = 0) -> Iterator[np.ndarray]:
    """The rows (float32), :data:`BLOCK` at a time."""
    k = clusters_for(rows)
    rng = np.random.default_rng([seed, 0x5EED])
    centres = rng.standard_normal((k, dim), dtype=np.float32)
    spread = rng.uniform(0.6, 1.4, k).astype(np.float32)
    weights = 1.0 / np.arange(1, k + 1)
    cumulative = np.cumsum(weights / weights.sum())
    for b, r0 in enumerate(range(0, rows, BLOCK)):
        m = min(BLOCK, rows - r0)
        rb = np.random.default_rng([seed, b])
        c = np.minimum(np.searchsorted(cumulative, rb.random(m)), k - 1)
        x = centres[c] + rb.standard_normal((m, dim), dtype=np.float32) * spread[c, None]
        x *= rb.uniform(0.5, 2.0, m).astype(np.float32)[:, None]
        yield x


def vectors(rows: int, dim: int = 300, seed: int = 0) -> np.ndarray:
    """All rows (rows × dim, float32)."""
    out = np.empty((rows, dim), np.float32)
    r0 = 0
    for x in blocks(rows, dim, seed):
        out[r0 : r0 + len(x)] = x
        r0 += len(x)
    return out


def write_ekm(path: str | Path, rows: int, dim: int = 300, seed: int = 0) -> None:
    """The native model (needs the whole matrix in memory: 4 × rows × dim bytes)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from embedkit.vectors import Embedding

    Embedding(words(0, rows), vectors(rows, dim, seed), counts(rows), {"kind": "words"}).save(path)


def write_word2vec_binary(path: str | Path, rows: int, dim: int = 300, seed: int = 0) -> None:
    """word2vec's binary format ('rows dim' header, then 'word ' + float32 LE + newline
    for each row), one block at a time; written to a temporary name, then renamed."""
    record = np.dtype([("word", "S10"), ("vec", "<f4", (dim,)), ("nl", "S1")])
    tmp = Path(f"{path}.tmp")
    with open(tmp, "wb") as f:
        f.write(f"{rows} {dim}\n".encode())
        r0 = 0
        for x in blocks(rows, dim, seed):
            rec = np.empty(len(x), record)
            rec["word"] = [w.encode() + b" " for w in words(r0, r0 + len(x))]
            rec["vec"] = x
            rec["nl"] = b"\n"
            f.write(rec.tobytes())
            r0 += len(x)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", choices=("embedkit", "word2vec-binary"), default="embedkit")
    a = ap.parse_args(argv)
    t, c = time.perf_counter(), time.process_time()
    (write_ekm if a.format == "embedkit" else write_word2vec_binary)(a.output, a.rows, a.dim, a.seed)
    print(
        f"{a.output}: {a.rows:,} × {a.dim} in {time.perf_counter() - t:.1f} s ({time.process_time() - c:.1f} s CPU)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
