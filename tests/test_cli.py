"""The real command line, through Typer's CliRunner and through a shell pipeline."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedkit.vectors import Embedding

from .conftest import DEMO, one_line_error, subprocess_env, toy_embedding

EMBEDKIT = [sys.executable, "-m", "embedkit.cli"]


def test_tokenize_lowercases_and_keeps_lines(cli, tmp_path):
    r = cli("tokenize", "-", input="The Dog, the CAT.\n\nÉté 2024!\n")
    assert r.exit_code == 0
    assert r.stdout == "the dog the cat\n\nété\n"


def test_vocab_counts_with_min_count(cli, lecture_file):
    r = cli("vocab", lecture_file, "--min-count", "2")
    assert r.exit_code == 0
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    # ties in frequency are ordered alphabetically
    assert rows == [["park", "3"], ["the", "3"], ["to", "3"], ["dog", "2"]]


def test_train_words_then_neighbors_as_typed(cli, small_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("train-words", small_corpus, "--dim", "50", "-q")
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "model.ekm").exists()
    r = cli("neighbors", "great", "-k", "5")
    assert r.exit_code == 0
    header, *lines = [line.split("\t") for line in r.stdout.splitlines()]
    # the default model has subwords: the column that says which queries were built is always there
    assert header == ["query", "neighbor", "score", "from_subwords"]
    assert len(lines) == 5 and all(len(x) == 4 and x[0] == "great" and x[3] == "" for x in lines)
    scores = [float(s) for _, _, s, _ in lines]
    assert scores == sorted(scores, reverse=True)
    assert {"excellent", "wonderful", "superb", "brilliant", "fantastic"} & {w for _, w, _, _ in lines}
    r = cli("neighbors", "great", "dog", "-k", "3", "--json")
    assert r.exit_code == 0 and '"great"' in r.stdout and '"dog"' in r.stdout


def test_stages_in_a_shell_pipeline_equal_train_words(small_corpus, tmp_path):
    env = subprocess_env()
    opts = ["--window", "3", "--weighting", "harmonic"]

    def run(cmd: str) -> None:
        subprocess.run(cmd, shell=True, check=True, cwd=tmp_path, env=env)

    ek = " ".join(EMBEDKIT)
    run(f"{ek} tokenize {small_corpus} | {ek} vocab - -o vocab.tsv")
    run(
        f"{ek} cooccur {small_corpus} --vocab vocab.tsv {' '.join(opts)} | {ek} pmi - --cds 0.75 "
        f"| {ek} svd - --dim 40 --seed 3 -o staged.ekm"
    )
    run(f"{ek} train-words {small_corpus} {' '.join(opts)} --dim 40 --seed 3 --no-subwords -q -o oneshot.ekm")
    a, b = Embedding.load(tmp_path / "staged.ekm"), Embedding.load(tmp_path / "oneshot.ekm")
    assert a.words == b.words
    np.testing.assert_array_equal(np.asarray(a.vectors), np.asarray(b.vectors))
    for key in ("window", "weighting", "dim", "seed", "cds", "transform", "subwords"):
        assert a.params[key] == b.params[key]
    # train-words' default adds subwords: the staged model then `embedkit subwords` is the same model
    run(f"{ek} subwords staged.ekm -q -o staged-sub.ekm")
    run(f"{ek} train-words {small_corpus} {' '.join(opts)} --dim 40 --seed 3 -q -o default.ekm")
    a, b = Embedding.load(tmp_path / "staged-sub.ekm"), Embedding.load(tmp_path / "default.ekm")
    assert a.subwords is not None and b.subwords is not None and b.params["subwords"] is True
    np.testing.assert_array_equal(np.asarray(a.vectors), np.asarray(b.vectors))
    for key in ("eig", "subwords", "subword_weight", "subword_ridge", "minn", "maxn", "buckets"):
        assert a.params[key] == b.params[key]


def test_export_word2vec_through_the_cli_loads_in_gensim(cli, small_corpus, tmp_path):
    gensim = pytest.importorskip("gensim")
    cli("train-words", small_corpus, "--dim", "20", "-q", "-o", tmp_path / "m.ekm")
    r = cli("export", tmp_path / "m.ekm", "--format", "word2vec-binary", "-o", tmp_path / "v.bin")
    assert r.exit_code == 0
    kv = gensim.models.KeyedVectors.load_word2vec_format(str(tmp_path / "v.bin"), binary=True)
    emb = Embedding.load(tmp_path / "m.ekm")
    assert kv.index_to_key == emb.words
    np.testing.assert_array_equal(kv.vectors, emb.vectors)


# -- bad input: one clear line on stderr, a non-zero exit, no output file ---------------
def test_missing_corpus(cli, tmp_path):
    r = cli("train-words", tmp_path / "nope.txt", "-o", tmp_path / "m.ekm")
    one_line_error(r, "nope.txt", "no such file")
    assert not (tmp_path / "m.ekm").exists()


def test_directory_instead_of_corpus(cli, tmp_path):
    r = cli("train-words", tmp_path, "-o", tmp_path / "m.ekm")
    one_line_error(r, "is a directory")


def test_empty_corpus(cli, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    r = cli("train-words", tmp_path / "empty.txt", "-o", tmp_path / "m.ekm")
    one_line_error(r, "empty.txt", "no tokens")
    assert list(tmp_path.iterdir()) == [tmp_path / "empty.txt"]


def test_no_word_above_min_count(cli, tmp_path):
    (tmp_path / "c.txt").write_text("a b c\nd e f\n")
    r = cli("train-words", tmp_path / "c.txt", "-o", tmp_path / "m.ekm")
    one_line_error(r, "no word occurs at least 5 times (6 distinct words)", "--min-count")
    assert not (tmp_path / "m.ekm").exists()


def test_one_word_corpus_counts_its_one_word(cli, tmp_path):
    (tmp_path / "one.txt").write_text("hello\n")
    r = cli("train-words", tmp_path / "one.txt", "-o", tmp_path / "m.ekm")
    one_line_error(r, "one.txt: no word occurs at least 5 times (1 distinct word);", code=4, out=tmp_path / "m.ekm")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_corpus_through_a_pipe_is_read_once_as_stdin_is(cli, tmp_path, workers):
    """``train-words <(zcat x.gz)`` (a pipe: /dev/fd/63) said 'File or stream is not
    seekable' on one worker, and on two took the pipe for a plain file whose size (0) it
    split into no shards: 'the corpus has no tokens'.  A pipe is read once, as stdin is,
    compressed or not; the model is the file's."""
    import gzip
    import os
    import threading

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(DEMO.read_text().splitlines()[:300]) + "\n")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    args = ["--dim", "8", "--min-count", "2", "--no-subwords", "--workers", workers, "-q"]
    assert cli("train-words", corpus, "-o", tmp_path / "f.ekm", *args).exit_code == 0
    filed = Embedding.load(tmp_path / "f.ekm")
    for data in (corpus.read_bytes(), gzip.compress(corpus.read_bytes())):
        feeder = threading.Thread(target=lambda data=data: fifo.write_bytes(data))
        feeder.start()
        r = cli("train-words", fifo, "-o", tmp_path / "p.ekm", *args)
        feeder.join()
        assert r.exit_code == 0, r.stderr
        piped = Embedding.load(tmp_path / "p.ekm")
        assert piped.words == filed.words
        np.testing.assert_array_equal(piped.vectors, filed.vectors)


