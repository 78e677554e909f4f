"""Every reader under random input: random bytes give a load or one clear line (an
EmbedkitError whose message is one line), never another exception; odd-but-valid files
(byte-order marks, CRLF, TABs, commas with spaces, headers, blank lines, Unicode words,
words that are numbers) read back exactly what was written.  Vectors also round-trip
with gensim in every format, both ways."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from embedkit.errors import EmbedkitError
from embedkit.evaluate import read_node_labels, read_similarity_pairs
from embedkit.formats import read_vectors
from embedkit.graph import read_edges
from embedkit.io import read_blocks
from embedkit.tokenize import Tokenizer
from embedkit.vectors import Embedding

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BOM = "\ufeff"


def one_line(exc: EmbedkitError) -> None:
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text, text


def attempt(fn, *args, **kwargs):
    """``fn(...)``'s result, or None after checking the error it raised is a clean one."""
    try:
        return fn(*args, **kwargs)
    except EmbedkitError as exc:
        one_line(exc)
        return None


@pytest.fixture
def file(tmp_path_factory):
    def make(data: bytes | str, name: str = "f.txt"):
        p = tmp_path_factory.mktemp("fuzz") / name
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        return p

    return make


#: Words as vectors files can hold them: any printable Unicode (NFC, as every reader
#: normalises), punctuation and number-like words included; no white space or control
#: character (the field separator and line breaks).
WORD_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Co", "Cn"))
WORDS = (
    st.one_of(
        st.text(WORD_CHARS, min_size=1, max_size=8), st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,3})?", fullmatch=True)
    )
    .map(lambda w: unicodedata.normalize("NFC", w))
    .filter(lambda w: w and not any(ch.isspace() for ch in w) and not w.startswith("#"))
)


def vocabularies(min_dim=1):
    return st.tuples(st.lists(WORDS, min_size=1, max_size=12, unique=True), st.integers(min_dim, 5)).flatmap(
        lambda wd: st.tuples(
            st.just(wd[0]),
            st.lists(
                st.lists(st.floats(-1e3, 1e3, width=32, allow_nan=False), min_size=wd[1], max_size=wd[1]),
                min_size=len(wd[0]),
                max_size=len(wd[0]),
            ),
        )
    )


# -- vectors ---------------------------------------------------------------------------------
@FUZZ
@given(data=st.binary(max_size=300))
def test_vectors_random_bytes(file, data):
    emb = attempt(read_vectors, file(data))
    if emb is not None:
        assert emb.vectors.shape[0] == len(emb.words) > 0 and np.isfinite(emb.vectors).all()


@FUZZ
@given(n=st.integers(0, 4), dim=st.integers(1, 4), body=st.binary(max_size=120))
def test_word2vec_binary_random_body(file, n, dim, body):
    emb = attempt(read_vectors, file(f"{n} {dim}\n".encode() + body), "word2vec-binary")
    if emb is not None:
        assert len(emb) <= n and emb.dim == dim


@FUZZ
@given(
    vocab=vocabularies(min_dim=2),
    header=st.booleans(),
    bom=st.booleans(),
    sep=st.sampled_from([" ", "\t", "  "]),
    end=st.sampled_from(["\n", "\r\n"]),
    trailing=st.sampled_from(["", " ", "\t"]),
    blank=st.booleans(),
)
def test_odd_but_valid_text_vectors_read_back_exactly(file, vocab, header, bom, sep, end, trailing, blank):
    words, rows = vocab
    lines = [f"{w}{sep}{' '.join(repr(v) for v in r)}{trailing}" for w, r in zip(words, rows)]
    text = (BOM if bom else "") + (f"{len(words)} {len(rows[0])}{end}" if header else "")
    text += end.join(lines) + end + (end if blank else "")
    emb = read_vectors(file(text))
    assert emb.words == words
    np.testing.assert_array_equal(emb.vectors, np.array(rows, dtype=np.float32))


@FUZZ
@given(vocab=vocabularies(min_dim=2), fmt=st.sampled_from(["word2vec", "word2vec-binary", "glove"]))
def test_gensim_writes_embedkit_reads(file, vocab, fmt):
    gensim = pytest.importorskip("gensim")
    words, rows = vocab
    kv = gensim.models.KeyedVectors(vector_size=len(rows[0]))
    kv.add_vectors(words, np.array(rows, dtype=np.float32))
    p = file(b"", "g.vec")
    kv.save_word2vec_format(str(p), binary=fmt == "word2vec-binary", write_header=fmt != "glove")
    emb = read_vectors(p)
    assert emb.words == words
    np.testing.assert_array_equal(emb.vectors, np.array(rows, dtype=np.float32))


@FUZZ
@given(vocab=vocabularies(min_dim=2), fmt=st.sampled_from(["word2vec", "word2vec-binary", "glove"]))
def test_embedkit_writes_gensim_reads(file, vocab, fmt):
    gensim = pytest.importorskip("gensim")
    words, rows = vocab
    x = np.array(rows, dtype=np.float32)
    p = file(b"", "e.vec")
    Embedding(words, x).export(p, fmt)
    kv = gensim.models.KeyedVectors.load_word2vec_format(
        str(p), binary=fmt == "word2vec-binary", no_header=fmt == "glove"
    )
    assert list(kv.index_to_key) == words
    np.testing.assert_allclose(kv.vectors, x, rtol=1e-5, atol=1e-30)
    back = read_vectors(p)  # and embedkit reads its own export
    assert back.words == words


