"""Files as people have them: each case of ../shared/field (rebuilt here, byte for byte)
and its neighbours of the same kind, through the real command line.

Right answers are the field README's: a load with the right content, or one clear line
on stderr with the documented exit code; never a traceback, never a silent change.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import unicodedata

import numpy as np
import pytest

from embedkit.errors import DataError, EmbedkitWarning
from embedkit.evaluate import read_analogies, read_node_labels, read_similarity_pairs
from embedkit.formats import read_vectors
from embedkit.io import Decoding, read_lines, read_table

from .conftest import one_line_error

BOM = "\ufeff"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Every test converts vector files into its own cache (so 'nothing cached' is checkable)."""
    monkeypatch.setenv("EMBEDKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def model_words(cli, model) -> list[str]:
    r = cli("info", model, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


# -- vectors files ---------------------------------------------------------------------------
GLOVE = "cat 0.1 0.2 0.3 0.4\ndog 0.1 0.25 0.3 0.35\nemu -0.4 0.1 -0.2 0.9\n"


@pytest.mark.parametrize("header", ["", "3 4\n"])
def test_a_byte_order_mark_is_not_part_of_the_first_word(cli, tmp_path, header):
    p = write(tmp_path / "bom.txt", BOM + header + GLOVE)
    emb = read_vectors(p)
    assert emb.words == ["cat", "dog", "emu"]
    np.testing.assert_allclose(emb["cat"], [0.1, 0.2, 0.3, 0.4], rtol=1e-6)
    r = cli("neighbors", "cat", "-m", p, "--json")
    assert r.exit_code == 0 and [(x["neighbor"], round(x["score"], 4)) for x in json.loads(r.stdout)] == [
        ("dog", 0.9918),
        ("emu", 0.5062),
    ]


def test_duplicate_words_keep_the_first_and_say_how_many(cli, tmp_path):
    p = write(tmp_path / "dup.glove.txt", GLOVE + "cat 0.0 0.0 0.1 0.0\nowl 0.3 0.1 0.2 0.1\ndog 1 1 1 1\n")
    r = cli("neighbors", "dog", "-m", p)
    assert r.exit_code == 0
    warnings = [line for line in r.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "2 duplicate words skipped" in warnings[0] and "'cat'" in warnings[0]
    with pytest.warns(EmbedkitWarning, match="2 duplicate words skipped"):  # the library says it too
        emb = read_vectors(p)
    assert emb.words == ["cat", "dog", "emu", "owl"]
    np.testing.assert_allclose(emb["cat"], [0.1, 0.2, 0.3, 0.4], rtol=1e-6)  # the first one wins
    np.testing.assert_allclose(emb["dog"], [0.1, 0.25, 0.3, 0.35], rtol=1e-6)


@pytest.mark.parametrize(
    "text, line, values, header",
    [
        ("3 5\ncat 0.11 0.22 0.33 0.44\ndog 0.12 0.25 0.31 0.35\nemu -0.4 0.15 -0.2 0.90\n", 2, 4, 5),
        ("3 3\n" + GLOVE, 2, 4, 3),
        ("3 5\n" + GLOVE, 2, 4, 5),
        ("3 4\ncat 0.1 0.2 0.3 0.4\ndog 0.1 0.25 0.3\nemu -0.4 0.1 -0.2 0.9\n", 3, 3, 4),
    ],
)
def test_a_header_that_disagrees_with_the_rows_is_one_line(cli, tmp_path, own_cache, text, line, values, header):
    p = write(tmp_path / "hdr.txt", text)
    r = cli("info", p)
    one_line_error(r, f"hdr.txt, line {line} has {values} values, the header says {header}", code=3)
    assert not own_cache.exists() or not any(own_cache.iterdir())  # nothing cached


def test_a_glove_row_of_another_width_is_one_line(cli, tmp_path):
    p = write(tmp_path / "g.txt", GLOVE + "owl 0.3 0.1\n")
    one_line_error(cli("info", p), "g.txt, line 4 has 2 values, the first row has 4", code=3)


def test_the_header_count_must_match_the_rows(tmp_path):
    from embedkit.errors import InputError

    with pytest.raises(InputError, match="the header says 4 vectors, the file has 3"):
        read_vectors(write(tmp_path / "n.txt", "4 4\n" + GLOVE))


@pytest.mark.parametrize(
    ("header", "needles"),
    [
        (b"3 10\n", ["says 3 vectors × 10 values, at least 126 bytes", "holds 75 bytes", "the header does not match"]),
        (b"5 5\n", ["says 5 vectors × 5 values, at least 110 bytes", "or the file is cut short"]),
        (b"3 4\n", ["vector 2: its word holds bytes that are no text", "the header's 4 values a row do not match"]),
    ],
)
def test_a_binary_header_that_disagrees_with_the_rows_is_named(cli, tmp_path, header, needles):
    """word2vec binary rows of 5 values under a header that says otherwise: the header is
    named as the likely cause (not 'truncated', not a decoding error of float bytes)."""
    rows = [("cat", np.ones(5)), ("dog", np.arange(5)), ("emu", np.full(5, 2.0))]
    body = b"".join(w.encode() + b" " + v.astype("<f4").tobytes() + b"\n" for w, v in rows)
    p = tmp_path / "v.bin"
    p.write_bytes(header + body)
    one_line_error(cli("info", p), *needles, code=3)
    p.write_bytes(b"3 5\n" + body)  # the right header reads
    assert read_vectors(p).words == ["cat", "dog", "emu"]
    p.write_bytes(b"3 5\n" + body.replace(b"emu", b"\xe9mu"))  # a Latin-1 word: the CLI names its flags
    one_line_error(cli("info", p), "vector 3", "not UTF-8 text", "give --encoding latin-1", code=3)


@pytest.mark.parametrize(
    "rows",
    [
        "cat\t0.1 0.2 0.3 0.4\ndog\t0.1 0.25 0.3 0.35\nemu\t-0.4 0.1 -0.2 0.9\n",  # TAB after the word
        "cat\t0.1\t0.2\t0.3\t0.4\ndog\t0.1\t0.25\t0.3\t0.35\nemu\t-0.4\t0.1\t-0.2\t0.9\n",  # TABs everywhere
        "cat  0.1  0.2 0.3   0.4  \ndog 0.1 0.25 0.3 0.35 \nemu -0.4 0.1 -0.2 0.9\n\n\n",  # spaces, blank end
        "cat 0.1 0.2 0.3 0.4\r\ndog 0.1 0.25 0.3 0.35\r\nemu -0.4 0.1 -0.2 0.9\r\n",  # CRLF
    ],
)
@pytest.mark.parametrize("header", ["", "3 4\n", "3 4\r\n"])
def test_separators_and_line_ends_as_people_write_them(cli, tmp_path, rows, header):
    if header.endswith("\r\n") and "\r\n" not in rows:
        return
    p = write(tmp_path / "v.txt", header + rows)
    emb = read_vectors(p)
    assert emb.words == ["cat", "dog", "emu"] and emb.dim == 4
    np.testing.assert_allclose(emb["emu"], [-0.4, 0.1, -0.2, 0.9], rtol=1e-6)
    facts = model_words(cli, p)
    assert facts["format"] == ("word2vec" if header else "glove") and facts["words"] == 3


def test_words_with_spaces_after_a_tab_or_glove_840b_style(tmp_path):
    p = write(tmp_path / "v.txt", "New York\t0.1 0.2\n. . . 0.3 0.4\nat 0.5 0.6\n\u00a0. .\u00a0 0.7 0.8\n")
    emb = read_vectors(p)
    assert emb.words == ["New York", ". . .", "at", "\u00a0. .\u00a0"]  # a U+00A0 at its ends kept
    np.testing.assert_allclose(emb[". . ."], [0.3, 0.4], rtol=1e-6)


@pytest.mark.parametrize("header", ["", "6 2\n"])
def test_a_word_that_is_or_holds_a_unicode_space_loads_and_round_trips(cli, tmp_path, header):
    # fastText's cc.*.vec files have rows for U+00A0 and U+3000: the space is the word;
    # one at a word's end is part of it too (it was stripped when the row split at str.split)
    words = ["\u00a0", "cat", "\u3000", "New\u00a0York", "\u00a0lead", "trail\u00a0"]
    rows = "".join(f"{w} {i}.5 {i + 1}\n" for i, w in enumerate(words))
    emb = read_vectors(write(tmp_path / "u.vec", header + rows))
    assert emb.words == words
    np.testing.assert_array_equal(emb["\u3000"], [2.5, 3])
    counts = write(tmp_path / "counts.txt", "".join(f"{w} {9 - i}\n" for i, w in enumerate(words)))
    m = tmp_path / "u.ekm"
    assert cli("import", tmp_path / "u.vec", "-o", m, "--counts", counts).exit_code == 0
    for fmt in ("word2vec", "word2vec-binary", "glove"):
        out, fvocab = tmp_path / f"out.{fmt}", tmp_path / f"counts.{fmt}"
        r = cli("export", m, "-f", fmt, "-o", out, "--counts", fvocab)
        assert r.exit_code == 0, r.output
        back = read_vectors(out)
        assert back.words == words and np.array_equal(back.vectors, emb.vectors)
        assert fvocab.read_text(encoding="utf-8").splitlines()[3] == "New\u00a0York 6"


@pytest.mark.parametrize("bad, word, line", [("nan nan nan nan", "bad", 4), ("inf 1 1 1", "big", 4)])
def test_nan_or_inf_is_refused_naming_file_line_and_word(cli, tmp_path, bad, word, line):
    p = write(tmp_path / "nf.w2v.txt", f"4 4\ncat 0.1 0.2 0.3 0.4\ndog 0.1 0.25 0.3 0.35\n{word} {bad}\nemu 1 2 3 4\n")
    one_line_error(cli("neighbors", "dog", "-m", p), f"nf.w2v.txt, line {line}: word '{word}'", code=3)
    out = tmp_path / "ok.ekm"
    r = cli("import", p, "-o", out, "--drop-nonfinite")
    assert r.exit_code == 0 and "left out 1 vector with a NaN" in r.stderr
    r = cli("neighbors", "dog", "-m", out, "--json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert [x["neighbor"] for x in rows] == ["cat", "emu"] and all(np.isfinite(x["score"]) for x in rows)


def test_a_field_that_is_not_a_number_names_it(cli, tmp_path):
    p = write(tmp_path / "v.txt", "2 3\ncat 0.1 0,2 0.3\ndog 1 2 3\n")
    one_line_error(cli("info", p), "v.txt, line 2: '0,2' is not a number (word 'cat')", code=3)


def test_binary_is_told_by_content_not_by_the_first_row(tmp_path):
    from embedkit.formats import detect_format

    p = tmp_path / "b.bin"
    vec = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0]], dtype="<f4")
    p.write_bytes(b"2 3\n" + b"".join(w + b" " + v.tobytes() + b"\n" for w, v in zip([b"caf\xc3\xa9", b"x"], vec)))
    assert detect_format(p) == "word2vec-binary"
    emb = read_vectors(p)
    assert emb.words == ["café", "x"]
    np.testing.assert_array_equal(emb.vectors, vec)
    with open(p, "ab") as f:
        f.write(b"y " + vec[0].tobytes())  # one more row than the header says
    from embedkit.errors import InputError

    with pytest.raises(InputError, match="more data after the 2 vectors"):
        read_vectors(p)


# -- decoding: one place for every reader -----------------------------------------------------
def test_nfc_once_everywhere_and_recorded(cli, tmp_path):
    decomposed = "e\u0301te\u0301"  # été, with combining accents
    corpus = write(tmp_path / "c.txt", (BOM + f"un {decomposed} chaud\n" + "un été froid\n") * 3)
    out = tmp_path / "m.ekm"
    r = cli("train-words", corpus, "-o", out, "--min-count", "1", "--dim", "3", "-q")
    assert r.exit_code == 0, r.output
    facts = model_words(cli, out)
    assert facts["normalization"] == "NFC" and facts["encoding"] == "utf-8"
    r = cli("neighbors", decomposed, "-m", out, "-k", "1")  # a decomposed query finds the word
    assert r.exit_code == 0
    r = cli("tokenize", corpus)
    assert r.stdout.splitlines()[0] == "un été chaud" and unicodedata.is_normalized("NFC", r.stdout)
    assert len(r.stdout.splitlines()[0].split()) == 3


def test_not_utf8_names_line_and_bytes_and_encoding_options_go_on(cli, tmp_path):
    p = write(tmp_path / "l1.txt", "fine\nun café au lait\n", "latin-1")
    one_line_error(cli("tokenize", p), "l1.txt, line 2: not UTF-8 text: bytes E9", "--errors replace", code=4)
    assert cli("tokenize", p, "--encoding", "latin-1").stdout == "fine\nun café au lait\n"
    assert cli("tokenize", p, "--errors", "replace").stdout == "fine\nun caf au lait\n"
    one_line_error(cli("tokenize", p, "--encoding", "utf-16"), "--encoding 'utf-16': not ASCII-compatible", code=2)
    one_line_error(cli("tokenize", p, "--errors", "maybe"), "--errors must be one of", code=2)
    # the library names its own parameters, the command line its flags
    with pytest.raises(DataError) as err:
        Decoding().decode(p.read_bytes(), "l1.txt")
    assert "give encoding latin-1 (or cp1252), or errors replace" in str(err.value)
    assert "--" not in str(err.value)


def test_utf16_text_is_named_not_misread(cli, tmp_path):
    p = tmp_path / "u16.txt"
    p.write_bytes("hello world\n".encode("utf-16"))
    one_line_error(cli("vocab", p), "not UTF-8 but UTF-16-LE text", "iconv", code=4)


def test_cr_only_line_ends_and_empty_files(cli, tmp_path):
    p = tmp_path / "mac.txt"
    p.write_bytes(b"one two\rthree\r")
    assert read_lines(str(p)) == ["one two", "three"]
    assert cli("tokenize", p).stdout == "one two\nthree\n"
    one_line_error(cli("vocab", write(tmp_path / "e.txt", "")), "the corpus has no tokens", code=4)
    one_line_error(cli("info", write(tmp_path / "e.w2v", BOM)), "the file is empty", code=3)


def test_gzip_data_on_stdin_and_without_a_suffix(cli, tmp_path):
    data = gzip.compress(b"Hello world\nhello\n")
    r = subprocess.run(
        [sys.executable, "-m", "embedkit.cli", "tokenize", "-"], input=data, capture_output=True, timeout=120
    )
    assert r.returncode == 0 and r.stdout == b"hello world\nhello\n", r.stderr
    # recognised and said so, once
    assert r.stderr.decode().splitlines() == ["embedkit: warning: <stdin>: gzip data, read decompressed"]
    p = tmp_path / "corpus.txt"  # gzip data whatever the name
    p.write_bytes(data)
    assert cli("tokenize", p).stdout == "hello world\nhello\n"


def test_bzh_text_is_not_taken_for_bzip2(cli, tmp_path):
    p = write(tmp_path / "b.txt", "BZh one\n")
    assert cli("tokenize", p).stdout == "bzh one\n"


# -- edge lists, walks, labels ---------------------------------------------------------------
def test_edge_list_bom_is_not_part_of_node_one(cli, tmp_path):
    p = write(tmp_path / "bom_edges.csv", BOM + "1,2\n2,3\n3,1\n1,4\n4,5\n5,6\n6,4\n")
    out = tmp_path / "g.ekm"
    r = cli("embed-graph", p, "-o", out, "--dim", "2", "-q")
    assert r.exit_code == 0, r.output
    from embedkit.vectors import Embedding

    assert sorted(Embedding.load(out).words) == ["1", "2", "3", "4", "5", "6"]


def test_edge_ids_are_kept_as_written_but_crlf_and_in_nfc(tmp_path):
    from embedkit.graph import read_edges

    decomposed = "e\u0301"  # read as every word is: "é", one character
    g = read_edges(str(write(tmp_path / "e.tsv", f"{decomposed}\tb\r\nb\tc\r\n")))
    assert sorted(g.nodes) == sorted(["\u00e9", "b", "c"])


@pytest.mark.parametrize(
    "text",
    [
        'source,target,weight\n"Smith, John","Doe, Jane",2\n"Doe, Jane",Roe,"1.5"\nRoe,"Smith, John",1\n',
        '"Smith, John"\t"Doe, Jane"\r\n"Doe, Jane"\tRoe\r\n# a comment\nRoe\t "Smith, John"\r\n',
    ],
)
def test_edge_lists_honour_csv_quoting(tmp_path, text):
    from embedkit.graph import read_edges

    g = read_edges(str(write(tmp_path / "q.csv", text)))
    assert sorted(g.nodes) == ["Doe, Jane", "Roe", "Smith, John"] and g.n_edges == 3


@pytest.mark.parametrize(
    "text, nodes, edge, weight",
    [
        ("source;target;weight\nNew York;Boston;1,5\nBoston;Chicago;2\n", ["Boston", "Chicago", "New York"],
         ("New York", "Boston"), 1.5),
        ('"a";"b"\n"b";"c"\n', ["a", "b", "c"], ("a", "b"), 1.0),
        ("a;b;1,5\nb;c;2\n", ["a", "b", "c"], ("a", "b"), 1.5),  # no header: the decimal comma tells
        ("a;x b;y\nb;y c\n", ["a;x", "b;y", "c"], ("a;x", "b;y"), 1.0),  # white space between two ids
        # a decimal comma wherever the comma is not the separator, as in word pairs' scores;
        # '1\t2\t1,5' above '2\t3\t2' was taken for a header row (its weight not a number)
        ("1\t2\t1,5\n2\t3\t2\n", ["1", "2", "3"], ("1", "2"), 1.5),
        ("a b 1,5\nb c 2\n", ["a", "b", "c"], ("a", "b"), 1.5),
        ('a,b,"1,5"\nb,c,2\n', ["a", "b", "c"], ("a", "b"), 1.5),
        ("a b,c 2\nc 2,d\n", ["a b", "c 2", "d"], ("a b", "c 2"), 1.0),  # a comma CSV whose ids have spaces
    ],
)  # fmt: skip
def test_edge_lists_separated_by_semicolons_or_with_decimal_commas(tmp_path, text, nodes, edge, weight):
    from embedkit.graph import read_edges

    g = read_edges(str(write(tmp_path / "s.csv", text)))
    assert g.nodes == nodes and g.n_edges == 2
    assert g.adjacency()[g.nodes.index(edge[0]), g.nodes.index(edge[1])] == weight


def test_edge_list_quotes_inside_an_id_or_left_open_are_kept(cli, tmp_path):
    from embedkit.graph import read_edges

    g = read_edges(str(write(tmp_path / "o.csv", 'O"Neil,Bob\nBob,"Cy"\n"a,b\n')))  # no valid CSV: as written
    assert sorted(g.nodes) == ['"a', "Bob", "Cy", 'O"Neil', "b"]
    bad = write(tmp_path / "bad.csv", 'a,b\n"b,c",d,e,f\n')
    out = tmp_path / "g.ekm"
    r = cli("embed-graph", bad, "-o", out, "--dim", "2")
    one_line_error(r, "bad.csv, line 2: expected 2 columns", code=4, out=out)


def test_walks_refuse_ids_with_spaces_and_embed_graph_keeps_them(cli, tmp_path):
    p = write(tmp_path / "names.csv", "source,target\nLeonardo da Vinci,Florence\nFlorence,Michelangelo\n"
              "Michelangelo,Rome\nRome,Leonardo da Vinci\nRaphael,Rome\n")  # fmt: skip
    out = tmp_path / "walks.txt"
    one_line_error(cli("walks", p, "-o", out), "node id 'Leonardo da Vinci' contains white space", code=4, out=out)
    assert "with --method walks keeps ids whole" in cli("walks", p, "-o", out).stderr
    m = tmp_path / "n.ekm"
    assert cli("embed-graph", p, "--method", "walks", "-o", m, "--dim", "2", "-q").exit_code == 0
    r = cli("neighbors", "Leonardo da Vinci", "-m", m, "-k", "4")
    assert r.exit_code == 0 and "Florence" in r.stdout


def test_several_labels_on_one_line(cli, tmp_path):
    p = write(tmp_path / "l.tsv", "1\tred\n6\tred,blue\n7\tblue, red\n8\tblue\n")
    assert read_node_labels(str(p)) == {"1": ["red"], "6": ["red", "blue"], "7": ["blue", "red"], "8": ["blue"]}
    q = write(tmp_path / "l.csv", "node,label\n1,red\n6,red,blue\n6,green\n")
    assert read_node_labels(str(q)) == {"1": ["red"], "6": ["red", "blue", "green"]}


@pytest.mark.parametrize(
    "text",
    [
        BOM + 'node,label\n1,red\n6,"red,blue"\n7,"blue, red"\n8,blue\n',  # CSV quoting
        "1;red\n6;red;blue\n7;blue;red\n8;blue\n",  # semicolons
        'node\tlabels\r\n1\tred\r\n6\tred; blue\r\n7\t"blue,red"\r\n8\tblue\r\n',
        "1 red\n6 red;blue\n7 blue;red\n8 blue\n",
        "node,labels\n1,red\n6,red|blue\n7,blue | red\n8,blue\n",  # MovieLens's genres: 'Action|Comedy'
        "1\tred\n6\tred|blue\n7\tblue|red|\n8\tblue\n",
    ],
)
def test_several_labels_in_the_other_layouts(tmp_path, text):
    want = {"1": ["red"], "6": ["red", "blue"], "7": ["blue", "red"], "8": ["blue"]}
    assert read_node_labels(str(write(tmp_path / "l.csv", text))) == want


def test_node_classification_counts_two_classes(cli, tmp_path):
    edges = [(a, b) for a in range(1, 7) for b in range(a + 1, 7)] + [(7, b) for b in range(8, 13)]
    e = write(tmp_path / "edges.csv", "".join(f"{a},{b}\n" for a, b in edges))
    labels = "".join(f"{i}\tred\n" for i in range(1, 6)) + "6\tred,blue\n7\tblue,red\n"
    labels += "".join(f"{i}\tblue\n" for i in range(8, 13))
    lab = write(tmp_path / "labels_tab_commas.tsv", labels)
    m = tmp_path / "g.ekm"
    assert cli("embed-graph", e, "-o", m, "--dim", "4", "-q").exit_code == 0
    r = cli("evaluate", "nodes", m, lab, "--json", "--train-fraction", "0.5")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["labels"] == 2


def test_a_node_with_edges_left_all_zero_is_a_warning(cli, tmp_path):
    # two disjoint edges at --dim 2: four tied singular values, and one edge took both dims
    p = write(tmp_path / "two.csv", "1,2\n3,4\n")
    out = tmp_path / "t.ekm"
    r = cli("embed-graph", p, "-o", out, "--dim", "2", "-q")
    assert r.exit_code == 0
    from embedkit.vectors import Embedding

    zero = [w for w, v in zip(Embedding.load(out).words, Embedding.load(out).vectors) if not v.any()]
    if zero:  # which edge loses is the eigensolver's choice; a zero row must be said
        assert " with edges got an all-zero vector" in r.stderr and "give a larger --dim" in r.stderr
    r = cli("embed-graph", p, "-o", out, "--dim", "3", "-q")
    assert r.exit_code == 0 and "all-zero" not in r.stderr
    assert all(v.any() for v in Embedding.load(out).vectors)


def test_node_classification_with_one_label_says_so(cli, tmp_path):
    e = write(tmp_path / "e.csv", "1,2\n2,3\n3,1\n3,4\n4,5\n5,6\n6,4\n")
    m = tmp_path / "g.ekm"
    assert cli("embed-graph", e, "-o", m, "--dim", "2", "-q").exit_code == 0
    lab = write(tmp_path / "one.csv", "node,label\n" + "".join(f"{i},red\n" for i in range(1, 7)))
    one_line_error(cli("evaluate", "nodes", m, lab), "every labelled node in the model has the one label 'red'", code=4)
    lab = write(tmp_path / "lone.csv", "1,red\nzz,blue\n")  # one node left once the unknown one is
    r = cli("evaluate", "nodes", m, lab, "--ignore-unknown")
    assert r.exit_code == 4 and f"error: {lab}: only 1 labelled node is in the model; are the node ids" in r.stderr


@pytest.mark.parametrize("edges", ["hub,a\nhub,b\nhub,c\nhub,d\nhub,e\n", "a,b\nb,c\nc,d\n"])
def test_links_on_a_tree_say_nothing_can_be_held_out(cli, tmp_path, edges):
    p = write(tmp_path / "t.csv", edges)
    one_line_error(cli("evaluate", "links", p, "--dim", "2"), "no edge can be held out without disconnecting", code=4)


def test_links_on_one_edge_or_too_small_a_fraction_say_so_in_words(cli, tmp_path):
    p = write(tmp_path / "one.csv", "a,b\n")
    r = cli("evaluate", "links", p, "--dim", "1")
    one_line_error(r, "(its 1 edge forms a tree or forest, as a star or a path does)", code=4)
    p = write(tmp_path / "ring.csv", "a,b\nb,c\nc,d\nd,a\n")  # a cycle: 4 edges, 0.01 of them rounds to none
    r = cli("evaluate", "links", p, "--dim", "1", "--test-fraction", "0.01")
    one_line_error(r, "ring.csv: --test-fraction 0.01 of 4 edges holds out none; raise it", code=4)


@pytest.mark.parametrize("n", [3, 5])
def test_links_on_a_complete_graph_say_there_is_no_non_edge(cli, tmp_path, n):
    p = write(tmp_path / "k.csv", "".join(f"{a},{b}\n" for a in range(n) for b in range(a + 1, n)))
    r = cli("evaluate", "links", p, "--dim", "2", "--test-fraction", "0.5")  # it looped for ever
    one_line_error(r, "k.csv: only 0 node pairs are not edges, fewer than the", code=4)


def test_links_on_a_nearly_complete_graph_draw_its_few_non_edges():
    from embedkit.evaluate import split_edges
    from embedkit.graph import Graph

    edges = [(a, b) for a in range(30) for b in range(a + 1, 30)]
    missing = set(edges[::40])  # 11 of 435 pairs are not edges
    src, dst = np.array([e for e in edges if e not in missing]).T
    train, test, negatives = split_edges(Graph.from_edges(src, dst, n=30), 0.02, seed=1)
    drawn = set(map(tuple, negatives.tolist()))
    assert len(test) == len(negatives) == len(drawn) == 8 and drawn <= missing


# -- evaluation and table inputs --------------------------------------------------------------
PAIRS = [("love", "sex", 6.77), ("tiger", "cat", 7.35), ("tiger", "tiger", 10.0), ("money", "cash", 9.15),
         ("car", "automobile", 8.94), ("noon", "string", 0.54)]  # fmt: skip


@pytest.mark.parametrize("sep", [",", ", ", "\t", " "])
@pytest.mark.parametrize("header", [True, False])
def test_word_pairs_in_their_distributed_layouts(tmp_path, sep, header):
    head = sep.join(["Word 1", "Word 2", "Human (mean)"]) + "\n" if header and sep != " " else ""
    p = write(tmp_path / "pairs.csv", head + "".join(f"{a}{sep}{b}{sep}{s}\n" for a, b, s in PAIRS))
    assert read_similarity_pairs(str(p)) == PAIRS


QUESTIONS = [("athens", "greece", "baghdad", "iraq"), ("boy", "girl", "brother", "sister")]


@pytest.mark.parametrize(
    "head, kept, pair_kept",
    [
        ("a,b,c,d", False, True),  # the letters of a : b :: c : d; a pair 'a b 5' is data
        ("A B C D", False, True),
        ("word1 word2 word3 word4", False, False),
        ("Word 1,Word 2,Word 3,Target", False, False),
        ("w1\tw2\tw3\tanswer", False, False),
        ("paris france rome italy", True, True),  # a question first: data, not a header
        ("a b c e", True, True),
        ("w00000001 w00000002 w00000003 w00000004", True, True),  # ids, not numbered columns
    ],
)
def test_one_header_rule_for_analogy_questions_and_word_pairs(tmp_path, head, kept, pair_kept):
    """An analogy file's header row (``a,b,c,d``, ``word1 word2 word3 word4``) was read
    as a question. Both readers now take the rule of every benchmark reader: a first
    line whose word cells are all column names (or the letters a b c d, in order) is a
    header, and so is a word-pair line whose score is not a number."""
    body = "".join(" ".join(q) + "\n" for q in QUESTIONS)
    got = read_analogies(str(write(tmp_path / "q.txt", head + "\n" + body)))
    assert got == ([tuple(re.split(r"[ ,\t]", head))] if kept else []) + QUESTIONS
    cells = [c.strip() for c in re.split(r"[,\t]", head)] if re.search(r"[,\t]", head) else head.split()
    a, b = cells[:2]  # the same names heading a pair file, whose score is a number
    pairs_text = "".join(f"{x}\t{y}\t{z}\n" for x, y, z in PAIRS)
    pairs = read_similarity_pairs(str(write(tmp_path / "p.txt", f"{a}\t{b}\t5\n" + pairs_text)))
    assert pairs == ([(a, b, 5.0)] if pair_kept else []) + PAIRS


def test_one_header_rule_for_node_labels(tmp_path):
    """``Node ID,Label`` heads a labels file as ``node,label`` does (the same rule);
    a first node named otherwise is data."""
    assert read_node_labels(str(write(tmp_path / "l.csv", "Node ID,Label\n1,red\n"))) == {"1": ["red"]}
    assert read_node_labels(str(write(tmp_path / "l.csv", "node,red\n1,red\n"))) == {"node": ["red"], "1": ["red"]}


@pytest.mark.parametrize(
    "head", ["", "w1;w2;score\n", "Word 1;Word 2;Human (mean)\n", '"Word 1";"Word 2";"Human (mean)"\n']
)
def test_word_pairs_separated_by_semicolons_with_a_decimal_comma(tmp_path, head):
    body = "".join(f'"{a}";{b};{str(s).replace(".", ",")}\n' for a, b, s in PAIRS)
    assert read_similarity_pairs(str(write(tmp_path / "p.csv", head + body))) == PAIRS


def test_a_semicolon_inside_a_word_of_a_comma_file_is_part_of_the_word(tmp_path):
    p = write(tmp_path / "p.csv", ";,0,0.5\na;b,c,1\n")
    assert read_similarity_pairs(str(p)) == [(";", "0", 0.5), ("a;b", "c", 1.0)]
    assert read_node_labels(str(write(tmp_path / "l.csv", "a;b,red\n1 red;blue\n"))) == {
        "a;b": ["red"],
        "1": ["red", "blue"],
    }


def test_similarity_on_csv_pairs_and_a_file_without_pairs(cli, tmp_path):
    vec = write(tmp_path / "v.txt", "10 3\nlove 1.0 0.2 0.1\nsex 0.8 0.5 0.0\ntiger 0.1 1.0 0.3\ncat 0.2 0.9 0.5\n"
                "money 0.0 0.1 1.0\ncash 0.1 0.0 0.9\ncar 0.5 0.5 0.5\nautomobile 0.6 0.5 0.4\n"
                "noon 0.9 0.1 0.9\nstring 0.3 0.7 0.2\n")  # fmt: skip
    pairs = write(
        tmp_path / "combined.csv", "Word 1,Word 2,Human (mean)\n" + "".join(f"{a},{b},{s}\n" for a, b, s in PAIRS)
    )
    r = cli("evaluate", "similarity", vec, pairs, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["found"] == 6
    none = write(tmp_path / "none.csv", "x,y\n")
    one_line_error(cli("evaluate", "similarity", vec, none), "none.csv, line 1: expected 'word1 word2 score'", code=4)
    unknown = write(tmp_path / "unknown.csv", "a,b,1\nc,d,2\n")
    r = cli("evaluate", "similarity", vec, unknown, "--json")  # pairs read, none known: no score
    assert r.exit_code == 0 and json.loads(r.stdout)[0] | {"file": None} == {
        "file": None,
        "spearman": None,
        "spearman_all": None,
        "found": 0,
        "subwords_used": 0,
        "total": 2,
    }


def test_pca_constant_column_is_no_variance_whatever_its_value(cli, tmp_path):
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.uniform(150, 190, 30).round(2), rng.uniform(75, 100, 30).round(2)])
    spectra = []
    for value in ("36.6", "37.5", "0.1"):
        rows = "".join(f"s{i},{a},{b},{value}\n" for i, (a, b) in enumerate(x))
        p = write(tmp_path / f"m{value}.csv", "sample,height,weight,temp_c\n" + rows)
        r = cli("pca", p, "--standardize", "--dim", "2", "--json")
        assert r.exit_code == 0, r.output
        spectra.append([c["singular_value"] for c in json.loads(r.stdout)])
    assert spectra[0] == spectra[1] == spectra[2]
    assert spectra[0][2] == 0.0  # the constant column adds nothing, not a unit of noise


