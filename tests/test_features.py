"""Sentence features: hand-checked values, one row per input line, fit on train / reuse on test."""

import json
import subprocess
import sys

import numpy as np
import pytest

from embedkit.errors import DataError, ParameterError
from embedkit.features import (
    DEFAULT_MODE,
    SentenceFeatures,
    abtt_vectors,
    conceptor_negation,
    encode_lines,
    sentence_features,
    sif_weights,
    unknown_vectors,
    usif_weights,
)
from embedkit.io import read_lines
from embedkit.options import FEATURE_MODE_SETTINGS
from embedkit.vectors import Embedding

from .conftest import TOY_VECTORS, TOY_WORDS, one_line_error, subprocess_env

WORDS, VECTORS = TOY_WORDS, TOY_VECTORS
COUNTS = np.array([50, 40, 30, 20, 10])
KING, QUEEN, MAN, WOMAN, APPLE = VECTORS


@pytest.fixture
def tiny(tmp_path):
    emb = Embedding(WORDS, VECTORS, COUNTS, {"kind": "words"})
    emb.save(tmp_path / "m.ekm")
    return emb


def test_mean_by_hand(tiny):
    lines = ["King man KING, pear!", "", "zebra", "apple"]
    x = sentence_features(tiny, lines, "mean")
    assert x.shape == (4, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], (2 * KING + MAN) / 3, rtol=1e-6)  # case folded, unknown words skipped
    np.testing.assert_array_equal(x[1], 0)
    np.testing.assert_array_equal(x[2], 0)
    np.testing.assert_allclose(x[3], APPLE)
    assert encode_lines(tiny, lines).n_empty == 2


def test_sif_weights_and_common_component_by_hand(tiny):
    a = 0.01
    p = COUNTS / COUNTS.sum()
    np.testing.assert_allclose(sif_weights(COUNTS, a), a / (a + p), rtol=1e-6)
    train = ["king man", "queen woman apple", "king queen", "man woman"]
    f = SentenceFeatures(tiny, "sif", a=a).fit(train)
    w = dict(zip(WORDS, a / (a + p)))
    # weighted averages of the training lines, then their first (uncentred) singular vector
    avg = np.array(
        [
            (w["king"] * KING + w["man"] * MAN) / 2,
            (w["queen"] * QUEEN + w["woman"] * WOMAN + w["apple"] * APPLE) / 3,
            (w["king"] * KING + w["queen"] * QUEEN) / 2,
            (w["man"] * MAN + w["woman"] * WOMAN) / 2,
        ]
    )
    u = np.linalg.svd(avg)[2][0]
    assert abs(f.components_[0] @ u) == pytest.approx(1, abs=1e-5)
    np.testing.assert_allclose(f.transform(train), avg - np.outer(avg @ u, u), atol=1e-6)
    # the component fitted on training lines is reused, not refitted, on test lines
    test = ["apple apple woman"]
    t = (2 * w["apple"] * APPLE + w["woman"] * WOMAN) / 3
    np.testing.assert_allclose(f.transform(test)[0], t - (t @ u) * u, atol=1e-6)
    assert not np.allclose(f.transform(test), SentenceFeatures(tiny, "sif", a=a).fit_transform(test))


def test_pcs_sign_convention_and_padding(tiny):
    f = SentenceFeatures(tiny, "pcs", k=2)
    x = f.transform(["king man woman", "apple", ""]).reshape(3, 2, 3)
    m = np.stack([KING, MAN, WOMAN]).astype(np.float64)
    _, s, vt = np.linalg.svd(m)
    for i in range(2):
        v = vt[i] if vt[i] @ m.sum(axis=0) >= 0 else -vt[i]  # words score positively on the whole
        np.testing.assert_allclose(x[0, i], v * s[i] / np.sqrt(3), atol=1e-5)
    # one word: one direction (itself, scaled σ/√n = |apple|), then zero padding
    np.testing.assert_allclose(x[1, 0], APPLE, atol=1e-6)
    np.testing.assert_array_equal(x[1, 1], 0)
    np.testing.assert_array_equal(x[2], 0)


