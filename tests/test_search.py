"""Batch neighbour search (exact, blocked products) and the approximate index (embedkit/ann.py)
on small generated clustered models, against brute force computed here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from embedkit import ann, kernels
from embedkit import vectors as vec
from embedkit.errors import InputError
from embedkit.vectors import Embedding

from .conftest import load_benchmark, one_line_error

gv = load_benchmark("gen_vectors")

N, DIM = 3000, 32


@pytest.fixture(scope="module")
def clustered() -> Embedding:
    return Embedding(gv.words(0, N), gv.vectors(N, DIM, seed=3), gv.counts(N), {"kind": "words"})


@pytest.fixture
def model(tmp_path, clustered) -> Path:
    p = tmp_path / "c.ekm"
    clustered.save(p)
    return p


def brute(emb: Embedding, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k by a full float64 sort, the query row left out."""
    v = np.asarray(emb.vectors, np.float64)
    u = v / np.linalg.norm(v, axis=1, keepdims=True)
    s = u[rows] @ u.T
    s[np.arange(len(rows)), rows] = -np.inf
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(s, order, 1)


def assert_same_top(ids, scores, ref_ids, ref_scores, emb_scores=None):
    """The same answers up to near-ties: equal cosines rank by rank, and every id returned
    has the cosine it is reported with."""
    np.testing.assert_allclose(scores, ref_scores, atol=2e-6)
    assert (np.asarray(ids) == ref_ids).mean() > 0.99  # only near-ties (< 2e-6) may swap


def test_batch_neighbors_match_brute_force(clustered):
    rows = np.random.default_rng(0).choice(N, 200, replace=False)
    words = [clustered.words[i] for i in rows]
    found, unknown = clustered.neighbors(words, topn=10)
    assert unknown == []
    ids = np.array([clustered.index[n] for _, n, _ in found]).reshape(200, 10)
    scores = np.array([s for _, _, s in found]).reshape(200, 10)
    ref_ids, ref_scores = brute(clustered, rows, 10)
    assert_same_top(ids, scores, ref_ids, ref_scores)
    assert not np.any(ids == rows[:, None])  # never the word itself


def test_batch_equals_one_at_a_time(clustered):
    words = [clustered.words[i] for i in range(0, N, 97)]
    found, _ = clustered.neighbors(words, topn=5)
    batch = {q: [] for q in words}
    for q, n, s in found:
        batch[q].append((n, s))
    for q in words:
        single = clustered.most_similar(q, topn=5)
        assert [n for n, _ in single] == [n for n, _ in batch[q]]
        np.testing.assert_allclose([s for _, s in single], [s for _, s in batch[q]], atol=1e-6)


def test_small_blocks_give_the_same_answers(clustered, monkeypatch):
    rows = np.arange(0, N, 7)
    q = clustered.query_vectors([clustered.words[i] for i in rows])[0]
    ids, scores = clustered.search(q, 8, rows[:, None])
    monkeypatch.setattr(vec, "SEARCH_BLOCK", 1 << 10)  # many row blocks
    monkeypatch.setattr(vec, "QUERY_CHUNK", 37)  # and many query chunks
    ids2, scores2 = clustered.search(q, 8, rows[:, None])
    np.testing.assert_array_equal(ids, ids2)
    np.testing.assert_allclose(scores, scores2, atol=1e-6)


def test_restrict_and_padding():
    emb = Embedding(["a", "b", "c"], np.array([[1, 0], [1, 1], [0, 1]], np.float32))
    ids, scores = emb.search(np.array([[1, 0]], np.float32), topn=5, exclude=np.array([[0]]))
    assert ids.tolist() == [[1, 2, -1, -1, -1]]
    assert scores[0, 0] == pytest.approx(np.sqrt(0.5)) and scores[0, 1] == pytest.approx(0.0)
    assert np.isneginf(scores[0, 2:]).all()
    assert [w for w, _ in emb.most_similar("a", topn=5, restrict_vocab=2)] == ["b"]


