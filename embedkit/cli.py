"""The ``embedkit`` command line: parse, call one library function, render.

Every stage reads a file or ``-`` (stdin) and writes ``-o FILE`` or stdout, so stages chain
in shell pipelines; the one-shot ``train-words`` composes the same library functions.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from . import evaluate as ev
from .corpus import EncodedCorpus, encode_with_vocab
from .engine import check_workers, keep_freed_memory
from .errors import DataError, EmbedkitError, InputError, ParameterError
from .features import SentenceFeatures
from .formats import detect_format, is_model_file, load_model, read_vectors, read_word_counts
from .graph import random_walks, read_edges, write_walks
from .io import (
    atomic_output,
    corpus_files,
    display_name,
    input_size,
    load_matrix,
    read_blocks,
    read_lines,
    read_table,
    save_matrix,
    write_table,
)
from .linalg import pca
from .lsa import LSAModel, build_lsa, documents_path
from .pipeline import (
    GraphOptions,
    WordOptions,
    build_vocabulary,
    cooccurrence_counts,
    embed_graph,
    factorize_to_embedding,
    parse_size,
    route_note,
    train_words,
    with_memory_budget,
)
from .plots import pca_plot
from .progress import Reporter
from .tokenize import Tokenizer
from .vocab import Vocabulary, count_words
from .weighting import pmi

app = typer.Typer(
    name="embedkit",
    help="Count-based word and graph embeddings: co-occurrence → PMI → truncated SVD → vectors.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: The measured defaults of every stage (see WordOptions and BENCHMARKS.md).
DEFAULTS = WordOptions()
#: Where ``train-words`` writes and ``neighbors`` looks when no path is given.
DEFAULT_MODEL = "model.ekm"
EXIT_INTERRUPTED = 130


class Weighting(str, Enum):
    uniform = "uniform"
    harmonic = "harmonic"
    linear = "linear"


class Transform(str, Enum):
    ppmi = "ppmi"
    pmi = "pmi"
    log = "log"
    none = "none"


class Solver(str, Enum):
    randomized = "randomized"
    arpack = "arpack"


class VectorKind(str, Enum):
    w = "w"
    c = "c"
    w_plus_c = "w+c"
    concat = "concat"


class ExportFormat(str, Enum):
    word2vec = "word2vec"
    word2vec_binary = "word2vec-binary"
    glove = "glove"
    npy = "npy"


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"embedkit: error: {message}", err=True)
    return typer.Exit(code)


def handles_errors(fn):
    """Turn user errors into one stderr line and a distinct exit code; Ctrl-C into 130."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except EmbedkitError as exc:
            raise _fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("embedkit: interrupted; no output was written", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # the reader went away (e.g. `| head`): stop quietly
            try:
                sys.stdout = open(os.devnull, "w")
            finally:
                raise typer.Exit(0) from None
        except MemoryError:
            raise _fail("out of memory; try a larger --min-count or a smaller --dim", 7) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"embedkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Count-based word and graph embeddings: co-occurrence → PMI → truncated SVD → vectors."""


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _binary_to(output: str) -> None:
    if output == "-" and _stdout_is_terminal():
        raise ParameterError("refusing to write a binary matrix to the terminal; give -o FILE or pipe it on")


def _note(quiet: bool, message: str) -> None:
    if not quiet:
        typer.echo(message, err=True)


# -- shared options -------------------------------------------------------------------
InputArg = Annotated[str, typer.Argument(help="Input file ('-' for stdin); .gz/.bz2/.xz are read transparently.")]
OutputOpt = Annotated[str, typer.Option("--output", "-o", help="Output file ('-' for stdout).")]
PatternOpt = Annotated[
    Optional[str], typer.Option("--pattern", help="Token regular expression (default: runs of Unicode letters).")
]
LowerOpt = Annotated[bool, typer.Option("--lowercase/--no-lowercase", help="Fold case before tokenizing.")]
MinCountOpt = Annotated[int, typer.Option("--min-count", help="Keep words seen at least this often.")]
MaxSizeOpt = Annotated[Optional[int], typer.Option("--max-size", help="Keep at most this many most frequent words.")]
WindowOpt = Annotated[
    int, typer.Option("--window", help="Pair each word with the words at distance 1..N on its line (each side).")
]
WeightingOpt = Annotated[
    Weighting, typer.Option("--weighting", help="Weight of a pair at distance d: 1, 1/d, or (N-d+1)/N.")
]
SymmetricOpt = Annotated[
    bool, typer.Option("--symmetric/--right-only", help="Count contexts on both sides, or only to the right.")
]
SubsampleOpt = Annotated[
    float, typer.Option("--subsample", help="Drop frequent tokens with p = 1 - sqrt(t/f) before windowing (0 = off).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same bytes.")]
TransformOpt = Annotated[Transform, typer.Option("--transform", help="ppmi, pmi, log(1+count) or none.")]
ShiftOpt = Annotated[float, typer.Option("--shift", help="Shifted PMI: subtract log k.")]
CdsOpt = Annotated[float, typer.Option("--cds", help="Context distribution smoothing exponent α.")]
DimOpt = Annotated[int, typer.Option("--dim", help="Number of dimensions (singular vectors).")]
SolverOpt = Annotated[Solver, typer.Option("--solver", help="randomized (fast) or arpack (exact, slower).")]
NIterOpt = Annotated[int, typer.Option("--n-iter", help="Power iterations of the randomized solver.")]
EigOpt = Annotated[float, typer.Option("--eig", help="Eigenvalue weighting p: vectors are U·Σ^p.")]
VectorsOpt = Annotated[VectorKind, typer.Option("--vectors", help="w (U), c (V), w+c (their sum) or concat.")]
RemoveTopOpt = Annotated[
    int,
    typer.Option("--remove-top", help="Remove the mean and top K principal components (all-but-the-top)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")]
MinnOpt = Annotated[int, typer.Option("--minn", help="Subwords: shortest character n-gram (of <word>).")]
MaxnOpt = Annotated[int, typer.Option("--maxn", help="Subwords: longest character n-gram.")]
BucketsOpt = Annotated[int, typer.Option("--buckets", help="Subwords: hash buckets (fastText's FNV-1a, modulo N).")]
SubwordWeightOpt = Annotated[
    float, typer.Option("--subword-weight", help="Subwords: weight β of a word's n-gram direction beside its own.")
]
SubwordCoherenceOpt = Annotated[
    float,
    typer.Option("--subword-coherence", help="Subwords: weight each n-gram by the length of its mean word vector ^ P."),
]
SubwordMinWordsOpt = Annotated[
    int, typer.Option("--subword-min-words", help="Subwords: keep n-grams found in at least N vocabulary words.")
]
WorkersOpt = Annotated[
    Optional[int], typer.Option("--workers", "-j", help="Processes for tokenizing and counting (default: all cores).")
]
MemoryOpt = Annotated[
    Optional[str],
    typer.Option(
        "--memory",
        help="Budget for count partials (e.g. 4G); past it they spill to disk. "
        "Default: none, or a quarter of RAM (at most 4G) for over 1 GB of text.",
    ),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Print the time of each stage on stderr.")]
SchedulerOpt = Annotated[
    Optional[str],
    typer.Option(
        "--scheduler",
        envvar="DASK_SCHEDULER_ADDRESS",
        help="Tokenize and count on a Dask cluster (tcp://HOST:8786; 'local': --workers processes here).",
    ),
]


def _options(**kw):
    for k, v in list(kw.items()):
        if isinstance(v, Enum):
            kw[k] = v.value
    return WordOptions(**kw)


# -- stages ---------------------------------------------------------------------------
@app.command()
@handles_errors
def tokenize(
    input: InputArg = "-",
    output: OutputOpt = "-",
    pattern: PatternOpt = None,
    lowercase: LowerOpt = True,
    quiet: QuietOpt = False,
) -> None:
    """Write one line of space-separated tokens per input line.

    Example: [bold]embedkit tokenize corpus.txt.gz | head[/bold]
    """
    tok = Tokenizer(pattern, lowercase)
    reporter = Reporter(quiet=quiet)
    with atomic_output(output, binary=False) as out, reporter.stage("tokenize", input_size(input)) as advance:
        for block in read_blocks(input, progress=advance):
            out.write("".join(" ".join(tok.tokenize(line)) + "\n" for line in block.splitlines()))


@app.command()
@handles_errors
def vocab(
    input: InputArg = "-",
    output: OutputOpt = "-",
    min_count: MinCountOpt = DEFAULTS.min_count,
    max_size: MaxSizeOpt = None,
    pattern: PatternOpt = None,
    lowercase: LowerOpt = True,
    quiet: QuietOpt = False,
) -> None:
    """Count words: 'word<TAB>count' lines, most frequent first.

    Example: [bold]embedkit vocab corpus.txt --min-count 5 -o vocab.tsv[/bold]
    """
    with Reporter(quiet=quiet).stage("counting", input_size(input)) as advance:
        counts = count_words(input, Tokenizer(pattern, lowercase), advance)
    v = build_vocabulary(counts, WordOptions(min_count=min_count, max_size=max_size), display_name(input))
    with atomic_output(output, binary=False) as out:
        v.write_tsv(out)


@app.command()
@handles_errors
def cooccur(
    input: InputArg = "-",
    output: OutputOpt = "-",
    vocab_file: Annotated[
        Optional[str], typer.Option("--vocab", help="Vocabulary from 'embedkit vocab' (else built here).")
    ] = None,
    min_count: MinCountOpt = DEFAULTS.min_count,
    max_size: MaxSizeOpt = None,
    window: WindowOpt = DEFAULTS.window,
    weighting: WeightingOpt = Weighting(DEFAULTS.weighting),
    symmetric: SymmetricOpt = True,
    subsample: SubsampleOpt = DEFAULTS.subsample,
    seed: SeedOpt = 0,
    pattern: PatternOpt = None,
    lowercase: LowerOpt = True,
    workers: WorkersOpt = None,
    memory: MemoryOpt = None,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Count co-occurrences within a window into a sparse matrix (.npz) with its vocabulary.

    Example: [bold]embedkit cooccur corpus.txt --window 5 -o counts.npz[/bold]
    """
    _binary_to(output)
    opts = _options(
        pattern=pattern,
        lowercase=lowercase,
        min_count=min_count,
        max_size=max_size,
        window=window,
        weighting=weighting,
        symmetric=symmetric,
        subsample=subsample,
        seed=seed,
        workers=workers,
        memory=parse_size(memory),
        scheduler=scheduler or None,
    )
    opts = with_memory_budget(opts, [input])
    tok = Tokenizer(pattern, lowercase)
    reporter = Reporter(quiet=quiet, verbose=verbose)
    if opts.scheduler:  # the same tasks on a Dask cluster
        from .dask import train_counts

        given = Vocabulary.read_tsv(vocab_file) if vocab_file is not None else None
        v, counts, _ = train_counts(corpus_files(input), tok, opts, reporter, display_name(input), given)
    elif vocab_file is not None:
        v = Vocabulary.read_tsv(vocab_file)
        with reporter.stage("cooccur", input_size(input)) as advance:
            counts = cooccurrence_counts(encode_with_vocab(input, tok, v, progress=advance), v, opts)
    else:
        with EncodedCorpus(input, tok, workers=check_workers(workers)) as enc:
            with reporter.stage("tokenize", input_size(input)) as advance:
                enc.read(advance)
            v = build_vocabulary(enc.word_counts(max(min_count, 1)), opts, display_name(input), enc.n_types)
            with reporter.stage("cooccur", enc.n_tokens + enc.n_lines, unit="tokens") as advance:
                counts = cooccurrence_counts(enc.id_blocks(v), v, opts, advance)
    params = {"stage": "cooccur", "corpus": display_name(input), **opts.params()}
    save_matrix(output, counts, v.words, v.counts, params)


@app.command("pmi")
@handles_errors
def pmi_cmd(
    input: InputArg = "-",
    output: OutputOpt = "-",
    transform: TransformOpt = Transform(DEFAULTS.transform),
    shift: ShiftOpt = DEFAULTS.shift,
    cds: CdsOpt = DEFAULTS.cds,
) -> None:
    """Weight a co-occurrence matrix: PPMI (default), PMI, log(1+count) or none.

    Example: [bold]embedkit pmi counts.npz --cds 0.75 -o ppmi.npz[/bold]
    """
    _binary_to(output)
    counts, words, wcounts, params = load_matrix(input)
    m = pmi(counts, transform.value, shift, cds, copy=False)
    params.update(stage="pmi", transform=transform.value, shift=shift, cds=cds)
    save_matrix(output, m, words, wcounts, params)


@app.command()
@handles_errors
def svd(
    input: InputArg = "-",
    output: OutputOpt = DEFAULT_MODEL,
    dim: DimOpt = DEFAULTS.dim,
    solver: SolverOpt = Solver.randomized,
    n_iter: NIterOpt = DEFAULTS.n_iter,
    eig: EigOpt = DEFAULTS.eig,
    vectors: VectorsOpt = VectorKind(DEFAULTS.vectors),
    remove_top: RemoveTopOpt = DEFAULTS.remove_top,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Factorise a weighted matrix by truncated SVD into a model of word vectors.

    Example: [bold]embedkit svd ppmi.npz --dim 300 --eig 0.5 -o model.ekm[/bold]
    """
    m, words, wcounts, params = load_matrix(input)
    params.pop("stage", None)
    opts = WordOptions(**{k: v for k, v in params.items() if k in WordOptions.__dataclass_fields__})
    opts.dim, opts.solver, opts.n_iter, opts.eig, opts.vectors, opts.remove_top, opts.seed = (
        dim,
        solver.value,
        n_iter,
        eig,
        vectors.value,
        remove_top,
        seed,
    )
    corpus = params.get("corpus", "-")
    meta = {
        "kind": params.get("kind", "words"),
        "corpus": corpus,
        "tokens": params.get("tokens"),
        "embedkit": __version__,
        **opts.params(),
    }
    opts.workers = workers
    with Reporter(quiet=quiet, verbose=verbose).stage("svd", None, unit="steps"):
        emb = factorize_to_embedding(m, words, wcounts, opts, meta)
    emb.save(output)


@app.command("train-words")
@handles_errors
def train_words_cmd(
    corpus: Annotated[list[str], typer.Argument(help="Corpus files or globs, one passage a line ('-' for stdin).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Model file to write.")] = DEFAULT_MODEL,
    min_count: MinCountOpt = DEFAULTS.min_count,
    max_size: MaxSizeOpt = None,
    window: WindowOpt = DEFAULTS.window,
    weighting: WeightingOpt = Weighting(DEFAULTS.weighting),
    symmetric: SymmetricOpt = True,
    subsample: SubsampleOpt = DEFAULTS.subsample,
    transform: TransformOpt = Transform(DEFAULTS.transform),
    shift: ShiftOpt = DEFAULTS.shift,
    cds: CdsOpt = DEFAULTS.cds,
    dim: DimOpt = DEFAULTS.dim,
    solver: SolverOpt = Solver.randomized,
    n_iter: NIterOpt = DEFAULTS.n_iter,
    eig: EigOpt = DEFAULTS.eig,
    vectors: VectorsOpt = VectorKind(DEFAULTS.vectors),
    remove_top: RemoveTopOpt = DEFAULTS.remove_top,
    seed: SeedOpt = 0,
    subwords: Annotated[
        bool,
        typer.Option(
            "--subwords/--no-subwords",
            help="Mix each word with its character n-grams (fastText's) and answer for unseen words.",
        ),
    ] = DEFAULTS.subwords,
    minn: MinnOpt = DEFAULTS.minn,
    maxn: MaxnOpt = DEFAULTS.maxn,
    buckets: BucketsOpt = DEFAULTS.buckets,
    subword_weight: SubwordWeightOpt = DEFAULTS.subword_weight,
    subword_min_words: SubwordMinWordsOpt = DEFAULTS.subword_min_words,
    subword_coherence: SubwordCoherenceOpt = DEFAULTS.subword_coherence,
    pattern: PatternOpt = None,
    lowercase: LowerOpt = True,
    workers: WorkersOpt = None,
    memory: MemoryOpt = None,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Train word vectors: tokenize → vocab → cooccur → pmi → svd, in one command.

    Example: [bold]embedkit train-words corpus.txt && embedkit neighbors great[/bold]
    """
    opts = _options(
        pattern=pattern,
        lowercase=lowercase,
        min_count=min_count,
        max_size=max_size,
        window=window,
        weighting=weighting,
        symmetric=symmetric,
        subsample=subsample,
        transform=transform,
        shift=shift,
        cds=cds,
        dim=dim,
        solver=solver,
        n_iter=n_iter,
        eig=eig,
        vectors=vectors,
        remove_top=remove_top,
        seed=seed,
        subwords=subwords,
        minn=minn,
        maxn=maxn,
        buckets=buckets,
        subword_weight=subword_weight,
        subword_min_words=subword_min_words,
        subword_coherence=subword_coherence,
        workers=workers,
        memory=parse_size(memory),
        scheduler=scheduler or None,
    )
    reporter = Reporter(quiet=quiet, verbose=verbose)
    t = time.perf_counter()
    emb = train_words(corpus, opts, reporter)
    with reporter.stage("save", None, unit="steps"):
        emb.save(output)
    _note(
        quiet,
        f"embedkit: {len(emb)} words × {emb.dim} dims from {emb.params.get('tokens', 0):,} tokens "
        f"in {time.perf_counter() - t:.1f} s → {output}",
    )


# -- queries --------------------------------------------------------------------------
def find_model(model: Optional[str], quiet: bool = False):
    """Load ``model`` (embedkit, word2vec or GloVe), or $EMBEDKIT_MODEL, or ./model.ekm."""
    path = model or os.environ.get("EMBEDKIT_MODEL") or DEFAULT_MODEL
    if model is None and not Path(path).exists():
        raise InputError(
            f"no model given and {path} not found; train one with 'embedkit train-words CORPUS' or pass --model"
        )
    reporter = Reporter(quiet=quiet)
    size = Path(path).stat().st_size if Path(path).is_file() else None
    with reporter.stage("loading", total=size) as advance:
        return load_model(path, progress=advance, on_cache=lambda c: _note(quiet, f"embedkit: cached {path} as {c}"))


def _subword_notes(emb, words, quiet: bool = False) -> list[str]:
    """Say on stderr which query words are built from their character n-grams; return them
    (an unknown word that cannot be built raises UnknownWordError here)."""
    built = emb.from_subwords(dict.fromkeys(words))
    for w, n in built.items():
        _note(quiet, f"embedkit: {w!r} is not in the vocabulary; its vector is built from {n} character n-grams")
    return list(built)


ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help=f"Model file (default: $EMBEDKIT_MODEL or ./{DEFAULT_MODEL})."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Write JSON instead of a table / TSV.")]


@app.command()
@handles_errors
def neighbors(
    words: Annotated[list[str], typer.Argument(help="One or more words (or node ids); '-' reads them from stdin.")],
    model: ModelOpt = None,
    k: Annotated[int, typer.Option("-k", "--k", help="How many neighbours.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Nearest words by cosine similarity.

    Piped output is 'neighbor<TAB>score' lines ('word<TAB>neighbor<TAB>score' for several
    query words); a terminal gets a table.

    Example: [bold]embedkit neighbors great good -k 5[/bold]
    """
    if k < 1:
        raise ParameterError(f"-k must be at least 1, got {k}")
    if words == ["-"]:
        words = [w for line in sys.stdin for w in line.split()]
        if not words:
            raise ParameterError("no words on stdin")
    emb = find_model(model)
    built = _subword_notes(emb, words)
    results = {w: emb.most_similar(w, topn=k) for w in words}
    if as_json:
        # a query word built from its n-grams marks each of its rows with "from_subwords"
        mark = {w: ({"from_subwords": [w]} if w in built else {}) for w in words}
        typer.echo(
            json.dumps({w: [{"word": n, "score": round(s, 6), **mark[w]} for n, s in r] for w, r in results.items()})
        )
    elif _stdout_is_terminal():
        from rich.console import Console
        from rich.table import Table

        console = Console()
        for w, r in results.items():
            table = Table(title=f"neighbours of {w}", title_justify="left")
            table.add_column("#", justify="right", style="dim")
            table.add_column("word")
            table.add_column("cosine", justify="right")
            for i, (n, s) in enumerate(r, 1):
                table.add_row(str(i), n, f"{s:.4f}")
            console.print(table)
    else:
        lines = []
        for w, r in results.items():
            prefix = f"{w}\t" if len(words) > 1 else ""
            lines.extend(f"{prefix}{n}\t{s:.4f}" for n, s in r)
        sys.stdout.write("\n".join(lines) + "\n")


@app.command("import")
@handles_errors
def import_cmd(
    source: Annotated[str, typer.Argument(help="word2vec (text or binary) or GloVe vectors file.")],
    output: Annotated[str, typer.Option("--output", "-o", help="Native model file to write.")] = DEFAULT_MODEL,
    fmt: Annotated[str, typer.Option("--format", "-f", help="auto, word2vec, word2vec-binary or glove.")] = "auto",
    counts_file: Annotated[
        Optional[str],
        typer.Option("--counts", help="Word counts ('word count' lines, e.g. gensim's fvocab) to keep with them."),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Convert pretrained vectors into a native model, which loads in milliseconds.

    Example: [bold]embedkit import glove.6B.300d.txt -o glove.ekm[/bold]
    """
    p = Path(source)
    size = p.stat().st_size if p.is_file() else None
    with Reporter(quiet=quiet).stage("reading", total=size) as advance:
        emb = read_vectors(source, fmt, advance)
    if counts_file is not None:
        emb.counts = read_word_counts(counts_file, emb.words)
    emb.save(output)
    _note(quiet, f"embedkit: {len(emb)} words × {emb.dim} dims → {output}")


@app.command("subwords")
@handles_errors
def subwords_cmd(
    model: Annotated[str, typer.Argument(help="Model file (embedkit, word2vec or GloVe).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Native model file to write.")],
    minn: MinnOpt = DEFAULTS.minn,
    maxn: MaxnOpt = DEFAULTS.maxn,
    buckets: BucketsOpt = DEFAULTS.buckets,
    subword_weight: SubwordWeightOpt = DEFAULTS.subword_weight,
    subword_min_words: SubwordMinWordsOpt = DEFAULTS.subword_min_words,
    subword_coherence: SubwordCoherenceOpt = DEFAULTS.subword_coherence,
    quiet: QuietOpt = False,
) -> None:
    """Add subword vectors to any model: each word mixed with its character n-grams
    (fastText's: <word>, 3-6 characters, FNV-1a buckets), and a vector for any unseen word.

    Example: [bold]embedkit subwords glove.ekm -o glove-sub.ekm[/bold]
    """
    emb = find_model(model, quiet=quiet)
    t = time.perf_counter()
    out = emb.with_subwords(minn, maxn, buckets, subword_weight, subword_min_words, subword_coherence)
    out.save(output)
    _note(
        quiet,
        f"embedkit: {len(out)} words, {out.subwords.keys.size:,} n-gram buckets kept in "
        f"{time.perf_counter() - t:.1f} s → {output}",
    )


@app.command()
@handles_errors
def info(
    model: Annotated[str, typer.Argument(help="Model file (embedkit, word2vec or GloVe).")] = DEFAULT_MODEL,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON.")] = False,
) -> None:
    """Vocabulary size, dimension, file size and every parameter that made a model.

    Example: [bold]embedkit info model.ekm[/bold]
    """
    fmt = detect_format(model)
    emb = load_model(model, fmt=fmt)
    facts = {
        "file": model,
        "format": fmt,
        "file_bytes": Path(model).stat().st_size,
        "words": len(emb),
        "dim": emb.dim,
        "has_counts": emb.counts is not None,
        **({"subword_ngrams": int(emb.subwords.keys.size), "subword_bytes": emb.subwords.nbytes}
           if emb.subwords else {}),  # fmt: skip
        **{k: v for k, v in emb.params.items()},
    }
    if as_json:
        typer.echo(json.dumps(facts))
        return
    if _stdout_is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{model}", show_header=False, title_justify="left")
        table.add_column("key", style="bold")
        table.add_column("value")
        for k, v in facts.items():
            table.add_row(k, f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v))
        Console().print(table)
    else:
        sys.stdout.write("".join(f"{k}\t{v}\n" for k, v in facts.items()))


@app.command()
@handles_errors
def export(
    model: Annotated[str, typer.Argument(help="Model file written by train-words or svd.")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="word2vec, word2vec-binary, glove or npy.")
    ] = ExportFormat.word2vec,
    output: Annotated[str, typer.Option("--output", "-o", help="Output file ('-' for stdout, text formats).")] = "-",
) -> None:
    """Export vectors in word2vec (text or binary), GloVe or NumPy format.

    Example: [bold]embedkit export model.ekm --format word2vec -o vectors.txt[/bold]
    """

    if output == "-" and fmt in (ExportFormat.word2vec_binary, ExportFormat.npy):
        _binary_to(output)
        if fmt == ExportFormat.npy:
            raise ParameterError("--format npy writes two files; give -o FILE.npy")
    find_model(model).export(output, fmt.value)


# -- using embeddings: queries, sentence features, LSA search, PCA ------------------------
class AnalogyMethod(str, Enum):
    cosmul = "3cosmul"
    cosadd = "3cosadd"


class FeatureFormat(str, Enum):
    tsv = "tsv"
    npy = "npy"


class DocWeighting(str, Enum):
    tfidf = "tfidf"
    log = "log"


KOpt = Annotated[int, typer.Option("-k", "--k", help="How many results.")]


def _check_k(k: int) -> None:
    if k < 1:
        raise ParameterError(f"-k must be at least 1, got {k}")


@app.command()
@handles_errors
def similarity(
    word1: Annotated[str, typer.Argument(help="First word.")],
    word2: Annotated[str, typer.Argument(help="Second word.")],
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cosine similarity of two words.

    Example: [bold]embedkit similarity dog cat[/bold]
    """
    emb = find_model(model)
    built = _subword_notes(emb, [word1, word2])
    score = emb.similarity(word1, word2)
    if as_json:
        typer.echo(json.dumps({"word1": word1, "word2": word2, "cosine": round(score, 6), "from_subwords": built}))
    else:
        typer.echo(f"{score:.4f}")


@app.command()
@handles_errors
def analogy(
    a: Annotated[str, typer.Argument(help="a, in a is to b as c is to ?")],
    b: Annotated[str, typer.Argument(help="b")],
    c: Annotated[str, typer.Argument(help="c")],
    model: ModelOpt = None,
    method: Annotated[
        AnalogyMethod, typer.Option("--method", help="3cosmul (Levy & Goldberg) or 3cosadd (vector offset).")
    ] = AnalogyMethod.cosmul,
    k: KOpt = 10,
    as_json: JsonOpt = False,
) -> None:
    """Answer a : b :: c : ? (a, b and c themselves are never answers).

    Example: [bold]embedkit analogy man king woman -k 5[/bold]  (→ queen)
    """
    _check_k(k)
    emb = find_model(model)
    built = _subword_notes(emb, [a, b, c])
    answers = emb.analogy(a, b, c, method=method.value, topn=k)
    rows = [{"word": w, "score": s, **({"from_subwords": built} if built else {})} for w, s in answers]
    _render_rows(rows, f"{a} : {b} :: {c} : ?  ({method.value})", as_json)


@app.command("sentence-features")
@handles_errors
def sentence_features_cmd(
    input: Annotated[str, typer.Argument(help="Text, one sentence or document a line ('-' for stdin).")] = "-",
    model: ModelOpt = None,
    mode: Annotated[
        str, typer.Option("--mode", help="mean, sif or pcs; join several with '+' to concatenate (sif+pcs).")
    ] = "mean",
    output: OutputOpt = "-",
    fmt: Annotated[FeatureFormat, typer.Option("--format", "-f", help="tsv (text) or npy.")] = FeatureFormat.tsv,
    sif_a: Annotated[float, typer.Option("--sif-a", help="SIF smoothing a in a / (a + p(w)).")] = 1e-3,
    remove: Annotated[int, typer.Option("--remove", help="SIF: common components to remove.")] = 1,
    k: Annotated[int, typer.Option("--k", "-k", help="pcs: principal directions per line.")] = 2,
    dim: Annotated[
        Optional[int], typer.Option("--dim", help="Project the features on their top DIM principal directions.")
    ] = None,
    unit: Annotated[bool, typer.Option("--unit", help="Average unit-length word vectors.")] = False,
    fit_on: Annotated[
        Optional[str],
        typer.Option("--fit-on", help="Fit SIF's common component / --dim on these lines (default: the input)."),
    ] = None,
    load_fit: Annotated[
        Optional[str], typer.Option("--load-fit", help="Reuse a fit saved by --save-fit (e.g. on training lines).")
    ] = None,
    save_fit: Annotated[
        Optional[str], typer.Option("--save-fit", help="Save the fit (.npz) for later batches.")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """One row of features per input line, in order: mean, SIF or top principal components.

    An empty line, or one with no word of the model, gets a row of zeros (counted on stderr).

    SIF's common component and --dim's projection are fitted on the input, on --fit-on lines, or read by --load-fit.

    Fit once on training text, reuse it on test text:

    [bold]embedkit sentence-features train.txt --mode sif --save-fit sif.npz -o train.tsv[/bold]
    [bold]embedkit sentence-features test.txt --mode sif --load-fit sif.npz -o test.tsv[/bold]
    """
    if fmt == FeatureFormat.npy:
        _binary_to(output)
    if fit_on is not None and load_fit is not None:
        raise ParameterError("give --fit-on or --load-fit, not both")
    emb = find_model(model)
    feats = SentenceFeatures(emb, mode, a=sif_a, remove=remove, k=k, dim=dim, unit=unit)
    lines = read_lines(input)
    if not lines:
        raise DataError(f"{display_name(input)}: no lines to turn into features (the input is empty)")
    reporter = Reporter(quiet=quiet)
    with reporter.stage("features", len(lines), unit="lines") as advance:
        enc = feats.encode(lines)
        if load_fit is not None:
            feats.load_fit(load_fit)
        elif feats.needs_fit:
            fit_enc = feats.encode(read_lines(fit_on)) if fit_on is not None else enc
            feats.fit(fit_enc)
            if fit_enc.n_lines < 10:  # the common component of so few lines is most of them
                _note(
                    quiet,
                    f"embedkit: warning: --mode {mode} / --dim fitted on only {fit_enc.n_lines} line(s); "
                    "fit on training text with --fit-on or --load-fit",
                )
        if save_fit is not None:
            feats.save_fit(save_fit)
        x = feats.transform(enc)
        advance(len(lines))
    with reporter.stage("writing", None, unit="steps"):
        write_table(output, x, fmt=fmt.value)
    if feats.unseen:
        shown = ", ".join(repr(w) for w in list(feats.unseen)[:5]) + (", ..." if len(feats.unseen) > 5 else "")
        n = len(feats.unseen)
        what = f"{n} word{'s' if n > 1 else ''} outside the vocabulary"
        _note(quiet, f"embedkit: {what} built from their n-grams ({shown})")
    if enc.n_empty:
        typer.echo(f"embedkit: {enc.n_empty} of {enc.n_lines} lines had no known word (zero rows)", err=True)
    _note(quiet or not sys.stderr.isatty(), f"embedkit: {x.shape[0]} lines × {x.shape[1]} features ({mode})")


@app.command()
@handles_errors
def lsa(
    docs: Annotated[str, typer.Argument(help="Documents, one a line ('-' for stdin).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Model file (the .docs.npz goes beside it).")] = (
        "lsa.ekm"
    ),
    dim: Annotated[int, typer.Option("--dim", help="Latent dimensions (singular vectors).")] = 100,
    weighting: Annotated[
        DocWeighting, typer.Option("--weighting", help="tfidf (count × idf) or log (log(1 + count)).")
    ] = DocWeighting.tfidf,
    min_count: Annotated[int, typer.Option("--min-count", help="Keep words seen at least this often.")] = 1,
    seed: SeedOpt = 0,
    pattern: PatternOpt = None,
    lowercase: LowerOpt = True,
    quiet: QuietOpt = False,
) -> None:
    """Latent semantic analysis: factorise the term-document matrix, keep word and document vectors.

    Writes MODEL (word vectors Y = VΣ, an ordinary model for neighbors, similarity…).

    Beside it, MODEL.docs.npz holds the document vectors Z = UΣ, the idf and the start of each document.

    Example: [bold]embedkit lsa abstracts.txt -o lsa.ekm --dim 100 && embedkit search "gene therapy" -m lsa.ekm[/bold]
    """
    lines = read_lines(docs)
    with Reporter(quiet=quiet).stage("lsa", None, unit="steps"):
        m = build_lsa(
            lines, dim, weighting.value, min_count, Tokenizer(pattern, lowercase), seed=seed, source=display_name(docs)
        )
        m.save(output)
    _note(
        quiet,
        f"embedkit: {len(m.docs)} documents × {len(m.terms)} words → {m.terms.dim} dims: "
        f"{output}, {documents_path(output)}",
    )


@app.command()
@handles_errors
def search(
    query: Annotated[str, typer.Argument(help="Query words.")],
    model: Annotated[str, typer.Option("--model", "-m", help="LSA model written by 'embedkit lsa'.")] = "lsa.ekm",
    k: KOpt = 10,
    as_json: JsonOpt = False,
) -> None:
    """Rank documents by cosine with the query in the LSA latent space.

    Piped output is 'rank<TAB>doc<TAB>score<TAB>text' (doc = line number from 1).

    Example: [bold]embedkit search "car engine" -m lsa.ekm -k 5[/bold]
    """
    _check_k(k)
    m = LSAModel.load(model)
    hits = m.search(query, k)
    rows = [{"rank": r, "doc": i + 1, "score": s, "text": m.snippets[i][:80]} for r, (i, s) in enumerate(hits, 1)]
    _render_rows(rows, f"documents for {query!r}", as_json)


@app.command("pca")
@handles_errors
def pca_cmd(
    input: Annotated[str, typer.Argument(help="Table (.csv, .tsv, .npy) or model (.ekm); '-' for a text table.")],
    dim: Annotated[int, typer.Option("--dim", help="Components to keep (k).")] = 2,
    center: Annotated[bool, typer.Option("--center/--no-center", help="Subtract the column means.")] = True,
    standardize: Annotated[bool, typer.Option("--standardize", help="Scale columns to unit variance.")] = False,
    words: Annotated[
        Optional[str], typer.Option("--words", help="Model input: only these rows (comma-separated words).")
    ] = None,
    output: Annotated[
        Optional[str], typer.Option("--output", "-o", help="Write the loadings Z = X V_k (.npy or TSV).")
    ] = None,
    components: Annotated[
        Optional[str], typer.Option("--components", help="Write the components V_kᵀ (k × columns).")
    ] = None,
    reconstruct: Annotated[
        Optional[str], typer.Option("--reconstruct", help="Write the rank-k reconstruction and print its error.")
    ] = None,
    plot: Annotated[Optional[str], typer.Option("--plot", help="Draw rows on PC1/PC2 and the spectrum (PNG).")] = None,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """Principal component analysis of a table or of a model's vectors.

    Prints the spectrum (singular values, variance, explained-variance ratio).

    Writes the loadings Z = X V_k, the components and the rank-k reconstruction X V_k V_kᵀ on request.

    The reconstruction error equals the sum of the dropped σ² (Eckart–Young–Mirsky).

    Example: [bold]embedkit pca model.ekm --words king,queen,man,woman --plot words.png[/bold]
    """
    import numpy as np

    if plot is not None and dim < 2:
        raise ParameterError("--plot needs --dim 2 or more")
    if is_model_file(input):
        emb = find_model(input)
        if words:
            chosen = [w.strip() for w in words.split(",") if w.strip()]
            x = np.asarray(emb.vectors[[emb.id(w) for w in chosen]], dtype=np.float64)
            labels: Optional[list[str]] = chosen
        else:
            x, labels = np.asarray(emb.vectors, dtype=np.float64), list(emb.words)
    else:
        if words:
            raise ParameterError("--words needs a model (.ekm) as input")
        x, labels, _ = read_table(input)
    res = pca(x, dim, center=center, standardize=standardize, seed=seed)
    z = res.transform(x)
    fmt_of = lambda p: "npy" if str(p).lower().endswith(".npy") else "tsv"  # noqa: E731
    if output is not None:
        write_table(output, z, labels, fmt_of(output))
    if components is not None:
        write_table(components, res.components, None, fmt_of(components))
    error = None
    if reconstruct is not None:
        xt = res.prepare(x)
        error = float(((xt - (xt @ res.components.T) @ res.components) ** 2).sum())
        write_table(reconstruct, res.inverse_transform(z), labels, fmt_of(reconstruct))
        typer.echo(
            f"embedkit: rank-{dim} reconstruction error ‖X̃ − X̃VVᵀ‖² = {error:.6g}; "
            f"sum of dropped σ² = {res.reconstruction_error:.6g}",
            err=True,
        )
    if plot is not None:
        pca_plot(plot, z, res, labels, title=Path(input).name if input != "-" else "stdin")
    ratio, sv = res.explained_variance_ratio, res.singular_values
    var = res.explained_variance
    shown = len(sv) if as_json else min(len(sv), max(dim, 10))
    cum = np.cumsum(ratio)
    rows = [
        {
            "component": i + 1,
            "singular_value": float(sv[i]),
            "variance": float(var[i]),
            "ratio": float(ratio[i]),
            "cumulative": float(cum[i]),
        }
        for i in range(shown)
    ]
    _render_rows(rows, f"PCA of {x.shape[0]} rows × {x.shape[1]} columns (kept {dim})", as_json)


# -- graphs ---------------------------------------------------------------------------
class GraphMethod(str, Enum):
    auto = "auto"
    netmf = "netmf"
    sparse = "sparse"
    walks = "walks"


EdgesArg = Annotated[
    str, typer.Argument(help="Edge list: 'source target \\[weight]' lines, comma/tab/space separated ('-' for stdin).")
]
DirectedOpt = Annotated[bool, typer.Option("--directed/--undirected", help="Read edges as directed (u → v only).")]
SelfLoopsOpt = Annotated[bool, typer.Option("--self-loops/--no-self-loops", help="Keep or drop edges u–u.")]
HeaderOpt = Annotated[
    Optional[bool], typer.Option("--header/--no-header", help="The first line is a header (default: detect).")
]
DelimiterOpt = Annotated[
    Optional[str], typer.Option("--delimiter", help="Column separator: ',', tab, ' ' (default: detect).")
]
WalksPerNodeOpt = Annotated[int, typer.Option("--walks-per-node", help="Walks started from every node.")]
WalkLengthOpt = Annotated[int, typer.Option("--walk-length", help="Nodes per walk.")]
# long forms only: -q is --quiet everywhere
POpt = Annotated[float, typer.Option("--p", help="node2vec return parameter (1 = DeepWalk).")]
QOpt = Annotated[float, typer.Option("--q", help="node2vec in-out parameter (1 = DeepWalk).")]


def _graph_status(quiet: bool, text: str):
    """A spinner on stderr while a long graph stage runs (terminal only, not with --quiet)."""
    import contextlib

    if quiet or not sys.stderr.isatty():
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(text)


def _read_graph(edges: str, directed: bool, self_loops: bool, header, delimiter, quiet: bool):
    if delimiter == "\\t":
        delimiter = "\t"
    g = read_edges(edges, directed=directed, self_loops=self_loops, header=header, delimiter=delimiter)
    note = g.isolated_note()
    if note:
        _note(quiet, f"embedkit: {note}")
    return g


@app.command()
@handles_errors
def walks(
    edges: EdgesArg,
    output: OutputOpt = "-",
    walks_per_node: WalksPerNodeOpt = 10,
    walk_length: WalkLengthOpt = 80,
    p: POpt = 1.0,
    q: QOpt = 1.0,
    seed: SeedOpt = 0,
    directed: DirectedOpt = False,
    self_loops: SelfLoopsOpt = False,
    header: HeaderOpt = None,
    delimiter: DelimiterOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Random walks (DeepWalk; node2vec with --p/--q) as lines of node ids: a corpus of nodes.

    Example: [bold]embedkit walks g.csv | embedkit cooccur - --pattern '\\S+' --min-count 1 --window 10 -o c.npz[/bold]
    """
    g = _read_graph(edges, directed, self_loops, header, delimiter, quiet)
    t = time.perf_counter()
    with atomic_output(output) as out:
        n = write_walks(g, random_walks(g, walks_per_node, walk_length, p, q, seed), out)
    _note(
        quiet or output == "-", f"embedkit: {n:,} walks of {g.summary()} in {time.perf_counter() - t:.1f} s → {output}"
    )


@app.command("embed-graph")
@handles_errors
def embed_graph_cmd(
    edges: EdgesArg,
    output: Annotated[str, typer.Option("--output", "-o", help="Model file to write.")] = DEFAULT_MODEL,
    method: Annotated[
        GraphMethod,
        typer.Option(
            "--method",
            help="netmf (closed form, dense), sparse (T = 1 PMI → SVD → spectral propagation), "
            "walks (walks → cooccur → PPMI → SVD), auto: netmf up to 20,000 nodes, then sparse (walks if directed).",
        ),
    ] = GraphMethod.auto,
    dim: Annotated[int, typer.Option("--dim", help="Number of dimensions.")] = 160,
    window: Annotated[int, typer.Option("--window", help="Window T: pairs up to T steps apart on a walk.")] = 10,
    negative: Annotated[float, typer.Option("--negative", help="Negative samples b: subtract log b.")] = 1.0,
    rank: Annotated[int, typer.Option("--rank", help="netmf on large graphs: eigenpairs kept.")] = 192,
    walks_per_node: WalksPerNodeOpt = 10,
    walk_length: WalkLengthOpt = 80,
    p: POpt = 1.0,
    q: QOpt = 1.0,
    eig: EigOpt = 0.5,
    seed: SeedOpt = 0,
    directed: DirectedOpt = False,
    self_loops: SelfLoopsOpt = False,
    header: HeaderOpt = None,
    delimiter: DelimiterOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Embed the nodes of a graph (NetMF closed form; the sparse route on large graphs) into a model file.

    Example: [bold]embedkit embed-graph g.csv -o g.ekm && embedkit neighbors 42 -m g.ekm[/bold]
    """
    t = time.perf_counter()
    g = _read_graph(edges, directed, self_loops, header, delimiter, quiet)
    opts = GraphOptions(
        method=method.value,
        dim=dim,
        window=window,
        negative=negative,
        rank=rank,
        walks_per_node=walks_per_node,
        walk_length=walk_length,
        p=p,
        q=q,
        eig=eig,
        seed=seed,
    )
    timings = {"read": time.perf_counter() - t}
    note = route_note(g, opts)  # checks the options first: a bad one is the only line
    _note(quiet, note)
    with _graph_status(quiet, f"embedding {g.summary()} ({opts.method})"):
        result = embed_graph(g, opts)
    emb = result.embedding
    timings.update(result.timings)
    t_save = time.perf_counter()
    emb.save(output)
    timings["save"] = time.perf_counter() - t_save
    if verbose:
        for stage, sec in timings.items():
            typer.echo(f"  {stage:<14} {sec:7.2f} s", err=True)
    _note(
        quiet,
        f"embedkit: {len(emb):,} nodes × {emb.dim} dims ({emb.params['method']}) from {g.summary()} "
        f"in {time.perf_counter() - t:.1f} s → {output}",
    )


# -- evaluation -----------------------------------------------------------------------
evaluate_app = typer.Typer(
    help="Evaluate a model against benchmarks: word similarity, analogies, classification.",
    no_args_is_help=True,
)
app.add_typer(evaluate_app, name="evaluate")


def _render_rows(rows: list[dict], title: str, as_json: bool) -> None:
    """A rich table on a terminal, TSV with a header when piped, or JSON."""
    if as_json:
        typer.echo(json.dumps(rows))
        return
    columns = list(rows[0]) if rows else []
    fmt = lambda v: f"{v:.4f}" if isinstance(v, float) else str(v)  # noqa: E731
    if _stdout_is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for c in columns:
            table.add_column(c, justify="left" if c in ("file", "model") else "right")
        for r in rows:
            table.add_row(*(fmt(r[c]) for c in columns))
        Console().print(table)
    else:
        lines = ["\t".join(columns)] + ["\t".join(fmt(r[c]) for c in columns) for r in rows]
        sys.stdout.write("\n".join(lines) + "\n")


@evaluate_app.command("classify")
@handles_errors
def evaluate_classify(
    features: Annotated[str, typer.Argument(help="Features: TSV or .npy, one row per item (sentence-features).")],
    labels: Annotated[str, typer.Argument(help="Labels: one a line, in the same order as the rows.")],
    train: Annotated[
        Optional[int],
        typer.Option("--train", help="Train on the first N rows, test on the rest (else cross-validate)."),
    ] = None,
    test: Annotated[Optional[int], typer.Option("--test", help="With --train: test on the last N rows only.")] = None,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds when --train is not given.")] = 5,
    c: Annotated[float, typer.Option("-C", "--C", help="Inverse L2 regularisation of the logistic regression.")] = 1.0,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """Accuracy of logistic regression on standardised features against a labels file.

    Example: [bold]embedkit evaluate classify features.tsv labels.txt --train 6000[/bold]
    """
    x, _, _ = read_table(features)
    r = ev.classify(x, ev.read_labels(labels), train=train, test=test, folds=folds, c=c, seed=seed)
    row = {"file": features, "classes": r.classes, "train": r.train, "test": r.test}
    if r.folds:
        row["folds"] = r.folds
    row.update(accuracy=r.accuracy, macro_f1=r.macro_f1)
    _render_rows([row], "text classification", as_json)


@evaluate_app.command("similarity")
@handles_errors
def evaluate_similarity(
    model: Annotated[str, typer.Argument(help="Model file.")],
    files: Annotated[list[str], typer.Argument(help="Word-pair files: 'word1 word2 score' lines.")],
    as_json: JsonOpt = False,
) -> None:
    """Spearman ρ between human similarity scores and cosine, on the pairs found.

    With a model that has subwords, spearman_all scores every pair, an unseen word's vector
    built from its character n-grams (subwords_used counts the pairs that needed one).

    Example: [bold]embedkit evaluate similarity model.ekm ws353.txt[/bold]
    """
    emb = find_model(model)
    rows = []
    for f in files:
        r = ev.word_similarity(emb, ev.read_similarity_pairs(f))
        rows.append(
            {"file": f, "spearman": r.spearman, "spearman_all": r.spearman_all, "found": r.found,
             "subwords_used": r.built, "total": r.total}
        )  # fmt: skip
    _render_rows(rows, "word similarity", as_json)


@evaluate_app.command("analogy")
@handles_errors
def evaluate_analogy(
    model: Annotated[str, typer.Argument(help="Model file.")],
    files: Annotated[list[str], typer.Argument(help="Analogy files: 'a b c d' lines, ': section' headers.")],
    restrict: Annotated[int, typer.Option("--restrict", help="Search among the N most frequent words.")] = 200_000,
    as_json: JsonOpt = False,
) -> None:
    """3CosAdd and 3CosMul accuracy on a:b :: c:d questions whose words are all known.

    Example: [bold]embedkit evaluate analogy model.ekm google_analogy.txt[/bold]
    """
    if restrict < 1:
        raise ParameterError(f"--restrict must be at least 1, got {restrict}")
    emb = find_model(model)
    rows = []
    for f in files:
        r = ev.analogy(emb, ev.read_analogies(f), restrict=restrict)
        rows.append({"file": f, "3cosadd": r.add, "3cosmul": r.mul, "found": r.found, "total": r.total})
    _render_rows(rows, "analogy", as_json)


# -- graph evaluation -----------------------------------------------------------------
@evaluate_app.command("nodes")
@handles_errors
def evaluate_nodes(
    model: Annotated[str, typer.Argument(help="Node model (from embed-graph).")],
    labels: Annotated[str, typer.Argument(help="Labels: 'node,label' lines, several lines for several labels.")],
    train_fraction: Annotated[
        Optional[list[float]],
        typer.Option("--train-fraction", help="Fraction of labelled nodes to train on (repeatable)."),
    ] = None,
    repeats: Annotated[int, typer.Option("--repeats", help="Random splits averaged per fraction.")] = 5,
    ignore_unknown: Annotated[
        bool, typer.Option("--ignore-unknown", help="Leave out labelled nodes that are not in the model.")
    ] = False,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """Node classification: one-vs-rest logistic regression, top-k labels, micro/macro-F1.

    Example: [bold]embedkit evaluate nodes g.ekm labels.csv --train-fraction 0.5[/bold]
    """
    emb = find_model(model)
    fracs = tuple(train_fraction) if train_fraction else (0.1, 0.5, 0.9)
    node_labels = ev.read_node_labels(labels)
    unknown = [n for n in node_labels if n not in emb.index]
    if unknown:
        what = f"{len(unknown)} labelled node{'s are' if len(unknown) > 1 else ' is'} not in the model"
        if not ignore_unknown:
            raise DataError(f"{labels}: {what} (first: {unknown[0]!r}); --ignore-unknown leaves them out")
        _note(False, f"embedkit: {labels}: {what}; left out")
        node_labels = {n: ls for n, ls in node_labels.items() if n in emb.index}
    with _graph_status(False, f"classifying {len(emb):,} nodes ({len(fracs)} fractions × {repeats} splits)"):
        results = ev.node_classification(emb, node_labels, fracs, repeats=repeats, seed=seed)
    rows = [
        {
            "train": r.train_fraction,
            "micro_f1": r.micro_f1,
            "macro_f1": r.macro_f1,
            "micro_std": r.micro_std,
            "macro_std": r.macro_std,
            "nodes": r.nodes,
            "labels": r.labels,
            "repeats": r.repeats,
        }
        for r in results
    ]
    _render_rows(rows, "node classification", as_json)


@evaluate_app.command("links")
@handles_errors
def evaluate_links(
    edges: EdgesArg,
    test_fraction: Annotated[float, typer.Option("--test-fraction", help="Fraction of edges held out.")] = 0.1,
    method: Annotated[GraphMethod, typer.Option("--method", help="netmf, walks or auto.")] = GraphMethod.auto,
    dim: Annotated[int, typer.Option("--dim", help="Number of dimensions.")] = 160,
    window: Annotated[int, typer.Option("--window", help="Window T.")] = 10,
    seed: SeedOpt = 0,
    self_loops: SelfLoopsOpt = False,
    header: HeaderOpt = None,
    delimiter: DelimiterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Link prediction: hold out edges, embed the rest, ROC-AUC of cosine vs non-edges.

    Example: [bold]embedkit evaluate links g.csv --test-fraction 0.1[/bold]
    """
    g = _read_graph(edges, False, self_loops, header, delimiter, True)
    train, test, neg = ev.split_edges(g, test_fraction, seed)
    with _graph_status(False, f"embedding the training graph ({train.summary()})"):
        emb = embed_graph(train, GraphOptions(method=method.value, dim=dim, window=window, seed=seed)).embedding
    r = ev.link_prediction(emb, test, neg, train.n_edges)
    rows = [{"method": emb.params["method"], "auc": r.auc, "test_edges": r.test_edges, "train_edges": r.train_edges}]
    _render_rows(rows, "link prediction", as_json)


def main(argv: list[str] | None = None) -> None:
    """The console script: Typer's app, with usage errors reduced to one line as well."""
    from typer.exceptions import TyperException

    keep_freed_memory()
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="embedkit", standalone_mode=False)
    except TyperException as exc:  # usage errors: unknown command or option, bad value
        if not exc.format_message().strip():  # no arguments: the help was shown
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        typer.echo(f"embedkit: error: {' '.join(exc.format_message().split())}{where}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("embedkit: interrupted; no output was written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