def test_pcs_batched_equals_one_line_at_a_time():
    # random vectors: no tied singular values, so every direction is unique up to sign
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(12)]
    emb = Embedding(words, rng.standard_normal((12, 6)).astype(np.float32), np.arange(12) + 1)
    lines = [" ".join(rng.choice(words, size=n, replace=False)) for n in rng.integers(1, 10, size=60)]
    f = SentenceFeatures(emb, "pcs", k=3)
    together = f.transform(lines)
    alone = np.vstack([f.transform([line]) for line in lines])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_concatenated_modes_and_projection(tiny):
    lines = ["king man", "queen woman apple", "king queen", "man woman", "apple king"]
    x = SentenceFeatures(tiny, "mean+pcs", k=2).transform(lines)
    assert x.shape == (5, 3 + 6)
    # each part scaled to unit length per line: the cosine of two rows is the mean of the parts' cosines
    mean = sentence_features(tiny, lines, "mean")
    pcs = sentence_features(tiny, lines, "pcs", k=2)
    np.testing.assert_allclose(x[:, :3], mean / np.linalg.norm(mean, axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(x[:, 3:], pcs / np.linalg.norm(pcs, axis=1, keepdims=True), rtol=1e-5, atol=1e-6)
    f = SentenceFeatures(tiny, "mean", dim=2).fit(lines)
    z = f.transform(lines)
    assert z.shape == (5, 2)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-6)  # centred on the fitting lines
    # centred, n lines span n - 1 directions: one line has none to project on (it would
    # come out a zero row), two lines one
    with pytest.raises(ParameterError, match="fitting lines' 0 directions"):
        SentenceFeatures(tiny, "mean", dim=1).fit(["king man"])
    with pytest.raises(ParameterError, match="fitting lines' 1 direction "):
        SentenceFeatures(tiny, "mean", dim=2).fit(["king man", "queen apple"])
    assert np.abs(SentenceFeatures(tiny, "mean", dim=1).fit(lines[:2]).transform(lines[:2])).min() > 0
    with pytest.raises(ParameterError, match="^mode must be one of"):
        SentenceFeatures(tiny, "max")


def test_save_and_load_fit(tiny, tmp_path):
    train, test = ["king man", "queen woman apple", "man woman", "apple"], ["king queen", "woman"]
    f = SentenceFeatures(tiny, "sif", dim=2).fit(train)
    f.save_fit(tmp_path / "fit.npz")
    g = SentenceFeatures(tiny, "sif", dim=2).load_fit(tmp_path / "fit.npz")
    np.testing.assert_allclose(g.transform(test), f.transform(test), atol=1e-6)
    with pytest.raises(ParameterError, match="other options"):
        SentenceFeatures(tiny, "sif", dim=2, a=0.1).load_fit(tmp_path / "fit.npz")
    with pytest.raises(ParameterError, match=r"other options: dim 2 \(here not given\)$"):
        SentenceFeatures(tiny, "sif").load_fit(tmp_path / "fit.npz")
    # the same options on other vectors of the same words and dimension: refused too
    other = Embedding(tiny.words, tiny.vectors[::-1].copy(), tiny.counts, tiny.params)
    mine = SentenceFeatures(other, "sif", dim=2)._model_fingerprint()
    theirs = SentenceFeatures(tiny, "sif", dim=2)._model_fingerprint()
    size = f"{len(tiny)} words × {tiny.dim} dims"
    with pytest.raises(ParameterError) as e:  # one sentence naming both models, not 'other options: another model'
        SentenceFeatures(other, "sif", dim=2, a=0.1).load_fit(tmp_path / "fit.npz")
    assert str(e.value) == (
        f"{tmp_path / 'fit.npz'} was fitted on another model's vectors: model {theirs} ({size}), "
        f"not this model {mine} ({size}); give the model it was fitted on, or fit on this one "
        "(fit_on lines, in place of load_fit)"
    )
    with pytest.raises(DataError, match="no line"):
        SentenceFeatures(tiny, "sif").fit(["zebra", ""])


def test_a_loaded_fit_supplies_its_own_options_and_a_given_one_must_agree(cli, tiny, tmp_path):
    """--load-fit takes the mode, a, dim, … the fit was made with; an option given as well
    must be the fit's, else one line names the option, the fit's value and the given one."""
    train, test = ["king man", "queen woman apple", "man woman", "apple"], ["king queen", "woman"]
    f = SentenceFeatures(tiny, "sif", a=0.01, dim=2, unit=True).fit(train)
    f.save_fit(tmp_path / "fit.npz")
    g = SentenceFeatures.from_fit(tiny, tmp_path / "fit.npz")
    assert (g.modes, g.a, g.dim, g.unit) == (["sif"], 0.01, 2, True)
    np.testing.assert_allclose(g.transform(test), f.transform(test), atol=1e-6)
    assert SentenceFeatures.from_fit(tiny, tmp_path / "fit.npz", mode="sif", dim=2).dim == 2
    with pytest.raises(ParameterError, match=r"other options: mode 'sif' \(here 'mean'\)$"):
        SentenceFeatures.from_fit(tiny, tmp_path / "fit.npz", mode="mean")
    (tmp_path / "test.txt").write_text("\n".join(test) + "\n")
    m = tmp_path / "m.ekm"
    r = cli("sentence-features", tmp_path / "test.txt", "-m", m, "--load-fit", tmp_path / "fit.npz")
    assert r.exit_code == 0, r.stderr
    got = np.array([[float(v) for v in row.split("\t")] for row in r.stdout.splitlines()])
    np.testing.assert_allclose(got, f.transform(test), atol=1e-5)
    same = cli("sentence-features", tmp_path / "test.txt", "-m", m, "--load-fit", tmp_path / "fit.npz", "--mode", "sif")
    assert same.exit_code == 0 and same.stdout == r.stdout
    r = cli("sentence-features", tmp_path / "test.txt", "-m", m, "--load-fit", tmp_path / "fit.npz", "--sif-a", "0.5")
    one_line_error(r, "fit.npz was fitted with other options: --sif-a 0.01 (here 0.5)", code=2)
    r = cli("sentence-features", tmp_path / "test.txt", "-m", m, "--load-fit", tmp_path / "fit.npz", "--mode", "mean")
    one_line_error(r, "--mode 'sif' (here 'mean')", code=2)
    other = tmp_path / "other.ekm"  # the same words and dimension, other vectors
    Embedding(tiny.words, tiny.vectors[::-1].copy(), tiny.counts, tiny.params).save(other)
    r = cli("sentence-features", tmp_path / "test.txt", "-m", other, "--load-fit", tmp_path / "fit.npz")
    one_line_error(r, "fit.npz was fitted on another model's vectors: model ", ", not this model ",
                   "fit on this one (--fit-on lines, in place of --load-fit)", code=2)  # fmt: skip
    # a fit through a pipe (--load-fit <(cat fit.npz)) is read once: it was 'not a
    # sentence-features fit file (File or stream is not seekable.)'
    import os
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    feeder = threading.Thread(target=lambda: fifo.write_bytes((tmp_path / "fit.npz").read_bytes()))
    feeder.start()
    piped = cli("sentence-features", tmp_path / "test.txt", "-m", m, "--load-fit", fifo)
    feeder.join()
    assert piped.exit_code == 0 and piped.stdout == same.stdout, piped.stderr


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--mode", "mean", "--sif-a", "0.01"], "--sif-a is not used by --mode mean"),
        (["--sif-a", "0.01"], "--sif-a is not used by --mode usif-ctx (the default)"),
        (["--mode", "usif-cn", "--remove", "2", "-k", "3"], "--remove and -k are not used by --mode usif-cn"),
        (["--mode", "usif", "--unit"], "--unit is not used by --mode usif"),
    ],
)
def test_a_setting_its_mode_does_not_read_is_refused(cli, tiny, tmp_path, args, needle):
    """As train-words and embed-graph do: a setting given that the mode does not read is
    one line (exit 2), not silently dropped; every mode reads what FEATURE_MODE_SETTINGS says."""
    out = tmp_path / "f.tsv"
    r = cli("sentence-features", "-m", tmp_path / "m.ekm", *args, "-o", out, input="king man\nqueen woman\n")
    one_line_error(r, needle, code=2)
    assert not out.exists()
    for mode, settings in FEATURE_MODE_SETTINGS.items():
        assert SentenceFeatures(tiny, mode).settings == set(settings)
    assert SentenceFeatures(tiny, "sif+pcs").settings == {"a", "remove", "unit", "k"}
    assert SentenceFeatures(tiny, "pcs", pcs_weighted=True).settings == {"a", "k", "unit"}
    ok = ["--mode", "sif+pcs", "--sif-a", "0.01", "--remove", "1", "-k", "1", "--unit"]
    r = cli("sentence-features", "-m", tmp_path / "m.ekm", *ok, "-q", input="king man\nqueen woman apple\nman\n")
    assert r.exit_code == 0, r.stderr