def test_merge_kernel_equals_numpy_reference():
    rng = np.random.default_rng(1)
    q, k = 13, 6
    tops = [(np.full((q, k), -np.inf, np.float32), np.full((q, k), -1, np.int64)) for _ in range(2)]
    for r0 in range(0, 500, 100):
        block = rng.standard_normal((q, 100)).astype(np.float32)
        block[0, :50] = np.nan  # NaN never enters
        block[1, :] = -np.inf
        scale = rng.uniform(0.5, 2, 100).astype(np.float32)
        kernels.merge_top(block, scale, r0, *tops[0])
        vec._merge_top_numpy(block, scale, r0, *tops[1])
    np.testing.assert_array_equal(tops[0][1], tops[1][1])
    np.testing.assert_array_equal(tops[0][0], tops[1][0])
    assert (tops[0][1][1] == -1).all()  # a query with only −inf scores has no answer
    assert not np.isnan(tops[0][0]).any()


def test_analogies_batch_equals_single(clustered):
    qs = [tuple(clustered.words[i] for i in (j, j + 1, j + 2)) for j in range(0, 300, 30)]
    questions = qs[:3] + [("w00000001", "nosuchword", "w00000002")] + qs[3:]
    for method in ("3cosmul", "3cosadd"):
        answers, unknown = clustered.analogies(questions, method=method, topn=4)
        assert answers[3] is None and len(unknown) == 1 and "nosuchword" in unknown[0]
        for question, got in zip(questions, answers):
            if got is None:
                continue
            single = clustered.analogy(*question, method=method, topn=4)
            assert [w for w, _ in got] == [w for w, _ in single]
            assert not set(question) & {w for w, _ in got}


def test_subword_query_batch_equals_single(clustered):
    # a word outside the vocabulary, built from its character n-grams, answers in the batch
    # as it does alone (and, having no row, excludes nothing)
    emb = clustered.with_subwords()
    words = ["w00000012", "w0000001x", "w00000077"]
    found, unknown = emb.neighbors(words, topn=3)
    assert unknown == []
    got = [n for q, n, _ in found if q == "w0000001x"]
    assert got == [n for n, _ in emb.most_similar("w0000001x", topn=3)]


# -- the command line ------------------------------------------------------------------------
def test_cli_neighbors_stdin_batch(cli, model, clustered):
    words = ["w00000003", "nosuchword", "w00000010"]
    r = cli("neighbors", "-", "-m", model, "-k", "3", "--tsv", input="\n".join(words) + "\n")
    assert r.exit_code == 0
    lines = r.stdout.strip().splitlines()[1:]
    assert [ln.split("\t")[0] for ln in lines] == ["w00000003"] * 3 + ["w00000010"] * 3
    assert [ln.split("\t")[1] for ln in lines[:3]] == [n for n, _ in clustered.most_similar("w00000003", topn=3)]
    assert r.stderr.count("nosuchword") == 1 and "is not in the vocabulary" in r.stderr


def test_cli_all_unknown_is_exit_5(cli, model):
    one_line_error(cli("neighbors", "-", "-m", model, input="zzz\nyyy\n"), "zzz", "yyy", code=5)


def test_cli_analogy_stdin(cli, model, clustered):
    text = "w00000001 w00000002 w00000003\n\nw00000004 nosuchword w00000006\nw00000007 w00000008 w00000009\n"
    r = cli("analogy", "-", "-m", model, "-k", "2", "--tsv", input=text)
    assert r.exit_code == 0
    rows = [ln.split("\t") for ln in r.stdout.strip().splitlines()[1:]]
    assert [row[0] for row in rows] == ["w00000001"] * 2 + ["w00000007"] * 2
    assert [row[4] for row in rows[:2]] == [
        w for w, _ in clustered.analogy("w00000001", "w00000002", "w00000003", topn=2)
    ]
    assert "nosuchword" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_analogy_bad_line(cli, model):
    one_line_error(cli("analogy", "-", "-m", model, input="a b c\nonly two\n"), "line 2", "three words", code=3)
    one_line_error(cli("analogy", "w00000001", "-m", model), "three words", code=2)


