from math import log, sqrt

import numpy as np
import pytest
import scipy.sparse as sp

from embedkit.errors import DataError, ParameterError
from embedkit.weighting import pmi

# total 14; row and column sums 6, 4, 4
C = sp.csr_matrix(np.array([[0, 4, 2], [4, 0, 0], [2, 0, 2]], dtype=float))


def dense(m):
    return m.toarray().astype(float)


def test_pmi_by_hand():
    m = dense(pmi(C, "pmi", cds=1.0))
    assert m[0, 1] == pytest.approx(log(4 * 14 / (6 * 4)), rel=1e-6)  # log 7/3
    assert m[0, 2] == pytest.approx(log(2 * 14 / (6 * 4)), rel=1e-6)  # log 7/6
    assert m[2, 2] == pytest.approx(log(2 * 14 / (4 * 4)), rel=1e-6)  # log 7/4
    assert m[1, 0] == pytest.approx(log(7 / 3), rel=1e-6)
    assert m[1, 1] == 0 and pmi(C, "pmi", cds=1.0).nnz == 5  # unobserved pairs stay out


def test_shift_subtracts_log_k_and_ppmi_drops_negatives():
    m = dense(pmi(C, "pmi", shift=2, cds=1.0))
    assert m[0, 1] == pytest.approx(log(7 / 3) - log(2), rel=1e-6)
    assert m[2, 2] == pytest.approx(log(7 / 8), rel=1e-6)  # negative, kept by pmi
    p = pmi(C, "ppmi", shift=2, cds=1.0)
    assert p.nnz == 2  # only (0,1) and (1,0) stay positive
    assert dense(p)[0, 1] == pytest.approx(log(7 / 6), rel=1e-6)


def test_context_distribution_smoothing():
    z = sqrt(6) + 2 + 2  # sum of column counts ** 0.5
    m = dense(pmi(C, "pmi", cds=0.5))
    assert m[0, 1] == pytest.approx(log(4 * z / (6 * 2)), rel=1e-6)
    assert m[1, 0] == pytest.approx(log(4 * z / (4 * sqrt(6))), rel=1e-6)
    # smoothing raises a rare context's probability, so it lowers its PMI (the rare-context
    # bias it corrects) and raises the PMI of the frequent context 0
    assert m[0, 1] < dense(pmi(C, "pmi", cds=1.0))[0, 1]
    assert m[1, 0] > dense(pmi(C, "pmi", cds=1.0))[1, 0]


def test_log_and_none_transforms():
    np.testing.assert_allclose(dense(pmi(C, "log")), np.log1p(C.toarray()), rtol=1e-6)
    np.testing.assert_allclose(dense(pmi(C, "none")), C.toarray())


def test_bad_parameters_and_empty_matrix():
    with pytest.raises(ParameterError, match="^transform must be one of"):
        pmi(C, "sppmi")
    with pytest.raises(ParameterError, match="^shift must be at least 1"):
        pmi(C, shift=0.5)
    with pytest.raises(ParameterError, match="^cds must be in"):
        pmi(C, cds=0)
    with pytest.raises(DataError, match="empty"):
        pmi(sp.csr_matrix((3, 3)))


def test_in_place_weighting_equals_the_copy_and_shares_the_structure():
    rng = np.random.default_rng(3)
    counts = sp.random(200, 200, density=0.05, random_state=rng, format="csr") * 10
    for transform in ("ppmi", "pmi", "log", "none"):
        expected = pmi(counts, transform)
        work = counts.copy()
        got = pmi(work, transform, copy=False)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got.toarray(), expected.toarray())
        if transform != "ppmi":  # ppmi compacts the shared arrays when it drops entries
            assert np.shares_memory(got.indices, work.indices)
    # the float32 result of the float64 computation, not a float32 computation
    m = pmi(C, "pmi", shift=2, cds=1.0)
    assert m.toarray()[0, 2] == np.float32(log(7 / 6) - log(2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_margins_are_the_numpy_sums_bytes(monkeypatch, dtype):
    """The one-pass compiled row and column sums of the PMI's margins: the bytes of the
    numpy chunked bincounts, over several row chunks and with empty rows."""
    from embedkit import kernels, weighting

    if not kernels.ENABLED:
        pytest.skip("numba is not available (EMBEDKIT_NO_JIT or no wheel)")
    rng = np.random.default_rng(8)
    m = sp.random(400, 300, density=0.05, random_state=rng, format="csr", dtype=dtype)
    m = sp.csr_matrix(m.multiply(rng.random((400, 1)) > 0.2)) * 1000  # a fifth of the rows empty
    m.data = m.data.astype(dtype)
    small = weighting._row_chunks
    monkeypatch.setattr(weighting, "_row_chunks", lambda indptr, target: small(indptr, 300))
    assert len(weighting._row_chunks(m.indptr, 0)) > 3
    kernels.csr_margins(*[np.zeros(1, np.int64)] * 2, np.zeros(0), np.array([0], np.int64), np.zeros(0), np.zeros(0))
    assert kernels.loaded()
    rows, cols = weighting._margins(m)
    monkeypatch.setattr(kernels, "loaded", lambda: False)
    want_rows, want_cols = weighting._margins(m)
    assert rows.tobytes() == want_rows.tobytes() and cols.tobytes() == want_cols.tobytes()
    full = m.toarray().astype(np.float64)
    np.testing.assert_allclose(rows, full.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(cols, full.sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("transform", ["ppmi", "pmi"])
def test_pmi_chunks_on_threads_give_the_bytes_of_one_pass(monkeypatch, transform):
    """PMI's float64 pass runs in chunks of rows on threads; every entry is computed alone,
    so any chunking and any number of threads give the bytes of one chunk on one thread."""
    from embedkit import weighting

    rng = np.random.default_rng(8)
    counts = sp.random(300, 260, density=0.2, random_state=rng, format="csr") * 50
    monkeypatch.setattr(weighting, "PMI_CHUNK_NNZ", 10**9)
    monkeypatch.setattr(weighting, "default_workers", lambda: 1)
    one = pmi(counts, transform)
    monkeypatch.setattr(weighting, "PMI_CHUNK_NNZ", 700)
    monkeypatch.setattr(weighting, "default_workers", lambda: 3)
    chunked = pmi(counts, transform)
    assert one.nnz > 1000 and one.nnz == chunked.nnz
    assert np.array_equal(one.indptr, chunked.indptr) and np.array_equal(one.indices, chunked.indices)
    assert one.data.tobytes() == chunked.data.tobytes()
