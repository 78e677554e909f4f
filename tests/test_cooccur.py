import numpy as np
import pytest
import scipy.sparse as sp

from embedkit.cooccur import count_cooccurrences, distance_weights
from embedkit.corpus import EncodedCorpus, encode_with_vocab
from embedkit.errors import ParameterError
from embedkit.io import load_matrix
from embedkit.tokenize import Tokenizer
from embedkit.vocab import Vocabulary

from .conftest import LECTURE, one_line_error


def lecture_counts(tmp_path, window, **kw):
    p = tmp_path / "lecture.txt"
    p.write_text(LECTURE)
    with EncodedCorpus(str(p), Tokenizer()) as enc:
        v = Vocabulary.from_counts(enc.word_counts(), min_count=1)
        c = count_cooccurrences(enc.id_blocks(v), len(v), window=window, **kw)
    return v, c


def test_lecture_window_of_four_consecutive_words(tmp_path):
    """A window of 4 consecutive words = pairs at distance <= 3 = ``window=3``.

    Counted by hand on the three sentences (one per line, case folded):
    dog–park: "dog to the park" (d=3) + "dog park" (d=1)            = 2
    dog–the:  "dog to the" (d=2) + "the dog" (d=1)                  = 2
    park–the: "the park" (d=1) + "the dog park" (d=2)               = 2
    park–crowded: "park is always crowded" (d=3)                    = 1
    dog–crowded (d=4) and crowded–the (d=5) are outside the window  = 0
    (The lecture's table prints dog–the as 3, which no consistent window rule gives.)
    """
    v, c = lecture_counts(tmp_path, window=3)
    words = ["dog", "park", "crowded", "the"]
    i = [v.index[w] for w in words]
    table = c.toarray()[np.ix_(i, i)]
    expected = np.array(
        [
            # dog park crowded the
            [0, 2, 0, 2],  # dog
            [2, 0, 1, 2],  # park
            [0, 1, 0, 0],  # crowded
            [2, 2, 0, 0],  # the
        ]
    )
    np.testing.assert_array_equal(table, expected)
    assert (c != c.T).nnz == 0


def test_lines_are_never_crossed(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b\nc d\n")
    v = Vocabulary(["a", "b", "c", "d"], np.ones(4))
    c = count_cooccurrences(encode_with_vocab(str(p), Tokenizer(), v), 4, window=5).toarray()
    assert c[1, 2] == 0 and c[0, 3] == 0
    assert c[0, 1] == 1 and c[2, 3] == 1


def test_out_of_vocabulary_words_are_removed_before_windowing():
    # ids: a x b with x unknown: with window 1, a and b become neighbours
    ids = np.array([0, -2, 1, -1], dtype=np.int32)
    c = count_cooccurrences([ids], 2, window=1).toarray()
    assert c[0, 1] == 1 and c[1, 0] == 1


def test_weightings_follow_their_formulas():
    ids = np.array([0, 1, 2, 3, -1], dtype=np.int32)  # a b c d on one line
    for weighting, w in [("uniform", [1, 1, 1]), ("harmonic", [1, 1 / 2, 1 / 3]), ("linear", [1, 2 / 3, 1 / 3])]:
        c = count_cooccurrences([ids], 4, window=3, weighting=weighting).toarray()
        assert c[0, 1] == pytest.approx(w[0])
        assert c[0, 2] == pytest.approx(w[1])
        assert c[0, 3] == pytest.approx(w[2])
        assert c[3, 0] == pytest.approx(w[2])
    with pytest.raises(ParameterError, match="^weighting must be one of"):
        distance_weights(3, "cubic")
    with pytest.raises(ParameterError, match="^window must be at least 1"):
        distance_weights(0, "uniform")


def test_right_only_counts_the_following_words():
    ids = np.array([0, 1, -1], dtype=np.int32)
    c = count_cooccurrences([ids], 2, window=2, symmetric=False).toarray()
    assert c[0, 1] == 1 and c[1, 0] == 0


def test_chunking_does_not_change_counts():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 50, size=5000).astype(np.int32)
    ids[rng.random(5000) < 0.05] = -1  # line breaks
    ids[rng.random(5000) < 0.05] = -2  # unknown words
    whole = count_cooccurrences([ids], 50, window=4, weighting="harmonic")
    pieces = count_cooccurrences(np.array_split(ids, 37), 50, window=4, weighting="harmonic")
    assert abs(whole - pieces).max() < 1e-9
    # brute force
    kept = [(t, line) for t, line in zip(ids, np.cumsum(ids == -1)) if t >= 0]
    dense = np.zeros((50, 50))
    for i in range(len(kept)):
        for d in range(1, 5):
            if i + d < len(kept) and kept[i][1] == kept[i + d][1]:
                dense[kept[i][0], kept[i + d][0]] += 1 / d
                dense[kept[i + d][0], kept[i][0]] += 1 / d
    np.testing.assert_allclose(whole.toarray(), dense)


