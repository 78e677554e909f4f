"""More inputs of the field kinds, and a user's session around them: a value beyond
float32 in a vectors file, a counts file listing a word twice, a cased model under
`evaluate`, a disk that fills between the two files of one output, a Ctrl-C before a
command has started.  Right answers as in ../shared/field/README.md: the right result, or
one line on stderr with the documented exit code, nothing half-written, no traceback.
"""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest

from embedkit.errors import OutputError
from embedkit.evaluate import analogy, word_similarity
from embedkit.formats import read_vectors
from embedkit.vectors import Embedding

from .conftest import one_line_error

CASED = (
    "Paris 0.1 0.2 0.3 0.4\nparis 0.4 0.1 0.2 0.1\nLondon 0.1 0.25 0.3 0.35\nFrance 0.2 0.2 0.3 0.3\n"
    "England 0.2 0.3 0.3 0.3\nthe -0.4 0.1 -0.2 0.9\nUSA 0.3 0.1 0.2 0.1\n"
)


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDKIT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("header", ["", "3 4\n"])
def test_a_value_beyond_float32_is_named_as_such(cli, tmp_path, header):
    # 1e39 is a finite number that float32 cannot hold: not "nan"/"inf", and no numpy warning
    p = tmp_path / "v.txt"
    p.write_text(header + "cat 0.1 0.2 0.3 0.4\ndog 1e39 0.2 0.3 0.5\nemu -0.4 0.1 -0.2 0.9\n")
    line = "line 3" if header else "line 2"
    one_line_error(cli("info", p), line, "'dog'", "too large for float32 (1e39)", code=3)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())
    r = cli("import", p, "--drop-nonfinite", "-o", tmp_path / "v.ekm")
    assert r.exit_code == 0, r.stderr
    assert Embedding.load(tmp_path / "v.ekm").words == ["cat", "emu"]


def test_a_counts_file_listing_a_word_twice_is_refused_as_a_vocabulary_file_is(cli, tmp_path):
    """The two readers of word-count files (import --counts, --vocab) took a word listed
    twice two ways: a warning keeping the first count, and a refusal.  Two counts for one
    word have no right answer to pick silently: both refuse it, naming both lines, exit 4."""
    v = tmp_path / "v.txt"
    v.write_text("3 2\ncat 1 0\ndog 0 1\nemu 1 1\n")
    c = tmp_path / "counts.txt"
    c.write_text("cat 10\ndog 5\ncat 7\nemu 3\n")
    r = cli("import", v, "--counts", c, "-o", tmp_path / "m.ekm")
    one_line_error(r, "counts.txt, line 3: 'cat' is listed twice (first on line 1)", code=4, out=tmp_path / "m.ekm")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("cat dog emu\n")
    r = cli("cooccur", corpus, "--vocab", c, "-o", tmp_path / "c.npz")
    one_line_error(r, "counts.txt, line 3: 'cat' is listed twice (first on line 1)", code=4, out=tmp_path / "c.npz")


@pytest.mark.parametrize("head", ["word count\n", "word\tcount\n", "\tcount\n"])
def test_a_counts_file_with_a_header_row_is_read_as_a_vocabulary_file_is(cli, tmp_path, head):
    """import --counts refused the header row that --vocab skips (a data frame writes one):
    both skip it now."""
    v = tmp_path / "v.txt"
    v.write_text("3 2\ncat 1 0\ndog 0 1\nemu 1 1\n")
    c = tmp_path / "counts.txt"
    c.write_text(head + "cat 10\ndog 5\nemu 3\n")
    r = cli("import", v, "--counts", c, "-o", tmp_path / "m.ekm")
    assert r.exit_code == 0, r.stderr
    assert Embedding.load(tmp_path / "m.ekm").counts.tolist() == [10, 5, 3]


