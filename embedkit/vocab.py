"""The vocabulary: counting words, interning them (:class:`WordStore`), and the
:class:`Vocabulary` that maps the kept words to ids by descending count."""

from __future__ import annotations

import collections
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import kernels
from .errors import DataError, check_at_least, counted, param
from .io import display_name, read_blocks, word_count_rows
from .tokenize import Tokenizer, words_of


@dataclass
class Vocabulary:
    """Words in id order (most frequent first) with their corpus counts."""

    words: list[str]
    counts: np.ndarray

    def __post_init__(self) -> None:
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError("words and counts differ in length")
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.words)

    @property
    def index(self) -> dict[str, int]:
        """Word → id."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    @classmethod
    def from_counts(
        cls, counts: dict[str, int] | collections.Counter, min_count: int = 5, max_size: int | None = None
    ) -> Vocabulary:
        """Keep words seen at least ``min_count`` times, the ``max_size`` most frequent.

        Ties in frequency are broken alphabetically, so the order is deterministic.
        """
        check_at_least("min_count", min_count)
        if max_size is not None:
            check_at_least("max_size", max_size)
        items = [(w, c) for w, c in counts.items() if c >= min_count and w != "\n"]
        items.sort(key=lambda wc: (-wc[1], wc[0]))
        if max_size is not None:
            items = items[:max_size]
        return cls([w for w, _ in items], np.array([c for _, c in items], dtype=np.int64))

    def write_tsv(self, f) -> None:
        """Write ``word<TAB>count`` lines to a text file object."""
        f.writelines(f"{w}\t{c}\n" for w, c in zip(self.words, self.counts.tolist()))

    @classmethod
    def read_tsv(cls, path: str) -> Vocabulary:
        """Read ``word<TAB>count`` lines (as written by ``embedkit vocab``), or ``word count``
        lines without a TAB (gensim's ``save_word2vec_format(fvocab=…)``), under an optional
        header row: the policy of every word-count file (:func:`~embedkit.io.word_count_rows`).

        Raises :class:`DataError` naming the line for a line that is not a word and a whole
        number ≥ 0, for a word listed twice (with the line of its first listing), and for an
        empty file."""
        words, counts = word_count_rows(path)
        if not words:
            raise DataError(f"{display_name(path)}: the vocabulary file is empty")
        return cls(words, np.array(counts, dtype=np.int64))


def vocabulary_from_counts(
    counts: dict[str, int], min_count: int, max_size: int | None, source: str, n_types: int | None = None
) -> Vocabulary:
    """The vocabulary of ``counts``: words seen at least ``min_count`` times, the
    ``max_size`` most frequent (all when None).

    ``counts`` may already leave out the words below ``min_count``: ``n_types`` then says
    how many distinct words the corpus had.  Raises :class:`DataError` naming ``source``
    when the corpus has no tokens or no word is frequent enough.
    """
    vocab = Vocabulary.from_counts(counts, min_count, max_size)
    if len(vocab) == 0:
        n_types = len(counts) if n_types is None else n_types
        if not n_types:
            raise DataError(f"{source}: the corpus has no tokens")
        raise DataError(
            f"{source}: no word occurs at least {counted(min_count, 'time')} ({counted(n_types, 'distinct word')}); "
            f"lower {param('min_count')}"
        )
    return vocab


def count_words(path: str, tokenizer: Tokenizer, progress: Callable[[int], None] | None = None) -> collections.Counter:
    """Count every token of a corpus (one pass, memory bounded by the vocabulary)."""
    counts: collections.Counter = collections.Counter()
    for block in read_blocks(path, progress=progress):
        counts.update(tokenizer.block_tokens(block))
    counts.pop("\n", None)
    return counts


class WordStore:
    """Distinct words with their counts, added a block at a time; ids in order of first
    appearance.

    Words arrive as arrays (code points and lengths, from :meth:`Tokenizer.block_words`)
    and stay arrays: a compiled hash table (:func:`kernels.intern_words`) finds each
    block's words, so no Python string is made per word until :meth:`words` is asked
    for some (on dictwiki x 20 the dict of strings cost the main process more time than
    the tokenizing workers saved, and at a billion tokens ~10 M types it held 2 GB).
    Without numba the same interface is a dict.  Id 0 is the line break ``"\\n"``, whose
    count is the number of lines.
    """

    def __init__(self) -> None:
        self.n_words = 0
        self._n_chars = 0
        self._chars = np.empty(1 << 16, np.uint32)
        self._starts = np.empty(1 << 12, np.int64)
        self._lengths = np.empty(1 << 12, np.int64)
        self._hashes = np.empty(1 << 12, np.uint64)
        self._counts = np.zeros(1 << 12, np.int64)
        self._table = np.full(1 << 13, -1, np.int32)
        self._dict: dict[str, int] = {}
        self._dict_counts: list[int] = []
        self.decoded: dict[str, int] = {}  # word → id, for the words :meth:`word_counts` named
        self.add(np.array([10], np.uint32), np.array([1]), np.array([0]))  # "\n" is id 0

    def __getstate__(self) -> dict:
        """Pickled without the spare room the arrays keep for growth (a Dask engine's word
        stores travel between workers: dictwiki × 5's 178 k words were 47 MB, now 16 MB)."""
        state = self.__dict__.copy()
        if kernels.ENABLED:
            state["_chars"] = self._chars[: self._n_chars]
            for name in ("_starts", "_lengths", "_hashes", "_counts"):
                state[name] = state[name][: self.n_words]
        return state

    @staticmethod
    def _grown(a: np.ndarray, need: int) -> np.ndarray:
        if need <= a.size:
            return a
        b = np.zeros(max(need, 2 * a.size), a.dtype)
        b[: a.size] = a
        return b

    def add(self, chars: np.ndarray, lengths: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Ids of a block's distinct words (int64), adding the new ones and the counts."""
        if not kernels.ENABLED:
            ids = np.empty(lengths.size, np.int64)
            for k, (word, c) in enumerate(zip(words_of(chars, lengths), counts.tolist())):
                i = self._dict.get(word)
                if i is None:
                    i = self._dict[word] = len(self._dict_counts)
                    self._dict_counts.append(c)
                else:
                    self._dict_counts[i] += c
                ids[k] = i
            self.n_words = len(self._dict_counts)
            return ids
        need = self.n_words + lengths.size
        self._chars = self._grown(self._chars, self._n_chars + chars.size)
        for name in ("_starts", "_lengths", "_hashes", "_counts"):
            setattr(self, name, self._grown(getattr(self, name), need))
        if 2 * need > self._table.size:
            size = self._table.size
            while 2 * need > size:
                size *= 2
            self._table = kernels.rehash(self._hashes, self.n_words, size)
        ids, self.n_words, self._n_chars = kernels.intern_words(
            self._chars, self._starts, self._lengths, self._hashes, self._counts, self._table,
            self.n_words, self._n_chars, chars, np.asarray(lengths, np.int64), np.asarray(counts, np.int64),
        )  # fmt: skip
        return ids

    def find(self, chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Ids of a block's distinct words (as :meth:`add` takes them), -1 for a word not
        in the store; nothing is added (int64)."""
        lengths = np.asarray(lengths, np.int64)
        if not kernels.ENABLED:
            return np.fromiter((self._dict.get(w, -1) for w in words_of(chars, lengths)), np.int64, lengths.size)
        return kernels.find_words(
            self._chars, self._starts, self._lengths, self._hashes, self._table, np.asarray(chars, np.uint32), lengths
        )

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every word as (code points, lengths, counts) in id order, the line break first:
        what :meth:`add` takes, so that one store's words can be added to another."""
        counts = self.counts.copy()
        if not kernels.ENABLED:
            words = list(self._dict)
            chars = np.frombuffer("".join(words).encode("utf-32-le"), np.uint32)
            return chars, np.array([len(w) for w in words], np.int64), counts
        n = self.n_words
        return self._chars[: self._n_chars].copy(), self._lengths[:n].copy(), counts

    @classmethod
    def of_words(cls, words: list[str]) -> WordStore:
        """A store of ``words`` (count 0 each) with ids 1, 2, …, after the line break's 0."""
        store = cls()
        chars = np.frombuffer("".join(words).encode("utf-32-le"), np.uint32)
        lengths = np.fromiter(map(len, words), np.int64, len(words))
        store.add(chars, lengths, np.zeros(len(words), np.int64))
        if store.n_words != len(words) + 1:
            raise ValueError("a word is listed twice (or is the line break)")
        return store

    @property
    def counts(self) -> np.ndarray:
        """Count of each word, by id."""
        if not kernels.ENABLED:
            return np.array(self._dict_counts, np.int64)
        return self._counts[: self.n_words]

    @property
    def n_types(self) -> int:
        """Distinct words, the line break left out."""
        return self.n_words - 1

    def word_counts(self, min_count: int = 1) -> dict[str, int]:
        """Every word (not the line break) seen at least ``min_count`` times, with its
        count; only these are turned into strings (and remembered in :attr:`decoded`)."""
        counts = self.counts
        ids = np.flatnonzero(counts >= min_count)
        ids = ids[ids > 0]
        words = self.words(ids)
        self.decoded.update(zip(words, ids.tolist()))
        return dict(zip(words, counts[ids].tolist()))

    def words(self, ids: np.ndarray) -> list[str]:
        """The words with these ids."""
        if not kernels.ENABLED:
            by_id = list(self._dict)
            return [by_id[i] for i in ids.tolist()]
        # the words' characters gathered and decoded at once, then cut (one decode a word
        # took 0.05-0.15 s for dictwiki's 41k)
        lengths = self._lengths[ids]
        text = kernels.gather_words(self._chars, self._starts[ids], lengths).tobytes().decode("utf-32-le")
        ends = np.cumsum(lengths).tolist()
        return [text[e - n : e] for e, n in zip(ends, lengths.tolist())]