def test_pca_tables_are_read_by_a_csv_parser(cli, tmp_path):
    p = write(tmp_path / "cities.csv", 'city,population,area_km2,median_income\n"Alpha","1,204,000","1,520","52,300"\n'
              '"Beta","2,871,000","2,300","48,900"\n"Gamma","3,450,000","4,100","61,200"\n')  # fmt: skip
    x, labels, header = read_table(p)
    assert x.shape == (3, 3) and labels == ["Alpha", "Beta", "Gamma"]
    assert header == ["population", "area_km2", "median_income"]
    assert x[0].tolist() == [1204000, 1520, 52300]
    wide = write(tmp_path / "w.csv", "a,b\n1,2\n3,4,5\n")
    one_line_error(cli("pca", wide), "w.csv, line 3: 3 fields, the header has 2", code=4)
    text = write(tmp_path / "t.csv", 'a,b\n1,2\n3,"n/a"\n')
    one_line_error(cli("pca", text), "t.csv, line 3: 'n/a' is not a number (column 'b')", code=4)


@pytest.mark.parametrize(
    "text, where",
    [
        ("a,b,c,d\n1,2,NaN,5\n2,1,NaN,7\n3,5,NaN,1\n", "line 2: nan is not a finite number (column 'c')"),
        ("1,2,3\n4,nan,6\n7,8,9\n", "line 2: nan is not a finite number (column 2)"),
        ("name,a,b\nx,1,2\n\ny,3,-inf\n", "line 4: -inf is not a finite number (column 'b')"),
        ("a,b\n1,2\n3,\n", "line 3: '' is not a number (column 'b')"),
    ],
)
def test_pca_missing_or_infinite_cells_are_named(cli, tmp_path, text, where):
    p = write(tmp_path / "t.csv", text)
    one_line_error(cli("pca", p, "--dim", "1"), f"t.csv, {where}", code=4)


