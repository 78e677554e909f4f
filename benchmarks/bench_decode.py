"""The first pass over a corpus (decode, tokenize, intern), one process, in CPU seconds.

    python benchmarks/bench_decode.py CORPUS [--runs N]

Times ``EncodedCorpus(CORPUS, Tokenizer(), workers=1).read()`` with
``time.process_time()`` (best of N after a warm-up run), so the figure holds on a loaded
machine: what decoding every block (byte-order mark, CR line ends, NFC) costs next to
tokenizing. BENCHMARKS.md has the figures for dictwiki as ASCII, NFC and NFD text.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedkit.corpus import EncodedCorpus  # noqa: E402
from embedkit.tokenize import Tokenizer  # noqa: E402


def first_pass(path: str) -> tuple[int, float, float]:
    """(tokens, wall seconds, CPU seconds) of one first pass."""
    t0, c0 = time.perf_counter(), time.process_time()
    with EncodedCorpus(path, Tokenizer(), workers=1) as enc:
        enc.read()
        n = enc.n_tokens
    return n, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    first_pass(args.corpus)  # compile the tokenizer, warm the page cache
    n, wall, cpu = min((first_pass(args.corpus) for _ in range(args.runs)), key=lambda r: r[2])
    print(f"{args.corpus}: {n:,} tokens, best of {args.runs}: CPU {cpu:.2f} s (wall {wall:.2f} s)")


if __name__ == "__main__":
    main()
