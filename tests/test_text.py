import bz2
import gzip
import lzma
import unicodedata

import numpy as np
import pytest

from embedkit.corpus import EncodedCorpus
from embedkit.errors import DataError, InputError, ParameterError
from embedkit.io import read_blocks
from embedkit.tokenize import Tokenizer
from embedkit.vocab import Vocabulary, count_words


def test_default_tokenizer_is_unicode_aware_and_lowercases():
    tok = Tokenizer()
    assert tok.tokenize("Café au lait, NAÏVE résumé 42 foo_bar Straße") == [
        "café",
        "au",
        "lait",
        "naïve",
        "résumé",
        "foo",
        "bar",
        "straße",
    ]
    assert Tokenizer(lowercase=False).tokenize("The Dog") == ["The", "Dog"]


def test_custom_pattern_with_groups_returns_whole_matches():
    tok = Tokenizer(pattern=r"(\w)+")
    assert tok.tokenize("ab cd") == ["ab", "cd"]
    with pytest.raises(ParameterError, match="^pattern "):
        Tokenizer(pattern="(")
    with pytest.raises(ParameterError, match="empty string"):
        Tokenizer(pattern="a*")


def test_block_tokens_marks_line_ends_for_both_paths():
    text = "A b\n\nc D\n"
    assert Tokenizer().block_tokens(text) == ["a", "b", "\n", "\n", "c", "d", "\n"]
    assert Tokenizer(pattern=r"\S+").block_tokens(text) == ["a", "b", "\n", "\n", "c", "d", "\n"]


@pytest.mark.parametrize("opener,suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_compressed_corpora_read_transparently(tmp_path, opener, suffix):
    p = tmp_path / f"c.txt{suffix}"
    with opener(p, "wt") as f:
        f.write("one two\nthree")
    assert "".join(read_blocks(str(p))) == "one two\nthree\n"


def test_blocks_end_at_newlines_and_keep_every_byte(tmp_path):
    p = tmp_path / "c.txt"
    lines = [f"line {i} " + "x" * (i % 17) for i in range(2000)]
    p.write_text("\n".join(lines) + "\n")
    blocks = list(read_blocks(str(p), chunk_bytes=1000))
    assert len(blocks) > 10
    assert all(b.endswith("\n") for b in blocks)
    assert "".join(blocks).splitlines() == lines


def test_non_utf8_input_names_file_line_and_bytes(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"fine line\nbad \xff byte\n")
    with pytest.raises(DataError, match=r"bad.txt, line 2: not UTF-8 text: bytes FF in 'bad .xff byte'"):
        list(read_blocks(str(p)))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_blocks(str(tmp_path / "nope.txt")))
    with pytest.raises(InputError, match="is a directory"):
        list(read_blocks(str(tmp_path)))


def test_vocabulary_min_count_max_size_and_deterministic_ties():
    counts = {"b": 3, "a": 3, "c": 10, "d": 1}
    v = Vocabulary.from_counts(counts, min_count=2)
    assert v.words == ["c", "a", "b"]
    assert v.counts.tolist() == [10, 3, 3]
    assert Vocabulary.from_counts(counts, min_count=1, max_size=2).words == ["c", "a"]
    with pytest.raises(ParameterError, match="^min_count must be at least 1"):
        Vocabulary.from_counts(counts, min_count=0)


def test_vocabulary_tsv_round_trip(tmp_path):
    v = Vocabulary(["x", "y"], np.array([5, 2]))
    p = tmp_path / "v.tsv"
    with open(p, "w") as f:
        v.write_tsv(f)
    back = Vocabulary.read_tsv(str(p))
    assert back.words == ["x", "y"] and back.counts.tolist() == [5, 2]
    p.write_text("x\tfive\n")
    with pytest.raises(DataError, match="line 1"):
        Vocabulary.read_tsv(str(p))


