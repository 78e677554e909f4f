"""Vector file formats: detecting a file's format, reading word2vec (text and binary)
and GloVe files into an :class:`~embedkit.vectors.Embedding`, word-count files, and
:func:`load_model`, which loads any of them (caching a converted text file as ``.ekm``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import DataError, EmbedkitError, InputError, OutputError, check_choice, counted, param
from .io import (
    ASCII_SPACE,
    ascii_fields,
    check_readable,
    display_name,
    is_number,
    numbered_lines,
    open_binary,
    read_blocks,
    word_count_rows,
)
from .options import VECTOR_FORMATS
from .vectors import MAGIC, Embedding

# -- reading vectors people already have ----------------------------------------------------

NONFINITE = ("error", "drop")
_NPY_MAGIC = b"\x93NUMPY"
_FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")  # fastText's FASTTEXT_FILEFORMAT_MAGIC_INT32
_HEADER = re.compile(rb"^\s*(\d+)[ \t]+(\d+)\s*$")
_NOT_A_MODEL = "not a model file (embedkit, word2vec or GloVe vectors)"


def _is_text_row(line: bytes) -> bool:
    """Whether a vectors row is text: printable UTF-8 of a word and values, ending in a
    number.  A binary row has raw float32 bytes after the word, which are almost never
    valid UTF-8 (0.1 is CD CC CC 3D); whether the values are right is the reader's to say,
    naming the line."""
    try:
        text = line.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return False
    if any(ch < " " and ch != "\t" for ch in text):
        return False
    fields = text.split()
    return len(fields) >= 2 and is_number(fields[-1])


def detect_format(path: str | os.PathLike) -> str:
    """'embedkit', 'word2vec', 'word2vec-binary', 'glove' or 'npy', from a file's content (not
    its name): the native or NumPy magic; a 'count dimension' header then raw float32 bytes (binary) or
    text rows; or text rows without a header (GloVe).  A UTF-8 byte-order mark is ignored;
    gzip/bzip2/xz files are looked into."""
    from .io import strip_bom

    name = display_name(path)
    with open_binary(path) as f:
        head = f.read(1 << 16)
    if head.startswith(MAGIC):
        return "embedkit"
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head.startswith(_FASTTEXT_MAGIC):
        raise InputError(
            f"{name}: {_NOT_A_MODEL}: a fastText .bin model; read the .vec file fastText writes beside it "
            "(or its print-word-vectors output)"
        )
    head = strip_bom(head, name)
    if not head.strip():
        raise InputError(f"{name}: the file is empty")
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):  # a pickle's protocol mark
        raise InputError(
            f"{name}: {_NOT_A_MODEL}: a Python pickle, such as gensim's KeyedVectors.save(); "
            "write it with save_word2vec_format() and read that"
        )
    first, _, rest = head.lstrip(b"\r\n").partition(b"\n")
    if _HEADER.match(first):
        row = rest.split(b"\n", 1)[0]
        return "word2vec" if (not row.strip() or _is_text_row(row)) else "word2vec-binary"
    if b"\0" in first:
        raise InputError(f"{name}: {_NOT_A_MODEL}")
    if not _is_text_row(first):
        second = rest.lstrip(b"\r\n").split(b"\n", 1)[0]
        if not (_is_text_row(second) and _is_names_row(first.decode("utf-8", "replace"), second.decode("utf-8"))):
            raise InputError(f"{name}: {_NOT_A_MODEL}")
    if _holds_word_counts(head):
        raise InputError(f"{name}: {_NOT_A_MODEL}: it holds word counts ('word count' lines)")
    return "glove"


def _is_names_row(line: str, row: str) -> bool:
    """Whether ``line`` is a header of column names above the vectors row ``row`` (a table
    saved from a spreadsheet or a data frame: ``word d1 d2 d3``): as many fields, and no
    number after the first (a vectors row ends in numbers); or pandas's default names
    ``0 1 2`` (three or more) above a row of fractions, with or without the index's name before them
    (``DataFrame.to_csv(sep=" ")`` writes `` 0 1 2``)."""
    names, fields = ascii_fields(line), ascii_fields(row)
    if line[:1] in (" ", "\t") and len(names) == len(fields) - 1:
        names = ["", *names]  # a data frame's index without a name: nothing above the words
    if not len(names) == len(fields) >= 2:
        return False
    if len(names) > 3 and names[1:] == [str(i) for i in range(len(names) - 1)]:  # pandas's defaults
        return any(not f.lstrip("+-").isdigit() for f in fields[1:])  # above fractions ("a 0 1 2" is a row)
    return not any(is_number(f) for f in names[1:])


def _holds_word_counts(head: bytes) -> bool:
    """Whether a file's first lines are 'word count' rows (a vocabulary, gensim's ``fvocab``):
    two fields each, the second a whole number.  Read as GloVe they would be one-dimensional
    vectors, every cosine ±1; real vectors have fractions."""
    lines = head.split(b"\n")
    rows = [line.split() for line in (lines[:-1] if len(lines) > 1 else lines)[:100] if line.strip()]
    return bool(rows) and all(len(r) == 2 and r[1].isdigit() for r in rows)


def read_vectors(
    path: str | os.PathLike,
    fmt: str = "auto",
    progress: Callable[[int], None] | None = None,
    nonfinite: str = "error",
) -> Embedding:
    """Load vectors in any supported format (detected from the content with ``fmt='auto'``).

    Text files (word2vec with its 'count dimension' header, GloVe without, or with a row of
    column names such as ``word d1 d2 d3`` above its rows) may separate
    fields by spaces, several spaces or TABs, end lines with CRLF or trailing spaces, start
    with a byte-order mark and end with blank lines; a word is any text without the field
    separator (``word<TAB>values`` rows may have spaces in the word, and so may a word whose
    last piece is not a number, as in GloVe 840B's ``. . .``).  Words are NFC-normalised
    like every text embedkit reads.  Rows keep their order; the first of duplicate words
    is kept and an :class:`~embedkit.errors.EmbedkitWarning` says how many were skipped.
    ``nonfinite``: ``"error"`` (default) refuses a NaN or infinite value naming the file,
    line and word; ``"drop"`` leaves such rows out with a warning.  ``counts`` is None.
    ``progress(n)`` receives bytes read, for a progress bar on large files.

    Raises :class:`InputError` (file, line, and what is wrong) for a row whose number of
    values differs from the header's (or the first row's), a field that is not a number,
    or a header that promises more or fewer rows than the file holds.
    """
    check_choice("fmt", fmt, VECTOR_FORMATS)
    check_choice("nonfinite", nonfinite, NONFINITE)
    _check_model_file(path)
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "embedkit":
        return Embedding.load(path)
    if fmt == "word2vec-binary":
        return _read_word2vec_binary(path, progress, nonfinite)
    if fmt == "npy":
        return _read_npy_vectors(path, nonfinite)
    return _read_text_vectors(path, header=(fmt == "word2vec"), progress=progress, nonfinite=nonfinite)


def _check_model_file(path) -> None:
    """A model is read more than once (its format sniffed, then parsed; a cache keyed by
    its path): stdin or a pipe (``-m <(zcat v.txt.gz)``) is refused, not half-read."""
    if str(path) == "-" or not check_readable(path).is_file():
        raise InputError(
            f"{display_name(path)}: a model is read more than once (its format, then its rows), so it must be "
            "a file, not stdin or a pipe: write it to one first (zcat vectors.txt.gz > vectors.txt) and give that"
        )


def _split_row(line: str, dim: int) -> tuple[str, list[str]] | None:
    """(word, its ``dim`` value fields) of a text row, or None when the row does not have
    ``dim`` values.  The word is the first field; it may hold white space only when the
    row is ``word<TAB>values`` or when the extra pieces do not end in a number (so a row
    with one value too many is an error, never a word like ``'cat 0.1'``)."""
    fields = ascii_fields(line)  # a Unicode space (U+00A0) is part of the word, even at its ends
    if len(fields) == dim + 1:
        return fields[0], fields[1:]
    if len(fields) <= dim + 1:
        return None
    tab = line.rfind("\t")
    if tab > 0 and len(ascii_fields(line[tab:])) == dim:
        return line[:tab].strip(ASCII_SPACE), fields[-dim:]
    if is_number(fields[-dim - 1]):
        return None
    end = len(line)
    for value in reversed(fields[-dim:]):  # the word is what precedes the last dim fields
        end = line.rfind(value, 0, end)
    return line[:end].strip(ASCII_SPACE), fields[-dim:]


def _bad_row(name: str, lineno: int, line: str, dim: int, what: str) -> InputError:
    fields = ascii_fields(line)
    n = len(fields) - 1
    bad = next((f for f in fields[1:] if not is_number(f)), None)
    if bad is not None and n == dim:
        return InputError(f"{name}, line {lineno}: {bad!r} is not a number (word {fields[0]!r})")
    return InputError(f"{name}, line {lineno} has {n} values, {what} {dim}")


def _read_text_vectors(path, header: bool, progress, nonfinite: str = "error") -> Embedding:
    name = display_name(path)
    words: list[str] = []
    rows: list[np.ndarray] = []
    dim = None
    expected_n = None
    what = "the first row has"
    lineno = 0  # lines before the current block
    dropped: list[tuple[int, str]] = []
    for block in read_blocks(str(path), progress=progress):
        lines = block.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        numbers = range(lineno + 1, lineno + 1 + len(lines))
        lineno += len(lines)
        keep = [(n, line) for n, line in zip(numbers, lines) if line.strip()]
        if header and expected_n is None and keep:
            n0, first = keep.pop(0)
            m = _HEADER.match(first.encode("utf-8", "replace"))
            if not m:
                raise InputError(f"{name}, line {n0}: expected a word2vec header 'count dimension', got {first[:60]!r}")
            expected_n, dim = int(m.group(1)), int(m.group(2))
            what = "the header says"
            if dim < 1:
                raise InputError(f"{name}, line {n0}: the header says dimension {dim}")
        if not header and dim is None and len(keep) > 1 and _is_names_row(keep[0][1], keep[1][1]):
            keep.pop(0)  # a header of column names (GloVe has none; a spreadsheet's export does)
        if not keep:
            continue
        if dim is None:
            fields = ascii_fields(keep[0][1])
            trailing = 0
            for f in reversed(fields):
                if not is_number(f):
                    break
                trailing += 1
            dim = min(trailing, len(fields) - 1)
            if dim < 1:
                raise InputError(f"{name}, line {keep[0][0]}: expected 'word value value ...', got {keep[0][1][:60]!r}")
        split = [_split_row(line, dim) for _, line in keep]
        for (n, line), parts in zip(keep, split):
            if parts is None or not parts[0]:
                raise _bad_row(name, n, line, dim, what)
        try:
            with np.errstate(over="ignore"):  # a value beyond float32 (1e39) is reported below, by its row
                values = np.array([v for _, vals in split for v in vals], dtype=np.float32).reshape(len(split), dim)
        except ValueError:
            for (n, _line), (w, vals) in zip(keep, split):
                bad = next((v for v in vals if not is_number(v)), None)
                if bad is not None:
                    raise InputError(f"{name}, line {n}: {bad!r} is not a number (word {w!r})") from None
            raise
        finite = np.isfinite(values).all(axis=1)
        if not finite.all():
            bad_rows = np.flatnonzero(~finite)
            if nonfinite == "error":
                i = int(bad_rows[0])
                raise InputError(_nonfinite_message(name, f"line {keep[i][0]}", split[i][0], values[i], split[i][1]))
            dropped.extend((keep[int(i)][0], split[int(i)][0]) for i in bad_rows)
            values = values[finite]
            split = [p for p, ok in zip(split, finite.tolist()) if ok]
        words.extend(w for w, _ in split)
        rows.append(values)
    if not words and not dropped:
        raise InputError(f"{name}: no vectors found")
    if expected_n is not None and expected_n != len(words) + len(dropped):
        raise InputError(f"{name}: the header says {expected_n:,} vectors, the file has {len(words) + len(dropped):,}")
    _warn_dropped(name, dropped)
    if not words:
        raise InputError(f"{name}: every vector has a non-finite value")
    return _unique(Embedding(words, np.vstack(rows), None, {"kind": "words", "source": name}), name)


#: How the library leaves non-finite rows out, marked as a parameter: the command line names
#: its own way (``cli._FLAGS``).
_DROP_NONFINITE = "read_vectors(path, nonfinite='drop')"


def _nonfinite_message(name: str, where: str, word: str, row: np.ndarray, fields=None) -> str:
    """The error for a row with a NaN or infinite value; ``fields``, the row's text, name a
    finite number too large for float32 (``1e39``) as what it is."""
    i = next(i for i, v in enumerate(row) if not np.isfinite(v))
    if fields is not None and np.isfinite(float(fields[i])):
        return (
            f"{name}, {where}: word {word!r} has a value too large for float32 ({fields[i]}); "
            f"{param(_DROP_NONFINITE)} leaves such rows out"
        )
    value = str(float(row[i]))
    return (
        f"{name}, {where}: word {word!r} has a non-finite value ({value}); "
        f"{param(_DROP_NONFINITE)} leaves such rows out"
    )


def _warn_dropped(name: str, dropped: list[tuple[int, str]]) -> None:
    if dropped:
        import warnings

        from .errors import EmbedkitWarning

        where, word = dropped[0]
        warnings.warn(
            EmbedkitWarning(
                f"{name}: left out {counted(len(dropped), 'vector')} with a NaN or infinite value "
                f"(first: {word!r}, {where if isinstance(where, str) else f'line {where}'})"
            ),
            stacklevel=3,
        )


def npy_words_path(path: str | os.PathLike) -> Path:
    """The words of an ``.npy`` of vectors, one a line beside it: ``vectors.npy`` →
    ``vectors.words.txt`` (what :meth:`Embedding.export` writes with ``fmt='npy'``)."""
    return Path(path).with_suffix(".words.txt")


def _read_npy_vectors(path, nonfinite: str = "error") -> Embedding:
    """An ``.npy`` array (n × dim numbers) and its words file (:func:`npy_words_path`)."""
    from .io import numpy_reason

    name = display_name(path)
    words_path = npy_words_path(path)
    if not words_path.is_file():
        raise InputError(f"{name}: a NumPy array without its words (one a line, expected in {words_path})")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{name}: not a readable .npy file ({numpy_reason(exc)})") from None
    if array.ndim != 2 or array.dtype.kind not in "fiu" or array.shape[1] < 1:
        raise InputError(f"{name}: expected a words × dimensions array of numbers, got {array.dtype} {array.shape}")
    wname = display_name(words_path)
    words = [line.rstrip("\r") for _, line in numbered_lines(str(words_path))]
    if len(words) != len(array):
        raise InputError(f"{wname} has {counted(len(words), 'word')} for the {counted(len(array), 'row')} of {name}")
    empty = next((i for i, w in enumerate(words) if not w), None)
    if empty is not None:
        raise InputError(f"{wname}, line {empty + 1}: the word is empty")
    with np.errstate(over="ignore"):  # a value beyond float32 is reported below, by its row
        values = np.asarray(array, dtype=np.float32)
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        if nonfinite == "error":
            i = int(bad[0])
            raise InputError(_nonfinite_message(name, f"row {i + 1}", words[i], values[i], array[i].tolist()))
        _warn_dropped(name, [(f"row {int(i) + 1}", words[int(i)]) for i in bad])
        if finite.sum() == 0:
            raise InputError(f"{name}: every vector has a non-finite value")
        words = [w for w, ok in zip(words, finite.tolist()) if ok]
        values = values[finite]
    return _unique(Embedding(words, values, None, {"kind": "words", "source": name}), name)


#: Bytes no word holds: NUL and the C0 controls other than TAB (float32 values often have them)
_FLOAT_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f]")


def _read_word2vec_binary(path, progress, nonfinite: str = "error") -> Embedding:
    """word2vec's binary format.  A plain file is memory-mapped and read row by row, so
    memory holds the vectors once (not the file's bytes as well: 3.6 GB each for 3 M × 300)."""
    import mmap

    from .io import is_compressed, strip_bom, text_decoding

    name = display_name(path)
    if is_compressed(path):
        with open_binary(path) as f:
            body = f.read()
    elif os.path.getsize(path) == 0:
        raise InputError(f"{name}: the file is empty")
    else:
        with open(path, "rb") as f:
            body = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    start = 4 - len(strip_bom(body[:4], name))
    end = body.find(b"\n", start)
    first = body[start : len(body) if end < 0 else end]
    m = _HEADER.match(first)
    if not m:
        raise InputError(f"{name}, line 1: expected a word2vec header 'count dimension'")
    n, dim = int(m.group(1)), int(m.group(2))
    decoding = text_decoding()
    words: list[str] = []
    pos = end + 1
    size = 4 * dim
    if n * (size + 2) > len(body) - pos:  # each row: a word (1 byte or more), a space, dim float32s
        raise InputError(
            f"{name}: the header says {n:,} vectors × {dim:,} values, at least {n * (size + 2):,} bytes, but the file "
            f"holds {len(body) - pos:,} bytes after it: the header does not match the rows, or the file is cut short"
        )
    vectors = np.empty((n, dim), dtype=np.float32)
    reported = 0
    for i in range(n):
        while pos < len(body) and body[pos : pos + 1] in (b"\n", b"\r"):
            pos += 1
        space = body.find(b" ", pos)
        if space < 0 or space + 1 + size > len(body):
            raise InputError(f"{name}: truncated: the header says {n:,} vectors, the file holds {i:,}")
        word = body[pos:space]
        if _FLOAT_BYTES.search(word):  # NUL or control bytes: the previous row's values ran on
            raise InputError(
                f"{name}, vector {i + 1}: its word holds bytes that are no text ({bytes(word[:8]).hex(' ').upper()}): "
                f"the header's {dim:,} values a row do not match the rows (or the file is not word2vec binary)"
            )
        try:
            words.append(decoding.decode(word, f"{name}, vector {i + 1}", offset=1, first_line=None))
        except DataError as exc:
            raise InputError(*exc.args) from None  # its parameter marks kept: the CLI names its flags
        vectors[i] = np.frombuffer(body, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + size
        if progress is not None and not i & 0xFFFF:
            progress(pos - reported)
            reported = pos
    if progress is not None:
        progress(len(body) - reported)
    rest = len(body) - pos
    if rest > 1 << 16 or (rest and body[pos:].strip()):
        raise InputError(f"{name}: more data after the {n} vectors the header promises (is the header wrong?)")
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        if nonfinite == "error":
            i = int(bad[0])
            raise InputError(_nonfinite_message(name, f"vector {i + 1}", words[i], vectors[i]))
        _warn_dropped(name, [(f"vector {int(i) + 1}", words[int(i)]) for i in bad])
        words = [w for w, ok in zip(words, finite.tolist()) if ok]
        vectors = vectors[finite]
        if not words:
            raise InputError(f"{name}: every vector has a non-finite value")
    return _unique(Embedding(words, vectors, None, {"kind": "words", "source": name}), name)


def _unique(emb: Embedding, name: str) -> Embedding:
    """The embedding without later repeats of a word (the first row wins), with a warning."""
    if len(emb.index) == len(emb):
        return emb
    import warnings

    from .errors import EmbedkitWarning

    seen: set[str] = set()
    keep = np.array([not (w in seen or seen.add(w)) for w in emb.words])
    first = next(w for w, k in zip(emb.words, keep.tolist()) if not k)
    skipped = int((~keep).sum())
    warnings.warn(
        EmbedkitWarning(
            f"{name}: {counted(skipped, 'duplicate word')} skipped, the first occurrence kept "
            f"(first repeated: {first!r})"
        ),
        stacklevel=3,
    )
    words = [w for w, k in zip(emb.words, keep.tolist()) if k]
    params = {**emb.params, "duplicates_skipped": skipped}
    return Embedding(words, np.asarray(emb.vectors)[keep], None, params)


def read_word_counts(path: str | os.PathLike, words: Sequence[str]) -> np.ndarray:
    """Counts for ``words`` from ``word count`` lines (gensim's ``fvocab``; or
    ``word<TAB>count``, whose word may hold spaces), read as every word-count file is
    (:func:`~embedkit.io.word_count_rows`: a header row skipped; a word listed twice, a
    negative count or a line that is not a word and a count refused, naming the line:
    :class:`DataError`).  Every word must be listed: a missing one is an
    :class:`InputError` naming it (the file is not the vectors' vocabulary)."""
    name = display_name(path)
    table = dict(zip(*word_count_rows(path)))
    missing = next((w for w in words if w not in table), None)
    if missing is not None:
        raise InputError(f"{name}: no count for {missing!r}")
    return np.array([table[w] for w in words], dtype=np.int64)


def cache_path(path: str | os.PathLike) -> Path:
    """Where the native copy of a text or binary vector file is cached.

    ``$EMBEDKIT_CACHE_DIR`` or ``~/.cache/embedkit``; the name depends on the file's
    absolute path, size and modification time, so a changed file is read afresh.
    """
    import hashlib

    p = Path(path).resolve()
    st = p.stat()
    key = hashlib.sha256(f"{p}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:16]
    return cache_dir() / f"{p.stem}-{key}.ekm"


def cache_dir() -> Path:
    """The cache of parsed vector files: ``$EMBEDKIT_CACHE_DIR`` or ``~/.cache/embedkit``."""
    return Path(os.environ.get("EMBEDKIT_CACHE_DIR") or Path.home() / ".cache" / "embedkit")


class CacheUsage(NamedTuple):
    """Where the cache is, and how many files and bytes it holds (or a clear removed)."""

    path: Path
    files: int
    bytes: int


def _cache_entries() -> list[Path]:
    root = cache_dir()
    return sorted(p for p in root.glob("*.ekm") if p.is_file()) if root.is_dir() else []


def cache_usage() -> CacheUsage:
    """How much the cache holds now (an absent cache holds nothing)."""
    entries = _cache_entries()
    return CacheUsage(cache_dir(), len(entries), sum(p.stat().st_size for p in entries))


def clear_cache() -> CacheUsage:
    """Delete every cached copy (only ``*.ekm`` files in the cache folder; the vector files
    themselves are untouched); returns what was removed."""
    entries = _cache_entries()
    removed = 0
    for p in entries:
        size = p.stat().st_size
        try:
            p.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutputError(f"{p}: cannot remove the cached file ({exc.strerror})") from None
        removed += size
    return CacheUsage(cache_dir(), len(entries), removed)


def load_model(
    path: str | os.PathLike,
    cache: bool = True,
    progress: Callable[[int], None] | None = None,
    on_cache: Callable[[Path], None] | None = None,
    fmt: str | None = None,
) -> Embedding:
    """Load any model file — embedkit's ``.ekm``, word2vec text or binary (gensim's
    ``save_word2vec_format``), GloVe text, an ``.npy`` with its ``.words.txt`` (as ``export
    --format npy`` writes them), told apart by content (:func:`detect_format`) —
    as an :class:`~embedkit.vectors.Embedding` (n × dim, float32).  A word2vec or GloVe
    file is parsed once and then served from its native cache (see :func:`cache_path`),
    memory-mapped like a native model; ``cache=False`` parses it every time.
    ``fmt`` skips the detection when the caller has already run :func:`detect_format`.
    Imported vectors record no tokenizer, so queries are taken as typed (no lower-casing).

    Raises :class:`~embedkit.errors.InputError` naming the file (and the line, field or
    word) for a missing, empty or truncated file, a row of the wrong width, a field that is
    not a number, NaN or infinity, or a file that is not vectors;
    :class:`~embedkit.errors.InputError` for ``-`` or a pipe (a model is a file)."""
    _check_model_file(path)
    fmt = fmt or detect_format(path)
    if fmt == "embedkit":
        return Embedding.load(path)
    # an .npy loads fast, and its words are another file, which the cache's name would not follow
    cached = cache_path(path) if cache and fmt != "npy" else None
    if cached is not None and cached.exists():
        try:
            return Embedding.load(cached)
        except InputError:
            pass  # a damaged cache entry: read the source again
    emb = read_vectors(path, fmt, progress)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            emb.save(cached)
            if on_cache is not None:
                on_cache(cached)
        except (OSError, OutputError):
            pass  # caching is an optimisation; an unwritable cache is not an error
    return emb


def is_model_file(path: str) -> bool:
    """Whether ``path`` holds vectors (embedkit, word2vec, GloVe) rather than a plain table.

    A GloVe line is a word then numbers; a table row of numbers only is a table, and so is
    a first row of names (a table's header, which a vectors file rarely has).
    """
    if path == "-" or not Path(path).is_file():
        return False
    try:
        fmt = detect_format(path)
    except EmbedkitError:
        return False
    if fmt == "npy":  # vectors with their words, or a table of numbers
        return npy_words_path(path).is_file()
    if fmt != "glove":
        return True
    from .io import strip_bom

    with open(path, "rb") as f:
        first = ascii_fields(strip_bom(f.readline(), display_name(path)).decode("utf-8", "replace"))
    return bool(first) and not is_number(first[0]) and any(is_number(x) for x in first[1:])
