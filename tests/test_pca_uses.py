"""PCA as the lecture uses it: data generation (sampling the fitted model), components and
reconstructions of images (scikit-learn's 8 × 8 digits), and readable labelled plots.
The README's digits example runs in tests/test_readme.py with the others."""

import re
import struct
from pathlib import Path

import numpy as np
import pytest

from embedkit.errors import ParameterError
from embedkit.io import read_table
from embedkit.linalg import pca
from embedkit.plots import DPI, MAX_LABELS, farthest_from_centre, pca_image_plot
from embedkit.vectors import Embedding

from .conftest import one_line_error

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_MAGIC and head[12:16] == b"IHDR", head
    return struct.unpack(">II", head[16:24])


@pytest.fixture
def table():
    rng = np.random.default_rng(1)
    # correlated columns on different scales, so standardizing matters
    return rng.standard_normal((60, 7)) @ rng.standard_normal((7, 7)) * np.array([1, 10, 0.1, 3, 1, 5, 2]) + 4


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits  # ships with scikit-learn: no download

    return load_digits().data.astype(np.float64)  # (1797, 64), pixels 0..16


# -- data generation ---------------------------------------------------------------------
@pytest.mark.parametrize("standardize", [False, True])
def test_covariance_with_every_component_is_the_tables(table, standardize):
    r = pca(table, 7, standardize=standardize)
    np.testing.assert_allclose(r.covariance(), np.cov(table, rowvar=False), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("standardize", [False, True])
def test_samples_converge_to_the_models_mean_and_covariance(table, standardize):
    r = pca(table, 3, standardize=standardize)
    n = 200_000
    s = r.sample(n, seed=3)
    assert s.shape == (n, 7) and s.dtype == np.float64
    c = r.covariance()
    # the mean: every column within 5 standard errors
    assert np.all(np.abs(s.mean(axis=0) - r.mean) <= 5 * np.sqrt(np.diag(c) / n))
    # the covariance: within 2 % (relative Frobenius; the sampling error is about 0.5 %)
    cov = np.cov(s, rowvar=False)
    assert np.linalg.norm(cov - c) / np.linalg.norm(c) < 0.02
    # the samples lie in the principal subspace through the mean (no noise term)
    st = r.prepare(s)
    np.testing.assert_allclose(st - (st @ r.components.T) @ r.components, 0, atol=1e-9)


def test_the_same_seed_gives_the_same_samples(table):
    r = pca(table, 2)
    a, b, c = r.sample(50, seed=7), r.sample(50, seed=7), r.sample(50, seed=8)
    assert a.tobytes() == b.tobytes() and not np.array_equal(a, c)
    with pytest.raises(ParameterError, match="n must be 0 or more"):
        r.sample(-1)


def _write_csv(path, table):
    lines = [",".join(f"c{j}" for j in range(table.shape[1]))]
    lines += [",".join(f"{v:.17g}" for v in row) for row in table]
    path.write_text("\n".join(lines) + "\n")


def test_sample_command_writes_seeded_rows_with_the_inputs_header(cli, table, tmp_path):
    _write_csv(tmp_path / "t.csv", table)
    runs = {}
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        out = tmp_path / f"{name}.csv"
        r = cli("pca", tmp_path / "t.csv", "--dim", 3, "--sample", 500, "-o", out, "--seed", seed, "-q")
        assert r.exit_code == 0 and r.stdout == "", r.stderr  # -q: no spectrum
        runs[name] = out.read_bytes()
    assert runs["a"] == runs["b"] and runs["a"] != runs["c"]
    x, labels, header = read_table(tmp_path / "a.csv")
    assert x.shape == (500, 7) and labels is None and header == [f"c{j}" for j in range(7)]
    np.testing.assert_allclose(x, pca(table, 3).sample(500, seed=4), rtol=1e-5, atol=1e-5)  # %.6g
    # the rows can go to stdout, and then the spectrum does not
    r = cli("pca", tmp_path / "t.csv", "--dim", 3, "--sample", 4, "-o", "-", "--seed", 4)
    assert r.exit_code == 0, r.stderr
    lines = [line.replace("\t", ",") for line in r.stdout.splitlines()]  # TSV on stdout
    assert lines == (tmp_path / "a.csv").read_text().splitlines()[:5]


def test_sample_command_bad_input(cli, table, tmp_path):
    _write_csv(tmp_path / "t.csv", table)
    one_line_error(cli("pca", tmp_path / "t.csv", "--sample", 10), "--sample", "-o", code=2)
    one_line_error(cli("pca", tmp_path / "t.csv", "--sample", 0, "-o", tmp_path / "s.csv"), "--sample", code=2)
    assert not (tmp_path / "s.csv").exists()


# -- images: scikit-learn's 8 × 8 digits ---------------------------------------------------
def test_digits_reconstruction_error_is_the_sum_of_dropped_squared_singular_values(cli, digits, tmp_path):
    np.save(tmp_path / "digits.npy", digits)
    r = cli(
        "pca", tmp_path / "digits.npy", "--dim", 16, "--reconstruct", tmp_path / "rec.npy",
        "--image-shape", "8,8", "--plot", tmp_path / "digits.png", "--figsize", "10,5", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    s = np.linalg.svd(digits - digits.mean(axis=0), compute_uv=False)  # independently of embedkit
    dropped = float((s[16:] ** 2).sum())
    rec = np.load(tmp_path / "rec.npy")
    assert ((digits - rec) ** 2).sum() == pytest.approx(dropped, rel=1e-9)
    assert float(r.stderr.split("sum of dropped σ² = ")[1]) == pytest.approx(dropped, rel=1e-5)
    assert png_size(tmp_path / "digits.png") == (10 * DPI, 5 * DPI)


def test_image_plot_from_python_and_its_checks(digits, tmp_path):
    r = pca(digits[:200], 4)
    pca_image_plot(tmp_path / "d.png", digits[:200], r, (8, 8), figsize=(6, 3))
    assert png_size(tmp_path / "d.png") == (6 * DPI, 3 * DPI)
    with pytest.raises(ParameterError, match="image_shape 8×7 = 56 pixels does not match the table's 64 columns"):
        pca_image_plot(tmp_path / "e.png", digits[:200], r, (8, 7))
    assert not (tmp_path / "e.png").exists()


def test_image_shape_bad_input(cli, digits, tmp_path):
    np.save(tmp_path / "d.npy", digits[:50])
    png = tmp_path / "d.png"
    one_line_error(
        cli("pca", tmp_path / "d.npy", "--image-shape", "8,7", "--plot", png),
        "--image-shape 8,7 is 56 pixels, but the rows have 64 columns", code=2, out=png,
    )  # fmt: skip
    one_line_error(cli("pca", tmp_path / "d.npy", "--image-shape", "eight", "--plot", png), "--image-shape", code=2)
    one_line_error(cli("pca", tmp_path / "d.npy", "--image-shape", "8,8"), "--plot", code=2)
    one_line_error(cli("pca", tmp_path / "d.npy", "--figsize", "0,4", "--plot", png), "--figsize", code=2, out=png)
    one_line_error(cli("pca", tmp_path / "d.npy", "--label", "-1", "--plot", png), "--label", code=2, out=png)


# -- readable labelled plots -------------------------------------------------------------
def test_farthest_from_centre_by_hand():
    z = np.array([[1.0, 1.0], [1.0, 2.0], [5.0, 1.0], [1.0, 0.5], [-2.5, 1.5]])  # centre (1.1, 1.2)
    assert farthest_from_centre(z, 2).tolist() == [2, 4]
    assert farthest_from_centre(z, 0).tolist() == []
    assert sorted(farthest_from_centre(z, 99).tolist()) == [0, 1, 2, 3, 4]


@pytest.fixture
def many_words(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"word{i}" for i in range(300)]
    Embedding(words, rng.standard_normal((300, 10)).astype(np.float32)).save(tmp_path / "m.ekm")
    return tmp_path / "m.ekm"


@pytest.mark.parametrize("count,expected", [(None, MAX_LABELS), ("25", 25), ("0", 0)])
def test_label_names_only_the_farthest_rows(cli, many_words, tmp_path, monkeypatch, count, expected):
    import adjustText

    seen = []
    real = adjustText.adjust_text

    def spy(texts, *args, **kwargs):
        seen.append([t.get_text() for t in texts])
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(adjustText, "adjust_text", spy)
    out, png = tmp_path / "z.tsv", tmp_path / "p.png"
    args = ["pca", many_words, "--plot", png, "-o", out, "--figsize", "8,6", "-q"]
    r = cli(*args, *(["--label", count] if count else []))
    assert r.exit_code == 0 and r.stdout == "", r.stderr
    assert png_size(png) == (8 * DPI, 6 * DPI)
    z = np.array([[float(v) for v in line.split("\t")[1:]] for line in out.read_text().splitlines()])
    far = np.argsort(-np.hypot(*(z - z.mean(axis=0)).T))[:expected]
    if expected:
        assert len(seen) == 1 and sorted(seen[0]) == sorted(f"word{i}" for i in far)
    else:
        assert seen == []  # no labels: adjustText is not even called


def test_pca_help_shows_every_new_option_with_an_example(cli):
    r = cli("pca", "--help")
    text = re.sub(r"\s+", " ", r.stdout)
    for flag in ("--sample", "--image-shape", "--label", "--figsize", "--quiet", "-q", "--seed"):
        assert flag in text, flag
    examples = text[text.index("Examples:") :]
    for flag in ("--sample", "--image-shape", "--label", "--figsize", " -q"):
        assert flag in examples, flag
    assert f"default {MAX_LABELS}" in text
