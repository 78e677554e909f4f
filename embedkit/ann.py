"""An approximate nearest-neighbour index of a model, stored beside it as ``MODEL.index``.

The index is a graph of the model's unit rows searched by inner product (HNSW, Malkov &
Yashunin 2018), built and searched by the usearch library (the optional extra
``embedkit[ann]``).  Among the measured candidates (BENCHMARKS.md: faiss-cpu IVF and HNSW,
hnswlib, usearch) IVF missed the time target; usearch and hnswlib found the same
neighbours at equal settings (faiss's HNSW ran at twice the degree and led); usearch is
kept for being maintained, one wheel without an OpenMP runtime, and memory-mapping its
index file.
:meth:`embedkit.vectors.Embedding.neighbors` asks it for candidates and scores them
exactly, so an answer's cosine is always the true one; only a missed neighbour differs
from the exact search.

The file::

    bytes 0..63   b"EKINDEX\\0", format version (uint32), reserved, JSON offset and length (uint64)
    64..          usearch's serialised index (vectors and graph), memory-mapped when loaded
    last          a JSON header: the library and its version, rows, dimension, the build
                  settings, and the model file's fingerprint

The fingerprint (size, modification time, SHA-256 of the first and last MiB) ties the index
to one state of the model file: :func:`load_index` refuses an index whose model has changed
since (:class:`StaleIndexError`), so a stale index is never used silently.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .errors import DataError, EmbedkitError, InputError, check_at_least
from .io import atomic_output, check_readable
from .options import IndexOptions
from .vectors import DATA_OFFSET, Embedding, container_prelude, read_container_header

MAGIC = b"EKINDEX\0"
FORMAT_VERSION = 1
SUFFIX = ".index"
_SAMPLE = 1 << 20

#: Build and search settings (usearch's names for HNSW's M, efConstruction and ef).
DEFAULTS = IndexOptions()

_NEEDS_EXTRA = "an approximate index needs the ANN extra: pip install 'embedkit[ann]'"


class StaleIndexError(DataError):
    """The index was built for another state of the model file (or another model)."""


def index_path(model: str | os.PathLike) -> Path:
    """Where the index of ``model`` is stored: beside it, ``MODEL.index``."""
    return Path(f"{os.fspath(model)}{SUFFIX}")


def fingerprint(model: str | os.PathLike) -> dict:
    """Size, modification time (ns) and SHA-256 of the first and last MiB of a file: what
    changes when the model is retrained, replaced or edited."""
    p = Path(model)
    st = p.stat()
    with open(p, "rb") as f:
        head = hashlib.sha256(f.read(_SAMPLE)).hexdigest()
        f.seek(max(0, st.st_size - _SAMPLE))
        tail = hashlib.sha256(f.read(_SAMPLE)).hexdigest()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "head_sha256": head, "tail_sha256": tail}


def check_installed() -> None:
    """Raise :class:`EmbedkitError` (exit code 1) naming the extra when usearch is missing."""
    _usearch()


def _usearch():
    try:
        from usearch.index import Index
    except ImportError:
        raise EmbedkitError(_NEEDS_EXTRA) from None
    return Index


class AnnIndex:
    """A loaded index: :meth:`search` finds the approximate nearest rows of unit queries."""

    def __init__(self, index, meta: dict, path: Path | None = None, mapped: mmap.mmap | None = None) -> None:
        self._index = index
        self._mapped = mapped  # the file a viewed index reads from: kept open while it lives
        self.meta = meta
        self.path = path
        self.expansion_search = int(meta["params"]["expansion_search"])

    def __len__(self) -> int:
        return int(self.meta["n"])

    @property
    def dim(self) -> int:
        return int(self.meta["dim"])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Approximate top-``k`` rows by inner product of unit queries (q × dim): ids (q × k)
        int64 and cosines (q × k) float32, best first, padded with −1 / −inf.  The search
        widens its candidate list to at least ``k`` (HNSW's ef ≥ k)."""
        check_at_least("k", k)
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if q.ndim != 2 or q.shape[1] != self.dim:
            raise DataError(f"queries of shape {q.shape} for an index of dimension {self.dim}")
        self._index.expansion_search = max(self.expansion_search, k)
        m = self._index.search(q, min(k, len(self)) or 1, threads=0)
        keys = np.asarray(m.keys, dtype=np.int64).reshape(len(q), -1)
        dist = np.asarray(m.distances, dtype=np.float32).reshape(len(q), -1)
        counts = np.asarray(m.counts) if hasattr(m, "counts") else np.array([keys.shape[1]])  # one query: Matches
        found = np.arange(keys.shape[1])[None, :] < counts.reshape(-1, 1)
        ids = np.full((len(q), k), -1, np.int64)
        scores = np.full((len(q), k), -np.inf, np.float32)
        ids[:, : keys.shape[1]] = np.where(found, keys, -1)
        scores[:, : keys.shape[1]] = np.where(found, 1 - dist, -np.inf)
        return ids, scores