# -- corpora ---------------------------------------------------------------------------------
@FUZZ
@given(data=st.binary(max_size=300))
def test_corpus_random_bytes_through_the_cli(cli, file, data):
    r = cli("vocab", file(data), "--min-count", "1")
    if r.exit_code:
        err = r.stderr.strip()
        assert r.exit_code in (3, 4) and len(err.splitlines()) == 1 and err.startswith("embedkit: error: "), err


@FUZZ
@given(
    lines=st.lists(st.lists(st.text(st.characters(whitelist_categories=("Ll", "Lu", "Lo")), min_size=1), max_size=5)),
    bom=st.booleans(),
    end=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_corpus_odd_but_valid_tokens(file, lines, bom, end):
    assume(lines)
    text = (BOM if bom else "") + end.join(" ".join(words) for words in lines) + end
    tok = Tokenizer(None, lowercase=False)
    got = [tok.tokenize(line) for block in read_blocks(str(file(text))) for line in block.split("\n")[:-1]]
    want = [tok.tokenize(unicodedata.normalize("NFC", " ".join(words))) for words in lines]
    assert got == want


# -- edge lists ------------------------------------------------------------------------------
@FUZZ
@given(data=st.binary(max_size=300))
def test_edge_list_random_bytes(file, data):
    g = attempt(read_edges, str(file(data)))
    if g is not None:
        assert g.n == len(g.nodes) > 0


ID_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Co", "Cn"), blacklist_characters=",;|#")


@FUZZ
@given(
    ids=st.one_of(
        st.lists(st.text(ID_CHARS, min_size=1, max_size=6).filter(lambda s: not any(c.isspace() for c in s)
                 and not s[0].isdigit() and s.lower() not in ("source", "target", "src", "dst", "from", "to")
                 and not s.startswith('"')),  # a field that starts with a quote is CSV-quoted
                 min_size=2, max_size=8, unique=True),
        st.lists(st.integers(0, 10**6).map(str), min_size=2, max_size=8, unique=True),
    ),
    data=st.data(),
    sep=st.sampled_from([",", "\t", " ", ", "]),
    bom=st.booleans(),
    end=st.sampled_from(["\n", "\r\n"]),
)  # fmt: skip
def test_odd_but_valid_edge_lists_keep_every_id(file, ids, data, sep, bom, end):
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), min_size=1, max_size=15))
    pairs = [(a, b) for a, b in pairs if a != b]
    assume(pairs)
    text = (BOM if bom else "") + end.join(f"{a}{sep}{b}" for a, b in pairs) + end
    g = read_edges(str(file(text)))
    # every id, in NFC as every text is read (U+2F800 "丽" is U+4E3D there)
    assert sorted(g.nodes) == sorted({unicodedata.normalize("NFC", x) for p in pairs for x in p})
    assert g.n_edges == len({frozenset(p) for p in pairs})


# -- labels and word pairs -------------------------------------------------------------------
@FUZZ
@given(data=st.binary(max_size=300))
def test_labels_and_pairs_random_bytes(file, data):
    p = file(data)
    labels = attempt(read_node_labels, str(p))
    if labels is not None:
        assert labels and all(labels.values())
    pairs = attempt(read_similarity_pairs, str(p))
    if pairs is not None:
        assert pairs and all(np.isfinite(s) for _, _, s in pairs)


#: ids and labels read back in NFC, as every text (U+1F71 "ά" is U+03AC there)
LABEL = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=5).map(
    lambda w: unicodedata.normalize("NFC", w)
)


@FUZZ
@given(
    table=st.dictionaries(LABEL, st.lists(LABEL, min_size=1, max_size=3, unique=True), min_size=1, max_size=6),
    layout=st.sampled_from(["tab-commas", "lines", "csv"]),
    bom=st.booleans(),
)
def test_odd_but_valid_label_files(file, table, layout, bom):
    assume(not any(n.lower() in ("node", "id", "node_id") for n in table))
    if layout == "tab-commas":
        rows = [f"{n}\t{','.join(ls)}" for n, ls in table.items()]
    elif layout == "csv":
        rows = ["node,label"] + [f"{n},{','.join(ls)}" for n, ls in table.items()]
    else:
        rows = [f"{n},{label}" for n, ls in table.items() for label in ls]
    assert read_node_labels(str(file((BOM if bom else "") + "\r\n".join(rows) + "\n"))) == table


@FUZZ
@given(
    pairs=st.lists(st.tuples(WORDS, WORDS, st.floats(0, 10, allow_nan=False).map(lambda x: round(x, 2))), min_size=1),
    sep=st.sampled_from([",", ", ", "\t", " "]),
    header=st.booleans(),
    bom=st.booleans(),
)
def test_odd_but_valid_word_pair_files(file, pairs, sep, header, bom):
    assume(all("," not in a + b and '"' not in a + b for a, b, _ in pairs))
    head = f"Word 1{sep}Word 2{sep}Human (mean)\n" if header and sep != " " else ""
    text = (BOM if bom else "") + head + "".join(f"{a}{sep}{b}{sep}{s}\n" for a, b, s in pairs)
    assert read_similarity_pairs(str(file(text))) == pairs
