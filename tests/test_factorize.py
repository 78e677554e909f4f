import numpy as np
import pytest
import scipy.sparse as sp

from embedkit.errors import ParameterError
from embedkit.linalg import svd_vectors, truncated_svd


def decaying_matrix(n=80, m=60, seed=0):
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((n, m)))
    v, _ = np.linalg.qr(rng.standard_normal((m, m)))
    s = 2.0 ** -np.arange(m, dtype=float) * 100
    return sp.csr_matrix((u * s) @ v.T)


@pytest.mark.parametrize("solver", ["arpack", "randomized", "shifted"])
def test_reconstruction_error_is_the_sum_of_dropped_squared_singular_values(solver):
    rng = np.random.default_rng(1)
    x = sp.random(70, 50, density=0.3, random_state=rng, format="csr")
    k = 10
    r = truncated_svd(x, dim=k, solver=solver, n_iter=30, seed=0)
    xk = (r.U * r.s) @ r.Vt
    full = np.linalg.svd(x.toarray(), compute_uv=False)
    err = np.linalg.norm(x.toarray() - xk, "fro") ** 2
    assert err == pytest.approx(np.sum(full[k:] ** 2), rel=1e-6)
    np.testing.assert_allclose(r.s, full[:k], rtol=1e-6)


def test_randomized_and_arpack_agree_on_top_singular_values():
    x = decaying_matrix()
    a = truncated_svd(x, dim=8, solver="arpack")
    b = truncated_svd(x.astype(np.float32), dim=8, solver="randomized", seed=3)
    np.testing.assert_allclose(a.s, b.s, rtol=1e-4)
    # the same subspace: |cos| of matched singular vectors is 1
    np.testing.assert_allclose(np.abs(np.sum(a.U * b.U, axis=0)), 1, atol=1e-3)


def test_same_seed_same_bytes_and_fixed_signs():
    x = decaying_matrix().astype(np.float32)
    a = truncated_svd(x, dim=5, seed=7)
    b = truncated_svd(x, dim=5, seed=7)
    assert a.U.tobytes() == b.U.tobytes() and a.s.tobytes() == b.s.tobytes()
    biggest = a.U[np.argmax(np.abs(a.U), axis=0), np.arange(5)]
    assert np.all(biggest > 0)


def test_dim_is_validated():
    x = decaying_matrix(10, 8)
    with pytest.raises(ParameterError, match="^dim must be at least 1, got 0"):
        truncated_svd(x, dim=0)
    with pytest.raises(ParameterError, match="too large"):
        truncated_svd(x, dim=9)
    with pytest.raises(ParameterError, match="^solver must be one of"):
        truncated_svd(x, dim=2, solver="lobpcg")


def test_vector_kinds():
    x = decaying_matrix(12, 12)
    r = truncated_svd(x, dim=3, solver="arpack")
    w = svd_vectors(r, eig=1.0, vectors="w")
    np.testing.assert_allclose(w, r.U * r.s, rtol=1e-5)
    c = svd_vectors(r, eig=0.0, vectors="c")
    np.testing.assert_allclose(c, r.Vt.T, rtol=1e-5, atol=1e-6)
    assert svd_vectors(r, vectors="concat").shape == (12, 6)
    wc = svd_vectors(r, eig=0.5, vectors="w+c")
    unit = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)  # noqa: E731
    np.testing.assert_allclose(wc, unit(r.U * r.s**0.5) + unit(r.Vt.T * r.s**0.5), rtol=1e-5, atol=1e-6)
    with pytest.raises(ParameterError, match="^vectors must be one of"):
        svd_vectors(r, vectors="both")


