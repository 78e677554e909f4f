"""``evaluate sts``: reading scored sentence pairs, Pearson / Spearman by hand, the CLI."""

import json

import numpy as np
import pytest

from embedkit.errors import DataError
from embedkit.evaluate import read_sts_pairs, sts, sts_files
from embedkit.features import SentenceFeatures
from embedkit.vectors import Embedding

WORDS = ["king", "queen", "man", "woman", "apple"]
VECTORS = np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1]], dtype=np.float32)
COUNTS = np.array([50, 40, 30, 20, 10])

# cosines by hand: king·king = 1; king·queen = 0; man·apple = 0.1 / |man|; zebra is unknown → 0
PAIRS = "5\tKing\tking .\n2\tking\tqueen\n1\tman\tapple\n0\tzebra\tking\n"
COS = np.array([1.0, 0.0, 0.1 / np.sqrt(1.01), 0.0])
GOLD = np.array([5.0, 2.0, 1.0, 0.0])


@pytest.fixture
def tiny(tmp_path):
    emb = Embedding(WORDS, VECTORS, COUNTS, {"kind": "words"})
    emb.save(tmp_path / "m.ekm")
    return emb


def _pearson(x, y):
    x, y = x - x.mean(), y - y.mean()
    return 100 * (x @ y) / np.sqrt((x @ x) * (y @ y))


def test_pearson_and_spearman_by_hand(tiny, tmp_path):
    (tmp_path / "p.tsv").write_text(PAIRS)
    r = sts(read_sts_pairs(str(tmp_path / "p.tsv")), SentenceFeatures(tiny, "mean").fit_transform)
    assert r.pairs == 4 and r.unknown == 1
    assert r.pearson == pytest.approx(_pearson(COS, GOLD), abs=1e-4)
    # ranks: cosines (4, 1.5, 3, 1.5), gold (4, 3, 2, 1): Σ dx·dy = 3, Σ dx² = 4.5, Σ dy² = 5
    assert r.spearman == pytest.approx(100 * 3 / np.sqrt(4.5 * 5), abs=1e-4)


def test_reader_tolerates_bom_crlf_blank_lines_header_and_unscored_pairs(tmp_path):
    p = tmp_path / "p.tsv"
    p.write_bytes(
        "\ufeffscore\tsentence1\tsentence2\r\n\r\n4.5\ta man\ta woman\r\n\t(unscored)\tpair\r\n  \r\n0.5\tx\ty"
        .encode("utf-8")
    )  # fmt: skip
    pairs = read_sts_pairs(str(p))
    np.testing.assert_array_equal(pairs.scores, [4.5, 0.5])
    assert pairs.first == ["a man", "x"] and pairs.second == ["a woman", "y"]
    # a BOM before a number is not a header
    p.write_bytes("\ufeff3\ta\tb\n".encode())
    assert read_sts_pairs(str(p)).scores.tolist() == [3.0]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no scored sentence pairs"),
        ("\n\n  \n", "no scored sentence pairs"),
        ("score\ts1\ts2\n", "no scored sentence pairs"),
        ("3\ta\tb\n4\tonly two fields\n", "line 2: expected 'score<TAB>sentence1<TAB>sentence2', got 2 TAB-sep"),
        ("3\ta\tb\none sentence\n", "line 2: expected .*, got 1 TAB-separated field: 'one sentence'"),
        ("3\ta\tb\nhigh\ta\tb\n", "line 2: score 'high' is not a number"),
        ("3\ta\tb\nnan\ta\tb\n", "line 2: score 'nan' is not a finite number"),
    ],
)
def test_reader_errors_name_the_file_and_line(tmp_path, text, message):
    p = tmp_path / "bad.tsv"
    p.write_text(text)
    with pytest.raises(DataError, match=message) as e:
        read_sts_pairs(str(p))
    assert "bad.tsv" in str(e.value) and "\n" not in str(e.value)


def test_average_is_the_unweighted_mean_of_the_files(tiny, tmp_path):
    (tmp_path / "a.tsv").write_text(PAIRS)
    (tmp_path / "b.tsv").write_text("1\tking\tqueen\n3\tman\twoman\n5\tapple\tapple\n")
    pairs = [read_sts_pairs(str(tmp_path / f)) for f in ("a.tsv", "b.tsv")]
    mean = SentenceFeatures(tiny, "mean").fit_transform
    a, b, avg = sts_files(pairs, mean)
    assert avg.file == "average" and avg.pairs == 7 and avg.unknown == 1
    assert avg.pearson == pytest.approx((a.pearson + b.pearson) / 2)
    assert avg.spearman == pytest.approx((a.spearman + b.spearman) / 2)
    assert len(sts_files(pairs[:1], mean)) == 1  # one file: no average row
    # a file without a correlation (one pair) is left out of the mean, not made its NaN
    (tmp_path / "c.tsv").write_text("2\tking\tqueen\n")
    one = read_sts_pairs(str(tmp_path / "c.tsv"))
    a2, c, avg2 = sts_files([pairs[0], one], mean)
    assert np.isnan(c.pearson) and avg2.pearson == pytest.approx(a2.pearson) and avg2.pairs == a2.pairs


def test_cli_json_and_errors(cli, tiny, tmp_path):
    (tmp_path / "a.tsv").write_text(PAIRS)
    (tmp_path / "b.tsv").write_text("1\tking\tqueen\n3\tman\twoman\n5\tapple\tapple\n")
    m = tmp_path / "m.ekm"
    r = cli("evaluate", "sts", tmp_path / "a.tsv", tmp_path / "b.tsv", "-m", m, "--mode", "mean", "--json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [row["file"] for row in rows] == [str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv"), "average"]
    assert rows[0]["pearson"] == pytest.approx(_pearson(COS, GOLD), abs=1e-4)
    assert rows[0]["pairs"] == 4 and rows[0]["unknown"] == 1
    # piped: TSV with a header
    r = cli("evaluate", "sts", tmp_path / "a.tsv", "-m", m, "--mode", "mean")
    assert r.stdout.splitlines()[0].split("\t") == ["file", "pearson", "spearman", "pairs", "unknown"]
    # a file with no pair: one line naming it, exit 4, checked before any work
    (tmp_path / "empty.tsv").write_text("\n")
    r = cli("evaluate", "sts", tmp_path / "a.tsv", tmp_path / "empty.tsv", "-m", m)
    assert r.exit_code == 4 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and "empty.tsv" in r.stderr and "no scored sentence pairs" in r.stderr
    r = cli("evaluate", "sts", tmp_path / "a.tsv", "-m", m, "--mode", "nonsense")
    assert r.exit_code == 2 and "--mode" in r.stderr


def test_a_file_of_few_pairs_warns_that_its_correlation_means_little(cli, tiny, tmp_path):
    (tmp_path / "one.tsv").write_text("5\tking\tking\n")
    (tmp_path / "three.tsv").write_text("1\tking\tqueen\n3\tman\twoman\n5\tapple\tapple\n")
    r = cli("evaluate", "sts", tmp_path / "one.tsv", tmp_path / "three.tsv", "-m", tmp_path / "m.ekm", "--mode", "mean")
    assert r.exit_code == 0, r.stderr
    warnings = [line for line in r.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"embedkit: warning: {tmp_path / 'one.tsv'}: only 1 pair; no correlation is defined",
        f"embedkit: warning: {tmp_path / 'three.tsv'}: only 3 pairs; a correlation over so few means little",
    ]