def test_subsampling_is_seeded_and_independent_of_blocking():
    rng = np.random.default_rng(2)
    ids = rng.integers(0, 20, size=4000).astype(np.int32)
    keep = np.full(20, 0.5)
    a = count_cooccurrences([ids], 20, window=2, keep_probability=keep, seed=3)
    b = count_cooccurrences(np.array_split(ids, 7), 20, window=2, keep_probability=keep, seed=3)
    c = count_cooccurrences([ids], 20, window=2, keep_probability=keep, seed=4)
    full = count_cooccurrences([ids], 20, window=2)
    assert abs(a - b).max() == 0
    assert abs(a - c).max() > 0
    # tokens are dropped before windowing (word2vec's way), so windows close up over the gaps:
    # half the tokens kept gives about half the pairs, not a quarter
    assert 0.45 < a.sum() / full.sum() < 0.55
    assert sp.isspmatrix_csr(a)


@pytest.mark.parametrize("break_rate", [0.05, 0.0005])
def test_segments_workers_and_long_lines_do_not_change_counts(break_rate):
    """Cutting the stream into segments (at line breaks, or inside a line longer than the
    segment with the previous kept words as context) and counting on several processes
    gives exactly the counts of one pass."""
    rng = np.random.default_rng(5)
    ids = rng.integers(0, 30, size=20000).astype(np.int32)
    ids[rng.random(ids.size) < break_rate] = -1
    ids[rng.random(ids.size) < 0.2] = -2  # long runs of skipped words around the cuts
    keep = np.linspace(0.3, 1.0, 30)
    kw = dict(window=5, weighting="linear", keep_probability=keep, seed=9)
    reference = count_cooccurrences([ids], 30, segment_tokens=10**9, **kw)
    for segment_tokens, workers in [(7, 1), (64, 1), (500, 2), (3000, 2)]:
        got = count_cooccurrences(np.array_split(ids, 13), 30, segment_tokens=segment_tokens, workers=workers, **kw)
        assert abs(got - reference).max() < 1e-9, (segment_tokens, workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_memory_budget_spills_runs_to_disk_with_the_same_counts(tmp_path, workers):
    rng = np.random.default_rng(11)
    ids = rng.integers(0, 400, size=60000).astype(np.int32)
    ids[rng.random(ids.size) < 0.02] = -1
    kw = dict(window=4, weighting="harmonic", segment_tokens=3000, workers=workers)
    reference = count_cooccurrences([ids], 400, **kw)
    spilled = count_cooccurrences([ids], 400, memory=20_000, spill_dir=str(tmp_path), **kw)
    assert abs(spilled - reference).max() < 1e-9
    assert spilled.has_canonical_format
    assert list(tmp_path.iterdir()) == []  # the runs are removed afterwards
    # float32 assembly (as train-words does with --memory), and one-sided counts
    single = count_cooccurrences([ids], 400, memory=20_000, spill_dir=str(tmp_path), dtype=np.float32, **kw)
    assert single.dtype == np.float32 and abs(single - reference).max() < 1e-3
    right = count_cooccurrences([ids], 400, memory=20_000, symmetric=False, **kw)
    assert abs(right - count_cooccurrences([ids], 400, symmetric=False, **kw)).max() < 1e-9
    assert abs(right + right.T - reference).max() < 1e-9


def test_spilled_runs_are_written_and_merged_by_row_blocks(tmp_path):
    from embedkit.spill import SpillingSum

    rng = np.random.default_rng(12)
    parts = [sp.random(50, 50, density=0.1, random_state=rng, format="csr") for _ in range(7)]
    acc = SpillingSum(budget=100, directory=str(tmp_path))
    for p in parts:
        acc.add(p)
    runs = acc.total(sp.csr_matrix((50, 50)))
    assert len(runs.paths) >= 3 and runs.transposed == []
    merged = runs.merge(rows_per_block_nnz=40)
    np.testing.assert_allclose(merged.toarray(), sum(p.toarray() for p in parts))
    # with the transposes written too, the merge gives the symmetric sum
    acc = SpillingSum(budget=100, directory=str(tmp_path), transpose=True)
    for p in parts:
        acc.add(p)
    runs = acc.total(sp.csr_matrix((50, 50)))
    assert len(runs.transposed) == len(runs.paths) >= 3
    total = sum(p.toarray() for p in parts)
    np.testing.assert_allclose(runs.merge(rows_per_block_nnz=40, symmetric=True).toarray(), total + total.T)


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_reports_every_token_once_counted(workers):
    ids = np.random.default_rng(13).integers(-1, 50, size=30000).astype(np.int32)
    seen = []
    count_cooccurrences(
        np.array_split(ids, 5), 50, window=3, workers=workers, segment_tokens=2000, progress=seen.append
    )
    assert sum(seen) == ids.size and len(seen) > 5


def test_a_cut_inside_a_long_line_takes_no_context_from_the_line_before():
    # a short line, then a long line whose first kept word is followed by many skipped
    # words: the cut lands inside the long line, and the context it carries must stop
    # at the line break (found by the Dask engine's review)
    ids = np.array([1, 2, 3, -1, 4] + [-2] * 40 + [5, 6, 7, 4, 5] * 6 + [-1], dtype=np.int32)
    reference = count_cooccurrences([ids], 8, window=5, segment_tokens=10**9)
    cut = count_cooccurrences(np.array_split(ids, 15), 8, window=5, segment_tokens=7)
    assert reference[5, 3] == 0 and reference[5, 4] > 0
    assert abs(cut - reference).max() == 0


def test_a_large_corpus_gets_a_memory_budget_by_default(tmp_path, monkeypatch):
    from embedkit import pipeline
    from embedkit.pipeline import WordOptions, with_memory_budget

    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_text("a b\n" * 10)
    big.write_text("a b\n" * 1000)
    monkeypatch.setattr(pipeline, "AUTO_MEMORY_TEXT_BYTES", 2000)
    assert with_memory_budget(WordOptions(), [str(small)]).memory is None
    budget = with_memory_budget(WordOptions(), [str(big)]).memory
    assert 0 < budget <= 4 << 30
    assert with_memory_budget(WordOptions(memory=5 << 20), [str(big)]).memory == 5 << 20  # the user's wins
    assert with_memory_budget(WordOptions(), ["-", str(tmp_path / "missing.txt")]).memory is None


def test_tree_sum_adds_everything_and_stays_small_when_partials_saturate():
    from embedkit.engine import TreeSum

    ints = TreeSum()
    for i in range(1, 101):
        ints.add(i)
    assert ints.total(0) == 5050 and len(ints._stack) <= 7  # a binary counter by inputs
    rng = np.random.default_rng(14)
    same = sp.random(40, 40, density=0.2, random_state=rng, format="csr")
    tree = TreeSum()
    for _ in range(64):  # the same pairs again and again: sizes do not grow
        tree.add(same)
        assert len(tree._stack) <= 2
    np.testing.assert_allclose(tree.total(sp.csr_matrix((40, 40))).toarray(), 64 * same.toarray())


def _same_bytes(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and a.data.tobytes() == b.data.tobytes()
    )


@pytest.mark.parametrize("memory", [None, 20_000])
def test_counting_on_threads_gives_the_bytes_of_one_process(tmp_path, memory):
    """Segments counted on threads are summed in their order: not merely close to the
    one-process counts (as processes are, which sum in the order they finish) but the same
    bytes, with harmonic weights whose sums round, subsampling, spilled runs and progress."""
    rng = np.random.default_rng(14)
    ids = rng.integers(0, 300, size=50000).astype(np.int32)
    ids[rng.random(ids.size) < 0.01] = -1
    kw = dict(window=5, weighting="harmonic", keep_probability=np.linspace(0.4, 1.0, 300), seed=3, segment_tokens=2500)
    kw.update(memory=memory, spill_dir=str(tmp_path))
    reference = count_cooccurrences(np.array_split(ids, 7), 300, workers=1, **kw)
    seen = []
    threaded = count_cooccurrences(np.array_split(ids, 7), 300, workers=2, threads=True, progress=seen.append, **kw)
    assert _same_bytes(threaded, reference)
    assert sum(seen) == ids.size and len(seen) >= 20
    assert reference.nnz > 10_000


def test_map_reduce_on_threads_folds_in_the_items_order():
    """Calls that finish out of order are still folded in the items' order (an fn whose
    results do not commute: lists, whose + is concatenation), one call at a time per thread."""
    import threading
    import time

    from embedkit.engine import map_reduce

    running, most = [0], [0]
    lock = threading.Lock()

    def fn(i: int) -> list:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.002 * ((7 * i) % 5))  # later items often finish first
        with lock:
            running[0] -= 1
        return [i]

    got = map_reduce(fn, range(40), 3, list, threads=True)
    assert got == list(range(40))
    assert 2 <= most[0] <= 3
    assert map_reduce(fn, [], 3, list, threads=True) == []


