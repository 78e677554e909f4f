"""The catalogue of bad input, through the real command line.

Each case: one line on stderr that names what is wrong and where, the exit code of its
kind (2 option, 3 file, 4 data, 5 word, 6 output), no traceback, no output file left.
"""

import errno
import json
import os
import stat
import subprocess
import sys
import threading

import numpy as np
import pytest

from .conftest import DEMO, one_line_error, subprocess_env, toy_embedding


@pytest.fixture
def model(tmp_path):
    p = tmp_path / "m.ekm"
    toy_embedding([5, 4, 3, 2, 1]).save(p)
    return p


def check(r, code, *needles, out=None):
    one_line_error(r, *needles, code=code, out=out)


def test_missing_file(cli, tmp_path):
    check(cli("tokenize", tmp_path / "nope.txt"), 3, "nope.txt: no such file")
    check(cli("neighbors", "king", "--model", tmp_path / "nope.ekm"), 3, "nope.ekm: no such file")


def test_directory_instead_of_a_file(cli, tmp_path):
    check(cli("vocab", tmp_path), 3, "is a directory")
    check(cli("neighbors", "king", "--model", tmp_path), 3, "is a directory")
    out = tmp_path / "sub"
    out.mkdir()
    check(cli("train-words", DEMO, "-o", out, "--dim", "10"), 6, "is a directory, expected a file name")


def test_unreadable_file(cli, tmp_path, monkeypatch):
    p = tmp_path / "secret.txt"
    p.write_text("a b c\n")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(p) else real_access(path, mode))
    check(cli("tokenize", p), 3, "secret.txt: permission denied")


