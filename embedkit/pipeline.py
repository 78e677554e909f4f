"""The compositions of the stages: ``train-words`` (tokenize → count → PMI → SVD, on the
local process pool or a Dask cluster) and ``embed-graph`` (NetMF, the sparse route or
walks → count → PPMI → SVD)."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from . import __version__
from .cooccur import RareContexts, count_cooccurrences, subsample_keep_probability
from .corpus import LINE_BREAK, EncodedCorpus, encode_with_vocab
from .engine import check_workers
from .errors import (
    DataError,
    EmbedkitWarning,
    ParameterError,
    check_at_least,
    check_choice,
    check_count,
    check_positive,
    counted,
    param,
)
from .graph import (
    Graph,
    directed_sparse_pmi_matrix,
    graph_sinks,
    netmf_factors,
    netmf_matrix,
    netmf_steps,
    netmf_vector_steps,
    netmf_vectors,
    propagation_steps,
    random_walks,
    sparse_pmi_matrix,
    spectral_propagation,
    spectral_vectors,
    walks_to_id_blocks,
)
from .io import corpus_files, display_name, input_size, lines_file, most_tokens, text_decoding
from .linalg import (
    RowSplitMatmul,
    fold_in_vectors,
    svd_steps,
    svd_vectors,
    top_components,
    truncated_eigh_product,
    truncated_svd,
    unit_rows,
)
from .options import GRAPH_METHODS, GRAPH_ROUTE_SETTINGS, NETMF_MAX_NODES, GraphOptions, WordOptions
from .progress import SILENT, Reporter
from .subwords import check_fit_settings as check_subword_settings
from .tokenize import Tokenizer
from .vectors import Embedding, warn_one_direction
from .vocab import Vocabulary, vocabulary_from_counts
from .weighting import count_margins, fold_in_pmi, pmi


def build_vocabulary(counts: dict[str, int], opts: WordOptions, source: str, n_types: int | None = None) -> Vocabulary:
    """The vocabulary of ``counts`` with the options' ``min_count`` and ``max_size``
    (see :func:`embedkit.vocab.vocabulary_from_counts`)."""
    return vocabulary_from_counts(counts, opts.min_count, opts.max_size, source, n_types)


#: Below this many tokens counting runs on threads of this process: forking workers whose
#: memory is cold costs more than it saves (dictwiki, 4.6 M tokens: 1.4 s serial, 2.1 s on
#: two processes; 18 M tokens: 7.2 s serial, 4.1 s on two), and threads folding the
#: segments in their order give the serial sum's bytes.
PARALLEL_COUNT_MIN_TOKENS = 8_000_000


def cooccurrence_counts(id_blocks, vocab: Vocabulary, opts: WordOptions, progress=None, n_tokens: int | None = None):
    """Count a stream of id blocks with the options' window, weighting and subsampling.

    ``n_tokens``, when known, lets a small corpus be counted on threads (the bytes of one
    process) instead of forked processes.
    """
    workers = check_workers(opts.workers)
    threads = n_tokens is not None and n_tokens < PARALLEL_COUNT_MIN_TOKENS
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
        threads=threads,
    )


def check_dim_after_removal(opts: WordOptions, warn: bool = True) -> None:
    """ParameterError (naming ``dim``) unless ``dim`` leaves a dimension once the top
    ``remove_top`` components are removed: checked before any work starts.  With ``warn``,
    an :class:`EmbedkitWarning` when it leaves a single one (every cosine ±1)."""
    check_count("dim", opts.dim)
    if opts.remove_top >= opts.dim:
        raise ParameterError(
            "dim",
            opts.dim,
            f"leaves nothing once the top {opts.remove_top} principal components are removed "
            f"({param('remove_top')} {opts.remove_top}): give more than {opts.remove_top}, "
            f"or a smaller {param('remove_top')}",
            True,
        )
    if warn and opts.dim - opts.remove_top == 1:
        warn_one_direction(opts.dim, opts.remove_top)


#: A corpus this large (bytes) is worth sparing the reading of for a ``dim`` no vocabulary of
#: it can give.  A smaller one is counted in about a second, and what is wrong with its text
#: (a binary file, an empty corpus, bytes that are not UTF-8) is then said first, not a
#: ``dim`` that fixing the text would not change.
DIM_CHECK_BEFORE_BYTES = 1 << 20


def check_dim_for_corpus(opts: WordOptions, files: list[str]) -> None:
    """ParameterError (naming ``dim``) for a ``dim`` that no vocabulary of this corpus can
    give, refused before the corpus is read: above ``max_size``, or above the words that
    the files' bytes can hold ``min_count`` times each (each dimension needs a word;
    :func:`~embedkit.io.most_tokens`; unknown for stdin or a compressed file; from
    :data:`DIM_CHECK_BEFORE_BYTES` on).  What the
    vocabulary does give is checked once it is counted (:func:`check_dim_for_vocabulary`)."""
    if opts.max_size is not None and opts.dim > opts.max_size:
        raise ParameterError(
            "dim",
            opts.dim,
            f"is above {param('max_size')} {opts.max_size:,}: a vocabulary of at most "
            f"{counted(opts.max_size, 'word')} gives at most {opts.max_size:,} dimensions",
            True,
        )
    tokens = most_tokens(files)
    if tokens is None or tokens < DIM_CHECK_BEFORE_BYTES:
        return
    most = tokens // max(opts.min_count, 1)
    if opts.dim > most:
        seen = f", each seen {param('min_count')} {opts.min_count} times" if opts.min_count > 1 else ""
        raise ParameterError(
            "dim",
            opts.dim,
            f"is above any vocabulary of {corpus_name(files)}: its {counted(tokens, 'byte')} hold at most "
            f"{counted(most, 'word')}{seen}, and each dimension needs a word",
            True,
        )


def check_dim_for_vocabulary(opts: WordOptions, n_words: int) -> None:
    """ParameterError (naming ``dim``) for a ``dim`` above what a vocabulary of ``n_words``
    words gives (the SVD of its n × n matrix: n dimensions; arpack's n − 1), naming the
    vocabulary's size and what to change."""
    most = n_words - 1 if opts.solver == "arpack" else n_words
    if opts.dim > most:
        solver = " with the arpack solver" if opts.solver == "arpack" else ""
        raise ParameterError(
            "dim",
            opts.dim,
            f"is too large for a vocabulary of {counted(n_words, 'word')} (at most {most:,}{solver}): "
            f"give a smaller {param('dim')}, or keep more words (a lower {param('min_count')}, a larger corpus)",
            True,
        )


def factorize_to_embedding(m, words, counts, opts: WordOptions, params: dict, progress=None) -> Embedding:
    """Truncated SVD of the weighted matrix into word vectors (``progress``: see
    :func:`~embedkit.linalg.truncated_svd`, :func:`~embedkit.linalg.svd_steps` steps)."""
    return _factorize(m, words, counts, opts, params, progress)[0]


def _factorize(m, words, counts, opts: WordOptions, params: dict, progress=None):
    """:func:`factorize_to_embedding`, with the SVD and the removed components (what a
    fold-in needs: :func:`fold_in_rare_words`)."""
    check_dim_after_removal(opts, warn=False)  # the callers warned before their work began
    check_dim_for_vocabulary(opts, min(m.shape))
    svd = truncated_svd(
        m,
        dim=opts.dim,
        solver=opts.solver,
        n_iter=opts.n_iter,
        seed=opts.seed,
        workers=check_workers(opts.workers),
        progress=progress,
    )
    raw = svd_vectors(svd, eig=opts.eig, vectors=opts.vectors)
    removed = top_components(raw, opts.remove_top)
    return Embedding(words, removed.apply(raw), counts, params), svd, removed


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


def local_counts(
    files: list[str],
    tokenizer: Tokenizer,
    opts: WordOptions,
    reporter: Reporter,
    source: str,
    vocab: Vocabulary | None = None,
):
    """Tokenize and count on this machine's process pool: (vocabulary, counts, tokens).

    With a given ``vocab`` the corpus is encoded with it as it is read (one pass; the
    tokens are counted as the blocks go by)."""
    return _local_counts(files, tokenizer, opts, reporter, source, vocab)[:3]


def _local_counts(files, tokenizer, opts, reporter, source, vocab=None):
    """:func:`local_counts`, and the rare words' counts (:class:`RareCounts`) when
    ``opts.rare_min_count`` asks for them and the vocabulary is built here (else None)."""
    if vocab is not None:
        tokens = [0]

        def counted(blocks):  # tokens read (line breaks are not tokens), for the model's params
            for block in blocks:
                tokens[0] += int((block != LINE_BREAK).sum())
                yield block

        with reporter.stage("cooccur", total=input_size(files)) as advance:
            ids = encode_with_vocab(files, tokenizer, vocab, progress=advance)
            counts = cooccurrence_counts(counted(ids), vocab, opts)
        return vocab, counts, tokens[0], None
    with EncodedCorpus(files, tokenizer, workers=check_workers(opts.workers)) as enc:
        with reporter.stage("tokenize", total=input_size(files)) as advance:
            enc.read(advance)
            vocab = build_vocabulary(enc.word_counts(max(opts.min_count, 1)), opts, source, enc.n_types)
        rare = rare_words(enc, vocab, opts) if opts.rare_min_count else None
        with reporter.stage("cooccur", total=enc.n_tokens + enc.n_lines, unit="tokens") as advance:
            blocks = enc.id_blocks(vocab, rare=None if rare is None else rare.words)
            if rare is not None:
                blocks = rare.counted(blocks)
            counts = cooccurrence_counts(blocks, vocab, opts, advance, enc.n_tokens)
        return vocab, counts, enc.n_tokens, rare


@dataclass
class RareCounts:
    """The words of a corpus below its vocabulary's cut kept for a fold-in (``train-words
    --rare-min-count``): their counts, and their co-occurrences with the vocabulary,
    counted as the main count's id blocks go by (:meth:`counted`)."""

    words: list[str]
    counts: np.ndarray
    contexts: RareContexts

    def counted(self, blocks):
        for block in blocks:
            self.contexts.feed(block)
            yield block

    def rows(self, symmetric: bool) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(as words, as contexts): (r × V) counts, as the count matrix's rows and columns
        would have had them (see :class:`embedkit.cooccur.RareContexts`)."""
        following, preceding = self.contexts.result()
        if symmetric:
            both = (following + preceding).tocsr()
            return both, both
        return following.tocsr(), preceding.tocsr()


def rare_words(enc: EncodedCorpus, vocab: Vocabulary, opts: WordOptions) -> RareCounts:
    """The words seen at least ``opts.rare_min_count`` times that the vocabulary does not
    keep (below ``min_count``, or past ``max_size``), by descending count, ready to count."""
    check_at_least("rare_min_count", opts.rare_min_count, 0)
    every = enc.word_counts(opts.rare_min_count)
    words = sorted((w for w in every if w not in vocab.index), key=lambda w: (-every[w], w))
    keep = subsample_keep_probability(vocab.counts, opts.subsample) if opts.subsample > 0 else None
    contexts = RareContexts(len(words), len(vocab), opts.window, opts.weighting, keep, opts.seed)
    return RareCounts(words, np.array([every[w] for w in words], dtype=np.int64), contexts)


def fold_in_rare_words(emb: Embedding, rare: RareCounts, margins, svd, removed, opts: WordOptions) -> Embedding:
    """``emb`` with the rare words folded in from their contexts (LSA's fold-in,
    Deerwester et al. 1990; Berry, Dumais & O'Brien 1995): each one's count row weighted
    against the trained matrix's margins as the trained rows were
    (:func:`embedkit.weighting.fold_in_pmi`), projected onto the SVD and moved as the
    trained rows (:func:`embedkit.linalg.fold_in_vectors`), then stored beside the model
    (:meth:`Embedding.with_rare_words`; mixed with the n-grams when ``emb`` has
    subwords).  A rare word none of whose contexts survive the weighting is left out."""
    as_word, as_context = rare.rows(opts.symmetric)
    weighted = [fold_in_pmi(m, *margins, opts.transform, opts.shift, opts.cds, side)
                for m, side in ((as_word, "word"), (as_context, "context"))]  # fmt: skip
    folded = fold_in_vectors(*weighted, svd, opts.eig, opts.vectors, removed)
    has = np.diff(weighted[0].indptr) + np.diff(weighted[1].indptr) > 0
    keep = np.flatnonzero(has)
    return emb.with_rare_words([rare.words[i] for i in keep], rare.counts[keep], folded[keep])


@dataclass
class CorpusCounts:
    """What :func:`count_corpus` returns: the vocabulary, the co-occurrence counts
    (V × V, scipy.sparse), the corpus's tokens (None when not counted), its name, and
    with ``rare_min_count`` the rare words' counts (:class:`RareCounts`)."""

    vocab: Vocabulary
    counts: object
    n_tokens: int | None
    source: str
    rare: RareCounts | None = None


def count_corpus(
    corpus: str | list[str], opts: WordOptions, reporter: Reporter = SILENT, vocab: Vocabulary | None = None
) -> CorpusCounts:
    """The counting half of ``train-words`` (and all of ``cooccur``): tokenize a corpus
    (files or globs, ``-`` for stdin), build the vocabulary (or use ``vocab``) and count
    co-occurrences, on this machine's process pool or, with ``opts.scheduler``, a Dask
    cluster.  A corpus over 1 GB gets a memory budget (:func:`with_memory_budget`); a
    small one is counted on threads of this process (:data:`PARALLEL_COUNT_MIN_TOKENS`).
    Raises :class:`DataError` when no two words of a given ``vocab`` share a window (a
    vocabulary tokenized another way than the corpus: every count would be zero)."""
    tokenizer = Tokenizer(opts.pattern, opts.lowercase)
    files = corpus_files(corpus)
    source = corpus_name(files)
    given = vocab
    opts = with_memory_budget(opts, files)
    if opts.scheduler:  # the same tasks on a Dask cluster (embedkit.dask)
        from .dask import train_counts

        vocab, counts, n_tokens = train_counts(files, tokenizer, opts, reporter, source, vocab)
        rare = None
    else:
        vocab, counts, n_tokens, rare = _local_counts(files, tokenizer, opts, reporter, source, vocab)
    if given is not None and counts.nnz == 0:  # the next stage would refuse it, far from the cause
        raise DataError(
            f"{source}: no two words of the given vocabulary share a window: were they tokenized as the "
            f"corpus is ({param('pattern')}, {param('lowercase')})?"
        )
    return CorpusCounts(vocab, counts, n_tokens, source, rare)


def counts_params(c: CorpusCounts, opts: WordOptions, vocab_name: str | None = None) -> dict:
    """The parameters the ``cooccur`` stage records with its matrix: the corpus, its tokens,
    the counting options and the decoding; with a given vocabulary file (``vocab_name``),
    its own cut (its smallest count as ``min_count``) in place of the options' defaults."""
    counting = replace(opts, subwords=False)  # counts have no subword vectors, whatever the default
    params = {"stage": "cooccur", "corpus": c.source, **counting.params(), "tokens": c.n_tokens}
    params.update(text_decoding().params())
    if vocab_name is not None:
        counts = c.vocab.counts
        params.update(vocab=vocab_name, min_count=int(counts.min()) if len(counts) else 0, max_size=None)
    return params


def words_params(
    opts: WordOptions, source: str, n_tokens: int | None, kind: str = "words", recorded: dict | None = None
) -> dict:
    """The parameters a word model records (``Embedding.params``): what it was trained
    on, the embedkit version, every option that determines its vectors, and how its text
    was decoded (:func:`embedkit.io.text_decoding`).  ``recorded``: the params of an earlier
    stage (the ``cooccur`` matrix), whose vocabulary file and decoding are kept."""
    params = {"kind": kind, "corpus": source, "tokens": n_tokens, "embedkit": __version__, **opts.params()}
    params.update(text_decoding().params())
    params.update({k: v for k, v in (recorded or {}).items() if k in ("vocab", "encoding", "errors", "normalization")})
    return params


def factorize_matrix(
    m, words: list[str], counts, params: dict, progress=None, source: str | None = None, **svd_options
) -> Embedding:
    """The ``svd`` stage on a weighted matrix saved by the ``pmi`` stage (or on raw counts
    saved by the ``cooccur`` stage: a warning, and the model records transform ``none``):
    the options its ``params`` record (the counting and weighting that made it), with
    ``svd_options`` (dim, solver, n_iter, eig, vectors, remove_top, seed, workers) in place of theirs.
    The model records them all, as :func:`train_words` would with ``subwords=False`` (this
    stage fits none: ``embedkit subwords`` adds them).  ``progress``: as in
    :func:`factorize_to_embedding`; ``source`` names the matrix in the warning."""
    recorded = {k: v for k, v in params.items() if k in WordOptions.__dataclass_fields__}
    if params.get("stage") == "cooccur":  # the counts themselves: no weighting was applied
        recorded["transform"] = "none"
        warnings.warn(
            EmbedkitWarning(
                f"{source + ': ' if source else ''}raw co-occurrence counts (the cooccur stage's output, "
                "not weighted by the pmi stage): factorised as they are, and recorded as transform none"
            ),
            stacklevel=2,
        )
    opts = replace(WordOptions(**recorded), **{"subwords": False, **svd_options})
    check_dim_after_removal(opts)
    meta = words_params(opts, params.get("corpus", "-"), params.get("tokens"), params.get("kind", "words"), params)
    return factorize_to_embedding(m, words, counts, opts, meta, progress)


def train_words(
    corpus: str | list[str] | None = None,
    opts: WordOptions | None = None,
    reporter: Reporter = SILENT,
    *,
    sentences: Iterable[str] | None = None,
) -> Embedding:
    """Train word vectors on a corpus: tokenize → window co-occurrence counts → PPMI → truncated SVD.

    ``corpus``: one or more text files (``str`` or ``pathlib.Path``; one passage a line,
    windows never cross a line; ``.gz``/``.bz2``/``.xz`` read transparently), globs, or
    ``-`` for stdin.  Or, in its place, ``sentences``: the text itself, an iterable of str
    (a list, or a generator read once), one passage each as a line of a file (a list of
    str given as ``corpus`` is a list of paths); they are written to a temporary file
    (:func:`~embedkit.io.lines_file`) and counted as a file is, and the model records
    its corpus as ``<sentences>``.  ``opts``: every setting
    (:class:`WordOptions`; None: its defaults).  Returns an :class:`~embedkit.vectors.Embedding`
    of the n words kept (count ≥ ``min_count``), vectors float32 of shape (n, ``dim``),
    counts int64 (n,), and every setting in its ``params``.

    The recipe is hyperwords' (Levy, Goldberg & Dagan 2015, "Improving distributional
    similarity with lessons learned from word embeddings"): PPMI with context-distribution
    smoothing ``cds`` and shift ``shift``, then U Σ^``eig`` of a randomized truncated SVD
    (Halko, Martinsson & Tropp 2011), word and context vectors summed (``vectors="w+c"``),
    then the mean and the top ``remove_top`` principal components removed
    ("all-but-the-top", Mu & Viswanath 2018).  The defaults (window 10 harmonic, cds 0.75,
    300 d, shifted solver, W + C, 2 components removed) were decided on dictwiki by
    WordSim-353, SimVerb-3500 and the Google analogies and confirmed on sets not used to
    choose: BENCHMARKS.md "How the defaults were chosen".

    Raises :class:`~embedkit.errors.ParameterError` naming the parameter for a bad setting
    (before the corpus is read where it can be: ``dim`` not a whole number, not above
    ``remove_top``, above ``max_size`` or above the words the files' size can hold:
    :func:`check_dim_for_corpus`) or one the data cannot meet (``dim`` above the
    vocabulary's size, which the message gives);
    :class:`~embedkit.errors.InputError` for a missing or unreadable file (a string that is
    not a file: "no such file"); :class:`~embedkit.errors.DataError` for an empty corpus,
    no word at ``min_count`` or undecodable text (file and line);
    :class:`~embedkit.errors.ClusterError` for an unusable ``scheduler``.  With
    ``sentences``: ParameterError for both or neither of ``corpus`` and ``sentences``, an
    item that is not a str, and a ``scheduler`` (its workers cannot read this machine's
    temporary file: write the sentences where they can, and give that file).

    Stage times are added to ``reporter.timings`` (tokenize, cooccur, pmi, svd, and
    subwords with ``opts.subwords``).
    """
    opts = opts or WordOptions()
    if (corpus is None) == (sentences is None):
        raise ParameterError(f"give {param('corpus')} (files) or {param('sentences')} (the text), one of them")
    if sentences is not None and opts.scheduler:
        raise ParameterError(
            f"{param('sentences')} are counted on this machine; for {param('scheduler')}, write them to a file "
            "the cluster's workers can read and give that as the corpus"
        )
    check_dim_after_removal(opts)  # before the corpus is read
    if opts.subwords:  # bad subword settings fail before the corpus is read
        check_subword_settings(
            opts.minn, opts.maxn, opts.buckets, 0 if opts.subword_weight is None else opts.subword_weight,
            opts.subword_min_words, opts.subword_coherence, opts.subword_ridge,
        )  # fmt: skip
        check_at_least("subword_rare_weight", opts.subword_rare_weight, 0)
    check_at_least("rare_min_count", opts.rare_min_count, 0)
    if opts.rare_min_count >= max(opts.min_count, 1) and opts.max_size is None:  # no word below the cut
        raise ParameterError(
            "rare_min_count",
            opts.rare_min_count,
            f"must be below {param('min_count')} ({opts.min_count}), or the vocabulary cut by {param('max_size')}",
        )
    if opts.rare_min_count and opts.scheduler:
        raise ParameterError(
            "rare_min_count",
            opts.rare_min_count,
            f"is counted by the local engine only (not with {param('scheduler')})",
        )
    if sentences is None:
        check_dim_for_corpus(opts, corpus_files(corpus))
        c = count_corpus(corpus, opts, reporter)
    else:
        with lines_file(sentences, "sentences") as path:  # named <sentences>
            check_dim_for_corpus(opts, [path])
            c = count_corpus(path, opts, reporter)
    counts, vocab, rare = c.counts, c.vocab, c.rare
    check_dim_for_vocabulary(opts, len(vocab))  # before the weighting and the SVD
    c.counts = None
    with reporter.stage("pmi", total=None, unit="steps"):
        margins = count_margins(counts) if rare is not None else None
        m = pmi(counts, opts.transform, opts.shift, opts.cds, copy=False)
        del counts
    with reporter.stage("svd", total=svd_steps(opts.solver, opts.n_iter), unit="products") as advance:
        params = words_params(opts, c.source, c.n_tokens)
        emb, svd, removed = _factorize(m, vocab.words, vocab.counts, opts, params, advance)
    if rare is not None:  # before the subwords: their fit may learn from these words too
        with reporter.stage("rare words", total=None, unit="steps"):
            emb = fold_in_rare_words(emb, rare, margins, svd, removed, opts)
    if opts.subwords:
        with reporter.stage("subwords", total=None, unit="steps"):
            emb = emb.with_subwords(
                opts.minn, opts.maxn, opts.buckets, opts.subword_weight, opts.subword_min_words,
                opts.subword_coherence, opts.subword_ridge, opts.subword_rare_weight,
            )  # fmt: skip
    return emb


# -- graphs: the embed-graph composition ------------------------------------------------
#: The graph routes (see :mod:`embedkit.graph`).
METHODS = GRAPH_METHODS


@dataclass
class GraphEmbedding:
    """What :func:`embed_graph` returns: the node embedding (n × dim, float32; n × 2·dim
    for ``netmf+sparse``), the route it took (``netmf``, ``sparse``, ``netmf+sparse`` or
    ``walks``), and the seconds each stage took, in order."""

    embedding: Embedding
    method: str
    timings: dict[str, float]


def resolve_method(graph: Graph, method: str) -> str:
    check_choice("method", method, METHODS)
    if method != "auto":
        return method
    if graph.n > NETMF_MAX_NODES:
        return "sparse"
    return "sparse" if graph.directed else "netmf+sparse"


def _checked_method(graph: Graph, opts: GraphOptions) -> str:
    """The route ``opts`` takes on ``graph``, once the options are checked against it."""
    if not isinstance(graph, Graph):
        raise ParameterError(
            f"{param('graph')} must be an embedkit.graph.Graph (read_edges, Graph.from_edges, Graph.from_networkx), "
            f"not a {type(graph).__name__}"
        )
    if graph.n_edges == 0:
        raise DataError(f"{graph.source}: the graph has no edges")
    method = resolve_method(graph, opts.method)
    check_count("dim", opts.dim)
    if opts.dim > graph.n:
        hint = f"; {opts.dim} is the default: give a smaller {param('dim')}" if opts.dim == GraphOptions.dim else ""
        raise ParameterError(
            "dim",
            opts.dim,
            f"is too large for a graph of {graph.n:,} nodes (at most {graph.n:,}{hint})",
            True,
        )
    return method


@dataclass
class GraphRoute:
    """The route :func:`embed_graph` takes on a graph, and why: ``method`` (netmf, sparse
    or walks), ``chosen`` (True when ``auto`` chose it: by size, and sparse for a directed
    graph), ``nodes``, ``dense_bytes``, the size of NetMF's dense n × n float32 matrix,
    ``netmf_max_nodes``, the size above which ``auto`` leaves NetMF, and ``settings``, the
    :class:`GraphOptions` fields the route reads on this graph (besides method, dim, seed)."""

    method: str
    chosen: bool
    nodes: int
    dense_bytes: int
    netmf_max_nodes: int
    settings: tuple[str, ...] = ()


def graph_route(graph: Graph, opts: GraphOptions) -> GraphRoute:
    """The route ``opts`` takes on ``graph`` (see :class:`GraphRoute`), known before any work.

    Raises the errors :func:`embed_graph` would for these options, so that a run that
    cannot start says only that.
    """
    method = _checked_method(graph, opts)
    settings = GRAPH_ROUTE_SETTINGS[method]
    if graph.directed:  # PageRank's walk is summed exactly (directed_netmf_matrix): no eigenpairs kept
        settings = tuple(s for s in settings if s != "rank")
    return GraphRoute(method, opts.method == "auto", graph.n, 4 * graph.n * graph.n, NETMF_MAX_NODES, settings)


def _counted_walks(batches, advance):
    """The walk batches, each reported (its number of walks) once it has been used."""
    for walks in batches:
        yield walks
        advance(walks.shape[0])


def embed_graph(graph: Graph, opts: GraphOptions | None = None, reporter: Reporter = SILENT) -> GraphEmbedding:
    """Node embeddings of ``graph``: a :class:`GraphEmbedding` holding an
    :class:`~embedkit.vectors.Embedding` (n nodes × dim, float32; n × 2·dim for
    ``netmf+sparse``; its counts are the nodes' degrees), the route taken and the stage
    timings in seconds.  ``graph``: a :class:`~embedkit.graph.Graph`
    (:func:`~embedkit.graph.read_edges`, :meth:`~embedkit.graph.Graph.from_networkx`, or
    :meth:`~embedkit.graph.Graph.from_edges` from integer arrays); ``opts``:
    :class:`GraphOptions` (None: its defaults).

    ``method="auto"`` takes ``netmf+sparse`` for an undirected graph of up to
    :data:`NETMF_MAX_NODES` nodes, ``sparse`` above, and ``sparse`` for a directed graph of
    any size (:mod:`embedkit.graph` says why; BENCHMARKS.md "NetMF beside the sparse
    route", "Graphs at scale", "Graphs of other kinds": on every directed graph measured
    the PageRank walk's exact T = 1 matrix classified nodes better than sampled walks).
    ``netmf+sparse``: the two routes below side by side, NetMF's rows at unit length and
    the sparse route's at ``sparse_weight``.

    ``netmf`` (Qiu et al., WSDM 2018): log(max(M, 1)) of the closed form and its top eigenvectors, vectors U |Λ|^eig
    — for an undirected graph without the n × n matrix (the eigenpairs of S, then
    :func:`~embedkit.graph.netmf.netmf_vectors`: stages ``eigenpairs`` and ``netmf``),
    else (a directed graph, ``vectors`` other than W, or more dimensions than eigenpairs)
    the dense matrix and a truncated SVD (U Σ^eig).
    ``sparse``: T = 1 PMI (directed: on the PageRank walk), truncated eigh, spectral
    propagation (ProNE: Zhang et al., IJCAI 2019), re-orthogonalisation.
    ``walks``: DeepWalk (Perozzi et al. 2014) / node2vec (Grover & Leskovec 2016, ``p``,
    ``q``) walks → window co-occurrence → PPMI (shift ``negative``, smoothing ``cds``) →
    truncated SVD → W + C.  Nodes without edges get zero vectors.
    (Walk defaults measured on BlogCatalog / Cora: cds 0.75 and W + C gave micro-F1 0.347 /
    0.819 against 0.322 / 0.817 for cds 1 and W.)  NetMF's window, rank and dimension were
    chosen on BlogCatalog and Cora: BENCHMARKS.md "How the NetMF defaults were chosen".

    Raises :class:`~embedkit.errors.DataError` for a graph without edges (or walks that
    produce no co-occurrence); :class:`~embedkit.errors.ParameterError` naming the
    parameter for a ``graph`` that is not a :class:`~embedkit.graph.Graph`, a bad setting,
    a ``dim`` above the number of nodes, or ``vectors`` other than W on the sparse routes.
    Warns (:class:`~embedkit.errors.EmbedkitWarning`) when a node with edges gets an
    all-zero vector (``dim`` too small for the graph's parts), and when ``auto``, on a
    directed graph whose sparse T = 1 PMI is empty (a directed star), takes the walks route.
    """
    opts = opts or GraphOptions()
    method = _checked_method(graph, opts)
    if opts.dim == 1:  # as train_words (check_dim_after_removal), before any work
        warn_one_direction(1, parts=2 if method == "netmf+sparse" else 1)
    if method == "netmf+sparse":
        return _netmf_beside_sparse(graph, opts, reporter)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    kind = opts.vectors or ("w+c" if method == "walks" else "w")
    if method == "netmf" and not graph.directed and kind == "w" and opts.dim <= min(opts.rank or graph.n, graph.n):
        # the undirected closed form without its n × n matrix (netmf_vectors): the
        # eigenpairs of S, then one tiled pass over log max(M, 1) and Rayleigh–Ritz
        with reporter.stage("eigenpairs", total=netmf_steps(graph, opts.window), unit="products") as advance:
            factors = netmf_factors(graph, opts.window, opts.negative, opts.rank, seed=opts.seed, progress=advance)
        timings["eigenpairs"] = time.perf_counter() - t
        if opts.dim <= factors.basis.shape[1]:
            t = time.perf_counter()
            steps = netmf_vector_steps(graph.n, factors.basis.shape[1])
            with reporter.stage("netmf", total=steps, unit="tiles") as advance:
                vectors = netmf_vectors(factors, opts.dim, opts.eig, progress=advance)
            del factors
            timings["netmf"] = time.perf_counter() - t
            return _graph_embedding(graph, opts, method, kind, vectors, timings)
        del factors  # fewer eigenpairs than dimensions (a small graph): the dense matrix
        t = time.perf_counter()
    if method == "netmf":
        with reporter.stage("netmf", total=netmf_steps(graph, opts.window), unit="products") as advance:
            m = netmf_matrix(graph, opts.window, opts.negative, opts.rank, seed=opts.seed, progress=advance)
        timings["netmf"] = time.perf_counter() - t
    elif method == "sparse":
        with reporter.stage("pmi", total=None, unit="steps"):
            weigh = directed_sparse_pmi_matrix if graph.directed else sparse_pmi_matrix
            m = weigh(graph, opts.negative)
        if m.nnz == 0 and graph.directed and opts.method == "auto" and graph.n <= NETMF_MAX_NODES:
            # a directed star: every edge carries about 1/n of PageRank's walk, below chance;
            # sampled walks still reach its leaves (the route auto took here before)
            warnings.warn(
                EmbedkitWarning(
                    f"{graph.source}: the sparse route's T = 1 PMI has no positive entry (no two nodes are joined "
                    "more often than chance): --method auto takes the walks route instead"
                ),
                stacklevel=2,
            )
            return embed_graph(graph, replace(opts, method="walks"), reporter)
        if m.nnz == 0:  # a directed star: every edge carries about 1/n of PageRank's walk, below chance
            raise DataError(
                f"{graph.source}: the sparse route's T = 1 PMI has no positive entry (no two nodes are joined "
                f"more often than chance), so every vector would be zero; give {param('method')} netmf"
            )
        timings["pmi"] = time.perf_counter() - t
    else:
        starts = opts.walks_per_node * (int(np.count_nonzero(graph.degrees > 0)) + graph_sinks(graph).size)
        with reporter.stage("walks", total=starts, unit="walks") as advance:
            walks = random_walks(graph, opts.walks_per_node, opts.walk_length, opts.p, opts.q, opts.seed)
            blocks = walks_to_id_blocks(_counted_walks(walks, advance))
            counts = count_cooccurrences(blocks, graph.n, window=opts.window)
        timings["walks+cooccur"] = time.perf_counter() - t
        t = time.perf_counter()
        if counts.nnz == 0:
            raise DataError(f"{graph.source}: the walks produced no co-occurrences")
        m = pmi(counts, "ppmi", max(opts.negative, 1.0), opts.cds)
        timings["pmi"] = time.perf_counter() - t
    t = time.perf_counter()
    # OpenBLAS threads only slow down the products of a small graph (linalg.py's gotcha)
    with threadpool_limits(1 if graph.n <= 5000 else None):
        if method == "sparse":
            if kind != "w":
                raise ParameterError(f"the sparse route gives node vectors W only, not {kind!r}")
            # M is symmetric: its SVD is an eigendecomposition, at a third of the memory
            # the products' rows shared among threads: the same bytes as truncated_eigh
            with (
                reporter.stage("eigh", total=2 * opts.n_iter + 2, unit="products") as advance,
                RowSplitMatmul(sp.csr_matrix(m, dtype=np.float32)) as product,
            ):
                evals, evecs = truncated_eigh_product(
                    product, graph.n, opts.dim, n_iter=2 * opts.n_iter, seed=opts.seed, progress=advance
                )
            vectors = evecs  # U |Λ|^eig in place: evecs is not held through the propagation
            vectors *= (np.abs(evals) ** opts.eig).astype(np.float32)
            del evecs
        else:
            with reporter.stage("svd", total=svd_steps("randomized", opts.n_iter), unit="products") as advance:
                r = truncated_svd(m, dim=opts.dim, n_iter=opts.n_iter, seed=opts.seed, progress=advance)
            vectors = svd_vectors(r, eig=opts.eig, vectors=kind)
    del m
    timings["svd"] = time.perf_counter() - t
    if method == "sparse":
        t = time.perf_counter()
        # unit rows first: propagating U Σ^½ as is lets high-degree nodes dominate
        # (BlogCatalog micro-F1 0.394 against 0.417, BENCHMARKS.md "Graphs at scale")
        x = unit_rows(vectors)
        del vectors  # not held through the propagation (n × dim: 0.64 GB at a million nodes)
        steps = propagation_steps(opts.dim, opts.order)
        with reporter.stage("propagate", total=steps, unit="products") as advance:
            y = spectral_propagation(graph, x, opts.order, opts.mu, opts.theta, progress=advance)
        del x
        timings["propagate"] = time.perf_counter() - t
        t = time.perf_counter()
        vectors = spectral_vectors(y, opts.eig)
        del y
        timings["orthogonalise"] = time.perf_counter() - t
    return _graph_embedding(graph, opts, method, kind, vectors, timings)


def _netmf_beside_sparse(graph: Graph, opts: GraphOptions, reporter: Reporter) -> GraphEmbedding:
    """The ``netmf+sparse`` route: NetMF's ``dim`` columns beside the sparse route's ``dim``
    (n × 2·dim, float32), NetMF's rows scaled to unit length and the sparse part's to
    ``sparse_weight`` (0.7: at 1 BlogCatalog's macro-F1 lost 0.003, at 0.5 dcsbm lost 0.01;
    BENCHMARKS.md "Graphs: NetMF beside the sparse route").

    The two see different things: NetMF the window-T walk through the top of S's spectrum
    (and its mirrored negative end), the sparse route the T = 1 PMI of every edge exactly,
    smoothed by ProNE's spectral propagation — the recipe that wins on word co-occurrence and
    user–item graphs where NetMF's truncated spectrum loses (BENCHMARKS.md "Graphs: NetMF
    beside the sparse route").  Side by side, as LINE puts its first- and second-order
    embeddings (Tang et al., WWW 2015, §4.1), the classifier weighs them per label.  Each
    part is exactly what ``method="netmf"`` / ``"sparse"`` give (the same bytes, rows scaled
    to unit length); timings are the parts', prefixed ``netmf:`` / ``sparse:``.
    """
    if (opts.vectors or "w") != "w":
        raise ParameterError(f"the netmf+sparse route gives node vectors W only, not {opts.vectors!r}")
    check_positive("sparse_weight", opts.sparse_weight)
    parts, timings = [], {}
    for part in ("netmf", "sparse"):
        with warnings.catch_warnings():  # an all-zero row is warned about once, below
            warnings.simplefilter("ignore", EmbedkitWarning)
            r = embed_graph(graph, replace(opts, method=part), reporter)
        x = unit_rows(r.embedding.vectors)
        if part == "sparse":
            x *= np.float32(opts.sparse_weight)
        parts.append(x)
        timings.update({f"{part}:{stage}": sec for stage, sec in r.timings.items()})
    vectors = np.hstack(parts).astype(np.float32)
    return _graph_embedding(graph, opts, "netmf+sparse", "w", vectors, timings)


def _graph_embedding(graph: Graph, opts: GraphOptions, method: str, kind: str, vectors, timings) -> GraphEmbedding:
    """The :class:`GraphEmbedding` of ``vectors`` (n × dim): zero rows for nodes without
    edges, and the parameters the model records.  Warns when a node with edges comes out
    all zero: the ``dim`` directions kept all went to other parts of the graph (two
    disjoint edges at ``dim`` 2: the top singular values tie, and one edge takes both)."""
    vectors[graph.edgeless] = 0.0  # a sink (in-edges only) keeps its vector
    norms = np.linalg.norm(vectors, axis=1)
    lost = np.flatnonzero(~graph.edgeless & (norms <= 1e-6 * max(float(norms.max(initial=0.0)), 1e-30)))
    if lost.size:
        warnings.warn(
            EmbedkitWarning(
                f"{graph.source + ': ' if graph.source else ''}{counted(lost.size, 'node')} with edges got an all-zero "
                f"vector (first: {graph.nodes[int(lost[0])]!r}): {param('dim')} {opts.dim} directions all went to "
                f"other parts of the graph; give a larger {param('dim')}"
            ),
            stacklevel=3,
        )
    params = {
        "kind": "graph",
        "corpus": graph.source,
        "nodes": graph.n,
        "edges": graph.n_edges,
        "directed": graph.directed,
        "embedkit": __version__,
        **opts.params(),
        "method": method,
        "vectors": kind,
    }
    return GraphEmbedding(Embedding(graph.nodes, vectors, graph.degrees, params), method, timings)


__all__ = ["GraphEmbedding", "GraphOptions", "WordOptions", "embed_graph", "train_words"]
