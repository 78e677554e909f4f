"""Deterministic English-like synthetic corpus for scale benchmarks.

    python benchmarks/gen_corpus.py -o corpus.txt --tokens 1000000000 [--seed 0] [--stats]

One passage per line, 20 to 60 lower-case words separated by single spaces.  The same
seed and size give a byte-identical file; a smaller size with the same seed gives a prefix
of a larger one (up to the last line, which is cut to hit ``--tokens`` exactly).

Model
-----
* Word frequencies follow a two-regime Zipf law over a rank space of 2**36 words
  (exponent 1.0 for the first 30,000 ranks, 1.35 beyond, as in real text where rare words
  thin out faster), sampled by the closed-form inverse CDF of the continuous power law.
* The 52 most frequent ranks are real English function words; every other rank is spelt
  as 2 to 6 pronounceable consonant-vowel syllables, shorter for more frequent ranks
  (letters only, so the default tokenizer ``[^\\W\\d_]+`` keeps each word whole).
* 1,000 topics; each line (passage) belongs to one.  Function words stay as drawn; any
  other word is replaced, with probability 0.8, by a word of the line's topic: drawn from
  a steeper Zipf law (exponent 1.0 to rank 600, 2.5 beyond), shifted past the 1,000 most
  frequent ranks and scrambled within each power-of-two band of ranks by a topic-specific
  bijection, so each topic has its own favourite mid-frequency content words.  Words of a
  line therefore co-occur far more than independent draws would.
* Tuned against dictwiki (GENERATORS.md): types and distinct window-5 pairs within ~1.3x
  of it at 1 M and 4.6 M tokens; Heaps exponent about 0.75 (~63 k types at 1 M tokens,
  ~195 k at 4.6 M, millions at 1 B).

Generation is vectorised in fixed batches of 8,192 lines (about 330 k tokens), each from
its own random stream ``default_rng([seed, 2, batch])``; words are spelt from their rank
by table look-up (the first 2**20 ranks) or arithmetic (the rest), and written in large
blocks.  Standard library and numpy only.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: The most frequent ranks, in order (none of them has the CVCV... shape of generated words).
FUNCTION_WORDS = (
    "the of and to in a is that for it as was with on by he at from his an this are be or "
    "which not but had have were they their its one been also has there all who we her she "
    "first after new when other can would into than"
).split()

CONSONANTS = b"bcdfgklmnprstvz"
VOWELS = b"aeiou"
#: Number of distinct consonant-vowel syllables.
SYLLABLES = len(CONSONANTS) * len(VOWELS)
MIN_SYLLABLES, MAX_SYLLABLES = 2, 6
#: Row width of a spelt word (longest word 12 letters, plus its separator).
WIDTH = 16

#: Ranks are 1 .. RANK_SPACE (the 2-6 syllable words number about 1.8e11).
RANK_SPACE = 1 << 36
#: Ranks spelt once into a table; rarer ones are spelt arithmetically per batch.
TABLE_RANKS = 1 << 20
LINES_PER_BATCH = 1 << 13

_GENERATED = re.compile("^(?:[" + CONSONANTS.decode() + "][" + VOWELS.decode() + "])+$")
assert len(set(FUNCTION_WORDS)) == len(FUNCTION_WORDS)
assert not any(_GENERATED.match(w) and len(w) >= 2 * MIN_SYLLABLES for w in FUNCTION_WORDS)


@dataclass(frozen=True)
class Params:
    """The model's knobs (the defaults are tuned against dictwiki, see GENERATORS.md)."""

    head_exponent: float = 1.0
    tail_exponent: float = 1.35
    knee: float = 30_000.0
    topics: int = 1000
    topic_share: float = 0.8
    topic_shift: int = 1000
    topic_knee: float = 600.0
    topic_tail_exponent: float = 2.5
    min_line: int = 20
    max_line: int = 60


class PowerLaw:
    """Two-regime continuous power law on [1, RANK_SPACE + 1); ``floor`` of a draw is a rank."""

    def __init__(self, s1: float, s2: float, knee: float, top: float = RANK_SPACE + 1.0):
        if not (s2 > 1 and 1 < knee < top):
            raise ValueError("need tail exponent > 1 and 1 < knee < rank space")
        self.s1, self.s2, self.knee, self.top = s1, s2, knee, top
        self.m1 = math.log(knee) if abs(s1 - 1) < 1e-12 else (knee ** (1 - s1) - 1) / (1 - s1)
        self.c2 = knee ** (s2 - s1)
        self.m2 = self.c2 * (knee ** (1 - s2) - top ** (1 - s2)) / (s2 - 1)
        self.total = self.m1 + self.m2

    def ranks(self, u: np.ndarray) -> np.ndarray:
        """Ranks (int64, >= 1) for uniforms ``u`` in [0, 1)."""
        v = u * self.total
        x = np.empty_like(v)
        head = v < self.m1
        vh = v[head]
        if abs(self.s1 - 1) < 1e-12:
            x[head] = np.exp(vh)
        else:
            x[head] = (1 + (1 - self.s1) * vh) ** (1 / (1 - self.s1))
        w = v[~head] - self.m1
        x[~head] = (self.knee ** (1 - self.s2) - w * (self.s2 - 1) / self.c2) ** (-1 / (self.s2 - 1))
        r = x.astype(np.int64)
        np.clip(r, 1, RANK_SPACE, out=r)
        return r


