"""Subword vectors (embedkit.subwords): fastText's n-grams and hash, the n-gram vectors
against hand computation, the model file, and unseen words through the library and CLI."""

import json
import math

import numpy as np
import pytest

from embedkit import kernels, subwords
from embedkit.errors import DataError, ParameterError, UnknownWordError
from embedkit.evaluate import word_similarity
from embedkit.subwords import char_ngrams, fasttext_hash, fit_subwords, ngram_buckets
from embedkit.vectors import Embedding

from .conftest import one_line_error

WORDS = ["walk", "walking", "walked", "talk", "talking", "talked", "jump", "jumping", "jumped", "swim"]
#: Words whose n-grams are not plain ASCII: multi-byte UTF-8, where fastText's sign-extended
#: bytes differ from textbook FNV-1a, and a character outside the BMP.
UNICODE = ["café", "naïve", "İstanbul", "日本語", "ΑΘΗΝΑ", "𝔘nicode", "a", "ab", "ünïcödé" * 3]


def rows(m):
    return [sorted(m.indices[m.indptr[i] : m.indptr[i + 1]].tolist()) for i in range(m.shape[0])]


def test_char_ngrams_by_hand():
    # <cat>: starts 0, 1, 2; lengths 3..6 that fit; "t>" is too short
    assert char_ngrams("cat") == ["<ca", "<cat", "<cat>", "cat", "cat>", "at>"]
    assert char_ngrams("ab", 3, 3) == ["<ab", "ab>"]
    assert char_ngrams("walking", 5, 5) == ["<walk", "walki", "alkin", "lking", "king>"]
    assert char_ngrams("aaaa", 3, 3) == ["<aa", "aaa", "aaa", "aa>"]  # repeats kept, as fastText
    # minn = 1: single characters, but never a lone boundary mark
    assert char_ngrams("ab", 1, 1) == ["a", "b"]


def test_fasttext_hash_is_fnv1a_on_ascii():
    assert fasttext_hash("") == 2166136261  # the FNV-1a 32-bit offset basis
    assert fasttext_hash("a") == 0xE40C292C  # textbook FNV-1a 32 of "a"
    assert fasttext_hash("foobar") == 0xBF9CF968


@pytest.mark.parametrize("compiled", [True, False])
def test_buckets_match_gensims_fasttext(monkeypatch, compiled):
    ft = pytest.importorskip("gensim.models.fasttext")
    if compiled and not kernels.ENABLED:
        pytest.skip("numba is not installed (or EMBEDKIT_NO_JIT is set)")
    # the compiled loop hashes batches of at least _COMPILED_MIN_WORDS words: make it take these
    monkeypatch.setattr(subwords, "_COMPILED_MIN_WORDS", 0 if compiled else 10**9)
    for minn, maxn, buckets in [(3, 6, 2_000_000), (1, 4, 1000), (2, 2, 7)]:
        m = ngram_buckets(WORDS + UNICODE, minn, maxn, buckets)
        expected = [sorted(set(ft.ft_ngram_hashes(w, minn, maxn, buckets))) for w in WORDS + UNICODE]
        assert rows(m) == expected
        # the Python hash agrees too (the numba-free path and the docs' oracle)
        for w in UNICODE:
            assert sorted({fasttext_hash(g) % buckets for g in char_ngrams(w, minn, maxn)}) == sorted(
                set(ft.ft_ngram_hashes(w, minn, maxn, buckets))
            )


@pytest.mark.skipif(not kernels.ENABLED, reason="numba is not installed (or EMBEDKIT_NO_JIT is set)")
def test_the_compiled_hashing_matches_python(monkeypatch):
    rng = np.random.default_rng(0)
    alphabet = list("abcxyzéüİ日本𝔘")
    words = ["".join(rng.choice(alphabet, size=rng.integers(1, 12))) for _ in range(300)] + UNICODE
    monkeypatch.setattr(subwords, "_COMPILED_MIN_WORDS", 0)
    compiled = ngram_buckets(words, 2, 5, 100_003)
    monkeypatch.setattr(kernels, "ENABLED", False)
    python = ngram_buckets(words, 2, 5, 100_003)
    assert rows(compiled) == rows(python)