def test_pca_reads_semicolon_tables_with_decimal_commas(tmp_path):
    p = write(tmp_path / "eu.csv", "name;a;b\nx;1,5;2\ny;3;4,25\nz;-0,5;1\n")
    x, labels, header = read_table(p)
    assert x.tolist() == [[1.5, 2], [3, 4.25], [-0.5, 1]] and labels == ["x", "y", "z"] and header == ["a", "b"]
    q = write(tmp_path / "plain.csv", "1;2\n3;4\n")
    assert read_table(q)[0].tolist() == [[1, 2], [3, 4]]


def test_lsa_empty_documents_are_never_ranked(cli, tmp_path):
    docs = ["dog cat animal farm", "bank money stock", "", "animal zoo tiger", "   ", "market bank bond"]
    p = write(tmp_path / "docs.txt", "\n".join(docs * 3) + "\n")
    m = tmp_path / "lsa.ekm"
    assert cli("lsa", p, "-o", m, "--dim", "5", "-q").exit_code == 0
    r = cli("search", "animal", "-m", m, "-k", "20", "--json")
    assert r.exit_code == 0, r.output
    ranked = [hit["doc"] for hit in json.loads(r.stdout)]
    empty = {i + 1 for i, d in enumerate(docs * 3) if not d.strip()}
    assert len(ranked) == 12 and not empty & set(ranked)


