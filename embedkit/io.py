"""Opening inputs (paths, ``-`` for stdin, compressed files), reading them as text, and
writing outputs atomically.

Every file embedkit writes goes through :func:`atomic_output`: the data is written to a
temporary file in the destination directory and renamed over the target only once it is
complete, so an interrupted run never leaves a half-written model or matrix behind.

A corpus is a text file (or stdin) with one passage per line; ``.gz``, ``.bz2`` and ``.xz``
files are read transparently, in newline-aligned blocks (:func:`read_blocks`), so memory
stays bounded whatever the corpus size; :func:`shard_ranges` cuts a plain file into byte
ranges that workers read themselves.  Numeric tables (TSV or ``.npy``) and sparse
matrices (``.npz``) are read and written here too.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import csv
import errno
import io
import json
import lzma
import os
import re
import stat
import sys
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import scipy.sparse as sp
from isal import igzip, igzip_lib

from .errors import DataError, EmbedkitWarning, InputError, OutputError, ParameterError, param

STDIO = "-"

#: The first bytes of each compressed format, recognised whatever the file's name (strict
#: enough that no text starts like one: bzip2's "BZh" is followed by a block size digit
#: and a block or end-of-stream marker).
_MAGIC = (
    (re.compile(rb"\x1f\x8b\x08"), "gzip", igzip.open),
    (re.compile(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)"), "bzip2", bz2.open),
    (re.compile(rb"\xfd7zXZ\x00"), "xz", lzma.open),
)


def compression(head: bytes) -> str | None:
    """'gzip', 'bzip2' or 'xz' when ``head`` (a file's first 10 bytes or more) starts like
    one, else None."""
    for magic, kind, _ in _MAGIC:
        if magic.match(head):
            return kind
    return None


def _opener(head: bytes):
    return next((opener for magic, _, opener in _MAGIC if magic.match(head)), None)


#: gzip is inflated by ISA-L (python-isal): the same bytes as zlib's, in a third to a quarter
#: of the CPU time (dictwiki's 10 MB: 0.05 against 0.19 s), and it is this process that
#: inflates a compressed corpus while the workers tokenize it.
_WRAPPERS = {
    "gzip": lambda raw: igzip.IGzipFile(fileobj=raw, mode="rb"),
    "bzip2": lambda raw: bz2.BZ2File(raw, "rb"),
    "xz": lambda raw: lzma.LZMAFile(raw, "rb"),
}


#: What reading a compressed file can raise on bad data (truncated, corrupt, a bad CRC).
_READ_ERRORS = (OSError, EOFError, lzma.LZMAError, igzip_lib.IsalError)


def check_readable(path: str | os.PathLike) -> Path:
    """Return ``path`` as a Path after checking it names a readable regular file."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a file")
    if not os.access(p, os.R_OK):
        raise InputError(f"{p}: permission denied")
    return p