def test_non_utf8_bytes_in_a_corpus(cli, tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    out = tmp_path / "m.ekm"
    message = "latin1.txt, line 1: not UTF-8 text: bytes E9"
    check(cli("train-words", p, "-o", out), 4, message, "--errors replace", out=out)


def test_binary_file_as_a_corpus(cli, tmp_path):
    p = tmp_path / "blob.bin"
    p.write_bytes(bytes(range(256)) * 4)
    check(cli("vocab", p), 3, "blob.bin: a binary file (it has NUL bytes), not text")
    p.write_bytes(bytes(range(1, 256)) * 4)  # no NUL: text in another encoding, perhaps
    check(cli("vocab", p), 4, "blob.bin, line 2: not UTF-8 text: bytes 80")


def test_empty_input_on_stdin(cli, tmp_path):
    check(cli("vocab", "-", input=""), 4, "<stdin>: the corpus has no tokens")


def test_every_word_under_min_count(cli, tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("one two three\n" * 2)
    check(cli("cooccur", p, "-o", tmp_path / "c.npz"), 4, "no word occurs at least 5 times", out=tmp_path / "c.npz")


def test_truncated_and_corrupt_models(cli, tmp_path, model):
    data = model.read_bytes()
    cut = tmp_path / "cut.ekm"
    cut.write_bytes(data[: len(data) // 2])
    check(cli("neighbors", "king", "--model", cut), 3, "cut.ekm: model file is truncated or corrupt")
    bad = tmp_path / "bad.ekm"
    bad.write_bytes(data[:-5] + b"}}}}}")
    check(cli("info", bad), 3, "bad.ekm: model file is corrupt")


def test_model_of_another_format_or_version(cli, tmp_path, model):
    data = bytearray(model.read_bytes())
    data[8] = 99  # format version
    future = tmp_path / "future.ekm"
    future.write_bytes(bytes(data))
    check(cli("neighbors", "king", "--model", future), 3, "model format version 99, this embedkit reads version 1")
    npz = tmp_path / "counts.npz"
    np.savez(npz, x=np.zeros(3))
    check(cli("neighbors", "king", "--model", npz), 3, "counts.npz: not a model file")
    check(cli("svd", npz, "-o", tmp_path / "m2.ekm"), 3, "not an embedkit matrix file", out=tmp_path / "m2.ekm")
    check(cli("svd", model, "-o", tmp_path / "m3.ekm"), 3, "m.ekm: not a readable embedkit matrix file")


def test_a_counts_file_is_not_taken_for_one_dimensional_vectors(cli, tmp_path, model):
    """The vocabulary that `vocab` writes and the counts that `export --counts` writes beside
    the vectors read as GloVe rows of one value: every cosine would be 1.  They are refused."""
    vocab = tmp_path / "vocab.tsv"
    assert cli("vocab", DEMO, "-o", vocab).exit_code == 0
    assert cli("export", model, "-o", tmp_path / "v.txt", "--counts", tmp_path / "counts.txt").exit_code == 0
    for f in (vocab, tmp_path / "counts.txt"):
        for args in (("neighbors", "king", "-m", f), ("import", f, "-o", tmp_path / "x.ekm")):
            check(cli(*args), 3, f"{f.name}: not a model file (embedkit, word2vec or GloVe vectors): it holds word")
    one = tmp_path / "one.txt"  # vectors of one dimension are still vectors
    one.write_text("a 0.5\nb -1.0\nc 2\n")
    r = cli("neighbors", "a", "-m", one, "-k", "1", "--tsv")
    assert r.exit_code == 0 and r.stdout.splitlines()[1].split("\t")[1:] == ["c", "1"]


@pytest.mark.parametrize(
    "dim,needle", [("0", "--dim must be at least 1, got 0"), ("-3", "got -3"), ("5000", "too large")]
)
def test_bad_dim(cli, tmp_path, dim, needle):
    out = tmp_path / "m.ekm"
    check(cli("train-words", DEMO, "--dim", dim, "-o", out), 2, needle, out=out)


@pytest.mark.parametrize(
    "option,value,needle",
    [
        ("--window", "0", "--window must be at least 1"),
        ("--min-count", "0", "--min-count must be at least 1"),
        ("--cds", "1.5", "--cds must be in (0, 1]"),
        ("--shift", "0.5", "--shift must be at least 1"),
        ("--pattern", "(", "--pattern '(': invalid regular expression"),
        ("--workers", "0", "--workers must be at least 1"),
        ("--remove-top", "-1", "--remove-top must be non-negative"),
    ],
)
def test_bad_option_values_name_the_option(cli, tmp_path, option, value, needle):
    out = tmp_path / "m.ekm"
    check(cli("train-words", DEMO, option, value, "--dim", "10", "-o", out), 2, needle, out=out)


def test_k_zero_and_unknown_word(cli, model):
    check(cli("neighbors", "king", "-k", "0", "--model", model), 2, "-k must be at least 1, got 0")
    check(cli("neighbors", "kinq", "--model", model), 5, "'kinq' is not in the vocabulary", "did you mean 'king'")


def test_unwritable_output_directory(cli, tmp_path, model):
    out = tmp_path / "no" / "such" / "dir" / "m.ekm"
    check(cli("train-words", DEMO, "--dim", "10", "-o", out), 6, "does not exist")
    check(cli("export", model, "-o", "/proc/m.txt"), 6, "/proc/m.txt: cannot write in /proc")


@pytest.mark.parametrize(
    "args",
    [
        ["export", "{model}", "-o", "{out}"],
        ["tokenize", DEMO, "-o", "{out}"],
        ["train-words", DEMO, "--dim", "5", "-q", "-o", "{out}"],  # refused before the training
    ],
)
def test_a_read_only_output_is_refused_and_kept(cli, tmp_path, model, args):
    # the atomic rename would replace it (the directory is writable) where writing it in
    # place is refused: one line, exit 6, the file as it was
    out = tmp_path / "kept.txt"
    out.write_text("previous\n")
    out.chmod(0o444)
    r = cli(*[a.format(model=model, out=out) if isinstance(a, str) else a for a in args])
    one_line_error(r, "kept.txt: the file is read-only", code=6)
    assert out.read_text() == "previous\n" and stat.S_IMODE(out.stat().st_mode) == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt", "m.ekm"]


def test_a_replaced_output_keeps_its_permissions(cli, tmp_path, model):
    out = tmp_path / "private.txt"
    out.write_text("previous\n")
    out.chmod(0o600)
    assert cli("export", model, "-o", out).exit_code == 0
    assert out.read_text() != "previous\n" and stat.S_IMODE(out.stat().st_mode) == 0o600


def test_full_disk_keeps_the_previous_output(cli, tmp_path, model, monkeypatch):
    out = tmp_path / "vectors.txt"
    out.write_text("previous\n")

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    check(cli("export", model, "--format", "word2vec", "-o", out), 6, "vectors.txt: no space left on device")
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.ekm", "vectors.txt"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["neighbors", "king", "-m", "M"], ["export", "M"]])
def test_stdout_on_a_full_disk(tmp_path, model, args):
    """`> /dev/full`: one line and exit 6, not a traceback, also for --help and --version,
    which no command's error handling wraps (test_field covers a large output)."""
    argv = [str(model) if a == "M" else a for a in args]
    with open("/dev/full", "w") as full:
        cmd = [sys.executable, "-m", "embedkit.cli", *argv]
        r = subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, text=True, env=subprocess_env(), timeout=120)
    assert r.returncode == 6, r.stderr
    assert r.stderr.strip() == "embedkit: error: cannot write the output (No space left on device)", r.stderr


@pytest.mark.parametrize("args", [["--help"], ["evaluate", "--help"], ["export", "M"]])
def test_a_reader_that_closes_the_pipe(model, args):
    """`| head -1`: the rest is not written, one line says so, exit 6 (the help, which rich
    writes and Typer handles, included)."""
    argv = [str(model) if a == "M" else a for a in args]
    p = subprocess.Popen(
        [sys.executable, "-m", "embedkit.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**subprocess_env(), "COLUMNS": "80"},
    )
    p.stdout.close()  # the reader is gone before the first line
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 6, err
    assert err.strip() == "embedkit: error: cannot write the output (the reader closed the pipe)", err


def test_device_or_fifo_output_is_written_in_place(cli, tmp_path, model):
    """`-o FIFO` (like `-o /dev/null` or `-o /dev/stdout`) writes into it: an atomic rename
    would replace the device node or FIFO with a regular file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    r = cli("export", model, "--format", "word2vec", "-o", fifo)
    reader.join(timeout=30)
    assert r.exit_code == 0, r.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got and got[0].splitlines()[0] == "5 3" and got[0].splitlines()[1].startswith("king ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.ekm", "pipe"]  # no temporary left


def test_symlinked_output_keeps_the_link(cli, tmp_path, model):
    target = tmp_path / "real.txt"
    target.write_text("previous\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert cli("export", model, "--format", "word2vec", "-o", link).exit_code == 0
    assert link.is_symlink() and target.read_text().splitlines()[0] == "5 3"


def test_binary_matrix_is_not_written_to_a_terminal(cli, monkeypatch):
    import embedkit.cli as cli_module

    monkeypatch.setattr(cli_module, "_stdout_is_terminal", lambda: True)
    check(cli("cooccur", DEMO), 2, "refusing to write a binary matrix to the terminal")


def test_same_seed_same_bytes_whatever_the_workers(cli, tmp_path):
    for name, workers in [("a.ekm", "1"), ("b.ekm", "2"), ("c.ekm", "2")]:
        r = cli(
            "train-words",
            DEMO,
            "--dim",
            "30",
            "--subsample",
            "1e-3",
            "--seed",
            "4",
            "-j",
            workers,
            "-q",
            "-o",
            tmp_path / name,
        )
        assert r.exit_code == 0
    a, b, c = ((tmp_path / n).read_bytes() for n in ("a.ekm", "b.ekm", "c.ekm"))
    assert a == b == c
    r = cli("train-words", DEMO, "--dim", "30", "--subsample", "1e-3", "--seed", "5", "-q", "-o", tmp_path / "d.ekm")
    assert (tmp_path / "d.ekm").read_bytes() != a
    assert json.loads(cli("info", tmp_path / "a.ekm", "--json").stdout)["seed"] == 4


def test_graph_inputs(cli, tmp_path):
    g = tmp_path / "g.csv"
    g.write_text("a,b\nb,c\nc,a\nc,d\nd,e\ne,f\nf,d\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\nb,c,x\n")
    out = tmp_path / "g.ekm"
    check(cli("embed-graph", bad, "-o", out), 4, "bad.csv, line 2: expected 2 columns", out=out)
    assert cli("embed-graph", g, "-o", out, "--dim", "2", "-q").exit_code == 0
    labels = tmp_path / "labels.csv"
    labels.write_text("a,x\nb,x\nzz,y\nd,y\ne,y\n")
    check(cli("evaluate", "nodes", out, labels), 4, "labels.csv: 1 labelled node is not in the model (first: 'zz')")
    r = cli("evaluate", "nodes", out, labels, "--ignore-unknown", "--train-fraction", "0.5")
    assert r.exit_code == 0 and "left out" in r.stderr


def test_memory_budget_option(cli, tmp_path):
    from embedkit.cli import parse_size

    assert parse_size("4G") == 4 << 30 and parse_size("500MB") == 500 << 20 and parse_size("2000000") == 2000000
    assert parse_size("1.5g") == int(1.5 * (1 << 30)) and parse_size(None) is None
    out = tmp_path / "m.ekm"
    check(cli("train-words", DEMO, "--memory", "4X", "-o", out), 2, "--memory '4X': expected a size", out=out)
    check(cli("train-words", DEMO, "--memory", "10k", "-o", out), 2, "at least 1M", out=out)
    a, b = tmp_path / "a.ekm", tmp_path / "b.ekm"
    assert cli("train-words", DEMO, "--dim", "20", "-q", "-o", a).exit_code == 0
    assert cli("train-words", DEMO, "--dim", "20", "-q", "--memory", "1M", "-o", b).exit_code == 0
    # with a budget the counts are assembled in float32: the same model up to rounding
    from embedkit.formats import load_model

    ma, mb = load_model(str(a)), load_model(str(b))
    assert ma.words == mb.words
    ga, gb = ma.vectors @ ma.vectors.T, mb.vectors @ mb.vectors.T  # blind to signs and rotations
    assert np.linalg.norm(ga - gb) < 1e-3 * np.linalg.norm(ga)


def test_dim_that_removal_would_empty_names_dim(cli, tmp_path):
    """--dim 2 with the default --remove-top 2: the flag the user gave is named, before any work."""
    out = tmp_path / "m.ekm"
    r = cli("train-words", DEMO, "--dim", "2", "-o", out)
    assert r.exit_code == 2 and not out.exists()
    assert r.stderr.strip() == (
        "embedkit: error: --dim 2 leaves nothing once the top 2 principal components are removed "
        "(--remove-top 2): give more than 2, or a smaller --remove-top"
    )
    assert cli("train-words", DEMO, "--dim", "2", "--remove-top", "1", "-o", out, "-q").exit_code == 0


def test_dim_that_removal_leaves_one_direction_warns_once(cli, tmp_path):
    """--dim 3 with --remove-top 2 leaves one direction (every cosine ±1): one warning line,
    in flags on the command line and in parameter names in the library."""
    from embedkit.errors import EmbedkitWarning
    from embedkit.pipeline import WordOptions, check_dim_after_removal
    from embedkit.vectors import Embedding

    r = cli("train-words", DEMO, "--dim", "3", "-o", tmp_path / "m.ekm", "-q")
    assert r.exit_code == 0 and r.stderr.splitlines() == [
        "embedkit: warning: --dim 3 leaves one direction once the top 2 principal components are removed "
        "(--remove-top 2): every cosine will be ±1; give a larger --dim or a smaller --remove-top"
    ]
    emb = Embedding.load(tmp_path / "m.ekm")
    assert np.allclose(np.abs(emb.unit[:20] @ emb.unit[0]), 1, atol=1e-4)  # what the warning says
    with pytest.warns(EmbedkitWarning, match=r"^dim 3 leaves one direction .* \(remove_top 2\)"):
        check_dim_after_removal(WordOptions(dim=3))
    assert cli("train-words", DEMO, "--dim", "3", "--remove-top", "1", "-o", tmp_path / "m.ekm", "-q").stderr == ""


@pytest.mark.parametrize("method", ["netmf", "sparse", "walks", "netmf+sparse"])
def test_a_graph_at_dim_1_warns_as_words_do(cli, tmp_path, method):
    """embed-graph --dim 1 (every route) says once, before the work, what train-words says
    for one direction left: cosines carry only signs (±1 for one part; netmf+sparse's two
    parts give four values); train-words --dim 1 --remove-top 0 says it as well."""
    import networkx as nx

    from embedkit.options import GraphOptions
    from embedkit.vectors import Embedding

    edges = tmp_path / "k.csv"
    edges.write_text("".join(f"{u},{v}\n" for u, v in nx.karate_club_graph().edges()))
    r = cli("embed-graph", edges, "--dim", "1", "--method", method, "-o", tmp_path / "g.ekm", "-q")
    spread = "one of 4 values, from the signs of its 2 parts" if method == "netmf+sparse" else "±1"
    assert r.exit_code == 0 and r.stderr.splitlines() == [
        f"embedkit: warning: --dim 1: vectors of one dimension carry only a sign, so every cosine will be {spread}; "
        "give a larger --dim"
    ]
    u = Embedding.load(tmp_path / "g.ekm").unit
    w = GraphOptions().sparse_weight  # netmf+sparse: rows (±1, ±w) / √(1 + w²), cosines ±1, ±(1 − w²)/(1 + w²)
    allowed = [1.0, (1 - w * w) / (1 + w * w)] if method == "netmf+sparse" else [1.0]
    assert np.isin(np.round(np.abs(u @ u.T), 4), np.round(allowed, 4)).all()  # what the warning says
    assert cli("embed-graph", edges, "--dim", "2", "--method", method, "-o", tmp_path / "g.ekm", "-q").stderr == ""
    if method == "netmf":
        r = cli("train-words", DEMO, "--dim", "1", "--remove-top", "0", "-o", tmp_path / "m.ekm", "-q")
        assert r.exit_code == 0 and r.stderr.splitlines() == [
            "embedkit: warning: --dim 1: vectors of one dimension carry only a sign, so every cosine will be ±1; "
            "give a larger --dim"
        ]


def test_lsa_at_dim_1_warns_as_words_and_graphs_do(cli, tmp_path):
    from embedkit.vectors import Embedding

    docs = tmp_path / "docs.txt"
    docs.write_text("the cat sat on the mat\nthe dog sat on the log\ncats and dogs\n")
    r = cli("lsa", docs, "--dim", "1", "-o", tmp_path / "lsa.ekm", "-q")
    assert r.exit_code == 0 and r.stderr.splitlines() == [
        "embedkit: warning: --dim 1: vectors of one dimension carry only a sign, so every cosine will be ±1; "
        "give a larger --dim"
    ]
    u = Embedding.load(tmp_path / "lsa.ekm").unit
    u = u[np.abs(u).sum(axis=1) > 0]  # the words with a vector: every cosine is ±1, as said
    assert np.allclose(np.abs(u @ u.T), 1, atol=1e-5)
    assert cli("lsa", docs, "--dim", "2", "-o", tmp_path / "lsa.ekm", "-q").stderr == ""


@pytest.mark.parametrize("command", [["train-words"], ["tokenize"], ["embed-graph"], ["lsa"]])
def test_a_binary_file_is_the_wrong_kind_of_file(cli, tmp_path, command):
    """An executable or an image as text: exit 3 (wrong kind of file), not a decoding hint."""
    binary = tmp_path / "prog"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    r = cli(*command, binary, "-o", tmp_path / "out")
    assert r.exit_code == 3, r.stderr
    assert r.stderr == f"embedkit: error: {binary}: a binary file (it has NUL bytes), not text\n"
    assert not (tmp_path / "out").exists()