def test_a_cased_model_meets_cased_text(cli, tmp_path):
    model = write(tmp_path / "cased.w2v.txt", "4 4\nParis 0.1 0.2 0.3 0.4\nLondon 0.1 0.25 0.3 0.35\n"
                  "the -0.4 0.1 -0.2 0.9\nUSA 0.3 0.1 0.2 0.1\n")  # fmt: skip
    sentences = write(tmp_path / "s.txt", "Paris London\nthe USA\n")
    r = cli("sentence-features", sentences, "-m", model)
    assert r.exit_code == 0, r.output
    rows = np.array([[float(v) for v in line.split("\t")] for line in r.stdout.splitlines()])
    np.testing.assert_allclose(rows[0], [0.1, 0.225, 0.3, 0.375], rtol=1e-6)
    np.testing.assert_allclose(rows[1], [-0.05, 0.1, 0.0, 0.5], atol=1e-6)
    r = cli("sentence-features", sentences, "-m", model, "--lowercase")  # the user's choice wins
    assert r.stdout.splitlines()[0].split("\t") == ["0"] * 4


# -- errors a user can act on -----------------------------------------------------------------
def test_no_numpy_pickle_advice(cli, tmp_path):
    p = tmp_path / "obj.npy"
    np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    r = cli("pca", p)
    one_line_error(r, "obj.npy: not a readable .npy file (it holds Python objects", code=3)
    assert "allow_pickle" not in r.stderr
    t = write(tmp_path / "t.txt", "just text\n")
    r = cli("pmi", t, "-o", tmp_path / "x.npz")
    one_line_error(r, "t.txt: not a readable embedkit matrix file (it is not a NumPy .npy or .npz file)", code=3)
    e = write(tmp_path / "e.npz", "")  # NumPy's own words, 'No data left in file', are not the user's
    r = cli("svd", e, "-o", tmp_path / "m.ekm")
    one_line_error(r, "e.npz: not a readable embedkit matrix file (the file is empty)", code=3)