def test_dim_larger_than_vocabulary(cli, lecture_file, tmp_path):
    """Counted, the vocabulary is too small: the message gives its size."""
    r = cli("train-words", lecture_file, "--min-count", "1", "--dim", "100", "-o", tmp_path / "m.ekm")
    n = len(set(re.findall(r"[a-z]+", Path(lecture_file).read_text().lower())))
    one_line_error(r, f"--dim 100 is too large for a vocabulary of {n} words (at most {n})", "--min-count", code=2)
    assert not (tmp_path / "m.ekm").exists()


@pytest.mark.parametrize(
    "args, needle",
    [
        # 1,080,008 bytes hold at most 216,001 words seen 5 times
        (["--dim", "99999999"], "--dim 99999999 is above any vocabulary of"),
        (["--dim", "216002"], "its 1,080,008 bytes hold at most 216,001 words, each seen --min-count 5 times"),
        (["--dim", "5", "--max-size", "4"], "--dim 5 is above --max-size 4: a vocabulary of at most 4 words"),
    ],
)
def test_a_dim_no_vocabulary_can_give_is_refused_before_the_corpus_is_read(cli, tmp_path, args, needle):
    """A --dim above --max-size, or above the words a corpus of 1 MB or more can hold
    --min-count times each (its bytes: a token takes one), is refused before counting:
    the corpus here ends in bytes that are not UTF-8, which reading it would refuse (exit 4)."""
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b"the cat sat\n" * 90_000 + b"the \xff\xfe\xfd\n")
    assert corpus.stat().st_size == 1_080_008
    r = cli("train-words", corpus, "-o", tmp_path / "m.ekm", *args)
    one_line_error(r, needle, code=2, out=tmp_path / "m.ekm")