def test_cli_analogy_stdin_reads_questions_as_evaluate_analogy_reads_files(cli, model):
    """Commas or TABs between the words, ':' headers and '#' comments: the layouts an
    `evaluate analogy` file may have are questions on stdin too, with the same answers."""
    plain = "w00000001 w00000002 w00000003\nw00000007 w00000008 w00000009\n"
    spaced = cli("analogy", "-", "-m", model, "-k", "2", "--tsv", input=plain)
    assert spaced.exit_code == 0
    for text in (
        "w00000001,w00000002,w00000003\nw00000007, w00000008, w00000009\n",
        ": a section\n# a comment\nw00000001\tw00000002\tw00000003\nw00000007\tw00000008\tw00000009\n",
        # questions typed one way, then another: each line that does not split as the first
        # is split as it is written (the second was 'not three words')
        "w00000001, w00000002, w00000003\nw00000007\tw00000008\tw00000009\n",
        "w00000001 w00000002 w00000003\nw00000007,w00000008,w00000009\n",
    ):
        r = cli("analogy", "-", "-m", model, "-k", "2", "--tsv", input=text)
        assert r.exit_code == 0, r.stderr
        assert r.stdout == spaced.stdout
    one_line_error(cli("analogy", "-", "-m", model, input="a,b,c\na,b\n"), "line 2", "three words", code=3)
    one_line_error(cli("analogy", "-", "-m", model, input="\n# nothing\n"), "no analogy questions", code=3)


# -- the approximate index -------------------------------------------------------------------
needs_faiss = pytest.mark.skipif(
    importlib.util.find_spec("faiss") is None, reason="the ANN extra (faiss-cpu) is not installed"
)


@needs_faiss
def test_index_recall_on_clustered(model, clustered):
    ann.build_index(clustered, model)
    index = ann.load_index(model, clustered)
    rows = np.arange(0, N, 3)
    words = [clustered.words[i] for i in rows]
    found, _ = clustered.neighbors(words, topn=10, index=index)
    ids = np.array([clustered.index[n] for _, n, _ in found]).reshape(len(rows), 10)
    ref_ids, _ = brute(clustered, rows, 10)
    hits = sum(len(set(a) & set(b)) for a, b in zip(ids.tolist(), ref_ids.tolist()))
    assert hits / ref_ids.size >= 0.95
    assert not np.any(ids == rows[:, None])
    # the scores are the exact cosines of the neighbours found
    v = np.asarray(clustered.vectors, np.float64)
    u = v / np.linalg.norm(v, axis=1, keepdims=True)
    exact = np.einsum("qd,qkd->qk", u[rows], u[ids])
    np.testing.assert_allclose([s for _, _, s in found], exact.ravel(), atol=1e-5)


def _spy(monkeypatch) -> list:
    calls = []
    search = ann.AnnIndex.search

    def spy(self, queries, k):
        calls.append(len(queries))
        return search(self, queries, k)

    monkeypatch.setattr(ann.AnnIndex, "search", spy)
    return calls


@needs_faiss
def test_cli_index_then_neighbors_uses_it(cli, model, monkeypatch):
    r = cli("index", model)
    assert r.exit_code == 0 and ann.index_path(model).exists()
    assert "c.ekm.index" in r.stderr
    calls = _spy(monkeypatch)
    approx = cli("neighbors", "w00000005", "w00000006", "-m", model, "--tsv")
    assert approx.exit_code == 0 and calls == [2]
    exact = cli("neighbors", "w00000005", "w00000006", "-m", model, "--tsv", "--exact")
    assert exact.exit_code == 0 and calls == [2]  # --exact does not ask the index
    assert len(approx.stdout.splitlines()) == len(exact.stdout.splitlines()) == 21
    before = ann.index_path(model).read_bytes()
    kept = cli("index", model, "--no-clobber", "--lists", "8")
    assert kept.exit_code == 6 and "exists; not overwritten (--no-clobber)" in kept.stderr
    assert ann.index_path(model).read_bytes() == before