def test_the_spill_directory_cannot_outlive_an_interrupt(tmp_path, monkeypatch):
    """The removal is armed before the directory exists: a Ctrl-C landing the moment after
    it is made (as a loaded machine can deliver it) leaves nothing behind."""
    import os

    from embedkit.io import scratch_directory

    with scratch_directory("embedkit-spill-", tmp_path) as d:
        assert os.path.isdir(d) and os.path.basename(d).startswith("embedkit-spill-")
        (tmp_path / os.path.basename(d) / "run-0.npz").write_bytes(b"x")
    assert list(tmp_path.iterdir()) == []
    real_mkdir = os.mkdir

    def mkdir_then_interrupted(path, mode=0o777):
        real_mkdir(path, mode)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "mkdir", mkdir_then_interrupted)
    with pytest.raises(KeyboardInterrupt), scratch_directory("embedkit-spill-", tmp_path):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_ctrl_c_while_workers_are_forked_is_held_until_they_are():
    """A terminal's Ctrl-C signals the whole process group.  Landing while a pool forked
    its workers, it printed a child's KeyboardInterrupt traceback (the child had not yet
    set SIGINT aside), or stopped the parent between starting workers and recording them,
    whose exit then waited for them for ever (seen in 4 of 52 ``timeout -s INT 0.5…1.25
    embedkit train-words corpora/demo.txt --workers 2`` runs; none of 78 since).  Within
    the block a child takes the signal quietly, and the parent raises it after."""
    import os
    import signal

    from embedkit.interrupts import interrupts_deferred

    after = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            pid = os.fork()
            if pid == 0:  # the child, before it sets SIGINT aside: the signal raises nothing
                try:
                    os.kill(os.getpid(), signal.SIGINT)
                    sum(range(1000))  # a few bytecodes, where a pending signal is handled
                    os._exit(0)
                except BaseException:
                    os._exit(1)
            _, status = os.waitpid(pid, 0)
            after.append(os.waitstatus_to_exitcode(status))
    assert after == [0]  # the parent's Ctrl-C came after the block, the child ended cleanly
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_vocabulary_tokenized_another_way_is_refused_at_cooccur(cli, tmp_path):
    # walks' node ids counted with '\S+' but the corpus read with the default (letters):
    # every count was zero, and the run failed two stages later, at pmi
    walks = tmp_path / "walks.txt"
    walks.write_text("n1 n2 n3 n1\nn2 n3 n1 n2\n")
    vocab = tmp_path / "vocab.tsv"
    assert cli("vocab", walks, "--pattern", r"\S+", "--min-count", "1", "-o", vocab).exit_code == 0
    out = tmp_path / "c.npz"
    r = cli("cooccur", walks, "--vocab", vocab, "-o", out)
    one_line_error(r, "walks.txt: no two words of the given vocabulary share a window", "--pattern", code=4)
    assert not out.exists()
    r = cli("cooccur", walks, "--vocab", vocab, "--pattern", r"\S+", "-o", out)
    assert r.exit_code == 0, r.stderr
    m, words, _, _ = load_matrix(out)
    assert sorted(words) == ["n1", "n2", "n3"] and (m.toarray() + np.eye(3) > 0).all()  # every pair of ids


