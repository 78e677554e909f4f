"""The tokenizer: text blocks into tokens (runs of letters by default), and the
worker task that tokenizes one block of a corpus."""

from __future__ import annotations

import collections
import os
import re
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from . import kernels
from .errors import ParameterError
from .io import Decoding, decode_text, read_blocks

#: Runs of Unicode letters (no digits, no underscore): "Café au lait" → café, au, lait.
DEFAULT_PATTERN = r"[^\W\d_]+"

_LETTERS = np.zeros(0x110000, dtype=np.uint8)
_LETTERS_BUILT = 0  # code points below this are filled in


def _letter_table(limit: int = 0x110000) -> np.ndarray:
    """``table[c]`` = 1 where :data:`DEFAULT_PATTERN` matches ``chr(c)`` (a table of every
    code point), filled in with the regular expression itself for every code point below
    ``limit`` at least.  Each process fills in only as far as its blocks reach (an ASCII
    block reads 128 entries; all of Unicode took 0.1–0.3 s in every tokenizing process)."""
    global _LETTERS_BUILT
    if limit > _LETTERS_BUILT:
        lo, hi = _LETTERS_BUILT, min(max(limit, 2 * _LETTERS_BUILT, 4096), 0x110000)
        for m in re.finditer(DEFAULT_PATTERN, "".join(map(chr, range(lo, hi)))):
            _LETTERS[lo + m.start() : lo + m.end()] = 1
        _LETTERS_BUILT = hi
    return _LETTERS


class Tokenizer:
    """Split text into tokens with a regular expression, lower-casing by default.

    Parameters
    ----------
    pattern : str or None
        Regular expression for one token; ``None`` uses :data:`DEFAULT_PATTERN`.
    lowercase : bool
        Fold case before matching.
    """

    def __init__(self, pattern: str | None = None, lowercase: bool = True) -> None:
        self.pattern = DEFAULT_PATTERN if pattern is None else pattern
        self.lowercase = lowercase
        try:
            self._token_re = re.compile(self.pattern)
        except re.error as exc:
            raise ParameterError("pattern", self.pattern, f": invalid regular expression ({exc})", True) from None
        if self._token_re.match(""):
            raise ParameterError("pattern", self.pattern, ": matches the empty string", True)
        # The default pattern never matches a newline, so a whole block can be scanned
        # in one call with the newline as a line-break sentinel token.
        self._fast = self.pattern == DEFAULT_PATTERN
        if self._fast:
            self._block_re = re.compile(f"{self.pattern}|\n")

    def tokenize(self, line: str) -> list[str]:
        """Tokens of one line."""
        if self.lowercase:
            line = line.lower()
        if self._token_re.groups:
            return [m.group(0) for m in self._token_re.finditer(line)]
        return [t for t in self._token_re.findall(line) if t]

    def block_words(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A block's distinct tokens (``"\\n"`` included, in order of first appearance) as
        arrays, cheap to send between processes: (their code points concatenated as
        uint32, their lengths, their counts, the index of each token in text order).

        The default pattern runs the compiled scanner (:func:`kernels.scan_tokens`);
        any other pattern, or no numba, goes through :meth:`block_counts`."""
        if not (self._fast and kernels.ENABLED):
            words, counts, ids = self.block_counts(text)
            chars = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
            return chars, np.array([len(w) for w in words], np.int64), np.array(counts, np.int64), ids
        if self.lowercase:
            text = text.lower()
        if text.isascii():
            chars = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        else:
            chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        # the table as far as this block's largest code point (ASCII: 128 entries)
        letters = _letter_table(128 if chars.dtype == np.uint8 else int(chars.max()) + 1)
        ids, starts, lengths, counts = kernels.scan_tokens(chars, letters)
        return kernels.gather_words(chars, starts, lengths), lengths, counts, ids

    def block_counts(self, text: str) -> tuple[list[str], list[int], np.ndarray]:
        """:meth:`block_words` through the regular expression: the distinct tokens as
        strings, their counts, and the index of each token in that list."""
        tokens = self.block_tokens(text)
        counter = collections.Counter(tokens)
        local = {w: i for i, w in enumerate(counter)}
        ids = np.fromiter(map(local.__getitem__, tokens), dtype=np.int32, count=len(tokens))
        return list(counter), list(counter.values()), ids

    def block_tokens(self, text: str) -> list[str]:
        """Tokens of a block of lines, with ``"\\n"`` after each line that ends in the block."""
        if self._fast:
            return self._block_re.findall(text.lower() if self.lowercase else text)
        out: list[str] = []
        for line in text.splitlines(keepends=True):
            out.extend(t for t in self.tokenize(line) if "\n" not in t)
            if line.endswith(("\n", "\r")):
                out.append("\n")
        return out

    def iter_lines(self, path: str) -> Iterator[list[str]]:
        """Yield the token list of each line of a corpus."""
        for block in read_blocks(path):
            for line in block.splitlines():
                yield self.tokenize(line)


_TOKENIZERS: dict[tuple[str | None, bool], Tokenizer] = {}


class TokenizeTask(NamedTuple):
    """The message a tokenizing worker receives (process pool and Dask alike): the bytes
    ``data`` of a block, or None for the worker to read bytes ``start``..``end`` of the
    plain file ``path`` itself, the tokenizer's ``pattern`` and ``lowercase``, and the
    :class:`~embedkit.io.Decoding` to read it with (None: the process's own, which a forked
    worker inherits from its parent; a Dask worker is sent its client's)."""

    data: bytes | None
    path: str
    start: int
    end: int
    pattern: str | None
    lowercase: bool
    decoding: Decoding | None = None


class TokenizedShard(NamedTuple):
    """What :func:`tokenize_task` returns: the block's distinct words as code points
    (``chars``) and ``lengths`` ("\n" included, as one word), their ``counts``, the local
    id of every token (``ids``, indexing those words) and the block's size in bytes."""

    chars: np.ndarray
    lengths: np.ndarray
    counts: np.ndarray
    ids: np.ndarray
    nbytes: int


def tokenize_task(task: TokenizeTask) -> TokenizedShard:
    """Decode and tokenize one block (see :class:`TokenizeTask`, :class:`TokenizedShard`).

    The task function of both engines: a worker process of the local pool
    (:class:`embedkit.corpus.EncodedCorpus`) or a Dask worker (:mod:`embedkit.dask`).
    """
    data, path, start, end, pattern, lowercase, decoding = task
    if data is None:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
        if end == os.path.getsize(path) and not data.endswith(b"\n"):
            data += b"\n"  # a file's last line ends with the file
    tok = _TOKENIZERS.get((pattern, lowercase))
    if tok is None:
        tok = _TOKENIZERS[(pattern, lowercase)] = Tokenizer(pattern, lowercase)
    return TokenizedShard(*tok.block_words(decode_text(data, path, start, decoding)), end - start)


def words_of(chars: np.ndarray, lengths: np.ndarray) -> list[str]:
    """The words of :meth:`Tokenizer.block_words`' (code points, lengths) as strings."""
    text = chars.tobytes().decode("utf-32-le")
    ends = np.cumsum(lengths).tolist()
    return [text[e - n : e] for e, n in zip(ends, np.asarray(lengths).tolist())]
