"""The Embedding: a vocabulary and its vectors, with the gensim-style queries, and its
native model file.

The native model file (``.ekm``) is a single file laid out for memory-mapping::

    bytes 0..63   b"EMBEDKIT", format version (uint32), header offset and length (uint64)
    64..          vectors, float32, row-major (n × dim)
    then          counts, int64 (n), and the words, UTF-8, one per line
    [subwords]    with subword vectors only: the kept n-gram buckets (int64, k), and for
                  each the vocabulary rows that contain it, CSR (indptr int64 k + 1,
                  rows int32); their offsets and settings are in the header's "subwords"
    last          a JSON header: shapes, offsets and every parameter that made the model

A model without subwords is laid out exactly as before them; a reader that does not know
the "subwords" entry loads the vectors and ignores the tables.

Loading reads the header and words and maps the vectors without copying them.  Other
vector formats are read in :mod:`embedkit.formats`.
"""

from __future__ import annotations

import difflib
import json
import os
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .errors import DataError, InputError, ParameterError, UnknownWordError
from .io import atomic_output, check_readable
from .subwords import (
    DEFAULT_BUCKETS,
    DEFAULT_COHERENCE,
    DEFAULT_MAXN,
    DEFAULT_MIN_WORDS,
    DEFAULT_MINN,
    DEFAULT_WEIGHT,
    Subwords,
    fit_subwords,
)

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
    if arrays["indptr"][-1] != nnz or (nnz and (arrays["members"].min() < 0 or arrays["members"].max() >= n)):
        raise ValueError("the subword tables do not match the vocabulary")
    return Subwords(
        int(info["minn"]), int(info["maxn"]), int(info["buckets"]), float(info["weight"]), int(info["min_words"]),
        float(info["coherence"]), arrays["keys"], arrays["indptr"], arrays["members"],
    )  # fmt: skip