def test_a_counts_file_of_tab_separated_words_with_spaces_reads_as_the_vectors_do(cli, tmp_path):
    """GloVe 840B's '. . .' is a word: its vectors row and its counts line both hold it when
    TABs separate the fields (import --counts and --vocab split such a line the same way)."""
    v = tmp_path / "v.txt"
    v.write_text("cat\t1 0\n. . .\t0 1\nemu\t1 1\n")
    c = tmp_path / "counts.txt"
    c.write_text("cat\t10\n. . .\t5\nemu\t3\n")
    r = cli("import", v, "--counts", c, "-o", tmp_path / "m.ekm")
    assert r.exit_code == 0, r.stderr
    emb = Embedding.load(tmp_path / "m.ekm")
    assert emb.words == ["cat", ". . .", "emu"] and emb.counts.tolist() == [10, 5, 3]


@pytest.mark.parametrize(
    "counts, needles",
    [
        ("cat 10\ndog -5\nemu 3\n", ["counts.txt, line 2", "'dog'", "negative (-5)"]),  # SIF's p(w) < 0
        ("cat 10\ndog five\nemu 3\n", ["counts.txt, line 2", "count 'five' is not an integer"]),
        ("cat 10\nbig dog 5\nemu 3\n", ["counts.txt, line 2", "expected 'word<TAB>count' (or 'word count')"]),
    ],
)
def test_a_counts_file_with_a_bad_line_is_one_line(cli, tmp_path, counts, needles):
    v = tmp_path / "v.txt"
    v.write_text("3 2\ncat 1 0\ndog 0 1\nemu 1 1\n")
    c = tmp_path / "counts.txt"
    c.write_text(counts)
    one_line_error(cli("import", v, "--counts", c, "-o", tmp_path / "m.ekm"), *needles, code=4)
    assert not (tmp_path / "m.ekm").exists()


def test_evaluate_takes_a_cased_models_words_as_written(tmp_path):
    # 'Paris' and 'paris' are two rows of a cased model: a benchmark's 'Paris' is the first
    p = tmp_path / "cased.txt"
    p.write_text(CASED)
    emb = read_vectors(p)
    u = emb.unit
    ix = emb.index
    assert u[ix["England"]] @ u[ix["France"]] > 0  # (the question below is answerable)
    r = analogy(emb, [("Paris", "France", "London", "England")])
    assert (r.found, r.add, r.mul) == (1, 1.0, 1.0)
    # the cosines order the pairs as the gold scores do only if 'Paris' is not read as 'paris'
    cos = {(a, b): float(u[ix[a]] @ u[ix[b]]) for a, b in [("Paris", "London"), ("paris", "London"), ("USA", "the")]}
    gold = sorted(cos, key=cos.get)
    pairs = [(a, b, float(rank)) for rank, (a, b) in enumerate(gold)]
    assert word_similarity(emb, pairs).spearman == pytest.approx(1.0)
    # a lower-cased benchmark still finds a lower-cased model's words
    low = Embedding(["paris", "london", "rome"], np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32), None, {})
    assert word_similarity(low, [("Paris", "London", 1.0), ("paris", "Rome", 2.0)]).found == 2


def test_lsa_model_and_its_documents_are_written_together(tmp_path, monkeypatch):
    from embedkit.lsa import build_lsa, documents_path

    docs = ["cat dog barn farm", "stock bank market fund", "dog farm cow barn", "bank fund bond market"]
    model = build_lsa(docs, dim=2)
    out = tmp_path / "lsa.ekm"

    def full_disk(self, path):
        raise OutputError(f"{path}: no space left on device")

    monkeypatch.setattr(Embedding, "save", full_disk)
    with pytest.raises(OutputError):
        model.save(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no .docs.npz without its model
    monkeypatch.undo()
    model.save(out)
    assert out.exists() and documents_path(out).exists()


def test_export_writes_no_counts_file_without_its_vectors(tmp_path):
    emb = Embedding(["cat", "dog"], np.eye(2, dtype=np.float32), np.array([3, 2]), {})
    with pytest.raises(OutputError):
        emb.export(tmp_path / "missing-dir" / "v.txt", "word2vec", counts_path=tmp_path / "counts.txt")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputError):
        emb.export(tmp_path / "missing-dir" / "v.npy", "npy")
    emb.export(tmp_path / "v.txt", "word2vec", counts_path=tmp_path / "counts.txt")
    assert (tmp_path / "counts.txt").read_text() == "cat 3\ndog 2\n"