# ---------------------------------------------------------------------------- spelling

_FW_ROWS = np.zeros((len(FUNCTION_WORDS), WIDTH), np.uint8)
for _i, _w in enumerate(FUNCTION_WORDS):
    _FW_ROWS[_i, : len(_w)] = np.frombuffer(_w.encode(), np.uint8)
    _FW_ROWS[_i, len(_w)] = ord(" ")
_FW_LENS = np.array([len(w) + 1 for w in FUNCTION_WORDS], np.int64)
# first generated index of each syllable count (index = rank - 1 - len(FUNCTION_WORDS))
_BLOCK_START = np.cumsum([0] + [SYLLABLES**k for k in range(MIN_SYLLABLES, MAX_SYLLABLES + 1)])
#: Multiplier coprime to 75**k, so that consecutive ranks do not share their first syllables.
_SPREAD = 1_000_003
_CONS = np.frombuffer(CONSONANTS, np.uint8)
_VOWS = np.frombuffer(VOWELS, np.uint8)


def spell(ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows (n, WIDTH) uint8 of each rank's word followed by a space, and their lengths."""
    ranks = np.asarray(ranks, np.int64)
    n = len(ranks)
    rows = np.zeros((n, WIDTH), np.uint8)
    lens = np.empty(n, np.int64)
    idx = ranks - 1
    fw = idx < len(FUNCTION_WORDS)
    rows[fw] = _FW_ROWS[idx[fw]]
    lens[fw] = _FW_LENS[idx[fw]]
    g = ~fw
    i = idx[g] - len(FUNCTION_WORDS)
    block = np.searchsorted(_BLOCK_START, i, side="right") - 1
    k = block + MIN_SYLLABLES  # syllables of each word
    j = (i - _BLOCK_START[block]) * _SPREAD % (SYLLABLES**k)  # a bijection: spreads first letters
    grows = np.zeros((len(i), WIDTH), np.uint8)
    for p in range(MAX_SYLLABLES):
        shift = k - 1 - p  # digit p (most significant first) exists where shift >= 0
        has = shift >= 0
        d = (j[has] // SYLLABLES ** shift[has]) % SYLLABLES
        grows[has, 2 * p] = _CONS[d // len(VOWELS)]
        grows[has, 2 * p + 1] = _VOWS[d % len(VOWELS)]
    grows[np.arange(len(i)), 2 * k] = ord(" ")
    rows[g] = grows
    lens[g] = 2 * k + 1
    return rows, lens


def word(rank: int) -> str:
    """The word of one rank (1-based)."""
    rows, lens = spell(np.array([rank]))
    return rows[0, : lens[0] - 1].tobytes().decode()


_TABLE: tuple[np.ndarray, np.ndarray] | None = None


def _table() -> tuple[np.ndarray, np.ndarray]:
    global _TABLE
    if _TABLE is None:
        rows, lens = spell(np.arange(TABLE_RANKS))  # row 0 (rank 0) is unused
        _TABLE = rows, lens.astype(np.uint8)
    return _TABLE


def spell_tokens(ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`spell`, fast for frequent ranks (table look-up)."""
    rows_t, lens_t = _table()
    common = ranks < TABLE_RANKS
    if common.all():
        return rows_t[ranks], lens_t[ranks].astype(np.int64)
    rows = np.empty((len(ranks), WIDTH), np.uint8)
    lens = np.empty(len(ranks), np.int64)
    rows[common] = rows_t[ranks[common]]
    lens[common] = lens_t[ranks[common]]
    rows[~common], lens[~common] = spell(ranks[~common])
    return rows, lens


# ---------------------------------------------------------------------------- sampling

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _scramble(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Topic-keyed bijection of each power-of-two band [2**k, 2**(k+1)) of ranks ``q`` >= 1."""
    _, e = np.frexp(q.astype(np.float64))  # q = m * 2**e, m in [0.5, 1): band k = e - 1
    k = (e - 1).astype(np.uint64)
    lo = np.left_shift(np.uint64(1), k)
    mask = lo - np.uint64(1)
    x = q.astype(np.uint64) - lo
    x = (x * a + b) & mask  # affine with odd a: a bijection mod 2**k
    x ^= x >> ((k + np.uint64(1)) >> np.uint64(1))  # xor-shift: a bijection too
    x = (x * a + (b >> np.uint64(7))) & mask
    return (lo + x).astype(np.int64)


@dataclass
class Batch:
    """One batch of lines: ranks of all tokens, tokens per line, topic of each line."""

    ranks: np.ndarray
    lengths: np.ndarray
    topics: np.ndarray


class Generator:
    """The corpus of one seed as a sequence of batches (batch ``i`` depends only on seed, i)."""

    def __init__(self, seed: int = 0, params: Params = Params(), lines_per_batch: int = LINES_PER_BATCH):
        self.seed, self.params, self.lines_per_batch = seed, params, lines_per_batch
        self.law = PowerLaw(params.head_exponent, params.tail_exponent, params.knee)
        self.topic_law = PowerLaw(params.head_exponent, params.topic_tail_exponent, params.topic_knee)
        trng = np.random.default_rng([seed, 1])
        self.topic_a = trng.integers(0, 1 << 62, params.topics, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self.topic_b = trng.integers(0, 1 << 62, params.topics, dtype=np.uint64)

    def batch(self, index: int) -> Batch:
        p = self.params
        rng = np.random.default_rng([self.seed, 2, index])
        lengths = rng.integers(p.min_line, p.max_line + 1, self.lines_per_batch)
        topics = rng.integers(0, p.topics, self.lines_per_batch)
        n = int(lengths.sum())
        ranks = self.law.ranks(rng.random(n))
        # function words stay; any other word is, with probability topic_share, a topic word
        own = (rng.random(n) < p.topic_share) & (ranks > len(FUNCTION_WORDS))
        t = np.repeat(topics, lengths)[own]
        q = np.minimum(self.topic_law.ranks(rng.random(len(t))) + p.topic_shift, RANK_SPACE)
        ranks[own] = _scramble(q, self.topic_a[t], self.topic_b[t])
        return Batch(ranks, lengths, topics)

    def batches(self, tokens: int) -> Iterator[Batch]:
        """Batches totalling exactly ``tokens`` tokens (the last line cut short as needed)."""
        left, i = tokens, 0
        while left > 0:
            b = self.batch(i)
            if len(b.ranks) > left:
                ends = np.cumsum(b.lengths)
                nl = int(np.searchsorted(ends, left, side="left")) + 1  # lines touched
                lengths = b.lengths[:nl].copy()
                lengths[-1] -= int(ends[nl - 1]) - left
                b = Batch(b.ranks[:left], lengths, b.topics[:nl])
            left -= len(b.ranks)
            i += 1
            yield b


def render(b: Batch) -> bytes:
    """The text of a batch: words separated by spaces, each line ended by a newline."""
    rows, lens = spell_tokens(b.ranks)
    last = np.cumsum(b.lengths) - 1
    rows[last, lens[last] - 1] = ord("\n")
    keep = np.arange(WIDTH, dtype=np.uint8) < lens[:, None].astype(np.uint8)
    return rows[keep].tobytes()


def generate(tokens: int, seed: int = 0, params: Params = Params()) -> Iterator[tuple[Batch, bytes]]:
    """(batch, its text) pairs for a corpus of exactly ``tokens`` tokens."""
    g = Generator(seed, params)
    for b in g.batches(tokens):
        yield b, render(b)


class TypeCounter:
    """Distinct ranks seen: a bitmap for the first 2**26 ranks, a sorted array for rarer ones."""

    BITMAP = 1 << 26

    def __init__(self):
        self.bitmap = np.zeros(self.BITMAP, bool)
        self.rare = np.empty(0, np.int64)
        self.pending: list[np.ndarray] = []
        self.npending = 0

    def add(self, ranks: np.ndarray) -> None:
        small = ranks < self.BITMAP
        self.bitmap[ranks[small]] = True
        rare = ranks[~small]
        self.pending.append(rare)
        self.npending += len(rare)
        if self.npending > 1 << 22:
            self._merge()

    def _merge(self) -> None:
        k = np.sort(np.concatenate([self.rare, *self.pending]))
        self.rare = k[np.concatenate([[True], k[1:] != k[:-1]])] if len(k) else k
        self.pending, self.npending = [], 0

    def count(self) -> int:
        self._merge()
        return int(np.count_nonzero(self.bitmap)) + len(self.rare)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", required=True, help="output file ('-' for stdout)")
    ap.add_argument("--tokens", type=int, required=True, help="exact number of tokens")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stats", action="store_true", help="also count distinct types (memory grows with them)")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    if args.tokens < 0:
        ap.error("--tokens must be >= 0")
    t0, c0 = time.perf_counter(), time.process_time()
    types = TypeCounter() if args.stats else None
    lines = written = done = 0
    out = sys.stdout.buffer if args.output == "-" else open(args.output, "wb", buffering=1 << 24)
    try:
        for b, text in generate(args.tokens, args.seed):
            out.write(text)
            written += len(text)
            lines += len(b.lengths)
            done += len(b.ranks)
            if types is not None:
                types.add(b.ranks)
            if not args.quiet:
                dt = time.perf_counter() - t0
                print(f"\r{done:,} tokens, {done / max(dt, 1e-9) / 1e6:.1f} M/s", end="", file=sys.stderr)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    dt = time.perf_counter() - t0
    if not args.quiet:
        print(file=sys.stderr)
    cpu = time.process_time() - c0
    n_types = f"\ttypes={types.count()}" if types is not None else ""
    print(
        f"tokens={done}\tlines={lines}{n_types}\tbytes={written}\tseconds={dt:.2f}\tcpu_s={cpu:.2f}"
        f"\ttokens_per_cpu_s={done / max(cpu, 1e-9):.0f}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
