"""Encoding a corpus into blocks of vocabulary ids (:class:`EncodedCorpus`: one
tokenizing pass, then as many id passes as needed), and preparing the text8 corpus.

In an encoded token stream :data:`LINE_BREAK` marks the end of a line (windows never
cross it) and :data:`OUT_OF_VOCABULARY` a word the vocabulary does not keep.
"""

from __future__ import annotations

import collections
import itertools
import tempfile
from collections.abc import Callable, Iterator

import numpy as np

from .engine import ordered_map
from .errors import DataError, check_at_least
from .io import (
    CHUNK_BYTES,
    atomic_output,
    check_readable,
    corpus_files,
    is_plain,
    open_binary,
    raw_blocks,
    read_blocks,
    shard_ranges,
)
from .tokenize import Tokenizer, TokenizeTask, tokenize_task
from .vocab import Vocabulary, WordStore

#: Provisional id of a line break in an encoded token stream.
LINE_BREAK = -1
#: Id of a word outside the vocabulary in an encoded token stream.
OUT_OF_VOCABULARY = -2
#: Id of the first of the rare words asked for (below the vocabulary's cut, whose contexts
#: are counted apart: :class:`embedkit.cooccur.RareContexts`); rare word j is
#: ``RARE_BASE - j``.
RARE_BASE = -3


class EncodedCorpus:
    """A corpus tokenized once, kept as a stream of provisional ids in a temporary file.

    The first pass (:meth:`read`) decodes and tokenizes blocks on ``workers`` processes;
    this process gives each new word a provisional id (a :class:`WordStore`), adds up the
    counts and spills the ids (4 bytes a token) to disk.  Once the vocabulary is fixed,
    :meth:`id_blocks` replays the stream with final ids, so the regular expression runs
    once per corpus.  Memory holds a few blocks and the distinct words, whatever the
    corpus length.
    """

    def __init__(
        self, path: str | list[str], tokenizer: Tokenizer, chunk_bytes: int = CHUNK_BYTES, workers: int = 1
    ) -> None:
        self.paths = corpus_files(path)
        self.tokenizer = tokenizer
        self.chunk_bytes = chunk_bytes
        self.workers = workers
        self._store = WordStore()
        self._file = tempfile.TemporaryFile(prefix="embedkit-ids-")
        self._read = False
        self.n_tokens = 0
        self.n_lines = 0

    def read(self, progress: Callable[[int], None] | None = None) -> EncodedCorpus:
        """The first pass: tokenize, count, and spill provisional ids (once)."""
        if self._read:
            return self

        if self.workers > 1:  # compile (or load) the tokenizer once, before the workers fork
            self.tokenizer.block_words("a\né\n")
            self._store.add(np.empty(0, np.uint32), np.empty(0, np.int64), np.empty(0, np.int64))
        # each task's share of the files' bytes on disk, in task order (compressed bytes
        # for a compressed file, which is decompressed here: see _tasks)
        self._task_bytes: collections.deque[int] = collections.deque()
        for chars, lengths, counts, local_ids, _nbytes in ordered_map(tokenize_task, self._tasks(), self.workers):
            if progress is not None:
                progress(self._task_bytes.popleft())
            to_prov = self._store.add(chars, lengths, counts).astype(np.int32)
            self._file.write(to_prov[local_ids].tobytes())
            self.n_tokens += len(local_ids)
        self.n_lines = int(self._store.counts[0])
        self.n_tokens -= self.n_lines
        self._read = True
        return self

    @property
    def n_types(self) -> int:
        """Distinct tokens read."""
        self.read()
        return self._store.n_types

    def _tasks(self) -> Iterator[TokenizeTask]:
        """Plain files become byte ranges that workers read themselves; compressed files
        and stdin are decompressed here and their blocks sent to the workers."""
        pattern, lowercase = self.tokenizer.pattern, self.tokenizer.lowercase
        for path in self.paths:
            if is_plain(path) and self.workers > 1:
                for start, end in shard_ranges(path, self.chunk_bytes):
                    self._task_bytes.append(end - start)
                    yield TokenizeTask(None, path, start, end, pattern, lowercase)
            else:
                # raw_blocks reports each block's share of the file just before it
                for data, offset in raw_blocks(path, self.chunk_bytes, self._task_bytes.append):
                    yield TokenizeTask(data, path, offset, offset + len(data), pattern, lowercase)

    def word_counts(self, min_count: int = 1) -> dict[str, int]:
        """Every distinct token seen at least ``min_count`` times, with its count (only
        these are turned into strings)."""
        self.read()
        return self._store.word_counts(min_count)

    def id_blocks(
        self, vocab: Vocabulary, block_tokens: int = 1 << 22, rare: list[str] | None = None
    ) -> Iterator[np.ndarray]:
        """Yield int32 blocks of final ids: vocabulary ids, LINE_BREAK, OUT_OF_VOCABULARY,
        and ``RARE_BASE - j`` for word j of ``rare`` (words outside the vocabulary whose
        contexts are counted apart)."""
        self.read()
        decoded = self._store.decoded
        if any(word not in decoded for word in [*vocab.words, *(rare or [])]):
            self.word_counts()  # a vocabulary from elsewhere: name every word
        remap = np.full(self._store.n_words, OUT_OF_VOCABULARY, dtype=np.int32)
        remap[0] = LINE_BREAK
        for j, word in enumerate(vocab.words):
            i = decoded.get(word)
            if i is not None:
                remap[i] = j
        for j, word in enumerate(rare or []):
            i = decoded.get(word)
            if i is not None and remap[i] == OUT_OF_VOCABULARY:
                remap[i] = RARE_BASE - j
        self._file.seek(0)
        while True:
            raw = self._file.read(block_tokens * 4)
            if not raw:
                break
            yield remap[np.frombuffer(raw, dtype=np.int32)]

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> EncodedCorpus:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def encode_with_vocab(
    path: str | list[str], tokenizer: Tokenizer, vocab: Vocabulary, progress: Callable[[int], None] | None = None
) -> Iterator[np.ndarray]:
    """One pass over a corpus (a file, or several in order) with a fixed vocabulary:
    yield int32 id blocks."""
    index = dict(vocab.index)
    index["\n"] = LINE_BREAK
    for one in [path] if isinstance(path, str) else path:
        for block in read_blocks(one, progress=progress):
            tokens = tokenizer.block_tokens(block)
            yield np.fromiter(
                map(index.get, tokens, itertools.repeat(OUT_OF_VOCABULARY)), dtype=np.int32, count=len(tokens)
            )


