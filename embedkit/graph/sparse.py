"""The sparse route for large graphs: NetMF's matrix for T = 1 (the non-zeros of A only)
and ProNE's spectral propagation (Zhang et al., IJCAI 2019), which brings back the
higher-order proximity that T = 1 leaves out."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ..errors import check_at_least
from ..linalg import RowSplitMatmul, fix_signs, gram
from ..weighting import pmi
from .netmf import TELEPORT, pagerank_walk
from .types import Graph


def sparse_pmi_matrix(graph: Graph, negative: float = 1.0) -> sp.csr_matrix:
    """NetMF's matrix for T = 1, log(max(vol(G)/b · A_ij / (d_i d_j), 1)), sparse (n × n).

    It is the PPMI of the graph's edges as co-occurrence counts (no smoothing), so it keeps
    at most nnz(A) non-zeros; float32 CSR.  ``negative`` below 1 counts as 1.
    """
    return pmi(graph.adjacency(), "ppmi", max(negative, 1.0), cds=1.0)


def directed_sparse_pmi_matrix(graph: Graph, negative: float = 1.0, teleport: float = TELEPORT) -> sp.csr_matrix:
    """The directed closed form (:func:`~embedkit.graph.netmf.directed_netmf_matrix`) for
    T = 1, on the edges only: log max(M, 1) with

        M_ij = (1 − α) / (2b) · (P_ij / π_j + P_ji / π_i),

    P = D_out⁻¹ A and π the stationary distribution of PageRank's walk (teleport α,
    :func:`~embedkit.graph.netmf.pagerank_walk`).  The restarts' part of P_α, α/n between
    every pair (a dense rank-one term, about α/(2b) < 1 where π_j ≈ 1/n, so mostly cut by
    log max(·, 1)), is left out, which keeps the non-zeros of A + Aᵀ only.  Symmetric,
    float32 CSR (n × n).  For a graph holding both directions of every edge and α = 0 it
    is :func:`sparse_pmi_matrix` of the undirected graph.  ``negative`` below 1 counts
    as 1.  The directed analogue of NetMF's T = 1 matrix (Qiu et al., WSDM 2018), as the
    sparse route's first step for a directed graph.
    """
    p, _, pi = pagerank_walk(graph.adjacency(), teleport)
    b = max(negative, 1.0)
    inv_pi = np.zeros_like(pi)
    inv_pi[pi > 0] = 1.0 / pi[pi > 0]
    x = (p @ sp.diags(inv_pi)).tocsr()
    m = ((x + x.T) * ((1.0 - teleport) / (2.0 * b))).tocsr()
    m.data = np.log(np.maximum(m.data, 1.0))
    m.eliminate_zeros()
    return sp.csr_matrix(m, dtype=np.float32)


#: Columns :func:`spectral_propagation` propagates at a time.  On the 1 M-node graph (one
#: product of its 21 M-non-zero matrix, both cores) a column cost 14 ms of CPU at 80–96
#: columns against 21–34 ms at 32 (x's rows are gathered in longer runs); its temporaries,
#: six n × 80 float32 arrays (1.9 GB at a million nodes), make the sparse route's peak
#: there, 4.6 GB (BENCHMARKS.md "Speed: the million-node graph's sparse products").
PROPAGATION_BLOCK = 80


def spectral_propagation(
    graph: Graph,
    x: np.ndarray,
    order: int = 5,
    mu: float = 0.0,
    theta: float = 4.0,
    block: int = PROPAGATION_BLOCK,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """ProNE's spectral propagation of an embedding x (n × d): float32 (n × d).

    With Ã = A + I (A + Aᵀ + I for a directed graph) and the random-walk Laplacian
    L = I − D̃⁻¹Ã (spectrum in [0, 2)), the Gaussian
    g(L) = exp(−θ/2 ((L − μ)² − 2)) = e^θ · exp(−θ/2 (L − μ)²) is expanded in
    Chebyshev polynomials of (L − μ)²/2 − 1 (coefficients: modified Bessel functions
    I_k(θ)) to ``order`` terms, and the embedding becomes Ã (I − g(L)) x.  The filter
    1 − g weighs each eigencomponent by its distance from μ: with the defaults (order 5,
    μ 0, θ 4; the 5-term expansion only approximates the Gaussian) |1 − g| is about 52
    at λ = 0, 33 at λ = 0.5, 5.5 at λ = 1 and below 0.35 from λ = √2 up — a low-pass
    that strengthens what is smooth on the graph; ProNE's own (10, 0.2, 0.5) is milder.
    2 (order − 1) + 1 sparse × dense products, in float32, ``block`` columns at a time so
    that only a few n × block arrays are alive (six, updated in place: 1.9 GB at a million
    nodes and 80 columns; each column is computed alone, so ``block`` does not change the
    result),
    each product's rows shared among ``threads``
    threads (default: :func:`~embedkit.linalg.product_threads`; the result does not
    depend on it).  ``progress(1)`` follows each sparse product
    (:func:`propagation_steps` in all).  Zhang et al., "ProNE", IJCAI 2019.
    """
    progress = progress or (lambda _: None)
    from scipy.special import iv

    check_at_least("order", order)
    n = graph.n
    a = graph.adjacency()
    if graph.directed:  # propagate along edges in both directions
        a = (a + a.T).tocsr()
    at = (a + sp.eye(n, format="csr")).tocsr()
    del a  # not held through the products
    dt = np.asarray(at.sum(axis=1)).ravel()
    # M = L − μ I = (1 − μ) I − D̃⁻¹ Ã
    m = (sp.eye(n, format="csr") * (1.0 - mu) - sp.diags(1.0 / dt) @ at).astype(np.float32).tocsr()
    at = at.astype(np.float32)
    coef = [float(iv(k, theta)) for k in range(order)]
    out = np.empty((n, x.shape[1]), dtype=np.float32)
    # the products' rows split among threads (the same bytes as m @ x)
    with RowSplitMatmul(m, threads) as mx, RowSplitMatmul(at, threads) as ax:

        def squared(y: np.ndarray, tmp: np.ndarray, dest: np.ndarray) -> np.ndarray:
            """M² y into ``dest``, two products (``tmp`` holds M y)."""
            mx(y, out=tmp)
            progress(1)
            mx(tmp, out=dest)
            progress(1)
            return dest

        def propagated(x0: np.ndarray) -> np.ndarray:
            """Ã (I − g(L)) x0 for one block of columns; its temporaries die on return.

            Six n × block arrays at most, updated in place, each step the same operations
            (and bytes) as T_{k+1} = (M² − 2) T_k − T_{k−1}, conv += c T_{k+1}."""
            tmp = np.empty_like(x0)
            t_prev, t_cur = x0, squared(x0, tmp, np.empty_like(x0))  # T₀, T₁ of (M²/2 − I):
            t_cur *= 0.5
            t_cur -= x0  # T₁ = M² x0 / 2 − x0
            conv = coef[0] * x0
            np.multiply(2.0 * coef[1], t_cur, out=tmp)
            conv -= tmp
            spare = np.empty_like(x0)
            for k in range(2, order):
                t_next = squared(t_cur, tmp, spare)
                np.multiply(2.0, t_cur, out=tmp)
                t_next -= tmp
                t_next -= t_prev
                np.multiply((2.0 if k % 2 == 0 else -2.0) * coef[k], t_next, out=tmp)
                conv += tmp
                spare = t_prev if t_prev is not x0 else np.empty_like(x0)
                t_prev, t_cur = t_cur, t_next
            np.subtract(x0, conv, out=conv)
            return ax(conv, out=tmp)

        for j in range(0, x.shape[1], block):
            x0 = np.ascontiguousarray(x[:, j : j + block], dtype=np.float32)
            out[:, j : j + block] = x0 if order == 1 else propagated(x0)
            if order > 1:
                progress(1)
            del x0
    return out


def propagation_steps(dim: int, order: int = 5, block: int = PROPAGATION_BLOCK) -> int:
    """The number of sparse products :func:`spectral_propagation` makes on ``dim`` columns:
    2 (order − 1) + 1 for each block of columns (none for order 1)."""
    return 0 if order <= 1 else -(-dim // block) * (2 * (order - 1) + 1)


def spectral_vectors(y: np.ndarray, eig: float = 0.5) -> np.ndarray:
    """Re-orthogonalise an n × d embedding: U Σ^eig of its thin SVD, through the d × d Gram."""
    g = gram(y)
    with threadpool_limits(1):  # OpenBLAS threads only slow down d × d problems
        w, v = la.eigh(g, check_finite=False)
    order = np.argsort(w)[::-1]
    s = np.sqrt(np.maximum(w[order], 0.0))
    keep = s > (s[0] * 1e-6 if s.size and s[0] > 0 else np.inf)
    scale = np.zeros_like(s)
    scale[keep] = s[keep] ** (eig - 1.0)  # U Σ^eig = Y V Σ^(eig − 1)
    return fix_signs(y @ (v[:, order] * scale).astype(np.float32))
