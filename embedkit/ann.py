"""An approximate nearest-neighbour index of a model, stored beside it as ``MODEL.index``.

Inverted lists of product-quantised codes (IVF-PQ, Jégou, Douze & Schmid 2011) scanned by
4-bit fast-scan (André, Kermarrec & Le Scouarnec 2015), built and searched by faiss-cpu
(the optional extra ``embedkit[ann]``): the unit rows are split among ``lists`` k-means
cells, and each row is kept as a 4-bit code a dimension of its residual (a sixteenth of
its float32 size).  A query scans the ``probes`` cells nearest to it and ranks their rows
by the codes' inner products, skipping a cell whose centre scores more than ``margin``
below the best cell's (a query deep inside a dense region needs many cells, one in an
isolated cluster few); :meth:`embedkit.vectors.Embedding.neighbors` then scores
the best ``rerank`` of them exactly against the model's float32 rows, so an answer's
cosine is always the true one and only a neighbour outside the candidates differs from
the exact search.  Chosen by measurement over HNSW graphs (usearch, hnswlib and faiss,
float32 and 8-bit) and IVF without codes (BENCHMARKS.md).

The file::

    bytes 0..63   b"EKINDEX\\0", format version (uint32), reserved, JSON offset and length (uint64)
    64..          faiss's serialised index (centroids, codebooks, codes, row ids)
    last          a JSON header: the library and its version, rows, dimension, the build
                  and search settings, and the model file's fingerprint

The fingerprint (size, modification time, SHA-256 of the first and last MiB) ties the index
to one state of the model file: :func:`load_index` refuses an index whose model has changed
since (:class:`StaleIndexError`), so a stale index is never used silently.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .errors import DataError, EmbedkitError, InputError, check_at_least, counted
from .io import atomic_output, check_readable
from .linalg import on_product_threads
from .options import IndexOptions
from .vectors import DATA_OFFSET, Embedding, container_prelude, read_container_header

MAGIC = b"EKINDEX\0"
FORMAT_VERSION = 2  # 1: usearch's HNSW graph
SUFFIX = ".index"
_SAMPLE = 1 << 20
#: Rows a k-means cell is trained on (faiss asks for at least 39).
_TRAIN_PER_LIST = 64
#: Rows the codebooks are trained on at least (all of a smaller model).
_TRAIN_AT_LEAST = 65_536
#: Rows a model needs at least: each 4-bit product quantiser trains 16 centroids.
_MIN_ROWS = 16

#: Queries whose cells are chosen in one product (queries × lists scores: 8 MiB at 2,048 lists).
_COARSE_BLOCK = 1024

#: Build and search settings: cells (IVF's nlist; 0: chosen from the rows), cells scanned
#: a query (nprobe) and candidates scored exactly a query.
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
    """Raise :class:`EmbedkitError` (exit code 1) naming the extra when faiss is missing."""
    _faiss()


def _faiss():
    # faiss's OpenMP threads sleep instead of spinning while they wait (read when the
    # runtime starts): spinning threads take the cores from numpy's BLAS and other programs
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import faiss
    except ImportError:
        raise EmbedkitError(_NEEDS_EXTRA) from None
    return faiss


def default_lists(n: int) -> int:
    """Cells for ``n`` rows when none is given: about 2 √n, a power of two, 1 to 65,536."""
    return int(min(1 << 16, max(1, 2 ** round(np.log2(max(1.0, 2 * np.sqrt(n)))))))


class AnnIndex:
    """A loaded index: :meth:`search` finds the approximate nearest rows of unit queries."""

    def __init__(self, index, meta: dict, path: Path | None = None) -> None:
        self._index = index
        self.meta = meta
        self.path = path
        params = meta["params"]
        self.probes = int(params["probes"])
        #: cells scoring more than this below the query's best cell are not scanned (an
        #: index built before the setting existed takes the default)
        self.margin = float(params.get("margin", DEFAULTS.margin))
        #: candidates a query hands to the exact scoring (at least k + 1)
        self.rerank = int(params["rerank"])
        # the cells' centres (lists × dim, float32): the coarse step is a matrix product
        # and a partition per query block on the product threads (faiss's own took twice
        # the CPU: 0.69 s against 0.3 s for 10,000 queries × 2,048 lists, measured)
        self._centroids = np.ascontiguousarray(index.quantizer.reconstruct_n(0, index.nlist), dtype=np.float32)

    def __len__(self) -> int:
        return int(self.meta["n"])

    @property
    def dim(self) -> int:
        return int(self.meta["dim"])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Approximate top-``k`` rows by inner product of unit queries (q × dim): ids (q × k)
        int64 and the codes' estimates of the cosines (q × k) float32, best first, padded
        with −1 / −inf.  Scans the :attr:`probes` cells whose centres score highest
        against a query, less those scoring more than :attr:`margin` below the best of
        them, on every core."""
        check_at_least("k", k)
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if q.ndim != 2 or q.shape[1] != self.dim:
            raise DataError(f"queries of shape {q.shape} for an index of dimension {self.dim}")
        probes = min(self.probes, self._index.nlist)
        self._index.nprobe = probes
        cells = np.empty((len(q), probes), np.int64)
        cell_scores = np.empty((len(q), probes), np.float32)

        def coarse(q0: int) -> None:
            s = q[q0 : q0 + _COARSE_BLOCK] @ self._centroids.T
            best = np.argpartition(s, -probes, axis=1)[:, -probes:]
            scores = np.take_along_axis(s, best, 1)
            # a far cell holds few of the nearest rows but costs its full scan: skipped (−1)
            near = scores >= scores.max(axis=1, keepdims=True) - self.margin
            cells[q0 : q0 + _COARSE_BLOCK] = np.where(near, best, -1)
            cell_scores[q0 : q0 + _COARSE_BLOCK] = scores

        on_product_threads(coarse, range(0, len(q), _COARSE_BLOCK))
        scores, ids = self._index.search_preassigned(q, k, cells, cell_scores)
        ids = np.asarray(ids, dtype=np.int64)
        return ids, np.where(ids >= 0, scores, -np.inf).astype(np.float32)


