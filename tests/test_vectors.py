import json

import numpy as np
import pytest

from embedkit.errors import DataError, InputError, UnknownWordError
from embedkit.vectors import Embedding

from .conftest import one_line_error, toy_embedding


@pytest.fixture
def tiny():
    return toy_embedding([50, 40, 30, 20, 10], {"kind": "words", "dim": 3})


def test_similarity_and_neighbours_by_hand(tiny):
    # cos(king, man) = (0+1+0) / (sqrt 2 * sqrt 1.01)
    assert tiny.similarity("king", "man") == pytest.approx(1 / (np.sqrt(2) * np.sqrt(1.01)), rel=1e-6)
    top = tiny.most_similar("king", topn=2)
    assert [w for w, _ in top] == ["man", "queen"]
    assert top[1][1] == pytest.approx(0.0, abs=1e-7)
    # positive / negative: king - man + woman points at queen
    assert tiny.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "queen"


def test_unknown_word_suggests_close_spellings(tiny):
    with pytest.raises(UnknownWordError, match=r"'kinq' is not in the vocabulary .*did you mean 'king'"):
        tiny.most_similar("kinq")
    with pytest.raises(UnknownWordError, match=r"did you mean 'queen'"):
        tiny["Queen"]


def test_save_load_round_trip_memory_maps(tmp_path, tiny):
    p = tmp_path / "m.ekm"
    tiny.save(p)
    back = Embedding.load(p)
    assert isinstance(back.vectors, np.memmap)
    assert back.words == tiny.words
    np.testing.assert_array_equal(back.vectors, tiny.vectors)
    assert back.counts.tolist() == [50, 40, 30, 20, 10]
    assert back.params == {"kind": "words", "dim": 3}
    assert not list(tmp_path.glob("*.part"))


def test_truncated_and_foreign_files_are_refused(tmp_path, tiny):
    p = tmp_path / "m.ekm"
    tiny.save(p)
    data = p.read_bytes()
    (tmp_path / "cut.ekm").write_bytes(data[:-10])
    with pytest.raises(InputError, match="truncated or corrupt"):
        Embedding.load(tmp_path / "cut.ekm")
    (tmp_path / "other.ekm").write_text("3 2\na 1 2\n")
    with pytest.raises(InputError, match="not an embedkit model"):
        Embedding.load(tmp_path / "other.ekm")


def test_word2vec_files_load_in_gensim(tmp_path, tiny):
    gensim = pytest.importorskip("gensim")
    for fmt, binary in [("word2vec", False), ("word2vec-binary", True)]:
        p = tmp_path / f"v.{fmt}"
        tiny.export(p, fmt)
        kv = gensim.models.KeyedVectors.load_word2vec_format(str(p), binary=binary)
        assert list(kv.index_to_key) == tiny.words
        np.testing.assert_allclose(kv.vectors, tiny.vectors, rtol=1e-5)
        assert kv.most_similar("king", topn=1)[0][0] == "man"


def test_glove_and_npy_exports(tmp_path, tiny):
    tiny.export(tmp_path / "g.txt", "glove")
    lines = (tmp_path / "g.txt").read_text().splitlines()
    assert len(lines) == 5 and lines[0].split()[0] == "king"
    np.testing.assert_allclose([float(x) for x in lines[1].split()[1:]], [1, -1, 0])
    tiny.export(tmp_path / "v.npy", "npy")
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), tiny.vectors)
    assert (tmp_path / "v.words.txt").read_text().split() == tiny.words


def test_vectors_written_by_gensim_read_back(tmp_path, tiny):
    gensim = pytest.importorskip("gensim")
    from embedkit.formats import detect_format, read_vectors

    kv = gensim.models.KeyedVectors(vector_size=3)
    kv.add_vectors(tiny.words, tiny.vectors)
    for binary, fmt in [(False, "word2vec"), (True, "word2vec-binary")]:
        p = tmp_path / f"g.{fmt}"
        kv.save_word2vec_format(str(p), binary=binary)
        assert detect_format(p) == fmt
        emb = read_vectors(p)
        assert emb.words == tiny.words
        np.testing.assert_allclose(emb.vectors, tiny.vectors, rtol=1e-6)
        assert emb.most_similar("king", topn=1)[0][0] == "man"


def test_glove_text_is_detected_and_read(tmp_path, tiny):
    from embedkit.formats import detect_format, read_vectors

    tiny.export(tmp_path / "g.txt", "glove")
    assert detect_format(tmp_path / "g.txt") == "glove"
    emb = read_vectors(tmp_path / "g.txt")
    assert emb.words == tiny.words and emb.counts is None
    np.testing.assert_allclose(emb.vectors, tiny.vectors, rtol=1e-6)
    tiny.save(tmp_path / "m.ekm")
    assert detect_format(tmp_path / "m.ekm") == "embedkit"


