"""LSA: tf-idf as scikit-learn computes it, Z = X V, and search beyond shared words."""

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfTransformer

from embedkit.features import encode_lines
from embedkit.lsa import LSAModel, build_lsa, documents_path
from embedkit.weighting import tfidf

# Two topics. "puppy kitten" shares no word with the query "cat", but its words share
# documents with "cat"; "bank" documents share nothing with it, directly or not.
DOCS = [
    "Cat, dog: pets.",
    "Dog, puppy, pet.",
    "Cat KITTEN pet",
    "Puppy; kitten!",
    "Bank loan money.",
    "Money, stock market.",
    "Bank loan interest",
    "Stock market interest.",
    "Pets: cat, kitten, dog.",
    "Interest, money, bank!",
]


def test_tfidf_matches_scikit_learn():
    from embedkit.tokenize import Tokenizer
    from embedkit.vocab import Vocabulary

    tok = Tokenizer()
    vocab = Vocabulary.from_counts({w: 1 for line in DOCS for w in tok.tokenize(line)}, 1)
    counts = encode_lines(vocab.index, DOCS, tok).counts
    ours = tfidf(counts).toarray()
    theirs = TfidfTransformer(smooth_idf=True, norm="l2").fit_transform(counts).toarray()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
    log = tfidf(counts, "log", normalize=False).toarray()
    np.testing.assert_allclose(log, np.log1p(counts.toarray()), rtol=1e-6)


def test_document_vectors_are_the_folded_in_documents():
    m = build_lsa(DOCS, dim=3)
    # Z = U Σ = X V: folding a training document in gives back its own row of Z
    np.testing.assert_allclose(m.fold_in(DOCS), m.docs, atol=1e-5)
    # Y = V Σ: the word vectors
    assert m.terms.vectors.shape == (len(m.terms), 3)
    np.testing.assert_allclose(np.linalg.norm(m.terms.vectors, axis=0), m.singular_values, rtol=1e-5)


def test_search_finds_a_related_document_that_shares_no_word():
    m = build_lsa(DOCS, dim=2, seed=1)
    hits = m.search("cat", k=len(DOCS))
    order = [i for i, _ in hits]
    pets, money = {0, 1, 2, 3, 8}, {4, 5, 6, 7, 9}
    assert set(order[:5]) == pets
    score = dict(hits)
    assert score[3] > 0.9  # "Puppy; kitten!": no word in common with the query
    assert max(score[i] for i in money) < 0.2
    # in the raw tf-idf space the same document is orthogonal to the query
    counts = encode_lines(m.terms, ["cat", DOCS[3]]).counts
    q, d = tfidf(counts, idf_weights=m.idf).toarray()
    assert q @ d == 0


def test_lsa_and_search_commands(cli, tmp_path):
    (tmp_path / "docs.txt").write_text("\n".join(DOCS) + "\n")
    r = cli("lsa", tmp_path / "docs.txt", "-o", tmp_path / "lsa.ekm", "--dim", "2", "-q")
    assert r.exit_code == 0, r.stderr
    assert documents_path(tmp_path / "lsa.ekm") == tmp_path / "lsa.docs.npz"
    assert (tmp_path / "lsa.docs.npz").exists()
    r = cli("search", "kitten", "-m", tmp_path / "lsa.ekm", "-k", "5")
    assert r.exit_code == 0
    header, *rows = r.stdout.splitlines()
    assert header == "query\trank\tdoc\tscore\ttext"
    assert {int(row.split("\t")[2]) for row in rows} == {1, 2, 3, 4, 9}  # line numbers from 1
    assert "Puppy; kitten!" in r.stdout
    r = cli("search", "loan", "-m", tmp_path / "lsa.ekm", "-k", "1", "--json")
    assert json.loads(r.stdout)[0]["doc"] in (5, 6, 7, 8, 10)
    # the word vectors are an ordinary model
    r = cli("neighbors", "puppy", "-m", tmp_path / "lsa.ekm", "-k", "3")
    assert r.exit_code == 0 and "bank" not in r.stdout
    loaded = LSAModel.load(tmp_path / "lsa.ekm")
    assert loaded.snippets[3] == DOCS[3] and loaded.docs.shape == (10, 2)