def test_ctrl_c_while_the_command_line_is_still_loading(monkeypatch, capsys):
    # the console script imports the command line (most of a second) inside the handler
    from embedkit.__main__ import main

    class Interrupted:
        def find_spec(self, name, path=None, target=None):
            if name == "embedkit.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "embedkit.cli")
    monkeypatch.setattr(sys, "meta_path", [Interrupted(), *sys.meta_path])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 130
    assert capsys.readouterr().err == "embedkit: interrupted; no output was written\n"


def test_ctrl_c_while_the_commands_are_being_built(monkeypatch, capsys):
    import typer

    from embedkit import cli

    def interrupted(app):
        raise KeyboardInterrupt

    monkeypatch.setattr(typer.main, "get_command", interrupted)
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 130
    assert capsys.readouterr().err == "embedkit: interrupted; no output was written\n"


def test_ctrl_c_that_lands_in_a_finalizer_still_ends_the_run(monkeypatch, capsys, tmp_path):
    """Python drops an exception raised in a finalizer (``__del__``): a Ctrl-C that landed
    in one of llvmlite's, which free LLVM objects by the thousand while numba compiles,
    was printed as "Exception ignored" and the run went on to exit 0.  The command line
    raises it in the main thread after all: one line, exit 130, no model."""
    from embedkit import cli, pipeline

    real = pipeline.embed_graph

    class Freed:
        def __del__(self):
            raise KeyboardInterrupt  # where a Ctrl-C lands in a finalizer

    def frees_then_embeds(*args, **kwargs):
        Freed()  # freed at once: its finalizer runs here
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "embed_graph", frees_then_embeds)
    (tmp_path / "e.csv").write_text("a,b\nb,c\nc,a\n")
    hook = sys.unraisablehook
    with pytest.raises(SystemExit) as e:
        cli.main(["embed-graph", str(tmp_path / "e.csv"), "-o", str(tmp_path / "g.ekm"), "--dim", "2", "-q"])
    assert e.value.code == 130
    assert capsys.readouterr().err == "embedkit: interrupted; no output was written\n"
    assert not (tmp_path / "g.ekm").exists()
    assert sys.unraisablehook is hook  # the run's hook went with it


@pytest.mark.parametrize("where", ["parsing", "command"])
def test_ctrl_c_anywhere_in_a_run_says_its_line_once(monkeypatch, capsys, tmp_path, where):
    """A Ctrl-C while Typer parses the arguments (the first fraction of a second of any
    command: Typer turns it into a bare exit 130) or inside the command says the line,
    once, and exits 130."""
    import typer.core

    from embedkit import cli, pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    if where == "parsing":  # the group's parse: the first thing Typer does with the arguments
        monkeypatch.setattr(typer.core.TyperGroup, "parse_args", interrupted)
    else:
        monkeypatch.setattr(pipeline, "embed_graph", interrupted)
    (tmp_path / "e.csv").write_text("a,b\nb,c\nc,a\n")
    with pytest.raises(SystemExit) as e:
        cli.main(["embed-graph", str(tmp_path / "e.csv"), "-o", str(tmp_path / "g.ekm"), "--dim", "2", "-q"])
    assert e.value.code == 130
    assert capsys.readouterr().err == "embedkit: interrupted; no output was written\n"
    assert not (tmp_path / "g.ekm").exists()


