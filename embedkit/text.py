"""Reading corpora, tokenizing, and building the vocabulary.

A corpus is a text file (or stdin) with one passage per line; lines are boundaries that
co-occurrence windows never cross.  ``.gz``, ``.bz2`` and ``.xz`` files are read
transparently.  Text is read in newline-aligned blocks, so memory stays bounded whatever
the corpus size.
"""

from __future__ import annotations

import collections
import itertools
import lzma
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from . import kernels
from .errors import DataError, InputError, ParameterError
from .files import Decoding, check_readable, display_name, is_compressed, open_binary, text_decoding

#: Runs of Unicode letters (no digits, no underscore): "Café au lait" → café, au, lait.
DEFAULT_PATTERN = r"[^\W\d_]+"

_LETTERS: np.ndarray | None = None


def _letter_table() -> np.ndarray:
    """``table[c]`` = 1 where :data:`DEFAULT_PATTERN` matches ``chr(c)``, for every code
    point (built once per process with the regular expression itself, about 0.1 s)."""
    global _LETTERS
    if _LETTERS is None:
        table = np.zeros(0x110000, dtype=np.uint8)
        for m in re.finditer(DEFAULT_PATTERN, "".join(map(chr, range(0x110000)))):
            table[m.start() : m.end()] = 1
        _LETTERS = table
    return _LETTERS


#: Bytes of text handled per block while streaming a corpus.
CHUNK_BYTES = 8 << 20

#: Provisional id of a line break in an encoded token stream.
LINE_BREAK = -1
#: Id of a word outside the vocabulary in an encoded token stream.
OUT_OF_VOCABULARY = -2


def read_blocks(
    path: str, chunk_bytes: int = CHUNK_BYTES, progress: Callable[[int], None] | None = None
) -> Iterator[str]:
    """Yield the text of ``path`` (or stdin for ``-``) in blocks that end at a newline.

    A line longer than ``chunk_bytes`` is split at a space; the piece then does not end in
    a newline, and the tokens of the next block continue the same line.  Decoded by
    :func:`embedkit.files.text_decoding` (BOM dropped, CR line ends, NFC); raises
    :class:`DataError` naming the file, line and bytes that are not in the encoding.
    ``progress(n)`` is called with the number of (uncompressed) bytes of each block.
    """
    name = display_name(path)
    decoding = text_decoding()
    line = 1
    for data, offset in raw_blocks(path, chunk_bytes, progress):
        yield decoding.decode(data, name, offset, line)
        line += data.count(b"\n")


def raw_blocks(
    path: str, chunk_bytes: int = CHUNK_BYTES, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[bytes, int]]:
    """Like :func:`read_blocks`, undecoded: yield (bytes, offset of the block in the file)."""
    name = display_name(path)
    f: BinaryIO = open_binary(path)
    offset = 0
    carry = b""
    try:
        while True:
            try:
                block = f.read(chunk_bytes)
            except (OSError, EOFError, lzma.LZMAError) as exc:
                raise InputError(f"{name}: cannot read ({exc})") from None
            if not block:
                break
            block = carry + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                if len(block) < chunk_bytes:
                    carry = block
                    continue
                # a line longer than a block (text8 is one 100 MB line): cut at a space;
                # the next block continues the same line, so windows still span the cut
                cut = block.rfind(b" ") + 1
                if cut == 0:
                    raise DataError(f"{name}: a line of over {chunk_bytes} bytes has no space to split it at")
            carry = block[cut:]
            yield block[:cut], offset
            offset += cut
            if progress is not None:
                progress(cut)
        if carry:
            yield carry + b"\n", offset
            if progress is not None:
                progress(len(carry))
    finally:
        if f is not sys.stdin.buffer:
            f.close()


def numbered_lines(path: str) -> Iterator[tuple[int, str]]:
    """Every line of a text file or stdin (``-``) with its 1-based number, without the
    newline; split on ``\\n`` only, so a line cut between blocks comes out whole."""
    lineno = 0
    partial = ""
    for block in read_blocks(path):
        pieces = block.split("\n")
        pieces[0] = partial + pieces[0]
        partial = pieces.pop()  # "" when the block ends with a newline
        for line in pieces:
            lineno += 1
            yield lineno, line
    if partial:
        yield lineno + 1, partial


def read_lines(path: str) -> list[str]:
    """The lines of a text file or stdin (``-``), split on ``\\n`` only.

    A final line without a newline counts; a file ending in a newline has no extra empty line.
    """
    return [line for _, line in numbered_lines(path)]


