"""PCA: scikit-learn agreement, Eckart–Young–Mirsky, the geometry of projections, the CLI."""

import json

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from embedkit.errors import DataError, ParameterError
from embedkit.linalg import pca
from embedkit.vectors import Embedding

from .conftest import one_line_error


@pytest.fixture
def table():
    rng = np.random.default_rng(1)
    # correlated columns on different scales, so standardizing matters
    x = rng.standard_normal((60, 7)) @ rng.standard_normal((7, 7)) * np.array([1, 10, 0.1, 3, 1, 5, 2]) + 4
    return x


def _same_up_to_sign(a, b, rtol=1e-7):
    signs = np.sign(np.sum(a * b, axis=0))
    np.testing.assert_allclose(a, b * signs, rtol=rtol, atol=1e-8)


@pytest.mark.parametrize("solver", ["full", "randomized"])
def test_matches_scikit_learn(table, solver):
    r = pca(table, 3, solver=solver)
    sk = PCA(3, svd_solver="full").fit(table)
    _same_up_to_sign(r.components.T, sk.components_.T)
    _same_up_to_sign(r.transform(table), sk.transform(table))
    np.testing.assert_allclose(r.explained_variance[:3], sk.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(r.explained_variance_ratio[:3], sk.explained_variance_ratio_, rtol=1e-8)
    np.testing.assert_allclose(r.mean, sk.mean_)


def test_standardize_matches_scaler_then_pca(table):
    r = pca(table, 4, standardize=True)
    z = StandardScaler().fit_transform(table)
    sk = PCA(4).fit(z)
    _same_up_to_sign(r.transform(table), sk.transform(z))
    np.testing.assert_allclose(r.explained_variance_ratio[:4], sk.explained_variance_ratio_)
    assert not np.allclose(r.explained_variance_ratio[:4], pca(table, 4).explained_variance_ratio[:4])


@pytest.mark.parametrize("k", [1, 2, 4, 6])
def test_reconstruction_error_is_the_sum_of_dropped_squared_singular_values(table, k):
    r = pca(table, k)
    xt = table - table.mean(axis=0)
    approx = r.transform(table) @ r.components  # X̃ V_k V_kᵀ
    err = ((xt - approx) ** 2).sum()
    s = np.linalg.svd(xt, compute_uv=False)
    assert err == pytest.approx((s[k:] ** 2).sum(), rel=1e-9)
    assert r.reconstruction_error == pytest.approx(err, rel=1e-9)
    np.testing.assert_allclose(r.inverse_transform(r.transform(table)), approx + table.mean(axis=0))


@pytest.mark.parametrize("k", [2, 3])
def test_distances_between_projections_equal_distances_between_loadings(table, k):
    r = pca(table, k, standardize=True)
    np.testing.assert_allclose(r.components @ r.components.T, np.eye(k), atol=1e-10)  # orthonormal
    z = r.transform(table)
    xtilde = z @ r.components  # the projections, back in the column space
    d_x = np.linalg.norm(xtilde[:, None, :] - xtilde[None, :, :], axis=2)
    d_z = np.linalg.norm(z[:, None, :] - z[None, :, :], axis=2)
    np.testing.assert_allclose(d_x, d_z, atol=1e-9)


def test_pca_bad_input(table):
    with pytest.raises(ParameterError, match="dim 8 is too large"):
        pca(table, 8)
    with pytest.raises(ParameterError, match="^dim must be at least 1"):
        pca(table, 0)
    bad = table.copy()
    bad[3, 2] = np.nan
    with pytest.raises(DataError, match="non-finite"):
        pca(bad, 2)


# -- the command line -----------------------------------------------------------------
def test_pca_command_on_a_csv_with_header_and_labels(cli, table, tmp_path):
    lines = ["name," + ",".join(f"c{j}" for j in range(7))]
    lines += [f"row{i}," + ",".join(f"{v:.17g}" for v in row) for i, row in enumerate(table)]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    r = cli(
        "pca", tmp_path / "t.csv", "--dim", "2", "-o", tmp_path / "z.tsv",
        "--components", tmp_path / "v.npy", "--reconstruct", tmp_path / "rec.tsv", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    spectrum = json.loads(r.stdout)
    sk = PCA().fit(table)
    np.testing.assert_allclose([row["ratio"] for row in spectrum], sk.explained_variance_ratio_, rtol=1e-6)
    z_lines = (tmp_path / "z.tsv").read_text().splitlines()
    assert z_lines[0].split("\t")[0] == "row0" and len(z_lines) == 60
    z = np.array([[float(v) for v in line.split("\t")[1:]] for line in z_lines])
    _same_up_to_sign(z, sk.transform(table)[:, :2], rtol=1e-5)  # written with 6 significant digits
    assert np.load(tmp_path / "v.npy").shape == (2, 7)
    # the reported error equals the sum of the dropped σ², computed here independently
    s = np.linalg.svd(table - table.mean(axis=0), compute_uv=False)
    err = r.stderr.split("sum of dropped σ² = ")[1].strip()
    assert float(err) == pytest.approx((s[2:] ** 2).sum(), rel=1e-5)
    rec = np.array(
        [[float(v) for v in line.split("\t")[1:]] for line in (tmp_path / "rec.tsv").read_text().splitlines()]
    )
    assert ((rec - table) ** 2).sum() == pytest.approx((s[2:] ** 2).sum(), rel=1e-4)


def test_pca_command_on_a_model_with_a_plot(cli, tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(30)]
    Embedding(words, rng.standard_normal((30, 8)).astype(np.float32)).save(tmp_path / "m.ekm")
    r = cli(
        "pca", tmp_path / "m.ekm", "--words", "w1,w2,w3,w4,w5", "--plot", tmp_path / "p.png", "-o", tmp_path / "z.tsv"
    )
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [line.split("\t")[0] for line in (tmp_path / "z.tsv").read_text().splitlines()] == [
        "w1",
        "w2",
        "w3",
        "w4",
        "w5",
    ]
    header, *rows = r.stdout.splitlines()
    assert header.split("\t") == ["component", "singular_value", "variance", "ratio", "cumulative"]
    assert len(rows) == 4  # five centred rows in eight columns span four directions, not five


def test_pca_of_fewer_rows_than_columns(cli, tmp_path):
    """n centred rows have n − 1 components: the n-th singular value is rounding noise, not
    listed; the default --dim 2 keeps what there is, a --dim given beyond it is refused,
    and a single row is an error that names no flag the user did not give."""
    two = tmp_path / "two.csv"
    two.write_text("a,b,c\n1,2,3\n4,5,7\n")
    r = cli("pca", two, "--tsv")
    assert r.exit_code == 0, r.stderr
    (row,) = r.stdout.splitlines()[1:]
    assert float(row.split("\t")[1]) == pytest.approx(np.sqrt(3**2 + 3**2 + 4**2) / np.sqrt(2))  # ‖row₂ − row₁‖ / √2
    one_line_error(cli("pca", two, "--dim", "2"), "--dim 2 is too large for a 2 × 3 table (at most 1", code=2)
    assert len(cli("pca", two, "--no-center", "--tsv").stdout.splitlines()) == 3  # uncentred: rank 2
    one = tmp_path / "one.csv"
    one.write_text("a,b,c\n1,2,3\n")
    r = cli("pca", one)
    one_line_error(r, "single row", "give at least 2 rows", code=4)
    assert "--dim" not in r.stderr
    # --plot draws two components: a table with one is refused before anything is written
    out, png = tmp_path / "z.tsv", tmp_path / "p.png"
    r = cli("pca", two, "--plot", png, "-o", out)
    one_line_error(r, "--plot draws the first two components, but a 2 × 3 table has 1, as centring takes one", code=4)
    one_line_error(cli("pca", one, "--no-center", "--plot", png), "a 1 × 3 table has 1", code=4)
    assert not png.exists() and not out.exists()
    assert cli("pca", two, "--no-center", "--plot", png, "-q").exit_code == 0 and png.stat().st_size > 0


def test_pca_command_bad_input(cli, tmp_path):
    (tmp_path / "t.tsv").write_text("1\t2\t3\n4\tx\t6\n7\t8\t9\n")
    r = cli("pca", tmp_path / "t.tsv")
    assert (
        r.exit_code == 4
        and r.stderr.strip() == "embedkit: error: " + f"{tmp_path / 't.tsv'}, line 2: 'x' is not a number (column 2)"
    )
    (tmp_path / "u.tsv").write_text("1\t2\t3\n4\t5\t6\n")
    r = cli("pca", tmp_path / "u.tsv", "--dim", "0")
    assert r.exit_code == 2 and "--dim must be at least 1" in r.stderr
    r = cli("pca", tmp_path / "u.tsv", "--words", "a,b")
    assert r.exit_code == 2 and "--words needs a model" in r.stderr


def test_read_table_formats(tmp_path):
    from embedkit.io import read_table, write_table

    rng = np.random.default_rng(5)
    x = rng.standard_normal((50, 4))
    write_table(tmp_path / "plain.tsv", x)
    got, labels, header = read_table(tmp_path / "plain.tsv")
    np.testing.assert_allclose(got, x, rtol=1e-5)  # %.6g
    assert labels is None and header is None
    lines = (tmp_path / "plain.tsv").read_text().splitlines()
    assert got.tolist() == [[float(c) for c in line.split("\t")] for line in lines]
    (tmp_path / "space.txt").write_text("1 2  3\n4 5 6\n")
    assert read_table(tmp_path / "space.txt")[0].tolist() == [[1, 2, 3], [4, 5, 6]]
    (tmp_path / "lab.csv").write_text('id,"x","y"\na,1,2\nb,3,4\n')
    got, labels, header = read_table(tmp_path / "lab.csv")
    assert got.tolist() == [[1, 2], [3, 4]] and labels == ["a", "b"] and header == ["x", "y"]
    (tmp_path / "ragged.tsv").write_text("1\t2\t3\n4\t5\n")
    with pytest.raises(DataError, match="line 2: 2 fields, the first row has 3"):
        read_table(tmp_path / "ragged.tsv")


@pytest.mark.parametrize("sep", ["\t", " "])
def test_pca_of_a_labelled_table_with_a_header_is_a_table_whatever_its_separator(cli, tmp_path, monkeypatch, sep):
    # a header of names over 'label numbers' rows is also how a vectors file with column
    # names looks: pca must still read it as a table (thousands separators and all)
    monkeypatch.setenv("EMBEDKIT_CACHE_DIR", str(tmp_path / "cache"))
    rows = [("Berlin", "3,645,000", 891.7), ("Paris", "2,161,000", 105.4), ("Rome", "2,873,000", 1285.0)]
    quoted = (lambda p: f'"{p}"') if sep == "\t" else (lambda p: p.replace(",", ""))  # thousands: CSV quoting
    text = sep.join(["city", "pop", "area"]) + "\n" + "".join(f"{c}{sep}{quoted(p)}{sep}{a}\n" for c, p, a in rows)
    table = tmp_path / ("t.tsv" if sep == "\t" else "t.txt")
    table.write_text(text)
    r = cli("pca", table, "--dim", "1", "--no-center", "-o", tmp_path / "z.tsv", "--json")
    assert r.exit_code == 0, r.stderr
    x = np.array([[float(p.replace(",", "")), a] for _, p, a in rows])
    s = np.linalg.svd(x, compute_uv=False)
    assert [row["singular_value"] for row in json.loads(r.stdout)] == pytest.approx(s, rel=1e-6)
    labels = [line.split("\t")[0] for line in (tmp_path / "z.tsv").read_text().splitlines()]
    assert labels == ["Berlin", "Paris", "Rome"]
    assert not (tmp_path / "cache").exists()


def test_an_npy_array_not_named_so_says_what_it_is(cli, tmp_path):
    """An .npy is known by its name, which a pipe (``pca <(cat x.npy)``) or a misnamed
    file lacks: it was 'a binary file (it has NUL bytes), not text'; it says what it is,
    and what to do."""
    np.save(tmp_path / "x.npy", np.arange(6.0).reshape(3, 2))
    (tmp_path / "x.csv").write_bytes((tmp_path / "x.npy").read_bytes())
    one_line_error(
        cli("pca", tmp_path / "x.csv", "--dim", "1"), "x.csv: a NumPy .npy array, not text", "ends in .npy", code=3
    )
    assert cli("pca", tmp_path / "x.npy", "--dim", "1").exit_code == 0