def test_encoded_corpus_replays_final_ids(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b a\nc a\n")
    with EncodedCorpus(str(p), Tokenizer()) as enc:
        assert enc.word_counts() == {"a": 3, "b": 1, "c": 1}
        assert enc.n_tokens == 5 and enc.n_lines == 2
        v = Vocabulary.from_counts(enc.word_counts(), min_count=2)
        ids = np.concatenate(list(enc.id_blocks(v, block_tokens=3)))
    # a → 0; b, c out of vocabulary (-2); line breaks -1
    assert ids.tolist() == [0, -2, 0, -1, -2, 0, -1]
    assert count_words(str(p), Tokenizer()) == {"a": 3, "b": 1, "c": 1}


def test_a_line_longer_than_a_block_is_split_at_spaces_without_breaking_the_line(tmp_path):
    p = tmp_path / "one_line.txt"
    words = [f"w{i % 50}x" for i in range(5000)]
    p.write_text(" ".join(words))  # no newline at all, like text8
    blocks = list(read_blocks(str(p), chunk_bytes=1000))
    assert len(blocks) > 10
    assert "".join(blocks).split() == words
    with EncodedCorpus(str(p), Tokenizer(pattern=r"\S+"), chunk_bytes=1000) as enc:
        v = Vocabulary.from_counts(enc.word_counts(), min_count=1)
        ids = np.concatenate(list(enc.id_blocks(v)))
    assert (ids == -1).sum() == 1  # one line: a single break, at the very end
    assert [v.words[i] for i in ids[:-1]] == words


def test_prepare_text8_from_a_zip(tmp_path):
    import zipfile

    from embedkit.corpus import prepare_text8

    words = [f"word{i % 97}" for i in range(2503)]
    with zipfile.ZipFile(tmp_path / "text8.zip", "w") as z:
        z.writestr("text8", " " + " ".join(words))  # text8 starts with a space, has no newline
    n = prepare_text8(str(tmp_path / "text8.zip"), str(tmp_path / "text8"), words_per_line=1000)
    lines = (tmp_path / "text8").read_text().splitlines()
    assert n == 2503
    assert [len(line.split()) for line in lines] == [1000, 1000, 503]
    assert " ".join(lines).split() == words


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_fuzz_tokenizer_block_and_line_paths_agree(text):
    tok = Tokenizer()
    tokens = tok.block_tokens(text if text.endswith("\n") else text + "\n")
    per_line = []
    for line in (text if text.endswith("\n") else text + "\n").split("\n")[:-1]:
        per_line.extend(tok.tokenize(line))
        per_line.append("\n")
    # str.splitlines also splits on \r, \x0b, \u2028 ...; the block path splits on \n only
    if all(ch not in text for ch in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        assert tokens == per_line
    words = [t for t in tokens if t != "\n"]
    assert all(t and not any(ch.isspace() for ch in t) for t in words)
    assert all(t == t.lower() for t in words)  # lower-cased by default
    # tokenizing the tokenizer's own output changes nothing (pipelines re-tokenize)
    assert tok.tokenize(" ".join(words)) == words


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_arbitrary_bytes_either_decode_or_fail_cleanly(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("fuzz") / "c.txt"
    p.write_bytes(data)
    try:
        text = "".join(read_blocks(str(p)))
    except DataError as exc:
        assert "not UTF-8" in str(exc)
    except InputError as exc:  # bytes that start like gzip / bzip2 / xz data, or a NUL byte
        binary = "a binary file" in str(exc) and b"\x00" in data[:8192]
        binary = binary or ("a NumPy .npy array" in str(exc) and data.startswith(b"\x93NUMPY"))
        assert binary or ("cannot read" in str(exc) and data[:1] in (b"\x1f", b"B", b"\xfd"))
    else:  # what every reader sees: no BOM, "\n" line ends, NFC
        expected = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        assert text.rstrip("\n") == unicodedata.normalize("NFC", expected).rstrip("\n")


def test_shard_ranges_end_at_newlines_or_spaces_and_cover_the_file(tmp_path):
    from embedkit.io import shard_ranges

    p = tmp_path / "c.txt"
    lines = [" ".join(f"w{i}_{j}" for j in range(i % 40)) for i in range(500)]
    lines.insert(250, " ".join(f"long{j}" for j in range(3000)))  # a line of ~25 kB
    data = ("\n".join(lines)).encode()  # no final newline
    p.write_bytes(data)
    ranges = list(shard_ranges(str(p), chunk_bytes=2000))
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    assert all(data[end - 1 : end] in (b"\n", b" ") for _, end in ranges[:-1])


def test_workers_reading_their_own_ranges_give_the_same_stream(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("".join(f"x{i % 7} y{i % 11} z\n" for i in range(3000)) + "last line no newline")
    b.write_text(" ".join(f"t{i % 13}" for i in range(4000)))  # one long line
    streams = []
    for workers in (1, 2):
        with EncodedCorpus([str(a), str(tmp_path / "b.*")], Tokenizer(), chunk_bytes=1500, workers=workers) as enc:
            v = Vocabulary.from_counts(enc.word_counts(), min_count=1)
            streams.append(([v.words[i] if i >= 0 else "\n" for i in np.concatenate(list(enc.id_blocks(v)))], v))
    (s1, v1), (s2, v2) = streams
    assert v1.words == v2.words and v1.counts.tolist() == v2.counts.tolist()
    assert s1 == s2
    assert s1.count("\n") == 3002  # every line of a, a's unterminated last line, b's single line
