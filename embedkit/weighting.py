"""From co-occurrence counts to an association matrix: PMI, PPMI, shifted PMI, log.

For a count matrix C (words × contexts), with context distribution smoothing α:

    P(w, c) = C[w, c] / Σ C        P(w) = Σ_c C[w, c] / Σ C
    P_α(c)  = (Σ_w C[w, c])^α / Σ_c' (Σ_w C[w, c'])^α
    PMI(w, c) = log P(w, c) / (P(w) P_α(c))

``shift = k`` subtracts log k (the shifted PMI that skip-gram with k negative samples
factorises: Levy & Goldberg, NIPS 2014, "Neural word embedding as implicit matrix
factorization").  PPMI keeps max(PMI − log k, 0).  Context distribution smoothing α = 0.75
is word2vec's, carried over to PPMI by Levy, Goldberg & Dagan (TACL 2015, "Improving
distributional similarity with lessons learned from word embeddings"); 0.75 is also the
default here, confirmed on dictwiki (BENCHMARKS.md "How the defaults were chosen").  Only
observed pairs are stored; the PMI of an unobserved pair (−∞) is left out of the sparse
matrix, i.e. treated as 0.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import kernels
from .engine import default_workers, thread_map
from .errors import DataError, ParameterError, check_choice
from .options import DOC_WEIGHTINGS, TRANSFORMS

#: Non-zeros in one chunk of :func:`pmi`'s float64 pass (8 MB a temporary; the chunks run
#: on the process's cores)
PMI_CHUNK_NNZ = 1 << 20


def pmi(
    counts: sp.spmatrix,
    transform: str = "ppmi",
    shift: float = 1.0,
    cds: float = 0.75,
    dtype: type = np.float32,
    copy: bool = True,
) -> sp.csr_matrix:
    """Weight a (V × V) co-occurrence count matrix; returns a CSR matrix of ``dtype``.

    Computed in ``dtype`` (float32 by default). With ``copy=False`` the counts matrix is
    put in canonical form in place and its index arrays are shared with the result (and
    compacted in place for ppmi), so the counts must not be used afterwards.

    Parameters
    ----------
    counts : sparse matrix of shape (V, C), non-negative
    transform : "ppmi", "pmi", "log" (log(1 + count)) or "none"
    shift : float >= 1
        k of shifted PMI: subtract log k (pmi and ppmi only).
    cds : float in (0, 1]
        Exponent α of context distribution smoothing (pmi and ppmi only; Levy et al. 2015).

    Raises :class:`ParameterError` (``transform``, ``shift``, ``cds``) for a bad setting and
    :class:`DataError` for an empty count matrix, or one with a negative, NaN or infinite count.
    """
    check_choice("transform", transform, TRANSFORMS)
    if not shift >= 1.0:
        raise ParameterError("shift", shift, "must be at least 1 (it subtracts log k)")
    if not 0.0 < cds <= 1.0:
        raise ParameterError("cds", cds, "must be in (0, 1]")
    m = sp.csr_matrix(counts, copy=copy)
    m.sum_duplicates()
    if m.nnz == 0:
        raise DataError("the co-occurrence matrix is empty: no two vocabulary words share a window")
    if not np.isfinite(m.data).all():  # NaN passes the test below and would spread through every row's margin
        raise DataError("co-occurrence counts must be finite numbers (NaN or infinity found)")
    if m.data.min() < 0:
        raise DataError("co-occurrence counts must be non-negative")
    # the result shares the (possibly large) index arrays of the counts and holds one
    # array of ``dtype`` values: memory for the weighting is 4 bytes a non-zero, not a copy
    if transform == "none":
        return _with_data(m, m.data.astype(dtype))
    if transform == "log":
        return _with_data(m, np.log1p(m.data).astype(dtype))
    row_sum, col_sum = _margins(m)
    if cds != 1.0:
        col_sum = col_sum**cds
    total = col_sum.sum()
    # log(C·Z / (r·c)) computed as log C + log Z − log r − log c, each term once per entry,
    # in float64 a chunk of rows at a time (no cancellation error), stored as ``dtype``
    log_row = np.log(np.where(row_sum > 0, row_sum, 1.0))
    log_col = np.log(np.where(col_sum > 0, col_sum, 1.0))
    const = np.log(total) - np.log(shift)
    data = np.empty(m.nnz, dtype=dtype)
    row_lengths = np.diff(m.indptr)

    def weigh(rows: tuple[int, int]) -> None:
        r0, r1 = rows
        lo, hi = m.indptr[r0], m.indptr[r1]
        chunk = np.log(m.data[lo:hi].astype(np.float64, copy=False))
        chunk += const
        chunk -= np.repeat(log_row[r0:r1], row_lengths[r0:r1])
        chunk -= log_col[m.indices[lo:hi]]
        data[lo:hi] = chunk

    # entry by entry, so chunks on threads (numpy's loops release the GIL) give the bytes of one
    for _ in thread_map(weigh, _row_chunks(m.indptr, PMI_CHUNK_NNZ), default_workers()):
        pass
    out = _with_data(m, data)
    if transform == "ppmi":
        np.maximum(out.data, 0, out=out.data)
        out.eliminate_zeros()
        # scipy keeps the compacted arrays as views of the old ones when more than half
        # survive; a copy gives the factorisation (which holds this matrix throughout)
        # back the dropped part (a third of the entries on a billion tokens)
        if out.data.base is not None and out.data.size < 0.9 * out.data.base.size:
            out.data, out.indices = out.data.copy(), out.indices.copy()
    return out


def count_margins(counts: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """Row and column sums (float64) of a count matrix: what :func:`fold_in_pmi` weighs
    new rows against (keep them before ``pmi(copy=False)`` consumes the counts)."""
    return _margins(sp.csr_matrix(counts))


def fold_in_pmi(
    counts: sp.spmatrix,
    row_sums: np.ndarray,
    col_sums: np.ndarray,
    transform: str = "ppmi",
    shift: float = 1.0,
    cds: float = 0.75,
    side: str = "word",
    dtype: type = np.float32,
) -> sp.csr_matrix:
    """Weight count rows of words that are not in a weighted matrix as :func:`pmi` weighted
    its rows, against its margins (the fold-in of a new row, as LSA folds in a document:
    Deerwester et al. 1990, Berry, Dumais & O'Brien 1995).

    counts : (R × V) — ``side="word"``: each new word's counts with the V contexts;
    ``side="context"``: each new word's counts *as a context* of the V words (its column).
    row_sums, col_sums : (V,) the trained count matrix's margins (:func:`count_margins`).
    With Z = Σ_c col_sums^α, a word row gets PMI(r, c) = log(n_rc Z / (n_r col_sums_c^α))
    (n_r its own total), a context row PMI(w, r) = log(n_wr Z / (row_sums_w n_r^α)) (its
    own total smoothed as a context is); then − log k, and ``transform`` as :func:`pmi`.
    Returns CSR (R × V) of ``dtype``; a row without counts stays empty.
    """
    check_choice("transform", transform, TRANSFORMS)
    check_choice("side", side, ("word", "context"))
    m = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    m.sum_duplicates()
    m.eliminate_zeros()
    if transform == "none":
        return sp.csr_matrix(m, dtype=dtype)
    if transform == "log":
        m.data = np.log1p(m.data)
        return sp.csr_matrix(m, dtype=dtype)
    alpha_cols = np.asarray(col_sums, dtype=np.float64) ** cds
    own = np.asarray(m.sum(axis=1)).ravel()
    if side == "word":
        log_own, log_other = np.log(np.maximum(own, 1e-300)), np.log(np.maximum(alpha_cols, 1e-300))
    else:
        log_own = cds * np.log(np.maximum(own, 1e-300))
        log_other = np.log(np.maximum(np.asarray(row_sums, dtype=np.float64), 1e-300))
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    m.data = np.log(m.data) + np.log(alpha_cols.sum()) - np.log(shift) - log_own[rows] - log_other[m.indices]
    if transform == "ppmi":
        np.maximum(m.data, 0, out=m.data)
        m.eliminate_zeros()
    return sp.csr_matrix(m, dtype=dtype)


def _margins(m: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Row and column sums in float64, a chunk of rows at a time (scipy's ``sum(dtype=)``
    converts the whole float32 matrix to float64 first: 8 bytes a non-zero, transiently)."""
    rows = np.zeros(m.shape[0])
    cols = np.zeros(m.shape[1])
    chunks = _row_chunks(m.indptr, 1 << 22)
    if kernels.loaded():  # one compiled pass, the same sums (0.4 s of numpy passes on dictwiki)
        bounds = np.array([r0 for r0, _ in chunks] + [m.shape[0]], dtype=np.int64)
        kernels.csr_margins(m.indptr, m.indices, m.data, bounds, rows, cols)
        return rows, cols
    row_lengths = np.diff(m.indptr)
    for r0, r1 in chunks:
        lo, hi = m.indptr[r0], m.indptr[r1]
        values = m.data[lo:hi].astype(np.float64)
        cols += np.bincount(m.indices[lo:hi], weights=values, minlength=m.shape[1])
        owner = np.repeat(np.arange(r1 - r0), row_lengths[r0:r1])
        rows[r0:r1] = np.bincount(owner, weights=values, minlength=r1 - r0)
    return rows, cols


def _row_chunks(indptr: np.ndarray, target: int) -> list[tuple[int, int]]:
    """Row ranges holding about ``target`` non-zeros each (at least one row)."""
    n = len(indptr) - 1
    bounds = np.searchsorted(indptr, np.arange(0, indptr[-1], target), side="right") - 1
    starts = sorted({0, *[int(b) for b in bounds if 0 < b < n]})
    return list(zip(starts, starts[1:] + [n]))


def _with_data(m: sp.csr_matrix, data: np.ndarray) -> sp.csr_matrix:
    """A CSR matrix with m's structure (shared, not copied) and new values."""
    return sp.csr_matrix((data, m.indices, m.indptr), shape=m.shape, copy=False)


# -- term-document weighting ----------------------------------------------------------------


def idf(counts: sp.spmatrix) -> np.ndarray:
    """Smoothed inverse document frequency of each column of a (docs × terms) count matrix.

    idf(t) = ln((1 + N) / (1 + df(t))) + 1, N documents, df(t) of them containing t
    (scikit-learn's ``smooth_idf``): shape (terms,), float64, every value ≥ 1.  A row
    without any term (an empty line kept so that rows stay one a line) is no document: N
    counts the rows with a term, so blank lines among the documents change no weight.
    """
    m = sp.csr_matrix(counts)
    has = m.data > 0
    df = np.bincount(m.indices[has], minlength=m.shape[1])
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    n = np.unique(rows[has]).size
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def tfidf(
    counts: sp.spmatrix,
    weighting: str = "tfidf",
    idf_weights: np.ndarray | None = None,
    normalize: bool = True,
    dtype: type = np.float32,
) -> sp.csr_matrix:
    """Weight a (docs × terms) count matrix for LSA; returns CSR of shape (docs, terms).

    ``tfidf``: count × idf (``idf_weights``, or :func:`idf` of ``counts`` itself — pass the
    training collection's idf to weight a query the same way); ``log``: log(1 + count).
    With ``normalize`` each row is scaled to unit length (rows of zeros stay zero).
    """
    check_choice("weighting", weighting, DOC_WEIGHTINGS)
    m = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    if m.nnz and m.data.min() < 0:
        raise DataError("term counts must be non-negative")
    if weighting == "log":
        m.data = np.log1p(m.data)
    else:
        w = idf(m) if idf_weights is None else np.asarray(idf_weights, dtype=np.float64)
        m = m @ sp.diags(w)
        m = sp.csr_matrix(m)
    if normalize:
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        m = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ m
    return sp.csr_matrix(m, dtype=dtype)