def test_conceptor_and_context_weights_through_the_cli(cli, tiny, tmp_path):
    """--cn-mu, --ctx-gamma and --ctx-beta reach the library as cn_mu, ctx_gamma and
    ctx_beta; a mode that does not read one refuses it; a fit keeps them."""
    lines = ["king man", "queen zebra woman", "zebra apple", "man woman okapi"]
    m, fit = tmp_path / "m.ekm", tmp_path / "fit.npz"

    def rows(r):
        assert r.exit_code == 0, r.stderr
        return np.array([[float(v) for v in row.split("\t")] for row in r.stdout.splitlines()])

    flags = ["--cn-mu", "0.3", "--ctx-gamma", "0.5", "--ctx-beta", "2"]
    r = cli("sentence-features", "-m", m, *flags, "--save-fit", fit, "-q", input="\n".join(lines) + "\n")
    lib = SentenceFeatures(tiny, "usif-ctx", cn_mu=0.3, ctx_gamma=0.5, ctx_beta=2.0).fit_transform(lines)
    np.testing.assert_allclose(rows(r), lib, atol=1e-5)
    # each weight changes the features (so each one is read): γ moves known words, β unknown ones
    for i, flag in ((1, "--cn-mu"), (3, "--ctx-gamma"), (5, "--ctx-beta")):
        other = [*flags[:i], "0.9", *flags[i + 1 :]]
        r = cli("sentence-features", "-m", m, *other, "-q", input="\n".join(lines) + "\n")
        assert np.abs(rows(r) - lib).max() > 1e-3, flag
    r = cli("sentence-features", "-m", m, "--mode", "usif-cn", "--cn-mu", "0.3", "-q", input="king man\nzebra\n")
    cn = SentenceFeatures(tiny, "usif-cn", cn_mu=0.3).fit_transform(["king man", "zebra"])
    np.testing.assert_allclose(rows(r), cn, atol=1e-5)
    # the fit remembers them: --load-fit alone gives the same rows, another value is named
    test = tmp_path / "test.txt"
    test.write_text("queen okapi man\nzebra\n")
    want = (
        SentenceFeatures(tiny, "usif-ctx", cn_mu=0.3, ctx_gamma=0.5, ctx_beta=2.0)
        .fit(lines)
        .transform(["queen okapi man", "zebra"])
    )
    np.testing.assert_allclose(rows(cli("sentence-features", test, "-m", m, "--load-fit", fit)), want, atol=1e-5)
    r = cli("sentence-features", test, "-m", m, "--load-fit", fit, "--ctx-beta", "1")
    one_line_error(r, "fit.npz was fitted with other options: --ctx-beta 2.0 (here 1.0)", code=2)
    for args, needle in (
        (["--mode", "usif-cn", "--ctx-gamma", "0.5"], "--ctx-gamma is not used by --mode usif-cn"),
        (["--mode", "sif", "--cn-mu", "0.1", "--ctx-beta", "2"], "--cn-mu and --ctx-beta are not used by --mode sif"),
        (["--ctx-gamma", "-1"], "--ctx-gamma must be non-negative, got -1.0"),
        (["--cn-mu", "0"], "--cn-mu must be positive, got 0.0"),
        (["--ctx-beta", "inf"], "--ctx-beta must be finite, got inf"),
    ):
        out = tmp_path / "f.tsv"
        r = cli("sentence-features", "-m", m, *args, "-o", out, input="king man\nqueen woman\n")
        one_line_error(r, needle, code=2)
        assert not out.exists()