@pytest.mark.parametrize("compiled", [True, False])
def test_bucket_counts_beyond_int32(monkeypatch, compiled):
    # above 2**31 a bucket number no longer fits an int32; at 2**32 it is the raw hash
    if compiled and not kernels.ENABLED:
        pytest.skip("numba is not installed (or EMBEDKIT_NO_JIT is set)")
    monkeypatch.setattr(subwords, "_COMPILED_MIN_WORDS", 0 if compiled else 10**9)
    for buckets in (3_000_000_000, 1 << 32):
        m = ngram_buckets(WORDS + UNICODE, 3, 6, buckets)
        assert m.shape == (len(WORDS + UNICODE), buckets)
        assert rows(m) == [sorted({fasttext_hash(g) % buckets for g in char_ngrams(w)}) for w in WORDS + UNICODE]


def test_the_raw_hash_keeps_exactly_the_shared_ngrams():
    # <ab> and <abd> share only "<ab" among their 3-grams (by hand: "<ab", "ab>" and "<ab",
    # "abd", "bd>"); with 2**32 buckets the kept key is that n-gram's own 32-bit hash, and the
    # fit never builds a table as wide as the buckets (it would take 34 GB)
    emb = Embedding(["ab", "abd"], np.array([[3.0, 0.0], [0.0, 2.0]], np.float32))
    sub = emb.with_subwords(minn=3, maxn=3, buckets=1 << 32, weight=1.0, ridge=1.0).subwords
    assert sub.keys.tolist() == [fasttext_hash("<ab")]
    assert sub.indptr.tolist() == [0, 2] and sub.members.tolist() == [0, 1]
    # the same fit as with few buckets where nothing collides (the ridge case by hand below)
    small = emb.with_subwords(minn=3, maxn=3, buckets=1000, weight=1.0, ridge=1.0).subwords
    assert small.keys.tolist() == [fasttext_hash("<ab") % 1000]
    np.testing.assert_array_equal(sub.dual, small.dual)
    v, found = sub.vectors(None, ["abx", "xyz"])
    np.testing.assert_allclose(v, [[1 / 3, 1 / 3], [0.0, 0.0]], atol=1e-3)
    assert found.tolist() == [1, 0]


def test_bad_settings():
    with pytest.raises(ParameterError, match="^maxn must be at least minn"):
        ngram_buckets(["a"], 4, 3)
    with pytest.raises(ParameterError, match="^buckets must be at least 1, got 0"):
        ngram_buckets(["a"], 3, 6, 0)
    with pytest.raises(ParameterError, match="^subword_weight must be non-negative"):
        fit_subwords(WORDS, np.eye(10, 4), weight=-1)
    with pytest.raises(ParameterError, match="^subword_ridge must be non-negative"):
        fit_subwords(WORDS, np.eye(10, 4), ridge=-1)


def _toy(seed=0, dim=6):
    return Embedding(WORDS, np.random.default_rng(seed).standard_normal((len(WORDS), dim)).astype(np.float32))


def _by_hand(emb, word, min_words=2, p=1.0):
    """Σ ‖z_g‖^p z_g over the n-grams of ``word`` found in ≥ min_words vocabulary words,
    z_g the mean unit vector of those words — straight from the strings (no hashing)."""
    unit = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    grams = {w: set(char_ngrams(w)) for w in emb.words}
    total = np.zeros(emb.dim)
    for g in set(char_ngrams(word)):
        having = [i for i, w in enumerate(emb.words) if g in grams[w]]
        if len(having) >= min_words:
            z = unit[having].mean(axis=0)
            total += np.linalg.norm(z) ** p * z
    return total


