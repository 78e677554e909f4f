"""The compiled loops (embedkit.kernels) against the numpy / ``re`` code they replace."""

import numpy as np
import pytest

from embedkit import cooccur, kernels
from embedkit.tokenize import Tokenizer, words_of

pytestmark = pytest.mark.skipif(not kernels.ENABLED, reason="numba is not installed (or EMBEDKIT_NO_JIT is set)")


def compiled_block(tok, text):
    """:meth:`Tokenizer.block_words` (the compiled scanner) as (words, counts, ids)."""
    chars, lengths, counts, ids = tok.block_words(text)
    return words_of(chars, lengths), counts.tolist(), ids


@pytest.mark.parametrize(
    "text",
    [
        "The girl walks to her dog to the park\nthe dog\n",
        "Café au LAIT, naïve\r\nİstanbul ŞEHİR x2y_z ΑΘΗΝΑ 日本語テキスト\n\n\ttail",
        "",
        "   , . ;",
        "\n\n\n",
        "no newline at the end",
    ],
)
@pytest.mark.parametrize("lowercase", [True, False])
def test_the_compiled_tokenizer_gives_the_regex_tokens(text, lowercase):
    tok = Tokenizer(lowercase=lowercase)
    words, counts, ids = compiled_block(tok, text)
    assert [words[i] for i in ids] == tok.block_tokens(text)
    ref_words, ref_counts, ref_ids = tok.block_counts(text)  # the regular expression
    assert (words, counts, ids.tolist()) == (ref_words, ref_counts, ref_ids.tolist())


def test_the_tokenizer_rescans_when_a_block_has_more_distinct_words_than_expected():
    # 64 characters per distinct word is the first guess; these are 5-letter words
    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyzé"))
    words = ["".join(rng.choice(letters, 5)) for _ in range(6000)]
    text = " ".join(words) + "\n" + " ".join(words[:100]) + "\n"
    tok = Tokenizer()
    got = compiled_block(tok, text)
    ref = tok.block_counts(text)
    assert got[0] == ref[0] and got[1] == ref[1] and got[2].tolist() == ref[2].tolist()
    assert len(got[0]) > len(text) // 64 + 1024


@pytest.mark.parametrize("weighting", ["uniform", "harmonic"])
@pytest.mark.parametrize("with_context", [False, True])
@pytest.mark.parametrize("subsample", [False, True])
def test_the_compiled_pair_counter_matches_the_numpy_one(weighting, with_context, subsample, monkeypatch):
    rng = np.random.default_rng(7)
    n = 300
    ids = (rng.zipf(1.3, 20000) % n).astype(np.int32)
    ids[rng.random(ids.size) < 0.03] = -1
    ids[rng.random(ids.size) < 0.1] = -2
    context = rng.integers(0, n, 9).astype(np.int32) if with_context else np.empty(0, np.int32)
    keep = np.linspace(0.2, 1.0, n) if subsample else None
    task = (ids, context, 1234, n, cooccur.distance_weights(4, weighting), keep, 5)
    got = cooccur.count_segment(task)
    monkeypatch.setattr(kernels, "ENABLED", False)
    ref = cooccur.count_segment(task)
    assert got.has_canonical_format and got.nnz == ref.nnz
    np.testing.assert_array_equal(got.indptr, ref.indptr)
    np.testing.assert_array_equal(got.indices, ref.indices)
    np.testing.assert_allclose(got.data, ref.data, rtol=1e-12)
    assert got.sum() > 0


@pytest.mark.parametrize("compiled", [True, False])
def test_the_word_store_finds_words_without_adding_them(compiled, monkeypatch):
    monkeypatch.setattr(kernels, "ENABLED", compiled)
    from embedkit.vocab import WordStore

    store = WordStore.of_words(["the", "café", "a", "naïve"])
    chars, lengths, counts, _ = Tokenizer().block_words("the Café zz\nnaïve a the b\n")
    found = store.find(chars, lengths)
    # ids as of_words gives them: the line break 0, then 1, 2, … in order; -1 when absent
    expected = {"the": 1, "café": 2, "a": 3, "naïve": 4, "\n": 0}
    assert found.tolist() == [expected.get(w, -1) for w in words_of(chars, lengths)]
    assert store.n_words == 5 and store.counts.tolist() == [0] * 5  # nothing was added
    # entries() round-trips: a second store built from them has the same words and counts
    block = WordStore()
    block.add(chars, lengths, counts)
    again = WordStore()
    again.add(*block.entries())
    again.add(*block.entries())
    assert again.words(np.arange(again.n_words)) == block.words(np.arange(block.n_words))
    assert again.counts.tolist() == (2 * block.counts).tolist()
    with pytest.raises(ValueError, match="twice"):
        WordStore.of_words(["dog", "dog"])


