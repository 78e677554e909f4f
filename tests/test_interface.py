"""The daily surface through the real CLI: forgiving queries, output that composes,
no silent overwrites, the cache, messages that say what the user typed."""

import csv
import io
import json

import numpy as np
import pytest

from embedkit.vectors import Embedding

WORDS = ["dog", "king", "queen", "man", "woman", "dig", "café", "don"]
VECTORS = np.array(
    [[1, 0, 0], [0, 1, 1], [0, 1, 0.9], [0, 0.8, 1], [0.1, 0.7, 1], [0.9, 0.1, 0], [0.5, 0.5, 0], [1, 0.2, 0]],
    dtype=np.float32,
)
COUNTS = [500, 90, 80, 70, 60, 5, 40, 3]


@pytest.fixture
def lower_model(tmp_path):
    """A model trained on lower-cased text (its params say so)."""
    p = tmp_path / "lower.ekm"
    Embedding(WORDS, VECTORS, COUNTS, {"kind": "words", "lowercase": True, "corpus": "c.txt"}).save(p)
    return p


@pytest.fixture
def cased_model(tmp_path):
    """An imported model: no tokenizer recorded, so queries are taken as typed."""
    p = tmp_path / "cased.ekm"
    Embedding(WORDS, VECTORS, COUNTS, {"kind": "words", "source": "vectors.txt"}).save(p)
    return p


def rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


# -- queries ---------------------------------------------------------------------------
def test_a_lower_casing_model_answers_king_as_king(cli, lower_model):
    r = cli("neighbors", "King", "-k", "2", "-m", lower_model)
    assert r.exit_code == 0, r.stderr
    assert rows(r.stdout)[:2] == [["query", "neighbor", "score"], ["King", "queen", rows(r.stdout)[1][2]]]
    same = cli("neighbors", "king", "-k", "2", "-m", lower_model)
    assert [x[1:] for x in rows(r.stdout)] == [x[1:] for x in rows(same.stdout)]
    # the recorded tokenizer (default pattern: runs of letters) makes one token of 'King!'
    emb = Embedding.load(lower_model)
    assert emb.normalize("King!") == "king" and emb.normalize("New-York") == "new-york"
    assert emb.similarity("KING", "Queen!") == emb.similarity("king", "queen")


def test_an_imported_cased_model_is_not_lower_cased(cli, cased_model):
    r = cli("neighbors", "King", "-m", cased_model)
    assert r.exit_code == 5
    # the suggestion is ranked by edit distance after case folding, then by frequency
    assert "did you mean 'king'" in r.stderr


def test_suggestions_rank_by_distance_then_frequency(cased_model):
    emb = Embedding.load(cased_model)
    # 'Dog' folds to 'dog' (distance 0); 'dig' and 'don' are one edit away, 'dig' more frequent
    assert emb.suggestions("Dog") == ["dog", "dig", "don"]
    assert emb.suggestions("dgo")[0] == "dog"  # a transposition is one edit
    assert emb.suggestions("cafe") == ["café"]  # the alphabet is the vocabulary's
    assert emb.suggestions("zzqxj") == []


def test_known_words_are_answered_and_unknown_ones_reported(cli, lower_model):
    r = cli("neighbors", "great", "dog", "zzqxj", "-k", "1", "-m", lower_model)
    assert r.exit_code == 0
    assert rows(r.stdout) == [["query", "neighbor", "score"], ["dog", "dig", rows(r.stdout)[1][2]]]
    err = r.stderr.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("embedkit: warning: ") for line in err)
    assert "'great' is not in the vocabulary" in err[0] and "'zzqxj'" in err[1]
    r = cli("neighbors", "great", "zzqxj", "-m", lower_model)  # none known: exit 5, one line
    assert r.exit_code == 5 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("embedkit: error: 'great'")
    r = cli("neighbors", "great", "-", "-m", lower_model)  # '-' is stdin, not a word
    assert r.exit_code == 2 and "'-' reads the queries from stdin: give it alone" in r.stderr
    r = cli("neighbors", "", "-m", lower_model)  # an empty query is named as such, not spelled out
    assert r.exit_code == 5 and r.stderr == "embedkit: error: '' is an empty query (give a word)\n"