def build_index(
    emb: Embedding,
    model: str | os.PathLike,
    connectivity: int = DEFAULTS.connectivity,
    expansion_add: int = DEFAULTS.expansion_add,
    expansion_search: int = DEFAULTS.expansion_search,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Build the index of ``emb`` (loaded from the file ``model``) and write it atomically
    beside the model (:func:`index_path`); returns its path.

    The unit rows are added in blocks on every core; ``progress(n)`` receives rows added.
    Memory: the index holds a float32 copy of the rows plus about 2 × connectivity × 4
    bytes of graph a row.  Raises :class:`EmbedkitError` without usearch installed."""
    check_at_least("connectivity", connectivity, 2)
    check_at_least("expansion_add", expansion_add)
    check_at_least("expansion_search", expansion_search)
    Index = _usearch()
    import usearch

    stamp = fingerprint(model)
    index = Index(ndim=emb.dim, metric="ip", dtype="f32", connectivity=connectivity, expansion_add=expansion_add)
    n = len(emb)
    step = 1 << 15
    for r0 in range(0, n, step):
        r1 = min(r0 + step, n)
        block = np.asarray(emb.vectors[r0:r1], dtype=np.float32)
        norms = emb.row_norms[r0:r1]
        index.add(np.arange(r0, r1, dtype=np.uint64), block / np.where(norms > 0, norms, 1)[:, None], threads=0)
        if progress is not None:
            progress(r1 - r0)
    meta = {
        "library": "usearch",
        "library_version": usearch.__version__,
        "metric": "ip",
        "n": n,
        "dim": emb.dim,
        "params": {"connectivity": connectivity, "expansion_add": expansion_add, "expansion_search": expansion_search},
        "model": Path(model).name,
        "fingerprint": stamp,
    }
    blob = index.save()
    header = json.dumps(meta, sort_keys=True).encode("utf-8")
    path = index_path(model)
    with atomic_output(path) as f:
        f.write(container_prelude(MAGIC, FORMAT_VERSION, DATA_OFFSET + len(blob), len(header)))
        f.write(memoryview(blob))
        f.write(header)
    return path


def read_meta(path: str | os.PathLike) -> dict:
    """The JSON header of an index file; :class:`InputError` if it is not one."""
    p = check_readable(path)
    with open(p, "rb") as f:
        meta, offset = read_container_header(f, p, MAGIC, FORMAT_VERSION, "index")
        try:
            meta["_offset"] = offset
            if not (isinstance(meta["n"], int) and isinstance(meta["dim"], int) and "size" in meta["fingerprint"]):
                raise ValueError("missing fields")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise InputError(f"{p}: index file is corrupt ({exc})") from None
    return meta


def check_fresh(meta: dict, model: str | os.PathLike, emb: Embedding | None = None) -> None:
    """Raise :class:`StaleIndexError` unless the index was built from ``model`` as it is now
    (same fingerprint; same rows and dimension as ``emb``)."""
    name = index_path(model).name
    if emb is not None and (int(meta["n"]) != len(emb) or int(meta["dim"]) != emb.dim):
        raise StaleIndexError(
            f"{name} holds {int(meta['n']):,} × {meta['dim']} vectors, the model {len(emb):,} × {emb.dim}"
        )
    now, then = fingerprint(model), meta["fingerprint"]
    if any(now.get(key) != then.get(key) for key in ("size", "mtime_ns", "head_sha256", "tail_sha256")):
        raise StaleIndexError(f"{name} was built before {Path(model).name} last changed")


def load_index(model: str | os.PathLike, emb: Embedding | None = None) -> AnnIndex:
    """The index beside ``model``, memory-mapped (nothing is read until searched).

    Raises :class:`InputError` if there is none or it is not an index file,
    :class:`StaleIndexError` if the model changed since it was built, and
    :class:`EmbedkitError` without usearch installed."""
    path = index_path(model)
    meta = read_meta(path)
    check_fresh(meta, model, emb)
    Index = _usearch()
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        index = Index.restore(memoryview(mapped)[DATA_OFFSET : meta["_offset"]], view=True)
    except (RuntimeError, ValueError) as exc:
        raise InputError(f"{path}: index file is corrupt ({exc})") from None
    if index is None:
        raise InputError(f"{path}: index file is corrupt")
    return AnnIndex(index, meta, path, mapped)