def build_index(
    emb: Embedding,
    model: str | os.PathLike,
    lists: int = DEFAULTS.lists,
    probes: int = DEFAULTS.probes,
    rerank: int = DEFAULTS.rerank,
    progress: Callable[[int], None] | None = None,
    margin: float = DEFAULTS.margin,
) -> Path:
    """Build the index of ``emb`` (loaded from the file ``model``) and write it atomically
    beside the model (:func:`index_path`); returns its path.

    ``lists``: k-means cells (0: :func:`default_lists`), trained on 64 rows a cell (a
    seeded sample); ``probes``, ``margin`` (≥ 0, in units of the cosine), ``rerank``: the
    search settings stored as its defaults (:meth:`AnnIndex.search`).
    The unit rows are added in blocks on every core; ``progress(n)`` receives rows added.
    Memory and size: dim / 2 bytes a row and 8 for its id, plus the centroids.  Raises
    :class:`ParameterError` for a bad setting, :class:`DataError` for a model of fewer
    than 16 rows (the 4-bit quantisers' centroids), :class:`EmbedkitError` without faiss."""
    check_at_least("lists", lists, 0)
    check_at_least("probes", probes)
    check_at_least("rerank", rerank)
    check_at_least("margin", margin, 0)
    faiss = _faiss()
    n = len(emb)
    if n < _MIN_ROWS:
        raise DataError(
            f"{model}: a model of {counted(n, 'word')} is too small for an approximate index "
            f"(at least {_MIN_ROWS}); neighbors searches it exactly"
        )
    lists = min(lists or default_lists(n), max(1, n // _TRAIN_PER_LIST)) if n else 1
    stamp = fingerprint(model)
    index = faiss.index_factory(emb.dim, f"IVF{lists},PQ{emb.dim}x4fs", faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = 1234  # faiss's default, named: the same model gives the same index
    # a small model trains on every row (the 4-bit codebooks want thousands of rows even
    # when there are few lists) and without faiss's warning per sub-quantiser about it
    index.cp.min_points_per_centroid = index.pq.cp.min_points_per_centroid = 1
    want = max(lists * _TRAIN_PER_LIST, _TRAIN_AT_LEAST)
    train = np.sort(np.random.default_rng(0).choice(n, min(n, want), replace=False))
    index.train(_unit(emb, train))
    step = 1 << 15
    for r0 in range(0, n, step):
        r1 = min(r0 + step, n)
        index.add(_unit(emb, np.arange(r0, r1)))
        if progress is not None:
            progress(r1 - r0)
    meta = {
        "library": "faiss",
        "library_version": faiss.__version__,
        "kind": f"IVF{lists},PQ{emb.dim}x4fs",
        "metric": "ip",
        "n": n,
        "dim": emb.dim,
        "params": {"lists": lists, "probes": probes, "margin": float(margin), "rerank": rerank},
        "model": Path(model).name,
        "fingerprint": stamp,
    }
    blob = faiss.serialize_index(index)
    header = json.dumps(meta, sort_keys=True).encode("utf-8")
    path = index_path(model)
    with atomic_output(path) as f:
        f.write(container_prelude(MAGIC, FORMAT_VERSION, DATA_OFFSET + blob.nbytes, len(header)))
        f.write(memoryview(blob))
        f.write(header)
    return path


def _unit(emb: Embedding, rows: np.ndarray) -> np.ndarray:
    """Rows ``rows`` (sorted) of ``emb`` at unit length, float32, C order (zero rows stay zero)."""
    norms = emb.row_norms[rows]
    block = np.asarray(emb.vectors[rows], dtype=np.float32)
    return np.ascontiguousarray(block / np.where(norms > 0, norms, 1)[:, None])


def read_meta(path: str | os.PathLike) -> dict:
    """The JSON header of an index file; :class:`InputError` if it is not one."""
    p = check_readable(path)
    with open(p, "rb") as f:
        meta, offset = read_container_header(f, p, MAGIC, FORMAT_VERSION, "index")
        try:
            meta["_offset"] = offset
            if not (isinstance(meta["n"], int) and isinstance(meta["dim"], int) and "size" in meta["fingerprint"]):
                raise ValueError("missing fields")
            int(meta["params"]["probes"]), int(meta["params"]["rerank"]), float(meta["params"].get("margin", 0))
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
    """The index beside ``model``, read into memory (dim / 2 + 8 bytes a row).

    Raises :class:`InputError` if there is none or it is not an index file (an index
    written by an earlier embedkit is refused by its format version: rebuild it),
    :class:`StaleIndexError` if the model changed since it was built, and
    :class:`EmbedkitError` without faiss installed."""
    path = index_path(model)
    meta = read_meta(path)
    check_fresh(meta, model, emb)
    faiss = _faiss()
    size = meta["_offset"] - DATA_OFFSET
    blob = np.empty(size, np.uint8)  # read, not mapped: faiss copies it, and a failed parse
    with open(path, "rb") as f:  # must not leave a view of a mapping that is being closed
        f.seek(DATA_OFFSET)
        got = f.readinto(memoryview(blob))
    try:
        if got != size:
            raise ValueError("truncated")
        index = faiss.deserialize_index(blob)
    except (RuntimeError, ValueError) as exc:
        raise InputError(f"{path}: index file is corrupt ({str(exc).splitlines()[0]})") from None
    finally:
        del blob
    if index.ntotal != int(meta["n"]) or index.d != int(meta["dim"]):
        raise InputError(f"{path}: index file is corrupt (it holds {index.ntotal:,} × {index.d})")
    return AnnIndex(index, meta, path)