def test_neighbors_dash_reads_one_query_a_line(cli, lower_model):
    r = cli("neighbors", "-", "-k", "1", "-m", lower_model, "--json", input="Dog\n\nqueen\n")
    assert json.loads(r.stdout) == [
        {"query": "Dog", "neighbor": "dig", "score": pytest.approx(0.9938837, abs=1e-6)},
        {"query": "queen", "neighbor": "king", "score": pytest.approx(0.9986178, abs=1e-6)},
    ]


# -- output that composes --------------------------------------------------------------
def test_every_format_has_the_same_columns_whatever_the_number_of_words(cli, lower_model):
    one = cli("neighbors", "dog", "-k", "2", "-m", lower_model)
    two = cli("neighbors", "dog", "queen", "-k", "2", "-m", lower_model)
    assert rows(one.stdout)[0] == rows(two.stdout)[0] == ["query", "neighbor", "score"]
    assert rows(two.stdout)[1:3] == rows(one.stdout)[1:3]
    tsv = rows(two.stdout)
    as_csv = list(
        csv.reader(io.StringIO(cli("neighbors", "dog", "queen", "-k", "2", "-m", lower_model, "--csv").stdout))
    )
    assert as_csv == tsv
    js = json.loads(cli("neighbors", "dog", "queen", "-k", "2", "-m", lower_model, "--json").stdout)
    nl = [
        json.loads(line)
        for line in cli("neighbors", "dog", "queen", "-k", "2", "-m", lower_model, "--nl").stdout.splitlines()
    ]
    assert js == nl and [[d["query"], d["neighbor"], str(d["score"])] for d in js] == tsv[1:]
    table = cli("neighbors", "dog", "-k", "2", "-m", lower_model, "--table").stdout
    assert "neighbor" in table and "dig" in table and "\t" not in table
    r = cli("neighbors", "dog", "-m", lower_model, "--json", "--csv")
    assert r.exit_code == 2 and "give one output format, not --csv and --json" in r.stderr


def test_json_is_valid_utf8_and_echoes_the_question(cli, lower_model, tmp_path):
    r = cli("neighbors", "café", "-k", "1", "-m", lower_model, "--json")
    assert "café" in r.stdout and "\\u" not in r.stdout  # not escaped
    r = cli("analogy", "man", "king", "woman", "-k", "1", "-m", lower_model, "--json")
    (answer,) = json.loads(r.stdout)
    assert {k: answer[k] for k in ("a", "b", "c", "method")} == {
        "a": "man",
        "b": "king",
        "c": "woman",
        "method": "3cosmul",
    }
    # NaN (a Spearman ρ of a single pair) is null, never the invalid NaN token
    (tmp_path / "pairs.txt").write_text("dog dig 1\nfoo bar 2\n")
    r = cli("evaluate", "similarity", lower_model, tmp_path / "pairs.txt", "--json")
    assert "NaN" not in r.stdout and json.loads(r.stdout)[0]["spearman"] is None


def test_search_never_cuts_documents_in_machine_output(cli, tmp_path):
    long = "the cat sat on the mat " * 30 + "and then the end"
    docs = [long, "a loan from the bank", "the bank raised the loan rate", "cats and kittens play", "stock market"]
    (tmp_path / "docs.txt").write_text("\n".join(docs) + "\n")
    assert cli("lsa", tmp_path / "docs.txt", "-o", tmp_path / "lsa.ekm", "--dim", "2", "-q").exit_code == 0
    r = cli("search", "cat mat", "-m", tmp_path / "lsa.ekm", "-k", "1", "--json")
    (hit,) = json.loads(r.stdout)
    assert hit["query"] == "cat mat" and hit["doc"] == 1 and hit["text"] == long
    r = cli("search", "cat mat", "-m", tmp_path / "lsa.ekm", "-k", "1")
    assert rows(r.stdout)[1][4] == long


