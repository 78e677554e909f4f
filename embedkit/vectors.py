"""The Embedding: a vocabulary and its vectors, with the gensim-style queries, and its
native model file.

The native model file (``.ekm``) is a single file laid out for memory-mapping::

    bytes 0..63   b"EMBEDKIT", format version (uint32), header offset and length (uint64)
    64..          vectors, float32, row-major (n × dim)
    then          counts, int64 (n), and the words, UTF-8, one per line
    norms         the L2 norm of every row, float32 (n); absent in older files (then
                  computed on first use); its offset is the header's "norms_offset"
    [subwords]    with subword vectors only: the kept n-gram buckets (int64, k), and for
                  each the vocabulary rows that contain it, CSR (indptr int64 k + 1,
                  rows int32), and with a ridge fit its dual rows (float16, n × dim);
                  their offsets and settings are in the header's "subwords"
    [rare]        with rare words only: words below the vocabulary's cut with a vector
                  folded in from their contexts — vectors float16 (r × dim), counts int64
                  (r), words UTF-8 one a line; offsets in the header's "rare"
    last          a JSON header: shapes, offsets and every parameter that made the model

A model without subwords is laid out exactly as before them; a reader that does not know
the "subwords" entry loads the vectors and ignores the tables, and likewise the "rare"
entry (a model without rare words has none; the format version is unchanged).

Loading reads the header and words and maps the vectors without copying them.  Other
vector formats are read in :mod:`embedkit.formats`.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .errors import (
    DataError,
    EmbedkitWarning,
    InputError,
    ParameterError,
    UnknownWordError,
    check_choice,
    check_count,
    counted,
    param,
)
from .io import atomic_output, check_readable, output_group
from .linalg import RowSplitMatmul, on_product_threads, unit_rows
from .options import ANALOGY_METHODS, EXPORT_FORMATS, RARE_NGRAM_PRIOR
from .subwords import (
    DEFAULT_BUCKETS,
    DEFAULT_COHERENCE,
    DEFAULT_MAXN,
    DEFAULT_MIN_WORDS,
    DEFAULT_MINN,
    DEFAULT_RARE_WEIGHT,
    DEFAULT_RIDGE,
    DEFAULT_WEIGHT,
    DEFAULT_WEIGHT_WITH_RARE,
    Subwords,
    fit_subwords,
)

MAGIC = b"EMBEDKIT"
FORMAT_VERSION = 1
_PRELUDE = struct.Struct("<8sIIQQ")  # magic, version, reserved, header offset, header length
#: Where the data of an embedkit container file (a model, an index) starts: after the prelude.
DATA_OFFSET = 64
#: A vocabulary larger than this answers its first :data:`_SCANS` look-ups by a scan.
_SCAN_BELOW_WORDS = 200_000
_SCANS = 16
#: Up to this many values (rows × dim) a search scales the rows to unit length before the
#: products, exactly as :attr:`Embedding.unit` (so that exact ties fall to the lower row);
#: above it, the dot products are scaled instead, which reads a large memory-mapped model
#: once (3 M × 300: 0.15 s against 0.75 s a query, measured).
_UNIT_ROWS_UP_TO = 1 << 24
#: ε of 3CosMul (Levy & Goldberg 2014).
COSMUL_EPSILON = 1e-3
#: Scores a blocked search holds at once (queries × rows, float32): 2**24 is 64 MiB.
SEARCH_BLOCK = 1 << 24
#: Queries scored together against each block of rows: a product of 4,096 × dim by
#: dim × 4,096 runs near the BLAS's peak rate, and more only grows the score block.
QUERY_CHUNK = 4096
#: Values (candidates × dim) re-ranking gathers at once: 8 MiB, which stays in cache
#: (10,000 queries × 100 candidates at 1 M × 300: 0.35–0.4 s of CPU in blocks of 16 to
#: 256 queries, 0.7 s in blocks of 2,048, measured).
_RESCORE_BLOCK = 1 << 21


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
        check_choice("method", m, ANALOGY_METHODS)
    q = np.asarray(questions, dtype=np.int64)
    sa, sb, sc = (unit[q[:, j]] @ unit.T for j in range(3))
    r = np.arange(len(q))
    out = []
    for scores in _analogy_from_cosines(sa, sb, sc, methods):
        for j in range(3):
            scores[r, q[:, j]] = -np.inf
        out.append(scores)
    return out[0] if isinstance(method, str) else out


def _analogy_from_cosines(sa: np.ndarray, sb: np.ndarray, sc: np.ndarray, methods: list[str]) -> list[np.ndarray]:
    """3CosAdd / 3CosMul scores from the cosines of every word with a, b and c."""
    out = []
    for m in methods:
        if m == "3cosadd":
            out.append(sb - sa + sc)
        else:
            out.append(((sb + 1) / 2) * ((sc + 1) / 2) / ((sa + 1) / 2 + COSMUL_EPSILON))
    return out


def _merge_top_numpy(
    scores: np.ndarray, scale: np.ndarray, offset: int, top_scores: np.ndarray, top_ids: np.ndarray
) -> None:
    """:func:`embedkit.kernels.merge_top` in numpy, with the same answers, ties included
    (the reference its test compares to, the route without numba, and the cheaper one for
    a few queries): the running top-k and the block side by side, ``argpartition`` per row
    for the k-th best score, then every score above it and, of those equal to it, the
    lowest rows."""
    q, b = scores.shape
    k = top_scores.shape[1]
    block = scores * scale.astype(np.float32)
    block[np.isnan(block)] = -np.inf
    if b > _PRESELECT_WIDER * k:
        # a wide block (a few queries against a large model): only the scores at or above a
        # query's k-th best of the block can enter; those (ties included, in row order) are
        # folded in alone, instead of every score of the block
        for j in range(q):
            row = block[j]
            pick = np.flatnonzero(row >= np.partition(row, b - k)[b - k])
            _fold_top(row[pick][None], offset + pick[None], top_scores[j : j + 1], top_ids[j : j + 1])
        return
    ids = np.arange(offset, offset + b, dtype=np.int64)
    _fold_top(block, np.broadcast_to(ids, (q, b)), top_scores, top_ids)


#: :func:`_merge_top_numpy` preselects in a block wider than this many times k.
_PRESELECT_WIDER = 4096


def _fold_top(block: np.ndarray, ids: np.ndarray, top_scores: np.ndarray, top_ids: np.ndarray) -> None:
    """Fold candidates (q × b scores, their rows in increasing order) into the running top-k."""
    q, k = top_scores.shape
    cand_s = np.concatenate([top_scores, block], axis=1)  # rows in increasing order, per query
    cand_i = np.concatenate([top_ids, ids], axis=1)
    kth = -np.partition(-cand_s, k - 1, axis=1)[:, k - 1 : k]
    above = cand_s > kth
    tied = cand_s == kth
    keep = above | (tied & (np.cumsum(tied, axis=1) <= k - above.sum(axis=1, keepdims=True)))
    ps, pi = cand_s[keep].reshape(q, k), cand_i[keep].reshape(q, k)
    pi = np.where(np.isfinite(ps), pi, -1)
    order = np.lexsort((np.where(pi < 0, np.iinfo(np.int64).max, pi), -ps), axis=1)
    top_scores[:] = np.take_along_axis(ps, order, 1)
    top_ids[:] = np.take_along_axis(pi, order, 1)


#: Below this many queries a block is folded in by numpy (importing numba costs ~0.4 s,
#: more than one query against a million rows).
_KERNEL_MIN_QUERIES = 32


def _merge_top(scores: np.ndarray, scale: np.ndarray, offset: int, top_scores: np.ndarray, top_ids: np.ndarray) -> None:
    from . import kernels

    if kernels.ENABLED and len(scores) >= _KERNEL_MIN_QUERIES:
        kernels.merge_top(scores, scale, offset, top_scores, top_ids)
    else:
        _merge_top_numpy(scores, scale, offset, top_scores, top_ids)


def _read_subwords(f, info: dict, n: int) -> Subwords:
    """The subword tables of a model file (``info``: the header's ``subwords`` entry)."""
    k, nnz = int(info["ngrams"]), int(info["members_count"])
    arrays = {}
    for name, dtype, size in (("keys", "<i8", k), ("indptr", "<i8", k + 1), ("members", "<i4", nnz)):
        f.seek(info[f"{name}_offset"])
        a = np.frombuffer(f.read(np.dtype(dtype).itemsize * size), dtype=dtype)
        if a.size != size:
            raise ValueError(f"the subword table {name!r} is truncated")
        arrays[name] = a.astype(np.int32 if name == "members" else np.int64)
    dual = None
    rows = n + int(info.get("extra_rows", 0))  # the fit's rows: the vocabulary's, then rare words'
    if "dual_offset" in info:  # a ridge fit (older files hold mean n-gram vectors only)
        dim = int(info["dual_dim"])
        f.seek(info["dual_offset"])
        dual = np.frombuffer(f.read(2 * rows * dim), dtype="<f2")
        if dual.size != rows * dim:
            raise ValueError("the subword table 'dual' is truncated")
        dual = dual.reshape(rows, dim).astype(np.float16)
    if arrays["indptr"][-1] != nnz or (nnz and (arrays["members"].min() < 0 or arrays["members"].max() >= rows)):
        raise ValueError("the subword tables do not match the vocabulary")
    return Subwords(
        int(info["minn"]), int(info["maxn"]), int(info["buckets"]), float(info["weight"]), int(info["min_words"]),
        float(info["coherence"]), arrays["keys"], arrays["indptr"], arrays["members"],
        float(info.get("ridge", 0.0)), dual, rows - n,
    )  # fmt: skip


class RareWords:
    """Words below a model's vocabulary cut that still get a vector: folded in from their
    few contexts onto the trained factorisation (:func:`embedkit.linalg.fold_in_vectors`),
    mixed with their n-grams when the model has subwords (:meth:`Embedding.with_rare_words`).
    They are not rows of the model: no query returns them as neighbours, and ``word in
    emb`` stays membership of the vocabulary; a query for one is answered from here and
    says so.

    words : r strings; counts : int64 (r,) their corpus counts; vectors : float16 (r, dim)
    """

    def __init__(self, words: Sequence[str], counts: np.ndarray, vectors: np.ndarray) -> None:
        self.words = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.vectors = np.asarray(vectors, dtype=np.float16)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words) or self.counts.size != len(self.words):
            raise ValueError(f"rare-word vectors of shape {self.vectors.shape} do not match {len(self.words)} words")
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.words)

    def find(self, word: str) -> int | None:
        """Row of ``word`` in the table, or None."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index.get(word)

    @property
    def nbytes(self) -> int:
        """Bytes the table takes in a model file."""
        return int(self.vectors.nbytes + self.counts.nbytes + len("\n".join(self.words).encode("utf-8")))


def _read_rare(f, info: dict, dim: int) -> RareWords:
    """The rare-word table of a model file (``info``: the header's ``rare`` entry)."""
    r = int(info["n"])
    f.seek(info["vectors_offset"])
    vectors = np.frombuffer(f.read(2 * r * dim), dtype="<f2")
    f.seek(info["counts_offset"])
    counts = np.frombuffer(f.read(8 * r), dtype="<i8")
    f.seek(info["words_offset"])
    blob = f.read(int(info["words_nbytes"]))
    words = blob.decode("utf-8").split("\n") if r else []
    if vectors.size != r * dim or counts.size != r or len(words) != r:
        raise ValueError("the rare-word table is truncated")
    return RareWords(words, counts.astype(np.int64), vectors.reshape(r, dim).astype(np.float16))


def find_word(index: Mapping[str, int], word: str) -> int | None:
    """The row of a word of a benchmark or of a text read against a model: as written if
    the model has it (a cased model's 'Paris' is not its 'paris'), else lower-cased (a
    lower-cased model under a capitalised set; a sentence's first word, 'The', in a cased
    model that has 'the')."""
    i = index.get(word)
    return i if i is not None else index.get(word.lower())


def warn_one_direction(dim: int, remove_top: int = 0, parts: int = 1) -> None:
    """The one warning for vectors of a single direction (``dim`` 1, or ``dim`` − ``remove_top``
    = 1): such a vector carries only a sign, so every cosine query answers ±1 (with
    ``parts`` side-by-side parts of one direction each, as netmf+sparse: one of 2^parts
    values).  Words, graphs and LSA warn alike, before any work."""
    if remove_top:
        text = (
            f"{param('dim')} {dim} leaves one direction once the top {remove_top} principal components are "
            f"removed ({param('remove_top')} {remove_top}): every cosine will be ±1; give a larger "
            f"{param('dim')} or a smaller {param('remove_top')}"
        )
    else:
        spread = f"one of {2**parts} values, from the signs of its {parts} parts" if parts > 1 else "±1"
        text = (
            f"{param('dim')} {dim}: vectors of one dimension carry only a sign, so every cosine will be "
            f"{spread}; give a larger {param('dim')}"
        )
    import warnings

    warnings.warn(EmbedkitWarning(text), stacklevel=3)


def _is_row_number(key) -> bool:
    """Whether a query key is a row number (an int, not a bool), as gensim's keys may be."""
    return isinstance(key, (int, np.integer)) and not isinstance(key, bool)


def _items(x) -> list:
    """gensim's positive/negative argument as a list: one word, row number or vector, or
    several."""
    if isinstance(x, (str, np.ndarray)) or _is_row_number(x):
        return [x]
    return list(x)


def _edits1(word: str, alphabet: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in alphabet]
    inserts = [a + c + b for a, b in splits for c in alphabet]
    return set(deletes + transposes + replaces + inserts)


def _levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions) between two short strings."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _best_first(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row of (ids, scores) (q × k; id −1 for none) sorted by score, best first, ties
    to the lower row, the empty places last."""
    order = np.lexsort((np.where(ids >= 0, ids, np.iinfo(np.int64).max), -scores), axis=1)
    return np.take_along_axis(ids, order, 1), np.take_along_axis(scores, order, 1)


def _without_own(ids: np.ndarray, scores: np.ndarray, own: np.ndarray, topn: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``topn`` of each row of (ids, scores) (q × m) without the query's own row
    (``own`` (q,), −1: none), for an index that cannot exclude rows itself."""
    keep = ids != own[:, None]
    order = np.argsort(~keep, axis=1, kind="stable")[:, :topn]
    ids = np.where(np.take_along_axis(keep, order, 1), np.take_along_axis(ids, order, 1), -1)
    return ids, np.where(ids >= 0, np.take_along_axis(scores, order, 1), -np.inf).astype(np.float32)