class Embedding:
    """Vectors for a vocabulary of words (or graph nodes).

    Parameters
    ----------
    words : sequence of str, length n
    vectors : array of shape (n, dim)
    counts : int array of shape (n,), optional — corpus frequency of each word
    params : dict, optional — how the vectors were made (kept in the model file)
    subwords : :class:`embedkit.subwords.Subwords`, optional — with it, a word outside the
        vocabulary gets a vector built from its character n-grams in every query
        (:meth:`vector`, :meth:`similarity`, :meth:`most_similar`, :meth:`analogy`);
        without it, an unknown word raises :class:`UnknownWordError`
    """

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
        params: dict | None = None,
        subwords: Subwords | None = None,
    ) -> None:
        self.words = list(words)
        self.vectors = vectors
        if vectors.ndim != 2 or vectors.shape[0] != len(self.words):
            raise ValueError(f"vectors of shape {vectors.shape} do not match {len(self.words)} words")
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.params = dict(params or {})
        self.subwords = subwords
        self._index: dict[str, int] | None = None
        self._unit: np.ndarray | None = None
        self._built: dict[str, tuple[np.ndarray, int]] = {}

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
        return self.vector(word)

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word`` (dim,): its row, or for a word outside the vocabulary of a
        model with subwords, its n-gram vector scaled to the mean length of the rows (so
        averages of vectors weigh it like a word of the vocabulary).  Raises
        :class:`UnknownWordError` for an unknown word that cannot be built."""
        i = self.index.get(word)
        if i is not None:
            return np.asarray(self.vectors[i])
        return self._built_unit(word) * self._mean_norm()

    def unseen_vectors(self, words: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The words among ``words`` (all outside the vocabulary) that the model's subwords
        can build, and their vectors (k × dim, float32, scaled as in :meth:`vector`); none
        without subwords.  One batch: for the many unseen words of a text."""
        if self.subwords is None or not words:
            return [], np.zeros((0, self.dim), np.float32)
        v, _ = self.subwords.vectors(self.unit, list(words))
        norms = np.linalg.norm(v, axis=1)
        ok = norms > 0
        scaled = v[ok] * (self._mean_norm() / norms[ok])[:, None]
        return [w for w, keep in zip(words, ok) if keep], scaled.astype(np.float32)

    def _mean_norm(self) -> np.float32:
        if not hasattr(self, "_mean_norm_value"):
            rows = np.linalg.norm(np.asarray(self.vectors, dtype=np.float32), axis=1)
            self._mean_norm_value = np.float32(rows.mean() if rows.size else 1.0)
        return self._mean_norm_value

    get_vector = vector  # gensim's KeyedVectors name

    def from_subwords(self, words: Iterable[str]) -> dict[str, int]:
        """Which of ``words`` are outside the vocabulary but built from their n-grams, each
        with the number of its n-grams the model knows (empty without subwords).  Raises
        :class:`UnknownWordError` for an unknown word that cannot be built."""
        out = {}
        for w in words:
            if w not in self.index and self.subwords is not None:
                self._built_unit(w)
                out[w] = self._built[w][1]
        return out

    def _built_unit(self, word: str) -> np.ndarray:
        """Unit vector of an out-of-vocabulary word from its n-grams (cached)."""
        if word not in self._built:
            if self.subwords is None:
                raise UnknownWordError(self._unknown_message(word))
            v, found = self.subwords.vectors(self.unit, [word])
            norm = float(np.linalg.norm(v[0]))
            if norm == 0:
                raise UnknownWordError(
                    f"{word!r} is not in the vocabulary ({len(self)} words) and none of its character n-grams is known"
                )
            self._built[word] = (v[0] / np.float32(norm), int(found[0]))
        return self._built[word][0]

    def query_vectors(self, words: Sequence[str]) -> tuple[np.ndarray, list[int | None]]:
        """Unit vectors of ``words`` (len(words) × dim, float32) and their rows (None for
        a word built from its n-grams); raises :class:`UnknownWordError` as :meth:`vector`."""
        rows = [self.index.get(w) for w in words]
        u = self.unit
        out = np.empty((len(words), self.dim), np.float32)
        for k, (w, i) in enumerate(zip(words, rows)):
            out[k] = u[i] if i is not None else self._built_unit(w)
        return out, rows

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

    def with_subwords(
        self,
        minn: int = DEFAULT_MINN,
        maxn: int = DEFAULT_MAXN,
        buckets: int = DEFAULT_BUCKETS,
        weight: float = DEFAULT_WEIGHT,
        min_words: int = DEFAULT_MIN_WORDS,
        coherence: float = DEFAULT_COHERENCE,
    ) -> Embedding:
        """A copy whose words are mixed with their character n-grams and which builds a
        vector for any string (:func:`embedkit.subwords.fit_subwords`; fastText's n-grams,
        Bojanowski et al. 2017).  Works for any vectors, imported ones included; raises
        :class:`ParameterError` on a bad setting or a model that already has subwords."""
        if self.subwords is not None:
            raise ParameterError("the model already has subword vectors")
        vectors, sub = fit_subwords(self.words, self.vectors, minn, maxn, buckets, weight, min_words, coherence)
        return Embedding(self.words, vectors, self.counts, self.params, sub)

    # -- queries ------------------------------------------------------------------
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        v, _ = self.query_vectors([a, b])
        return float(v[0] @ v[1])

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
        v, rows = self.query_vectors(pos + neg)
        query = v[: len(pos)].sum(axis=0) - v[len(pos) :].sum(axis=0)
        norm = np.linalg.norm(query)
        if norm > 0:
            query = query / norm
        return self._top(self.unit @ query, topn, exclude=[i for i in rows if i is not None])

    def analogy(self, a: str, b: str, c: str, method: str = "3cosmul", topn: int = 10) -> list[tuple[str, float]]:
        """Answers to a : b :: c : ?, best first, with their scores; a, b and c are excluded.

        ``3cosadd``: cos(x, b) − cos(x, a) + cos(x, c); ``3cosmul`` (Levy & Goldberg 2014):
        cos'(x, b)·cos'(x, c) / (cos'(x, a) + 0.001) with cos' = (cos + 1) / 2.
        """
        if topn < 1:
            raise ParameterError(f"-k must be at least 1, got {topn}")
        if method not in ANALOGY_METHODS:
            raise ParameterError(f"--method must be one of {', '.join(ANALOGY_METHODS)}, got {method!r}")
        v, rows = self.query_vectors([a, b, c])
        sa, sb, sc = (self.unit @ v[j] for j in range(3))
        scores = _analogy_from_cosines(sa, sb, sc, [method])[0]
        return self._top(scores, topn, exclude=[i for i in rows if i is not None])

    def _top(self, scores: np.ndarray, topn: int, exclude: Sequence[int] = ()) -> list[tuple[str, float]]:
        scores = scores.astype(np.float64, copy=True)
        scores[list(exclude)] = -np.inf
        k = min(topn, len(scores) - len(set(exclude)))
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
        sections = []  # the subword tables follow the words (a model without them ends there)
        fields = {
            "n": len(self),
            "dim": self.dim,
            "dtype": "float32",
            "vectors_offset": _DATA_OFFSET,
            "counts_offset": counts_offset,
            "has_counts": self.counts is not None,
            "words_offset": words_offset,
            "words_nbytes": len(blob),
            "params": self.params,
        }
        if self.subwords is not None:
            sw = self.subwords
            info = sw.settings()
            for name, array in (("keys", sw.keys.astype("<i8")), ("indptr", sw.indptr.astype("<i8")),
                                ("members", sw.members.astype("<i4"))):  # fmt: skip
                info[f"{name}_offset"] = header_offset
                sections.append(array.tobytes())
                header_offset += len(sections[-1])
            info["members_count"] = int(sw.members.size)
            fields["subwords"] = info
        header = json.dumps(fields, sort_keys=True).encode("utf-8")
        with atomic_output(path) as f:
            f.write(_PRELUDE.pack(MAGIC, FORMAT_VERSION, 0, header_offset, len(header)).ljust(_DATA_OFFSET, b"\0"))
            f.write(vectors.tobytes())
            f.write(counts.astype("<i8").tobytes())
            f.write(blob)
            for section in sections:
                f.write(section)
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
                subwords = _read_subwords(f, header["subwords"], n) if "subwords" in header else None
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
        counts = counts if header.get("has_counts", True) else None
        return cls(words, vectors, counts, header.get("params", {}), subwords)

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