def _decode(data: bytes, path: str, offset: int, decoding: Decoding | None = None) -> str:
    """A block of a corpus as text (see :class:`embedkit.files.Decoding`); the line named in
    an error is found by counting the newlines before the block only when there is one."""
    decoding = decoding or text_decoding()
    name = display_name(path)
    try:
        return decoding.decode(data, name, offset, None if offset else 1)
    except DataError:
        if not offset or not _is_plain(path):
            raise
    with open(path, "rb") as f:  # a block of a plain file: count the lines before it
        line = 1
        left = offset
        while left > 0:
            chunk = f.read(min(left, 1 << 24))
            if not chunk:
                break
            line += chunk.count(b"\n")
            left -= len(chunk)
    return decoding.decode(data, name, offset, line)


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
            raise ParameterError(f"--pattern {self.pattern!r}: invalid regular expression ({exc})") from None
        if self._token_re.match(""):
            raise ParameterError(f"--pattern {self.pattern!r}: matches the empty string")
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
        ids, starts, lengths, counts = kernels.scan_tokens(chars, _letter_table())
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
        if min_count < 1:
            raise ParameterError(f"--min-count must be at least 1, got {min_count}")
        if max_size is not None and max_size < 1:
            raise ParameterError(f"--max-size must be at least 1, got {max_size}")
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
        """Read ``word<TAB>count`` lines (as written by ``embedkit vocab``)."""
        words: list[str] = []
        counts: list[int] = []
        name = display_name(path)
        for lineno, line in numbered_lines(path):
            if not line.strip():
                continue
            parts = line.rstrip("\r").split("\t")
            if len(parts) != 2:
                raise DataError(f"{name}, line {lineno}: expected 'word<TAB>count', got {line[:60]!r}")
            try:
                counts.append(int(parts[1]))
            except ValueError:
                raise DataError(f"{name}, line {lineno}: count {parts[1]!r} is not an integer") from None
            words.append(parts[0])
        if not words:
            raise DataError(f"{name}: the vocabulary file is empty")
        if len(set(words)) != len(words):
            raise DataError(f"{name}: a word is listed twice")
        return cls(words, np.array(counts, dtype=np.int64))


def count_words(path: str, tokenizer: Tokenizer, progress: Callable[[int], None] | None = None) -> collections.Counter:
    """Count every token of a corpus (one pass, memory bounded by the vocabulary)."""
    counts: collections.Counter = collections.Counter()
    for block in read_blocks(path, progress=progress):
        counts.update(tokenizer.block_tokens(block))
    counts.pop("\n", None)
    return counts


_TOKENIZERS: dict[tuple[str | None, bool], Tokenizer] = {}


def corpus_files(paths: str | list[str]) -> list[str]:
    """The files of a corpus given as paths, globs (``wiki/*.txt.gz``) or ``-``.

    A glob inside a URL (``s3://bucket/wiki/*.txt``, ``memory://c/*.txt``) is expanded by
    that URL's fsspec filesystem, never on the local disk."""
    import glob

    out: list[str] = []
    for p in [paths] if isinstance(paths, str) else list(paths):
        if p == "-" or not any(ch in p for ch in "*?["):
            out.append(p)
        elif "://" in p:
            out.extend(_url_glob(p))
        elif Path(p).exists():
            out.append(p)
        else:
            matches = sorted(glob.glob(p))
            if not matches:
                raise InputError(f"{p}: no file matches")
            out.extend(matches)
    if not out:
        raise InputError("no corpus file given")
    return out


def _url_glob(pattern: str) -> list[str]:
    """The URLs matching a glob, listed by the URL's own fsspec filesystem."""
    try:
        import fsspec
    except ImportError:
        raise InputError(f"{pattern}: reading URLs needs fsspec (pip install 'embedkit[dask]')") from None
    try:
        fs, _, found = fsspec.core.get_fs_token_paths(pattern)
    except (ValueError, ImportError, OSError) as exc:
        raise InputError(f"{pattern}: cannot list ({exc})") from None
    if not found:
        raise InputError(f"{pattern}: no file matches")
    return sorted(fs.unstrip_protocol(f) for f in found)


def _is_plain(path: str) -> bool:
    """A local file that is not compressed (by suffix or by its first bytes): workers can
    read byte ranges of it."""
    return (
        path != "-" and "://" not in path and Path(path).suffix.lower() not in (".gz", ".bz2", ".xz")
        and not is_compressed(path)
    )