_KEY_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
                            dtype=np.uint64)  # fmt: skip
#: The low i bytes of a little-endian 64-bit word set, i = 0 … 8.
_LOW_BYTES = np.array([(1 << (8 * i)) - 1 for i in range(9)], dtype=np.uint64)


def _span_keys(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit key of each span (start, length) of the bytes ``buf`` (uint8): its length
    and its first, middle (a span over 16 bytes) and last 8 bytes, each times an odd
    constant, xor-ed.  Equal spans have equal keys; unequal ones rarely do (a span longer
    than 24 bytes is not wholly read).  Vectorised: three unaligned 8-byte reads a span,
    no Python object (1 M words: ~0.1 s)."""
    lengths = np.asarray(lengths, np.int64)
    padded = np.zeros(len(buf) + 16, np.uint8)  # 8 bytes either side: every read stays inside
    padded[8:-8] = buf
    words8 = np.ndarray((len(padded) - 7,), "<u8", padded, strides=(1,))  # 8 bytes from each offset
    at = np.asarray(starts, np.int64) + 8
    short = np.minimum(lengths, 8)
    key = lengths.astype(np.uint64) * _KEY_MULTIPLIERS[3]
    key ^= (words8[at] & _LOW_BYTES[short]) * _KEY_MULTIPLIERS[0]
    key ^= (words8[at + lengths - 8] & ~_LOW_BYTES[8 - short]) * _KEY_MULTIPLIERS[2]
    long = np.flatnonzero(lengths > 16)
    key[long] ^= words8[at[long] + lengths[long] // 2 - 4] * _KEY_MULTIPLIERS[1]
    return key


def container_prelude(magic: bytes, version: int, header_offset: int, header_len: int) -> bytes:
    """The first :data:`DATA_OFFSET` bytes of an embedkit file (a model, an index): magic,
    format version, and where the JSON header at the end starts and how long it is."""
    return _PRELUDE.pack(magic, version, 0, header_offset, header_len).ljust(DATA_OFFSET, b"\0")


def read_container_header(f, path: Path, magic: bytes, version: int, what: str) -> tuple[dict, int]:
    """The JSON header of an embedkit file (a model, an index) open as ``f``, and where it
    starts: the file begins with a 64-byte prelude (8-byte ``magic``, format version,
    header offset and length) and ends with the header.  :class:`InputError` naming
    ``path`` when it is not such a ``what`` file, another version, truncated or corrupt."""
    size = os.fstat(f.fileno()).st_size
    prelude = f.read(DATA_OFFSET)
    if len(prelude) < _PRELUDE.size or prelude[:8] != magic:
        raise InputError(f"{path}: not an embedkit {what} file")
    _, found, _, offset, length = _PRELUDE.unpack(prelude[: _PRELUDE.size])
    if found != version:
        raise InputError(f"{path}: {what} format version {found}, this embedkit reads version {version}")
    if offset + length != size:
        raise InputError(f"{path}: {what} file is truncated or corrupt ({size:,} bytes)")
    f.seek(offset)
    try:
        return json.loads(f.read(length).decode("utf-8")), offset
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {what} file is corrupt ({exc})") from None


class StoredWords:
    """The words of a model file kept as its UTF-8 bytes (one word a line) until a list of
    them is needed: loading a 3 M-word vocabulary is then one read of ~30 MB and one pass
    for where each line ends, instead of 3 M Python strings (about a second); a single
    query needs only :meth:`find` (its word's row: one byte search) and :meth:`word` (its
    answers' names).

    ``blob``: the words joined by ``\\n``; ``n``: how many.  Raises ``ValueError`` when the
    blob does not hold ``n`` words or is not UTF-8."""

    def __init__(self, blob: bytes | bytearray, n: int, _padded: bytearray | None = None) -> None:
        if _padded is None:
            _padded = bytearray(len(blob) + 2)
            _padded[1:-1] = blob
        buf = _padded  # every word between two newlines
        buf[0] = buf[-1] = 10
        self._buf = buf
        self.n = n
        if not buf.isascii():
            buf.decode("utf-8")  # invalid UTF-8 is a corrupt file now, not at a later query
        #: byte offset of each newline: word i is buf[ends[i] + 1 : ends[i + 1]]
        self._ends = np.flatnonzero(np.frombuffer(buf, np.uint8) == 10)
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None  # made by rows()
        if n and len(self._ends) != n + 1:
            raise ValueError(f"the word list holds {len(self._ends) - 1:,} words, the header says {n:,}")

    @classmethod
    def read(cls, f, nbytes: int, n: int) -> StoredWords:
        """The ``n`` words in the next ``nbytes`` of the open file ``f``, read in place."""
        buf = bytearray(nbytes + 2)
        got = f.readinto(memoryview(buf)[1:-1])
        if got != nbytes:
            raise ValueError("the word list is truncated")
        return cls(b"", n, buf)

    def __len__(self) -> int:
        return self.n

    def find(self, word: str) -> int | None:
        """Row of ``word`` (the first if it were there twice), or None."""
        if not self.n or "\n" in word:
            return None
        at = self._buf.find(b"\n" + word.encode("utf-8") + b"\n")
        return None if at < 0 else int(np.searchsorted(self._ends, at))

    def rows(self, words: Sequence[str]) -> np.ndarray:
        """Rows of many words at once (int64; −1 for a word not listed, the first row of a
        word listed twice).  The first call sorts a 64-bit key of every word (its length
        and its first, middle and last 8 bytes, hashed; :func:`_span_keys`), about 0.1 s
        for 1 M words against 0.6 s for a dictionary of Python strings; a query's key is
        found by a binary search and the word itself compared, so a shared key costs
        only a further comparison."""
        if self._sorted is None:
            keys = _span_keys(np.frombuffer(self._buf, np.uint8), self._ends[:-1] + 1, np.diff(self._ends) - 1)
            order = np.argsort(keys, kind="stable")  # equal keys in row order: the first row first
            self._sorted = keys[order], order
        keys, order = self._sorted
        encoded = [w.encode("utf-8") for w in words]
        lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
        starts = np.cumsum(lengths + 1) - lengths - 1
        wanted = _span_keys(np.frombuffer(b"\n".join(encoded) + b"\n", np.uint8), starts, lengths)
        at = np.searchsorted(keys, wanted).tolist()
        out = np.full(len(words), -1, np.int64)
        n = len(keys)
        for j, (key, w) in enumerate(zip(wanted.tolist(), encoded)):
            a = at[j]
            while a < n and keys[a] == key:
                r = int(order[a])
                if self._buf[self._ends[r] + 1 : self._ends[r + 1]] == w:
                    out[j] = r
                    break
                a += 1
        return out

    def word(self, i: int) -> str:
        """The word of row ``i`` (0 ≤ i < n)."""
        return self._buf[self._ends[i] + 1 : self._ends[i + 1]].decode("utf-8")

    def to_list(self) -> list[str]:
        return self._buf[1:-1].decode("utf-8").split("\n") if self.n else []


class Embedding:
    """Vectors for a vocabulary of words (or graph nodes).

    Parameters
    ----------
    words : sequence of str, length n (or :class:`StoredWords`, turned into a list only
        when :attr:`words` is first read); row order, kept as given (a duplicate is not
        merged: a query finds its first row)
    vectors : array of shape (n, dim), any real dtype and layout (kept as given, a memory
        map too; queries compute in float32, and :meth:`save` writes float32); a list of
        rows becomes a float32 array.  Raises :class:`ParameterError` (a ``ValueError``)
        naming ``vectors`` when the shape does not match the words.  Rows are not checked
        for NaN (the file readers refuse it; :func:`embedkit.formats.load_model`).
    counts : int array of shape (n,), optional — corpus frequency of each word
    params : dict, optional — how the vectors were made (kept in the model file)
    subwords : :class:`embedkit.subwords.Subwords`, optional — with it, a word outside the
        vocabulary gets a vector built from its character n-grams in every query
        (:meth:`vector`, :meth:`get_vector`, :meth:`similarity`, :meth:`most_similar`,
        :meth:`neighbors`, :meth:`analogy`); without it, an unknown word raises
        :class:`UnknownWordError`.  ``word in emb`` stays membership of the vocabulary.
    rare : :class:`RareWords`, optional — words below the vocabulary's cut with a vector
        folded in from their contexts; a query for one is answered from it (before any
        n-gram vector), and :meth:`from_subwords` / :meth:`rare_count` say so.
    """

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
        params: dict | None = None,
        subwords: Subwords | None = None,
        norms: np.ndarray | None = None,
        rare: RareWords | None = None,
    ) -> None:
        self._stored = words if isinstance(words, StoredWords) else None
        self._words = None if self._stored is not None else list(words)
        self._n = len(words)
        if not isinstance(vectors, np.ndarray):  # a list of rows; an ndarray (a memory map too) is kept as is
            vectors = np.asarray(vectors, dtype=np.float32)
        self.vectors = vectors
        if vectors.ndim != 2 or vectors.shape[0] != self._n:
            raise ParameterError(
                "vectors", vectors.shape, f"must be an array of shape ({self._n}, dim) for {self._n} words"
            )
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.params = dict(params or {})
        self.subwords = subwords
        self.rare = rare
        if rare is not None and rare.vectors.shape[1] != vectors.shape[1]:
            raise ValueError(f"rare-word vectors of dimension {rare.vectors.shape[1]} do not match {vectors.shape[1]}")
        self._index: dict[str, int] | None = None
        self._unit: np.ndarray | None = None
        self._built: dict[str, tuple[np.ndarray, int]] = {}
        self._scanned: dict[str, int | None] = {}
        self._norms = None if norms is None else np.asarray(norms, dtype=np.float32)

    # -- basic access -------------------------------------------------------------
    @property
    def words(self) -> list[str]:
        """The vocabulary, row order (gensim's ``index_to_key``); a loaded model's list is
        made on first use."""
        if self._words is None:
            self._words = self._stored.to_list()
        return self._words

    def _word(self, i: int) -> str:
        """The word of row ``i``, without making the list of a loaded model."""
        return self._words[i] if self._words is not None else self._stored.word(i)

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        kind = self.params.get("kind", "words")
        source = self.params.get("corpus") or self.params.get("source")
        parts = [f"{len(self):,} {'nodes' if kind == 'graph' else 'words'} × {self.dim} dims"]
        if source:
            parts.append(f"from {source!r}")
        if self.lowercases:
            parts.append("lower-cased")
        parts.append("with counts" if self.counts is not None else "no counts")
        if self.subwords is not None:
            parts.append("with subwords")
        if self.rare is not None:
            parts.append(f"{len(self.rare):,} rare words")
        return f"<Embedding: {', '.join(parts)}>"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    #: gensim's name for :attr:`dim`.
    vector_size = dim

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:  # a duplicate word maps to its first row, as a scan finds it
            self._index = dict(zip(reversed(self.words), range(len(self) - 1, -1, -1)))
        return self._index

    @property
    def key_to_index(self) -> dict[str, int]:
        """Word → row (gensim's ``KeyedVectors.key_to_index``)."""
        return self.index

    @property
    def index_to_key(self) -> list[str]:
        """Row → word (gensim's ``KeyedVectors.index_to_key``)."""
        return self.words

    @property
    def lowercases(self) -> bool:
        """Whether the corpus was lower-cased before counting (recorded in the model's
        parameters): queries are then lower-cased too.  An imported model never is."""
        return bool(self.params.get("lowercase", False))

    def normalize(self, word: str) -> str:
        """``word`` as the model's tokenizer wrote its corpus: the tokenizer recorded in the
        model's parameters (pattern, lower-casing), when it makes one token of the query
        ('Great!' → 'great'); else lower-cased if the corpus was.  A model that records no
        tokenizer (imported vectors, graphs) takes queries as typed."""
        if "lowercase" not in self.params and "pattern" not in self.params:
            return word
        if getattr(self, "_tokenizer", None) is None:
            from .tokenize import Tokenizer

            try:
                self._tokenizer = Tokenizer(self.params.get("pattern"), self.lowercases)
            except ParameterError:  # a pattern this version cannot compile: case only
                self._tokenizer = False
        tokens = self._tokenizer.tokenize(word) if self._tokenizer else []
        if len(tokens) == 1:
            return tokens[0]
        return word.lower() if self.lowercases else word

    def _row(self, word: str) -> int | None:
        """Row of exactly ``word``, or None.  A large vocabulary answers its first few
        look-ups by scanning the word list (a loaded model: its bytes, ~10 ms for 3 M words)
        instead of building the word → row dictionary (about a second), which a single
        query does not repay."""
        if self._index is None and (self._words is None or len(self) > _SCAN_BELOW_WORDS):
            found = self._scanned
            if word in found:
                return found[word]
            if len(found) < _SCANS:
                if self._words is None:  # a loaded model: a byte search of its word list
                    found[word] = self._stored.find(word)
                else:
                    try:
                        found[word] = self.words.index(word)
                    except ValueError:
                        found[word] = None
                return found[word]
        return self.index.get(word)

    def key(self, word: str) -> str | None:
        """The vocabulary entry a query means: ``word`` itself, else its normalised form,
        else None."""
        if self._row(word) is not None:
            return word
        import unicodedata

        nfc = unicodedata.normalize("NFC", word)  # every text embedkit reads is NFC
        if nfc != word and self._row(nfc) is not None:
            return nfc
        w = self.normalize(nfc)
        return w if w != nfc and self._row(w) is not None else None

    def _keys(self, words: Sequence[str]) -> tuple[list[str | None], list[int | None]]:
        """:meth:`key` of each of ``words`` and its row (None, None: not known).  A loaded
        model asked for many words finds them all in its stored word list at once
        (:meth:`StoredWords.rows`) instead of building the word → row dictionary."""
        if self._index is not None or self._stored is None or len(words) <= _SCANS:
            keys = [self.key(w) for w in words]
            return keys, [None if k is None else self._row(k) for k in keys]
        import unicodedata

        keys: list[str | None] = list(words)
        rows: list[int | None] = [None if r < 0 else r for r in self._stored.rows(words).tolist()]
        missed = [j for j, r in enumerate(rows) if r is None]
        # as key(): the NFC form, else the form the corpus's tokenizer gives
        nfc = {j: unicodedata.normalize("NFC", words[j]) for j in missed}
        norm = {j: self.normalize(nfc[j]) for j in missed}
        tries = [j for j in missed if nfc[j] != words[j]] + [j for j in missed if norm[j] != nfc[j]]
        forms = [nfc[j] for j in missed if nfc[j] != words[j]] + [norm[j] for j in missed if norm[j] != nfc[j]]
        found = self._stored.rows(forms).tolist() if forms else []
        for j in missed:
            keys[j] = None
        for j, form, r in zip(tries, forms, found):
            if keys[j] is None and r >= 0:
                keys[j], rows[j] = form, r
        return keys, rows

    def __contains__(self, word: object) -> bool:
        """A word the model has (as :meth:`key` finds it), or a row number in range (as in
        gensim, whose keys may be row numbers)."""
        if _is_row_number(word):
            return 0 <= word < len(self)  # type: ignore[operator]
        return isinstance(word, str) and self.key(word) is not None

    def _word_of(self, key):
        """A row number as the word of that row (checked, as :meth:`_row_number`); any
        other key as given.  Every query that takes words takes row numbers through it."""
        return self.words[self._row_number(key)] if _is_row_number(key) else key

    def has_index_for(self, word: str) -> bool:
        return word in self

    def id(self, word: str) -> int:
        """Row of ``word`` (normalised as the corpus was); raises :class:`UnknownWordError`
        (a ``KeyError``) naming it, with the closest spellings.  An int is a row number
        already (checked to be one, as gensim's ``get_index``)."""
        if not isinstance(word, str) and isinstance(word, (int, np.integer)):
            return self._row_number(word)
        k = self.key(word)
        if k is None:
            raise UnknownWordError(self.unknown_message(word, ngrams_tried=False), word=word)
        return self._row(k)

    get_index = id

    def __getitem__(self, key: str | int | Sequence[str | int]) -> np.ndarray:
        """The vector (dim,) of a word (:meth:`vector`) or of a row number ``i``, 0 ≤ i <
        ``len(self)`` (the row of ``words[i]``, as gensim's ``KeyedVectors[i]``); a sequence
        of words and row numbers gives (k, dim).  Raises :class:`UnknownWordError` (a
        ``KeyError``, as gensim) for an unknown word or a row number out of range."""
        if isinstance(key, (str, int, np.integer)):
            return self._vector_of(key)
        return np.stack([self._vector_of(k) for k in key]) if len(key) else self.vectors[[]]

    def _vector_of(self, key: str | int) -> np.ndarray:
        if isinstance(key, str):
            return self.vector(key)
        return np.asarray(self.vectors[self._row_number(key)])

    def _row_number(self, i: int) -> int:
        """``i`` as a row of the matrix, or UnknownWordError (gensim's KeyError)."""
        if not 0 <= i < len(self):
            raise UnknownWordError(f"row {i} is not in the model (rows 0 … {len(self) - 1:,})", str(i))
        return int(i)

    def get_vector(self, word: str | int, norm: bool = False) -> np.ndarray:
        """The vector of ``word`` (dim,), a copy; unit length with ``norm=True``.  A word
        outside the vocabulary of a model with subwords is built from its n-grams
        (:meth:`vector`); an int is a row number, as in :meth:`__getitem__`."""
        if not isinstance(word, str) and isinstance(word, (int, np.integer)):
            row = self._row_number(word)
            v = np.asarray(self.vectors[row : row + 1], dtype=np.float32)
            return np.array((unit_rows(v) if norm else v)[0])
        if norm:
            return self.query_vectors([word])[0][0].copy()
        return np.array(self.vector(word), dtype=np.float32)

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word`` (dim,): its row, or for a word outside the vocabulary of a
        model with subwords, its n-gram vector scaled to the mean length of the rows (so
        averages of vectors weigh it like a word of the vocabulary).  Raises
        :class:`UnknownWordError` for an unknown word that cannot be built."""
        k = self.key(word)
        if k is not None:
            return np.asarray(self.vectors[self._row(k)])
        return self._built_unit(word) * self._mean_norm()

    def unseen_vectors(self, words: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The words among ``words`` (all outside the vocabulary) that the model's subwords
        can build, and their vectors (k × dim, float32, scaled as in :meth:`vector`); none
        without subwords.  One batch: for the many unseen words of a text."""
        if not self.builds_unseen or not words:
            return [], np.zeros((0, self.dim), np.float32)
        forms = [self.normalize(w) for w in words]
        if self.subwords is not None:
            v, _ = self.subwords.vectors(self.unit, forms)
        else:
            v = np.zeros((len(words), self.dim), np.float32)
        for j, w in enumerate(forms):
            i = None if self.rare is None else self.rare.find(w)
            if i is not None:
                v[j] = self.rare.vectors[i]
        norms = np.linalg.norm(v, axis=1)
        ok = norms > 0
        scaled = v[ok] * (self._mean_norm() / norms[ok])[:, None]
        return [w for w, keep in zip(words, ok) if keep], scaled.astype(np.float32)

    def _mean_norm(self) -> np.float32:
        if getattr(self, "_mean_norm_value", None) is None:
            rows = np.linalg.norm(np.asarray(self.vectors, dtype=np.float32), axis=1)
            self._mean_norm_value = np.float32(rows.mean() if rows.size else 1.0)
        return self._mean_norm_value

    @property
    def builds_unseen(self) -> bool:
        """Whether some words outside the vocabulary get a vector (subwords or rare words)."""
        return self.subwords is not None or self.rare is not None

    def rare_count(self, word: str) -> int | None:
        """The corpus count of ``word`` when it is one of the model's rare words (below the
        vocabulary's cut, its vector folded in from its contexts), else None."""
        if self.rare is None or self.key(word) is not None:
            return None
        i = self.rare.find(self.normalize(word))
        return None if i is None else int(self.rare.counts[i])

    def from_subwords(self, words: Iterable[str]) -> dict[str, int]:
        """Which of ``words`` are outside the vocabulary and built — from their n-grams, or
        as rare words (:meth:`rare_count`) — each with the number of its n-grams the model
        knows (0 for a rare word of a model without subwords; empty when the model builds
        no unseen word; a word that cannot be built is left out)."""
        out = {}
        for w in words:
            if self.builds_unseen and self.key(w) is None:
                try:
                    self._built_unit(w)
                except UnknownWordError:
                    continue
                out[w] = self._built[self.normalize(w)][1]
        return out

    def _built_unit(self, word: str) -> np.ndarray:
        """Unit vector of an unknown word from its n-grams (normalised as the corpus was;
        cached); raises :class:`UnknownWordError` without subwords or known n-grams."""
        w = self.normalize(word)
        i = None if self.rare is None else self.rare.find(w)
        if i is not None and w not in self._built:
            v = self.rare.vectors[i].astype(np.float32)
            found = self.subwords.ngram_matrix([w]).indptr[1:] if self.subwords is not None else [0]
            norm = float(np.linalg.norm(v))
            if norm > 0:
                self._built[w] = (v / np.float32(norm), int(found[0]))
        if self.subwords is None and w not in self._built:
            raise UnknownWordError(self.unknown_message(word), word=word)
        if w not in self._built:
            v, found = self.subwords.vectors(self.unit, [w])
            norm = float(np.linalg.norm(v[0]))
            if norm == 0:
                raise UnknownWordError(self.unknown_message(word), word=word)
            self._built[w] = (v[0] / np.float32(norm), int(found[0]))
        return self._built[w][0]

    def query_vectors(self, words: Sequence[str]) -> tuple[np.ndarray, list[int | None]]:
        """Unit vectors of ``words`` (len(words) × dim, float32) and their rows (None for
        a word built from its n-grams); raises :class:`UnknownWordError` as :meth:`vector`.
        Only the rows asked for are read (a memory-mapped model is not scaled whole)."""
        _, rows = self._keys(words)
        out = np.empty((len(words), self.dim), np.float32)
        have = [j for j, i in enumerate(rows) if i is not None]
        if have:
            out[have] = self._unit_rows(np.array([rows[j] for j in have], np.int64))
        for j, (w, i) in enumerate(zip(words, rows)):
            if i is None:
                out[j] = self._built_unit(w)
        return out, rows

    def _unit_rows(self, at: np.ndarray) -> np.ndarray:
        """Rows ``at`` (any shape of row ids ≥ 0) scaled to unit length as :meth:`_unit_row`
        scales one (float32, shape ``at.shape + (dim,)``); only those rows are read."""
        if self._unit is not None:
            return self._unit[at]
        norms = self.row_norms[at]
        return np.asarray(self.vectors[at], dtype=np.float32) / np.where(norms > 0, norms, 1)[..., None]

    def _exact_cosines(self, queries: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Cosines (q × k, float64) of unit ``queries`` (q × dim, float32 or float64) with the rows
        ``ids`` (q × k, −1: none → −inf), as float64 dot products of the two float32 unit
        vectors: the score a pair gets whatever batch, block or index found it, and the
        one :meth:`similarity` gives (a float32 product's last digit depends on the
        shapes it was computed in)."""
        out = np.full(ids.shape, -np.inf)
        step = max(1, _RESCORE_BLOCK // max(1, ids.shape[1] * self.dim * 2))

        def block_of(q0: int) -> None:
            block = ids[q0 : q0 + step]
            rows = self._unit_rows(np.where(block >= 0, block, 0)).astype(np.float64)
            dots = np.einsum("qkd,qd->qk", rows, queries[q0 : q0 + step].astype(np.float64))
            out[q0 : q0 + step] = np.where(block >= 0, dots, -np.inf)

        # the gathers and products release the GIL: blocks of queries on the product threads
        on_product_threads(block_of, range(0, len(ids), step))
        return out

    def _unit_row(self, i: int) -> np.ndarray:
        """Row ``i`` scaled to unit length as :attr:`unit` has it (a zero row stays zero)."""
        if self._unit is not None:
            return self._unit[i]
        norm = self.row_norms[i]
        return np.asarray(self.vectors[i], dtype=np.float32) / (norm if norm > 0 else np.float32(1))

    @property
    def row_norms(self) -> np.ndarray:
        """L2 norm of every row (n,), float32: stored in the model file (read, not
        recomputed, when a large model is loaded), else computed a block at a time."""
        if getattr(self, "_norms", None) is None:
            out = np.empty(len(self), np.float32)
            step = max(1, SEARCH_BLOCK // max(self.dim, 1))
            for r0 in range(0, len(self), step):
                out[r0 : r0 + step] = np.linalg.norm(np.asarray(self.vectors[r0 : r0 + step], np.float32), axis=1)
            self._norms = out
        return self._norms

    def _safe_norms(self) -> np.ndarray:
        """:attr:`row_norms` with 1 for a zero row (which then stays zero)."""
        if getattr(self, "_nonzero_norms", None) is None:
            norms = self.row_norms
            self._nonzero_norms = np.where(norms > 0, norms, np.float32(1))
        return self._nonzero_norms

    def _unit_block(self, r0: int, r1: int) -> np.ndarray:
        """Rows r0 … r1 − 1 at unit length, float32, exactly as :attr:`unit` has them (x / ‖x‖)."""
        if self._unit is not None:
            return self._unit[r0:r1]
        return np.asarray(self.vectors[r0:r1], dtype=np.float32) / self._safe_norms()[r0:r1, None]

    def suggestions(self, word: str, n: int = 3) -> list[str]:
        """Vocabulary words closest to ``word``: by edit distance between the normalised
        query and the words (case ignored first, then exact), then by frequency.

        Candidates are the words within two edits (Norvig's spelling corrector), looked up
        in a case-folded index built on first use, so a 3 M-word vocabulary costs one pass."""
        q = self.normalize(word).lower()
        folded = self._folded_index()
        alphabet = self._alphabet(q)
        found: dict[str, int] = {}
        if q in folded:
            found[q] = 0
        ones = _edits1(q, alphabet)
        for e in ones:
            if e in folded and e not in found:
                found[e] = 1
        if len(found) < n and len(q) <= 24:
            for e1 in ones:
                for e in _edits1(e1, alphabet):
                    if e in folded and e not in found:
                        found[e] = 2
        counts = self.counts
        candidates = []
        for f, dist in found.items():
            for i in folded[f]:
                w = self.words[i]
                freq = -int(counts[i]) if counts is not None else i
                candidates.append((dist, _levenshtein(word, w), freq, i))
        candidates.sort()
        return [self.words[c[3]] for c in candidates[:n]]

    def _folded_index(self) -> dict[str, list[int]]:
        if getattr(self, "_folded", None) is None:
            folded: dict[str, list[int]] = {}
            for i, w in enumerate(self.words):
                folded.setdefault(w.lower(), []).append(i)
            self._folded = folded
        return self._folded

    def _alphabet(self, query: str) -> str:
        """The characters of the 10,000 most frequent words, and the query's."""
        if getattr(self, "_chars", None) is None:
            order = np.argsort(-self.counts, kind="stable")[:10_000] if self.counts is not None else range(10_000)
            words = self.words
            self._chars = {ch.lower() for i in order if i < len(words) for ch in words[i]}
        return "".join(sorted(self._chars | set(query)))

    def unknown_message(self, word: str, ngrams_tried: bool | None = None) -> str:
        """Why ``word`` has no vector, with the closest spellings.  ``ngrams_tried``
        (default: the model has subwords) adds that none of its n-grams is known either."""
        if not self.normalize(word).strip():
            return f"{word!r} is an empty query (give a word)"
        close = self.suggestions(word)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        # with subwords a word is unknown only when none of its n-grams is known either
        tried = self.subwords is not None if ngrams_tried is None else ngrams_tried
        parts = " and none of its n-grams is known" if tried else ""
        return f"{word!r} is not in the vocabulary ({len(self):,} words){parts}{hint}"

    @property
    def unit(self) -> np.ndarray:
        """Rows scaled to unit length (float32; zero rows stay zero)."""
        if self._unit is None:
            self._unit = unit_rows(np.asarray(self.vectors, dtype=np.float32))
        return self._unit

    def with_subwords(
        self,
        minn: int = DEFAULT_MINN,
        maxn: int = DEFAULT_MAXN,
        buckets: int = DEFAULT_BUCKETS,
        weight: float | None = None,
        min_words: int = DEFAULT_MIN_WORDS,
        coherence: float = DEFAULT_COHERENCE,
        ridge: float = DEFAULT_RIDGE,
        rare_weight: float = DEFAULT_RARE_WEIGHT,
    ) -> Embedding:
        """A copy whose words are mixed with their character n-grams and which builds a
        vector for any string (:func:`embedkit.subwords.fit_subwords`; fastText's n-grams,
        Bojanowski et al. 2017; their vectors fitted by ridge regression with λ = ``ridge``,
        or with ``ridge=0`` the means of their words' unit vectors).  Works for any vectors,
        imported ones included; raises :class:`ParameterError` on a bad setting,
        :class:`DataError` for a model that already has subwords or whose rows are graph
        nodes (an id's spelling says nothing of it).  The copy's :attr:`params` record the
        settings under ``train-words``' names (``subwords``, ``minn``, … ``subword_ridge``).

        A model with rare words (:attr:`rare`, folded in from their contexts) lends them to
        the ridge fit as extra rows weighing ``rare_weight`` ω each (0: not at all), so the
        n-grams learn from the words the vocabulary cut (:func:`fit_subwords`); their
        vectors are then mixed with their n-grams (:meth:`with_rare_words`).
        ``weight`` β None: :data:`DEFAULT_WEIGHT` (1.25), or 1.5 when rare words join the fit.
        These defaults (and λ, the n-gram lengths 3–6 and 2,000,000 buckets, fastText's)
        were chosen on held-out words: BENCHMARKS.md "Subwords: words from their parts"."""
        if self.subwords is not None:
            raise DataError("the model already has subword vectors (fit them again from the model they were fitted to)")
        if self.params.get("kind") == "graph":
            raise DataError("the model's rows are graph nodes: their ids have no parts that mean anything")
        rare = self.rare if self.rare is not None and rare_weight > 0 and ridge > 0 else None
        if weight is None:
            weight = DEFAULT_WEIGHT if rare is None else DEFAULT_WEIGHT_WITH_RARE
        vectors, sub = fit_subwords(
            self.words, self.vectors, minn, maxn, buckets, weight, min_words, coherence, ridge,
            product=RowSplitMatmul, parallel=on_product_threads,
            extra_words=None if rare is None else rare.words,
            extra_vectors=None if rare is None else rare.vectors.astype(np.float32), extra_weight=rare_weight,
        )  # fmt: skip
        settings = {"subwords": True, "minn": minn, "maxn": maxn, "buckets": buckets, "subword_weight": weight,
                    "subword_min_words": min_words, "subword_coherence": coherence, "subword_ridge": ridge}  # fmt: skip
        if self.rare is not None:
            settings["subword_rare_weight"] = rare_weight
        out = Embedding(self.words, vectors, self.counts, {**self.params, **settings}, sub)
        if self.rare is not None:  # their folded-in vectors, now mixed with their n-grams
            out = out.with_rare_words(self.rare.words, self.rare.counts, self.rare.vectors.astype(np.float32))
        return out

    def with_rare_words(self, words: Sequence[str], counts: np.ndarray, folded: np.ndarray) -> Embedding:
        """A copy that also answers for ``words`` (outside the vocabulary, e.g. below its
        cut) with the vectors ``folded`` (len(words) × dim, from their contexts:
        :func:`embedkit.linalg.fold_in_vectors`), stored as :class:`RareWords` (float16).

        With subwords each is mixed with its n-grams as a vocabulary word is, leaning on
        the n-grams the fewer times it was seen: f' = ‖f‖ unit(c/(c + k) f̂ + k/(c + k) n̂)
        (c its count, k = :data:`embedkit.options.RARE_NGRAM_PRIOR`; measured in
        BENCHMARKS.md "Subwords"); a word without known n-grams keeps f.  Raises
        :class:`ValueError` when the shapes do not match."""
        folded = np.asarray(folded, dtype=np.float32)
        counts = np.asarray(counts, dtype=np.int64)
        if folded.shape != (len(words), self.dim) or counts.shape != (len(words),):
            raise ValueError(f"{len(words)} rare words, {counts.shape} counts and vectors {folded.shape} do not match")
        if self.subwords is not None and len(words):
            n, _ = self.subwords.vectors(self.unit, list(words))
            c = counts.astype(np.float32)[:, None]
            k = np.float32(RARE_NGRAM_PRIOR)
            mixed = c / (c + k) * unit_rows(folded) + k / (c + k) * unit_rows(n)
            folded = unit_rows(mixed) * np.linalg.norm(folded, axis=1, keepdims=True)
        out = Embedding(self.words, self.vectors, self.counts, self.params, self.subwords, self._norms)
        out.rare = RareWords(words, counts, folded)
        return out

    # -- queries (gensim's KeyedVectors surface) -------------------------------------
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words (or row numbers, as gensim's keys), a float in
        [−1, 1] (an unknown word built from its n-grams when the model has subwords); words
        normalised as the corpus was ('Dog' → 'dog' in a lower-cased model).  Raises
        :class:`UnknownWordError` (a ``KeyError``) naming a word that has no vector, with
        the closest spellings, or a row number out of range."""
        v, _ = self.query_vectors([self._word_of(a), self._word_of(b)])
        return float(v[0].astype(np.float64) @ v[1].astype(np.float64))

    def distance(self, a: str, b: str) -> float:
        """1 − cosine similarity (gensim's ``distance``)."""
        return 1.0 - self.similarity(a, b)

    def n_similarity(self, words1: Sequence[str], words2: Sequence[str]) -> float:
        """Cosine between the means of two word sets' vectors (gensim's ``n_similarity``).
        Raises ZeroDivisionError when a set is empty, as gensim does."""
        if not len(words1) or not len(words2):
            raise ZeroDivisionError("at least one of the word sets is empty")
        a = np.asarray(self[list(words1)], dtype=np.float64).mean(axis=0)
        b = np.asarray(self[list(words2)], dtype=np.float64).mean(axis=0)
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    def doesnt_match(self, words: Iterable[str]) -> str:
        """The word furthest from the mean of the unit vectors of ``words`` (unknown words
        are left out; gensim's ``doesnt_match``).  ValueError if none is known."""
        used = [w for w in words if w in self]
        if not used:
            raise ValueError("cannot select a word from an empty list")
        v = self.unit[[self.id(w) for w in used]].astype(np.float64)
        mean = v.mean(axis=0)
        mean /= np.linalg.norm(mean) or 1.0
        return min(zip((v @ mean).tolist(), used))[1]

    def most_similar(
        self,
        positive: str | np.ndarray | Iterable = (),
        negative: str | np.ndarray | Iterable = (),
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """Words closest by cosine to the mean of the ``positive`` minus the ``negative``
        items, best first, as gensim's ``most_similar``.

        An item is a word or a row number (its unit vector; that word is then never an answer), a
        vector (dim,) used as given, or a (word or vector, weight) pair whose weight
        replaces the default +1 / −1 (in ``negative`` too, as in gensim).  ``restrict_vocab``
        searches the first N rows only; ``topn=None`` returns the cosines of all (n,).
        Returns at most ``topn`` (word, cosine) pairs (fewer when fewer rows remain; none,
        with an :class:`EmbedkitWarning`, when the query is an all-zero vector).
        Raises UnknownWordError (a KeyError) for a word not in the vocabulary;
        :class:`ParameterError` for a ``topn`` that is not a whole number ≥ 1, a negative
        ``restrict_vocab``, a vector without ``dim`` values or holding NaN / infinity."""
        items = [(x, 1.0) for x in _items(positive)] + [(x, -1.0) for x in _items(negative)]
        # a (key, weight) pair's weight is used as given, in negative too (as gensim does)
        items = [(x[0], float(x[1])) if isinstance(x, tuple) else (x, sign) for x, sign in items]
        items = [(self._word_of(x), weight) for x, weight in items]  # a row number is its word
        if not items:
            raise ParameterError("give at least one word or vector")
        if topn is not None:
            check_count("topn", topn)
        parts, exclude, words = [], [], []
        for key, weight in items:
            if isinstance(key, str):
                v, (i,) = self.query_vectors([key])
                if i is not None:
                    exclude.append(i)
                words.append(v[0])
                parts.append(weight * v[0].astype(np.float64))
            else:
                vec = np.asarray(key, dtype=np.float64).reshape(-1)
                if vec.shape != (self.dim,):
                    raise ParameterError(f"a query vector must have {self.dim} values, got {vec.size}")
                if not np.isfinite(vec).all():
                    raise ParameterError("a query vector holds NaN or infinity: it has no direction to search")
                parts.append(weight * vec)
        query = np.mean(parts, axis=0).astype(np.float32)
        limit = self._limit(restrict_vocab)
        if topn is None:
            norm = np.linalg.norm(query)
            query = query / norm if norm > 0 else query
            step = 1 << 13
            return np.concatenate([self._unit_block(r0, min(r0 + step, limit)) @ query for r0 in range(0, limit, step)])
        if not query.any():  # as neighbors(): a zero vector has no direction, no word is nearer than another
            import warnings

            warnings.warn(EmbedkitWarning("the query is an all-zero vector: it has no neighbours"), stacklevel=2)
            return []
        # no more answers than rows: search pads to topn, and a topn of 10**9 would be 8 GB of padding
        ids, _ = self.search(query[None, :], min(topn, limit) or 1, np.array([exclude or [-1]]), restrict_vocab)
        if len(items) == 1 and words and items[0][1] > 0:  # one word: its unit row, as similarity() has it
            unit = words[0][None, :].astype(np.float64)
        else:
            q64 = query.astype(np.float64)
            unit = (q64 / np.linalg.norm(q64))[None, :]
        ids, scores = _best_first(ids, self._exact_cosines(unit, ids))  # the scores neighbors() gives
        return self._answers(ids[0], scores[0])

    def similar_by_word(self, word: str, topn: int = 10, restrict_vocab: int | None = None):
        """The ``topn`` nearest words of ``word`` (gensim's ``similar_by_word``)."""
        return self.most_similar([word], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vector: np.ndarray, topn: int = 10, restrict_vocab: int | None = None):
        """The ``topn`` nearest words of a vector (dim,) (gensim's ``similar_by_vector``)."""
        return self.most_similar([np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def _limit(self, restrict_vocab: int | None) -> int:
        if restrict_vocab is None:
            return len(self)
        check_count("restrict_vocab", restrict_vocab, 0)
        return min(int(restrict_vocab), len(self))

    def search(
        self,
        queries: np.ndarray,
        topn: int = 10,
        exclude: np.ndarray | None = None,
        restrict_vocab: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact nearest rows by cosine of a batch of query vectors: every score computed.

        queries : (q, dim) float, each used at unit length (a zero query matches nothing);
        exclude : (q, m) int, rows never returned for that query (−1 pads); ``restrict_vocab``
        searches the first N rows only.  Returns ids (q, topn) int64 and cosines (q, topn)
        float32, best first, ties to the lower row; a query with fewer than ``topn``
        answers is padded with id −1 and score −inf.

        Blocked matrix products: up to :data:`QUERY_CHUNK` queries against as many rows as
        keep the score block within :data:`SEARCH_BLOCK` floats, float32 products by the
        BLAS on every core; each block is folded into the running top-k by one threshold
        pass (:func:`embedkit.kernels.merge_top`).  The rows are read a block at a time, so a
        memory-mapped model is never copied whole.  ``progress(n)`` receives rows scanned
        (total: rows × ⌈q / QUERY_CHUNK⌉).  Raises :class:`ParameterError` for a bad shape
        or a query holding NaN or infinity."""
        check_count("topn", topn)
        # C order: a Fortran-ordered batch took another BLAS path, and its cosines another last digit
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if q.ndim != 2 or q.shape[1] != self.dim:
            raise ParameterError("queries", q.shape, f"must be an array of shape (q, {self.dim})")
        if not np.isfinite(q).all():
            bad = int(np.flatnonzero(~np.isfinite(q).all(axis=1))[0])
            raise ParameterError(f"{param('queries')} row {bad} holds NaN or infinity: it has no direction to search")
        norms = np.linalg.norm(q, axis=1, keepdims=True)
        q = q / np.where(norms > 0, norms, 1)

        def score(block: np.ndarray, qs: slice, r0: int) -> np.ndarray:
            return q[qs] @ block.T

        limit = self._limit(restrict_vocab)
        if limit * self.dim <= _UNIT_ROWS_UP_TO:  # rows scaled first: cosines exactly as `unit` gives them
            return self._scan(len(q), score, topn, exclude, limit, progress, np.ones(len(self), np.float32))
        # a large model: dot products times 1 / |x| in the top-k pass, one read of the rows
        return self._scan(len(q), score, topn, exclude, limit, progress, 1 / self._safe_norms(), unit=False)

    def _scan(self, nq: int, score, topn: int, exclude, limit: int, progress, scale, width: int = 1, unit=True):
        """The blocked top-k of :meth:`search`: ``score(rows, qs, r0)`` gives the (chunk × b)
        scores of queries ``qs`` against the block of rows from ``r0`` (float32), times ``scale`` of those
        rows; ``width`` products per score (3 for analogies) shrinks the blocks."""
        k = min(topn, limit) or 1
        top_s = np.full((nq, k), -np.inf, np.float32)
        top_i = np.full((nq, k), -1, np.int64)
        ex = None if exclude is None else np.asarray(exclude, dtype=np.int64).reshape(nq, -1)
        chunk = max(1, min(nq, QUERY_CHUNK))
        step = int(max(SEARCH_BLOCK // (chunk * width), 1024))
        if unit:  # a block of rows scaled to unit length stays in cache
            step = min(step, 1 << 13)
        # else the rows are read where they lie (a memory-mapped model: no copy): a few queries
        # score a large block in one product (3 M rows, one query: one call, against 367
        # calls of 8,192 rows that cost ten times the CPU, measured)
        for q0 in range(0, nq, chunk):
            qs = slice(q0, min(q0 + chunk, nq))
            for r0 in range(0, limit, step):
                r1 = min(r0 + step, limit)
                rows = self._unit_block(r0, r1) if unit else np.asarray(self.vectors[r0:r1], dtype=np.float32)
                s = np.ascontiguousarray(score(rows, qs, r0), dtype=np.float32)
                if ex is not None:
                    e = ex[qs]
                    rr, cc = np.nonzero((e >= r0) & (e < r1))
                    s[rr, e[rr, cc] - r0] = -np.inf
                _merge_top(s, np.ascontiguousarray(scale[r0:r1]), r0, top_s[qs], top_i[qs])
                if progress is not None:
                    progress(r1 - r0)
        if topn > k:
            pad = topn - k
            top_s = np.pad(top_s, ((0, 0), (0, pad)), constant_values=-np.inf)
            top_i = np.pad(top_i, ((0, 0), (0, pad)), constant_values=-1)
        return top_i, top_s

    def _rescore(self, queries: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Candidates ``ids`` (q × m, −1 for none) of unit ``queries`` (q × dim) with their
        exact cosines, each row sorted best first (ties to the lower row)."""
        scores = np.full(ids.shape, -np.inf, np.float32)
        step = max(1, _RESCORE_BLOCK // max(1, ids.shape[1] * self.dim))  # queries whose rows are gathered at once
        rows_of = np.asarray(self.vectors)  # a memory-mapped model: a plain view, no copy
        norms = self._safe_norms()

        def rescore(q0: int) -> None:
            block = ids[q0 : q0 + step]
            safe = np.where(block >= 0, block, 0)
            rows = np.take(rows_of, safe.ravel(), axis=0).reshape(*block.shape, self.dim)
            dots = np.matmul(rows, queries[q0 : q0 + step, :, None])[..., 0].astype(np.float32, copy=False)
            scores[q0 : q0 + step] = np.where(block >= 0, dots / norms[safe], -np.inf)

        # the gathers and products release the GIL: blocks of queries on the product threads
        on_product_threads(rescore, range(0, len(ids), step))
        return _best_first(ids, scores)

    def _answers(self, ids: np.ndarray, scores: np.ndarray) -> list[tuple[str, float]]:
        """(word, score) pairs of one query's row of :meth:`search`, padding left out."""
        return [(self._word(i), float(s)) for i, s in zip(ids.tolist(), scores.tolist()) if i >= 0]

    def neighbors(
        self,
        queries: Iterable[str],
        topn: int = 10,
        progress: Callable[[int], None] | None = None,
        index=None,
    ) -> tuple[list[tuple[str, str, float]], list[str]]:
        """Nearest words of each query word (a list of words, or one word as a str),
        normalised as the corpus was; the word itself is never its own neighbour.  All
        queries are answered as one batch (:meth:`search`).

        ``index``: an approximate index of these vectors (``index.search(unit_queries, k)``
        → ids, scores (q × k), as :class:`embedkit.ann.AnnIndex`) to ask instead of
        scoring every row: its best ``index.rerank`` candidates (at least topn + 1) are
        scored exactly, so the cosines returned are the true ones; a query for which it
        returns fewer than ``topn`` is answered by the exact search.  Returns (rows of
        (query, neighbor, cosine) in query order, the queries not found).  The command line's ``neighbors``."""
        check_count("topn", topn)
        queries = [queries] if isinstance(queries, str) else list(queries)  # one word, not its letters
        topn = min(topn, len(self))  # no more answers than rows (search pads to topn)
        keys, _ = self._keys(queries)
        built = self.from_subwords([q for q, k in zip(queries, keys) if k is None])
        known = [q for q, k in zip(queries, keys) if k is not None or q in built]
        unknown = [q for q, k in zip(queries, keys) if not (k is not None or q in built)]
        if not known:
            return [], unknown
        vectors, rows = self.query_vectors(known)
        own = np.array([[-1 if i is None else i] for i in rows], dtype=np.int64)
        if index is None:
            ids, scores = self.search(vectors, topn, own, progress=progress)
        else:
            # the index's own ranking may be coarse (quantised codes): it hands over its best
            # `rerank` candidates, and those are scored exactly here
            candidates, _ = index.search(vectors, max(topn + 1, int(getattr(index, "rerank", 0))))
            ids, scores = _without_own(*self._rescore(vectors, candidates), own[:, 0], topn)
            # a query the index left short of answers (its cells held too few rows, or the
            # codes' scan returned none) is answered by the exact search instead
            short = np.flatnonzero((ids >= 0).sum(1) < np.minimum(topn, len(self) - (own[:, 0] >= 0)))
            if len(short):
                ids[short], scores[short] = self.search(vectors[short], topn, own[short])
        ids, scores = _best_first(ids, self._exact_cosines(vectors, ids))
        zero = ~vectors.any(axis=1)
        if zero.any():  # a zero vector has no direction: every cosine with it is 0, no ranking
            import warnings

            first = [q for q, z in zip(known, zero) if z]
            warnings.warn(
                EmbedkitWarning(
                    f"{first[0]!r}{f' and {len(first) - 1} more' if len(first) > 1 else ''}: an all-zero vector "
                    "(a node without edges, or a row the model left empty) has no neighbours"
                ),
                stacklevel=2,
            )
            ids[zero] = -1
        out = []
        for q, i_row, s_row in zip(known, ids, scores):
            out.extend((q, w, s) for w, s in self._answers(i_row, s_row))
        return out, unknown

    def analogy(self, a: str, b: str, c: str, method: str = "3cosmul", topn: int = 10) -> list[tuple[str, float]]:
        """Answers to a : b :: c : ?, best first, with their scores; a, b and c are excluded.

        ``3cosadd`` (Mikolov et al. 2013): cos(x, b) − cos(x, a) + cos(x, c); ``3cosmul``
        (Levy & Goldberg, CoNLL 2014, "Linguistic regularities in sparse and explicit word
        representations"; the default): cos'(x, b)·cos'(x, c) / (cos'(x, a) + 0.001) with
        cos' = (cos + 1) / 2.  Returns at most ``topn`` (word, score) pairs.  Raises
        :class:`UnknownWordError` for a word that is not known, :class:`ParameterError` for
        a ``method`` not in :data:`embedkit.options.ANALOGY_METHODS` or a bad ``topn``.
        """
        check_count("topn", topn)
        check_choice("method", method, ANALOGY_METHODS)
        v, rows = self.query_vectors([a, b, c])
        ids, scores = self._analogy_top(v[None], [rows], method, min(topn, len(self)))
        return self._answers(ids[0], scores[0])

    def analogies(
        self,
        questions: Sequence[Sequence[str]],
        method: str = "3cosmul",
        topn: int = 10,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[list[list[tuple[str, float]] | None], list[str]]:
        """:meth:`analogy` for many (a, b, c) questions, answered as one batch of blocked
        products.  Returns (answers of each question, None for a question with an unknown
        word; the messages naming those words, one per such question)."""
        check_count("topn", topn)
        check_choice("method", method, ANALOGY_METHODS)
        vecs, rows, where, unknown = [], [], [], []
        for j, question in enumerate(questions):
            try:
                v, r = self.query_vectors(list(question))
            except UnknownWordError as exc:
                unknown.append(str(exc.args[0]) if exc.args else str(exc))
                continue
            vecs.append(v)
            rows.append(r)
            where.append(j)
        answers: list[list[tuple[str, float]] | None] = [None] * len(questions)
        if vecs:
            ids, scores = self._analogy_top(np.stack(vecs), rows, method, min(topn, len(self)), progress)
            for j, i_row, s_row in zip(where, ids, scores):
                answers[j] = self._answers(i_row, s_row)
        return answers, unknown

    def _analogy_top(self, v: np.ndarray, rows, method: str, topn: int, progress=None):
        """Top-``topn`` answers of questions with unit vectors v (q × 3 × dim) and rows
        (None for a built word), by blocked products as :meth:`search`."""
        nq = len(v)
        stacked = np.ascontiguousarray(v.transpose(1, 0, 2)).reshape(3 * nq, self.dim)

        def score(block: np.ndarray, qs: slice, r0: int) -> np.ndarray:
            m = qs.stop - qs.start
            picks = np.concatenate([np.arange(qs.start, qs.stop) + j * nq for j in range(3)])
            cos = stacked[picks] @ block.T
            return _analogy_from_cosines(cos[:m], cos[m : 2 * m], cos[2 * m :], [method])[0]

        exclude = np.array([[-1 if i is None else i for i in r] for r in rows], dtype=np.int64)
        ones = np.ones(len(self), np.float32)
        ids, _ = self._scan(nq, score, topn, exclude, len(self), progress, ones, width=3)
        # the answers' scores again from float64 cosines (:meth:`_exact_cosines`): the same
        # for a question asked alone or in a batch
        safe = np.where(ids >= 0, ids, 0)
        exact = _analogy_from_cosines(*(self._exact_cosines(v[:, j], safe) for j in range(3)), [method])[0]
        return _best_first(ids, np.where(ids >= 0, exact, -np.inf))

    # -- native model file -------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the native model file (``.ekm``, laid out in this module's docstring)
        atomically: the vectors as float32, counts int64, the words, the row norms, the
        subword and rare-word tables, and :attr:`params`.  Raises :class:`OutputError`
        when the file cannot be written (missing directory, full disk) — any previous
        file is left intact — and :class:`DataError` for a word holding a newline."""
        vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        counts = self.counts if self.counts is not None else np.zeros(len(self), np.int64)
        if any("\n" in w for w in self.words):
            raise DataError("a word contains a newline; it cannot be stored")
        blob = "\n".join(self.words).encode("utf-8")
        counts_offset = DATA_OFFSET + vectors.nbytes
        words_offset = counts_offset + counts.nbytes
        header_offset = words_offset + len(blob)
        sections = []  # the subword tables follow the words (a model without them ends there)
        fields = {
            "n": len(self),
            "dim": self.dim,
            "dtype": "float32",
            "vectors_offset": DATA_OFFSET,
            "counts_offset": counts_offset,
            "has_counts": self.counts is not None,
            "words_offset": words_offset,
            "words_nbytes": len(blob),
            "params": self.params,
        }
        norms = self.row_norms.astype("<f4").tobytes()  # read back by load: no pass over a large model
        fields["norms_offset"] = header_offset
        sections.append(norms)
        header_offset += len(norms)
        if self.subwords is not None:
            sw = self.subwords
            info = sw.settings()
            for name, array in (("keys", sw.keys.astype("<i8")), ("indptr", sw.indptr.astype("<i8")),
                                ("members", sw.members.astype("<i4"))):  # fmt: skip
                info[f"{name}_offset"] = header_offset
                sections.append(array.tobytes())
                header_offset += len(sections[-1])
            info["members_count"] = int(sw.members.size)
            if sw.dual is not None:
                info["dual_offset"], info["dual_dim"] = header_offset, int(sw.dual.shape[1])
                sections.append(np.ascontiguousarray(sw.dual, dtype="<f2").tobytes())
                header_offset += len(sections[-1])
            fields["subwords"] = info
        if self.rare is not None:
            rare_blob = "\n".join(self.rare.words).encode("utf-8")
            if any("\n" in w for w in self.rare.words):
                raise DataError("a rare word contains a newline; it cannot be stored")
            info = {"n": len(self.rare), "words_nbytes": len(rare_blob)}
            for name, data in (("vectors", np.ascontiguousarray(self.rare.vectors, dtype="<f2").tobytes()),
                               ("counts", self.rare.counts.astype("<i8").tobytes()), ("words", rare_blob)):  # fmt: skip
                info[f"{name}_offset"] = header_offset
                sections.append(data)
                header_offset += len(data)
            fields["rare"] = info
        header = json.dumps(fields, sort_keys=True).encode("utf-8")
        with atomic_output(path) as f:
            f.write(container_prelude(MAGIC, FORMAT_VERSION, header_offset, len(header)))
            f.write(vectors.tobytes())
            f.write(counts.astype("<i8").tobytes())
            f.write(blob)
            for section in sections:
                f.write(section)
            f.write(header)

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: bool = True) -> Embedding:
        """Read a native model file, memory-mapping the vectors (float32, read-only; with
        ``mmap=False`` read into memory).  Raises :class:`InputError` for a missing or
        unreadable file or one that is not an embedkit model (other formats:
        :func:`embedkit.formats.load_model`)."""
        p = check_readable(path)
        with open(p, "rb") as f:
            header, _ = read_container_header(f, p, MAGIC, FORMAT_VERSION, "model")
            try:
                n, dim = int(header["n"]), int(header["dim"])
                f.seek(header["words_offset"])
                words = StoredWords.read(f, header["words_nbytes"], n)
                f.seek(header["counts_offset"])
                counts = np.frombuffer(f.read(8 * n), dtype="<i8").astype(np.int64)
                subwords = _read_subwords(f, header["subwords"], n) if "subwords" in header else None
                rare = _read_rare(f, header["rare"], dim) if "rare" in header else None
                norms = None
                if "norms_offset" in header:
                    f.seek(header["norms_offset"])
                    norms = np.frombuffer(f.read(4 * n), dtype="<f4")
                    if norms.size != n:
                        raise ValueError("the row norms are truncated")
            except (ValueError, KeyError, UnicodeDecodeError) as exc:
                raise InputError(f"{p}: model file is corrupt ({exc})") from None
        if header["vectors_offset"] + 4 * n * dim > header["counts_offset"]:
            raise InputError(f"{p}: model file is corrupt (header does not match contents)")
        if mmap and n * dim:
            vectors = np.memmap(p, dtype="<f4", mode="r", offset=header["vectors_offset"], shape=(n, dim))
        else:
            with open(p, "rb") as f:
                f.seek(header["vectors_offset"])
                vectors = np.frombuffer(f.read(4 * n * dim), dtype="<f4").reshape(n, dim).copy()
        counts = counts if header.get("has_counts", True) else None
        return cls(words, vectors, counts, header.get("params", {}), subwords, norms, rare)

    # -- exports -----------------------------------------------------------------
    def export(self, path: str | os.PathLike, fmt: str, counts_path: str | os.PathLike | None = None) -> None:
        """Write the vectors as word2vec text/binary, GloVe text, or .npy (+ .words.txt).

        ``counts_path``: also write the word counts as gensim's vocabulary file (``fvocab``
        of ``save_word2vec_format``: 'word count' lines in row order), so that the counts
        travel with the vectors (:func:`embedkit.formats.read_word_counts` reads them back;
        SIF needs them).  ``npy`` writes ``path`` (n × dim float32) and the words one a line beside it
        (``vectors.npy`` → ``vectors.words.txt``).
        Raises :class:`ParameterError` for a ``fmt`` not in
        :data:`embedkit.options.EXPORT_FORMATS`, :class:`DataError` for a word the files
        cannot hold (empty; ASCII white space in a text format, a line break in
        ``.words.txt``) and :class:`OutputError` for a file that cannot be written (nothing
        half-written is left)."""
        check_choice("fmt", fmt, EXPORT_FORMATS)
        if counts_path is not None and self.counts is None:
            raise DataError("the model keeps no word counts to write")
        if fmt != "npy" or counts_path is not None:
            # ASCII white space separates the fields; a Unicode space (U+00A0, U+3000) is
            # part of a word, as in fastText's files, and reads back (io.ascii_fields)
            bad = next((w for w in self.words if not w or any(ch.isspace() and ch.isascii() for ch in w)), None)
            if bad is not None:
                what = "an empty word" if not bad else f"word {bad!r} contains white space"
                raise DataError(f"{what}; {fmt} files cannot hold it")
        else:  # .words.txt holds a word a line: any white space but a line break
            bad = next((w for w in self.words if w.splitlines() != [w]), None)
            if bad is not None:
                what = "an empty word" if not bad else f"word {bad!r} contains a line break"
                raise DataError(f"{what}; the one-word-a-line .words.txt beside an npy file cannot hold it")
        left = [f"{counted(len(self.rare), 'rare word')} (below the vocabulary's cut)"] if self.rare else []
        if self.subwords is not None:
            left.append("subword n-grams (which build the words outside it)")
        if left:  # a vector file holds one row a vocabulary word: say what stays behind
            import warnings

            warnings.warn(
                EmbedkitWarning(
                    f"the {fmt} file holds the vocabulary's vectors only, without the model's "
                    f"{' and '.join(left)}: queries for them need the model itself"
                ),
                stacklevel=2,
            )
        with output_group():  # the vectors and their counts (or .words.txt) together or neither
            if counts_path is not None:
                with atomic_output(counts_path, binary=False) as f:
                    f.writelines(f"{w} {int(c)}\n" for w, c in zip(self.words, self.counts))
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