# -- counts travel with vectors ------------------------------------------------------------
def test_export_counts_load_in_gensim_and_import_keeps_sif_working(cli, tmp_path, small_corpus):
    from gensim.models import KeyedVectors

    model = tmp_path / "m.ekm"
    assert cli("train-words", small_corpus, "--dim", "20", "-q", "-o", model).exit_code == 0
    r = cli("export", model, "-o", tmp_path / "v.txt", "--counts", tmp_path / "vocab.txt")
    assert r.exit_code == 0, r.stderr
    emb = Embedding.load(model)
    kv = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=str(tmp_path / "vocab.txt"))
    assert [kv.get_vecattr(w, "count") for w in kv.index_to_key[:50]] == emb.counts[:50].tolist()
    lines = tmp_path / "lines.txt"
    lines.write_text("the film was great\na long and dull story\nwhat a wonderful day\n" * 4)
    # without the counts SIF cannot run, and says how to bring them
    cli("import", tmp_path / "v.txt", "-o", tmp_path / "bare.ekm", "-q")
    r = cli("sentence-features", lines, "-m", tmp_path / "bare.ekm", "--mode", "sif")
    assert r.exit_code == 4 and "import VECTORS --counts VOCAB" in r.stderr
    cli("import", tmp_path / "v.txt", "--counts", tmp_path / "vocab.txt", "-o", tmp_path / "back.ekm", "-q")
    a = cli("sentence-features", lines, "-m", model, "--mode", "sif", "-q").stdout
    b = cli("sentence-features", lines, "-m", tmp_path / "back.ekm", "--mode", "sif", "-q").stdout
    np.testing.assert_allclose(np.loadtxt(io.StringIO(a)), np.loadtxt(io.StringIO(b)), atol=1e-4)