def test_remove_top_components_centres_and_projects_out_the_top_directions():
    from embedkit.linalg import remove_top_components

    rng = np.random.default_rng(4)
    x = (rng.standard_normal((500, 10)) * np.arange(10, 0, -1) + 3).astype(np.float32)
    y = remove_top_components(x, 2)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-4)
    centred = x - x.mean(axis=0)
    top = np.linalg.svd(centred, full_matrices=False)[2][:2]  # the two largest directions
    np.testing.assert_allclose(y @ top.T, 0, atol=1e-3)
    # what is left is the centred data minus its rank-2 part: the next directions survive
    np.testing.assert_allclose(y, centred - (centred @ top.T) @ top, atol=1e-3)
    assert remove_top_components(x, 0) is x
    with pytest.raises(ParameterError, match="^remove_top 10 must be smaller"):
        remove_top_components(x, 10)


def test_parallel_products_give_the_same_bytes():
    rng = np.random.default_rng(8)
    x = sp.random(300, 200, density=0.05, random_state=rng, format="csr", dtype=np.float32)
    a = truncated_svd(x, dim=20, seed=1, workers=1)
    b = truncated_svd(x, dim=20, seed=1, workers=2)
    assert a.U.tobytes() == b.U.tobytes() and a.Vt.tobytes() == b.Vt.tobytes()


def test_parallel_matmul_matches_scipy():
    from embedkit.linalg import ParallelMatmul

    rng = np.random.default_rng(9)
    m = sp.random(120, 70, density=0.1, random_state=rng, format="csr")
    with ParallelMatmul(m, 3, max_cols=8) as op:
        x = rng.standard_normal((70, 5))
        np.testing.assert_array_equal(op.matmul(x), m @ x)
        y = rng.standard_normal((120, 8))
        np.testing.assert_array_equal(op.rmatmul(y), m.T @ y)


def test_a_large_matrix_gets_no_transposed_copy(monkeypatch):
    """Above the size limit Mᵀx is summed over the workers' row blocks: no copy of M,
    deterministic for a number of workers, equal to scipy up to rounding."""
    from embedkit import linalg

    monkeypatch.setattr(linalg, "TRANSPOSE_COPY_MAX_BYTES", 0)
    rng = np.random.default_rng(10)
    m = sp.random(150, 90, density=0.1, random_state=rng, format="csr", dtype=np.float32)
    y = rng.standard_normal((150, 7)).astype(np.float32)
    x = rng.standard_normal((90, 6)).astype(np.float32)
    for workers in (1, 2, 3):
        with linalg.ParallelMatmul(m, workers, max_cols=8) as op:
            assert op.mt is None
            np.testing.assert_array_equal(op.matmul(x), m @ x)
            first = op.rmatmul(y)
            np.testing.assert_allclose(first, m.T @ y, rtol=1e-5, atol=1e-5)
            assert first.tobytes() == op.rmatmul(y).tobytes()
    a = truncated_svd(m, dim=5, seed=1, workers=1)
    b = truncated_svd(m, dim=5, seed=1, workers=2)
    np.testing.assert_allclose(a.s, b.s, rtol=1e-4)


def flat_spectrum_matrix(seed=11):
    """A sparse 400 × 300 float32 matrix whose singular values decay slowly (a random
    sparse matrix's bulk), as a PPMI matrix's do past the first few: where plain power
    iterations converge slowly."""
    rng = np.random.default_rng(seed)
    return sp.random(400, 300, density=0.05, random_state=rng, format="csr", dtype=np.float32)


def test_shifted_solver_matches_scipy_svds_and_beats_plain_power_iterations():
    from scipy.sparse.linalg import svds

    x = flat_spectrum_matrix()
    exact = np.sort(svds(x.astype(np.float64), k=20, solver="arpack", random_state=0)[1])[::-1]
    shifted = truncated_svd(x, dim=20, solver="shifted", n_iter=3, seed=0)
    plain = truncated_svd(x, dim=20, solver="randomized", n_iter=3, seed=0)
    err_shifted = np.abs(shifted.s - exact) / exact
    err_plain = np.abs(plain.s - exact) / exact
    # Ritz values never exceed the true singular values
    assert np.all(shifted.s <= exact * (1 + 1e-5)) and np.all(plain.s <= exact * (1 + 1e-5))
    assert err_shifted.mean() < 0.5 * err_plain.mean()
    # converged, the two solvers give scipy's values
    np.testing.assert_allclose(truncated_svd(x, dim=20, solver="shifted", n_iter=40).s, exact, rtol=1e-4)