@pytest.mark.parametrize(
    "text",
    [
        # SimLex-999.txt as distributed: a part of speech before the score, more columns after
        "word1\tword2\tPOS\tSimLex999\tconc(w1)\nlove\tsex\tN\t6.77\t4.5\ntiger\tcat\tN\t7.35\t5\n"
        "money\tcash\tN\t9.15\t4\nnoon\tstring\tN\t0.54\t3\n",
        # SimVerb-3500.txt: no header, the relation after the score
        "love\tsex\tV\t6.77\tNONE\ntiger\tcat\tV\t7.35\tHYPER\nmoney\tcash\tV\t9.15\tSYN\nnoon\tstring\tV\t0.54\tNONE\n",
    ],
)
def test_a_pair_file_with_a_part_of_speech_before_the_score_reads_the_score(cli, tmp_path, text):
    from embedkit.evaluate import read_similarity_pairs

    p = tmp_path / "pairs.txt"
    p.write_text(text)
    want = [("love", "sex", 6.77), ("tiger", "cat", 7.35), ("money", "cash", 9.15), ("noon", "string", 0.54)]
    assert read_similarity_pairs(p) == want
    v = tmp_path / "v.txt"
    v.write_text(
        "love 1 0.2\nsex 0.8 0.5\ntiger 0.1 1\ncat 0.2 0.9\nmoney 0 0.1\ncash 0.1 0\nnoon 0.9 0.1\nstring 0.3 0.7\n"
    )
    clean = tmp_path / "clean.txt"
    clean.write_text("".join(f"{a} {b} {s}\n" for a, b, s in want))
    r, r0 = cli("evaluate", "similarity", v, p, "--json"), cli("evaluate", "similarity", v, clean, "--json")
    assert r.exit_code == 0 and r0.exit_code == 0, r.stderr
    got, ref = json.loads(r.stdout)[0], json.loads(r0.stdout)[0]
    assert got["found"] == 4 and got["spearman"] == ref["spearman"]
    # a later row without a score in that column is named
    p.write_text(re.sub(r"noon\tstring\t(.)\t.*", r"noon\tstring\t\1", text))
    one_line_error(cli("evaluate", "similarity", v, p), "pairs.txt, line", "score in column 4", code=4)