@needs_faiss
def test_stale_index_is_ignored_with_one_warning(cli, model, clustered, monkeypatch):
    assert cli("index", model).exit_code == 0
    changed = Embedding(clustered.words, np.asarray(clustered.vectors)[::-1].copy(), clustered.counts)
    changed.save(model)  # same words and shape, other vectors
    with pytest.raises(ann.StaleIndexError):
        ann.load_index(model, changed)
    calls = _spy(monkeypatch)
    r = cli("neighbors", "w00000005", "-m", model, "--tsv", "-k", "3")
    assert r.exit_code == 0 and calls == []
    assert r.stderr.strip().count("\n") == 0 and "c.ekm.index was built before c.ekm last changed" in r.stderr
    assert [ln.split("\t")[1] for ln in r.stdout.splitlines()[1:]] == [
        n for n, _ in changed.most_similar("w00000005", topn=3)
    ]


@needs_faiss
def test_damaged_index_is_ignored_with_one_warning(cli, model):
    ann.index_path(model).write_bytes(b"EKINDEX\0" + b"\0" * 100)
    r = cli("neighbors", "w00000005", "-m", model, "--tsv")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 11
    assert "embedkit: warning:" in r.stderr and "c.ekm.index" in r.stderr
    # a well-formed header over damaged index bytes: the library's parse fails, one warning
    r = cli("index", model, "-q")
    assert r.exit_code == 0 and r.stderr == ""
    damaged = bytearray(ann.index_path(model).read_bytes())
    damaged[64:128] = bytes(b ^ 0x5A for b in damaged[64:128])
    ann.index_path(model).write_bytes(bytes(damaged))
    r = cli("neighbors", "w00000005", "-m", model, "--tsv")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 11
    assert r.stderr.count("\n") == 1 and "index file is corrupt" in r.stderr and "answering exactly" in r.stderr


@needs_faiss
def test_a_small_model_is_indexed_quietly_on_all_its_rows(cli, tmp_path):
    small = Embedding(gv.words(0, 300), gv.vectors(300, 20, seed=5), gv.counts(300), {"kind": "words"})
    small.save(tmp_path / "s.ekm")
    r = cli("index", tmp_path / "s.ekm", "-q")  # faiss would warn 20 times about too few rows
    assert r.exit_code == 0 and r.stderr == ""
    index = ann.load_index(tmp_path / "s.ekm", small)
    words = small.words[:50]
    approx, _ = small.neighbors(words, 5, index=index)
    exact, _ = small.neighbors(words, 5)
    assert len({(q, n) for q, n, _ in approx} & {(q, n) for q, n, _ in exact}) >= 0.9 * len(exact)


def test_index_bad_input(cli, tmp_path):
    one_line_error(cli("index", tmp_path / "missing.ekm"), "missing.ekm", code=3)
    text = tmp_path / "notes.txt"
    text.write_text("just some words\n")
    one_line_error(cli("index", text), "notes.txt", "not a model", code=3)
    assert not ann.index_path(text).exists()