def prepare_text8(source: str, output: str, words_per_line: int = 1000) -> int:
    """Turn the text8 corpus (``text8.zip`` or the unzipped ``text8``: one 100 MB line of
    space-separated words) into a corpus file of ``words_per_line`` words a line.

    Streams the input; returns the number of words written.
    """
    import zipfile

    check_at_least("words_per_line", words_per_line)
    src = check_readable(source)
    if zipfile.is_zipfile(src):
        with zipfile.ZipFile(src) as z:
            names = z.namelist()
            if len(names) != 1:
                raise DataError(f"{src}: expected one file in the zip archive, found {len(names)}")
            f = z.open(names[0])
    else:
        f = open_binary(str(src))
    n_words = 0
    pending: list[bytes] = []
    carry = b""
    with f, atomic_output(output) as out:
        while True:
            block = f.read(CHUNK_BYTES)
            words = (carry + block).split()
            if block and not block[-1:].isspace() and words:
                carry = words.pop()
            else:
                carry = b""
            pending.extend(words)
            full = len(pending) if not block else len(pending) - len(pending) % words_per_line
            out.writelines(b" ".join(pending[i : i + words_per_line]) + b"\n" for i in range(0, full, words_per_line))
            n_words += full
            pending = pending[full:]
            if not block:
                break
    return n_words