# -- no silent overwrites -----------------------------------------------------------------
def test_svd_writes_to_stdout_unless_told_and_never_over_its_input(cli, tmp_path, lecture_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("cooccur", lecture_file, "--min-count", "1", "--window", "2", "-o", "c.npz").exit_code == 0
    assert cli("pmi", "c.npz", "-o", "p.npz").exit_code == 0
    r = cli("svd", "p.npz", "--dim", "2", "--remove-top", "0")
    assert r.exit_code == 0 and not (tmp_path / "model.ekm").exists()
    assert r.stdout_bytes.startswith(b"EMBEDKIT")  # the model went to stdout
    r = cli("svd", "p.npz", "--dim", "2", "-o", "p.npz")
    assert r.exit_code == 2 and "p.npz is also an input" in r.stderr
    assert (tmp_path / "p.npz").read_bytes()[:2] == b"PK"  # untouched
    (tmp_path / "m.ekm").write_bytes(b"precious")
    r = cli("svd", "p.npz", "--dim", "2", "-o", "m.ekm", "--no-clobber")
    assert r.exit_code == 6 and "m.ekm exists; not overwritten (--no-clobber)" in r.stderr
    assert (tmp_path / "m.ekm").read_bytes() == b"precious"
    r = cli("train-words", lecture_file, "--min-count", "1", "--dim", "2", "-o", "m.ekm", "-n", "-q")
    assert r.exit_code == 6 and (tmp_path / "m.ekm").read_bytes() == b"precious"
    r = cli("tokenize", lecture_file, "-o", lecture_file)
    assert r.exit_code == 2 and "also an input" in r.stderr and lecture_file.read_text().startswith("The girl")


# -- messages say what the user typed ------------------------------------------------------
def test_an_environment_variable_that_points_nowhere_is_named(cli, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMBEDKIT_MODEL", "/nope.ekm")
    r = cli("neighbors", "great")
    assert r.exit_code == 3 and "EMBEDKIT_MODEL=/nope.ekm: no such file" in r.stderr


def test_classify_speaks_only_of_the_options_given(cli, tmp_path):
    rng = np.random.default_rng(0)
    np.savetxt(tmp_path / "x.tsv", rng.standard_normal((1400, 3)), delimiter="\t")
    (tmp_path / "y.txt").write_text("".join(f"{i % 2}\n" for i in range(1400)))
    r = cli("evaluate", "classify", tmp_path / "x.tsv", tmp_path / "y.txt", "--train", "2801")
    assert r.exit_code == 2 and "--test" not in r.stderr
    assert "--train 2801 leaves no rows to test on: the features have 1,400 rows" in r.stderr


# -- the cache of parsed vector files ------------------------------------------------------
def test_info_cache_shows_its_size_and_cache_clear_empties_it(cli, tmp_path, monkeypatch, cased_model):
    monkeypatch.setenv("EMBEDKIT_CACHE_DIR", str(tmp_path / "cache"))
    r = cli("info", "--cache", "--json")
    assert json.loads(r.stdout) == {"cache": str(tmp_path / "cache"), "files": 0, "bytes": 0}
    Embedding.load(cased_model).export(tmp_path / "v.txt", "word2vec")
    assert cli("neighbors", "dog", "-m", tmp_path / "v.txt").exit_code == 0  # parsed once, cached
    (entry,) = (tmp_path / "cache").glob("*.ekm")
    r = cli("info", "--cache", "--json")
    assert json.loads(r.stdout) == {"cache": str(tmp_path / "cache"), "files": 1, "bytes": entry.stat().st_size}
    assert rows(cli("info", "--cache").stdout)[0] == ["key", "value"]
    size = entry.stat().st_size
    r = cli("cache", "clear")
    assert r.exit_code == 0 and f"removed 1 cached file, {size:,} bytes" in r.stderr and not entry.exists()
    assert json.loads(cli("info", "--cache", "--json").stdout)["files"] == 0


def test_the_default_model_file_is_not_replaced_silently(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    edges = tmp_path / "g.txt"
    edges.write_text("".join(f"{i} {(i + 1) % 12}\n{i} {(i + 5) % 12}\n" for i in range(12)))
    r = cli("embed-graph", edges, "--dim", "4")
    assert r.exit_code == 0 and "exists and is replaced" not in r.stderr
    r = cli("embed-graph", edges, "--dim", "4")  # ./model.ekm again: said
    assert r.exit_code == 0
    assert "embedkit: model.ekm exists and is replaced when done (-o: elsewhere; --no-clobber: kept)" in r.stderr
    before = (tmp_path / "model.ekm").read_bytes()
    r = cli("embed-graph", edges, "--dim", "3", "--no-clobber")
    assert r.exit_code == 6 and (tmp_path / "model.ekm").read_bytes() == before


def test_counts_in_messages_agree_with_their_number(tmp_path, cli):
    # "1 undirected edges" or "× 1 dims" reads as a bug: the noun follows the count
    from embedkit.errors import counted

    assert [counted(1, "edge"), counted(0, "edge"), counted(12_345, "edge")] == ["1 edge", "0 edges", "12,345 edges"]
    edges = tmp_path / "one.csv"
    edges.write_text("a,b\n")
    r = cli("embed-graph", str(edges), "-o", str(tmp_path / "g.ekm"), "--dim", "1", "--method", "netmf")
    assert r.exit_code == 0, r.stderr
    assert "2 nodes × 1 dim (netmf) from 2 nodes, 1 undirected edge in" in r.stderr
    r = cli("embed-graph", str(edges), "-o", str(tmp_path / "g.ekm"), "--dim", "1")  # netmf+sparse: 2 × 1
    assert r.exit_code == 0, r.stderr
    assert "sparse route (T = 1 PMI, spectral propagation): 2 × 1 dim\n" in r.stderr
    assert "2 nodes × 2 dims (netmf+sparse) from 2 nodes, 1 undirected edge in" in r.stderr