def test_mean_vectors_by_hand():
    emb = _toy()
    sub_emb = emb.with_subwords(weight=0.75, ridge=0)
    unit = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    # a vocabulary word: ‖w‖ (ŵ + β n̂), β = 0.75, its norm kept
    n = _by_hand(emb, "walking")
    mixed = unit[1] + 0.75 * n / np.linalg.norm(n)
    expected = np.linalg.norm(emb.vectors[1]) * mixed / np.linalg.norm(mixed)
    np.testing.assert_allclose(sub_emb.vectors[1], expected, rtol=1e-5, atol=1e-6)
    # an unseen word: its n-grams alone, from the mixed vectors the model stores
    stored = Embedding(WORDS, sub_emb.vectors)
    v, found = sub_emb.subwords.vectors(sub_emb.unit, ["jumpking"])
    np.testing.assert_allclose(v[0], _by_hand(stored, "jumpking"), rtol=1e-5, atol=1e-6)
    assert found[0] == sum(1 for g in set(char_ngrams("jumpking")) if sum(g in char_ngrams(w) for w in WORDS) >= 2)
    assert sub_emb.subwords.dual is None
    # weight 0 changes nothing
    np.testing.assert_allclose(emb.with_subwords(weight=0, ridge=0).vectors, emb.vectors, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(emb.with_subwords(weight=0).vectors, emb.vectors, rtol=1e-5, atol=1e-6)


def test_ridge_fit_of_one_shared_ngram_by_hand():
    # trigrams only: <ab> has "<ab", "ab>"; <abc> has "<ab", "abc", "bc>"; only "<ab" is in
    # both words.  Unit vectors x̂ = (1, 0), (0, 1); G = [[1], [1]]; λ = 1:
    # z = (GᵀG + λ)⁻¹ Gᵀ X̂ = (1, 1) / 3, the dual rows A = (X̂ − G z) / λ = [[2, −1], [−1, 2]] / 3
    emb = Embedding(["ab", "abc"], np.array([[3.0, 0.0], [0.0, 2.0]], np.float32))
    sub_emb = emb.with_subwords(minn=3, maxn=3, weight=1.0, ridge=1.0)
    np.testing.assert_allclose(sub_emb.subwords.dual.astype(np.float64), [[2 / 3, -1 / 3], [-1 / 3, 2 / 3]], atol=1e-3)
    # each word: ‖w‖ (ŵ + β n̂), n = z for both, its norm kept
    for i, (norm, own) in enumerate([(3.0, [1.0, 0.0]), (2.0, [0.0, 1.0])]):
        mixed = np.array(own) + np.array([1.0, 1.0]) / np.sqrt(2)
        np.testing.assert_allclose(sub_emb.vectors[i], norm * mixed / np.linalg.norm(mixed), rtol=1e-5)
    # an unseen word with "<ab": Σ z = Gᵀ A = (1, 1) / 3
    v, found = sub_emb.subwords.vectors(sub_emb.unit, ["abd", "xyz"])
    np.testing.assert_allclose(v, [[1 / 3, 1 / 3], [0.0, 0.0]], atol=1e-3)
    assert found.tolist() == [1, 0]


def test_ridge_fit_solves_the_normal_equations(monkeypatch):
    # on the toy vocabulary, against a dense solve built from the strings (no hashing)
    monkeypatch.setattr(subwords, "RIDGE_TOL", 1e-6)
    emb = _toy()
    lam = 0.5
    grams = sorted({g for w in WORDS for g in char_ngrams(w)})
    g = np.array([[g_ in char_ngrams(w) for g_ in grams] for w in WORDS], dtype=np.float64)
    kept = g.sum(axis=0) >= 2
    g = g[:, kept]
    unit = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    z = np.linalg.solve(g.T @ g + lam * np.eye(g.shape[1]), g.T @ unit)
    sub_emb = emb.with_subwords(weight=0.5, ridge=lam)
    n = g @ z
    n_norm = np.linalg.norm(n, axis=1, keepdims=True)  # "swim" shares no n-gram: n = 0, unchanged
    mixed = unit + 0.5 * n / np.where(n_norm > 0, n_norm, 1.0)
    expected = mixed / np.linalg.norm(mixed, axis=1, keepdims=True) * np.linalg.norm(emb.vectors, axis=1)[:, None]
    np.testing.assert_allclose(sub_emb.vectors, expected, rtol=1e-4, atol=1e-4)
    # the stored dual rows give the same n-gram vectors: Z = Gᵀ A
    np.testing.assert_allclose(g.T @ sub_emb.subwords.dual.astype(np.float64), z, atol=2e-3)
    # an unseen word: the sum of its known n-grams' vectors
    own = np.array([g_ in char_ngrams("jumpking") for g_ in np.array(grams)[kept]])
    v, found = sub_emb.subwords.vectors(sub_emb.unit, ["jumpking"])
    np.testing.assert_allclose(v[0], z[own].sum(axis=0), atol=5e-3)
    assert found[0] == own.sum()


def test_ridge_cg_by_blocks_and_threads(monkeypatch):
    # a random binary incidence, against a dense solve; the steps' row blocks (5 rows here)
    # shared among threads give the same bytes as one thread, compiled or not
    import scipy.sparse as sp

    from embedkit.linalg import RowSplitMatmul, on_product_threads

    rng = np.random.default_rng(0)
    g = sp.random(60, 23, density=0.2, random_state=1, format="csr", dtype=np.float32)
    g.data[:] = 1
    x = rng.standard_normal((60, 4)).astype(np.float32)
    lam = 2.0
    monkeypatch.setattr(subwords, "RIDGE_TOL", 1e-6)
    monkeypatch.setattr(subwords, "CG_BLOCK_ROWS", 5)
    dense = g.toarray().astype(np.float64)
    z_exact = np.linalg.solve(dense.T @ dense + lam * np.eye(23), dense.T @ x)
    serial = subwords.ridge_dual(g, x, lam)
    threaded = subwords.ridge_dual(g, x, lam, RowSplitMatmul, on_product_threads)
    np.testing.assert_allclose(serial[0], z_exact, atol=1e-4)
    np.testing.assert_allclose(serial[1], (x - dense @ z_exact) / lam, atol=1e-4)  # A = (X − G Z) / λ
    np.testing.assert_array_equal(threaded[0], serial[0])
    np.testing.assert_array_equal(threaded[1], serial[1])
    monkeypatch.setattr(subwords.kernels, "ENABLED", not subwords.kernels.ENABLED)  # the other route
    np.testing.assert_allclose(subwords.ridge_dual(g, x, lam)[0], z_exact, atol=1e-4)
    # stopped early, at a loose tolerance: the relative residual of the normal equations is below it
    monkeypatch.setattr(subwords, "RIDGE_TOL", 0.3)
    z = subwords.ridge_dual(g, x, lam)[0].astype(np.float64)
    b = dense.T @ x
    assert np.linalg.norm(b - (dense.T @ dense + lam * np.eye(23)) @ z) <= 0.3 * np.linalg.norm(b)


def test_unseen_words_through_the_library():
    emb = _toy().with_subwords()
    assert "jumpking" not in emb
    v = emb.vector("jumpking")
    assert v.shape == (emb.dim,) and np.linalg.norm(v) > 0
    np.testing.assert_array_equal(emb.get_vector("jumpking"), v)
    assert emb.from_subwords(["walk", "jumpking"]) == {"jumpking": emb.from_subwords(["jumpking"])["jumpking"]}
    u = v / np.linalg.norm(v)
    assert emb.similarity("jumpking", "walk") == pytest.approx(float(u @ emb.unit[0]), abs=1e-6)
    top = emb.most_similar("jumpking", topn=3)
    assert len(top) == 3 and "jumpking" not in [w for w, _ in top]
    assert top[0][1] == pytest.approx(float(np.max(emb.unit @ u)), abs=1e-6)
    assert [w for w, _ in emb.analogy("walk", "walking", "jumpking", topn=2)]
    with pytest.raises(UnknownWordError, match="none of its n-grams"):
        emb.vector("qqq")
    assert emb.neighbors(["qqq"], 2)[1] == ["qqq"] and "none of its n-grams" in emb.unknown_message("qqq")
    with pytest.raises(UnknownWordError) as row_only:  # a row, not a vector: n-grams are not tried
        emb.id("jumpking")
    assert "n-grams" not in str(row_only.value)
    # without subwords an unknown word stays an error
    with pytest.raises(UnknownWordError, match="not in the vocabulary"):
        _toy().vector("jumpking")
    with pytest.raises(DataError, match="already has subword"):
        emb.with_subwords()


def test_similarity_evaluation_counts_built_pairs():
    emb = _toy().with_subwords()
    pairs = [("walk", "walking", 9.0), ("talk", "jump", 2.0), ("jumpking", "jumped", 8.0), ("walk", "qqq", 1.0)]
    r = word_similarity(emb, pairs)
    assert (r.found, r.built, r.total) == (2, 1, 4)
    plain = word_similarity(_toy(), pairs)  # without subwords two pairs go unscored: no all-pairs ρ
    assert (plain.found, plain.built) == (2, 0) and math.isnan(plain.spearman_all)
    every = word_similarity(_toy(), pairs[:2])  # every pair found: the all-pairs ρ is the ρ
    assert every.found == every.total == 2 and every.spearman_all == every.spearman


def test_model_round_trip(tmp_path):
    emb = _toy().with_subwords(minn=2, maxn=4, buckets=5000, weight=0.5, min_words=1, coherence=2.0)
    emb.save(tmp_path / "m.ekm")
    back = Embedding.load(tmp_path / "m.ekm")
    assert back.subwords.settings() == emb.subwords.settings()
    for name in ("keys", "indptr", "members"):
        np.testing.assert_array_equal(getattr(back.subwords, name), getattr(emb.subwords, name))
    np.testing.assert_array_equal(back.vectors, emb.vectors)
    np.testing.assert_allclose(back.vector("jumpking"), emb.vector("jumpking"), rtol=1e-6)
    np.testing.assert_array_equal(back.subwords.dual, emb.subwords.dual)  # the ridge fit's dual rows
    assert back.subwords.ridge == emb.subwords.ridge == subwords.DEFAULT_RIDGE
    # mean n-gram vectors store no dual rows
    mean = _toy().with_subwords(ridge=0)
    mean.save(tmp_path / "mean.ekm")
    again = Embedding.load(tmp_path / "mean.ekm")
    assert again.subwords.dual is None and again.subwords.ridge == 0
    np.testing.assert_allclose(again.vector("jumpking"), mean.vector("jumpking"), rtol=1e-6)
    # a model without subwords writes no tables and loads without them, as before
    _toy().save(tmp_path / "plain.ekm")
    assert Embedding.load(tmp_path / "plain.ekm").subwords is None


def test_exporting_a_model_with_subwords_says_in_one_line_what_stays_behind(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the dog walks and the dog walked\nthe cat talks and the cat talked\n" * 30)
    m = tmp_path / "m.ekm"
    assert cli("train-words", corpus, "-o", m, "--dim", "3", "--min-count", "1", "-q").exit_code == 0
    r = cli("export", m, "-o", tmp_path / "v.txt")
    assert r.exit_code == 0 and r.stderr.strip() == (
        "embedkit: warning: the word2vec file holds the vocabulary's vectors only, without the model's "
        "subword n-grams (which build the words outside it): queries for them need the model itself"
    )


def test_unseen_words_through_the_cli(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the dog walks and the dog walked\nthe cat talks and the cat talked\n" * 30)
    m = tmp_path / "m.ekm"
    r = cli("train-words", corpus, "-o", m, "--dim", "3", "--min-count", "1", "--subwords", "-q")
    assert r.exit_code == 0, r.stderr
    r = cli("similarity", "walking", "walks", "-m", m, "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)[0]["from_subwords"] == "walking"
    assert "'walking' is not in the vocabulary; its vector is built from" in r.stderr
    r = cli("neighbors", "talking", "walks", "-m", m, "-k", "2", "--json")
    rows = json.loads(r.stdout)
    assert [(row["query"], row["from_subwords"]) for row in rows] == [("talking", "talking")] * 2 + [("walks", "")] * 2
    r = cli("neighbors", "walks", "-m", m, "-k", "2", "--json")  # nothing built: the column, empty
    assert [row["from_subwords"] for row in json.loads(r.stdout)] == ["", ""]
    r = cli("similarity", "walks", "walked", "-m", m, "--json")
    assert json.loads(r.stdout)[0]["from_subwords"] == ""
    # the table leaves the column out when no query was built, and shows it when one was
    for query, shown in (("walks", False), ("talking", True)):
        r = cli("neighbors", query, "-m", m, "-k", "2", "--table")
        assert r.exit_code == 0 and ("from_subwords" in r.stdout) is shown, r.stdout
        assert "neighbor" in r.stdout
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("walks\twalked\t9\ncat\tdog\t5\nwalking\ttalks\t3\nthe\tand\t1\n")
    r = cli("evaluate", "similarity", m, pairs, "--json")
    row = json.loads(r.stdout)[0]
    assert (row["found"], row["subwords_used"], row["total"]) == (3, 1, 4)
    assert "spearman_all" in row
    # the same words are errors in a model without subwords
    cli("train-words", corpus, "-o", tmp_path / "plain.ekm", "--dim", "3", "--min-count", "1", "--no-subwords", "-q")
    one_line_error(cli("similarity", "walking", "walks", "-m", tmp_path / "plain.ekm"), "'walking'")
    # and `embedkit subwords` adds them to any model
    r = cli("subwords", tmp_path / "plain.ekm", "-o", tmp_path / "sub.ekm", "-q")
    assert r.exit_code == 0, r.stderr
    assert Embedding.load(tmp_path / "sub.ekm").subwords is not None
    facts = json.loads(cli("info", tmp_path / "sub.ekm", "--json").stdout)
    assert facts["subword_ngrams"] == Embedding.load(tmp_path / "sub.ekm").subwords.keys.size > 0
    # the settings are recorded as train-words --subwords records them
    assert facts["subwords"] is True and facts["subword_ridge"] == 10 and facts["minn"] == 3
    r = cli("neighbors", "walks", "-m", tmp_path / "plain.ekm", "-k", "1", "--json")  # no subwords: no column
    assert "from_subwords" not in json.loads(r.stdout)[0]
    r = cli("analogy", "walks", "walked", "talking", "-m", tmp_path / "sub.ekm", "-k", "1", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["from_subwords"] == "talking"


def test_the_raw_hash_through_the_cli(cli, tmp_path):
    # --buckets 2**32: fastText's 32-bit hash itself; the model keeps the n-grams' own hashes
    corpus = tmp_path / "c.txt"
    corpus.write_text("the dog walks and the dog walked\nthe cat talks and the cat talked\n" * 30)
    m = tmp_path / "m.ekm"
    r = cli("train-words", corpus, "-o", m, "--dim", "3", "--min-count", "1", "--subwords", "--buckets", 1 << 32, "-q")
    assert r.exit_code == 0, r.stderr
    emb = Embedding.load(m)
    assert emb.subwords.buckets == 1 << 32 and fasttext_hash("walk") in emb.subwords.keys  # in walks and walked
    assert fasttext_hash("<the") not in emb.subwords.keys  # in "the" alone: not kept
    facts = json.loads(cli("info", m, "--json").stdout)
    assert facts["buckets"] == 1 << 32 and facts["subword_ngrams"] == emb.subwords.keys.size
    r = cli("similarity", "walking", "walks", "-m", m, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["from_subwords"] == "walking"


def test_subwords_for_imported_vectors(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDKIT_CACHE_DIR", str(tmp_path / "cache"))
    _toy().export(tmp_path / "v.txt", "word2vec")  # pretrained vectors in word2vec text format
    r = cli("subwords", tmp_path / "v.txt", "-o", tmp_path / "v.ekm", "--subword-weight", "0.5", "-q")
    assert r.exit_code == 0, r.stderr
    back = Embedding.load(tmp_path / "v.ekm")
    assert back.subwords.weight == 0.5 and back.counts is None
    expected = _toy().with_subwords(weight=0.5)
    np.testing.assert_allclose(back.vectors, expected.vectors, rtol=1e-5, atol=1e-5)
    r = cli("neighbors", "talkings", "-m", tmp_path / "v.ekm", "-k", "1")
    assert r.exit_code == 0 and "'talkings' is not in the vocabulary" in r.stderr
    one_line_error(cli("subwords", tmp_path / "v.ekm", "-o", tmp_path / "again.ekm"), "already has subword")
    # --subword-ridge 0: the mean n-gram vectors, no dual rows stored
    r = cli("subwords", tmp_path / "v.txt", "-o", tmp_path / "m.ekm", "--subword-ridge", "0", "-q")
    assert r.exit_code == 0, r.stderr
    mean = Embedding.load(tmp_path / "m.ekm")
    assert mean.subwords.ridge == 0 and mean.subwords.dual is None and back.subwords.dual is not None
    np.testing.assert_allclose(mean.vectors, _toy().with_subwords(ridge=0).vectors, rtol=1e-5, atol=1e-5)


def test_bad_subword_options_through_the_cli(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the dog walks\n" * 10)
    out = tmp_path / "m.ekm"
    one_line_error(cli("train-words", corpus, "-o", out, "--subwords", "--maxn", "2"), "--maxn", out=out)
    one_line_error(cli("train-words", corpus, "-o", out, "--subwords", "--buckets", "0"), "--buckets", out=out)
    one_line_error(
        cli("train-words", corpus, "-o", out, "--subwords", "--subword-ridge", "-1"), "--subword-ridge", out=out
    )


def test_subwords_refuses_to_overwrite_its_input(cli, tmp_path):
    _toy().save(tmp_path / "m.ekm")
    before = (tmp_path / "m.ekm").read_bytes()
    one_line_error(cli("subwords", tmp_path / "m.ekm", "-o", tmp_path / "m.ekm"))
    assert (tmp_path / "m.ekm").read_bytes() == before
    (tmp_path / "other.ekm").write_bytes(b"keep")
    one_line_error(cli("subwords", tmp_path / "m.ekm", "-o", tmp_path / "other.ekm", "-n"))
    assert (tmp_path / "other.ekm").read_bytes() == b"keep"


def test_sentence_features_build_unseen_words():
    from embedkit.features import SentenceFeatures, encode_lines

    counts = np.arange(len(WORDS), 0, -1) * 10
    emb = Embedding(WORDS, _toy().vectors, counts).with_subwords()
    plain = Embedding(WORDS, _toy().vectors, counts)
    lines = ["walk jumpking", "talk qqq", "jumpking"]
    enc = encode_lines(emb, lines, build_unseen=True, keep_unknown=True)
    assert enc.built == ["jumpking"] and enc.unknown == ["qqq"] and enc.counts.shape == (3, len(WORDS) + 1)
    # mean: the built word counts as a word, with the vector the model gives it
    x = SentenceFeatures(emb, "mean").transform(lines)
    np.testing.assert_allclose(x[0], (emb.vectors[0] + emb.vector("jumpking")) / 2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x[1], emb.vectors[3], rtol=1e-5, atol=1e-6)  # qqq cannot be built: left out
    np.testing.assert_allclose(x[2], emb.vector("jumpking"), rtol=1e-5, atol=1e-6)
    # SIF: weighted as a word of probability 0, a / (a + 0) = 1
    f = SentenceFeatures(emb, "sif")
    raw = f._raw("sif", f.encode(lines))
    np.testing.assert_allclose(raw[0], (f.weights[0] * emb.vectors[0] + emb.vector("jumpking")) / 2, rtol=1e-5)
    assert f.built_ == {"jumpking"}
    # a model without subwords leaves the word out, as before
    y = SentenceFeatures(plain, "mean").transform(lines)
    np.testing.assert_allclose(y[0], plain.vectors[0], rtol=1e-6)
    assert not y[2].any()
    # every mode runs with built words, all-but-the-top included
    for mode in ("usif", "usif-oov", "pmeans", "gem", "pcs"):
        assert SentenceFeatures(emb, mode, gem_k=2, gem_r=1).fit_transform(lines * 4).shape[0] == 12
    z = SentenceFeatures(emb, "mean", abtt=1).transform(lines)
    assert np.isfinite(z).all() and z[2].any()


def test_sentence_features_say_what_they_built(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the dog walks and the dog walked\nthe cat talks and the cat talked\n" * 30)
    m = tmp_path / "m.ekm"
    assert cli("train-words", corpus, "-o", m, "--dim", "3", "--min-count", "1", "--subwords", "-q").exit_code == 0
    lines = tmp_path / "s.txt"
    lines.write_text("the dog walking\nthe cat talks\n")
    r = cli("sentence-features", lines, "-m", m, "--mode", "mean")
    assert r.exit_code == 0, r.stderr
    assert "1 word outside the vocabulary was built from its n-grams" in r.stderr
    x = np.loadtxt(r.stdout.splitlines(), delimiter="\t")
    emb = Embedding.load(m)
    np.testing.assert_allclose(x[0], (emb["the"] + emb["dog"] + emb.vector("walking")) / 3, atol=2e-5)


def test_graph_models_get_no_subwords():
    nodes = Embedding([str(i) for i in range(10)], np.eye(10, dtype=np.float32), None, {"kind": "graph"})
    with pytest.raises(DataError, match="graph nodes"):
        nodes.with_subwords()


def test_the_fit_on_threaded_products_is_the_same_bytes():
    """Embedding.with_subwords hands the fit linalg's threaded product (scipy's bytes):
    the vectors and the stored dual rows equal the fit on scipy's own product."""
    from embedkit.linalg import RowSplitMatmul

    emb = _toy()
    plain, sub_plain = subwords.fit_subwords(emb.words, emb.vectors, min_words=1)
    threaded, sub_threaded = subwords.fit_subwords(emb.words, emb.vectors, min_words=1, product=RowSplitMatmul)
    assert plain.tobytes() == threaded.tobytes()
    assert sub_plain.dual.tobytes() == sub_threaded.dual.tobytes()
    assert emb.with_subwords(min_words=1).vectors.tobytes() == plain.tobytes()