def _embedkit(*args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "embedkit.cli", *map(str, args)], capture_output=True, timeout=120, **kw
    )


def test_a_full_disk_on_stdout_is_one_line_and_exit_6(tmp_path):
    p = write(tmp_path / "c.txt", "hello world\n" * 1000)
    with open("/dev/full", "w") as full:
        r = subprocess.run(
            [sys.executable, "-m", "embedkit.cli", "tokenize", str(p)], stdout=full, stderr=subprocess.PIPE, timeout=120
        )
    err = r.stderr.decode()
    assert r.returncode == 6 and err.strip().splitlines() == [
        "embedkit: error: cannot write the output (No space left on device)"
    ]


def test_no_exception_at_exit_after_an_error_in_the_pool(tmp_path):
    p = write(tmp_path / "l1.txt", "un café au lait\n" * 50, "latin-1")
    for _ in range(5):  # was: "Exception ignored … Bad file descriptor" about one run in seven
        r = _embedkit("train-words", p, "-j", "2", "-o", tmp_path / "m.ekm")
        assert r.returncode == 4
        assert r.stderr.decode().strip().splitlines() == [
            f"embedkit: error: {p}, line 1: not UTF-8 text: bytes E9 in 'un caf\\xe9 au lait'; if the file is in "
            "another encoding give --encoding latin-1 (or cp1252), or --errors replace to go on"
        ]


