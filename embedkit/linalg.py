"""Linear algebra: truncated SVD of a sparse association matrix and word vectors from
its factors, the symmetric eigensolver, PCA, the sign convention, row normalisation, and
the parallel sparse × dense products they run on.

M ≈ U Σ Vᵀ with the top ``dim`` singular triplets.  Each word gets two embeddings:
W = U Σ^p (as a target word) and C = V Σ^p (as a context); ``vectors`` picks W, C, their
sum W + C (rows of each unit-normalised first), or the concatenation [W C].
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from . import kernels
from .engine import release_freed_memory, worker_init
from .errors import DataError, ParameterError, check_at_least, check_choice, check_count, param
from .interrupts import interrupts_deferred
from .options import PCA_SOLVERS, SOLVERS, VECTOR_KINDS


@dataclass
class SVDResult:
    """U (n × k), s (k,) descending, Vt (k × m)."""

    U: np.ndarray
    s: np.ndarray
    Vt: np.ndarray


def truncated_svd(
    m: sp.spmatrix | np.ndarray,
    dim: int = 300,
    solver: str = "randomized",
    n_iter: int = 4,
    oversample: int = 20,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SVDResult:
    """Top-``dim`` singular triplets of ``m`` (n × m), in float32 for sparse input.

    ``randomized`` is Halko, Martinsson & Tropp's range finder with ``n_iter`` power
    iterations (QR-normalised) and ``oversample`` extra columns.  ``shifted`` is the same
    range finder with dynamic shifts (Feng, Yu, Xie & Huang, "Algorithm 1043: faster
    randomized SVD with dynamic shifts", ACM TOMS 50(2), 2024): each power iteration
    applies M Mᵀ − μ I with μ half the smallest Ritz value of M Mᵀ on the current basis,
    which damps the bulk of the spectrum below the wanted singular values twice as fast
    per product (on dictwiki's PPMI matrix, 3 shifted iterations are more accurate than 4
    plain ones: BENCHMARKS.md), and it orthonormalises once per iteration instead of
    twice.  It starts from a sparse sign sketch M Ω (:func:`sparse_sign`: 8 multiply-adds
    a non-zero of M instead of a product with a dense Gaussian Ω) and keeps its last block
    unorthonormalised (:func:`implicit_basis`), so 7 products of width l and one cheap one
    in all.  ``arpack`` is scipy's Lanczos solver (more accurate, slower).  All are
    deterministic in ``seed``; ``workers`` processes share the sparse products of the
    randomized solvers (the result does not depend on it).
    Signs are fixed so that the largest-magnitude entry of each column of U is positive.
    ``progress(1)`` is called after each product with M or Mᵀ and after the final small
    SVD: :func:`svd_steps` of them in all (randomized; arpack reports only its end).

    ``m``: scipy.sparse or a dense array of any real dtype (computed in float32 when it is
    float32, else float64) and any memory order.  Raises :class:`ParameterError` for a
    ``solver`` not in :data:`SOLVERS`, an ``m`` that is not 2-D, a ``dim`` that is not a
    whole number or above min(n, m) (arpack: below it); :class:`DataError` for NaN or
    infinity in ``m``.
    """
    check_choice("solver", solver, SOLVERS)
    if not sp.issparse(m):
        m = np.asarray(m)
    if m.ndim != 2:
        raise ParameterError(f"{param('m')} must be a matrix (2-D), got shape {m.shape}")
    values = m.data if sp.issparse(m) else m
    if not np.isfinite(values).all():  # one pass, against the ~10 products of the solver
        raise DataError("the matrix holds NaN or infinity: it has no SVD")
    n_rows, n_cols = m.shape
    limit = min(n_rows, n_cols)
    check_count("dim", dim)
    if dim > limit or (solver == "arpack" and dim >= limit):
        most = limit - 1 if solver == "arpack" else limit
        raise ParameterError(
            "dim", dim, f"is too large for a {n_rows:,} × {n_cols:,} matrix (at most {most:,} with {solver})", True
        )
    check_at_least("n_iter", n_iter, 0)
    dtype = np.float32 if m.dtype == np.float32 else np.float64
    rng = np.random.default_rng(seed)
    if solver == "arpack":
        import scipy.sparse.linalg as spla  # here: ~40 ms of import that no other route needs

        v0 = rng.uniform(-1, 1, size=limit).astype(dtype)
        U, s, Vt = spla.svds(m.astype(dtype), k=dim, v0=v0, solver="arpack")
        order = np.argsort(s)[::-1]
        U, s, Vt = U[:, order], s[order], Vt[order]
        if progress is not None:
            progress(1)  # arpack's iterations are not known in advance: one step, at its end
    else:
        U, s, Vt = _randomized_svd(
            m, dim, n_iter, oversample, rng, dtype, workers, progress or _no_progress, shift=solver == "shifted"
        )
    # U and Vt are this function's own arrays: flipped in place
    return fix_svd_signs(SVDResult(np.ascontiguousarray(U), s, np.ascontiguousarray(Vt)), in_place=True)


def svd_steps(solver: str = "randomized", n_iter: int = 4) -> int | None:
    """How many ``progress`` steps :func:`truncated_svd` reports: 2 n_iter + 2 products
    and the small SVD (None for arpack, whose iterations are not known in advance)."""
    return None if solver == "arpack" else 2 * n_iter + 3


def _no_progress(_: int) -> None:
    pass


def _counted(product, progress):
    def run(x):
        out = product(x)
        progress(1)
        return out

    return run


def _randomized_svd(
    m, k: int, n_iter: int, oversample: int, rng, dtype, workers: int = 1, progress=_no_progress, shift: bool = False
):
    n_rows, n_cols = m.shape
    l = min(k + oversample, min(n_rows, n_cols))

    def gaussian() -> np.ndarray:
        return rng.standard_normal((n_cols, l), dtype=np.float32).astype(dtype, copy=False)

    def power_step(matmul, rmatmul):
        # one power iteration: M (orth(Mᵀ Q)); each product's result is consumed
        # (orthonormalised into a new array) before the next, so the products may return
        # views of a reused buffer
        if not shift:
            return lambda q, _i: matmul(orthonormalize(np.asarray(rmatmul(q)), rounds=1))

        def shifted(q: np.ndarray, _i: int) -> np.ndarray:
            # (M Mᵀ − μ I) Q: Z = Mᵀ Q spans the same space as orth(Z), so no
            # orthonormalisation between the two products; its Gram matrix Zᵀ Z = Qᵀ M Mᵀ Q
            # gives the Ritz values θ of M Mᵀ (lower bounds of the σ²), and μ = θ_min / 2
            # maps [0, θ_min] onto [−μ, μ]: everything below the basis's smallest Ritz
            # value shrinks against the wanted directions (dashSVD's dynamic shift)
            z = np.asarray(rmatmul(q))
            mu = _smallest_ritz_value(z) / 2
            y = np.asarray(matmul(z))
            out = np.multiply(q, -dtype(mu))  # y + (−μ q): the bytes of y − μ q, one n × l array
            return np.add(y, out, out=out)

        return shifted

    def solve(matmul, rmatmul, sketch, final):
        # the plain solver starts from a Gaussian M Ω and finishes on CholeskyQR2's basis;
        # the shifted one from a sparse sign sketch (ζ = 8 multiply-adds a non-zero instead
        # of l) and on the implicit basis of its last block (one Gram product instead of
        # two rounds of orthonormalisation)
        if not shift:
            q = randomized_range_finder(lambda: matmul(gaussian()), power_step(matmul, rmatmul), n_iter)
            r_inv = None
        else:

            def start() -> np.ndarray:
                y = sketch(*sparse_sign(n_cols, l, rng))
                progress(1)
                return y

            last = randomized_range_finder(start, power_step(matmul, rmatmul), n_iter, finish=False)
            q, r_inv = implicit_basis(last)
        y = final(q)
        progress(1)
        return q, y, r_inv

    if not sp.issparse(m):
        m = np.asarray(m, dtype=dtype)
        matmul, rmatmul = _counted(m.__matmul__, progress), _counted(m.T.__matmul__, progress)
        q, y, r_inv = solve(matmul, rmatmul, lambda c, v: m @ sparse_sign_dense(c, v, l).astype(dtype), m.T.__matmul__)
    else:
        with ParallelMatmul(sp.csr_matrix(m, dtype=dtype), workers, l) as op:
            matmul = _counted(lambda x: op.matmul(x, copy=False), progress)
            rmatmul = _counted(lambda x: op.rmatmul(x, copy=False), progress)
            # Ω is drawn after the workers fork: an array they inherit and this process
            # later frees and reuses would be copied on write, once per worker
            q, y, r_inv = solve(matmul, rmatmul, op.sketch, op.rmatmul)
        # the workers and their shared buffers are gone before the dense finish
    out = _small_svd(q, y, k, r_inv)
    progress(1)
    return out


#: Non-zeros in each row of the shifted solver's start sketch (:func:`sparse_sign`)
SPARSE_SIGN_NNZ = 8


def sparse_sign(n: int, l: int, rng, zeta: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A sparse sign matrix Ω (n × l) by its non-zeros: row j holds ``values[j, t]`` = ±1/√ζ
    in column ``cols[j, t]``, ζ = min(zeta, l) distinct columns a row (cols: n × ζ int32,
    values: n × ζ float32).  The sketch of Tropp, Yurtsever, Udell & Cevher ("Streaming
    low-rank matrix approximation with an application to scientific simulation", SIAM J.
    Sci. Comput. 41(4), 2019; ζ = 8 as they advise): M Ω costs ζ multiply-adds a non-zero
    of M instead of l.  A row's columns are (first + t · step) mod l, t < ζ, with
    1 ≤ step ≤ (l − 1) / (ζ − 1), so they are distinct; first, step and the signs are
    drawn from ``rng``."""
    zeta = max(1, min(SPARSE_SIGN_NNZ if zeta is None else zeta, l))
    first = rng.integers(0, l, size=n)
    step = rng.integers(1, max(1, (l - 1) // max(1, zeta - 1)) + 1, size=n)
    cols = ((first[:, None] + np.arange(zeta) * step[:, None]) % l).astype(np.int32)
    values = np.where(rng.integers(0, 2, size=(n, zeta)) == 1, 1.0, -1.0) / np.sqrt(zeta)
    return cols, values.astype(np.float32)


def sparse_sign_dense(cols: np.ndarray, values: np.ndarray, l: int) -> np.ndarray:
    """The dense n × l float32 Ω of :func:`sparse_sign`'s ``cols`` and ``values``."""
    out = np.zeros((cols.shape[0], l), dtype=np.float32)
    np.put_along_axis(out, cols.astype(np.intp), values, axis=1)
    return out


#: The largest condition number of the last block that :func:`implicit_basis` keeps
#: without orthonormalising it: float32 keeps its smallest directions to κ · 6·10⁻⁸
IMPLICIT_BASIS_MAX_COND = 1e3


def implicit_basis(y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """An orthonormal basis of a tall block y (n × l) given implicitly as Q = y R⁻¹:
    (y, R⁻¹ (l × l, float64)), R the Cholesky factor of the float64 :func:`gram` of y;
    when y's condition number exceeds :data:`IMPLICIT_BASIS_MAX_COND` (or y is
    singular), (:func:`orthonormalize` (y), None) instead.

    One Gram product in place of CholeskyQR2's two Gram products and two n × l × l
    products: :func:`_small_svd` applies R⁻¹ to its l × l matrices instead of to y."""
    g = gram(y, exact=True)
    with threadpool_limits(1):  # OpenBLAS threads only slow down l × l problems
        evals = la.eigvalsh(g, check_finite=False) if np.isfinite(g).all() else np.zeros(1)
        if evals[0] > 0 and evals[-1] <= evals[0] * IMPLICIT_BASIS_MAX_COND**2:
            r = la.cholesky(g, lower=False, check_finite=False)
            return y, la.solve_triangular(r, np.eye(len(r)), lower=False, check_finite=False)
    return orthonormalize(y, rounds=2), None


def _smallest_ritz_value(z: np.ndarray) -> float:
    """The smallest eigenvalue of Zᵀ Z (z: n × l), from its :func:`gram` matrix."""
    g = gram(z)
    with threadpool_limits(1):  # OpenBLAS threads only slow down l × l problems
        return float(max(la.eigvalsh(g, check_finite=False, subset_by_index=[0, 0])[0], 0.0))


#: Rows of a tall block in one part of :func:`gram` (a fixed size, so the sum is the same
#: bytes whatever the number of threads)
GRAM_ROWS = 8192


def gram(y: np.ndarray, z: np.ndarray | None = None, exact: bool = False) -> np.ndarray:
    """Yᵀ Y (l × l, float64) of a tall block y (n × l), n ≫ l; with ``z`` (n × l′), Yᵀ Z.

    The rows are cut into parts of :data:`GRAM_ROWS`; each part's Yᵢᵀ Zᵢ is one BLAS
    product on one thread (several parts at once on :func:`product_threads` threads), and
    the parts are added in float64 in their order, so the result does not depend on the
    number of threads.  OpenBLAS's own threads split a product this shape (a long inner
    dimension, a small result) badly: on two cores it took about nine times the CPU of
    one thread here, most of it spinning (``benchmarks/bench_svd.py``).  ``exact``: each
    part is converted to float64 before its product (the sums of squares of a float32
    block then lose nothing); otherwise the parts are products in y's dtype.
    """
    z = y if z is None else z
    n = y.shape[0]
    starts = range(0, n, GRAM_ROWS)

    def part(lo: int) -> np.ndarray:
        a, b = y[lo : lo + GRAM_ROWS], z[lo : lo + GRAM_ROWS]
        if exact:
            a, b = a.astype(np.float64), b.astype(np.float64)
        return (a.T @ b).astype(np.float64, copy=False)

    out = np.zeros((y.shape[1], z.shape[1]))
    with threadpool_limits(1):
        for g in on_product_threads(part, starts):
            out += g
    return out


def on_product_threads(fn: Callable, items) -> list:
    """``[fn(item) for item in items]``, the calls shared among :func:`product_threads`
    threads (for work that releases the GIL: BLAS products, numpy gathers); results in
    the items' order, and one thread runs them in the caller's."""
    items = list(items)
    threads = min(product_threads(), len(items))
    if threads <= 1:
        return [fn(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(fn, items))


def randomized_range_finder(start, step, n_steps: int, rounds: int | None = None, finish: bool = True) -> np.ndarray:
    """An orthonormal basis Q (n × l) of a matrix's dominant range by subspace iteration
    (Halko, Martinsson & Tropp 2011, algorithms 4.3/4.4): the one loop behind
    :func:`truncated_svd`, :func:`truncated_eigh` and NetMF's eigenpairs
    (:func:`embedkit.graph.netmf.top_eigenpairs`).

    ``start()`` returns the first block Y₀ = M Ω (n × l; Ω is drawn inside it, so that no
    one holds it once Y₀ exists); ``step(q, i)`` returns the next block from the current
    basis (a power iteration M Mᵀ q, a second power M² q, a polynomial filter p(M) q, …).
    Each block is orthonormalised by Cholesky-QR (:func:`orthonormalize`): with
    ``rounds=None`` one round while iterating, where the basis only has to stay well
    conditioned, and two for the final basis, which must be orthonormal to working
    precision; an integer gives that many rounds every time.  ``finish=False`` returns the
    last block as it is, for a caller that orthonormalises it implicitly
    (:func:`implicit_basis`).
    """

    def rounds_at(last: bool) -> int:
        return rounds if rounds is not None else (2 if last else 1)

    def block(y, last: bool) -> np.ndarray:
        y = np.asarray(y)
        return y if last and not finish else orthonormalize(y, rounds=rounds_at(last))

    q = block(start(), n_steps == 0)
    for i in range(n_steps):
        q = block(step(q, i), i == n_steps - 1)
    return q


def rayleigh_ritz(matmul, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenpairs of the projection H = Qᵀ M Q of a symmetric M onto the orthonormal
    basis ``q`` (n × l): (w (l,) ascending, v (l × l)); Q v are the Ritz vectors.
    H is formed in float64 and symmetrised before the dense ``eigh``."""
    h = gram(q, np.asarray(matmul(q)))
    with threadpool_limits(1):  # OpenBLAS threads only slow down l × l problems
        return la.eigh((h + h.T) / 2, check_finite=False)


def _small_svd(q: np.ndarray, y: np.ndarray, k: int, r_inv: np.ndarray | None = None):
    """U, s, Vt of M ≈ Q B with B = Qᵀ M = yᵀ (l × n_cols), through the l × l Gram matrix
    B Bᵀ = W Σ² Wᵀ.  The Gram matrix is summed in float64 a block of columns at a time (:func:`gram`) and
    Vt = Σ⁻¹ Wᵀ B is one product in the working dtype, so no float64 copy of B (8 bytes ×
    l × n_cols: 0.8 GB for 300 k words) is ever made.

    With ``r_inv`` (:func:`implicit_basis`) the basis is Q = q R⁻¹ and y = Mᵀ q, so
    B = R⁻ᵀ yᵀ, B Bᵀ = R⁻ᵀ (yᵀ y) R⁻¹, U = q (R⁻¹ W) and Vt = (R⁻¹ W Σ⁻¹)ᵀ yᵀ: the same
    two n × l products, R⁻¹ applied to the l × l factors."""
    g = gram(y, exact=True)
    with threadpool_limits(1):  # OpenBLAS threads only slow down l × l problems
        if r_inv is not None:
            g = r_inv.T @ g @ r_inv
            g = (g + g.T) / 2
        evals, w = la.eigh(g, check_finite=False)
    order = np.argsort(evals)[::-1][:k]
    s = np.sqrt(np.maximum(evals[order], 0.0))
    w = w[:, order]
    safe = np.where(s > s[0] * 1e-12, s, np.inf) if s.size and s[0] > 0 else np.full_like(s, np.inf)
    if r_inv is not None:
        w = r_inv @ w
    vt = (w / safe).T.astype(y.dtype) @ y.T
    u = q @ w.astype(q.dtype)
    return u, s.astype(q.dtype), vt


def truncated_eigh(
    m: sp.spmatrix,
    dim: int,
    n_iter: int = 4,
    oversample: int = 20,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``dim`` eigenpairs by magnitude of a symmetric sparse matrix (n × n), float32.

    For a symmetric M the SVD is U |Λ| (sign(Λ) U)ᵀ, so these are its top singular
    triplets, found by randomized subspace iteration (Halko, Martinsson & Tropp, alg. 5.3:
    ``n_iter`` products with M after the first, orthonormalised every second one, then
    Rayleigh–Ritz on QᵀMQ).  Unlike
    :func:`truncated_svd` it needs no transpose of M and no ``l × n`` float64 factor, so
    at a million rows it holds about three n × (dim + oversample) float32 blocks.
    Deterministic in ``seed``; signs fixed as in :func:`truncated_svd`.

    ``progress(1)`` follows each of the n_iter + 2 products with M.

    Returns (eigenvalues (dim,) by decreasing magnitude, eigenvectors (n × dim)).
    """
    m = sp.csr_matrix(m, dtype=np.float32)
    return truncated_eigh_product(m.__matmul__, m.shape[0], dim, n_iter, oversample, seed, progress)


def orthonormalize(y: np.ndarray, rounds: int = 2) -> np.ndarray:
    """Orthonormal basis of the columns of a tall matrix.

    CholeskyQR2 (two rounds of Q = Y R⁻¹ with R from the Cholesky factor of YᵀY in float64):
    a matrix product instead of a Householder QR, several times faster on tall-skinny
    float32 blocks; falls back to QR when the Gram matrix is numerically singular.
    """
    try:
        for _ in range(rounds):
            g = gram(y)
            with threadpool_limits(1):  # OpenBLAS threads only slow down l × l problems
                r = la.cholesky(g, lower=False, check_finite=True)
                r_inv = la.solve_triangular(r, np.eye(len(r)), lower=False, check_finite=False)
            y = y @ r_inv.astype(y.dtype)
        return y
    except (la.LinAlgError, ValueError):
        q, _ = la.qr(y, mode="economic", check_finite=False)
        return q


def column_signs(u: np.ndarray) -> np.ndarray:
    """The sign convention of every solver here (scikit-learn's ``svd_flip``): +1 or −1
    per column of u (n × k), making the largest-magnitude entry of each column positive
    (+1 for a zero column); same dtype as u."""
    if kernels.loaded() and u.ndim == 2 and u.size and np.isfinite(u).all():
        idx = kernels.column_argmax_abs(u)  # the same rows, without numpy's strided walk
    else:
        idx = np.argmax(np.abs(u), axis=0)
    signs = np.sign(u[idx, np.arange(u.shape[1])])
    signs[signs == 0] = 1
    return signs.astype(u.dtype, copy=False)


def fix_signs(u: np.ndarray) -> np.ndarray:
    """u (n × k) with its columns flipped by :func:`column_signs`."""
    return u * column_signs(u)


def fix_svd_signs(r: SVDResult, in_place: bool = False) -> SVDResult:
    """``r`` with each singular pair flipped by :func:`column_signs` of U (U's column and
    Vt's row flip together, so U Σ Vt is unchanged); ``in_place``: r's own arrays are
    flipped (no copies) and r is returned."""
    signs = column_signs(r.U)
    if not in_place:
        return SVDResult(r.U * signs, r.s, r.Vt * signs[:, None])
    r.U *= signs
    r.Vt *= signs[:, None]
    return r


def unit_rows(x: np.ndarray) -> np.ndarray:
    """``x`` (n × d) with every non-zero row scaled to unit L2 norm; zero rows stay zero."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``scores`` (n,), best first, ties broken by index
    (``k`` is capped at n).  O(n + k log k): a partition, then a sort of the k."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.lexsort((top, -scores[top]))]


def svd_vectors(r: SVDResult, eig: float = 0.5, vectors: str = "w+c") -> np.ndarray:
    """Word vectors from an SVD: W = U Σ^eig, C = V Σ^eig, then W, C, W+C or [W C].

    Returns a float32 array of shape (n, k), or (n, 2k) for ``concat``.
    """
    check_choice("vectors", vectors, VECTOR_KINDS)
    scale = r.s.astype(np.float64) ** eig
    n, k = r.U.shape[0], len(r.s)
    out = np.empty((n, 2 * k if vectors == "concat" else k), dtype=np.float32)

    def rows(lo: int) -> None:
        # every step is row by row, so row blocks on threads give the bytes of the whole
        w = (r.U[lo : lo + ROW_BLOCK] * scale).astype(np.float32)
        if vectors == "w":
            out[lo : lo + ROW_BLOCK] = w
            return
        c = (r.Vt.T[lo : lo + ROW_BLOCK] * scale).astype(np.float32)
        if vectors == "c":
            out[lo : lo + ROW_BLOCK] = c
        elif vectors == "concat":
            out[lo : lo + ROW_BLOCK] = np.hstack([w, c])
        else:
            np.add(unit_rows(w), unit_rows(c), out=out[lo : lo + ROW_BLOCK])

    on_product_threads(rows, range(0, n, ROW_BLOCK))
    return out


#: Rows of one block of the row-by-row steps that :func:`svd_vectors` and
#: :func:`remove_top_components` share among threads
ROW_BLOCK = 4096


def remove_top_components(x: np.ndarray, remove_top: int) -> np.ndarray:
    """ "All-but-the-top" (Mu & Viswanath 2018): subtract the mean vector, then project out
    the top ``remove_top`` principal directions, which carry frequency rather than meaning.

    ``x`` is (n, d); returns a float32 array of the same shape (``remove_top = 0``: unchanged).
    """
    return top_components(x, remove_top).apply(x)


@dataclass
class TopComponents:
    """What :func:`remove_top_components` removes: the mean (d,) and the top principal
    directions (d × k), float32 (``None``, ``None``: nothing, remove_top 0), so that rows
    made later (folded in) are moved exactly as the trained rows were (:meth:`apply`)."""

    mean: np.ndarray | None
    top: np.ndarray | None

    def apply(self, x: np.ndarray) -> np.ndarray:
        """(n, d) rows centred and with the top directions projected out (float32)."""
        if self.top is None:
            return x
        centred = np.asarray(x, dtype=np.float32) - self.mean
        scores = centred @ self.top  # (n, k) in one product: OpenBLAS rounds row blocks differently
        top_t = self.top.T

        def rows(lo: int) -> None:  # in place, a block of rows on each thread: the same bytes
            centred[lo : lo + ROW_BLOCK] -= scores[lo : lo + ROW_BLOCK] @ top_t

        with threadpool_limits(1):
            on_product_threads(rows, range(0, len(centred), ROW_BLOCK))
        return centred


def top_components(x: np.ndarray, remove_top: int) -> TopComponents:
    """The mean and top ``remove_top`` principal directions of ``x`` (n, d) that
    :func:`remove_top_components` removes; raises :class:`ParameterError` for a negative
    count or one not below d."""
    k = remove_top
    check_at_least("remove_top", k, 0)
    if k == 0:
        return TopComponents(None, None)
    if k >= x.shape[1]:
        raise ParameterError("remove_top", k, f"must be smaller than the dimension {x.shape[1]}", True)
    mean = x.mean(axis=0, dtype=np.float64).astype(np.float32)
    centred = np.asarray(x, dtype=np.float32) - mean
    cov = gram(centred)
    with threadpool_limits(1):
        _, vecs = la.eigh(cov, check_finite=False)
    return TopComponents(mean, vecs[:, ::-1][:, :k].astype(np.float32))  # top: (d, k)


def fold_in_vectors(
    word_rows: sp.spmatrix,
    context_rows: sp.spmatrix,
    r: SVDResult,
    eig: float = 0.5,
    vectors: str = "w+c",
    removed: TopComponents | None = None,
) -> np.ndarray:
    """Vectors of new words folded into a trained factorisation (LSA's fold-in:
    Deerwester et al. 1990, Berry, Dumais & O'Brien 1995): as U = M V Σ⁻¹ for the trained
    rows, a new word's weighted row m (1 × V, over the trained contexts) gets
    w = m V Σ^(eig − 1) and its weighted column as a context (over the trained words)
    c = m' U Σ^(eig − 1) — exactly the trained W = U Σ^eig, C = V Σ^eig for a trained row
    — then combined as :func:`svd_vectors` combines W and C and moved by the trained
    ``removed`` components (:func:`top_components`), so a folded-in row is scaled like a
    trained one.  word_rows, context_rows : (R × V) weighted as the trained matrix
    (:func:`embedkit.weighting.fold_in_pmi`).  Returns float32 (R, k), or (R, 2k) for
    ``concat``; a word without counts gets a zero row before the removal.
    """
    check_choice("vectors", vectors, VECTOR_KINDS)
    scale = r.s.astype(np.float64) ** (eig - 1.0)
    w = c = None
    if vectors != "c":
        w = np.asarray(sp.csr_matrix(word_rows) @ (r.Vt.T * scale).astype(np.float32), dtype=np.float32)
    if vectors != "w":
        c = np.asarray(sp.csr_matrix(context_rows) @ (r.U * scale).astype(np.float32), dtype=np.float32)
    if vectors == "w":
        out = w
    elif vectors == "c":
        out = c
    elif vectors == "concat":
        out = np.hstack([w, c])
    else:
        out = unit_rows(w) + unit_rows(c)
    return (removed or TopComponents(None, None)).apply(out).astype(np.float32)


# -- PCA of a dense table -----------------------------------------------------------------
@dataclass
class PCAResult:
    """A fitted PCA of an (n × p) table X.

    components : (k, p) — the top principal directions V_kᵀ (orthonormal rows)
    singular_values : (r,) — every singular value of the prepared table, descending
        (r = :func:`pca_rank`, min(n − 1, p) centred, with the exact solver; the top k
        with the randomized one)
    total_variance : float — ‖X̃‖_F², the sum of all σ² (X̃ the centred / scaled table)
    mean : (p,) or None — the column means subtracted (centring)
    scale : (p,) or None — the column standard deviations divided by (standardizing)
    n_rows : int — rows the PCA was fitted on
    """

    components: np.ndarray
    singular_values: np.ndarray
    total_variance: float
    mean: np.ndarray | None
    scale: np.ndarray | None
    n_rows: int

    @property
    def dim(self) -> int:
        return int(self.components.shape[0])

    @property
    def explained_variance(self) -> np.ndarray:
        """σ² / (n − 1) for every singular value kept in ``singular_values``."""
        return self.singular_values.astype(np.float64) ** 2 / max(self.n_rows - 1, 1)

    @property
    def explained_variance_ratio(self) -> np.ndarray:
        """σ² / Σσ² for every singular value kept in ``singular_values``."""
        total = self.total_variance if self.total_variance > 0 else 1.0
        return self.singular_values.astype(np.float64) ** 2 / total

    @property
    def reconstruction_error(self) -> float:
        """‖X̃ − X̃ V_k V_kᵀ‖_F² = Σ of the dropped σ² (Eckart–Young–Mirsky)."""
        kept = float((self.singular_values[: self.dim].astype(np.float64) ** 2).sum())
        return max(self.total_variance - kept, 0.0)

    def prepare(self, x: np.ndarray) -> np.ndarray:
        """X̃ = (X − mean) / scale, float64 (n × p)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.components.shape[1]:
            raise DataError(f"a table of shape {x.shape} does not fit a PCA of {self.components.shape[1]} columns")
        if self.mean is not None:
            x = x - self.mean
        if self.scale is not None:
            x = x / self.scale
        return x

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Loadings Z = X̃ V_k, shape (n, k)."""
        return self.prepare(x) @ self.components.T

    def reconstruction(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """The rank-k reconstruction of ``x`` in its original columns (n, p), and its
        error ‖X̃ − X̃ V_k V_kᵀ‖_F² measured on it (for the table the PCA was fitted on,
        :attr:`reconstruction_error`, the sum of the dropped σ²)."""
        xt = self.prepare(x)
        z = xt @ self.components.T
        error = float(((xt - z @ self.components) ** 2).sum())
        return self.inverse_transform(z), error

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Back to the original columns: Z V_kᵀ · scale + mean, shape (n, p)."""
        x = np.asarray(z, dtype=np.float64) @ self.components
        if self.scale is not None:
            x = x * self.scale
        if self.mean is not None:
            x = x + self.mean
        return x

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """The rank-k reconstruction of the rows of ``x`` (n × p) in their own units:
        ``inverse_transform(transform(x))``, shape (n, p).  Its squared error on the fitted
        table, measured in the prepared (centred / scaled) units, is
        :attr:`reconstruction_error`."""
        return self.inverse_transform(self.transform(x))

    def covariance(self) -> np.ndarray:
        """The covariance of the rows the model generates (see :meth:`sample`), (p × p).

        C = S V_kᵀ Λ_k V_k S with Λ_k = diag(explained_variance[:k]) and S = diag(scale)
        (the identity without standardizing).  With every component kept (k = min(n, p))
        this is the table's sample covariance (ddof 1); with fewer, the variance of the
        dropped directions is missing.  Without centring the model's mean is 0, and C is the
        second moment XᵀX / (n − 1) of the table instead of its covariance.
        """
        lam = self.explained_variance[: self.dim]
        c = (self.components.T * lam) @ self.components
        if self.scale is not None:
            c = c * np.outer(self.scale, self.scale)
        return c

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """Draw ``n`` new rows from the fitted model, shape (n, p), float64.

        Loadings z ~ N(0, Λ_k), Λ_k = diag(explained_variance[:k]) (the components'
        variances σ²/(n_rows − 1)), are mapped back like :meth:`inverse_transform`:
        x = z V_k · scale + mean.  The rows are Gaussian with mean ``mean`` (0 without
        centring) and covariance :meth:`covariance`; they lie in the k-dimensional
        principal subspace through the mean.

        This is probabilistic PCA (Tipping & Bishop, "Probabilistic principal component
        analysis", J. R. Stat. Soc. B 61(3), 1999) in its zero-noise limit σ² → 0: the
        isotropic noise that PPCA adds in the p − k dropped directions is left out, so the
        samples carry only the variance the kept components explain.

        The same ``seed`` gives the same bytes.  Raises :class:`ParameterError` when ``n`` is
        negative.
        """
        if n < 0:
            raise ParameterError(f"n must be 0 or more, got {n}")
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, self.dim)) * np.sqrt(self.explained_variance[: self.dim])
        return self.inverse_transform(z)


def pca(
    x: np.ndarray,
    dim: int | None = 2,
    center: bool = True,
    standardize: bool = False,
    solver: str = "auto",
    seed: int = 0,
) -> PCAResult:
    """Principal component analysis of a dense table ``x`` (n × p).

    Columns are centred (``center``) and, with ``standardize``, divided by their standard
    deviation (ddof 0; constant columns, equal to within rounding, are left unscaled
    and centre to exact zeros).  ``dim`` directions are kept
    (``None``: all min(n, p)).  ``full`` is an exact SVD giving the whole spectrum;
    ``randomized`` (:func:`truncated_svd`) computes only the top ``dim``; ``auto`` picks
    ``full`` when min(n, p) ≤ 2000.  Centred, n rows give at most n − 1 components
    (:func:`pca_rank`): a single row is a :class:`DataError`.  Signs follow :func:`truncated_svd`: the largest-magnitude
    loading of each component is positive.
    """
    check_choice("solver", solver, PCA_SOLVERS)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise DataError(f"PCA needs a non-empty table of rows × columns, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise DataError("the table holds a missing or non-finite value")
    n, p = x.shape
    r = pca_rank(n, p, center)
    if r == 0:
        raise DataError("PCA of a single row: centred, it has no variance; give at least 2 rows")
    k = r if dim is None else dim
    check_at_least("dim", k)
    if k > r:
        most = f"at most {r}{', as centring takes one' if center and n <= p else ''}"
        raise ParameterError("dim", k, f"is too large for a {n:,} × {p:,} table ({most})", True)
    # a constant column (its values equal to within rounding) has no variance: its mean is
    # its value exactly, so centring leaves exact zeros, not the noise of a float mean
    # (which standardizing would blow up into a unit-variance column)
    constant = np.ptp(x, axis=0) <= 4 * np.finfo(np.float64).eps * np.abs(x).max(axis=0)
    mean = np.where(constant, x[0], x.mean(axis=0)) if center else None
    scale = None
    if standardize:
        sd = x.std(axis=0)
        scale = np.where(constant | (sd == 0), 1.0, sd)
    xt = x
    if mean is not None:
        xt = xt - mean
    if scale is not None:
        xt = xt / scale
    total = float(np.einsum("ij,ij->", xt, xt))
    if solver == "randomized" or (solver == "auto" and r > 2000):
        res = truncated_svd(xt, k, solver="randomized", n_iter=7, seed=seed)
        u, s, vt = res.U, res.s.astype(np.float64), res.Vt
    else:
        # OpenBLAS threads make the SVD of a narrow table 10× slower when a core is busy
        with threadpool_limits(1 if r <= 1024 else None):
            u, s, vt = la.svd(xt, full_matrices=False, check_finite=False)
        res = fix_svd_signs(SVDResult(u, s, vt))
        u, s, vt = res.U, res.s, res.Vt
    return PCAResult(np.ascontiguousarray(vt[:k]), s[:r], total, mean, scale, n)


def pca_rank(n_rows: int, n_cols: int, center: bool = True) -> int:
    """The most components :func:`pca` finds in an n × p table: min(n, p), or min(n − 1, p)
    centred (n centred rows span at most n − 1 directions: the n-th singular value is
    rounding noise, never a component)."""
    return min(n_rows - 1 if center else n_rows, n_cols)


# -- parallel sparse × dense products -------------------------------------------------------
_COLUMN_BLOCK = 128


#: ParallelMatmul keeps a transposed copy of a matrix up to this many bytes (exact, and
#: the same bytes for any number of workers); above it, Mᵀx is summed over row blocks.
TRANSPOSE_COPY_MAX_BYTES = 1 << 30


#: The compiled product reads x this many bytes of rows at a time (a core's L2 cache).
PANEL_BYTES = 1 << 21

#: ... but at least enough columns that a row of the matrix has this many non-zeros in a
#: panel on average (:func:`panel_columns`).
PANEL_ROW_NNZ = 4


def panel_columns(m, width: int, itemsize: int) -> int:
    """The columns of a CSR ``m`` that :func:`embedkit.kernels.csr_dense_rows` takes at a
    time for an x of ``width`` columns of ``itemsize`` bytes: :data:`PANEL_BYTES` of x's
    rows (they stay in a core's L2 cache while every row reads them), widened to
    :data:`PANEL_ROW_NNZ` × (columns / mean non-zeros per row) columns when that is more,
    and at least 64.

    A panel pays when a row reads several of x's rows from it; every row that has a
    non-zero in a panel reads and writes its whole row of the result once per panel.  On a
    graph's sparse matrix (1 M × 1 M, 20 non-zeros a row) an L2-sized panel (2,912 rows of
    x at 180 float32 columns) holds 0.06 of a row's non-zeros, so each non-zero cost a
    read and a write of the result's row besides its own row of x: the product took
    2.7× as long as with panels of 4 non-zeros a row (BENCHMARKS.md "Speed: … the
    million-node graph").  The panel never changes the result's bytes.
    """
    n_rows, n_cols = m.shape
    sparse = -(-PANEL_ROW_NNZ * n_cols * n_rows // m.nnz) if m.nnz else 0  # ⌈k · cols / (nnz / rows)⌉
    return max(64, PANEL_BYTES // (max(1, width) * itemsize), sparse)


class ParallelMatmul:
    """``m @ x`` and ``m.T @ x`` for a sparse ``m`` and a dense ``x`` on several cores.

    With numba (:data:`embedkit.kernels.ENABLED`) ``m`` and its transposed copy are each
    a :class:`RowSplitMatmul` on ``workers`` threads running the compiled, cache-blocked
    product.  Without it, forked worker processes keep a view of their block of rows,
    and the dense operands travel through shared memory.  Either way every
    output row is computed exactly as scipy would (the same bytes), so the result does
    not depend on the number of workers or on numba.

    A matrix larger than :data:`TRANSPOSE_COPY_MAX_BYTES` gets no transposed copy (it
    would be a third of the factorisation's memory): ``m.T @ x`` is then the sum over
    the row blocks of ``block.T @ x[block rows]``, each worker writing its own partial,
    and float32 rounding depends on the number of workers.  Use as a context manager;
    with ``workers=1`` it is plain scipy.
    """

    def __init__(self, m, workers: int, max_cols: int) -> None:
        import mmap

        import numpy as np

        self.m = m.tocsr()
        self.dtype = np.dtype(np.float32 if self.m.dtype == np.float32 else np.float64)
        size = self.m.nnz * (self.dtype.itemsize + self.m.indices.itemsize)
        self.mt = self.m.T.tocsr() if size <= TRANSPOSE_COPY_MAX_BYTES else None
        self.workers = max(1, min(workers, self.m.shape[0], self.m.shape[1]))
        self.max_cols = max_cols
        self._procs: list = []
        self._pipes: list = []
        self._rows: dict = {}
        self.compiled = kernels.ENABLED and self.mt is not None
        if self.compiled:
            self._start_threads()
            return
        if self.workers == 1:
            return
        n, k = self.m.shape
        item = self.dtype.itemsize
        self._in = mmap.mmap(-1, max(n, k) * max_cols * item)
        self._out = mmap.mmap(-1, max(n, k) * max_cols * item)
        self._bounds = {"m": _balanced_rows(self.m, self.workers)}
        release_freed_memory()
        if self.mt is not None:
            self._bounds["mt"] = _balanced_rows(self.mt, self.workers)
        else:
            self._partial = mmap.mmap(-1, (self.workers - 1) * k * max_cols * item)
        ctx = multiprocessing.get_context("fork")
        with interrupts_deferred():
            for w in range(1, self.workers):
                parent, child = ctx.Pipe()
                p = ctx.Process(target=self._serve, args=(w, child), daemon=True)
                p.start()
                child.close()
                self._procs.append(p)
                self._pipes.append(parent)

    def _start_threads(self) -> None:
        self.m, self.mt = (a if a.dtype == self.dtype else a.astype(self.dtype) for a in (self.m, self.mt))
        self._threaded = {
            which: RowSplitMatmul(getattr(self, which), self.workers, compiled=True) for which in ("m", "mt")
        }
        self._buffers: dict = {}

    def _compiled_product(self, which: str, x, copy: bool):
        import numpy as np

        product = self._threaded[which]
        x = np.ascontiguousarray(x, dtype=self.dtype)
        if x.shape[0] != product.shape[1]:
            raise ValueError(f"x has {x.shape[0]} rows, the product needs {product.shape[1]}")
        shape = (product.shape[0], x.shape[1])
        y = None if copy else self._buffers.get((which, shape))
        if y is None:
            y = np.empty(shape, dtype=self.dtype)
            if not copy:  # reused by the next product of this shape (see matmul)
                self._buffers[(which, shape)] = y
        return product(x, out=y)

    def _views(self, which: str, cols: int, w: int = 0):
        """x (the operand) and y (where worker ``w`` writes) in shared memory."""
        import numpy as np

        n, k = self.m.shape
        n_in, n_out = (k, n) if which == "m" else (n, k)
        x = np.frombuffer(self._in, dtype=self.dtype, count=n_in * cols).reshape(n_in, cols)
        if which == "mt" and self.mt is None and w > 0:  # a partial sum of its own
            offset = (w - 1) * k * cols * self.dtype.itemsize
            return x, np.frombuffer(self._partial, dtype=self.dtype, count=k * cols, offset=offset).reshape(k, cols)
        return x, np.frombuffer(self._out, dtype=self.dtype, count=n_out * cols).reshape(n_out, cols)

    def _block(self, which: str, cols: int, w: int) -> None:
        import numpy as np

        x, y = self._views(which, cols, w)
        summed = which == "mt" and self.mt is None
        a = self.m if which == "m" or summed else self.mt
        bounds = self._bounds["m" if summed else which]
        lo, hi = bounds[w], bounds[w + 1]
        if hi <= lo:
            if summed:
                y[...] = 0
            return
        key = (which, w)
        rows = self._rows.get(key)
        if rows is None:  # a view of the rows (a slice would copy them, in every worker)
            rows = self._rows[key] = _row_view(a, lo, hi)
        # 128 columns at a time keep the rows of x that a block reads in cache
        # (measured: 0.78 s instead of 0.95 s for a 41k × 41k, 9.5 M non-zero product)
        for j in range(0, cols, _COLUMN_BLOCK):
            if summed:
                y[:, j : j + _COLUMN_BLOCK] = rows.T @ np.ascontiguousarray(x[lo:hi, j : j + _COLUMN_BLOCK])
            else:
                y[lo:hi, j : j + _COLUMN_BLOCK] = rows @ np.ascontiguousarray(x[:, j : j + _COLUMN_BLOCK])

    def _serve(self, w: int, conn) -> None:
        worker_init()
        while True:
            msg = conn.recv()
            if msg is None:
                return
            self._block(*msg, w)
            conn.send(True)

    def _product(self, which: str, x, copy: bool = True):
        import numpy as np

        if self.compiled:
            return self._compiled_product(which, x, copy)
        x = np.asarray(x)
        if self.workers == 1:
            a = self.m if which == "m" else (self.mt if self.mt is not None else self.m.T)  # m.T: a CSC view
            return np.hstack(
                [
                    np.asarray(a @ np.ascontiguousarray(x[:, j : j + _COLUMN_BLOCK]))
                    for j in range(0, x.shape[1], _COLUMN_BLOCK)
                ]
            )
        cols = x.shape[1]
        if cols > self.max_cols:
            raise ValueError(f"x has {cols} columns, more than the {self.max_cols} reserved")
        xin, out = self._views(which, cols)
        xin[...] = x
        for conn in self._pipes:
            conn.send((which, cols))
        self._block(which, cols, 0)
        for conn in self._pipes:
            conn.recv()
        if copy:
            out = out.copy()
        if which == "mt" and self.mt is None:
            for w in range(1, self.workers):
                out += self._views(which, cols, w)[1]
        return out

    def sketch(self, cols: np.ndarray, values: np.ndarray) -> np.ndarray:
        """``m @ Ω`` for the sparse sign matrix Ω of :func:`sparse_sign` (``cols``,
        ``values``: n_cols × ζ), a new array: compiled, ζ multiply-adds a non-zero of m
        (:meth:`RowSplitMatmul.sparse_sign`); else the product with the dense Ω (the same
        bytes)."""
        if self.compiled:
            return self._threaded["m"].sparse_sign(cols, values, self.max_cols)
        return self.matmul(sparse_sign_dense(cols, values, self.max_cols).astype(self.dtype, copy=False))

    def matmul(self, x, copy: bool = True):
        """``m @ x`` for x of shape (m.shape[1], c), c <= max_cols.  With ``copy=False``
        the result is a reused buffer that a later product may overwrite (the next one on
        forked processes; the next one with ``m`` and as many columns, compiled)."""
        return self._product("m", x, copy)

    def rmatmul(self, x, copy: bool = True):
        """``m.T @ x`` for x of shape (m.shape[0], c), c <= max_cols (``copy`` as above)."""
        return self._product("mt", x, copy)

    def close(self) -> None:
        for product in self.__dict__.pop("_threaded", {}).values():
            product.close()
        self.__dict__.pop("_buffers", None)
        for conn in self._pipes:
            try:
                conn.send(None)
            except OSError:
                pass
        for p in self._procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
        self._procs, self._pipes = [], []
        self._rows.clear()
        for name in ("_in", "_out", "_partial"):
            buffer = self.__dict__.pop(name, None)
            if buffer is not None:
                try:
                    buffer.close()
                except BufferError:  # a caller still holds a view: freed with it
                    pass

    def __enter__(self) -> ParallelMatmul:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _row_view(m, lo: int, hi: int):
    """Rows lo..hi of a CSR matrix sharing its data and index arrays."""
    import scipy.sparse as sp

    s, e = int(m.indptr[lo]), int(m.indptr[hi])
    parts = (m.data[s:e], m.indices[s:e], m.indptr[lo : hi + 1] - s)
    return sp.csr_matrix(parts, shape=(hi - lo, m.shape[1]), copy=False)


def _balanced_rows(a, parts: int) -> list[int]:
    """Row boundaries splitting a CSR matrix into ``parts`` blocks of about equal non-zeros."""
    import numpy as np

    targets = np.linspace(0, a.nnz, parts + 1)
    bounds = np.searchsorted(a.indptr, targets).tolist()
    bounds[0], bounds[-1] = 0, a.shape[0]
    return [int(b) for b in np.maximum.accumulate(bounds)]


def product_threads() -> int:
    """How many threads :class:`RowSplitMatmul` uses by default: the cores this process may
    run on (``os.sched_getaffinity``), at most 8."""
    import os

    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


try:  # scipy's sparse × dense kernel (y += A x, rows independent; it releases the GIL)
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - a scipy that moved it: each thread copies its rows
    _csr_matvecs = None


#: Non-zeros from which :class:`RowSplitMatmul` takes the compiled kernel even when numba
#: is not yet loaded (BlogCatalog's 0.67 M: a run without numba was 0.3–0.6 s faster).
_COMPILED_MIN_NNZ = 2_000_000


class RowSplitMatmul:
    """``m @ x`` for a sparse CSR ``m`` and a dense ``x``, its rows split among threads:
    the one threaded sparse × dense product (the SVD's :class:`ParallelMatmul`, the
    eigensolvers and the graph routes use it).

    The rows of ``m`` are cut into ``threads`` blocks of about equal non-zeros and each
    thread writes its rows of the result.  With numba (:data:`embedkit.kernels.ENABLED`)
    a block runs the compiled, cache-blocked :func:`embedkit.kernels.csr_dense_rows`
    (about twice scipy's speed on one core) when numba is already loaded or ``m`` has at
    least :data:`_COMPILED_MIN_NNZ` non-zeros (``compiled`` forces either); else scipy's own kernel
    (``csr_matvecs``), which releases the GIL too.  Every output row is computed exactly
    as ``m @ x`` computes it, so the result is the same bytes for any number of threads,
    with or without numba.  Callable: ``RowSplitMatmul(m)(x, out=None)``; ``x``
    (m.shape[1] × c) is made C-contiguous first; ``out`` (m.shape[0] × c, x's dtype)
    receives the result when given.
    """

    def __init__(self, m, threads: int | None = None, compiled: bool | None = None) -> None:
        import scipy.sparse as sp

        self.m = sp.csr_matrix(m)
        if compiled is None:  # importing numba (~0.4 s) pays only on large matrices
            compiled = kernels.loaded() or self.m.nnz >= _COMPILED_MIN_NNZ
        self.compiled = compiled and kernels.ENABLED
        if self.compiled and not self.m.has_sorted_indices:  # the kernel walks each row in order
            self.m = self.m.sorted_indices()
        threads = product_threads() if threads is None else max(1, threads)
        bounds = _balanced_rows(self.m, max(1, min(threads, self.m.shape[0])))
        self.blocks = [(lo, hi, _row_view(self.m, lo, hi)) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]
        self._pool = None
        if len(self.blocks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(len(self.blocks) - 1)

    @property
    def shape(self) -> tuple[int, int]:
        return self.m.shape

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        x = np.ascontiguousarray(x)
        same = x.ndim == 2 and x.dtype == self.m.dtype
        compiled = self.compiled and same
        if self._pool is None and not compiled:
            y = np.asarray(self.m @ x)
            if out is None:
                return y
            out[...] = y
            return out
        dtype = np.result_type(self.m.dtype, x.dtype)
        # scipy's own kernel, accumulating into each thread's rows of one zeroed result
        # (as ``m @ x`` does into its own), so that no thread holds a partial copy: at a
        # million rows and 180 columns that copy would be 0.7 GB
        direct = not compiled and _csr_matvecs is not None and same
        shape = (self.m.shape[0], *x.shape[1:])
        if out is None:
            out = (np.zeros if direct else np.empty)(shape, dtype=dtype)
        elif direct:
            out[...] = 0
        if compiled and x.shape[1] == 0:
            return out
        panel = panel_columns(self.m, x.shape[1], x.dtype.itemsize)
        m = self.m

        def part(block) -> None:
            lo, hi, rows = block
            if compiled:
                kernels.csr_dense_rows(m.indptr, m.indices, m.data, x, out, lo, hi, panel)
            elif direct:
                flat = x.ravel()
                _csr_matvecs(
                    hi - lo, x.shape[0], x.shape[1], rows.indptr, rows.indices, rows.data, flat, out[lo:hi].ravel()
                )
            else:
                out[lo:hi] = rows @ x

        self._run(part)
        return out

    def sparse_sign(self, cols: np.ndarray, values: np.ndarray, l: int) -> np.ndarray:
        """``m @ Ω`` (m.shape[0] × l, m's dtype) for a sparse Ω (m.shape[1] × l) given by
        ``ζ`` non-zeros a row (:func:`sparse_sign`): the compiled
        :func:`embedkit.kernels.csr_sparse_sign_rows` on the row blocks, which adds each
        entry's terms in the order ``m @ Ω.toarray()`` does (the same bytes), at ζ / l of
        its work; that dense product without numba."""
        if not kernels.ENABLED:
            return self(sparse_sign_dense(cols, values, l).astype(self.m.dtype, copy=False))
        m = self.m if self.m.has_sorted_indices else self.m.sorted_indices()
        out = np.empty((m.shape[0], l), dtype=m.dtype)
        cols = np.ascontiguousarray(cols, dtype=np.int32)
        values = np.ascontiguousarray(values, dtype=m.dtype)

        def part(block) -> None:
            lo, hi, _ = block
            kernels.csr_sparse_sign_rows(m.indptr, m.indices, m.data, cols, values, out, lo, hi)

        self._run(part)
        return out

    def _run(self, part) -> None:
        """``part(block)`` for every row block, the first on this thread."""
        if self._pool is None:
            for b in self.blocks:
                part(b)
            return
        futures = [self._pool.submit(part, b) for b in self.blocks[1:]]
        part(self.blocks[0])
        for f in futures:
            f.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> RowSplitMatmul:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def truncated_eigh_product(
    product: Callable[[np.ndarray], np.ndarray],
    n: int,
    dim: int,
    n_iter: int = 4,
    oversample: int = 20,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`truncated_eigh` for a symmetric n × n matrix given by its product
    ``product(x)`` = M x (x: n × c float32), e.g. a :class:`RowSplitMatmul` that shares
    the products among threads (for a product that computes ``m @ x`` exactly, as
    RowSplitMatmul does, the result is the same bytes as :func:`truncated_eigh`'s).
    """
    progress = progress or _no_progress
    if not 1 <= dim <= n:
        raise ParameterError("dim", dim, f"must be between 1 and {n}")
    rng = np.random.default_rng(seed)
    l = min(dim + oversample, n)
    counted = _counted(product, progress)

    def squared(q: np.ndarray, i: int) -> np.ndarray:
        # two products per orthonormalisation (M² q; the last step M q when n_iter is
        # odd): at a million rows a Cholesky-QR round (two n × l products) costs more
        # than a sparse product
        y = np.asarray(counted(q))
        return np.asarray(counted(y)) if n_iter - 2 * i > 1 else y

    q = randomized_range_finder(
        lambda: counted(rng.standard_normal((n, l), dtype=np.float32)), squared, (n_iter + 1) // 2
    )
    w, v = rayleigh_ritz(counted, q)
    top = np.argsort(-np.abs(w), kind="stable")[:dim]
    return w[top], fix_signs(q @ v[:, top].astype(np.float32))
