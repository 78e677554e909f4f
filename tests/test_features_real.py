"""Sentence features on real data (AG News and STS13 with vectors from part of dictwiki)."""

import csv
import gzip
import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from embedkit.evaluate import classify
from embedkit.features import SentenceFeatures
from embedkit.pipeline import WordOptions, train_words

from .conftest import shared


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """Vectors (100 d) from the first 60,000 lines of dictwiki, saved as m.ekm: the vectors the
    sentence modes' figures below were measured on (eig 0.5, no subwords: with subwords uSIF
    itself builds most unknown words from their n-grams, and usif-oov's edge on STS13
    headlines falls from over 2 points to 0.6)."""
    corpus = shared("corpora/dictwiki.txt.gz")
    tmp = tmp_path_factory.mktemp("real")
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        (tmp / "c.txt").write_text("".join(itertools.islice(f, 60000)))
    emb = train_words(str(tmp / "c.txt"), WordOptions(dim=100, eig=0.5, subwords=False))
    emb.save(tmp / "m.ekm")
    return emb, tmp / "m.ekm"


@pytest.mark.slow
def test_agnews_through_the_cli(cli, tmp_path, small_model):
    news = shared("eval/agnews_test.csv")
    emb, m = small_model
    with open(news, encoding="utf-8", newline="") as f:
        rows = list(itertools.islice(csv.reader(f), 3000))
    text = [f"{t} {d}".replace("\n", " ") for _, t, d in rows]
    y = [r[0] for r in rows]
    (tmp_path / "news.txt").write_text("\n".join(text) + "\n")
    (tmp_path / "train.txt").write_text("\n".join(text[:2400]) + "\n")
    (tmp_path / "labels.txt").write_text("\n".join(y) + "\n")
    out = tmp_path / "f.npy"
    args = ["--mode", "sif", "--dim", "50", "--fit-on", tmp_path / "train.txt", "-f", "npy", "-o", out]
    r = cli("sentence-features", tmp_path / "news.txt", "-m", m, *args)
    assert r.exit_code == 0, r.stderr
    x = np.load(out)
    assert x.shape == (3000, 50)
    # the command line and the library agree, and the features carry the topic
    lib = SentenceFeatures(emb, "sif", dim=50).fit(text[:2400]).transform(text)
    np.testing.assert_allclose(x, lib, atol=1e-4)
    acc = classify(x, y, train=2400).accuracy
    assert acc > 0.65, acc  # measured 0.693 with the defaults; a floor against regressions
    r = cli("evaluate", "classify", out, tmp_path / "labels.txt", "--train", "2400", "--json")
    assert json.loads(r.stdout)[0]["accuracy"] == pytest.approx(acc, rel=1e-6)  # 7 significant digits


@pytest.mark.slow
def test_sts13_default_mode_and_an_independent_sif(cli, small_model):
    files = [shared(f"eval/sts/sts13.{name}.tsv") for name in ("headlines", "OnWN")]
    emb, m = small_model
    got = {}
    for mode in ("usif-ctx", "usif-cn", "usif-oov", "usif", "sif"):
        r = cli("evaluate", "sts", *files, "-m", m, *(["--mode", mode] if mode != "usif-ctx" else []), "--json")
        assert r.exit_code == 0, r.stderr
        rows = json.loads(r.stdout)
        assert [row["pairs"] for row in rows] == [750, 561, 1311]
        got[mode] = rows
    # unknown words as directions of their own help most where names abound (headlines)
    assert got["usif-oov"][0]["pearson"] > got["usif"][0]["pearson"] + 2
    assert got["usif-oov"][-1]["pearson"] > got["usif"][-1]["pearson"]
    # usif-cn damps the common directions instead, and the default (no --mode, usif-ctx) also
    # moves the words toward the file's use of them: both above SIF and uSIF on average
    for mode in ("usif-cn", "usif-ctx"):
        assert got[mode][-1]["pearson"] > max(got["usif"][-1]["pearson"], got["sif"][-1]["pearson"]) + 1, mode
    # embedkit's SIF and uSIF equal ref_sif.py's, written from the papers with numpy alone
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import ref_sif

    vectors, counts = np.asarray(emb.vectors, dtype=np.float64), emb.counts.astype(np.float64)
    for mode, fn in (("sif", ref_sif.sif), ("usif", ref_sif.usif)):
        for path, row in zip(files, got[mode]):
            with open(path, encoding="utf-8") as f:
                pairs = [(float(p[0]), p[1], p[2]) for p in (line.rstrip("\n").split("\t") for line in f)]
            ref = ref_sif.sts_pearson(lambda x, fit, fn=fn: fn(x, vectors, counts, fit), pairs, emb.index)
            assert row["pearson"] == pytest.approx(ref, abs=0.05), (mode, path.name)