def test_staged_models_record_the_vocabulary_they_were_made_with(cli, tmp_path):
    corpus = write(tmp_path / "c.txt", "the cat sat on the mat\nthe dog sat on the log\n")
    v, c, pm, m = (tmp_path / n for n in ("v.tsv", "c.npz", "p.npz", "m.ekm"))
    assert cli("vocab", corpus, "--min-count", "2", "-o", v).exit_code == 0
    assert cli("cooccur", corpus, "--vocab", v, "-o", c).exit_code == 0
    assert cli("pmi", c, "-o", pm).exit_code == 0
    assert cli("svd", pm, "--dim", "3", "-o", m).exit_code == 0
    facts = model_words(cli, m)
    assert facts["min_count"] == 2 and facts["tokens"] == 12 and facts["normalization"] == "NFC"
    assert cli("cooccur", corpus, "--min-count", "1", "-o", c).exit_code == 0
    assert cli("pmi", c, "-o", pm).exit_code == 0 and cli("svd", pm, "--dim", "3", "-o", m).exit_code == 0
    facts = model_words(cli, m)
    assert facts["min_count"] == 1 and facts["tokens"] == 12
    # weighting a weighted matrix again (a log of logs) is refused, and nothing is written
    r = cli("pmi", pm, "-o", tmp_path / "twice.npz")
    assert r.exit_code == 3 and not (tmp_path / "twice.npz").exists()
    assert r.stderr == (
        f"embedkit: error: {pm}: already weighted by pmi (--transform ppmi); give pmi the counts that cooccur writes\n"
    )


