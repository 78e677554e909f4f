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

from .errors import EmbedkitError, InputError, OutputError, ParameterError, check_choice
from .io import check_readable, display_name, is_number, numbered_lines, open_binary, read_blocks
from .options import VECTOR_FORMATS
from .vectors import MAGIC, Embedding

# -- reading vectors people already have ----------------------------------------------------

_HEADER = re.compile(rb"^\s*(\d+)\s+(\d+)\s*$")


def detect_format(path: str | os.PathLike) -> str:
    """'embedkit', 'word2vec', 'word2vec-binary' or 'glove', from the first bytes of a file."""
    with open_binary(path) as f:
        head = f.read(1 << 16)
    name = display_name(path)
    if head.startswith(MAGIC):
        return "embedkit"
    if not head.strip():
        raise InputError(f"{name}: the file is empty")
    first, _, rest = head.partition(b"\n")
    m = _HEADER.match(first)
    if m:
        dim = int(m.group(2))
        word, sep, after = rest.partition(b" ")
        line = after.split(b"\n", 1)[0]
        try:
            values = line.decode("ascii").split()
            if len(values) == dim:
                [float(v) for v in values]
                return "word2vec"
        except (UnicodeDecodeError, ValueError):
            pass
        return "word2vec-binary"
    try:
        fields = first.decode("utf-8").split()
        [float(v) for v in fields[1:]]
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{name}: not a model file (embedkit, word2vec or GloVe vectors)") from None
    if len(fields) < 2:
        raise InputError(f"{name}: not a model file (embedkit, word2vec or GloVe vectors)")
    return "glove"


def read_vectors(
    path: str | os.PathLike, fmt: str = "auto", progress: Callable[[int], None] | None = None
) -> Embedding:
    """Load vectors in any supported format (detected with ``fmt='auto'``).

    word2vec and GloVe files keep their row order; they carry no counts, so ``counts``
    is None.  ``progress(n)`` receives bytes read, for a progress bar on large files.
    """
    check_choice("fmt", fmt, VECTOR_FORMATS)
    if str(path) == "-":
        raise ParameterError("a model must be a file, not stdin")
    check_readable(path)
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "embedkit":
        return Embedding.load(path)
    if fmt == "word2vec-binary":
        return _read_word2vec_binary(path, progress)
    return _read_text_vectors(path, header=(fmt == "word2vec"), progress=progress)


def _read_text_vectors(path, header: bool, progress) -> Embedding:
    name = display_name(path)
    words: list[str] = []
    rows: list[np.ndarray] = []
    dim = None
    expected_n = None
    lineno = 0
    for block in read_blocks(str(path), progress=progress):
        lines = block.splitlines()
        if header and lineno == 0 and lines:
            m = _HEADER.match(lines[0].encode())
            if not m:
                raise InputError(f"{name}, line 1: expected a word2vec header 'count dimension'")
            expected_n, dim = int(m.group(1)), int(m.group(2))
            lines = lines[1:]
            lineno = 1
        lines = [line for line in lines if line.strip()]
        if not lines:
            continue
        parts = [line.rstrip().split(" ", 1) for line in lines]
        if dim is None:
            dim = len(parts[0][1].split()) if len(parts[0]) == 2 else 0
            if dim == 0:
                raise InputError(f"{name}, line {lineno + 1}: expected 'word value value ...'")
        try:
            values = np.array(" ".join(p[1] if len(p) == 2 else "" for p in parts).split(), dtype=np.float32)
        except ValueError:
            values = None
        if values is None or values.size != len(parts) * dim:
            for k, p in enumerate(parts):
                fields = p[1].split() if len(p) == 2 else []
                try:
                    ok = len(fields) == dim and bool([float(v) for v in fields])
                except ValueError:
                    ok = False
                if not ok:
                    raise InputError(
                        f"{name}, line {lineno + k + 1}: expected a word and {dim} numbers, got {lines[k][:60]!r}"
                    )
        words.extend(p[0] for p in parts)
        rows.append(values.reshape(len(parts), dim))
        lineno += len(lines)
    if not words:
        raise InputError(f"{name}: no vectors found")
    if expected_n is not None and expected_n != len(words):
        raise InputError(f"{name}: the header promises {expected_n:,} vectors, the file has {len(words):,}")
    return _unique(Embedding(words, np.vstack(rows), None, {"kind": "words", "source": name}), name)


def _read_word2vec_binary(path, progress) -> Embedding:
    name = display_name(path)
    with open_binary(path) as f:
        data = f.read()
    if progress is not None:
        progress(len(data))
    first, _, body = data.partition(b"\n")
    m = _HEADER.match(first)
    if not m:
        raise InputError(f"{name}: expected a word2vec header 'count dimension'")
    n, dim = int(m.group(1)), int(m.group(2))
    words: list[str] = []
    vectors = np.empty((n, dim), dtype=np.float32)
    pos = 0
    size = 4 * dim
    for i in range(n):
        while pos < len(body) and body[pos : pos + 1] in (b"\n", b"\r"):
            pos += 1
        space = body.find(b" ", pos)
        if space < 0 or space + 1 + size > len(body):
            raise InputError(f"{name}: truncated after {i:,} of {n:,} vectors")
        try:
            words.append(body[pos:space].decode("utf-8"))
        except UnicodeDecodeError:
            words.append(body[pos:space].decode("latin-1"))
        vectors[i] = np.frombuffer(body, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + size
    return _unique(Embedding(words, vectors, None, {"kind": "words", "source": name}), name)


def _unique(emb: Embedding, name: str) -> Embedding:
    if len(emb.index) != len(emb):
        seen: set[str] = set()
        dup = next(w for w in emb.words if w in seen or seen.add(w))
        raise InputError(f"{name}: the word {dup!r} appears twice")
    return emb


def read_word_counts(path: str | os.PathLike, words: Sequence[str]) -> np.ndarray:
    """Counts for ``words`` from ``word count`` lines (space or tab; gensim's ``fvocab``).

    Every word must be listed: a missing one is an error naming it.
    """
    name = display_name(path)
    table: dict[str, int] = {}
    for lineno, line in numbered_lines(str(path)):
        parts = line.split()
        if not parts:
            continue
        try:
            if len(parts) != 2:
                raise ValueError
            table[parts[0]] = int(parts[1])
        except ValueError:
            raise InputError(f"{name}, line {lineno}: expected 'word count', got {line[:60]!r}") from None
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
    """Load any model file; a word2vec or GloVe file is parsed once and then served from
    its native cache (see :func:`cache_path`), memory-mapped like a native model.
    ``fmt`` skips the detection when the caller has already run :func:`detect_format`."""
    if str(path) == "-":
        raise ParameterError("a model must be a file, not stdin")
    check_readable(path)
    fmt = fmt or detect_format(path)
    if fmt == "embedkit":
        return Embedding.load(path)
    cached = cache_path(path) if cache else None
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

    A GloVe line is a word then numbers; a table row of numbers only is a table.
    """
    if path == "-" or not Path(path).is_file():
        return False
    try:
        fmt = detect_format(path)
    except EmbedkitError:
        return False
    if fmt != "glove":
        return True
    with open(path, "rb") as f:
        first = f.readline().decode("utf-8", "replace").split()
    return bool(first) and not is_number(first[0])