def test_the_conjugate_gradient_passes_give_the_numpy_steps():
    from embedkit import subwords

    rng = np.random.default_rng(3)
    z, r, p, q = (rng.standard_normal((37, 5)).astype(np.float32) for _ in range(4))
    inv = rng.uniform(0.1, 1, 37).astype(np.float32)
    alpha, beta = rng.standard_normal(5).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    lam = np.float32(0.7)
    z2, r2, p2 = z.copy(), r.copy(), p.copy()
    got = kernels.cg_step(z, r, p, q, inv, alpha, lam, 4, 30)
    want = subwords._cg_step_numpy(z2, r2, p2, q, inv, alpha, lam, 4, 30)
    np.testing.assert_allclose(z, z2, rtol=1e-6)
    np.testing.assert_allclose(r, r2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # by hand for one row: the rows outside lo..hi are untouched
    np.testing.assert_array_equal(r[30:], r2[30:])
    new_r = r2[4:30].astype(np.float64)
    np.testing.assert_allclose(got[1], (new_r**2).sum(0), rtol=1e-6)
    np.testing.assert_allclose(got[0], (inv[4:30, None] * new_r**2).sum(0), rtol=1e-6)
    got = kernels.cg_direction(p, r, inv, beta, 0, 37)
    want = subwords._cg_direction_numpy(p2, r2, inv, beta, 0, 37)
    np.testing.assert_allclose(p, p2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(kernels.column_squares(q, 2, 9), (q[2:9].astype(np.float64) ** 2).sum(0), rtol=1e-6)


def test_the_letter_table_filled_in_as_far_as_needed_is_the_regular_expressions(monkeypatch):
    """Each process fills in the letter table only as far as its blocks' largest code point
    (all of Unicode took 0.1–0.3 s a process): in steps, it is the table the regular
    expression gives for every code point, and tokenizes as the regular expression does."""
    import re

    from embedkit import tokenize

    monkeypatch.setattr(tokenize, "_LETTERS", np.zeros(0x110000, dtype=np.uint8))
    monkeypatch.setattr(tokenize, "_LETTERS_BUILT", 0)
    assert tokenize._letter_table(128)[:128].sum() == 52 and tokenize._LETTERS_BUILT == 4096
    tokenize._letter_table(5000)
    assert tokenize._LETTERS_BUILT == 8192
    text = "It's 3 o'clock_now: naïve ΑΒΓ δ\nABC def9ghi 𝒜𝒷 中文\n"
    tok = tokenize.Tokenizer()
    for block in (text, "plain ascii_text 42 here\n"):
        chars, lengths, counts, ids = tok.block_words(block)
        words, want_counts, want_ids = tok.block_counts(block)
        assert "".join(words) == chars.tobytes().decode("utf-32-le")
        assert counts.tolist() == want_counts and ids.tolist() == want_ids.tolist()
    full = tokenize._letter_table()
    assert tokenize._LETTERS_BUILT == 0x110000
    want = np.zeros(0x110000, dtype=np.uint8)
    for m in re.finditer(tokenize.DEFAULT_PATTERN, "".join(map(chr, range(0x110000)))):
        want[m.start() : m.end()] = 1
    assert np.array_equal(full, want)


@pytest.mark.skipif(not kernels.ENABLED, reason="numba is not installed or EMBEDKIT_NO_JIT is set")
def test_a_ctrl_c_while_numba_compiles_is_raised_once_the_compile_is_done(tmp_path, monkeypatch):
    """A Ctrl-C that lands inside numba's compiler broke it half-way: LLVM objects left
    half closed (a traceback at exit), a library marked compiled without code (exit 1,
    'no compiled object yet'), or, landing in one of llvmlite's finalizers, the interrupt
    was dropped and ``train-words`` ran on to exit 0 (1 run in 52 with SIGINT at random
    delays).  The signal is sent from inside the compile (numba's own compile event), so
    the handler would run there; it must come once the loop is compiled, and the loop work."""
    import os
    import signal

    import numba
    from numba.core import event

    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))  # no cache beside the tests

    def add_one(x):  # pragma: no cover - compiled
        return x + 1

    compiled = kernels.njit(add_one)

    class SendCtrlC(event.Listener):
        def on_start(self, evt):
            os.kill(os.getpid(), signal.SIGINT)  # pending: Python handles it at the next bytecode

        def on_end(self, evt):
            # did an exception end the compile? (numba 0.68's Event.is_failed says the opposite)
            ended.append(evt._exc_details is not None)

    seen, ended = [], []
    with event.install_listener("numba:compile", SendCtrlC()):
        try:
            compiled(41)
        except KeyboardInterrupt:
            seen.append("interrupted")
    assert seen == ["interrupted"]  # the Ctrl-C is not lost ...
    assert ended == [False]  # ... and came after the compile, not in the middle of it
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert compiled(41) == 42
    assert any(tmp_path.rglob("*.nbi"))  # the cache was written where asked, not beside the tests
