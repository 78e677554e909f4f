"""NetMF (Qiu et al., WSDM 2018): the closed form of the matrix DeepWalk's walk
co-occurrence converges to, through the leading eigenpairs of the normalized adjacency
(Chebyshev-filtered subspace iteration) — both ends of its spectrum — or computed
exactly; and its analogue for directed graphs (a walk with restarts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ..errors import ParameterError, check_at_least, check_positive
from ..linalg import (
    RowSplitMatmul,
    fix_signs,
    gram,
    orthonormalize,
    product_threads,
    randomized_range_finder,
    rayleigh_ritz,
)
from .types import Graph

#: The restart probability of the directed closed form's walk (PageRank's 0.15).
TELEPORT = 0.15

#: The top eigenpairs' solver (:func:`top_eigenpairs`): extra vectors in the block, the
#: Chebyshev degree, the passes.  Chosen on BlogCatalog, confirmed on Cora and the held-out
#: graphs (BENCHMARKS.md "Speed: BlogCatalog end to end"): 28 products of width rank + 16
#: classify as well as the 36 of width rank + 32 used before, at 64 % of the work.
OVERSAMPLE, DEGREE, PASSES = 16, 6, 4

#: The negative probe's solver keeps its own settings (degree 8, block 8 + 16 or
#: max_negative + 32): how many negative eigenpairs the mirror rule keeps depends on how far
#: they have converged.
_NEG_DEGREE = 8


def _normalized(graph: Graph) -> tuple[sp.csr_matrix, np.ndarray, float]:
    """S = D^-½ A D^-½ (CSR), d^-½ (n,) with 0 for isolated nodes, and vol(G)."""
    a = graph.adjacency()
    d = np.asarray(a.sum(axis=1)).ravel()
    dinv = np.zeros_like(d)
    dinv[d > 0] = 1.0 / np.sqrt(d[d > 0])
    s = sp.diags(dinv) @ a @ sp.diags(dinv)
    return s.tocsr(), dinv, float(d.sum())


def _window_filter(evals: np.ndarray, window: int) -> np.ndarray:
    """f(λ) = (1/T) Σ_{r=1..T} λ^r, elementwise."""
    out = np.zeros_like(evals)
    x = np.ones_like(evals)
    for _ in range(window):
        x = x * evals
        out += x
    return out / window


def _two_sided_filter(evals: np.ndarray, window: int) -> np.ndarray:
    """NetMF's window filter with the sign of a negative eigenvalue kept: sign(λ) f(|λ|).

    f(λ) = (1/T) Σ λ^r sums alternating terms when λ < 0, so a wide window averages a
    negative eigenvalue away — exactly, for λ = −1 and an even T, which is why NetMF's
    matrix of a connected complete bipartite graph (spectrum {1, 0, −1}) is 1 everywhere
    and log max(M, 1) is 0.  Only the negative eigenvalues that
    :func:`two_sided_eigenpairs` keeps as structure reach this filter.
    """
    return np.sign(evals) * _window_filter(np.abs(evals), window)


def two_sided_eigenpairs(
    s: sp.spmatrix,
    rank: int,
    seed: int = 0,
    max_negative: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The top ``rank`` eigenpairs of S and the negative ones that mirror them.

    A negative eigenvalue of S = D^-½ A D^-½ is structure *between* groups of nodes (−1
    exactly for a bipartite component, near −1 for a graph whose edges mostly join two
    sides: users and items, or classes that link to other classes), where a positive one is
    structure *within* groups (communities).  In a graph without such structure the most
    negative eigenvalues are the edge of a noise bulk, smaller in magnitude than the leading
    positive ones (BlogCatalog: −0.52 against 0.57).  The rule, which uses no labels: the
    j-th most negative eigenvalue is kept while |λ⁻_j| ≥ λ⁺_{c+j}, the j-th positive
    eigenvalue after the c trivial ones (λ = 1, one per connected component) — that is,
    while the negative end of the spectrum mirrors the positive end — at most
    ``max_negative`` of them (default rank / 4; on the dense branch more when the last one
    is repeated, since any part of an eigenspace would be arbitrary).  A few negative
    eigenpairs are computed first (a Chebyshev pass on −S with a small block); more only
    when all of those pass.

    Returns (evals, evecs (n × k) with orthonormal columns, number of negative pairs kept):
    the top ``rank`` in descending order, then the kept negative ones.  ``progress`` follows
    the top eigenpairs' solver (see :func:`top_eigenpairs`).
    """
    progress = progress or (lambda _: None)
    n = s.shape[0]
    if max_negative is None:
        max_negative = max(1, rank // 4)
    if 3 * (rank + max_negative) >= n or n <= 1500:
        with threadpool_limits(1 if n <= 2000 else None):
            w, u = la.eigh(s.toarray() if sp.issparse(s) else s)
        progress(PASSES * (DEGREE + 1))  # as many steps as the iterative solver announces
        order = np.argsort(w)[::-1]
        top = order[:rank]
        top = top[w[top] > 1e-9]
        ascending = np.argsort(w)
        cut = min(max_negative, n)
        while 0 < cut < n and w[ascending[cut]] - w[ascending[cut - 1]] <= _TIE:  # never split an eigenspace
            cut += 1
        neg = ascending[:cut]
        neg = neg[w[neg] < -1e-9]
        keep = _mirrored(w[top], -w[neg])
        idx = np.concatenate([top, neg[:keep]])
        return w[idx], u[:, idx], keep
    w_pos, u_pos = top_eigenpairs(s, rank, seed=seed, progress=progress)
    probe = min(8, max_negative)
    w_neg, u_neg = top_eigenpairs(-s, probe, seed=seed + 1, oversample=16, degree=_NEG_DEGREE)
    keep = _mirrored(w_pos, w_neg)
    if keep == probe < max_negative:
        w_neg, u_neg = top_eigenpairs(-s, max_negative, seed=seed + 1, oversample=32, degree=_NEG_DEGREE)
        keep = _mirrored(w_pos, w_neg)
    return np.concatenate([w_pos, -w_neg[:keep]]), np.hstack([u_pos, u_neg[:, :keep]]), keep


#: Eigenvalues this close are one eigenspace (two identical components, a bipartite pair):
#: the dense branch keeps or drops such a space whole, since any part of it is arbitrary.
_TIE = 1e-6

#: How far below 1 an eigenvalue of S still counts as a trivial one (a connected component).
_ONE = 1e-4


def _mirrored(pos: np.ndarray, neg_abs: np.ndarray) -> int:
    """How many of the negative eigenvalues (magnitudes, descending) mirror the positive
    ones (descending): |λ⁻_j| ≥ λ⁺_{c+j}, c = the number of eigenvalues 1 (one a connected
    component), counted within :data:`_ONE` of 1: the float32 solver gives them up to a few
    1e-6 below 1 (Cora's 78, seed 1: two of them below 1 − 1e-6, and the rule then kept 1
    negative pair instead of 48), its first non-trivial eigenvalue there is 1 − 0.005."""
    pos = np.sort(pos[pos > 0])[::-1]
    c = max(1, int(np.sum(pos >= 1.0 - _ONE)))
    k = 0
    while k < neg_abs.size and neg_abs[k] > 1e-9:
        if c + k < pos.size and neg_abs[k] < pos[c + k] - 1e-9:
            break
        k += 1
    return k


def top_eigenpairs(
    s: sp.spmatrix,
    rank: int,
    seed: int = 0,
    oversample: int = OVERSAMPLE,
    degree: int = DEGREE,
    passes: int = PASSES,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``rank`` algebraic eigenpairs of a symmetric sparse matrix S (n × n), ‖S‖ ≤ 1.

    Chebyshev-filtered subspace iteration: a block of ``rank + oversample`` vectors goes
    through a degree-``degree`` Chebyshev polynomial that maps the unwanted part of the
    spectrum, [-1, c], into [-1, 1] and grows exponentially above c (c is re-estimated
    from the Ritz values after each pass), then Rayleigh–Ritz.  Every step is one sparse ×
    dense block product in float32: ``passes`` × (``degree`` + 1) of them, each of width
    rank + oversample (the defaults: 28 products of width 208 for rank 192) — on BlogCatalog
    (n = 10,312) about a second on a quiet machine, where ``scipy.sparse.linalg.eigsh``
    (one vector per Python callback) takes 38 s for 256 eigenpairs.
    Dense ``eigh`` when ``rank`` is a large part of n.

    ``progress(1)`` follows each of the ``passes`` × (``degree`` + 1) block products (the
    dense branch reports them all at its end).

    Returns (evals (rank,) descending, evecs (n × rank) with orthonormal columns).
    """
    progress = progress or (lambda _: None)
    n = s.shape[0]
    if 3 * rank >= n or n <= 1500:
        with threadpool_limits(1 if n <= 2000 else None):
            w, u = la.eigh(s.toarray() if sp.issparse(s) else s)
        order = np.argsort(w)[::-1][:rank]
        progress(passes * (degree + 1))
        return w[order], u[:, order]
    rng = np.random.default_rng(seed)
    l = min(rank + oversample, n)
    # the rows split among threads: the same bytes as one s32 @ x, on every core
    s32 = RowSplitMatmul(sp.csr_matrix(s, dtype=np.float32))

    def product(x: np.ndarray) -> np.ndarray:
        y = s32(x)
        progress(1)  # after each of the passes × (degree + 1) block products
        return y

    def ritz(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Eigenvalues (descending) and Ritz vectors of S on the basis x."""
        w, v = rayleigh_ritz(product, x)
        order = np.argsort(w)[::-1]
        return w[order], x @ v[:, order].astype(np.float32)

    def chebyshev(x: np.ndarray, i: int) -> np.ndarray:
        cut = 0.0  # first pass: damp the negative half of the spectrum
        if i:  # later passes: below the smallest Ritz value is what to damp
            w, x = ritz(x)
            cut = float(w[-1])
        center, half = (cut - 1.0) / 2, (cut + 1.0) / 2
        shift = np.empty_like(x)

        def step(y: np.ndarray, scale: float) -> np.ndarray:
            """scale · (S − center) y, in place on the product (a new array each time)."""
            z = product(y)
            z -= np.multiply(y, np.float32(center), out=shift)
            z *= np.float32(scale)
            return z

        y_prev, y = x, step(x, 1.0 / half)
        for _k in range(1, degree):
            y_next = step(y, 2.0 / half)
            y_next -= y_prev
            y_prev, y = y, y_next
        return y

    # BLAS on one thread: the dense steps are tall-skinny (n × l) products, which OpenBLAS's
    # threads slow down (BlogCatalog: a Cholesky-QR 0.05 s on one thread, 0.6 s on two
    # with the cores busy); the cores go to the row-split sparse products instead
    with s32, threadpool_limits(1):
        x = randomized_range_finder(lambda: rng.standard_normal((n, l), dtype=np.float32), chebyshev, passes, rounds=2)
        w, x = ritz(x)
    return w[:rank], x[:, :rank].astype(np.float64)


def netmf_steps(graph: Graph, window: int = 10) -> int:
    """The number of ``progress`` steps :func:`netmf_matrix` reports on ``graph``: the
    window's products for a directed graph, else the eigensolver's block products."""
    if graph.directed:
        return window
    return PASSES * (DEGREE + 1)  # top_eigenpairs' passes × (degree + 1)


@dataclass
class NetMFFactors:
    """NetMF's matrix before its logarithm, as factors: M = ``scaled`` ``left``ᵀ with
    ``left`` = D^-½ U (n × k, float32) and ``scaled`` = D^-½ U · vol(G)/b · g(Λ) (n × k,
    float32), and ``basis``, the eigenvectors U (n × k, orthonormal columns, float32)
    on which :func:`netmf_vectors` projects log max(M, 1).  ``negative_kept``: how many of
    the k eigenpairs are the negative ones :func:`two_sided_eigenpairs` kept."""

    left: np.ndarray
    scaled: np.ndarray
    basis: np.ndarray
    negative_kept: int

    @property
    def n(self) -> int:
        return self.left.shape[0]


def netmf_factors(
    graph: Graph,
    window: int = 10,
    negative: float = 1.0,
    rank: int | None = 192,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> NetMFFactors:
    """The factors of NetMF's truncated matrix M = vol(G)/b · D^-½ U g(Λ) Uᵀ D^-½ of an
    undirected graph (see :func:`netmf_matrix`, whose default matrix is log max(M, 1) of
    exactly this M), from :func:`two_sided_eigenpairs`; ``progress`` follows its block
    products (:func:`netmf_steps` of them)."""
    check_at_least("window", window)
    check_positive("negative", negative)
    if graph.directed:
        raise ParameterError("graph", "directed", "has no NetMF factors: use directed_netmf_matrix")
    s, dinv, vol = _normalized(graph)
    n = graph.n
    rank = n if rank is None else rank
    check_at_least("rank", rank)
    evals, evecs, kept = two_sided_eigenpairs(s, min(rank, n), seed=seed, progress=progress)
    fl = _two_sided_filter(evals, window)
    left = (evecs * dinv[:, None]).astype(np.float32)  # D^-½ U
    scaled = left * (fl * (vol / negative)).astype(np.float32)
    return NetMFFactors(left, scaled, orthonormalize(evecs.astype(np.float32)), kept)


#: Rows and columns of a block of log max(M, 1) that :func:`netmf_vectors` forms at once.
LOG_BLOCK = 1024


def netmf_vector_steps(n: int, k: int | None = None, block: int = LOG_BLOCK) -> int:
    """The number of ``progress`` steps of :func:`netmf_vectors` on n nodes with k
    eigenpairs: one a tile of the upper triangle of log max(M, 1) in each of its passes
    (two, or one when 2k > n)."""
    nb = -(-n // block)
    passes = 1 if k is not None and 2 * k > n else 2
    return passes * nb * (nb + 1) // 2


def netmf_vectors(
    f: NetMFFactors,
    dim: int,
    eig: float = 0.5,
    block: int = LOG_BLOCK,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Node vectors Ũ |Λ̃|^eig (n × dim, float32) of NetMF's log max(M, 1) = L, without
    ever holding it as one n × n array.

    Its top eigenvectors lie near span(U), the eigenvectors of S that M is built from, so
    they are taken by Rayleigh–Ritz on the block Krylov basis Q = [U, P], P the part of
    L U outside span(U) (orthonormalised): the eigenpairs (Λ̃, V) of the 2k × 2k matrix
    Qᵀ L Q, the ``dim`` largest in magnitude, Ũ = Q V.  Two passes over L: the first forms
    it a ``block`` × ``block`` tile at a time (the upper triangle only: each tile serves
    its mirror image too) and sums Z = L U, keeping the tiles (n²/2 float32: 0.2 GB on
    BlogCatalog, 0.8 GB at 20,000 nodes); the second sums L P from the kept tiles.  The
    tiles are split among ``threads`` threads in a fixed order (BLAS on one thread each),
    so the result does not depend on timing.  A randomized SVD of the materialised n × n
    matrix needs 2 n_iter + 2 products with it; on BlogCatalog and Cora these vectors
    classify nodes as well (BENCHMARKS.md "Graphs"; U alone, one pass, is 0.002–0.004
    micro-F1 below).  When 2k > n, U alone is the basis.  ``progress(1)`` follows each
    tile of each pass (:func:`netmf_vector_steps`).
    """
    import threading

    progress = progress or (lambda _: None)
    n, k = f.basis.shape
    check_at_least("dim", dim)
    if dim > k:
        raise ParameterError("dim", dim, f"is larger than the {k} eigenpairs the NetMF factors keep", True)
    edges = list(range(0, n, block)) + [n]
    nb = len(edges) - 1
    tiles = [(i, j) for i in range(nb) for j in range(i, nb)]
    threads = max(1, min(product_threads() if threads is None else threads, len(tiles)))
    parts = [tiles[t::threads] for t in range(threads)]
    kept: list[dict] = [{} for _ in parts]
    lock = threading.Lock()
    a, b, q = f.scaled, f.left, f.basis
    krylov = 2 * k <= n

    def multiply(t: int, x: np.ndarray) -> np.ndarray:
        """Thread t's share of L x: its tiles (formed and kept on the first pass)."""
        y = np.zeros((n, x.shape[1]), dtype=np.float32)
        for i, j in parts[t]:
            r0, r1, c0, c1 = edges[i], edges[i + 1], edges[j], edges[j + 1]
            m = kept[t].get((i, j))
            if m is None:
                m = a[r0:r1] @ b[c0:c1].T
                np.maximum(m, 1.0, out=m)
                np.log(m, out=m)
                if krylov:
                    kept[t][(i, j)] = m
            y[r0:r1] += m @ x[c0:c1]
            if i != j:
                y[c0:c1] += m.T @ x[r0:r1]
            with lock:
                progress(1)
        return y

    def product(x: np.ndarray) -> np.ndarray:
        if threads == 1:
            return multiply(0, x)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads - 1) as pool:
            futures = [pool.submit(multiply, t, x) for t in range(1, threads)]
            y = multiply(0, x)
            for fut in futures:
                y += fut.result()
        return y

    with threadpool_limits(1):
        z = product(q)
        if krylov:
            p = orthonormalize(z - q @ (q.T @ z))
            q, z = np.hstack([q, p]), np.hstack([z, product(p)])
        kept.clear()
        h = gram(q, z)
        w, v = la.eigh((h + h.T) / 2, check_finite=False)
    top = np.argsort(-np.abs(w), kind="stable")[:dim]
    u = fix_signs(q @ v[:, top].astype(np.float32))
    return u * (np.abs(w[top]) ** eig).astype(np.float32)


def netmf_matrix(
    graph: Graph,
    window: int = 10,
    negative: float = 1.0,
    rank: int | None = 192,
    exact: bool = False,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """NetMF's matrix log(max(M, 1)) as a dense float32 array (n × n), see the package doc.

    The default (``exact=False``) keeps the top ``rank`` eigenpairs of S (all positive
    ones when ``rank`` is None) and the negative eigenpairs that :func:`two_sided_eigenpairs`
    finds to be structure, the latter through :func:`_two_sided_filter`:
    M = vol(G)/b · D^-½ U g(Λ) Uᵀ D^-½.  Truncation is not only cheaper than the exact
    f(S): the small eigenvalues are noise that log max(M, 1) amplifies, and on every graph
    measured (BENCHMARKS.md "Graphs") the truncated matrix classified nodes as well or
    better (a low-homophily block model: 0.99 micro-F1 against 0.38).  ``exact=True`` is
    the paper's f(S) over the whole spectrum (T sparse × dense products; for checks).
    Directed graphs go to :func:`directed_netmf_matrix`.  Rows and columns of isolated
    nodes are 0.  ``progress(1)`` follows each step (:func:`netmf_steps` in all).
    """
    progress = progress or (lambda _: None)
    check_at_least("window", window)
    check_positive("negative", negative)
    if graph.directed:
        return directed_netmf_matrix(graph, window, negative, progress=progress)
    s, dinv, vol = _normalized(graph)
    n = graph.n
    if exact:
        # f(S) by Horner: X ← S (I + X), T times; sparse × dense in float32 (7× faster
        # than float64 here, and the sum of T bounded terms loses nothing that matters)
        s32 = s.astype(np.float32)
        x = np.zeros((n, n), dtype=np.float32)
        diag = np.diag_indices(n)
        for _ in range(window):
            x[diag] += 1.0
            x = np.asarray(s32 @ x)
            progress(1)
        d32 = dinv.astype(np.float32)
        x *= d32[:, None]
        x *= d32[None, :] * np.float32(vol / (negative * window))
        m = x
    else:
        if rank is None:
            rank = n
        check_at_least("rank", rank)
        evals, evecs, _ = two_sided_eigenpairs(s, min(rank, n), seed=seed, progress=progress)
        fl = _two_sided_filter(evals, window)
        left = (evecs * dinv[:, None]).astype(np.float32)  # D^-½ U
        m = (left * (fl * (vol / negative)).astype(np.float32)) @ left.T
    m = np.asarray(m, dtype=np.float32)
    np.maximum(m, 1.0, out=m)
    np.log(m, out=m)
    return m


def pagerank_walk(a: sp.spmatrix, teleport: float = TELEPORT) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """PageRank's walk on the weighted directed adjacency ``a`` (n × n; Page et al. 1999).

    The walk follows out-edges in proportion to weight; with probability ``teleport`` at
    each step, and always at a sink (no out-edge), it restarts at a node drawn uniformly.
    Returns (P = D_out⁻¹ A (CSR, float64; a sink's row is 0), jump (n,), π (n,)): the walk's
    matrix is P_α = (1 − teleport) P + jump 1ᵀ, jump_i = (teleport + (1 − teleport)·[i is
    a sink]) / n, and π its stationary distribution (power iteration until the L1 change
    is below 1e-12).
    """
    a = sp.csr_matrix(a)
    nv = a.shape[0]
    out_s = np.asarray(a.sum(axis=1)).ravel()
    inv = np.zeros(nv)
    inv[out_s > 0] = 1.0 / out_s[out_s > 0]
    p = (sp.diags(inv) @ a).tocsr()
    # restart mass of each row: the teleport everywhere, and the rest of a sink's row
    jump = ((1.0 - teleport) * (out_s == 0) + teleport) / nv
    pi = np.full(nv, 1.0 / nv)
    pt = p.T.tocsr()
    for _ in range(10_000):  # π ← π P_α until it stops moving
        new = (1.0 - teleport) * (pt @ pi) + jump @ pi
        new /= new.sum()
        done = np.abs(new - pi).sum() < 1e-12
        pi = new
        if done:
            break
    return p, jump, pi


def directed_netmf_matrix(
    graph: Graph,
    window: int = 10,
    negative: float = 1.0,
    teleport: float = TELEPORT,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """NetMF's matrix for a directed graph, log max(M, 1), dense float32 (n × n).

    The walk follows out-edges (in proportion to weight); with probability ``teleport``
    at each step, and always at a sink (in-edges, no out-edge), it restarts at a node
    drawn uniformly — PageRank's walk (Page et al. 1999), which has a stationary
    distribution π on every directed graph.  A window of T steps sees the pair (i, j) at
    distance r with probability π_i (P^r)_ij, and counting both orders (as a symmetric
    window does) gives the PMI matrix

        M = 1 / (2 b T) · (X Π⁻¹ + Π⁻¹ Xᵀ),    X = Σ_{r=1..T} P^r,  Π = diag(π),

    which for an undirected graph (π = d / vol(G)) is NetMF's vol(G)/(b T) Σ P^r D⁻¹.
    A sink co-occurs with the nodes that point at it, so it gets a real vector near them;
    only nodes with no edge at all have zero rows.  X by Horner's rule: T sparse × dense
    n × n products (the restarts are rank-one updates); ``progress(1)`` follows each.
    """
    progress = progress or (lambda _: None)
    a = graph.adjacency().tocsr()
    n = graph.n
    out_s = np.asarray(a.sum(axis=1)).ravel()
    in_s = np.asarray(a.sum(axis=0)).ravel()
    idx = np.flatnonzero((out_s > 0) | (in_s > 0))
    nv = idx.size
    p, jump, pi = pagerank_walk(a[idx][:, idx], teleport)
    p32, jump32 = p.astype(np.float32), jump.astype(np.float32)
    x = np.zeros((nv, nv), dtype=np.float32)
    diag = np.diag_indices(nv)
    for _ in range(window):  # X ← P_α (I + X)
        x[diag] += 1.0
        x = np.asarray(p32 @ x) * np.float32(1.0 - teleport) + jump32[:, None] * x.sum(axis=0, keepdims=True)
        progress(1)
    x /= pi.astype(np.float32)[None, :] * np.float32(2.0 * window * negative)
    m = x + x.T
    np.maximum(m, 1.0, out=m)
    np.log(m, out=m)
    if nv == n:
        return m
    full = np.zeros((n, n), dtype=np.float32)
    full[np.ix_(idx, idx)] = m
    return full