def test_search_many_is_each_search_in_one_batch():
    m = build_lsa(DOCS, dim=2, seed=1)
    queries = ["cat", "money bank", "kitten puppy", "cat"]
    hits, unknown = m.search_many(queries + ["zebra", "!!"], k=4)
    assert unknown == ["zebra", "!!"] and list(hits) == ["cat", "money bank", "kitten puppy"]
    for q in hits:
        single = m.search(q, k=4)
        assert [i for i, _ in hits[q]] == [i for i, _ in single]
        np.testing.assert_allclose([s for _, s in hits[q]], [s for _, s in single], rtol=1e-6)


def test_search_reads_queries_from_stdin(cli, tmp_path):
    (tmp_path / "docs.txt").write_text("\n".join(DOCS) + "\n")
    cli("lsa", tmp_path / "docs.txt", "-o", tmp_path / "lsa.ekm", "--dim", "2", "-q")
    r = cli("search", "-", "-m", tmp_path / "lsa.ekm", "-k", "2", "--json", input="kitten\nzebra\n\nloan\n")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [(x["query"], x["rank"]) for x in rows] == [("kitten", 1), ("kitten", 2), ("loan", 1), ("loan", 2)]
    one = json.loads(cli("search", "loan", "-m", tmp_path / "lsa.ekm", "-k", "2", "--json").stdout)
    assert rows[2:] == one
    assert r.stderr.splitlines() == ["embedkit: warning: 'zebra' is not in the vocabulary (12 words)"]
    r = cli("search", "-", "-m", tmp_path / "lsa.ekm", input="zebra\n!!\n")
    assert r.exit_code == 5 and len(r.stderr.splitlines()) == 1 and "has no words" in r.stderr
    r = cli("search", "-", "-m", tmp_path / "lsa.ekm", input="\n")
    assert r.exit_code == 2 and "no queries on stdin" in r.stderr


def test_lsa_bad_input(cli, tmp_path):
    (tmp_path / "docs.txt").write_text("\n".join(DOCS) + "\n")
    r = cli("lsa", tmp_path / "docs.txt", "-o", tmp_path / "lsa.ekm", "--dim", "50")
    assert r.exit_code == 2 and "--dim 50 is too large" in r.stderr
    (tmp_path / "one.txt").write_text("kitten\n")  # one document: refused before it is tokenized
    r = cli("lsa", tmp_path / "one.txt", "-o", tmp_path / "one.ekm", "--dim", "2")
    assert r.exit_code == 2 and "--dim 2 is too large for 1 document (at most 1)" in r.stderr
    (tmp_path / "two.txt").write_text("kitten\nkitten\n")  # two documents of one word: nouns agree
    r = cli("lsa", tmp_path / "two.txt", "-o", tmp_path / "two.ekm", "--dim", "2")
    assert r.exit_code == 2 and "--dim 2 is too large for 2 documents × 1 word (at most 1)" in r.stderr
    r = cli("lsa", tmp_path / "one.txt", "-o", tmp_path / "one.ekm", "--dim", "1")
    assert r.exit_code == 0 and "1 document × 1 word → 1 dim:" in r.stderr, r.stderr
    (tmp_path / "empty.txt").write_text("\n\n")
    r = cli("lsa", tmp_path / "empty.txt", "-o", tmp_path / "e.ekm")
    assert r.exit_code == 4 and "no words" in r.stderr
    cli("lsa", tmp_path / "docs.txt", "-o", tmp_path / "lsa.ekm", "--dim", "2", "-q")
    r = cli("search", "kiten", "-m", tmp_path / "lsa.ekm")
    assert r.exit_code == 5 and "did you mean 'kitten'" in r.stderr and len(r.stderr.splitlines()) == 1
    for empty in ("", "!!"):  # no words at all: exit 5 as `neighbors ""` gives
        r = cli("search", empty, "-m", tmp_path / "lsa.ekm")
        assert r.exit_code == 5 and "has no words" in r.stderr and len(r.stderr.splitlines()) == 1
    r = cli("search", "cat", "-m", tmp_path / "lsa.ekm", "-k", "0")
    assert r.exit_code == 2 and "-k must be at least 1" in r.stderr
    (tmp_path / "lsa.docs.npz").unlink()
    r = cli("search", "cat", "-m", tmp_path / "lsa.ekm")
    assert r.exit_code == 3 and "lsa.docs.npz: no such file" in r.stderr
    with pytest.raises(Exception, match="not an LSA model"):
        from embedkit.vectors import Embedding

        Embedding(["a"], np.ones((1, 1), np.float32)).save(tmp_path / "w.ekm")
        LSAModel.load(tmp_path / "w.ekm")