def test_a_cased_models_sentence_features_find_a_capitalised_first_word_lower_cased(cli, tmp_path):
    """'The' opens most sentences; a cased model (GloVe 840B, word2vec's) may have only 'the'.
    As written first ('Paris' is not 'paris'), then lower-cased, as the benchmarks' words."""
    v = tmp_path / "cased.txt"
    v.write_text("5 4\n" + CASED.replace("France 0.2 0.2 0.3 0.3\nEngland 0.2 0.3 0.3 0.3\n", ""))
    text = tmp_path / "s.txt"
    text.write_text("The USA\nthe USA\nParis London\n")
    r = cli("sentence-features", text, "-m", v, "--mode", "mean")
    assert r.exit_code == 0, r.stderr
    rows = np.loadtxt(r.stdout.splitlines(), dtype=np.float32)
    assert "no known word" not in r.stderr
    np.testing.assert_array_equal(rows[0], rows[1])
    np.testing.assert_allclose(rows[1], [(-0.4 + 0.3) / 2, 0.1, 0.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(rows[2], [0.1, 0.225, 0.3, 0.375], atol=1e-6)  # 'Paris', not 'paris'


X3 = [[0.5, -1.25, 3.0], [1.5, 0.75, -2.0], [-0.5, 2.25, 1.0], [2.5, -0.25, 0.5], [0.0, 1.0, -1.5]]


@pytest.mark.parametrize(
    "text",
    [
        # pandas' DataFrame.to_csv() writes its index first, under an empty name
        ",a,b,c\n" + "".join(f"{i}," + ",".join(map(str, r)) + "\n" for i, r in enumerate(X3)),
        # R's write.csv quotes the header and the row names, "" above them
        '"","a","b","c"\n' + "".join(f'"{i + 1}",' + ",".join(map(str, r)) + "\n" for i, r in enumerate(X3)),
        # a separator ending every line, header or not
        "a,b,c,\n" + "".join(",".join(map(str, r)) + ",\n" for r in X3),
        "".join(",".join(map(str, r)) + ",\n" for r in X3),
    ],
)
def test_a_tables_unnamed_index_column_and_trailing_separator_are_no_variables(cli, tmp_path, text):
    from embedkit.io import read_table

    p = tmp_path / "t.csv"
    p.write_text(text)
    x, labels, header = read_table(p)
    np.testing.assert_array_equal(x, X3)
    assert header in (["a", "b", "c"], None)
    clean = tmp_path / "clean.csv"
    clean.write_text("a,b,c\n" + "".join(",".join(map(str, r)) + "\n" for r in X3))
    r, r0 = cli("pca", p, "--tsv"), cli("pca", clean, "--tsv")
    assert r.exit_code == 0 and r.stdout == r0.stdout, r.stderr


def test_a_named_column_left_empty_is_still_named(cli, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,b,c\n1,2,\n3,5,\n4,4,\n")
    one_line_error(cli("pca", p), "t.csv, line 2", "'' is not a number (column 'c')", code=4)


EDGES = [("1", "2", 1.0), ("2", "3", 2.0), ("3", "1", 1.0), ("1", "4", 0.5), ("4", "5", 1.0), ("5", "6", 1.0)]


@pytest.mark.parametrize(
    "text",
    [
        ",source,target\n" + "".join(f"{i},{a},{b}\n" for i, (a, b, _) in enumerate(EDGES)),  # pandas to_csv()
        "# networkx.to_pandas_edgelist(g).to_csv(f)\n\n,source,target,weight\n"
        + "".join(f"{i},{a},{b},{w}\n" for i, (a, b, w) in enumerate(EDGES)),
        "\tsource\ttarget\n" + "".join(f"{i}\t{a}\t{b}\n" for i, (a, b, _) in enumerate(EDGES)),  # sep="\t"
        '"","from","to"\n' + "".join(f'"{i + 1}","{a}","{b}"\n' for i, (a, b, _) in enumerate(EDGES)),  # R
        ",0,1\n" + "".join(f"{i},{a},{b}\n" for i, (a, b, _) in enumerate(EDGES)),  # columns never named
    ],
)
def test_an_edge_lists_unnamed_index_column_is_not_read_as_the_sources(tmp_path, text):
    from embedkit.graph import read_edges

    p, clean = tmp_path / "e.csv", tmp_path / "clean.csv"
    p.write_text(text)
    weighted = "weight" in text
    clean.write_text("".join(f"{a},{b}" + (f",{w}" if weighted else "") + "\n" for a, b, w in EDGES))
    g, g0 = read_edges(p), read_edges(clean)
    assert g.nodes == g0.nodes == ["1", "2", "3", "4", "5", "6"]
    assert (g.adjacency() != g0.adjacency()).nnz == 0


LABELS = {"1": ["red"], "2": ["red"], "6": ["red", "blue"], "7": ["blue", "red"], "8": ["blue"]}


@pytest.mark.parametrize(
    "text",
    [
        # an indicator matrix: a column a label, named in the header (MultiLabelBinarizer, PPI)
        "node,red,blue\n" + "".join(f"{n},{int('red' in ls)},{int('blue' in ls)}\n" for n, ls in LABELS.items()),
        "id\tred\tblue\n" + "".join(f"{n}\t{'red' in ls}\t{'blue' in ls}\n" for n, ls in LABELS.items()),
        # pandas' to_csv() index before the columns, one line a label
        ",node,label\n"
        + "".join(f"{i},{n},{lab}\n" for i, (n, lab) in enumerate((n, x) for n, ls in LABELS.items() for x in ls)),
        # a header of other common names, from a spreadsheet
        "id,group\r\n" + "".join(f"{n},{x}\r\n" for n, ls in LABELS.items() for x in ls),
    ],
)
def test_labels_as_an_indicator_matrix_or_under_an_index_or_a_header_read_as_the_plain_form(tmp_path, text):
    from embedkit.evaluate import read_node_labels

    p = tmp_path / "labels.csv"
    p.write_bytes(text.encode())
    got = read_node_labels(p)
    assert {n: sorted(ls) for n, ls in got.items()} == {n: sorted(ls) for n, ls in LABELS.items()}


def test_an_indicator_matrix_without_a_one_is_no_labels(cli, tmp_path):
    from embedkit.errors import DataError
    from embedkit.evaluate import read_node_labels

    p = tmp_path / "labels.csv"
    p.write_text("node,red,blue\n1,0,0\n2,0,0\n")
    with pytest.raises(DataError, match="every row of the indicator matrix is 0"):
        read_node_labels(p)


def test_blank_documents_change_no_lsa_weight(cli, tmp_path):
    """Blank lines kept so that documents stay one a line are no documents for idf: a file
    with them ranks as the file without them (same scores), and they are left out."""
    import scipy.sparse as sp

    from embedkit.weighting import idf

    counts = sp.csr_matrix(np.array([[1, 0, 2], [0, 1, 1], [1, 1, 0]], dtype=np.float32))
    padded = sp.vstack([sp.csr_matrix((1, 3)), counts[:2], sp.csr_matrix((2, 3)), counts[2:]]).tocsr()
    np.testing.assert_array_equal(idf(padded), idf(counts))
    np.testing.assert_allclose(idf(counts), np.log(4 / 3) + 1)  # N = 3, every df = 2
    docs = [
        "cat dog barn farm cow",
        "stock bank market fund bond",
        "dog farm cow barn hay",
        "bank fund bond market trade",
        "cat cow hay barn dog",
    ]
    clean, blank = tmp_path / "clean.txt", tmp_path / "blank.txt"
    clean.write_text("\n".join(docs) + "\n")
    blank.write_text("\n   \t\n" + "\n\n".join(docs) + "\n\n\n")
    scores = []
    for p in (clean, blank):
        out = tmp_path / f"{p.stem}.ekm"
        assert cli("lsa", p, "-o", out, "--dim", "2", "-q").exit_code == 0
        r = cli("search", "cow", "-m", out, "-k", "10", "--json")
        assert r.exit_code == 0, r.stderr
        rows = json.loads(r.stdout)
        assert all(row["text"].strip() for row in rows)  # no blank line ranked
        scores.append(sorted((row["text"], round(row["score"], 5)) for row in rows))
    assert scores[0] == scores[1]


@pytest.mark.parametrize(
    "head", ["user,item", "Source,Target,Weight", "node_1,node_2", "citing paper,cited paper", "from_id;to_id"]
)
def test_an_edge_lists_header_of_named_ids_is_recognised(tmp_path, head):
    # string ids: only the names can tell the header from an edge ('user'-'item' was a node pair)
    from embedkit.graph import read_edges

    sep = ";" if ";" in head else ","
    weight = f"{sep}1" if head.count(sep) == 2 else ""
    p = tmp_path / "e.csv"
    p.write_text(head + "\n" + "".join(f"{a}{sep}{b}{weight}\n" for a, b in [("u1", "i1"), ("u1", "i2"), ("u2", "i1")]))
    assert read_edges(p).nodes == ["i1", "i2", "u1", "u2"]


@pytest.mark.parametrize("first", ["u0 v0", "user1,item1", "node1x,id"])
def test_an_edge_of_ids_that_resemble_column_names_stays_an_edge(tmp_path, first):
    from embedkit.graph import read_edges

    sep = " " if " " in first else ","
    a, b = first.split(sep)
    p = tmp_path / "e.txt"
    p.write_text(f"{first}\n{a}{sep}x\n{b}{sep}x\n")
    assert sorted(read_edges(p).nodes) == sorted([a, b, "x"])