def test_shifted_solver_gives_orthonormal_factors_the_same_bytes_for_a_seed_and_any_workers():
    x = flat_spectrum_matrix(12)
    a = truncated_svd(x, dim=15, solver="shifted", n_iter=3, seed=5, workers=1)
    b = truncated_svd(x, dim=15, solver="shifted", n_iter=3, seed=5, workers=2)
    assert a.U.tobytes() == b.U.tobytes() and a.s.tobytes() == b.s.tobytes() and a.Vt.tobytes() == b.Vt.tobytes()
    np.testing.assert_allclose(a.U.T @ a.U, np.eye(15), atol=1e-5)
    np.testing.assert_allclose(a.Vt @ a.Vt.T, np.eye(15), atol=1e-5)
    assert np.all(np.diff(a.s) <= 0)
    # U Σ = M V: the factors are singular triplets of M projected on the basis
    np.testing.assert_allclose(a.U.T @ (x @ a.Vt.T), np.diag(a.s), atol=1e-4 * a.s[0])
    c = truncated_svd(x, dim=15, solver="shifted", n_iter=3, seed=6)
    assert c.U.tobytes() != a.U.tobytes()


def test_shifted_solver_on_a_dense_matrix_agrees_with_the_sparse_one():
    x = flat_spectrum_matrix(13)
    a = truncated_svd(x, dim=10, solver="shifted", n_iter=2, seed=1)
    b = truncated_svd(x.toarray(), dim=10, solver="shifted", n_iter=2, seed=1)
    np.testing.assert_allclose(a.s, b.s, rtol=1e-5)
    np.testing.assert_allclose(np.abs(np.sum(a.U * b.U, axis=0)), 1, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_panel_product_gives_scipys_bytes(monkeypatch, dtype):
    """The cache-blocked product: many column panels (a tiny panel size), empty rows,
    unsorted and 64-bit indices; each entry the bytes of scipy's product, for 1–3 threads."""
    from embedkit import kernels, linalg

    if not kernels.ENABLED:
        pytest.skip("numba is not available (EMBEDKIT_NO_JIT or no wheel)")
    monkeypatch.setattr(linalg, "PANEL_BYTES", 1)  # the smallest panel: 64 columns
    monkeypatch.setattr(linalg, "PANEL_ROW_NNZ", 0)
    rng = np.random.default_rng(14)
    m = sp.random(500, 300, density=0.04, random_state=rng, format="csr", dtype=dtype)
    m = sp.csr_matrix(m.multiply(rng.random((500, 1)) > 0.2))  # a fifth of the rows empty
    m.indices = m.indices.astype(np.int64)
    m.indptr = m.indptr.astype(np.int64)
    perm = m.copy()  # the same matrix with each row's entries stored in reverse
    for i in range(perm.shape[0]):
        s, e = perm.indptr[i], perm.indptr[i + 1]
        perm.indices[s:e] = perm.indices[s:e][::-1].copy()
        perm.data[s:e] = perm.data[s:e][::-1].copy()
    perm.has_sorted_indices = False
    x = rng.standard_normal((300, 70)).astype(dtype)
    y = rng.standard_normal((500, 70)).astype(dtype)
    for workers in (1, 2, 3):
        with linalg.ParallelMatmul(m, workers, max_cols=70) as op:
            assert op.compiled
            assert op.matmul(x).tobytes() == (m @ x).tobytes()
            assert op.rmatmul(y).tobytes() == (m.T.tocsr() @ y).tobytes()
            first = op.matmul(x, copy=False)
            assert op.matmul(x[:, :5]).tobytes() == (m @ x[:, :5]).tobytes()
            assert first.tobytes() == (m @ x).tobytes()  # another shape leaves it alone
        with linalg.ParallelMatmul(perm, workers, max_cols=70) as op:
            np.testing.assert_allclose(op.matmul(x), m @ x, rtol=1e-5, atol=1e-5)


def test_the_svd_is_the_same_with_and_without_the_compiled_product(monkeypatch):
    from embedkit import kernels, linalg

    if not kernels.ENABLED:
        pytest.skip("numba is not available (EMBEDKIT_NO_JIT or no wheel)")
    x = flat_spectrum_matrix(15)
    with linalg.ParallelMatmul(x, 2, 8) as op:
        assert op.compiled
    a = truncated_svd(x, dim=12, solver="shifted", n_iter=2, seed=3, workers=2)
    monkeypatch.setattr(kernels, "ENABLED", False)
    with linalg.ParallelMatmul(x, 2, 8) as op:
        assert not op.compiled
    b = truncated_svd(x, dim=12, solver="shifted", n_iter=2, seed=3, workers=2)
    assert a.U.tobytes() == b.U.tobytes() and a.s.tobytes() == b.s.tobytes() and a.Vt.tobytes() == b.Vt.tobytes()


def test_gram_is_yty_the_same_bytes_whatever_the_threads(monkeypatch):
    from embedkit import linalg

    y = np.random.default_rng(3).standard_normal((3 * linalg.GRAM_ROWS + 17, 5), dtype=np.float32)
    want = y.astype(np.float64).T @ y.astype(np.float64)
    exact = linalg.gram(y, exact=True)
    assert exact.dtype == np.float64 and exact.shape == (5, 5)
    np.testing.assert_allclose(exact, want, rtol=1e-12)  # float64 parts lose nothing of float32 data
    np.testing.assert_allclose(linalg.gram(y), want, rtol=1e-4)  # float32 parts: float32 rounding
    monkeypatch.setattr(linalg, "product_threads", lambda: 1)
    one = linalg.gram(y), linalg.gram(y, exact=True)
    monkeypatch.setattr(linalg, "product_threads", lambda: 4)
    four = linalg.gram(y), linalg.gram(y, exact=True)
    assert one[0].tobytes() == four[0].tobytes() and one[1].tobytes() == four[1].tobytes()
    z = np.random.default_rng(4).standard_normal((y.shape[0], 3), dtype=np.float32)
    np.testing.assert_allclose(
        linalg.gram(y, z, exact=True), y.astype(np.float64).T @ z.astype(np.float64), rtol=1e-10, atol=1e-9
    )


def test_panel_columns_widen_for_sparse_rows(monkeypatch):
    """The product's column panel: an L2-sized panel where rows are dense enough, widened
    so that a row has PANEL_ROW_NNZ non-zeros a panel where they are not (hand-computed)."""
    from embedkit import linalg

    monkeypatch.setattr(linalg, "PANEL_BYTES", 1 << 21)
    monkeypatch.setattr(linalg, "PANEL_ROW_NNZ", 4)
    # 1,000 × 100,000 with 20 non-zeros a row: 4 · 100,000 / 20 = 20,000 columns
    data, indices, indptr = np.ones(20_000, np.float32), np.arange(20_000) * 5, np.arange(0, 20_001, 20)
    m = sp.csr_matrix((data, indices, indptr), shape=(1000, 100_000))
    assert linalg.panel_columns(m, 32, 4) == 20_000
    # at 2 columns the L2 panel, 2²¹ / 8 = 262,144 columns, is wider
    assert linalg.panel_columns(m, 2, 4) == 262_144
    # dense rows (1,000 non-zeros each of 2,000 columns): 4 · 2,000 / 1,000 = 8 < 2²¹ / (320 · 4) = 1,638
    d = sp.csr_matrix(np.kron(np.eye(2), np.ones((10, 1000), np.float32)))
    assert linalg.panel_columns(d, 320, 4) == 1638
    assert linalg.panel_columns(sp.csr_matrix((5, 7), dtype=np.float32), 10**6, 4) == 64  # empty; at least 64


def test_sparse_sign_has_distinct_columns_and_its_sketch_is_the_dense_products_bytes(monkeypatch):
    """Ω of the shifted solver's start: ζ distinct columns a row, each ±1/√ζ, the same for a
    seed; M Ω from its non-zeros (compiled, 1–3 threads) is the bytes of M @ Ω.toarray()
    (as scipy computes it), and ParallelMatmul.sketch gives them with and without numba."""
    from embedkit import kernels, linalg

    a, b = linalg.sparse_sign(500, 40, np.random.default_rng(2)), linalg.sparse_sign(500, 40, np.random.default_rng(2))
    cols, values = a
    assert np.array_equal(cols, b[0]) and np.array_equal(values, b[1])
    assert cols.shape == (500, 8) and values.dtype == np.float32
    assert all(len(set(row)) == 8 for row in cols.tolist()) and cols.min() >= 0 and cols.max() < 40
    assert np.allclose(np.abs(values), 8**-0.5) and 0.4 < (values > 0).mean() < 0.6
    dense = linalg.sparse_sign_dense(cols, values, 40)
    assert np.array_equal(np.count_nonzero(dense, axis=1), np.full(500, 8))
    assert linalg.sparse_sign(10, 3, np.random.default_rng(0))[0].shape == (10, 3)  # ζ ≤ l
    for dtype in (np.float32, np.float64):
        m = sp.random(300, 500, density=0.05, random_state=3, format="csr", dtype=dtype)
        want = (m @ dense.astype(dtype)).tobytes()
        if kernels.ENABLED:
            for threads in (1, 2, 3):
                assert linalg.RowSplitMatmul(m, threads, compiled=True).sparse_sign(cols, values, 40).tobytes() == want
        with linalg.ParallelMatmul(m, 2, 40) as op:
            assert op.sketch(cols, values).tobytes() == want
        monkeypatch.setattr(kernels, "ENABLED", False)
        with linalg.ParallelMatmul(m, 2, 40) as op:
            assert op.sketch(cols, values).tobytes() == want
        assert linalg.RowSplitMatmul(m, 2).sparse_sign(cols, values, 40).tobytes() == want
        monkeypatch.undo()


def test_implicit_basis_orthonormalises_through_r_inverse_and_falls_back_when_ill_conditioned():
    from embedkit import linalg

    rng = np.random.default_rng(4)
    y = (rng.standard_normal((2000, 30)) * np.logspace(0, 2, 30)).astype(np.float32)  # κ ≈ 100
    q, r_inv = linalg.implicit_basis(y)
    assert q is y and r_inv.shape == (30, 30)
    basis = y.astype(np.float64) @ r_inv
    np.testing.assert_allclose(basis.T @ basis, np.eye(30), atol=1e-5)
    # the same span as numpy's QR
    ref, _ = np.linalg.qr(y.astype(np.float64))
    np.testing.assert_allclose(np.abs(np.linalg.svd(ref.T @ basis)[1]), 1, atol=1e-5)
    bad = y.copy()
    bad[:, 1] = bad[:, 0] * 1e-5 + bad[:, 2] * 1e-9  # condition number far above the limit
    q, r_inv = linalg.implicit_basis(bad)
    assert r_inv is None and np.allclose(q.T @ q, np.eye(30), atol=1e-4)


def test_small_svd_on_an_implicit_basis_matches_the_explicit_one_and_numpy():
    """U, s, Vt of M ≈ Q Qᵀ M with Q = y R⁻¹ given implicitly: the same factors (to float32
    rounding) as with the explicit CholeskyQR2 basis, and M's own top singular triplets
    when Q spans M's range."""
    from embedkit import linalg

    rng = np.random.default_rng(5)
    m = (rng.standard_normal((400, 25)) * np.logspace(1, 0, 25)) @ rng.standard_normal((25, 300))
    m = m.astype(np.float32)
    y = m @ rng.standard_normal((300, 25)).astype(np.float32)
    q_exp = linalg.orthonormalize(y, rounds=2)
    u1, s1, vt1 = linalg._small_svd(q_exp, m.T @ q_exp, 20)
    q, r_inv = linalg.implicit_basis(y)
    assert r_inv is not None
    u2, s2, vt2 = linalg._small_svd(q, m.T @ q, 20, r_inv)
    u, s, vt = np.linalg.svd(m.astype(np.float64), full_matrices=False)
    np.testing.assert_allclose(s2, s[:20], rtol=1e-4)
    np.testing.assert_allclose(s2, s1, rtol=1e-5)
    signs = np.sign(np.sum(u2 * u[:, :20], axis=0))
    np.testing.assert_allclose(u2 * signs, u[:, :20], atol=2e-4)
    np.testing.assert_allclose(vt2 * signs[:, None], vt[:20], atol=2e-4)
    np.testing.assert_allclose(np.abs(np.sum(u1 * u2, axis=0)), 1, atol=1e-5)


def test_column_signs_compiled_picks_numpys_rows_ties_included():
    from embedkit import kernels, linalg

    if not kernels.ENABLED:
        pytest.skip("numba is not available (EMBEDKIT_NO_JIT or no wheel)")
    u = np.random.default_rng(6).standard_normal((1000, 7)).astype(np.float32)
    u[10, 3], u[20, 3] = 9.0, -9.0  # a tie: the first row wins
    u[5, 4], u[7, 4] = -8.0, 8.0
    u[:, 6] = 0.0
    assert np.array_equal(kernels.column_argmax_abs(u), np.argmax(np.abs(u), axis=0))
    assert kernels.loaded()  # column_signs now takes the compiled pass
    rows = np.argmax(np.abs(u), axis=0)
    assert linalg.column_signs(u).tolist() == [*np.sign(u[rows[:6], range(6)]).tolist(), 1.0]
    assert linalg.column_signs(u)[3] == 1.0 and linalg.column_signs(u)[4] == -1.0


@pytest.mark.parametrize("kind", ["w", "c", "w+c", "concat"])
def test_svd_vectors_and_top_removal_in_row_blocks_give_the_whole_arrays_bytes(kind):
    """The row-block threads of svd_vectors and remove_top_components: the bytes of the
    whole-array formulas (W = U Σ^eig, C = V Σ^eig, unit rows summed; centre, then subtract
    the projection on the top principal directions)."""
    import scipy.linalg as la

    from embedkit import linalg

    rng = np.random.default_rng(7)
    n = 2 * linalg.ROW_BLOCK + 123
    r = linalg.SVDResult(
        rng.standard_normal((n, 6)).astype(np.float32),
        np.array([9, 5, 4, 2, 1, 0.5], np.float32),
        rng.standard_normal((6, n)).astype(np.float32),
    )
    scale = r.s.astype(np.float64) ** 0.5
    w, c = (r.U * scale).astype(np.float32), (r.Vt.T * scale).astype(np.float32)
    want = {"w": w, "c": c, "concat": np.hstack([w, c]), "w+c": linalg.unit_rows(w) + linalg.unit_rows(c)}[kind]
    x = svd_vectors(r, eig=0.5, vectors=kind)
    assert x.tobytes() == want.tobytes()
    centred = x - x.mean(axis=0, dtype=np.float64).astype(np.float32)
    top = la.eigh(linalg.gram(centred))[1][:, ::-1][:, :2].astype(np.float32)
    assert linalg.remove_top_components(x, 2).tobytes() == (centred - (centred @ top) @ top.T).tobytes()