def test_read_lines_splits_on_newlines_and_cr_only(tmp_path):
    p = tmp_path / "t.txt"
    p.write_bytes("a\u2028b\r\n\nc\x0cd\rold mac\nlast".encode())
    assert read_lines(str(p)) == ["a\u2028b", "", "c\x0cd", "old mac", "last"]


# -- the command line -----------------------------------------------------------------
TEXT = "the king and the queen\n\nzebra crossing\napple\u2028pie\nman\r\nwoman and man"  # no final newline


@pytest.mark.parametrize("mode", ["mean", "sif", "pcs", "sif+pcs"])
def test_one_row_per_input_line_through_the_cli(cli, tiny, tmp_path, mode):
    r = cli("sentence-features", "--model", tmp_path / "m.ekm", "--mode", mode, input=TEXT)
    assert r.exit_code == 0, r.stderr
    rows = r.stdout.split("\n")
    assert rows[-1] == "" and len(rows) - 1 == 6  # six input lines, six rows
    values = np.array([[float(v) for v in row.split("\t")] for row in rows[:-1]])
    assert values.shape[1] == {"mean": 3, "sif": 3, "pcs": 6, "sif+pcs": 9}[mode]
    assert not values[1].any() and not values[2].any()  # empty line, no known word
    assert values[0].any() and values[3].any()
    assert "2 of 6 lines had no known word" in r.stderr


def test_one_row_per_input_line_through_a_pipe(tiny, tmp_path):
    env = subprocess_env()
    cmd = [sys.executable, "-m", "embedkit.cli", "sentence-features", "--model", str(tmp_path / "m.ekm")]
    text = "".join(f"{w} king\n" if i % 7 else "\n" for i, w in enumerate(WORDS * 200))
    p = subprocess.run(
        cmd + ["--mode", "sif", "--format", "npy", "-o", str(tmp_path / "f.npy")],
        input=text.encode(),
        env=env,
        capture_output=True,
        check=True,
    )
    x = np.load(tmp_path / "f.npy")
    assert x.shape == (1000, 3)
    assert f"{len(range(0, 1000, 7))} of 1,000 lines had no known word" in p.stderr.decode()
    p = subprocess.run(cmd, input=text.encode(), env=env, capture_output=True, check=True)
    assert len(p.stdout.decode().splitlines()) == 1000