def test_a_vocabulary_file_of_space_separated_counts_reads_as_its_tab_separated_twin(cli, tmp_path):
    """gensim's fvocab (``word count`` a line) is the same vocabulary as ``word<TAB>count``."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\nthe dog sat\n" * 3)
    out = {}
    for name, text in (("tab", "the\t9\ncat\t3\nsat\t6\n"), ("space", "the 9\ncat  3\nsat 6\n")):
        vocab = tmp_path / f"{name}.txt"
        vocab.write_text(text)
        r = cli("cooccur", corpus, "--vocab", vocab, "--min-count", "1", "-o", tmp_path / f"{name}.npz")
        assert r.exit_code == 0, r.stderr
        m, words, counts, _ = load_matrix(tmp_path / f"{name}.npz")
        out[name] = (m.toarray(), words, list(counts))
    np.testing.assert_array_equal(out["tab"][0], out["space"][0])
    assert out["tab"][1:] == out["space"][1:] == (["the", "cat", "sat"], [9, 3, 6])
    vocab = tmp_path / "three.txt"
    vocab.write_text("the 9\nbig cat 3\n")
    one_line_error(cli("cooccur", corpus, "--vocab", vocab, "-o", tmp_path / "x.npz"), "line 2", "'word count'", code=4)


@pytest.mark.parametrize(
    "text, needles",
    [
        ("the\t5\ncat\t3\nthe\t2\n", ["v.tsv, line 3", "'the' is listed twice (first on line 1)"]),
        ("the\t5\ncat\t-3\n", ["v.tsv, line 2", "count of 'cat' is negative (-3)"]),
        ("the\t5\ncat\tmany\n", ["v.tsv, line 2", "count 'many' is not an integer"]),
    ],
)
def test_a_bad_vocabulary_file_names_its_line_and_word(cli, tmp_path, text, needles):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat\n")
    vocab = tmp_path / "v.tsv"
    vocab.write_text(text)
    one_line_error(cli("cooccur", corpus, "--vocab", vocab, "-o", tmp_path / "c.npz"), *needles, code=4)
    assert not (tmp_path / "c.npz").exists()


@pytest.mark.parametrize("head", ["word\tcount\n", "\tcount\n"])  # pandas: value_counts().to_csv(sep="\t")
def test_a_vocabulary_file_with_a_header_row(cli, tmp_path, head):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat\nthe cat ran\n")
    vocab = tmp_path / "v.tsv"
    assert cli("vocab", corpus, "--min-count", "1", "-o", vocab).exit_code == 0
    plain = vocab.read_text()
    vocab.write_text(head + plain)
    r = cli("cooccur", corpus, "--vocab", vocab, "-o", tmp_path / "h.npz")
    assert r.exit_code == 0, r.stderr
    vocab.write_text(plain)
    assert cli("cooccur", corpus, "--vocab", vocab, "-o", tmp_path / "p.npz").exit_code == 0
    with_header, without = load_matrix(tmp_path / "h.npz"), load_matrix(tmp_path / "p.npz")
    assert with_header[1] == without[1] and (with_header[0] != without[0]).nnz == 0
    vocab.write_text(plain + head)  # only a first line can be a header
    one_line_error(cli("cooccur", corpus, "--vocab", vocab, "-o", tmp_path / "x.npz"), "line 5", code=4)
