"""The Embedding: a vocabulary and its vectors, with queries and file formats.

The native model file (``.ekm``) is a single file laid out for memory-mapping::

    bytes 0..63   b"EMBEDKIT", format version (uint32), header offset and length (uint64)
    64..          vectors, float32, row-major (n × dim)
    then          counts, int64 (n), and the words, UTF-8, one per line
    last          a JSON header: shapes, offsets and every parameter that made the model

Loading reads the header and words and maps the vectors without copying them.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import struct
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from .errors import DataError, InputError, OutputError, ParameterError, UnknownWordError
from .files import atomic_output, check_readable, display_name, open_binary

MAGIC = b"EMBEDKIT"
FORMAT_VERSION = 1
_PRELUDE = struct.Struct("<8sIIQQ")  # magic, version, reserved, header offset, header length
_DATA_OFFSET = 64
EXPORT_FORMATS = ("word2vec", "word2vec-binary", "glove", "npy")
ANALOGY_METHODS = ("3cosadd", "3cosmul")
#: ε of 3CosMul (Levy & Goldberg 2014).
COSMUL_EPSILON = 1e-3


def analogy_scores(unit: np.ndarray, questions: np.ndarray, method: str | Sequence[str] = "3cosmul"):
    """Scores of every word as the answer to a batch of a : b :: c : ? questions.

    unit : (n, dim) unit-length word vectors; questions : int array (q, 3) of the ids of a,
    b, c.  Returns (q, n) float32: cos(x,b) − cos(x,a) + cos(x,c) for ``3cosadd``, or
    cos'(x,b)·cos'(x,c) / (cos'(x,a) + 0.001) with cos' = (cos + 1)/2 for ``3cosmul``;
    the question's own three words score −inf, so they are never the answer.  Given a
    sequence of methods, returns a list of such arrays (the cosines are computed once).
    """
    methods = [method] if isinstance(method, str) else list(method)
    for m in methods:
        if m not in ANALOGY_METHODS:
            raise ParameterError(f"--method must be one of {', '.join(ANALOGY_METHODS)}, got {m!r}")
    q = np.asarray(questions, dtype=np.int64)
    sa, sb, sc = (unit[q[:, j]] @ unit.T for j in range(3))
    r = np.arange(len(q))
    out = []
    for m in methods:
        if m == "3cosadd":
            scores = sb - sa + sc
        else:
            scores = ((sb + 1) / 2) * ((sc + 1) / 2) / ((sa + 1) / 2 + COSMUL_EPSILON)
        for j in range(3):
            scores[r, q[:, j]] = -np.inf
        out.append(scores)
    return out[0] if isinstance(method, str) else out


class Embedding:
    """Vectors for a vocabulary of words (or graph nodes).

    Parameters
    ----------
    words : sequence of str, length n
    vectors : array of shape (n, dim)
    counts : int array of shape (n,), optional — corpus frequency of each word
    params : dict, optional — how the vectors were made (kept in the model file)
    """

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
        params: dict | None = None,
    ) -> None:
        self.words = list(words)
        self.vectors = vectors
        if vectors.ndim != 2 or vectors.shape[0] != len(self.words):
            raise ValueError(f"vectors of shape {vectors.shape} do not match {len(self.words)} words")
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.params = dict(params or {})
        self._index: dict[str, int] | None = None
        self._unit: np.ndarray | None = None

    # -- basic access -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def id(self, word: str) -> int:
        """Row of ``word``; raises :class:`UnknownWordError` with close spellings."""
        i = self.index.get(word)
        if i is None:
            raise UnknownWordError(self._unknown_message(word))
        return i

    def __getitem__(self, word: str) -> np.ndarray:
        return np.asarray(self.vectors[self.id(word)])

    def _unknown_message(self, word: str) -> str:
        close = difflib.get_close_matches(word, self.words, n=3, cutoff=0.75)
        if not close and word.lower() != word and word.lower() in self.index:
            close = [word.lower()]
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return f"{word!r} is not in the vocabulary ({len(self)} words){hint}"

    @property
    def unit(self) -> np.ndarray:
        """Rows scaled to unit length (float32; zero rows stay zero)."""
        if self._unit is None:
            v = np.asarray(self.vectors, dtype=np.float32)
            norms = np.linalg.norm(v, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            self._unit = v / norms
        return self._unit

    # -- queries ------------------------------------------------------------------
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        u = self.unit
        return float(u[self.id(a)] @ u[self.id(b)])

    def most_similar(
        self,
        positive: str | Iterable[str] = (),
        negative: str | Iterable[str] = (),
        topn: int = 10,
    ) -> list[tuple[str, float]]:
        """Words closest by cosine to the mean of unit ``positive`` minus ``negative`` vectors.

        The query words themselves are excluded (gensim's ``most_similar``).
        """
        pos = [positive] if isinstance(positive, str) else list(positive)
        neg = [negative] if isinstance(negative, str) else list(negative)
        if not pos and not neg:
            raise ParameterError("give at least one word")
        if topn < 1:
            raise ParameterError(f"-k must be at least 1, got {topn}")
        ids = [self.id(w) for w in pos + neg]
        u = self.unit
        query = u[ids[: len(pos)]].sum(axis=0) - u[ids[len(pos) :]].sum(axis=0)
        norm = np.linalg.norm(query)
        if norm > 0:
            query = query / norm
        return self._top(u @ query, topn, exclude=ids)

    def analogy(self, a: str, b: str, c: str, method: str = "3cosmul", topn: int = 10) -> list[tuple[str, float]]:
        """Answers to a : b :: c : ?, best first, with their scores; a, b and c are excluded.

        ``3cosadd``: cos(x, b) − cos(x, a) + cos(x, c); ``3cosmul`` (Levy & Goldberg 2014):
        cos'(x, b)·cos'(x, c) / (cos'(x, a) + 0.001) with cos' = (cos + 1) / 2.
        """
        if topn < 1:
            raise ParameterError(f"-k must be at least 1, got {topn}")
        ids = np.array([[self.id(a), self.id(b), self.id(c)]], dtype=np.int64)
        scores = analogy_scores(self.unit, ids, method)[0]
        return self._top(scores, topn, exclude=ids[0].tolist())

    def _top(self, scores: np.ndarray, topn: int, exclude: Sequence[int] = ()) -> list[tuple[str, float]]:
        scores = scores.astype(np.float64, copy=True)
        scores[list(exclude)] = -np.inf
        scores[np.isnan(scores)] = -np.inf  # a row of NaN (or a zero query) is no answer
        k = min(topn, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [(self.words[i], float(scores[i])) for i in top]

    # -- native model file -------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the native model file atomically."""
        vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        counts = self.counts if self.counts is not None else np.zeros(len(self), np.int64)
        if any("\n" in w for w in self.words):
            raise DataError("a word contains a newline; it cannot be stored")
        blob = "\n".join(self.words).encode("utf-8")
        counts_offset = _DATA_OFFSET + vectors.nbytes
        words_offset = counts_offset + counts.nbytes
        header_offset = words_offset + len(blob)
        header = json.dumps(
            {
                "n": len(self),
                "dim": self.dim,
                "dtype": "float32",
                "vectors_offset": _DATA_OFFSET,
                "counts_offset": counts_offset,
                "has_counts": self.counts is not None,
                "words_offset": words_offset,
                "words_nbytes": len(blob),
                "params": self.params,
            },
            sort_keys=True,
        ).encode("utf-8")
        with atomic_output(path) as f:
            f.write(_PRELUDE.pack(MAGIC, FORMAT_VERSION, 0, header_offset, len(header)).ljust(_DATA_OFFSET, b"\0"))
            f.write(vectors.tobytes())
            f.write(counts.astype("<i8").tobytes())
            f.write(blob)
            f.write(header)

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: bool = True) -> Embedding:
        """Read a native model file, memory-mapping the vectors."""
        p = check_readable(path)
        size = p.stat().st_size
        with open(p, "rb") as f:
            prelude = f.read(_DATA_OFFSET)
            if len(prelude) < _PRELUDE.size or prelude[:8] != MAGIC:
                raise InputError(f"{p}: not an embedkit model file")
            _, version, _, header_offset, header_len = _PRELUDE.unpack(prelude[: _PRELUDE.size])
            if version != FORMAT_VERSION:
                raise InputError(f"{p}: model format version {version}, this embedkit reads version {FORMAT_VERSION}")
            if header_offset + header_len != size:
                raise InputError(f"{p}: model file is truncated or corrupt ({size} bytes)")
            f.seek(header_offset)
            try:
                header = json.loads(f.read(header_len).decode("utf-8"))
                n, dim = int(header["n"]), int(header["dim"])
                f.seek(header["words_offset"])
                words = f.read(header["words_nbytes"]).decode("utf-8").split("\n") if n else []
                f.seek(header["counts_offset"])
                counts = np.frombuffer(f.read(8 * n), dtype="<i8").astype(np.int64)
            except (ValueError, KeyError, UnicodeDecodeError) as exc:
                raise InputError(f"{p}: model file is corrupt ({exc})") from None
        if len(words) != n or header["vectors_offset"] + 4 * n * dim > header["counts_offset"]:
            raise InputError(f"{p}: model file is corrupt (header does not match contents)")
        if mmap and n * dim:
            vectors = np.memmap(p, dtype="<f4", mode="r", offset=header["vectors_offset"], shape=(n, dim))
        else:
            with open(p, "rb") as f:
                f.seek(header["vectors_offset"])
                vectors = np.frombuffer(f.read(4 * n * dim), dtype="<f4").reshape(n, dim).copy()
        return cls(words, vectors, counts if header.get("has_counts", True) else None, header.get("params", {}))

    # -- exports -----------------------------------------------------------------
    def export(self, path: str | os.PathLike, fmt: str) -> None:
        """Write the vectors as word2vec text/binary, GloVe text, or .npy (+ .words.txt)."""
        if fmt not in EXPORT_FORMATS:
            raise ParameterError(f"--format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
        if fmt != "npy":
            bad = next((w for w in self.words if not w or any(ch.isspace() for ch in w)), None)
            if bad is not None:
                raise DataError(f"word {bad!r} contains white space; {fmt} files cannot hold it")
        v = np.asarray(self.vectors, dtype=np.float32)
        if fmt == "npy":
            p = Path(path)
            with atomic_output(p) as f:
                np.save(f, v)
            with atomic_output(p.with_suffix(".words.txt"), binary=False) as f:
                f.writelines(w + "\n" for w in self.words)
            return
        if fmt == "word2vec-binary":
            with atomic_output(path) as f:
                f.write(f"{len(self)} {self.dim}\n".encode())
                le = v.astype("<f4")
                for w, row in zip(self.words, le):
                    f.write(w.encode("utf-8") + b" " + row.tobytes() + b"\n")
            return
        row_fmt = " ".join(["%.6g"] * self.dim)
        with atomic_output(path, binary=False) as f:
            if fmt == "word2vec":
                f.write(f"{len(self)} {self.dim}\n")
            for w, row in zip(self.words, v.tolist()):
                f.write(f"{w} {row_fmt % tuple(row)}\n")


# -- reading vectors people already have ----------------------------------------------------

VECTOR_FORMATS = ("auto", "embedkit", "word2vec", "word2vec-binary", "glove")
NONFINITE = ("error", "drop")
_HEADER = re.compile(rb"^\s*(\d+)[ \t]+(\d+)\s*$")
_NOT_A_MODEL = "not a model file (embedkit, word2vec or GloVe vectors)"


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _is_text_row(line: bytes) -> bool:
    """Whether the first row after a word2vec header is text: printable UTF-8 whose fields
    after the word are numbers.  A binary row has raw float32 bytes there, which are
    almost never valid UTF-8 (0.1 is CD CC CC 3D) and never all digits."""
    try:
        text = line.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return False
    if any(ch < " " and ch != "\t" for ch in text):
        return False
    fields = text.split()
    return len(fields) >= 2 and all(_is_float(f) for f in fields[1:])


def detect_format(path: str | os.PathLike) -> str:
    """'embedkit', 'word2vec', 'word2vec-binary' or 'glove', from a file's content (not its
    name): the native magic; a 'count dimension' header then raw float32 bytes (binary) or
    text rows; or text rows without a header (GloVe).  A UTF-8 byte-order mark is ignored;
    gzip/bzip2/xz files are looked into."""
    from .files import strip_bom

    name = display_name(path)
    with open_binary(path) as f:
        head = f.read(1 << 16)
    if head.startswith(MAGIC):
        return "embedkit"
    head = strip_bom(head, name)
    if not head.strip():
        raise InputError(f"{name}: the file is empty")
    first, _, rest = head.lstrip(b"\r\n").partition(b"\n")
    if _HEADER.match(first):
        row = rest.split(b"\n", 1)[0]
        return "word2vec" if (not row.strip() or _is_text_row(row)) else "word2vec-binary"
    if b"\0" in first:
        raise InputError(f"{name}: {_NOT_A_MODEL}")
    if not _is_text_row(first):
        raise InputError(f"{name}: {_NOT_A_MODEL}")
    return "glove"


def read_vectors(
    path: str | os.PathLike,
    fmt: str = "auto",
    progress: Callable[[int], None] | None = None,
    nonfinite: str = "error",
) -> Embedding:
    """Load vectors in any supported format (detected from the content with ``fmt='auto'``).

    Text files (word2vec with its 'count dimension' header, GloVe without) may separate
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
    if fmt not in VECTOR_FORMATS:
        raise ParameterError(f"--format must be one of {', '.join(VECTOR_FORMATS)}, got {fmt!r}")
    if nonfinite not in NONFINITE:
        raise ParameterError(f"nonfinite must be one of {', '.join(NONFINITE)}, got {nonfinite!r}")
    if str(path) == "-":
        raise ParameterError("a model must be a file, not stdin")
    check_readable(path)
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "embedkit":
        return Embedding.load(path)
    if fmt == "word2vec-binary":
        return _read_word2vec_binary(path, progress, nonfinite)
    return _read_text_vectors(path, header=(fmt == "word2vec"), progress=progress, nonfinite=nonfinite)


def _split_row(line: str, dim: int) -> tuple[str, list[str]] | None:
    """(word, its ``dim`` value fields) of a text row, or None when the row does not have
    ``dim`` values.  The word is the first field; it may hold white space only when the
    row is ``word<TAB>values`` or when the extra pieces do not end in a number (so a row
    with one value too many is an error, never a word like ``'cat 0.1'``)."""
    fields = line.split()
    if len(fields) == dim + 1:
        return fields[0], fields[1:]
    if len(fields) <= dim + 1:
        return None
    tab = line.rfind("\t")
    if tab > 0 and len(line[tab:].split()) == dim:
        return line[:tab].strip(), fields[-dim:]
    if _is_float(fields[-dim - 1]):
        return None
    return line.rsplit(None, dim)[0].strip(), fields[-dim:]


def _bad_row(name: str, lineno: int, line: str, dim: int, what: str) -> InputError:
    n = len(line.split()) - 1
    fields = line.split()
    bad = next((f for f in fields[1:] if not _is_float(f)), None)
    if bad is not None and n == dim:
        return InputError(f"{name}, line {lineno}: {bad!r} is not a number (word {fields[0]!r})")
    return InputError(f"{name}, line {lineno} has {n} values, {what} {dim}")


def _read_text_vectors(path, header: bool, progress, nonfinite: str = "error") -> Embedding:
    from .text import read_blocks

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
        if not keep:
            continue
        if dim is None:
            fields = keep[0][1].split()
            trailing = 0
            for f in reversed(fields):
                if not _is_float(f):
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
            values = np.array([v for _, vals in split for v in vals], dtype=np.float32).reshape(len(split), dim)
        except ValueError:
            for (n, _line), (w, vals) in zip(keep, split):
                bad = next((v for v in vals if not _is_float(v)), None)
                if bad is not None:
                    raise InputError(f"{name}, line {n}: {bad!r} is not a number (word {w!r})") from None
            raise
        finite = np.isfinite(values).all(axis=1)
        if not finite.all():
            bad_rows = np.flatnonzero(~finite)
            if nonfinite == "error":
                i = int(bad_rows[0])
                raise InputError(_nonfinite_message(name, f"line {keep[i][0]}", split[i][0], values[i]))
            dropped.extend((keep[int(i)][0], split[int(i)][0]) for i in bad_rows)
            values = values[finite]
            split = [p for p, ok in zip(split, finite.tolist()) if ok]
        words.extend(w for w, _ in split)
        rows.append(values)
    if not words and not dropped:
        raise InputError(f"{name}: no vectors found")
    if expected_n is not None and expected_n != len(words) + len(dropped):
        raise InputError(
            f"{name}: the header says {expected_n} vectors, the file has {len(words) + len(dropped)}"
        )
    _warn_dropped(name, dropped)
    if not words:
        raise InputError(f"{name}: every vector has a non-finite value")
    return _unique(Embedding(words, np.vstack(rows), None, {"kind": "words", "source": name}), name)


def _nonfinite_message(name: str, where: str, word: str, row: np.ndarray) -> str:
    value = next(str(float(v)) for v in row if not np.isfinite(v))
    return (
        f"{name}, {where}: word {word!r} has a non-finite value ({value}); "
        "'embedkit import FILE --drop-nonfinite' leaves such rows out"
    )


def _warn_dropped(name: str, dropped: list[tuple[int, str]]) -> None:
    if dropped:
        import warnings

        from .errors import EmbedkitWarning

        where, word = dropped[0]
        warnings.warn(
            EmbedkitWarning(
                f"{name}: left out {len(dropped)} vector(s) with a NaN or infinite value "
                f"(first: {word!r}, {where if isinstance(where, str) else f'line {where}'})"
            ),
            stacklevel=3,
        )


def _read_word2vec_binary(path, progress, nonfinite: str = "error") -> Embedding:
    from .files import strip_bom, text_decoding

    name = display_name(path)
    with open_binary(path) as f:
        data = f.read()
    if progress is not None:
        progress(len(data))
    first, _, body = strip_bom(data, name).partition(b"\n")
    m = _HEADER.match(first)
    if not m:
        raise InputError(f"{name}, line 1: expected a word2vec header 'count dimension'")
    n, dim = int(m.group(1)), int(m.group(2))
    decoding = text_decoding()
    words: list[str] = []
    vectors = np.empty((n, dim), dtype=np.float32)
    pos = 0
    size = 4 * dim
    for i in range(n):
        while pos < len(body) and body[pos : pos + 1] in (b"\n", b"\r"):
            pos += 1
        space = body.find(b" ", pos)
        if space < 0 or space + 1 + size > len(body):
            raise InputError(f"{name}: truncated: the header says {n} vectors, the file holds {i}")
        try:
            words.append(decoding.decode(body[pos:space], f"{name}, vector {i + 1}", offset=1, first_line=None))
        except DataError as exc:
            raise InputError(str(exc)) from None
        vectors[i] = np.frombuffer(body, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + size
    if body[pos:].strip():
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
            f"{name}: {skipped} duplicate word(s) skipped, the first occurrence kept (first repeated: {first!r})"
        ),
        stacklevel=3,
    )
    words = [w for w, k in zip(emb.words, keep.tolist()) if k]
    params = {**emb.params, "duplicates_skipped": skipped}
    return Embedding(words, np.asarray(emb.vectors)[keep], None, params)


def read_word_counts(path: str | os.PathLike, words: Sequence[str]) -> np.ndarray:
    """Counts for ``words`` from ``word count`` lines (space or tab; gensim's ``fvocab``).

    Every word must be listed: a missing one is an error naming it.
    """
    from .text import numbered_lines

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
    root = Path(os.environ.get("EMBEDKIT_CACHE_DIR") or Path.home() / ".cache" / "embedkit")
    return root / f"{p.stem}-{key}.ekm"


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