def test_fit_on_training_lines_then_reuse(cli, tiny, tmp_path):
    (tmp_path / "train.txt").write_text("king man\nqueen woman apple\nman woman\napple\n")
    (tmp_path / "test.txt").write_text("king queen\nwoman\n")
    m = tmp_path / "m.ekm"
    r = cli("sentence-features", tmp_path / "train.txt", "-m", m, "--mode", "sif", "--save-fit", tmp_path / "fit.npz")
    assert r.exit_code == 0
    r1 = cli("sentence-features", tmp_path / "test.txt", "-m", m, "--mode", "sif", "--load-fit", tmp_path / "fit.npz")
    r2 = cli("sentence-features", tmp_path / "test.txt", "-m", m, "--mode", "sif", "--fit-on", tmp_path / "train.txt")
    assert r1.exit_code == 0 and r1.stdout == r2.stdout
    f = SentenceFeatures(tiny, "sif").fit(read_lines(str(tmp_path / "train.txt")))
    got = np.array([[float(v) for v in row.split("\t")] for row in r1.stdout.splitlines()])
    np.testing.assert_allclose(got, f.transform(["king queen", "woman"]), atol=1e-5)


def test_sentence_features_bad_input(cli, tiny, tmp_path):
    m = tmp_path / "m.ekm"
    one_line_error(cli("sentence-features", "-m", m, input=""), "no lines")
    one_line_error(cli("sentence-features", "-m", m, "--mode", "max", input="king\n"), "--mode")
    one_line_error(cli("sentence-features", "-m", m, "--mode", "pcs", "-k", "0", input="king\n"), "-k must be")
    one_line_error(cli("sentence-features", "-m", m, "--mode", "sif", input="zebra\n\n"), "no line to fit")
    one_line_error(cli("sentence-features", tmp_path / "nope.txt", "-m", m), "no such file")
    one_line_error(cli("sentence-features", "-m", m, "--dim", "1", input="king man\n"), "--dim 1", "0 directions")


# -- uSIF, unknown words, power means, GEM, all-but-the-top ----------------------------
def test_usif_weights_by_hand():
    counts = np.array([60, 20, 10, 5, 5])  # p = .6 .2 .1 .05 .05
    w, a = usif_weights(counts, n=2)
    # V = 5: a word is "frequent" when p > 1 − (4/5)² = 0.36 → α = 1/5; Z = 5/2; a = (1 − α)/(αZ) = 1.6
    assert a == pytest.approx(1.6)
    np.testing.assert_allclose(w, 1.6 / (0.8 + counts / 100), rtol=1e-6)


def test_usif_by_hand(tiny):
    lines = ["king man", "queen woman apple", "king queen", "man woman", "apple zebra"]
    f = SentenceFeatures(tiny, "usif", remove=2).fit(lines)
    w, _ = usif_weights(COUNTS)
    u = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)
    ix = {word: i for i, word in enumerate(WORDS)}
    avg = np.array([np.mean([w[ix[t]] * u[ix[t]] for t in line.split() if t in ix], axis=0) for line in lines])
    _, s, vt = np.linalg.svd(avg, full_matrices=False)
    lam = s[:2] ** 2 / (s[:2] ** 2).sum()
    want = avg - ((avg @ vt[:2].T) * lam) @ vt[:2]  # each component removed in proportion λ_i
    np.testing.assert_allclose(f.transform(lines), want, atol=1e-5)


def test_unknown_words_are_fixed_directions_of_their_own(tiny):
    f = SentenceFeatures(tiny, "usif-oov", remove=0).fit(["king man"])
    x = f.transform(["zebra", "zebra", "okapi", "king zebra", ""])
    np.testing.assert_array_equal(x[0], x[1])  # the same word, the same vector, every time
    assert np.linalg.norm(x[0]) > 0 and not x[4].any()
    assert abs(x[0] @ x[2]) < 0.95 * np.linalg.norm(x[0]) * np.linalg.norm(x[2])
    u = unknown_vectors(["zebra", "okapi"], 3)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(u, unknown_vectors(["zebra", "okapi"], 3))
    # weighted as a word of probability 0 (a / (a/2) = 2) beside the known word's uSIF weight
    w, _ = usif_weights(COUNTS)
    np.testing.assert_allclose(x[3], (w[0] * KING / np.linalg.norm(KING) + 2 * u[0]) / 2, atol=1e-6)
    # usif skips them: its rows equal usif-oov's on lines without unknown words
    g = SentenceFeatures(tiny, "usif", remove=0).fit(["king man"])
    np.testing.assert_allclose(g.transform(["king man"]), f.transform(["king man"]), atol=1e-7)


