"""The one-shot commands as compositions of the stages: corpus → vocabulary → counts →
PMI → SVD → Embedding.  ``train-words`` on the command line is :func:`train_words`."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from . import __version__
from .cooccur import count_cooccurrences, subsample_keep_probability
from .errors import DataError, ParameterError
from .factorize import remove_top_components, svd_vectors, truncated_svd
from .files import display_name
from .parallel import check_workers
from .progress import SILENT, Reporter
from .text import EncodedCorpus, Tokenizer, Vocabulary, corpus_files
from .vectors import Embedding
from .weighting import pmi


@dataclass
class WordOptions:
    """Every parameter of ``train-words``; the defaults are the measured best (BENCHMARKS.md)."""

    pattern: str | None = None
    lowercase: bool = True
    min_count: int = 5
    max_size: int | None = None
    window: int = 10
    weighting: str = "harmonic"
    symmetric: bool = True
    subsample: float = 0.0
    transform: str = "ppmi"
    shift: float = 1.0
    cds: float = 0.75
    dim: int = 300
    solver: str = "randomized"
    n_iter: int = 4
    eig: float = 0.5
    vectors: str = "w"
    remove_top: int = 1
    seed: int = 0
    workers: int | None = None  # processes for tokenizing and counting; None = every core
    memory: int | None = None  # bytes the count partials may hold before spilling to disk
    scheduler: str | None = None  # a Dask scheduler address ("local": a cluster started here)

    def params(self) -> dict:
        """The parameters that determine the vectors (``workers``, ``memory`` and
        ``scheduler`` do not)."""
        p = asdict(self)
        for engine in ("workers", "memory", "scheduler"):
            p.pop(engine)
        return p


def build_vocabulary(counts: dict[str, int], opts: WordOptions, source: str, n_types: int | None = None) -> Vocabulary:
    """The vocabulary of ``counts`` (which may already leave out the words below
    ``--min-count``: ``n_types`` then says how many distinct words the corpus had)."""
    vocab = Vocabulary.from_counts(counts, opts.min_count, opts.max_size)
    if len(vocab) == 0:
        n_types = len(counts) if n_types is None else n_types
        if not n_types:
            raise DataError(f"{source}: the corpus has no tokens")
        raise DataError(
            f"{source}: no word occurs at least {opts.min_count} times ({n_types} distinct words); lower --min-count"
        )
    return vocab


#: Below this many tokens counting runs in one process: forking workers whose memory is
#: cold costs more than it saves (dictwiki, 4.6 M tokens: 1.4 s serial, 2.1 s on two
#: processes; 18 M tokens: 7.2 s serial, 4.1 s on two).
PARALLEL_COUNT_MIN_TOKENS = 8_000_000


def cooccurrence_counts(id_blocks, vocab: Vocabulary, opts: WordOptions, progress=None, n_tokens: int | None = None):
    """Count a stream of id blocks with the options' window, weighting and subsampling.

    ``n_tokens``, when known, lets a small corpus be counted in one process.
    """
    workers = check_workers(opts.workers)
    if n_tokens is not None and n_tokens < PARALLEL_COUNT_MIN_TOKENS:
        workers = 1
    keep = subsample_keep_probability(vocab.counts, opts.subsample) if opts.subsample > 0 else None
    return count_cooccurrences(
        id_blocks,
        len(vocab),
        window=opts.window,
        weighting=opts.weighting,
        symmetric=opts.symmetric,
        keep_probability=keep,
        seed=opts.seed,
        progress=progress,
        workers=workers,
        memory=opts.memory,
        # with a budget the corpus is large: counts are assembled in float32 (half the
        # memory; PMI is computed from them in float64 anyway)
        dtype=np.float32 if opts.memory else np.float64,
    )


def factorize_to_embedding(m, words, counts, opts: WordOptions, params: dict) -> Embedding:
    svd = truncated_svd(
        m, dim=opts.dim, solver=opts.solver, n_iter=opts.n_iter, seed=opts.seed, workers=check_workers(opts.workers)
    )
    vectors = remove_top_components(svd_vectors(svd, eig=opts.eig, vectors=opts.vectors), opts.remove_top)
    return Embedding(words, vectors, counts, params)


def parse_size(text: str | None) -> int | None:
    """Bytes from '4G', '500M', '2GB', '64k' or a plain number (None stays None)."""
    if text is None:
        return None
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[iI]?[bB]?\s*", text)
    if not m:
        raise ParameterError(f"--memory {text!r}: expected a size such as 4G, 500M or 2000000")
    factor = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
    size = int(float(m.group(1)) * factor)
    if size < 1 << 20:
        raise ParameterError(f"--memory {text!r}: at least 1M is needed")
    return size


def input_size(paths: str | list[str]) -> int | None:
    """Bytes a progress bar can expect: the total size if every file is plain, else unknown."""
    total = 0
    for path in [paths] if isinstance(paths, str) else paths:
        if path == "-" or Path(path).suffix.lower() in (".gz", ".bz2", ".xz"):
            return None
        try:
            total += Path(path).stat().st_size
        except OSError:
            return None
    return total


#: Above this much text, counting keeps a memory budget even without ``--memory``:
#: unbounded partials cost ~40 bytes a distinct pair (350 M pairs at a billion tokens).
AUTO_MEMORY_TEXT_BYTES = 1 << 30


def with_memory_budget(opts: WordOptions, files: list[str]) -> WordOptions:
    """``opts`` with a ``memory`` budget for a large corpus that has none: a quarter of
    this machine's memory, at most 4 GB (compressed files count as 3 times their size)."""
    if opts.memory is not None:
        return opts
    text = 0
    for path in files:
        try:
            size = Path(path).stat().st_size if path != "-" else 0
        except OSError:
            continue
        text += size * (3 if Path(path).suffix.lower() in (".gz", ".bz2", ".xz") else 1)
    if text < AUTO_MEMORY_TEXT_BYTES:
        return opts
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 16 << 30
    return replace(opts, memory=min(4 << 30, physical // 4))


def corpus_name(files: list[str]) -> str:
    """How a corpus of one or more files is named in messages and model parameters."""
    names = [display_name(f) for f in files]
    return names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"


def _local_counts(files: list[str], tokenizer: Tokenizer, opts: WordOptions, reporter: Reporter, source: str):
    """Tokenize and count on this machine's process pool: (vocabulary, counts, tokens)."""
    with EncodedCorpus(files, tokenizer, workers=check_workers(opts.workers)) as enc:
        with reporter.stage("tokenize", total=input_size(files)) as advance:
            enc.read(advance)
            vocab = build_vocabulary(enc.word_counts(max(opts.min_count, 1)), opts, source, enc.n_types)
        with reporter.stage("cooccur", total=enc.n_tokens + enc.n_lines, unit="tokens") as advance:
            counts = cooccurrence_counts(enc.id_blocks(vocab), vocab, opts, advance, enc.n_tokens)
        return vocab, counts, enc.n_tokens


def train_words(corpus: str | list[str], opts: WordOptions | None = None, reporter: Reporter = SILENT) -> Embedding:
    """Train word vectors on a corpus: one or more files or globs (``-`` for stdin).

    Stage times are added to ``reporter.timings`` (tokenize, cooccur, pmi, svd).
    """
    opts = opts or WordOptions()
    tokenizer = Tokenizer(opts.pattern, opts.lowercase)
    files = corpus_files(corpus)
    source = corpus_name(files)
    opts = with_memory_budget(opts, files)
    if opts.scheduler:  # the same tasks on a Dask cluster (embedkit.cluster)
        from .cluster import train_counts

        vocab, counts, n_tokens = train_counts(files, tokenizer, opts, reporter, source)
    else:
        vocab, counts, n_tokens = _local_counts(files, tokenizer, opts, reporter, source)
    with reporter.stage("pmi", total=None, unit="steps"):
        m = pmi(counts, opts.transform, opts.shift, opts.cds, copy=False)
        del counts
    with reporter.stage("svd", total=None, unit="steps"):
        params = {"kind": "words", "corpus": source, "tokens": n_tokens, "embedkit": __version__, **opts.params()}
        emb = factorize_to_embedding(m, vocab.words, vocab.counts, opts, params)
    return emb


__all__ = ["WordOptions", "train_words"]