# -- cluster addresses ------------------------------------------------------------------------
def _server(reply: bytes | None):
    """A TCP server on a free port that sends ``reply`` on connect (a Dask scheduler speaks
    first), or answers HTTP requests (a dashboard) when ``reply`` is None."""
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                if reply is not None:
                    conn.sendall(reply)
                else:
                    conn.settimeout(3)
                    try:
                        if conn.recv(64):
                            conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                    except OSError:
                        pass

    threading.Thread(target=serve, daemon=True).start()
    return srv, srv.getsockname()[1]


def test_scheduler_addresses_as_people_type_them():
    import time

    from embedkit.dask import _probe
    from embedkit.errors import ClusterError

    srv, port = _server(b":\x00\x00\x00\x00\x00\x00\x00")
    try:
        assert _probe(f"127.0.0.1:{port}/") == f"tcp://127.0.0.1:{port}"
        assert _probe(f"tcp://127.0.0.1:{port}//") == f"tcp://127.0.0.1:{port}"
    finally:
        srv.close()
    srv, port = _server(None)
    try:
        t = time.perf_counter()
        with pytest.raises(ClusterError, match="is a web server \\(the Dask dashboard\\?\\), not the scheduler"):
            _probe(f"localhost:{port}")
        assert time.perf_counter() - t < 10
    finally:
        srv.close()