def test_conceptor_negation_by_hand():
    # rows (2, 0), (0, 1): R = xᵀx / 2 = diag(2, 0.5), trace 2.5 → scaled to trace 2: diag(1.6, 0.4);
    # ¬C = (I + μ R)⁻¹ with μ = 0.5: diag(1 / 1.8, 1 / 1.2)
    x = np.array([[2.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(conceptor_negation(x, 0.5), np.diag([1 / 1.8, 1 / 1.2]), rtol=1e-6)
    # the same rows turned by a rotation Q: ¬C turns with them (Q ¬C Qᵀ), and equals I − C for
    # the conceptor C = R (R + α⁻² I)⁻¹ of aperture α = √μ on the scaled R (Liu et al. 2019)
    q = np.array([[0.6, -0.8], [0.8, 0.6]])
    got = conceptor_negation(x @ q.T, 0.5)
    np.testing.assert_allclose(got, q @ np.diag([1 / 1.8, 1 / 1.2]) @ q.T, atol=1e-6)
    r = q @ np.diag([1.6, 0.4]) @ q.T
    np.testing.assert_allclose(got, np.eye(2) - r @ np.linalg.inv(r + np.eye(2) / 0.5), atol=1e-6)
    # the scale of the rows does not matter; no rows (or zero rows) leave everything as it is
    np.testing.assert_allclose(conceptor_negation(1e-3 * x, 0.5), conceptor_negation(x, 0.5), rtol=1e-5)
    np.testing.assert_array_equal(conceptor_negation(np.zeros((0, 3))), np.eye(3, dtype=np.float32))
    with pytest.raises(ParameterError, match="cn_mu"):
        conceptor_negation(x, 0.0)


def test_usif_cn_by_hand(tiny):
    fit_lines = ["king man", "queen woman apple", "king zebra", "man woman", "apple okapi"]
    f = SentenceFeatures(tiny, "usif-cn", cn_mu=0.3).fit(fit_lines)
    w, _ = usif_weights(COUNTS)
    u = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)
    ix = {word: i for i, word in enumerate(WORDS)}
    unk = dict(zip(["zebra", "okapi"], unknown_vectors(["zebra", "okapi"], 3)))

    def average(line):  # uSIF's weighted average; an unknown word: its own direction, weight 2
        return np.mean([w[ix[t]] * u[ix[t]] if t in ix else 2 * unk[t] for t in line.split()], axis=0)

    avg = np.array([average(line) for line in fit_lines])
    r = avg.T @ avg / len(avg)
    r *= 3 / np.trace(r)
    neg = np.linalg.inv(np.eye(3) + 0.3 * r)
    test = ["queen okapi man", "woman", ""]
    want = np.array([average(line) for line in test[:2]] + [np.zeros(3)]) @ neg
    np.testing.assert_allclose(f.transform(test), want, atol=1e-6)
    # nothing removed outright: usif-oov with no component removed, times ¬C
    g = SentenceFeatures(tiny, "usif-oov", remove=0).fit(fit_lines)
    np.testing.assert_allclose(f.transform(test), g.transform(test) @ neg, atol=1e-6)


def test_usif_ctx_by_hand(tiny):
    fit_lines = ["king man", "queen woman apple", "king zebra", "man woman", "apple okapi", "zebra zebra man"]
    f = SentenceFeatures(tiny, "usif-ctx", cn_mu=0.3, ctx_gamma=0.5, ctx_beta=2.0).fit(fit_lines)
    w, _ = usif_weights(COUNTS)
    u = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)
    ix = {word: i for i, word in enumerate(WORDS)}
    unk = dict(zip(["zebra", "okapi", "gnu"], unknown_vectors(["zebra", "okapi", "gnu"], 3)))

    def unit(v):
        return v / np.linalg.norm(v)

    def known_sum(line, vec):  # a line's weighted sum of its known words' directions
        return sum(w[ix[t]] * vec[ix[t]] for t in line.split() if t in ix)

    def context(word, vec):  # unit sum of the unit directions of the lines with the word, once per occurrence
        return unit(sum(line.split().count(word) * unit(known_sum(line, vec)) for line in fit_lines))

    moved = u.copy()
    for word in ("king", "man", "queen", "woman", "apple"):  # every vocabulary word the lines have
        moved[ix[word]] = unit(u[ix[word]] + 0.5 * context(word, u))
    unk_moved = {t: unit(unk[t] + 2.0 * context(t, moved)) for t in ("zebra", "okapi")}
    unk_moved["gnu"] = unk["gnu"]  # not in the fitting lines: its random direction as it is
    # zebra's lines: "king zebra" (once) and "zebra zebra man" (twice)
    z = unit(unit(w[ix["king"]] * moved[ix["king"]]) + 2 * unit(w[ix["man"]] * moved[ix["man"]]))
    np.testing.assert_allclose(unk_moved["zebra"], unit(unk["zebra"] + 2.0 * z), atol=1e-6)

    def average(line):
        return np.mean([w[ix[t]] * moved[ix[t]] if t in ix else 2 * unk_moved[t] for t in line.split()], axis=0)

    avg = np.array([average(line) for line in fit_lines])
    r = avg.T @ avg / len(avg)
    r *= 3 / np.trace(r)
    neg = np.linalg.inv(np.eye(3) + 0.3 * r)
    test = ["queen okapi man gnu", "zebra", ""]
    want = np.array([average(line) for line in test[:2]] + [np.zeros(3)]) @ neg
    np.testing.assert_allclose(f.transform(test), want, atol=1e-5)
    # with both weights 0 it is usif-cn
    g = SentenceFeatures(tiny, "usif-ctx", cn_mu=0.3, ctx_gamma=0, ctx_beta=0).fit(fit_lines)
    h = SentenceFeatures(tiny, "usif-cn", cn_mu=0.3).fit(fit_lines)
    np.testing.assert_allclose(g.transform(test), h.transform(test), atol=1e-6)
    with pytest.raises(ParameterError, match="ctx_gamma"):
        SentenceFeatures(tiny, "usif-ctx", ctx_gamma=-1)


def test_power_means_by_hand(tiny):
    x = SentenceFeatures(tiny, "pmeans").transform(["king man woman", "", "apple"])
    m = np.stack([KING, MAN, WOMAN])
    np.testing.assert_allclose(x[0], np.concatenate([m.mean(0), m.max(0), m.min(0)]), rtol=1e-6)
    assert not x[1].any()
    np.testing.assert_allclose(x[2], np.tile(APPLE, 3))


def _gem_reference(x, directions, sv, r, window):
    """GEM for one sentence, one word at a time: least squares against the word's context."""
    score = np.linalg.norm(x @ directions.T, axis=0) * sv
    chosen = np.argsort(score)[-r:]
    c, sc = directions[chosen], sv[chosen]
    n = len(x)
    weights = []
    for i in range(n):
        ctx = [j for j in range(max(0, i - window), min(n, i + window + 1)) if j != i]
        res = x[i] - x[ctx].T @ np.linalg.lstsq(x[ctx].T, x[i], rcond=None)[0] if ctx else x[i]
        norm = np.linalg.norm(res)
        if norm <= 1e-6 * np.linalg.norm(x[i]):  # a repeat of a context word: nothing new
            norm, res = 0.0, np.zeros_like(res)
        q = res / norm if norm else res
        weights.append(
            np.exp(norm / np.linalg.norm(x[i])) + norm / (len(ctx) + 1) + np.exp(-np.linalg.norm(sc * (c @ q)) / r)
        )
    s = np.asarray(weights) @ x
    return s - (s @ c.T) @ c


def test_gem_equals_a_word_by_word_reference():
    rng = np.random.default_rng(3)
    words = [f"w{chr(97 + i)}" for i in range(20)]  # letters only: the default tokenizer
    emb = Embedding(words, rng.standard_normal((20, 8)).astype(np.float32), np.arange(20) + 1)
    lines = [" ".join(rng.choice(words, size=n)) for n in rng.integers(1, 12, size=40)]  # repeats allowed
    f = SentenceFeatures(emb, "gem", gem_k=5, gem_r=2, gem_window=3).fit(lines)
    dirs, sv = f.fitted_["gem_directions"], f.fitted_["gem_singular_values"]
    assert dirs.shape == (5, 8) and np.all(np.diff(sv) <= 0)
    got = f.transform(lines)
    for line, row in zip(lines, got):
        x = np.asarray(emb.vectors, dtype=np.float64)[[emb.index[t] for t in line.split()]]
        np.testing.assert_allclose(row, _gem_reference(x, dirs, sv, 2, 3), rtol=1e-4, atol=1e-4)


def test_abtt_vectors_lose_their_mean_and_top_directions():
    rng = np.random.default_rng(0)
    v = rng.standard_normal((200, 10)) @ np.diag(np.arange(10, 0, -1)) + 3.0
    a = abtt_vectors(v, 2)
    np.testing.assert_allclose(a.mean(axis=0), 0, atol=1e-5)
    c = v - v.mean(axis=0)
    top = np.linalg.svd(c, full_matrices=False)[2][:2]
    np.testing.assert_allclose(a @ top.T, 0, atol=1e-4)
    np.testing.assert_allclose(a, c - (c @ top.T) @ top, atol=1e-4)


def test_weighted_modes_without_counts_name_import_counts():
    emb = Embedding(WORDS, VECTORS, None)
    for mode in ("sif", "usif", "usif-oov", "usif-cn", "usif-ctx"):
        # the library's way (the command line says `embedkit import VECTORS --counts VOCAB`:
        # test_interface)
        with pytest.raises(DataError, match=r"give the vectors their counts: Embedding\(words, vectors, counts\)"):
            SentenceFeatures(emb, mode)
    assert SentenceFeatures(emb, "mean").transform(["king"]).any()
    # no mode given: the default needs counts, so a model without them falls back to mean
    f = SentenceFeatures(emb)
    assert f.fell_back and f.modes == ["mean"]
    assert not SentenceFeatures(Embedding(WORDS, VECTORS, COUNTS)).fell_back


@pytest.mark.parametrize("mode", ["usif-oov", "usif-cn", "usif-ctx", "gem", "usif+pmeans"])
def test_save_and_load_fit_of_the_new_modes(tiny, tmp_path, mode):
    train, test = ["king man", "queen woman apple", "man woman", "apple king"], ["king queen zebra", "woman"]
    f = SentenceFeatures(tiny, mode, gem_k=3, gem_r=2).fit(train)
    f.save_fit(tmp_path / "fit.npz")
    g = SentenceFeatures(tiny, mode, gem_k=3, gem_r=2).load_fit(tmp_path / "fit.npz")
    np.testing.assert_allclose(g.transform(test), f.transform(test), atol=1e-6)
    with pytest.raises(ParameterError, match="call fit"):
        SentenceFeatures(tiny, mode, gem_k=3, gem_r=2).transform(test)


def test_default_mode_through_the_cli(cli, tiny, tmp_path):
    r = cli("sentence-features", "--model", tmp_path / "m.ekm", input="king man\nqueen zebra\n")
    assert r.exit_code == 0, r.stderr
    lib = SentenceFeatures(tiny).fit_transform(["king man", "queen zebra"])
    got = np.array([[float(v) for v in row.split("\t")] for row in r.stdout.splitlines()])
    np.testing.assert_allclose(got, lib, atol=1e-5)
    assert DEFAULT_MODE == "usif-ctx"


def test_a_fit_keeps_its_conceptor_strength(tiny, tmp_path):
    train = ["king man", "queen woman apple", "man woman", "apple king"]
    SentenceFeatures(tiny).fit(train).save_fit(tmp_path / "fit.npz")
    with pytest.raises(ParameterError, match="cn_mu 0.07 .here 0.2."):
        SentenceFeatures(tiny, cn_mu=0.2).load_fit(tmp_path / "fit.npz")
    # a fit saved before usif-cn existed records no cn_mu, and still loads where it played no part
    SentenceFeatures(tiny, "usif-oov").fit(train).save_fit(tmp_path / "old.npz")
    with np.load(tmp_path / "old.npz") as z:
        arrays = {key: z[key] for key in z.files}
    config = json.loads(str(arrays["config"]))
    del config["cn_mu"]
    arrays["config"] = np.array(json.dumps(config))
    np.savez(tmp_path / "old.npz", **arrays)
    g = SentenceFeatures(tiny, "usif-oov").load_fit(tmp_path / "old.npz")
    want = SentenceFeatures(tiny, "usif-oov").fit(train).transform(["king zebra"])
    np.testing.assert_allclose(g.transform(["king zebra"]), want, atol=1e-6)


@pytest.mark.parametrize(
    "extra, named", [([], "--mode sif fitted on only 6 lines"), (["--dim", "2"], "--mode sif and --dim")]
)
def test_the_few_lines_warning_names_only_what_was_asked(cli, tiny, tmp_path, extra, named):
    r = cli("sentence-features", "--model", tmp_path / "m.ekm", "--mode", "sif", *extra, input=TEXT)
    assert r.exit_code == 0, r.stderr
    warning = [line for line in r.stderr.splitlines() if "fitted on only" in line]
    assert len(warning) == 1 and named in warning[0]
    assert ("--dim" in warning[0]) == bool(extra)