def test_index_without_the_extra(cli, model, monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # import → ImportError
    r = cli("index", model)
    one_line_error(r, "pip install 'embedkit[ann]'", code=1)
    assert not ann.index_path(model).exists()


@needs_faiss
def test_index_of_a_word2vec_file_sits_beside_it(cli, tmp_path, clustered, monkeypatch):
    monkeypatch.setenv("EMBEDKIT_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "v.bin"
    clustered.export(path, "word2vec-binary")
    assert cli("index", path).exit_code == 0
    assert (tmp_path / "v.bin.index").exists()
    calls = _spy(monkeypatch)
    r = cli("neighbors", "w00000005", "-m", path, "--tsv")
    assert r.exit_code == 0 and calls == [1]


def test_merge_ties_go_to_the_lower_row_in_both_routes():
    # duplicate rows score the same: both routes keep the first ones, in row order
    scores = np.array([[0.5, 0.9, 0.5, 0.9, 0.5, 0.1]], np.float32)
    for merge in (kernels.merge_top, vec._merge_top_numpy):
        top = (np.full((1, 3), -np.inf, np.float32), np.full((1, 3), -1, np.int64))
        merge(scores[:, :3], np.ones(3, np.float32), 0, *top)
        merge(scores[:, 3:], np.ones(3, np.float32), 3, *top)
        assert top[1].tolist() == [[1, 3, 0]]


def test_large_vocabulary_scans_for_a_few_queries(clustered, monkeypatch):
    # a big vocabulary answers a few look-ups without building its word → row dictionary
    monkeypatch.setattr(vec, "_SCAN_BELOW_WORDS", 100)
    emb = Embedding(clustered.words, clustered.vectors)
    found, unknown = emb.neighbors(["w00000042", "nope"], topn=4)
    assert emb._index is None and unknown == ["nope"]
    assert [n for _, n, _ in found] == [n for n, _ in clustered.most_similar("w00000042", topn=4)]
    assert emb.id("w00000043") == 43


def test_row_norms_are_stored_in_the_model_file(model, clustered):
    loaded = Embedding.load(model)
    assert loaded._norms is not None  # read from the file, not recomputed from the vectors
    np.testing.assert_allclose(loaded.row_norms, np.linalg.norm(np.asarray(clustered.vectors), axis=1), rtol=1e-6)
    # without stored norms (a file from before them, or vectors in memory) they are computed on use
    old = Embedding(clustered.words, np.asarray(clustered.vectors))
    np.testing.assert_array_equal(old.row_norms, loaded.row_norms)


def test_large_model_route_scales_scores_and_gives_the_same_answers(clustered, monkeypatch):
    # above _UNIT_ROWS_UP_TO the dot products are scaled by 1/|x| in the top-k pass instead of
    # the rows before the products: the same neighbours (up to near-ties), batch and single
    monkeypatch.setattr(vec, "_UNIT_ROWS_UP_TO", 0)
    rows = np.random.default_rng(2).choice(N, 100, replace=False)
    words = [clustered.words[i] for i in rows]
    found, _ = clustered.neighbors(words, topn=10)
    ids = np.array([clustered.index[n] for _, n, _ in found]).reshape(100, 10)
    scores = np.array([s for _, _, s in found]).reshape(100, 10)
    assert_same_top(ids, scores, *brute(clustered, rows, 10))
    assert [n for n, _ in clustered.most_similar(words[0], topn=10)] == [clustered.words[i] for i in ids[0]]


def test_loaded_model_keeps_its_words_as_bytes_until_listed(model, clustered):
    # one query on a loaded model looks its word up and names its answers from the file's
    # bytes; the list of words (and the word → row dictionary) is made only when asked for
    emb = Embedding.load(model)
    found, unknown = emb.neighbors(["w00000042", "w0000004", "nope", "w00002999", "w00000000"], topn=5)
    assert emb._words is None and emb._index is None
    assert unknown == ["w0000004", "nope"]  # a prefix of a word is not the word
    want = [(q, n) for q in ("w00000042", "w00002999", "w00000000") for n, _ in clustered.most_similar(q, topn=5)]
    assert [(q, n) for q, n, _ in found] == want
    assert emb.id("w00001234") == 1234 and "w00000001" in emb and "w0000000" not in emb
    assert emb.words == clustered.words and len(emb) == N  # the list, made on first use
    assert emb.index["w00002999"] == 2999


def test_stored_words_find_and_name_every_row():
    words = ["ä", "b c", "", "straße", "b", "日本"]
    stored = vec.StoredWords("\n".join(words).encode("utf-8"), len(words))
    assert [stored.word(i) for i in range(len(words))] == words == stored.to_list()
    assert [stored.find(w) for w in words] == list(range(len(words)))
    assert stored.find("b c\nstraße") is None and stored.find("日") is None
    with pytest.raises(ValueError, match="holds 6 words, the header says 5"):
        vec.StoredWords("\n".join(words).encode("utf-8"), 5)
    with pytest.raises(UnicodeDecodeError):
        vec.StoredWords(b"ok\n\xff", 2)


def test_stored_words_rows_of_many_words_match_find():
    # the batch look-up (a sorted 64-bit key of every word, then the word compared) gives
    # find()'s row for every word: duplicates (the first row), multi-byte characters, empty
    # and long words, and words whose keys are equal (they differ only in bytes 8 to 10 of
    # 30, which the key does not read)
    same_key = ["a" * 8 + c + "b" * 21 for c in "xyz"]
    words = ["ä", "b c", "", "straße", "b", "日本", "b", "w" * 40, "w" * 39, *same_key, "x" * 24 + "a", "x" * 24 + "b"]
    stored = vec.StoredWords("\n".join(words).encode("utf-8"), len(words))
    keys = vec._span_keys(np.frombuffer(b"\n".join(w.encode() for w in same_key), np.uint8),
                          np.array([0, 31, 62]), np.array([30, 30, 30]))  # fmt: skip
    assert len(set(keys.tolist())) == 1
    queries = [*words, "nope", "日", "b c\nstraße", "a" * 8 + "q" + "b" * 21, "w" * 41]
    want = [-1 if stored.find(w) is None else stored.find(w) for w in queries]
    assert stored.rows(queries).tolist() == want
    assert want[:9] == [0, 1, 2, 3, 4, 5, 4, 7, 8] and want[9:14] == [9, 10, 11, 12, 13] and set(want[14:]) == {-1}
    assert stored.rows([]).tolist() == []


def test_loaded_model_answers_many_queries_without_the_dictionary(tmp_path):
    # more than _SCANS look-ups on a loaded model go through its stored words at once, with
    # key()'s normalisation (NFC, then the corpus's lower-casing); no word → row dictionary
    words = [f"w{i}" for i in range(40)] + ["café", "straße", "naïve"]
    rng = np.random.default_rng(5)
    Embedding(words, rng.standard_normal((len(words), 8)).astype(np.float32), params={"lowercase": True}).save(
        tmp_path / "m.ekm"
    )
    queries = [f"w{i}" for i in range(0, 40, 2)] + ["Café", "cafe\u0301", "STRASSE", "Straße", "nope", "NAÏVE"]
    loaded = Embedding.load(tmp_path / "m.ekm")
    keys, rows = loaded._keys(queries)
    fresh = Embedding.load(tmp_path / "m.ekm")
    assert keys == [fresh.key(q) for q in queries]
    assert keys[-6:] == ["café", "café", None, "straße", None, "naïve"]
    assert rows == [None if k is None else words.index(k) for k in keys]
    found, unknown = loaded.neighbors(queries, topn=3)
    assert loaded._index is None and unknown == ["STRASSE", "nope"]
    in_memory = Embedding(words, np.asarray(loaded.vectors), params={"lowercase": True})
    assert found == in_memory.neighbors(queries, topn=3)[0]
    np.testing.assert_array_equal(loaded.query_vectors(queries[:3])[0], in_memory.query_vectors(queries[:3])[0])


def test_wide_block_preselection_keeps_the_same_answers_and_ties(monkeypatch):
    # a few queries against a wide block fold in only the scores at or above each query's
    # k-th best of the block: the same top-k as folding every score, ties to the lower row
    rng = np.random.default_rng(4)
    k, b = 5, 4000
    block = np.round(rng.standard_normal((3, b)), 1).astype(np.float32)  # many exact ties
    block[0, 100:200] = np.nan
    scale = rng.uniform(0.5, 2, b).astype(np.float32)
    scale[::2] = 1.0
    block[2, :] = -5.0
    block[2, ::2] = 2.0  # half the scores equal and best: the first rows of them
    tops = []
    for wider in (10**9, 1):  # never preselect, always
        monkeypatch.setattr(vec, "_PRESELECT_WIDER", wider)
        top = (np.full((3, k), -np.inf, np.float32), np.full((3, k), -1, np.int64))
        top[0][:, 0], top[1][:, 0] = 3.0, 7  # an earlier block's best stays first
        vec._merge_top_numpy(block, scale, 100, *top)
        tops.append(top)
    np.testing.assert_array_equal(tops[0][1], tops[1][1])
    np.testing.assert_array_equal(tops[0][0], tops[1][0])
    assert tops[1][1][2].tolist() == [7, 100, 102, 104, 106]
    kernel = (np.full((3, k), -np.inf, np.float32), np.full((3, k), -1, np.int64))
    kernel[0][:, 0], kernel[1][:, 0] = 3.0, 7
    kernels.merge_top(block, scale, 100, *kernel)
    np.testing.assert_array_equal(kernel[1], tops[1][1])


@needs_faiss
def test_index_candidates_are_reranked_exactly(model, clustered, monkeypatch):
    # the index ranks by 4-bit codes; neighbors asks it for `rerank` candidates and scores
    # them against the float32 rows: the answers' cosines are exact, best first, and with
    # every candidate handed over (rerank = all rows) the answers are the exact ones
    ann.build_index(clustered, model, lists=4, probes=4, rerank=N)
    index = ann.load_index(model, clustered)
    asked = []
    search = index.search
    monkeypatch.setattr(index, "search", lambda q, k: asked.append(k) or search(q, k))
    rows = np.arange(0, N, 97)
    words = [clustered.words[i] for i in rows]
    monkeypatch.setattr(vec, "_RESCORE_BLOCK", 1)  # the candidates' rows gathered a query at a time
    found, _ = clustered.neighbors(words, topn=5, index=index)
    assert asked == [N]
    ids = np.array([clustered.index[n] for _, n, _ in found]).reshape(len(rows), 5)
    scores = np.array([s for _, _, s in found]).reshape(len(rows), 5)
    assert_same_top(ids, scores, *brute(clustered, rows, 5))
    # the codes' own estimates are not the cosines: the scores above are not theirs
    _, estimates = index.search(clustered.query_vectors(words)[0], 6)
    assert np.abs(np.sort(estimates, axis=1)[:, ::-1][:, 1:] - scores).max() > 1e-4


@needs_faiss
def test_index_coarse_step_finds_faiss_cells(model, clustered):
    # the cells a query scans are chosen here (a product with the centres, a partition):
    # with a margin that skips none, the same candidates as faiss's own coarse step
    ann.build_index(clustered, model, lists=16, probes=5, margin=10.0)
    index = ann.load_index(model, clustered)
    assert index.margin == 10.0
    q = clustered.query_vectors([clustered.words[i] for i in range(0, N, 7)])[0]

    def faiss_search(probes):
        index._index.nprobe = probes
        scores, ids = index._index.search(q, 20)
        return ids, np.where(ids >= 0, scores, -np.inf)

    def same(got, want):
        np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-5)
        assert (got[0] == want[0]).mean() > 0.99  # only near-ties may swap

    same(index.search(q, 20), faiss_search(5))
    # margin 0 skips every cell but the best: faiss's search of one cell
    index.margin = 0.0
    same(index.search(q, 20), faiss_search(1))
    # a margin between: each query scans its cells within it of its best, no other
    index.margin = 0.05
    coarse = q @ index._centroids.T
    top = np.sort(coarse, axis=1)[:, ::-1][:, :5]
    within = (top >= top[:, :1] - 0.05).sum(1)
    assert 1 < within.mean() < 5  # the test means something: some cells skipped, not all
    ids, _ = index.search(q, 20)
    for j in np.flatnonzero(within < 5)[:5]:
        index._index.nprobe = int(within[j])
        assert set(ids[j][ids[j] >= 0]) == set(index._index.search(q[j : j + 1], 20)[1][0]) - {-1}


@needs_faiss
def test_index_settings_are_stored_and_checked(cli, model, clustered):
    r = cli("index", model, "--lists", "8", "--probes", "3", "--rerank", "40", "--margin", "0.5")
    assert r.exit_code == 0
    index = ann.load_index(model, clustered)
    assert (index.probes, index.rerank, index.margin, index.meta["params"]["lists"]) == (3, 40, 0.5, 8)
    one_line_error(cli("index", model, "--probes", "0"), "--probes", code=2)
    one_line_error(cli("index", model, "--margin", "-0.1"), "--margin", code=2)
    # an index from before the margin existed takes the default
    del index.meta["params"]["margin"]
    assert ann.AnnIndex(index._index, index.meta).margin == ann.DEFAULTS.margin == 0.5
    # an index written by an earlier format (usearch's graph) is refused, and neighbors
    # answers exactly after one warning that says to rebuild it
    data = bytearray(ann.index_path(model).read_bytes())
    data[8:12] = (1).to_bytes(4, "little")
    ann.index_path(model).write_bytes(bytes(data))
    with pytest.raises(InputError, match="index format version 1"):
        ann.load_index(model, clustered)
    r = cli("neighbors", "w00000005", "-m", model, "--tsv", "-k", "3")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 4
    assert r.stderr.count("\n") == 1 and "rebuild: embedkit index" in r.stderr


class _ShortIndex:
    """An index whose scan finds nothing for the even queries (as faiss's 4-bit scan of a
    single cell did on a small model) and every row for the odd ones."""

    rerank = 1

    def __init__(self, n: int) -> None:
        self.n = n
        self.asked = []

    def search(self, queries, k):
        self.asked.append(k)
        ids = np.tile(np.arange(k, dtype=np.int64) % self.n, (len(queries), 1))
        ids[::2] = -1
        return ids, np.where(ids >= 0, 0.0, -np.inf).astype(np.float32)


def test_a_query_the_index_leaves_short_is_answered_exactly(cli, model, clustered, monkeypatch):
    words = [clustered.words[i] for i in (5, 50, 500)]
    exact, _ = clustered.neighbors(words, topn=4)
    index = _ShortIndex(len(clustered))
    found, unknown = clustered.neighbors(words, topn=4, index=index)
    assert index.asked == [5] and not unknown
    by_query = {q: [(n, s) for w, n, s in found if w == q] for q in words}
    want = {q: [(n, s) for w, n, s in exact if w == q] for q in words}
    assert by_query[words[0]] == want[words[0]] and by_query[words[2]] == want[words[2]]
    assert len(by_query[words[1]]) == 4  # the index's own candidates, rescored
    # on the command line: the answers, not an empty error line
    from embedkit import cli as cli_module

    monkeypatch.setattr(cli_module, "_fresh_index", lambda path, emb: _ShortIndex(len(emb)))
    r = cli("neighbors", words[0], "-m", model, "--tsv", "-k", "3")
    assert r.exit_code == 0, r.stderr
    assert [line.split("\t")[1] for line in r.stdout.splitlines()[1:]] == [n for n, _ in want[words[0]][:3]]


@needs_faiss
@pytest.mark.parametrize("n", [1, 15])
def test_index_of_a_model_too_small_for_the_quantisers_is_one_line(cli, tmp_path, n):
    # the 4-bit product quantisers train 16 centroids each: faiss failed with a traceback
    small = Embedding(gv.words(0, n), gv.vectors(n, 8, seed=1), gv.counts(n), {"kind": "words"})
    small.save(tmp_path / "s.ekm")
    one_line_error(cli("index", tmp_path / "s.ekm"), "s.ekm", f"{n} word", "too small", code=4)
    assert not ann.index_path(tmp_path / "s.ekm").exists()
    assert cli("neighbors", small.words[0], "-m", tmp_path / "s.ekm", "--tsv").exit_code == 0


@needs_faiss
def test_index_of_the_smallest_model_it_takes(cli, tmp_path):
    small = Embedding(gv.words(0, 16), gv.vectors(16, 8, seed=1), gv.counts(16), {"kind": "words"})
    small.save(tmp_path / "s.ekm")
    assert cli("index", tmp_path / "s.ekm", "-q").exit_code == 0 and ann.index_path(tmp_path / "s.ekm").exists()