def test_unknown_word(cli, small_corpus, tmp_path):
    cli("train-words", small_corpus, "--dim", "20", "--no-subwords", "-q", "-o", tmp_path / "m.ekm")
    r = cli("neighbors", "grate", "--model", tmp_path / "m.ekm")
    one_line_error(r, "'grate' is not in the vocabulary", "did you mean")
    r = cli("neighbors", "great", "-k", "0", "--model", tmp_path / "m.ekm")
    one_line_error(r, "-k must be at least 1")


def test_no_model_found(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EMBEDKIT_MODEL", raising=False)
    r = cli("neighbors", "great")
    one_line_error(r, "model.ekm not found", "train-words")


def test_existing_output_survives_a_failed_run(cli, tmp_path):
    out = tmp_path / "m.ekm"
    out.write_bytes(b"previous model")
    (tmp_path / "c.txt").write_text("a b c\n")
    r = cli("train-words", tmp_path / "c.txt", "-o", out)
    assert r.exit_code != 0
    assert out.read_bytes() == b"previous model"


def test_evaluate_similarity_and_analogy_match_a_hand_computation(cli, tmp_path):
    toy_embedding().save(tmp_path / "m.ekm")
    # cosines: king–man .7036, king–apple 0, man–woman −.9802 → ranks of the three pairs
    (tmp_path / "pairs.txt").write_text("King\tman\t9\nking\tapple\t5\nman\twoman\t1\nfoo\tbar\t3\n")
    r = cli("evaluate", "similarity", tmp_path / "m.ekm", tmp_path / "pairs.txt")
    assert r.exit_code == 0
    header, row = r.stdout.splitlines()
    assert header == "file\tspearman\tspearman_all\tfound\tsubwords_used\ttotal"
    # no subwords: none is built, and with a pair unscored there is no all-pairs ρ
    assert row.split("\t")[1:] == ["1", "", "3", "0", "4"]
    # three pairs: the score is given, with a warning that it means little
    assert r.stderr.strip() == (
        f"embedkit: warning: {tmp_path / 'pairs.txt'}: only 3 of 4 pairs found in the model; "
        "a correlation over so few means little"
    )
    # every pair found, but few: not 'only 3 of 3 pairs found'
    (tmp_path / "few.txt").write_text("King\tman\t9\nking\tapple\t5\nman\twoman\t1\n")
    r = cli("evaluate", "similarity", tmp_path / "m.ekm", tmp_path / "few.txt")
    assert r.exit_code == 0 and r.stderr.strip() == (
        f"embedkit: warning: {tmp_path / 'few.txt'}: only 3 pairs; a correlation over so few means little"
    )
    # king:queen :: man:?  By hand, with cos(woman, queen) = .7036, cos(woman, king) = -.7036,
    # cos(woman, man) = -.9802, cos(apple, man) = .0995 and apple orthogonal to king and queen:
    #   3CosAdd: woman .7036 + .7036 - .9802 = .427  >  apple .0995            → woman (right)
    #   3CosMul: woman .8518 * .0099 / .1492 = .057  <  apple .5 * .5498 / .501 = .549 → apple
    # The second question has an unknown word and is not counted.
    (tmp_path / "an.txt").write_text(": family\nking queen man woman\nking queen man zebra\n")
    r = cli("evaluate", "analogy", tmp_path / "m.ekm", tmp_path / "an.txt", "--json")
    assert r.exit_code == 0
    assert '"3cosadd": 1.0' in r.stdout and '"3cosmul": 0.0' in r.stdout
    assert '"found": 1, "total": 2' in r.stdout


# the console script (embedkit.__main__, which freezes the collector's objects round the
# command) and the CLI module run directly
@pytest.mark.parametrize("entry", ["embedkit", "embedkit.cli"])
def test_ctrl_c_mid_run_leaves_no_output_and_no_traceback(tmp_path, entry):
    import signal
    import time

    big = tmp_path / "big.txt"
    text = DEMO.read_text()
    with open(big, "w") as f:
        for _ in range(25):
            f.write(text)
    out = tmp_path / "m.ekm"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = subprocess_env(TMPDIR=str(tmp))
    proc = subprocess.Popen(
        [sys.executable, "-m", entry, "train-words", str(big), "--memory", "64M", "-o", str(out)],
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # interrupt while counting: the spill directory (--memory) exists from then on
    deadline = time.monotonic() + 60
    while not any(p.name.startswith("embedkit-spill-") for p in tmp.iterdir()) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert proc.returncode == 130, err
    assert err.strip() == "embedkit: interrupted; no output was written"
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt", "tmp"]
    assert list(tmp.iterdir()) == []  # the spilled runs are removed too


def test_pretrained_vectors_import_info_and_query(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDKIT_CACHE_DIR", str(tmp_path / "cache"))
    toy_embedding().export(tmp_path / "glove.txt", "glove")
    # a GloVe file works directly as --model, and is cached natively on first use
    r = cli("neighbors", "king", "-k", "1", "--model", tmp_path / "glove.txt")
    assert r.exit_code == 0 and r.stdout.splitlines()[1] == "king\tman\t0.7035975"
    assert len(list((tmp_path / "cache").glob("*.ekm"))) == 1
    assert "cached" in r.stderr
    r = cli("neighbors", "king", "-k", "1", "--model", tmp_path / "glove.txt")
    assert r.exit_code == 0 and r.stdout.splitlines()[1] == "king\tman\t0.7035975" and "cached" not in r.stderr
    # import, then info
    r = cli("import", tmp_path / "glove.txt", "-o", tmp_path / "g.ekm", "-q")
    assert r.exit_code == 0
    r = cli("info", tmp_path / "g.ekm")
    facts = dict(line.split("\t", 1) for line in r.stdout.splitlines()[1:])
    assert facts["words"] == "5" and facts["dim"] == "3" and facts["format"] == "embedkit"
    r = cli("info", tmp_path / "glove.txt", "--json")
    assert '"format": "glove"' in r.stdout


def test_info_on_a_trained_model_shows_its_parameters(cli, small_corpus, tmp_path):
    cli("train-words", small_corpus, "--dim", "20", "--window", "3", "-q", "-o", tmp_path / "m.ekm")
    r = cli("info", tmp_path / "m.ekm")
    facts = dict(line.split("\t", 1) for line in r.stdout.splitlines()[1:])
    assert facts["dim"] == "20" and facts["window"] == "3" and facts["kind"] == "words"
    assert facts["corpus"].endswith("small.txt") and int(facts["tokens"]) > 10000
    assert "dim_per_part" not in facts


def test_info_dim_is_the_vectors_width_when_parts_are_joined(cli, small_corpus, tmp_path):
    # --vectors concat and embed-graph's netmf+sparse put two --dim-wide parts side by side
    cli("train-words", small_corpus, "--dim", "6", "--vectors", "concat", "-q", "-o", tmp_path / "c.ekm")
    (tmp_path / "g.txt").write_text("".join(f"{i} {i + 1}\n" for i in range(9)))
    cli("embed-graph", tmp_path / "g.txt", "--dim", "3", "-q", "-o", tmp_path / "g.ekm")
    for model, width, part in (("c.ekm", 12, 6), ("g.ekm", 6, 3)):
        facts = json.loads(cli("info", tmp_path / model, "--json").stdout)
        exported = cli("export", tmp_path / model).stdout.splitlines()[0]
        assert (facts["dim"], facts["dim_per_part"], exported.split()[1]) == (width, part, str(width))


@pytest.mark.parametrize(
    "args,needle",
    [
        (["neighbours", "great"], "No such command 'neighbours'. Did you mean 'neighbors'?"),
        (["train-words"], "Missing argument 'corpus'"),
        (["train-words", "x.txt", "--dim", "abc"], "Invalid value for '--dim'"),
        (["neighbors", "great", "--kk", "3"], "No such option: --kk"),
    ],
)
def test_usage_errors_are_one_line_through_the_console_script(args, needle):
    env = subprocess_env()
    r = subprocess.run([*EMBEDKIT, *args], capture_output=True, text=True, env=env)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("embedkit: error: ") and needle in lines[0]


def test_neighbors_reads_words_from_stdin(cli, tmp_path):
    toy_embedding().save(tmp_path / "m.ekm")
    # one query a line; blank lines are skipped
    r = cli("neighbors", "-", "-k", "1", "--model", tmp_path / "m.ekm", input="king\n\nwoman\n queen \n")
    assert r.exit_code == 0
    assert [line.split("\t")[:2] for line in r.stdout.splitlines()] == [
        ["query", "neighbor"],
        ["king", "man"],
        ["woman", "queen"],
        ["queen", "woman"],
    ]


def test_a_pipe_as_input_is_read_once_or_refused(cli, tmp_path):
    """``svd <(embedkit cooccur ...)``: a pipe (here a FIFO) was opened twice, once to sniff
    its compression, so its first 16 bytes were lost (and a zip cannot seek): a model from
    the same counts through a pipe is the one from the file.  A model is read more than once
    (sniffed, parsed, cached by path), so ``-m <(...)`` is refused in one line, where it was
    a traceback; so is an .npy given as a matrix (np.load gives an array, not an archive)."""
    import gzip
    import os
    import threading

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(DEMO.read_text().splitlines()[:300]) + "\n")
    counts = tmp_path / "c.npz"
    assert cli("cooccur", corpus, "-o", counts, "-q").exit_code == 0
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def through_pipe(data: bytes, *args):
        feeder = threading.Thread(target=lambda: fifo.write_bytes(data))
        feeder.start()
        r = cli(*args)
        feeder.join()
        return r

    for data in (counts.read_bytes(), gzip.compress(counts.read_bytes())):
        r = through_pipe(data, "svd", fifo, "--dim", "4", "-o", tmp_path / "p.ekm", "-q")
        assert r.exit_code == 0, r.stderr
    assert cli("svd", counts, "--dim", "4", "-o", tmp_path / "f.ekm", "-q").exit_code == 0
    piped, filed = (Embedding.load(tmp_path / f).vectors for f in ("p.ekm", "f.ekm"))
    np.testing.assert_array_equal(piped, filed)
    r = cli("neighbors", "dog", "-m", fifo)  # refused before the pipe is opened: no writer needed
    one_line_error(r, "fifo: a model is read more than once", "not stdin or a pipe: write it to one first", code=3)
    r = cli("neighbors", "dog", "-m", "-", input="")  # stdin: the same line, the same exit
    one_line_error(r, "<stdin>: a model is read more than once", "write it to one first", code=3)
    np.save(tmp_path / "a.npy", np.zeros(3))
    r = cli("svd", tmp_path / "a.npy", "-o", tmp_path / "x.ekm")
    one_line_error(r, "a.npy: not an embedkit matrix file", code=3, out=tmp_path / "x.ekm")


def test_svd_of_raw_counts_says_so_and_records_no_weighting(cli, tmp_path):
    """svd straight on cooccur's counts (no pmi stage between) is the SVD of `pmi --transform
    none`: a warning naming the file, and the model records transform none, not the default ppmi."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(DEMO.read_text().splitlines()[:500]) + "\n")
    assert cli("cooccur", corpus, "--window", "3", "-o", tmp_path / "c.npz", "-q").exit_code == 0
    assert cli("pmi", tmp_path / "c.npz", "--transform", "none", "-o", tmp_path / "n.npz").exit_code == 0
    r = cli("svd", tmp_path / "c.npz", "--dim", "10", "-o", tmp_path / "raw.ekm", "-q")
    assert r.exit_code == 0
    assert r.stderr.splitlines() == [
        f"embedkit: warning: {tmp_path / 'c.npz'}: raw co-occurrence counts (the cooccur stage's output, not "
        "weighted by the pmi stage): factorised as they are, and recorded as transform none"
    ]
    r = cli("svd", tmp_path / "n.npz", "--dim", "10", "-o", tmp_path / "none.ekm", "-q")
    assert r.exit_code == 0 and r.stderr == ""
    raw, none = Embedding.load(tmp_path / "raw.ekm"), Embedding.load(tmp_path / "none.ekm")
    assert raw.params["transform"] == none.params["transform"] == "none"
    np.testing.assert_allclose(raw.vectors, none.vectors, atol=1e-4)  # the same matrix (float32 rounding apart)
