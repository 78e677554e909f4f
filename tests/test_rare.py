"""Rare words: counted apart, folded into the trained factorisation, stored, queried."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from embedkit.cooccur import RareContexts, count_cooccurrences, distance_weights
from embedkit.corpus import LINE_BREAK, OUT_OF_VOCABULARY, RARE_BASE
from embedkit.linalg import SVDResult, fold_in_vectors, svd_vectors, top_components
from embedkit.options import WordOptions
from embedkit.pipeline import train_words
from embedkit.vectors import Embedding
from embedkit.weighting import count_margins, fold_in_pmi, pmi

from .conftest import one_line_error


def _brute(stream, v, r, window, weighting):
    """The rare words' contexts by the definition: the vocabulary words at distance
    1..window in the line with the words outside the vocabulary (rare ones too) removed."""
    w = distance_weights(window, weighting)
    following, preceding = np.zeros((r, v)), np.zeros((r, v))
    lines, line = [], []
    for t in stream:
        if t == LINE_BREAK:
            lines.append(line)
            line = []
        else:
            line.append(int(t))
    lines.append(line)
    for ln in lines:
        kept = [t for t in ln if t >= 0]
        k = 0
        for t in ln:
            if t >= 0:
                k += 1
            elif t <= RARE_BASE:
                for d in range(1, window + 1):
                    if k - d >= 0:
                        preceding[RARE_BASE - t, kept[k - d]] += w[d - 1]
                    if k + d - 1 < len(kept):
                        following[RARE_BASE - t, kept[k + d - 1]] += w[d - 1]
    return following, preceding


def test_rare_contexts_match_the_definition_however_the_stream_is_cut():
    rng = np.random.default_rng(1)
    v, r = 7, 4
    codes = np.concatenate([np.arange(v), [LINE_BREAK] * 2, [OUT_OF_VOCABULARY] * 2, RARE_BASE - np.arange(r)])
    for trial in range(150):
        stream = rng.choice(codes, int(rng.integers(1, 80))).astype(np.int32)
        window, weighting = int(rng.integers(1, 5)), ("uniform", "harmonic")[trial % 2]
        following, preceding = _brute(stream, v, r, window, weighting)
        rc = RareContexts(r, v, window, weighting)
        for piece in np.split(stream, np.sort(rng.integers(0, stream.size + 1, int(rng.integers(0, 6))))):
            rc.feed(piece)
        got_f, got_p = rc.result()
        np.testing.assert_allclose(got_f.toarray(), following, err_msg=f"{stream} {window}")
        np.testing.assert_allclose(got_p.toarray(), preceding, err_msg=f"{stream} {window}")


def test_rare_contexts_by_hand():
    # "a x b c" with x rare (id RARE_BASE), window 2 uniform; "c x" on a second line
    a, b, c, x = 0, 1, 2, RARE_BASE
    stream = np.array([a, x, b, c, LINE_BREAK, c, x], np.int32)
    rc = RareContexts(1, 3, window=2)
    rc.feed(stream)
    following, preceding = rc.result()
    assert following.toarray().tolist() == [[0, 1, 1]]  # b, c after the first x
    assert preceding.toarray().tolist() == [[1, 0, 1]]  # a before the first, c before the second
    # the rare word is skipped in the main count, as any word outside the vocabulary
    main = count_cooccurrences([stream], 3, window=2).toarray()
    assert main[a, b] == 1 and main[a, c] == 1 and main[b, c] == 1


def test_fold_in_pmi_by_hand():
    counts = sp.csr_matrix(np.array([[0, 2, 1], [2, 0, 3], [1, 3, 0]], float))
    rows, cols = count_margins(counts)
    new = sp.csr_matrix(np.array([[1.0, 0, 2.0]]))
    alpha = 0.75
    z = (cols**alpha).sum()
    as_word = fold_in_pmi(new, rows, cols, "pmi", 1.0, alpha, "word").toarray()
    # PMI(r, c) = log(n_rc Z / (n_r cols_c^α)), n_r = 3
    want = np.log([1 * z / (3 * cols[0] ** alpha), 2 * z / (3 * cols[2] ** alpha)])
    np.testing.assert_allclose(as_word[0, [0, 2]], want, rtol=1e-6)
    as_context = fold_in_pmi(new, rows, cols, "pmi", 2.0, alpha, "context").toarray()
    # PMI(w, r) = log(n_wr Z / (rows_w n_r^α)) − log 2
    want = np.log([1 * z / (rows[0] * 3**alpha) / 2, 2 * z / (rows[2] * 3**alpha) / 2])
    np.testing.assert_allclose(as_context[0, [0, 2]], want, rtol=1e-6)
    ppmi = fold_in_pmi(new, rows, cols, "ppmi", 1.0, alpha, "word").toarray()
    np.testing.assert_allclose(ppmi, np.maximum(as_word, 0), rtol=1e-6)


@pytest.mark.parametrize("vectors", ["w", "c", "w+c", "concat"])
def test_folding_in_a_trained_word_gives_its_trained_vector(vectors):
    # the identity behind the fold-in: U = M V Σ⁻¹ for the rows the SVD was made of, so a
    # word's own count row, weighted against the margins, folds in to its trained vector
    rng = np.random.default_rng(0)
    c = rng.poisson(2.0, (12, 12)).astype(float)
    counts = sp.csr_matrix(c + c.T)
    m = pmi(counts, "ppmi", 1.0, 0.75).toarray()
    u, s, vt = np.linalg.svd(m)
    k = 5
    r = SVDResult(u[:, :k], s[:k], vt[:k])
    raw = svd_vectors(r, 0.5, vectors)
    removed = top_components(raw, 1)
    trained = removed.apply(raw)
    rows, cols = count_margins(counts)
    as_word = fold_in_pmi(counts[[3, 7]], rows, cols, "ppmi", 1.0, 0.75, "word")
    as_context = fold_in_pmi(counts.T.tocsr()[[3, 7]], rows, cols, "ppmi", 1.0, 0.75, "context")
    folded = fold_in_vectors(as_word, as_context, r, 0.5, vectors, removed)
    np.testing.assert_allclose(folded, trained[[3, 7]], atol=2e-5)


CORPUS = (
    "the dog chased the cat across the garden\n"
    "the cat chased the mouse across the kitchen\n"
    "a puppy chased the cat across the garden\n"
) * 20 + "the kitten chased the mouse across the garden\n" * 2


def test_rare_words_through_train_words(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(CORPUS)
    opts = WordOptions(min_count=5, dim=4, window=2, rare_min_count=2, remove_top=0, subwords=False)
    emb = train_words(str(corpus), opts)
    assert "kitten" not in emb and emb.rare is not None and emb.rare.words == ["kitten"]
    assert emb.rare_count("kitten") == 2 and emb.rare_count("cat") is None
    # a query for it is answered from the stored table
    assert emb.similarity("kitten", "cat") == pytest.approx(
        float(emb.rare.vectors[0].astype(np.float32) @ emb.unit[emb.id("cat")])
        / float(np.linalg.norm(emb.rare.vectors[0].astype(np.float32))),
        abs=1e-5,
    )
    assert emb.params["rare_min_count"] == 2
    # without the option: the same vectors, nothing recorded, the word unknown
    plain = train_words(str(corpus), WordOptions(min_count=5, dim=4, window=2, remove_top=0, subwords=False))
    np.testing.assert_array_equal(plain.vectors, emb.vectors)
    assert plain.rare is None and "rare_min_count" not in plain.params
    # stored and read back
    emb.save(tmp_path / "m.ekm")
    back = Embedding.load(tmp_path / "m.ekm")
    assert back.rare.words == ["kitten"] and back.rare.counts.tolist() == [2]
    np.testing.assert_array_equal(back.rare.vectors, emb.rare.vectors)
    plain.save(tmp_path / "p.ekm")
    assert Embedding.load(tmp_path / "p.ekm").rare is None


def test_rare_word_vector_is_its_fold_in(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(CORPUS)
    opts = WordOptions(min_count=5, dim=4, window=2, rare_min_count=1, remove_top=0, vectors="w", subwords=False)
    emb = train_words(str(corpus), opts)
    # "kitten" occurs in "the kitten chased the mouse across the garden" (twice): its
    # contexts at window 2 (harmonic) are chased, the (following: 1, 1/2) and the (preceding: 1)
    from embedkit.pipeline import count_corpus

    c = count_corpus(str(corpus), WordOptions(min_count=5, window=2))
    counts = c.counts
    idx = c.vocab.index
    row = np.zeros(len(c.vocab))
    row[idx["the"]] += 2 * (1 + 0.5)  # before it at distance 1, after it at distance 2 ("chased the")
    row[idx["chased"]] += 2 * 1
    rows, cols = count_margins(counts)
    m = pmi(counts, "ppmi", 1.0, 0.75)
    from embedkit.linalg import truncated_svd

    r = truncated_svd(m, dim=4, solver="shifted", n_iter=3, seed=0)
    want = fold_in_vectors(fold_in_pmi(sp.csr_matrix(row), rows, cols), sp.csr_matrix(row), r, opts.eig, "w")[0]
    got = emb.rare.vectors[emb.rare.find("kitten")].astype(np.float32)
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3)


def test_rare_words_through_the_cli(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(CORPUS)
    m = tmp_path / "m.ekm"
    r = cli("train-words", corpus, "-o", m, "--dim", "4", "--window", "2", "--min-count", "5",
            "--rare-min-count", "2", "-q")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    r = cli("similarity", "kitten", "cat", "-m", m, "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)[0]["from_subwords"] == "kitten"
    assert json.loads(r.stdout)[0]["from_occurrences"] == "kitten:2"
    assert "'kitten' is below the vocabulary's cut; its vector is folded in from its 2 occurrences" in r.stderr
    r = cli("neighbors", "kitten", "-m", m, "-k", "2", "--json")
    assert "kitten" not in [row["neighbor"] for row in json.loads(r.stdout)]
    assert [row["from_subwords"] for row in json.loads(r.stdout)] == ["kitten", "kitten"]
    assert [row["from_occurrences"] for row in json.loads(r.stdout)] == ["kitten:2", "kitten:2"]
    r = cli("neighbors", "cat", "-m", m, "-k", "1", "--json")  # nothing built: the columns, empty
    assert (json.loads(r.stdout)[0]["from_subwords"], json.loads(r.stdout)[0]["from_occurrences"]) == ("", "")
    r = cli("analogy", "cat", "kitten", "dog", "-m", m, "-k", "1", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["from_occurrences"] == "kitten:2"
    facts = json.loads(cli("info", m, "--json").stdout)
    assert facts["rare_words"] == 1 and facts["rare_min_count"] == 2 and facts["rare_bytes"] > 0
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("kitten\tcat\t9\ncat\tdog\t5\npuppy\tmouse\t3\nthe\tgarden\t1\n")
    row = json.loads(cli("evaluate", "similarity", m, pairs, "--json").stdout)[0]
    assert (row["found"], row["subwords_used"], row["total"]) == (3, 1, 4)
    # a word never seen stays an error without subwords; with them the rare word also has n-grams
    one_line_error(cli("similarity", "wolf", "cat", "-m", m), "'wolf'")
    r = cli("train-words", corpus, "-o", tmp_path / "s.ekm", "--dim", "4", "--window", "2", "--min-count", "5",
            "--rare-min-count", "1", "--subwords", "-q")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    r = cli("similarity", "kitten", "cat", "-m", tmp_path / "s.ekm")
    assert "folded in from its 2 occurrences in the corpus and its" in r.stderr
    one_line_error(cli("train-words", corpus, "-o", tmp_path / "x.ekm", "--rare-min-count", "-1"), "--rare-min-count")
    one_line_error(
        cli("train-words", corpus, "-o", tmp_path / "x.ekm", "--rare-min-count", "2", "--scheduler", "local"),
        "--rare-min-count",
        "--scheduler",
        out=tmp_path / "x.ekm",
    )


def test_what_a_user_is_told_about_rare_words(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(CORPUS)
    m = tmp_path / "m.ekm"
    base = ["train-words", corpus, "--dim", "4", "--window", "2", "--min-count", "5", "-q"]
    # no word can be below the cut at or above --min-count (unless --max-size cuts more)
    for n in ("5", "7"):
        one_line_error(cli(*base, "-o", m, "--rare-min-count", n), "--rare-min-count", "--min-count (5)", out=m)
    # settings that only shape what is not asked for are named, not silently dropped
    r = cli(*base, "-o", m, "--no-subwords", "--minn", "2", "--subword-ridge", "3")
    one_line_error(r, "--minn and --subword-ridge shape the subword vectors; drop --no-subwords", code=2, out=m)
    one_line_error(cli(*base, "-o", m, "--subword-rare-weight", "0.5"),  # subwords are on by default
                   "--subword-rare-weight", "give --rare-min-count too", code=2, out=m)  # fmt: skip
    one_line_error(cli(*base, "-o", m, "--no-subwords", "--subword-rare-weight", "0.3", "--rare-min-count", "2"),
                   "--subword-rare-weight shapes the subword vectors", code=2, out=m)  # fmt: skip
    assert cli(*base, "-o", m, "--rare-min-count", "2", "--no-subwords").exit_code == 0
    # a vector file holds the vocabulary only: the export says the rare words stay behind
    r = cli("export", m, "-o", tmp_path / "v.txt")
    assert r.exit_code == 0
    assert r.stderr.strip() == (
        "embedkit: warning: the word2vec file holds the vocabulary's vectors only, without the model's "
        "1 rare word (below the vocabulary's cut): queries for them need the model itself"
    )
    assert "kitten" not in (tmp_path / "v.txt").read_text().split()
    # sentence features: a rare word is folded in, not built from n-grams (the model has none)
    r = cli("sentence-features", "-m", m, "-o", tmp_path / "f.tsv", input="the kitten chased the mouse\ncat\n")
    assert r.exit_code == 0, r.stderr
    assert "1 word below the vocabulary's cut was folded in from its occurrences in the corpus" in r.stderr
    assert "n-grams" not in r.stderr


def test_rare_rows_in_the_subword_fit_solve_the_weighted_normal_equations(monkeypatch, tmp_path):
    # vocabulary rows weigh 1, rare rows ω: Z = (GᵀWG + λI)⁻¹ GᵀW X̂ (a dense solve from the
    # strings, n-grams kept when in ≥ 2 vocabulary words); the stored dual rows (rare ones × √ω)
    # give Z back through the binary table
    from embedkit import subwords
    from embedkit.subwords import char_ngrams
    from embedkit.vectors import RareWords

    # with rare rows the fit runs to RIDGE_TOL_WITH_EXTRA, however loose RIDGE_TOL is
    monkeypatch.setattr(subwords, "RIDGE_TOL", 0.9)
    monkeypatch.setattr(subwords, "RIDGE_TOL_WITH_EXTRA", 1e-6)
    words = ["walk", "walking", "walked", "talk", "talking", "talked", "jump", "jumping", "jumped", "swim"]
    rare = ["swimming", "swimmed", "jumps", "talks"]
    rng = np.random.default_rng(3)
    x, f = rng.standard_normal((len(words), 5)), rng.standard_normal((len(rare), 5))
    lam, omega, beta = 0.5, 0.3, 1.0
    emb = Embedding(words, x.astype(np.float32))
    emb.rare = RareWords(rare, np.array([3, 2, 2, 1]), f)
    fv = emb.rare.vectors.astype(np.float64)  # what the fit sees: the stored (float16) rows
    grams = sorted({g for w in words for g in char_ngrams(w)})
    g_all = np.array([[g_ in char_ngrams(w) for g_ in grams] for w in words + rare], dtype=np.float64)
    kept = g_all[: len(words)].sum(axis=0) >= 2
    g_all = g_all[:, kept]
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    w = np.r_[np.ones(len(words)), np.full(len(rare), omega)]
    target = np.vstack([unit(x), unit(fv)])
    z = np.linalg.solve(g_all.T @ (w[:, None] * g_all) + lam * np.eye(g_all.shape[1]), g_all.T @ (w[:, None] * target))
    out = emb.with_subwords(weight=beta, ridge=lam, rare_weight=omega, buckets=1 << 30)
    assert out.subwords.extra_rows == len(rare) and out.params["subword_rare_weight"] == omega
    np.testing.assert_allclose(g_all.T @ out.subwords.dual.astype(np.float64), z, atol=3e-3)
    n = g_all[: len(words)] @ z  # "swim" shares no kept n-gram: n = 0, unchanged
    n = n / np.where(np.linalg.norm(n, axis=1, keepdims=True) > 0, np.linalg.norm(n, axis=1, keepdims=True), 1)
    want = unit(unit(x) + beta * n) * np.linalg.norm(x, axis=1, keepdims=True)
    np.testing.assert_allclose(out.vectors, want, rtol=1e-3, atol=1e-3)
    # ω 0: the vocabulary alone, as without rare words
    alone = emb.with_subwords(weight=beta, ridge=lam, rare_weight=0, buckets=1 << 30)
    plain = Embedding(words, x.astype(np.float32)).with_subwords(weight=beta, ridge=lam, buckets=1 << 30)
    np.testing.assert_array_equal(alone.vectors, plain.vectors)
    assert alone.subwords.extra_rows == 0
    # the default β: 1.25 alone, 1.5 with rare rows
    assert Embedding(words, x.astype(np.float32)).with_subwords(ridge=lam).params["subword_weight"] == 1.25
    assert emb.with_subwords(ridge=lam).params["subword_weight"] == 1.5
    # saved and read back: the extra dual rows and the rare words' (mixed) vectors
    out.save(tmp_path / "m.ekm")
    back = Embedding.load(tmp_path / "m.ekm")
    assert back.subwords.extra_rows == len(rare)
    np.testing.assert_array_equal(back.subwords.dual, out.subwords.dual)
    np.testing.assert_array_equal(back.rare.vectors, out.rare.vectors)
    np.testing.assert_allclose(back.vector("swimmingly"), out.vector("swimmingly"), rtol=1e-6)