def test_a_glob_in_a_url_is_listed_by_its_filesystem():
    fsspec = pytest.importorskip("fsspec")
    from embedkit.io import corpus_files

    fs = fsspec.filesystem("memory")
    fs.pipe("/field-glob/a.txt", b"x\n")
    fs.pipe("/field-glob/b.txt", b"y\n")
    assert [f.rsplit("/", 1)[1] for f in corpus_files("memory://field-glob/*.txt")] == ["a.txt", "b.txt"]


@pytest.mark.parametrize("sep", ["\t", " ", "  ", ","])
@pytest.mark.parametrize("head", [False, True])
def test_word_pairs_with_a_decimal_comma_where_the_comma_separates_nothing(tmp_path, sep, head):
    """A spreadsheet saved as tab-separated text (or as CSV, the score quoted, as Google
    Sheets exports it; or pairs written by hand) in a locale with a decimal comma: '6,77'
    is 6.77.  The first row was taken for a header and left out, and the second stopped
    the run."""
    top = sep.join(["w1", "w2", "score"]) + "\n" if head else ""
    quote = '"' if sep == "," else ""
    body = "".join(f"{a}{sep}{b}{sep}{quote}{str(s).replace('.', ',')}{quote}\n" for a, b, s in PAIRS)
    assert read_similarity_pairs(str(write(tmp_path / "p.tsv", top + body))) == PAIRS


def test_sts_scores_with_a_decimal_comma(tmp_path):
    from embedkit.evaluate import read_sts_pairs

    p = write(tmp_path / "sts.tsv", "4,5\ta dog ran\ta dog runs\n0,25\tthe sky\ta cat sat\n1\tx y\tz\n")
    assert read_sts_pairs(str(p)).scores.tolist() == [4.5, 0.25, 1.0]


def test_labels_and_pairs_keep_a_unicode_space_inside_a_white_space_separated_field(tmp_path):
    """Only ASCII white space separates fields, as in vectors files and edge lists: a node
    'Jean Dupont' with a no-break space was read as node 'Jean' with a label 'Dupont', and
    a pair of 'New York' was taken for a header row and left out."""
    nbsp = "Jean\u00a0Dupont"
    assert read_node_labels(str(write(tmp_path / "l.txt", f"{nbsp} red\ncarol blue\n"))) == {
        nbsp: ["red"],
        "carol": ["blue"],
    }
    p = write(tmp_path / "p.txt", "New\u00a0York city 5\ncat dog 3\n")
    assert read_similarity_pairs(str(p)) == [("New\u00a0York", "city", 5.0), ("cat", "dog", 3.0)]