def open_binary(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` (or stdin for ``-``) for binary reading, decompressing gzip, bzip2 and
    xz data: recognised by their first bytes (a ``.gz`` suffix is not needed, and
    compressed data piped into stdin is read as well)."""
    if str(path) == STDIO:
        stdin = sys.stdin.buffer
        peek = getattr(stdin, "peek", None)
        kind = compression(peek(16)[:16]) if peek is not None else None
        if kind is None:
            return stdin  # type: ignore[return-value]
        warnings.warn(f"<stdin>: {kind} data, read decompressed", EmbedkitWarning, stacklevel=2)
        return _opener(peek(16)[:16])(stdin, "rb")  # type: ignore[return-value]
    p = check_readable(path)
    try:
        if not p.is_file():  # a pipe (``<(zcat ...)``: /dev/fd/63) is read once: sniffed as stdin is
            f = open(p, "rb")
            opener = _opener(f.peek(16)[:16])
            return opener(f, "rb") if opener is not None else f  # type: ignore[return-value]
        with open(p, "rb") as f:
            opener = _opener(f.read(16))
        return opener(p, "rb") if opener is not None else open(p, "rb")  # type: ignore[return-value]
    except OSError as exc:
        raise InputError(f"{p}: {exc.strerror or exc}") from None


def is_compressed(path: str | os.PathLike) -> bool:
    """Whether a local file holds gzip, bzip2 or xz data (by its first bytes)."""
    try:
        with open(path, "rb") as f:
            return compression(f.read(16)) is not None
    except OSError:
        return False


def read_all_bytes(path: str | os.PathLike) -> bytes:
    """Read a whole (possibly compressed) file or stdin into memory."""
    f = open_binary(path)
    try:
        return f.read()
    except _READ_ERRORS as exc:
        raise InputError(f"{display_name(path)}: cannot read ({exc})") from None
    finally:
        if f is not sys.stdin.buffer:
            f.close()


# -- decoding text: the one place every reader goes through ---------------------------------

UTF8_BOM = b"\xef\xbb\xbf"
#: Byte-order marks of encodings that are not ASCII-compatible (longest first).
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32-LE"),
    (b"\x00\x00\xfe\xff", "UTF-32-BE"),
    (b"\xff\xfe", "UTF-16-LE"),
    (b"\xfe\xff", "UTF-16-BE"),
)
_NL = b"\n"
DECODE_ERRORS = ("strict", "replace", "ignore")
#: The Unicode normal form every text reader produces (a decomposed "e" + U+0301 is "é").
NORMALIZATION = "NFC"


def normal_form(text: str) -> str:
    """``text`` in :data:`NORMALIZATION` (NFC): the one rule for every word, node id and
    label embedkit reads, from a file (:meth:`Decoding.decode`) or from Python
    (:meth:`embedkit.graph.Graph.from_edges`), so that "e" + U+0301 and "é" are one
    string.  Costs one scan for ASCII or already-normal text."""
    if text.isascii() or unicodedata.is_normalized(NORMALIZATION, text):
        return text
    return unicodedata.normalize(NORMALIZATION, text)


@dataclass(frozen=True)
class Decoding:
    """How input bytes become text: the codec and what to do with bytes it cannot decode.

    Every text reader (corpora, vectors files, edge lists, labels, word pairs, tables,
    sentences) decodes through :meth:`decode`, which drops a UTF-8 byte-order mark at the
    start of a file, turns CRLF and lone CR line ends into ``\\n``, and normalises the text
    to :data:`NORMALIZATION` (skipped for ASCII and already-normal text, so the common case
    costs one scan).  ``encoding`` must be ASCII-compatible (``\\n`` is byte 10), since
    files are cut into blocks at newline bytes: UTF-8, Latin-1, cp1252, … ; ``errors`` is
    ``strict`` (an error naming the line and bytes), ``replace`` (U+FFFD) or ``ignore``.
    """

    encoding: str = "utf-8"
    errors: str = "strict"

    def __post_init__(self) -> None:
        try:
            name = codecs.lookup(self.encoding).name
        except LookupError:
            raise ParameterError("encoding", self.encoding, ": unknown encoding", True) from None
        if "\n a0".encode(name, "replace") != b"\n a0":
            raise ParameterError(
                f"{param('encoding')} {self.encoding!r}: not ASCII-compatible; convert the file to UTF-8 "
                f"(e.g. iconv -f {self.encoding} -t UTF-8)"
            )
        if self.errors not in DECODE_ERRORS:
            raise ParameterError("errors", self.errors, f"must be one of {', '.join(DECODE_ERRORS)}")
        object.__setattr__(self, "encoding", name)

    def params(self) -> dict:
        """What a model records about how its text was read."""
        return {"encoding": self.encoding, "errors": self.errors, "normalization": NORMALIZATION}

    def decode(self, data: bytes, name: str, offset: int = 0, first_line: int | None = 1) -> str:
        """The text of ``data``, bytes ``offset``.. of the file ``name`` (whose line
        ``first_line`` starts the block, if known: it is named in errors).

        Raises :class:`DataError` naming the file, the line and the offending bytes when
        ``data`` is not valid in the encoding (with ``errors='strict'``), and on a UTF-16
        or UTF-32 byte-order mark at the start of the file.
        """
        if offset == 0:
            data = strip_bom(data, name)
            check_not_binary(data, name)
        try:
            text = data.decode(self.encoding, self.errors)
        except UnicodeDecodeError as exc:
            raise DataError(self._bad_bytes(data, exc, name, offset, first_line)) from None
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return normal_form(text)

    def _bad_bytes(self, data: bytes, exc: UnicodeDecodeError, name: str, offset: int, first_line: int | None) -> str:
        start = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.end)
        end = len(data) if end < 0 else end
        bad = data[exc.start : exc.end]
        context = data[max(start, exc.start - 20) : min(end, exc.end + 20)].decode(self.encoding, "backslashreplace")
        context = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in context.strip())
        if first_line is not None:
            where = f"line {first_line + data.count(_NL, 0, exc.start)}"
        else:
            where = f"byte {offset + exc.start}"
        encoding = param("encoding")
        hint = f"{encoding} latin-1 (or cp1252)" if self.encoding == "utf-8" else f"another {encoding}"
        return (
            f"{name}, {where}: not {self.encoding.upper()} text: bytes {bad.hex(' ').upper()} in '{context}'; "
            f"if the file is in another encoding give {hint}, or {param('errors')} replace to go on"
        )


_decoding = Decoding()


def text_decoding() -> Decoding:
    """The :class:`Decoding` every reader uses (UTF-8, strict, unless :func:`use_decoding`)."""
    return _decoding


@contextlib.contextmanager
def use_decoding(decoding: Decoding) -> Iterator[Decoding]:
    """Read text with ``decoding`` inside the block (worker processes forked inside it too)."""
    global _decoding
    before, _decoding = _decoding, decoding
    try:
        yield decoding
    finally:
        _decoding = before


def strip_bom(data: bytes, name: str) -> bytes:
    """``data`` (the first bytes of a file) without its UTF-8 byte-order mark.

    Raises :class:`DataError` for a UTF-16 or UTF-32 mark: such text has NUL bytes between
    its characters and cannot be cut into lines byte-wise.
    """
    if data.startswith(UTF8_BOM):
        return data[3:]
    for bom, kind in _WIDE_BOMS:
        if data.startswith(bom):
            raise DataError(
                f"{name}: not UTF-8 but {kind} text (byte-order mark {bom.hex(' ').upper()}); "
                f"convert it to UTF-8, e.g. iconv -f {kind[:6]} -t UTF-8"
            )
    return data


def check_not_binary(data: bytes, name: str) -> None:
    """:class:`InputError` (a wrong kind of file) when the first bytes of a text input hold a
    NUL byte: no text encoding a reader accepts has one, every executable, image and
    archive does (a UTF-16/32 mark is named by :func:`strip_bom` first)."""
    if data.startswith(b"\x93NUMPY"):  # ``pca <(cat x.npy)``: an .npy is known by its name, which a pipe lacks
        raise InputError(f"{name}: a NumPy .npy array, not text; give it as a file whose name ends in .npy")
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: a binary file (it has NUL bytes), not text")


#: Temporary files that stand for something else, and how messages name it (:func:`lines_file`).
_SHOWN_AS: dict[str, str] = {}


def display_name(path: str | os.PathLike) -> str:
    """How messages and model parameters name ``path``: ``<stdin>`` for ``-``, ``<NAME>``
    for the temporary file of :func:`lines_file`, else the path as given."""
    return "<stdin>" if str(path) == STDIO else _SHOWN_AS.get(str(path), str(path))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _is_special(path: str | os.PathLike) -> bool:
    """Whether ``path`` exists and is not a regular file or directory (a device such as
    /dev/null, a FIFO, a socket): written in place, never replaced by a rename."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _temporary_beside(path: str | os.PathLike) -> tuple[Path, int, str]:
    """(target, fd, name) of a new temporary file in the directory ``path`` will be
    written to; OutputError if ``path`` cannot be written (a missing directory, an existing
    file that is read-only).  A symbolic link is followed, so the rename replaces the file
    it points to and the link stays."""
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    if target.is_dir():
        raise OutputError(f"{target}: is a directory, expected a file name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{target}: directory {parent} does not exist")
    if target.is_file() and (not target.stat().st_mode & 0o222 or not os.access(target, os.W_OK)):
        # the rename would replace it all the same: refuse, as writing it in place would
        raise OutputError(f"{target}: the file is read-only (make it writable to replace it)")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write in {parent} ({exc.strerror})") from None
    return target, fd, tmp


def check_writable(path: str | os.PathLike) -> None:
    """Raise the OutputError :func:`atomic_output` would raise for ``path`` (a directory,
    a missing directory, no permission), before any work is done; '-' is always fine.
    Creates and removes one empty temporary file beside ``path``."""
    if str(path) == STDIO:
        return
    if _is_special(path):
        if not os.access(path, os.W_OK):
            raise OutputError(f"{path}: permission denied")
        return
    _, fd, tmp = _temporary_beside(path)
    os.close(fd)
    os.unlink(tmp)


@contextlib.contextmanager
def scratch_directory(prefix: str, parent: str | os.PathLike | None = None) -> Iterator[str]:
    """A new private directory (``prefix`` + a random name, under ``parent`` or the system's
    temporary directory), removed with everything in it when the block ends, however it
    ends.  Unlike :class:`tempfile.TemporaryDirectory`, the removal is armed before the
    directory exists: a Ctrl-C that lands just after it is made cannot leave it behind."""
    import shutil
    import uuid

    path = os.path.join(parent if parent is not None else tempfile.gettempdir(), prefix + uuid.uuid4().hex[:12])
    try:
        os.mkdir(path, 0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def lines_file(lines: Iterable[str], name: str = "lines") -> Iterator[str]:
    """A temporary file holding ``lines`` (an iterable of str, read once), one a line, in
    the encoding of :func:`text_decoding`, so that every reader and counting route takes
    text held in memory as it takes a file; removed when the block ends, however it ends
    (:func:`scratch_directory`); messages name it ``<NAME>`` (:func:`display_name`).  A
    newline inside an item starts a new line.  Raises
    :class:`ParameterError` naming ``name`` for one str (not an iterable of them), an item
    that is not a str, or one that the encoding cannot write."""
    if isinstance(lines, (str, bytes)):
        raise ParameterError(
            f"{param(name)} must be an iterable of str (one sentence each), not one {type(lines).__name__}"
        )
    encoding = text_decoding().encoding
    with scratch_directory("embedkit-lines-") as directory:
        path = os.path.join(directory, f"{name}.txt")
        _SHOWN_AS[path] = f"<{name}>"
        try:
            with open(path, "w", encoding=encoding, newline="\n") as f:
                for i, line in enumerate(lines):
                    if not isinstance(line, str):
                        kind = type(line).__name__
                        hint = " (join a sentence's tokens with ' '.join)" if isinstance(line, (list, tuple)) else ""
                        raise ParameterError(f"{param(name)}[{i:,}] is a {kind}, not a str{hint}")
                    try:
                        f.write(line)
                    except UnicodeEncodeError as exc:
                        raise ParameterError(
                            f"{param(name)}[{i:,}]: {exc.reason} ({exc.object[exc.start : exc.end]!r})"
                        ) from None
                    f.write("\n")
            yield path
        finally:
            del _SHOWN_AS[path]


_group: list[tuple[str, Path]] | None = None


@contextlib.contextmanager
def output_group() -> Iterator[None]:
    """Files written by :func:`atomic_output` inside the block replace their targets
    together when it completes; if any write fails, none does (an LSA model and its
    ``.docs.npz``, vectors and their ``--counts`` file: never one without the other)."""
    global _group
    if _group is not None:  # already inside a group: one group
        yield
        return
    _group = []
    done = False
    try:
        yield
        for tmp, target in _group:
            os.replace(tmp, target)
        done = True
    finally:
        pending, _group = _group, None
        if not done:
            for tmp, _ in pending:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, binary: bool = True) -> Iterator[io.IOBase]:
    """Yield a file object whose contents replace ``path`` only if the block completes.

    ``-`` yields stdout (binary or text) and is never closed.  A device or FIFO (``-o
    /dev/null``) is written in place: renaming over it would replace the device node.  A
    file that is replaced keeps its permissions; a read-only one is an OutputError.
    """
    if str(path) == STDIO:
        out = sys.stdout.buffer if binary else sys.stdout
        yield out
        out.flush()
        return
    if _is_special(path):
        try:
            with open(path, "wb" if binary else "w", encoding=None if binary else "utf-8") as f:
                yield f
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise OutputError(f"{path}: no space left on device") from None
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
        return
    target, fd, tmp = _temporary_beside(path)
    ok = False
    try:
        try:  # a replaced file keeps its permissions (a private 0600 model stays private)
            mode = target.stat().st_mode & 0o777
        except OSError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if _group is not None:  # renamed with the group's other files (output_group)
            _group.append((tmp, target))
        else:
            os.replace(tmp, target)
        ok = True
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OutputError(f"{target}: no space left on device") from None
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        if not ok:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# -- sparse matrices with their vocabulary (the counts → pmi → svd stage files) ------------

_MATRIX_KIND = "embedkit-matrix"


def save_matrix(path: str | os.PathLike, matrix, words: list[str], counts, params: dict) -> None:
    """Write a CSR matrix, its row vocabulary and parameters as an uncompressed ``.npz``."""
    m = matrix.tocsr()
    blob = np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8)
    with atomic_output(path) as f:
        np.savez(
            f,
            kind=np.array(_MATRIX_KIND),
            data=m.data,
            indices=m.indices,
            indptr=m.indptr,
            shape=np.array(m.shape, dtype=np.int64),
            words=blob,
            counts=np.asarray(counts, dtype=np.int64),
            params=np.array(json.dumps(params, sort_keys=True)),
        )


def numpy_reason(exc: BaseException) -> str:
    """Why NumPy could not load a file, in words for the user: never NumPy's own advice to
    load pickled data "unsafely" (embedkit never unpickles what it reads)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "object arrays" in text.lower():
        return "it holds Python objects, which embedkit does not unpickle"
    if "no data left in file" in text.lower():  # NumPy's words for a file of no bytes
        return "the file is empty"
    if "pickle" in text.lower():  # NumPy's guess for a file that is no .npy / .npz at all
        return "it is not a NumPy .npy or .npz file"
    return text[:200]


def seekable_source(path: str | os.PathLike) -> Path | io.BytesIO:
    """What a reader that seeks (NumPy's ``.npz``, a zip) can open for ``path``: the file
    itself, or, for stdin or a pipe (``svd <(embedkit cooccur ...)``: /dev/fd/63), its bytes
    read once into memory.  Raises :class:`InputError` as :func:`check_readable` does."""
    if str(path) != STDIO and check_readable(path).is_file():
        return Path(path)
    return io.BytesIO(read_all_bytes(path))


def load_matrix(path: str | os.PathLike):
    """Read a file written by :func:`save_matrix`: (csr_matrix, words, counts, params)."""
    name = display_name(path)
    try:
        z = np.load(seekable_source(path), allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):  # an .npy: one array, no archive to close
            raise InputError(f"{name}: not an embedkit matrix file (expected the output of cooccur or pmi)")
        with z:
            if "kind" not in z.files or str(z["kind"]) != _MATRIX_KIND:
                raise InputError(f"{name}: not an embedkit matrix file (expected the output of cooccur or pmi)")
            shape = tuple(int(x) for x in z["shape"])
            m = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=shape)
            words = bytes(z["words"]).decode("utf-8").split("\n") if shape[0] else []
            counts = z["counts"]
            params = json.loads(str(z["params"]))
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise InputError(f"{name}: not a readable embedkit matrix file ({numpy_reason(exc)})") from None
    if len(words) != shape[0]:
        raise InputError(f"{name}: matrix file is corrupt (vocabulary does not match the matrix)")
    return m, words, counts, params


#: What ``str.split`` splits at, of ASCII (TAB, LF, VT, FF, CR, the four separators, space).
ASCII_SPACE = " \t\n\v\f\r\x1c\x1d\x1e\x1f"
_ASCII_SPACE_RUN = re.compile(f"[{re.escape(ASCII_SPACE)}]+")


def ascii_fields(line: str) -> list[str]:
    """The fields of a line split at ASCII white space only: a word or id may be a Unicode
    space or hold one (fastText's ``cc.*.vec`` have rows for U+00A0 and U+3000; a name
    pasted from a web page has a no-break space), which ``str.split`` would take for a
    separator."""
    if line.isascii():
        return line.split()
    s = line.strip(ASCII_SPACE)
    return _ASCII_SPACE_RUN.split(s) if s else []


def word_count_fields(line: str) -> list[str]:
    """The fields of a ``word count`` line (``embedkit vocab``'s ``word<TAB>count``,
    gensim's ``fvocab`` ``word count``): split at its TABs when it has one, so that the
    word may hold spaces (GloVe 840B's ``. . .``), else at ASCII white space
    (:func:`ascii_fields`); each field without the ASCII white space around it."""
    if "\t" in line:
        return [f.strip(ASCII_SPACE) for f in line.split("\t")]
    return ascii_fields(line)


def word_count_rows(path: str | os.PathLike) -> tuple[list[str], list[int]]:
    """The words and counts of a word-count file, in order: ``word<TAB>count`` lines
    (``embedkit vocab``, ``export --counts``) or ``word count`` lines (gensim's ``fvocab``),
    split by :func:`word_count_fields`.  The one policy of both readers of such files
    (``--vocab`` of ``cooccur``/``train-words``, ``import --counts``):

    * a header row is skipped: a first line whose count is not a number (``word<TAB>count``,
      or pandas's ``<TAB>count``), when rows follow it;
    * a word listed twice is refused, naming both lines: two counts for one word have no
      right answer to pick silently (and a vocabulary's words are its matrix's rows);
    * every other line that is not a word and a whole number ≥ 0 is refused naming it.

    Raises :class:`DataError` (exit 4: read, but unusable) for each; an empty file gives
    empty lists (the caller says what is missing)."""
    name = display_name(path)
    words: list[str] = []
    counts: list[int] = []
    first_line: dict[str, int] = {}
    header: tuple[int, str] | None = None  # its line and count field
    for lineno, line in numbered_lines(str(path)):
        if not line.strip():
            continue
        parts = word_count_fields(line)
        if len(parts) != 2:
            raise DataError(f"{name}, line {lineno}: expected 'word<TAB>count' (or 'word count'), got {line[:60]!r}")
        try:
            count = int(parts[1])
        except ValueError:
            if not words and header is None and not is_number(parts[1]):
                header = lineno, parts[1]
                continue  # a header row ('word<TAB>count', as a data frame writes it)
            raise DataError(f"{name}, line {lineno}: count {parts[1]!r} is not an integer") from None
        if count < 0:
            raise DataError(f"{name}, line {lineno}: the count of {parts[0]!r} is negative ({count})")
        if parts[0] in first_line:
            first = first_line[parts[0]]
            raise DataError(f"{name}, line {lineno}: {parts[0]!r} is listed twice (first on line {first})")
        first_line[parts[0]] = lineno
        words.append(parts[0])
        counts.append(count)
    if not words and header is not None:  # no row under it: not a header but a bad line
        raise DataError(f"{name}, line {header[0]}: count {header[1]!r} is not an integer")
    return words, counts


# -- dense tables (pca input, feature output) -------------------------------------------------


def is_number(cell: str) -> bool:
    """Whether a table cell (or an edge weight) parses as a float."""
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _numeric_body(lines: list[str], sep: str | None) -> np.ndarray | None:
    """The table parsed in one call when it is all numbers and rectangular, else None."""
    first = lines[0].split(sep) if sep else lines[0].split()
    if not all(is_number(c) for c in first):
        return None
    width = len(first)
    if sep is not None:
        if any(line.count(sep) != width - 1 for line in lines):
            return None
        text = "\n".join(lines).replace(sep, " ")
    else:
        if any(len(line.split()) != width for line in lines):
            return None
        text = "\n".join(lines)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a non-number ends the parse early: caught below
        try:
            x = np.fromstring(text, dtype=np.float64, sep=" ")
        except ValueError:
            return None
    if x.size != len(lines) * width:
        return None
    return x.reshape(len(lines), width)


def read_table(path: str | os.PathLike) -> tuple[np.ndarray, list[str] | None, list[str] | None]:
    """A numeric table: ``(X (n × p) float64, row labels or None, column names or None)``.

    ``.npy`` is a 2-D array.  Text (tab-separated if the first line has a tab or the name
    ends ``.tsv``; semicolon-separated with decimal commas, ``1,5``, if the first line has
    semicolons and no comma; else comma-separated, or white space when a file not named
    ``.csv`` has no comma) may have a header row (recognised by a non-numeric cell) and a
    first column of row labels (recognised the same way, or by an empty name in the header:
    the index that ``DataFrame.to_csv`` and R's ``write.csv`` write first, numbers that are
    no variable); an empty last column, separator and all, is no column.  Raises :class:`DataError`
    naming the line and column of a cell that is not a number, or of a missing (NaN) or
    infinite value.
    """
    name = display_name(path)
    if str(path).lower().endswith(".npy"):
        try:
            x = np.load(check_readable(path), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise InputError(f"{name}: not a readable .npy file ({numpy_reason(exc)})") from None
        if x.ndim != 2 or not np.issubdtype(x.dtype, np.number):
            raise DataError(f"{name}: expected a 2-D numeric array, got shape {x.shape} of {x.dtype}")
        return x.astype(np.float64), None, None

    numbered = [(n, line) for n, line in numbered_lines(str(path)) if line.strip()]
    if not numbered:
        raise DataError(f"{name}: the table is empty")
    lines = [line for _, line in numbered]
    first = lines[0]
    if str(path).lower().endswith(".tsv") or "\t" in first:
        sep: str | None = "\t"
    elif ";" in first and "," not in first:  # the CSV of locales with a decimal comma
        sep = ";"
    else:
        sep = "," if "," in first or str(path).lower().endswith(".csv") else None
    numbers = [n for n, _ in numbered]
    if '"' not in first:
        fast = _numeric_body(lines, sep)
        if fast is not None:
            return _finite(fast, name, numbers, None, 0), None, None
    if sep is None:
        rows = [line.split() for line in lines]
    else:  # a real CSV parser: quoted fields may hold the separator
        import csv

        try:
            reader = csv.reader(lines, delimiter=sep, skipinitialspace=True, strict=True)
            rows = [[c.strip() for c in r] for r in reader]
        except csv.Error as exc:
            raise DataError(f"{name}: not a readable table ({exc})") from None
        if len(rows) != len(lines):
            raise DataError(f"{name}: a quoted field spans lines; the table cannot be read")
    if sep == ";":  # 1,5 is 1.5
        rows = [[decimal_point(c) for c in r] for r in rows]
    if all(len(r) > 1 and r[-1] == "" for r in rows):  # a separator ending every line: no column
        rows = [r[:-1] for r in rows]
    header = None
    if not all(_is_cell_number(c) for c in rows[0][1:]) or (
        len(rows) > 1 and _is_cell_number(rows[1][0]) and not _is_cell_number(rows[0][0])
    ):
        header, rows, numbers = rows[0], rows[1:], numbers[1:]
    if not rows:
        raise DataError(f"{name}: the table has a header but no rows")
    width = len(header) if header is not None else len(rows[0])
    what = "the header has" if header is not None else "the first row has"
    for n, r in zip(numbers, rows):
        if len(r) != width:
            raise DataError(f"{name}, line {n}: {len(r)} fields, {what} {width}")
    labels = None
    if (header is not None and header[0] == "" and width > 1) or not all(_is_cell_number(r[0]) for r in rows):
        # a first column without a name is the rows' names: pandas' index, R's row.names
        labels = [r[0] for r in rows]
        rows = [r[1:] for r in rows]
        header = header[1:] if header else None
        width -= 1
    if width == 0:
        raise DataError(f"{name}: the table has no numeric column")
    try:
        x = np.array([[_cell_value(c) for c in r] for r in rows], dtype=np.float64)
    except ValueError:
        for n, r in zip(numbers, rows):
            for k, c in enumerate(r):
                if not _is_cell_number(c):
                    column = repr(header[k]) if header is not None else str(k + 1 + (labels is not None))
                    raise DataError(f"{name}, line {n}: {c!r} is not a number (column {column})") from None
        raise
    return _finite(x, name, numbers, header, int(labels is not None)), labels, header


def _finite(x: np.ndarray, name: str, numbers: list[int], header: list[str] | None, skip: int) -> np.ndarray:
    """``x`` when every value is finite, else :class:`DataError` naming the first missing or
    infinite cell's line and column (``skip`` label columns before the numbers)."""
    bad = np.argwhere(~np.isfinite(x))
    if bad.size:
        i, k = (int(v) for v in bad[0])
        column = repr(header[k]) if header is not None else str(k + 1 + skip)
        raise DataError(f"{name}, line {numbers[i]}: {x[i, k]} is not a finite number (column {column})")
    return x


_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")


def decimal_point(field: str) -> str:
    """A number written with a decimal comma (``1,5``, ``-0,25``: the CSV of locales that
    separate fields by semicolons) with a decimal point instead; any other field as it is."""
    return field.replace(",", ".") if _DECIMAL_COMMA.fullmatch(field) else field


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _cell_value(cell: str) -> float:
    """A table cell as a number; ``1,204,000`` (thousands separators, as in a quoted CSV
    field) is 1204000."""
    try:
        return float(cell)
    except ValueError:
        if _THOUSANDS.fullmatch(cell):
            return float(cell.replace(",", ""))
        raise


def _is_cell_number(cell: str) -> bool:
    try:
        _cell_value(cell)
        return True
    except ValueError:
        return False


def write_table(
    path: str | os.PathLike,
    x: np.ndarray,
    labels: list[str] | None = None,
    fmt: str = "tsv",
    header: list[str] | None = None,
) -> None:
    """Write a 2-D array as ``.npy`` (``fmt="npy"``), TSV or CSV (``fmt="csv"``) atomically.

    Text holds ``%.6g`` numbers, the row ``labels`` first when given, and a ``header`` row of
    column names when given (one name a column of ``x``; :func:`read_table` reads it back).
    """
    x = np.asarray(x)
    if fmt == "npy":
        with atomic_output(path) as f:
            np.save(f, x)
        return
    if x.ndim != 2:
        raise ValueError(f"write_table needs a 2-D array, got shape {x.shape}")
    sep = "," if fmt == "csv" else "\t"
    row_fmt = sep.join(["%.6g"] * x.shape[1]) + "\n"
    if labels is not None:
        row_fmt = "%s" + sep + row_fmt
    with atomic_output(path, binary=False) as f:
        if header is not None:
            names = ([""] if labels is not None else []) + list(header)
            if fmt == "csv":
                csv.writer(f, lineterminator="\n").writerow(names)
            else:
                f.write("\t".join(names) + "\n")
        for start in range(0, len(x), 1024):  # one formatting call per block of rows
            block = x[start : start + 1024].tolist()
            if labels is not None:
                block = [[label, *row] for label, row in zip(labels[start : start + 1024], block)]
            f.write((row_fmt * len(block)) % tuple(v for row in block for v in row))


# -- reading text: newline-aligned blocks, lines, corpora and their shards -----------------
#: Bytes of text handled per block while streaming a corpus.
CHUNK_BYTES = 8 << 20


def read_blocks(
    path: str,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """Yield the text of ``path`` (or stdin for ``-``) in blocks that end at a newline.

    A line longer than ``chunk_bytes`` is split at a space; the piece then does not end in
    a newline, and the tokens of the next block continue the same line.  Decoded by
    :func:`text_decoding` (BOM dropped, CR line ends, NFC); raises
    :class:`DataError` naming the file, line and bytes that are not in the encoding.
    ``progress(n)`` is called with the bytes of the file each block took (compressed bytes
    for a compressed file: see :func:`raw_blocks`).
    """
    name = display_name(path)
    decoding = text_decoding()
    line = 1
    for data, offset in raw_blocks(path, chunk_bytes, progress):
        yield decoding.decode(data, name, offset, line)
        line += data.count(b"\n")


def _open_counted(path: str) -> tuple[BinaryIO, BinaryIO | None]:
    """:func:`open_binary`, and for a compressed file (by its first bytes) also the
    compressed file beneath, whose position says how far the reading has come in the
    file's own bytes."""
    if path == STDIO or not check_readable(path).is_file():  # a pipe is read once, sniffed as stdin is
        return open_binary(path), None
    p = check_readable(path)
    try:
        raw = open(p, "rb")
        kind = compression(raw.read(16))
        raw.seek(0)
    except OSError as exc:
        raise InputError(f"{p}: {exc.strerror or exc}") from None
    if kind is None:
        return raw, None
    return _WRAPPERS[kind](raw), raw  # type: ignore[return-value]


def raw_blocks(
    path: str, chunk_bytes: int = CHUNK_BYTES, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[bytes, int]]:
    """Like :func:`read_blocks`, undecoded: yield (bytes, offset of the block in the file).

    ``progress(n)`` receives the bytes of the *file* each block took: compressed bytes for
    .gz/.bz2/.xz, so that the sizes on disk (:func:`input_size`) are the total."""
    name = display_name(path)
    f, raw = _open_counted(path)
    offset = 0
    consumed = 0  # compressed bytes reported so far
    carry = b""
    try:
        while True:
            try:
                block = f.read(chunk_bytes)
            except _READ_ERRORS as exc:
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
            if progress is not None:  # before the yield: a consumer sees a block's share with it
                if raw is None:
                    progress(cut)
                else:
                    now = raw.tell()
                    progress(now - consumed)
                    consumed = now
            yield block[:cut], offset
            offset += cut
        if carry:
            if progress is not None:
                progress(len(carry) if raw is None else raw.tell() - consumed)
            yield carry + b"\n", offset
    finally:
        if f is not sys.stdin.buffer:
            f.close()
        if raw is not None:
            raw.close()


def numbered_lines(path: str) -> Iterator[tuple[int, str]]:
    """Every line of a text file or stdin (``-``) with its 1-based number, without the
    newline; split on ``\\n`` only, so a line cut between blocks comes out whole.
    Decoded as :func:`read_blocks` does."""
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


def decode_text(data: bytes, path: str, offset: int, decoding: Decoding | None = None) -> str:
    """A block of a file (bytes ``offset``.. of ``path``) as text, by ``decoding`` (default:
    :func:`text_decoding`).  The line named in an error is found by counting the newlines
    before the block, only when there is an error."""
    decoding = decoding or text_decoding()
    name = display_name(path)
    try:
        return decoding.decode(data, name, offset, None if offset else 1)
    except DataError:
        if not offset or not is_plain(path):
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


def corpus_files(paths: str | os.PathLike | list[str | os.PathLike]) -> list[str]:
    """The files of a corpus given as paths (``str`` or ``pathlib.Path``), globs
    (``wiki/*.txt.gz``) or ``-``.

    A glob inside a URL (``s3://bucket/wiki/*.txt``, ``memory://c/*.txt``) is expanded by
    that URL's fsspec filesystem, never on the local disk.  Raises :class:`ParameterError`
    (``corpus``) for something that is not a path (a list of tokens)."""
    import glob

    out: list[str] = []
    for p in [paths] if isinstance(paths, (str, os.PathLike)) else list(paths):
        if isinstance(p, os.PathLike):
            p = os.fspath(p)
        if not isinstance(p, str):
            raise ParameterError(
                f"{param('corpus')} must be file paths (a str or pathlib.Path each), not a {type(p).__name__}"
            )
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


def is_plain(path: str) -> bool:
    """Whether ``path`` is an uncompressed local file (so workers can seek in it): not
    stdin, not a URL, not a pipe or device (``<(zcat x.gz)``: /dev/fd/63, read once, as
    stdin), not compressed (by its suffix or by its first bytes)."""
    return (
        path != "-"
        and "://" not in path
        and Path(path).is_file()
        and Path(path).suffix.lower() not in (".gz", ".bz2", ".xz")
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


def most_tokens(paths: str | list[str]) -> int | None:
    """The most tokens the files can hold, known before they are read: their size in
    bytes (a token takes at least a byte), when every file is an uncompressed local
    file (:func:`is_plain`); None when that is not known (stdin, a pipe, a URL, a
    compressed file)."""
    listed = [paths] if isinstance(paths, str) else paths
    if not all(is_plain(path) and Path(path).is_file() for path in listed):
        return None
    return input_size(listed)


def input_size(paths: str | list[str]) -> int | None:
    """Bytes a progress bar can expect: the total size of the files on disk (compressed
    files count their compressed bytes, as :func:`raw_blocks` reports them); unknown (None)
    for stdin."""
    total = 0
    for path in [paths] if isinstance(paths, str) else paths:
        if path == "-":
            return None
        try:
            total += Path(path).stat().st_size
        except OSError:
            return None
    return total