def test_bad_vector_files_name_the_line(tmp_path):
    from embedkit.formats import read_vectors

    (tmp_path / "bad.txt").write_text("a 1 2 3\nb 1 x 3\n")
    with pytest.raises(InputError, match="bad.txt, line 2: 'x' is not a number \\(word 'b'\\)"):
        read_vectors(tmp_path / "bad.txt")
    (tmp_path / "short.w2v").write_text("3 2\na 1 2\nb 3 4\n")
    with pytest.raises(InputError, match="the header says 3 vectors, the file has 2"):
        read_vectors(tmp_path / "short.w2v")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(InputError, match="empty"):
        read_vectors(tmp_path / "empty.txt")
    (tmp_path / "blob.bin").write_bytes(b"\x00\xff\x10binary")
    with pytest.raises(InputError, match="not a model file"):
        read_vectors(tmp_path / "blob.bin")


def test_import_keeps_gensim_counts(cli, tmp_path, tiny):
    gensim = pytest.importorskip("gensim")
    from embedkit.formats import read_vectors

    kv = gensim.models.KeyedVectors(vector_size=3)
    kv.add_vectors(tiny.words, tiny.vectors)
    for w, c in zip(tiny.words, [50, 40, 30, 20, 10]):
        kv.set_vecattr(w, "count", c)
    kv.save_word2vec_format(str(tmp_path / "v.bin"), fvocab=str(tmp_path / "vocab.txt"), binary=True)
    r = cli("import", tmp_path / "v.bin", "--counts", tmp_path / "vocab.txt", "-o", tmp_path / "m.ekm", "-q")
    assert r.exit_code == 0, r.stderr
    emb = read_vectors(tmp_path / "m.ekm")
    assert emb.words == tiny.words and emb.counts.tolist() == [50, 40, 30, 20, 10]


@pytest.mark.parametrize(
    "word, fmt, needle",
    [
        ("new\nyork", "npy", "line break"),  # .words.txt would hold 4 lines for 3 rows
        ("new\u2028york", "npy", "line break"),  # a line break to str.splitlines
        ("", "npy", "an empty word"),
        ("", "word2vec", "an empty word"),
        ("new york", "glove", "contains white space"),
    ],
)
def test_export_refuses_a_word_its_files_cannot_hold(tmp_path, word, fmt, needle):
    emb = Embedding([word, "b", "c"], np.eye(3, dtype=np.float32), None, {})
    with pytest.raises(DataError, match=needle):
        emb.export(tmp_path / "v.npy", fmt)
    assert list(tmp_path.iterdir()) == []


def test_npy_export_keeps_a_word_with_spaces_one_a_line(tmp_path):
    words = ["new york", "a\tb", "\u00a0", "東京"]
    emb = Embedding(words, np.arange(8, dtype=np.float32).reshape(4, 2), None, {})
    emb.export(tmp_path / "v.npy", "npy")
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), emb.vectors)
    assert (tmp_path / "v.words.txt").read_text(encoding="utf-8").splitlines() == words


@pytest.mark.parametrize("sep", [" ", "\t"])
def test_glove_file_with_a_row_of_column_names_reads_its_vectors(tmp_path, sep):
    """A table of vectors saved from a spreadsheet or a data frame starts with its column
    names; it was 'not a model file'.  The names row is skipped, and only such a row: a row
    of numbers is a vector, and names above rows of another width are still refused."""
    from embedkit.formats import detect_format, read_vectors

    rows = ["cat 0.1 0.2 0.3", "dog 0.2 0.1 0.3", "emu 0.3 0.3 0.1"]
    p = tmp_path / "v.txt"
    body = "\n".join(r.replace(" ", sep) for r in rows) + "\n"
    p.write_text("\ufeff" + sep.join(["word", "d1", "d2", "d3"]) + "\n" + body, encoding="utf-8")
    assert detect_format(p) == "glove"
    emb = read_vectors(p)
    assert emb.words == ["cat", "dog", "emu"]
    np.testing.assert_allclose(emb.vectors, [[0.1, 0.2, 0.3], [0.2, 0.1, 0.3], [0.3, 0.3, 0.1]], rtol=1e-6)
    p.write_text("word d1 d2\n" + "\n".join(rows) + "\n")  # two names for three values
    with pytest.raises(InputError, match="not a model file"):
        read_vectors(p)
    p.write_text("\n".join(["word d1 d2 d3", "cat 0.1 0.2 oops", *rows[1:]]) + "\n")
    with pytest.raises(InputError, match="not a model file"):
        read_vectors(p)