def shard_ranges(path: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[int, int]]:
    """Byte ranges of about ``chunk_bytes`` covering a plain file, each ending at a newline
    (or, inside a line longer than a block, at a space), so workers can read their own."""
    name = display_name(path)
    size = check_readable(path).stat().st_size
    with open(path, "rb") as f:
        start = 0
        while start < size:
            target = start + chunk_bytes
            if target >= size:
                yield start, size
                return
            f.seek(target)
            end = -1
            scanned = 0
            while scanned < chunk_bytes:
                window = f.read(1 << 16)
                if not window:
                    end = size
                    break
                nl = window.find(b"\n")
                if nl >= 0:
                    end = target + scanned + nl + 1
                    break
                scanned += len(window)
            if end < 0:  # no newline within two blocks: cut the long line at a space
                f.seek(start)
                space = f.read(chunk_bytes).rfind(b" ")
                if space < 0:
                    raise DataError(f"{name}: a line of over {chunk_bytes} bytes has no space to split it at")
                end = start + space + 1
            yield start, end
            start = end


def _tokenize_task(task: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Decode and tokenize one block: (distinct words as code points and lengths, their
    counts, local ids per token, bytes).  ``task`` is (data or None, path, start, end,
    pattern, lowercase[, decoding]); with no data the worker reads bytes start..end of the
    plain file itself.

    Runs in a worker process; ids index the block's own word list, "\n" included.
    """
    data, path, start, end, pattern, lowercase, *rest = task
    if data is None:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
        if end == os.path.getsize(path) and not data.endswith(b"\n"):
            data += b"\n"  # a file's last line ends with the file
    tok = _TOKENIZERS.get((pattern, lowercase))
    if tok is None:
        tok = _TOKENIZERS[(pattern, lowercase)] = Tokenizer(pattern, lowercase)
    return (*tok.block_words(_decode(data, path, start, rest[0] if rest else None)), end - start)


def words_of(chars: np.ndarray, lengths: np.ndarray) -> list[str]:
    """The words of :meth:`Tokenizer.block_words`' (code points, lengths) as strings."""
    text = chars.tobytes().decode("utf-32-le")
    ends = np.cumsum(lengths).tolist()
    return [text[e - n : e] for e, n in zip(ends, np.asarray(lengths).tolist())]


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
        chars, starts, lengths = self._chars, self._starts, self._lengths
        spans = zip(starts[ids].tolist(), lengths[ids].tolist())
        return [chars[s : s + n].tobytes().decode("utf-32-le") for s, n in spans]


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
        from .parallel import ordered_map

        if self.workers > 1:  # compile (or load) the tokenizer once, before the workers fork
            self.tokenizer.block_words("a\né\n")
            self._store.add(np.empty(0, np.uint32), np.empty(0, np.int64), np.empty(0, np.int64))
        for chars, lengths, counts, local_ids, nbytes in ordered_map(_tokenize_task, self._tasks(), self.workers):
            if progress is not None:
                progress(nbytes)
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

    def _tasks(self) -> Iterator[tuple]:
        """Plain files become byte ranges that workers read themselves; compressed files
        and stdin are decompressed here and their blocks sent to the workers."""
        pattern, lowercase = self.tokenizer.pattern, self.tokenizer.lowercase
        for path in self.paths:
            if _is_plain(path) and self.workers > 1:
                for start, end in shard_ranges(path, self.chunk_bytes):
                    yield None, path, start, end, pattern, lowercase
            else:
                for data, offset in raw_blocks(path, self.chunk_bytes):
                    yield data, path, offset, offset + len(data), pattern, lowercase

    def word_counts(self, min_count: int = 1) -> dict[str, int]:
        """Every distinct token seen at least ``min_count`` times, with its count (only
        these are turned into strings)."""
        self.read()
        return self._store.word_counts(min_count)

    def id_blocks(self, vocab: Vocabulary, block_tokens: int = 1 << 22) -> Iterator[np.ndarray]:
        """Yield int32 blocks of final ids: vocabulary ids, LINE_BREAK, OUT_OF_VOCABULARY."""
        self.read()
        decoded = self._store.decoded
        if any(word not in decoded for word in vocab.words):
            self.word_counts()  # a vocabulary from elsewhere: name every word
        remap = np.full(self._store.n_words, OUT_OF_VOCABULARY, dtype=np.int32)
        remap[0] = LINE_BREAK
        for j, word in enumerate(vocab.words):
            i = decoded.get(word)
            if i is not None:
                remap[i] = j
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
    path: str, tokenizer: Tokenizer, vocab: Vocabulary, progress: Callable[[int], None] | None = None
) -> Iterator[np.ndarray]:
    """One pass over a corpus with a fixed vocabulary: yield int32 id blocks."""
    index = dict(vocab.index)
    index["\n"] = LINE_BREAK
    for block in read_blocks(path, progress=progress):
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

    from .files import atomic_output, check_readable

    if words_per_line < 1:
        raise ParameterError(f"words_per_line must be at least 1, got {words_per_line}")
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