@pytest.mark.parametrize("names", ["word 0 1 2", " 0 1 2", "\t0\t1\t2"])
def test_a_data_frames_default_column_names_are_a_names_row(tmp_path, names):
    """pandas names columns 0, 1, 2 … and writes nothing above an unnamed index
    (``DataFrame.to_csv(sep=" ")``): 'word 0 1 2' was read as the vector (0, 1, 2) of the
    word 'word', and ' 0 1 2' as a row of two values ('line 2 has 3 values').  A row of
    whole numbers (a toy file) is still a vector."""
    from embedkit.formats import read_vectors

    def write(path, text):
        path.write_text(text, encoding="utf-8")
        return path

    rows = "cat 0.1 0.2 0.3\ndog 0.2 0.1 0.3\n"
    emb = read_vectors(write(tmp_path / "v.txt", names + "\n" + rows))
    assert emb.words == ["cat", "dog"]
    np.testing.assert_allclose(emb["cat"], [0.1, 0.2, 0.3], rtol=1e-6)
    toy = read_vectors(write(tmp_path / "toy.txt", "a 0 1 2\nb 3 4 5\n"))
    assert toy.words == ["a", "b"] and toy["a"].tolist() == [0, 1, 2]
    assert read_vectors(write(tmp_path / "two.txt", "a 0 1\nb 0.5 4\n")).words == ["a", "b"]  # 2 dims: a row


def test_npy_export_imports_back_with_its_words(cli, tmp_path, monkeypatch):
    """export --format npy is read back (import, --model) from the .npy and the
    .words.txt beside it: the same words (spaces and all), the same float32 rows."""
    monkeypatch.setenv("EMBEDKIT_CACHE_DIR", str(tmp_path / "cache"))
    words = ["cat", "new york", "東京", "dog"]
    vectors = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.8, 0.2, 0.1]], dtype=np.float32)
    emb = Embedding(words, vectors, np.array([9, 7, 5, 3]), {})
    emb.export(tmp_path / "v.npy", "npy", counts_path=None)
    r = cli("neighbors", "cat", "-m", tmp_path / "v.npy", "-k", "1", "--tsv")
    assert r.exit_code == 0 and r.stdout.splitlines()[1].split("\t")[1] == "new york"
    assert not (tmp_path / "cache").exists()  # its words are another file: never cached
    out = tmp_path / "back.ekm"
    assert cli("import", tmp_path / "v.npy", "-o", out, "-q").exit_code == 0
    back = Embedding.load(out)
    assert back.words == words and np.array_equal(back.vectors, vectors)


@pytest.mark.parametrize(
    "array, words, needles",
    [
        (np.ones((3, 2)), None, ["v.npy: a NumPy array without its words", "v.words.txt"]),
        (np.ones((3, 2)), "a\nb\n", ["v.words.txt has 2 words for the 3 rows of", "v.npy"]),
        (np.ones((3, 2)), "a\n\nc\n", ["v.words.txt, line 2: the word is empty"]),
        (np.ones(3), "a\nb\nc\n", ["v.npy: expected a words × dimensions array", "(3,)"]),
        (np.array([[1.0, 2.0], [np.nan, 1.0]]), "a\nb\n", ["v.npy, row 2: word 'b' has a non-finite value"]),
        (np.array([[1.0, 2.0], [1e39, 1.0]]), "a\nb\n", ["v.npy, row 2: word 'b' has a value too large for float32"]),
    ],
)
def test_a_bad_npy_of_vectors_is_one_line(cli, tmp_path, array, words, needles):
    np.save(tmp_path / "v.npy", array)
    if words is not None:
        (tmp_path / "v.words.txt").write_text(words)
    one_line_error(cli("import", tmp_path / "v.npy", "-o", tmp_path / "m.ekm"), *needles, code=3)
    assert not (tmp_path / "m.ekm").exists()


def test_a_table_in_npy_is_still_a_table_for_pca(cli, tmp_path):
    x = np.random.default_rng(0).standard_normal((20, 4))
    np.save(tmp_path / "t.npy", x)
    r = cli("pca", tmp_path / "t.npy", "--dim", "2", "--json")
    assert r.exit_code == 0, r.stderr
    s = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
    assert [row["singular_value"] for row in json.loads(r.stdout)] == pytest.approx(s, rel=1e-6)


def test_a_fasttext_bin_model_is_named_with_the_file_to_read_instead(cli, tmp_path):
    # fastText's .bin starts with its magic number and version, then the model's arguments
    p = tmp_path / "cc.en.300.bin"
    p.write_bytes((793712314).to_bytes(4, "little") + (12).to_bytes(4, "little") + bytes(range(200)))
    one_line_error(cli("info", p), "cc.en.300.bin", "a fastText .bin model", ".vec", code=3)
