"""The ``embedkit`` command line: parse, call one library function, render.

Every stage reads a file or ``-`` (stdin) and writes ``-o FILE`` or stdout, so stages chain
in shell pipelines; the one-shot ``train-words`` composes the same library functions.
"""

from __future__ import annotations

import errno
import functools
import inspect
import json
import math
import os
import re
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from . import __version__
from .errors import (
    DataError,
    EmbedkitError,
    EmbedkitWarning,
    InputError,
    OutputError,
    ParameterError,
    UnknownWordError,
    check_at_least,
    counted,
)
from .options import (
    ANALOGY_METHODS,
    C_GRID,
    CONCEPTOR_MU,
    CONTEXT_BETA,
    CONTEXT_GAMMA,
    DEFAULT_FEATURE_MODE,
    DOC_WEIGHTINGS,
    EXPORT_FORMATS,
    FEATURE_MODES,
    GRAPH_METHODS,
    INNER_FOLDS,
    NETMF_MAX_NODES,
    SOLVERS,
    TABLE_FORMATS,
    TRANSFORMS,
    VECTOR_KINDS,
    WEIGHTINGS,
    GraphOptions,
    IndexOptions,
    WordOptions,
)

# Nothing above imports numpy or scipy: `embedkit --help` and `--version` stay fast, and
# each command imports what it needs when it runs.


def _defer_rich_markdown() -> None:
    """Typer's help module imports ``rich.markdown`` (and markdown-it with it: a third of
    the time `embedkit --help` takes) for ``rich_markup_mode="markdown"``, which embedkit
    does not use.  Until something really makes a ``Markdown``, a stand-in module answers
    the import; making one imports the real module in its place."""
    import types

    if "rich.markdown" in sys.modules:
        return

    class Markdown:
        def __new__(cls, *args, **kwargs):
            del sys.modules["rich.markdown"]
            import rich.markdown

            return rich.markdown.Markdown(*args, **kwargs)

    stand_in = types.ModuleType("rich.markdown")
    stand_in.Markdown = Markdown
    sys.modules["rich.markdown"] = stand_in


_defer_rich_markdown()

app = typer.Typer(
    name="embedkit",
    help="Count-based word and graph embeddings: co-occurrence → PMI → truncated SVD → vectors.\n\n"
    "Example: [bold]embedkit train-words corpus.txt && embedkit neighbors great[/bold]",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: The measured defaults of every stage (see WordOptions and BENCHMARKS.md).
DEFAULTS = WordOptions()
GRAPH_DEFAULTS = GraphOptions()
INDEX_DEFAULTS = IndexOptions()
#: Where ``train-words`` writes and ``neighbors`` looks when no path is given.
DEFAULT_MODEL = "model.ekm"
EXIT_INTERRUPTED = 130

# Choices come from the library's tuples (embedkit.options): one list for both.
Weighting = Literal[WEIGHTINGS]
Transform = Literal[TRANSFORMS]
Solver = Literal[SOLVERS]
VectorKind = Literal[VECTOR_KINDS]
ExportFormat = Literal[EXPORT_FORMATS]
AnalogyMethod = Literal[ANALOGY_METHODS]
FeatureFormat = Literal[TABLE_FORMATS]
DocWeighting = Literal[DOC_WEIGHTINGS]
GraphMethod = Literal[GRAPH_METHODS]


def _plain_help_types() -> None:
    """Show choices in full and no type tags (``<int>``, ``<list[str]>``) in ``--help``:
    a flag needs none, a choice lists its values, a value option its plain type."""
    from typer import core

    def display(self, ctx):
        if self.metavar is not None:
            return self.metavar
        desc = self.type_descriptor
        if desc.is_choice:
            return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
        if getattr(self, "is_flag", False) or isinstance(self, core.TyperArgument):
            return None
        ann = desc.annotation
        names = {int: "INTEGER", float: "NUMBER", str: "TEXT"}
        inner = getattr(ann, "__args__", (ann,))
        return next((names[t] for t in inner if t in names), None)

    core.TyperOption.display_type_rich = display
    core.TyperArgument.display_type_rich = display


_plain_help_types()


#: Library parameters whose flag is not ``--`` + the name with '-' for '_' (see :func:`flag`).
_FLAGS = {
    "topn": "-k",
    "k": "-k",
    "a": "--sif-a",
    "c": "-C",
    "fmt": "--format",
    "train_fractions": "--train-fraction",
    # the library's way to do something a command does with another command: that command
    "read_vectors(path, nonfinite='drop')": "'embedkit import FILE --drop-nonfinite'",
    "Embedding(words, vectors, counts)": "embedkit import VECTORS --counts VOCAB",
}


def flag(parameter: str) -> str:
    """The command-line flag of a library parameter: the one place where errors raised in
    library terms (``dim``) become the user's terms (``--dim``)."""
    return _FLAGS.get(parameter, "--" + parameter.replace("_", "-"))


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"embedkit: error: {message}", err=True)
    return typer.Exit(code)


#: Parameters that name an input file, where '-' means stdin.
_INPUT_PARAMS = ("input", "corpus", "docs", "edges", "features", "words", "source")


def _stdin_note(kwargs: dict) -> None:
    """Say once that a command waits on a terminal's stdin (piped input needs no word)."""
    given = [kwargs.get(p) for p in _INPUT_PARAMS]
    uses_stdin = any(v == "-" or (isinstance(v, list) and "-" in v) for v in given)
    if uses_stdin and sys.stdin is not None and sys.stdin.isatty():
        typer.echo("embedkit: reading from stdin (end with Ctrl-D)", err=True)


#: errno values of a failed write: the disk or the reader is gone, not a bug.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EPIPE, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Library warnings (:class:`EmbedkitWarning`) as one line on stderr, no source line."""
    if issubclass(category, EmbedkitWarning):
        shown = message.render(flag) if isinstance(message, EmbedkitWarning) else message
        typer.echo(f"embedkit: warning: {shown}", err=True)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning


def _stdout_gone() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of a closed pipe or
    a full disk prints nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _interrupted() -> typer.Exit:
    """Say that a Ctrl-C ended the run and exit 130.  Said in one place, :func:`main`,
    wherever the interrupt came: in a command (its files are cleaned up as the
    ``KeyboardInterrupt`` unwinds it), while Typer parses the arguments or builds the
    commands (Typer turns it into a bare exit 130), or before a command runs."""
    typer.echo("embedkit: interrupted; no output was written", err=True)
    return typer.Exit(EXIT_INTERRUPTED)


def _write_failed(exc: OSError) -> typer.Exit:
    _stdout_gone()
    reason = "the reader closed the pipe" if exc.errno == errno.EPIPE else (exc.strerror or str(exc))
    return _fail(f"cannot write the output ({reason})", OutputError.exit_code)


def handles_errors(fn):
    """Turn user errors into one stderr line and a distinct exit code; a write that fails
    on stdout (a full disk, a closed pipe) into one line and exit 6; library warnings into
    one 'embedkit: warning:' line each.  A Ctrl-C goes on to :func:`main`, which says it
    and exits 130 (one place, whenever in the run it comes)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            _stdin_note(kwargs)
            from .engine import keep_freed_memory

            keep_freed_memory()
            with warnings.catch_warnings():
                warnings.simplefilter("always", EmbedkitWarning)
                warnings.showwarning = _show_warning
                result = fn(*args, **kwargs)
            sys.stdout.flush()
            return result
        except EmbedkitError as exc:
            raise _fail(exc.render(flag), exc.exit_code) from None
        except OSError as exc:
            if exc.errno not in _WRITE_ERRNOS:
                raise
            raise _write_failed(exc) from None
        except MemoryError:
            raise _fail("out of memory; try a larger --min-count or a smaller --dim", 7) from None

    return wrapper


EncodingOpt = Annotated[
    str,
    typer.Option("--encoding", help="Text encoding of the input files (ASCII-compatible: utf-8, latin-1, cp1252…)."),
]
ErrorsOpt = Annotated[
    str,
    typer.Option("--errors", help="Bytes not in the encoding: strict (stop, naming the line), replace or ignore."),
]


def reads_text(fn):
    """Give a command ``--encoding`` and ``--errors`` (like :func:`output_options`): every
    file it reads is decoded with them (:class:`embedkit.io.Decoding`)."""
    sig = inspect.signature(fn, eval_str=True)
    extra = [
        inspect.Parameter("encoding", inspect.Parameter.KEYWORD_ONLY, default="utf-8", annotation=EncodingOpt),
        inspect.Parameter("errors", inspect.Parameter.KEYWORD_ONLY, default="strict", annotation=ErrorsOpt),
    ]

    @functools.wraps(fn)
    def wrapper(*args, encoding: str = "utf-8", errors: str = "strict", **kwargs):
        from .io import Decoding, use_decoding

        with use_decoding(Decoding(encoding, errors)):
            return fn(*args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=list(sig.parameters.values()) + extra)  # type: ignore[attr-defined]
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


def _given(ctx: typer.Context, *parameters: str) -> list[str]:
    """The flags among ``parameters`` that the user gave (on the command line or through
    their environment variable), not left at their defaults: an option that cannot act on
    what the rest of the command asks for is named, never silently dropped."""
    return [flag(p) for p in parameters if _typed(ctx, p)]


def _typed(ctx: typer.Context, parameter: str) -> bool:
    """Whether the user gave ``parameter`` (on the command line or in its environment
    variable) rather than leaving it at its default."""
    source = ctx.get_parameter_source(parameter)
    return source is not None and source.name in _TYPED


_TYPED = ("COMMANDLINE", "ENVIRONMENT")


def _and(flags: list[str]) -> str:
    return " and ".join(flags) if len(flags) < 3 else ", ".join(flags[:-1]) + " and " + flags[-1]


def _bytes(x: float) -> str:
    """A size in bytes for people: '4 MB', '1.6 GB' (decimal units)."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if x < 1000 or unit == "PB":
            return f"{x:.0f} {unit}" if unit in ("B", "KB", "MB") else f"{x:.1f} {unit}"
        x /= 1000
    return ""  # unreachable


def _count(n: int) -> str:
    """Counts in messages and tables: one way everywhere, with thousands separators."""
    return f"{n:,}"


# -- output that composes ---------------------------------------------------------------
#: The formats of every command's machine-readable output (sqlite-utils' output_options).
OUTPUT_FORMATS = ("table", "tsv", "csv", "json", "nl")
#: Significant digits of every score and statistic, in every format (float32 holds about 7).
DIGITS = 7


def output_options(fn):
    """Give a command ``--table/--tsv/--csv/--json/--nl``: the command declares a parameter
    ``output_format`` (hidden from the command line) and hands it to :func:`render`.

    Default: a table on a terminal, TSV with a header row when piped."""
    sig = inspect.signature(fn, eval_str=True)
    helps = {
        "table": "A table (the default on a terminal).",
        "tsv": "Tab-separated values with a header row (the default when piped).",
        "csv": "Comma-separated values with a header row.",
        "json": "A JSON array of objects, one a row.",
        "nl": "Newline-delimited JSON: one object a line.",
    }
    extra = [
        inspect.Parameter(
            f"as_{f}",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[bool, typer.Option(f"--{f}", help=helps[f], rich_help_panel="Output")],
        )
        for f in OUTPUT_FORMATS
    ]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        chosen = [f for f in OUTPUT_FORMATS if kwargs.pop(f"as_{f}", False)]
        if len(chosen) > 1:
            raise ParameterError(f"give one output format, not {_and(['--' + f for f in chosen])}")
        return fn(*args, **kwargs, output_format=chosen[0] if chosen else None)

    params = [p for name, p in sig.parameters.items() if name != "output_format"]
    wrapper.__signature__ = sig.replace(parameters=params + extra)
    return wrapper


def _machine_value(v):
    """A cell for TSV/CSV/JSON: floats rounded to DIGITS significant digits, NaN and ±inf as null."""
    if isinstance(v, bool) or v is None:
        return v
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict, str)):
        v = v.item()  # numpy scalars
    if isinstance(v, float):
        return float(f"{v:.{DIGITS}g}") if math.isfinite(v) else None
    return v


def _cell(v, table: bool = False, cut: int | None = None) -> str:
    v = _machine_value(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if table and isinstance(v, int):
        return _count(v)
    if isinstance(v, float):
        return f"{v:.{DIGITS}g}"
    text = str(v) if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False)
    if cut is not None and len(text) > cut:
        text = text[: cut - 1] + "…"
    return text


def render(
    rows: list[dict],
    output_format: str | None,
    title: str = "",
    columns: list[str] | None = None,
    record: bool = False,
    cut: dict[str, int] | None = None,
) -> None:
    """Write ``rows`` (dicts with the same keys) in the chosen format.

    ``record``: the rows are one record's fields (``info``): JSON gives an object and the
    table has a key and a value column.  ``cut``: columns the *table* shortens to so many
    characters (machine formats never cut).  The table leaves out the marks of built words
    (:data:`_MARK_COLUMNS`) when no row has one, as the note on stderr has said so already;
    machine formats keep every column, whatever the rows.  JSON is valid (no NaN) and UTF-8
    unescaped."""
    fmt = output_format or ("table" if _stdout_is_terminal() else "tsv")
    columns = columns or (list(rows[0]) if rows else [])
    if fmt == "table":
        columns = [c for c in columns if c not in _MARK_COLUMNS or any(r.get(c) for r in rows)]
    if fmt in ("json", "nl"):
        clean = [{c: _machine_value(r.get(c)) for c in columns} for r in rows]
        if record:
            clean = [clean[0] if clean else {}]
        if fmt == "json":
            text = json.dumps(clean[0] if record else clean, ensure_ascii=False, allow_nan=False)
        else:
            text = "\n".join(json.dumps(r, ensure_ascii=False, allow_nan=False) for r in clean)
        if text:
            sys.stdout.write(text + "\n")
    elif fmt in ("tsv", "csv"):
        import csv

        if record:  # one record: a key and a value column, a row per field
            rows = [{"key": c, "value": r.get(c)} for r in rows[:1] for c in columns]
            columns = ["key", "value"]

        if fmt == "csv":
            writer = csv.writer(sys.stdout, lineterminator="\n")
        else:  # TSV: a tab or newline inside a value would break the row, so it is a space
            writer = None
        table = [columns] + [[_cell(r.get(c)) for c in columns] for r in rows]
        for line in table:
            if writer is not None:
                writer.writerow(line)
            else:
                sys.stdout.write("\t".join(x.replace("\t", " ").replace("\n", " ") for x in line) + "\n")
    else:
        from rich.console import Console
        from rich.table import Table

        cut = cut or {}
        table = Table(title=title or None, title_justify="left", show_header=not record)
        if record:
            table.add_column("key", style="bold")
            table.add_column("value")
            for r in rows:
                for c in columns:
                    table.add_row(c, _cell(r.get(c), table=True))
        else:
            for c in columns:
                numeric = any(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool) for r in rows)
                table.add_column(c, justify="right" if numeric else "left")
            for r in rows:
                table.add_row(*(_cell(r.get(c), table=True, cut=cut.get(c)) for c in columns))
        Console().print(table)


# -- shared options -------------------------------------------------------------------
NoClobberOpt = Annotated[bool, typer.Option("--no-clobber", "-n", help="Refuse to overwrite an existing output file.")]


def check_outputs(outputs: list[Optional[str]], inputs: list[Optional[str]], no_clobber: bool = False) -> None:
    """Refuse, before any work, an output that cannot be written (a directory, a missing
    directory), one that is also an input file, or any existing file with
    ``--no-clobber``.  '-' (stdout) and None (not written) are always fine."""
    from .io import check_writable

    for out in outputs:
        if out is None or out == "-":
            continue
        check_writable(out)
        target = Path(out)
        if not target.exists():
            continue
        for given in inputs:
            if given is None or given == "-" or not Path(given).exists():
                continue
            if os.path.samefile(given, target):
                raise ParameterError(f"{out} is also an input ({given}); refusing to write over it")
        if no_clobber:
            raise OutputError(f"{out} exists; not overwritten (--no-clobber)")


def _note_default_replaced(output: str, quiet: bool) -> None:
    """Say that the default model file (no -o) is about to be replaced: the one output a
    user may not have chosen (train-words and embed-graph both write ./model.ekm)."""
    if output == DEFAULT_MODEL and Path(output).exists():
        _note(quiet, f"embedkit: {output} exists and is replaced when done (-o: elsewhere; --no-clobber: kept)")


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
SolverOpt = Annotated[
    Solver,
    typer.Option(
        "--solver", help="shifted (randomized, dynamic shifts: fewest products), randomized, or arpack (exact, slow)."
    ),
]
NIterOpt = Annotated[int, typer.Option("--n-iter", help="Power iterations of the shifted / randomized solver.")]
EigOpt = Annotated[float, typer.Option("--eig", help="Eigenvalue weighting p: vectors are U·Σ^p.")]
VectorsOpt = Annotated[VectorKind, typer.Option("--vectors", help="w (U), c (V), w+c (their sum) or concat.")]
RemoveTopOpt = Annotated[
    int,
    typer.Option("--remove-top", help="Remove the mean and top K principal components (all-but-the-top)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")]
MinnOpt = Annotated[int, typer.Option("--minn", help="Subwords: shortest character n-gram (boundary marks included).")]
MaxnOpt = Annotated[int, typer.Option("--maxn", help="Subwords: longest character n-gram.")]
BucketsOpt = Annotated[int, typer.Option("--buckets", help="Subwords: hash buckets (fastText's FNV-1a, modulo N).")]
SubwordWeightOpt = Annotated[
    Optional[float],
    typer.Option(
        "--subword-weight",
        help="Subwords: weight β of a word's n-gram direction beside its own (default 1.25; 1.5 when rare "
        "words join the fit, --rare-min-count).",
    ),
]
SubwordCoherenceOpt = Annotated[
    float,
    typer.Option(
        "--subword-coherence",
        help="Subwords, mean n-gram vectors (--subword-ridge 0): weight each by the length of its mean ^ P.",
    ),
]
SubwordRidgeOpt = Annotated[
    float,
    typer.Option(
        "--subword-ridge",
        help="Subwords: fit the n-gram vectors by ridge regression with this λ (0: the mean of their words).",
    ),
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
        help="Budget for count partials (e.g. 4G); past it they spill to disk (with --scheduler: "
        "each worker's, on its disk). Default: none, or a quarter of RAM (at most 4G) for over 1 GB of text.",
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


def _options(**kw) -> WordOptions:
    return WordOptions(**kw)


def parse_size(text: str | None) -> int | None:
    """Bytes from a --memory size: '4G', '500M', '2GB', '64k' or a plain number (None stays None)."""
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


# -- stages ---------------------------------------------------------------------------
@app.command()
@handles_errors
@reads_text
def tokenize(
    input: InputArg = "-",
    output: OutputOpt = "-",
    pattern: PatternOpt = None,
    lowercase: LowerOpt = True,
    quiet: QuietOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Write one line of space-separated tokens per input line.

    Example: [bold]embedkit tokenize corpus.txt.gz | head[/bold]
    """
    from .io import atomic_output, input_size, read_blocks
    from .progress import Reporter
    from .tokenize import Tokenizer

    check_outputs([output], [input], no_clobber)

    tok = Tokenizer(pattern, lowercase)
    reporter = Reporter(quiet=quiet)
    with atomic_output(output, binary=False) as out, reporter.stage("tokenize", input_size(input)) as advance:
        for block in read_blocks(input, progress=advance):
            out.write("".join(" ".join(tok.tokenize(line)) + "\n" for line in block.splitlines()))


@app.command()
@handles_errors
@reads_text
def vocab(
    input: InputArg = "-",
    output: OutputOpt = "-",
    min_count: MinCountOpt = DEFAULTS.min_count,
    max_size: MaxSizeOpt = None,
    pattern: PatternOpt = None,
    lowercase: LowerOpt = True,
    quiet: QuietOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Count words: 'word<TAB>count' lines, most frequent first.

    Example: [bold]embedkit vocab corpus.txt --min-count 5 -o vocab.tsv[/bold]
    """
    from .io import atomic_output, display_name, input_size
    from .pipeline import build_vocabulary
    from .progress import Reporter
    from .tokenize import Tokenizer
    from .vocab import count_words

    check_outputs([output], [input], no_clobber)

    with Reporter(quiet=quiet).stage("counting", input_size(input)) as advance:
        counts = count_words(input, Tokenizer(pattern, lowercase), advance)
    v = build_vocabulary(counts, WordOptions(min_count=min_count, max_size=max_size), display_name(input))
    with atomic_output(output, binary=False) as out:
        v.write_tsv(out)


@app.command()
@handles_errors
@reads_text
def cooccur(
    input: InputArg = "-",
    output: OutputOpt = "-",
    vocab_file: Annotated[
        Optional[str], typer.Option("--vocab", help="Vocabulary from 'embedkit vocab' (else built here).")
    ] = None,
    min_count: MinCountOpt = DEFAULTS.min_count,
    max_size: MaxSizeOpt = None,
    window: WindowOpt = DEFAULTS.window,
    weighting: WeightingOpt = DEFAULTS.weighting,
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
    no_clobber: NoClobberOpt = False,
) -> None:
    """Count co-occurrences within a window into a sparse matrix (.npz) with its vocabulary.

    Example: [bold]embedkit cooccur corpus.txt --window 5 -o counts.npz[/bold]
    """
    from .io import display_name, save_matrix
    from .pipeline import count_corpus, counts_params
    from .progress import Reporter
    from .vocab import Vocabulary

    check_outputs([output], [input, vocab_file], no_clobber)
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
    given = Vocabulary.read_tsv(vocab_file) if vocab_file is not None else None
    c = count_corpus(input, opts, Reporter(quiet=quiet, verbose=verbose), given)
    params = counts_params(c, opts, None if given is None else display_name(vocab_file))
    save_matrix(output, c.counts, c.vocab.words, c.vocab.counts, params)


@app.command("pmi")
@handles_errors
def pmi_cmd(
    input: InputArg = "-",
    output: OutputOpt = "-",
    transform: TransformOpt = DEFAULTS.transform,
    shift: ShiftOpt = DEFAULTS.shift,
    cds: CdsOpt = DEFAULTS.cds,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Weight a co-occurrence matrix: PPMI (default), PMI, log(1+count) or none.

    Example: [bold]embedkit pmi counts.npz --cds 0.75 -o ppmi.npz[/bold]
    """
    from .io import display_name, load_matrix, save_matrix
    from .weighting import pmi

    check_outputs([output], [input], no_clobber)

    _binary_to(output)
    counts, words, wcounts, params = load_matrix(input)
    if params.get("stage") == "pmi":  # weighting weights twice: log of logs
        raise InputError(
            f"{display_name(input)}: already weighted by pmi (--transform {params.get('transform')}); "
            "give pmi the counts that cooccur writes"
        )
    m = pmi(counts, transform, shift, cds, copy=False)
    params.update(stage="pmi", transform=transform, shift=shift, cds=cds)
    save_matrix(output, m, words, wcounts, params)


@app.command()
@handles_errors
def svd(
    input: InputArg = "-",
    output: OutputOpt = "-",
    dim: DimOpt = DEFAULTS.dim,
    solver: SolverOpt = DEFAULTS.solver,
    n_iter: NIterOpt = DEFAULTS.n_iter,
    eig: EigOpt = DEFAULTS.eig,
    vectors: VectorsOpt = DEFAULTS.vectors,
    remove_top: RemoveTopOpt = DEFAULTS.remove_top,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Factorise a weighted matrix by truncated SVD into a model of word vectors.

    Example: [bold]embedkit svd ppmi.npz --dim 300 --eig 0.5 -o model.ekm[/bold]
    """
    from .io import display_name, load_matrix
    from .linalg import svd_steps
    from .pipeline import factorize_matrix
    from .progress import Reporter

    check_outputs([output], [input], no_clobber)
    _binary_to(output)
    m, words, wcounts, params = load_matrix(input)
    with Reporter(quiet=quiet, verbose=verbose).stage("svd", svd_steps(solver, n_iter), unit="products") as advance:
        emb = factorize_matrix(
            m,
            words,
            wcounts,
            params,
            advance,
            display_name(input),
            dim=dim,
            solver=solver,
            n_iter=n_iter,
            eig=eig,
            vectors=vectors,
            remove_top=remove_top,
            seed=seed,
            workers=workers,
        )
    emb.save(output)


@app.command("train-words")
@handles_errors
@reads_text
def train_words_cmd(
    ctx: typer.Context,
    corpus: Annotated[list[str], typer.Argument(help="Corpus files or globs, one passage a line ('-' for stdin).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Model file to write.")] = DEFAULT_MODEL,
    min_count: MinCountOpt = DEFAULTS.min_count,
    max_size: MaxSizeOpt = None,
    window: WindowOpt = DEFAULTS.window,
    weighting: WeightingOpt = DEFAULTS.weighting,
    symmetric: SymmetricOpt = True,
    subsample: SubsampleOpt = DEFAULTS.subsample,
    transform: TransformOpt = DEFAULTS.transform,
    shift: ShiftOpt = DEFAULTS.shift,
    cds: CdsOpt = DEFAULTS.cds,
    dim: DimOpt = DEFAULTS.dim,
    solver: SolverOpt = DEFAULTS.solver,
    n_iter: NIterOpt = DEFAULTS.n_iter,
    eig: EigOpt = DEFAULTS.eig,
    vectors: VectorsOpt = DEFAULTS.vectors,
    remove_top: RemoveTopOpt = DEFAULTS.remove_top,
    seed: SeedOpt = 0,
    subwords: Annotated[
        bool,
        typer.Option(
            "--subwords/--no-subwords",
            help="Mix each word with its character n-grams (fastText's) and answer for unseen words "
            "(on by default; --no-subwords: the words' own vectors only, and an unseen word is an error).",
        ),
    ] = DEFAULTS.subwords,
    minn: MinnOpt = DEFAULTS.minn,
    maxn: MaxnOpt = DEFAULTS.maxn,
    buckets: BucketsOpt = DEFAULTS.buckets,
    subword_weight: SubwordWeightOpt = DEFAULTS.subword_weight,
    subword_min_words: SubwordMinWordsOpt = DEFAULTS.subword_min_words,
    subword_coherence: SubwordCoherenceOpt = DEFAULTS.subword_coherence,
    subword_ridge: SubwordRidgeOpt = DEFAULTS.subword_ridge,
    rare_min_count: Annotated[
        int,
        typer.Option(
            "--rare-min-count",
            help="Words seen at least this often but fewer than --min-count times get a vector folded in "
            "from their contexts (stored beside the model, not as rows; mixed with their n-grams with "
            "--subwords); 0: none.",
        ),
    ] = DEFAULTS.rare_min_count,
    subword_rare_weight: Annotated[
        float,
        typer.Option(
            "--subword-rare-weight",
            help="Subwords with --rare-min-count: weight ω of a rare word's row in the n-gram fit "
            "(a vocabulary word's is 1; 0: the fit uses the vocabulary only).",
        ),
    ] = DEFAULTS.subword_rare_weight,
    pattern: PatternOpt = None,
    lowercase: LowerOpt = True,
    workers: WorkersOpt = None,
    memory: MemoryOpt = None,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Train word vectors: tokenize → vocab → cooccur → pmi → svd, in one command.

    Example: [bold]embedkit train-words corpus.txt && embedkit neighbors great[/bold]
    """
    from .pipeline import train_words
    from .progress import Reporter

    check_outputs([output], corpus, no_clobber)
    subword_settings = ("minn", "maxn", "buckets", "subword_weight", "subword_min_words", "subword_coherence",
                        "subword_ridge", "subword_rare_weight")  # fmt: skip
    unused = _given(ctx, *subword_settings) if not subwords else []
    if unused:
        raise ParameterError(f"{_and(unused)} shape{'s' if len(unused) == 1 else ''} the subword vectors; "
                             "drop --no-subwords")  # fmt: skip
    if subwords and not rare_min_count and _given(ctx, "subword_rare_weight"):
        raise ParameterError("--subword-rare-weight weighs the rare words' rows; give --rare-min-count too")
    _note_default_replaced(output, quiet)

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
        subword_ridge=subword_ridge,
        rare_min_count=rare_min_count,
        subword_rare_weight=subword_rare_weight,
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
        f"embedkit: {counted(len(emb), 'word')} × {counted(emb.dim, 'dim')} "
        f"from {counted(emb.params.get('tokens') or 0, 'token')} in {time.perf_counter() - t:.1f} s → {output}",
    )


# -- queries --------------------------------------------------------------------------
def model_file(model: Optional[str]) -> str:
    """The model path a query command means: ``model``, or $EMBEDKIT_MODEL, or ./model.ekm."""
    from_env = os.environ.get("EMBEDKIT_MODEL") if model is None else None
    path = model or from_env or DEFAULT_MODEL
    if model is None and not Path(path).exists():
        if from_env:  # say where the path came from: the user never typed it
            raise InputError(f"EMBEDKIT_MODEL={from_env}: no such file; set it to a model, or pass --model")
        raise InputError(
            f"no model given and {path} not found; train one with 'embedkit train-words CORPUS' or pass --model"
        )
    return path


def find_model(model: Optional[str], quiet: bool = False):
    """Load ``model`` (embedkit, word2vec or GloVe), or $EMBEDKIT_MODEL, or ./model.ekm."""

    from .formats import load_model
    from .progress import Reporter

    path = model_file(model)
    reporter = Reporter(quiet=quiet)
    size = Path(path).stat().st_size if Path(path).is_file() else None
    with reporter.stage("loading", total=size) as advance:
        return load_model(path, progress=advance, on_cache=lambda c: _note(quiet, f"embedkit: cached {path} as {c}"))


ModelPatternOpt = Annotated[
    Optional[str], typer.Option("--pattern", help="Token regular expression (default: the model's own).")
]
ModelLowerOpt = Annotated[
    Optional[bool],
    typer.Option(
        "--lowercase/--no-lowercase",
        help="Fold case before tokenizing (default: as the model's corpus was; an imported model is "
        "lower-cased only if all its words are).",
    ),
]


def _built_note(feats, quiet: bool = False) -> None:
    """Say on stderr how many words outside the vocabulary sentence features built: from
    their character n-grams (a model with subwords), or folded in from their occurrences
    (a rare word, ``--rare-min-count``)."""
    rare = sum(feats.emb.rare_count(w) is not None for w in feats.built_)
    n = len(feats.built_) - rare
    if n:
        what = (
            "word outside the vocabulary was built from its"
            if n == 1
            else "words outside the vocabulary were built from their"
        )
        _note(quiet, f"embedkit: {_count(n)} {what} n-grams")
    if rare:
        what = (
            "word below the vocabulary's cut was folded in from its"
            if rare == 1
            else "words below the vocabulary's cut were folded in from their"
        )
        _note(quiet, f"embedkit: {_count(rare)} {what} occurrences in the corpus")


def _subword_notes(emb, words, quiet: bool = False) -> list[str]:
    """Say on stderr which query words are built — from their character n-grams, or folded
    in from their few occurrences (a rare word) — and return them (an unknown word that
    cannot be built is left to the query to report)."""
    built = emb.from_subwords(dict.fromkeys(words))
    for w, n in built.items():
        grams = counted(n, "character n-gram")
        seen = emb.rare_count(w)
        if seen is not None:
            also = f" and its {grams}" if n else ""
            source = f"folded in from its {counted(seen, 'occurrence')} in the corpus{also}"
            _note(quiet, f"embedkit: {w!r} is below the vocabulary's cut; its vector is {source}")
        else:
            _note(quiet, f"embedkit: {w!r} is not in the vocabulary; its vector is built from {grams}")
    return list(built)


#: The columns that say which query words were built (:func:`_built_marks`).
_MARK_COLUMNS = ("from_subwords", "from_occurrences")


def _built_marks(emb, words, built) -> dict:
    """The columns that say which of a row's query ``words`` were built (a model that
    builds unseen words always has them, empty when none was): ``from_subwords``, every
    built word; with rare words also ``from_occurrences``, each rare one as word:count
    (folded in from that many occurrences)."""
    if not emb.builds_unseen:
        return {}
    mine = [w for w in words if w in built]
    marks = {"from_subwords": " ".join(mine)}
    if emb.rare is not None:
        counts = {w: emb.rare_count(w) for w in mine}
        marks["from_occurrences"] = " ".join(f"{w}:{n}" for w, n in counts.items() if n is not None)
    return marks


ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help=f"Model file (default: $EMBEDKIT_MODEL or ./{DEFAULT_MODEL})."),
]


@app.command()
@handles_errors
@reads_text
@output_options
def neighbors(
    words: Annotated[
        list[str], typer.Argument(help="Words (or node ids); '-' reads one query a line from stdin.", metavar="WORD...")
    ],
    model: ModelOpt = None,
    k: Annotated[int, typer.Option("-k", "--k", help="How many neighbours.")] = 10,
    exact: Annotated[
        bool, typer.Option("--exact", help="Score every word even when the model has an index (MODEL.index).")
    ] = False,
    output_format: str | None = None,
) -> None:
    """Nearest words by cosine similarity.

    Queries are normalised as the model's corpus was (lower-cased if it was). Unknown words
    are reported on stderr and the others answered; the exit code is 5 only if none is known.
    All the queries are answered as one batch of matrix products ('-': thousands a second).

    With an index beside the model ('embedkit index MODEL' writes MODEL.index) the neighbours
    come from it: approximate (a near neighbour may be missed), with exact cosines. An index
    built before the model last changed is ignored, with a warning. --exact skips it.

    Output: 'query, neighbor, score' rows, whatever the number of query words.

    Example: [bold]embedkit neighbors great good -k 5[/bold]
    """
    from .progress import Reporter

    _check_k(k)
    if "-" in words and words != ["-"]:
        raise ParameterError("'-' reads the queries from stdin: give it alone, or give the words themselves")
    if words == ["-"]:
        from .io import read_lines

        words = [line.strip() for line in read_lines("-") if line.strip()]  # decoded as every input is
        if not words:
            raise ParameterError("no queries on stdin (one a line)")
    path = model_file(model)
    emb = find_model(path)
    index = None if exact else _fresh_index(path, emb)
    built = _subword_notes(emb, words)
    total = len(emb) * -(-len(set(words)) // 4096)
    with Reporter().stage("searching", total=total, unit="rows") as advance:
        rows, unknown = emb.neighbors(list(dict.fromkeys(words)), topn=k, progress=advance, index=index)
    if unknown and not rows:  # no query known: one error line
        raise UnknownWordError("; ".join(emb.unknown_message(w) for w in unknown))
    for w in unknown:
        typer.echo(f"embedkit: warning: {emb.unknown_message(w)}", err=True)
    answers: dict[str, list] = {}
    for q, n, s in rows:
        answers.setdefault(q, []).append((n, s))
    # a model with subwords always has a from_subwords column (the same columns whatever
    # the queries): the query when its vector was built, else empty
    marks = {q: _built_marks(emb, [q], built) for q in dict.fromkeys(words)}
    mark = marks.__getitem__
    render(
        [{"query": q, "neighbor": n, "score": s, **mark(q)} for q in words for n, s in answers.get(q, [])],
        output_format,
        title=f"neighbours of {', '.join(q for q in dict.fromkeys(words) if q in answers)}",
    )


def _fresh_index(path: str, emb):
    """The index beside the model when there is one that fits it; else None, after one
    warning line if there is an index that cannot be used (stale, damaged, no faiss)."""
    from . import ann

    if not ann.index_path(path).exists():
        return None
    try:
        return ann.load_index(path, emb)
    except EmbedkitError as exc:
        said = exc.render(flag)
        typer.echo(f"embedkit: warning: {said}; answering exactly (rebuild: embedkit index {path})", err=True)
        return None


@app.command("index")
@handles_errors
def index_cmd(
    model: Annotated[str, typer.Argument(help="Model file (embedkit, word2vec or GloVe).")],
    lists: Annotated[
        int, typer.Option("--lists", help="k-means cells of the inverted lists (IVF's nlist); 0: about 2 √rows.")
    ] = INDEX_DEFAULTS.lists,
    probes: Annotated[
        int, typer.Option("--probes", help="Cells scanned a query (nprobe): more, better recall, slower; stored.")
    ] = INDEX_DEFAULTS.probes,
    margin: Annotated[
        float,
        typer.Option(
            "--margin",
            help="Of those cells, skip one whose centre scores more than this below the best one's "
            "(cosine units): fewer cells for a query in an isolated cluster; stored.",
        ),
    ] = INDEX_DEFAULTS.margin,
    rerank: Annotated[
        int, typer.Option("--rerank", help="Candidates a query scores exactly against the model; stored.")
    ] = INDEX_DEFAULTS.rerank,
    quiet: QuietOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Build an approximate nearest-neighbour index of a model, stored beside it as MODEL.index.

    'embedkit neighbors' then uses it (when it still fits the model) instead of scoring every
    word: candidates from the index, scored exactly (recall and speed against the exact
    search are measured in BENCHMARKS.md). Needs the ANN extra
    (pip install 'embedkit\\[ann]'; exit code 1 without it); a missing or unreadable model
    exits with 3.

    Example: [bold]embedkit index model.ekm && cat words.txt | embedkit neighbors - -m model.ekm[/bold]
    """
    from . import ann
    from .progress import Reporter

    ann.check_installed()  # say what to install before loading a large model
    check_outputs([str(ann.index_path(model))], [model], no_clobber)
    emb = find_model(model, quiet)
    t = time.perf_counter()
    with Reporter(quiet=quiet).stage("indexing", total=len(emb), unit="rows") as advance:
        path = ann.build_index(emb, model, lists, probes, rerank, progress=advance, margin=margin)
    _note(
        quiet,
        f"embedkit: indexed {counted(len(emb), 'row')} × {counted(emb.dim, 'dim')} "
        f"in {time.perf_counter() - t:.1f} s → {path} ({_bytes(path.stat().st_size)})",
    )


@app.command("import")
@handles_errors
@reads_text
def import_cmd(
    source: Annotated[
        str, typer.Argument(help="word2vec (text or binary) or GloVe vectors file, or an .npy with its .words.txt.")
    ],
    output: Annotated[str, typer.Option("--output", "-o", help="Native model file to write ('-' for stdout).")] = "-",
    fmt: Annotated[str, typer.Option("--format", "-f", help="auto, word2vec, word2vec-binary, glove or npy.")] = "auto",
    counts_file: Annotated[
        Optional[str],
        typer.Option("--counts", help="Word counts ('word count' lines, e.g. gensim's fvocab) to keep with them."),
    ] = None,
    drop_nonfinite: Annotated[
        bool, typer.Option("--drop-nonfinite", help="Leave out rows with a NaN or infinite value (default: refuse).")
    ] = False,
    quiet: QuietOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Convert pretrained vectors into a native model, which loads in milliseconds.

    Example: [bold]embedkit import glove.6B.300d.txt -o glove.ekm[/bold]
    """
    from .formats import read_vectors, read_word_counts
    from .progress import Reporter

    check_outputs([output], [source, counts_file], no_clobber)
    _binary_to(output)

    p = Path(source)
    size = p.stat().st_size if p.is_file() else None
    with Reporter(quiet=quiet).stage("reading", total=size) as advance:
        emb = read_vectors(source, fmt, advance, nonfinite="drop" if drop_nonfinite else "error")
    if counts_file is not None:
        emb.counts = read_word_counts(counts_file, emb.words)
    emb.save(output)
    _note(quiet, f"embedkit: {counted(len(emb), 'word')} × {counted(emb.dim, 'dim')} → {output}")


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
    subword_ridge: SubwordRidgeOpt = DEFAULTS.subword_ridge,
    no_clobber: NoClobberOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Add subword vectors to any model: each word mixed with its character n-grams
    (fastText's: 3-6 characters, boundary marks, FNV-1a buckets), and a vector for any unseen word.

    Example: [bold]embedkit subwords glove.ekm -o glove-sub.ekm[/bold]
    """
    check_outputs([output], [model], no_clobber)
    emb = find_model(model, quiet=quiet)
    t = time.perf_counter()
    out = emb.with_subwords(minn, maxn, buckets, subword_weight, subword_min_words, subword_coherence, subword_ridge)
    out.save(output)
    _note(
        quiet,
        f"embedkit: {counted(len(out), 'word')}, {counted(out.subwords.keys.size, 'n-gram bucket')} kept in "
        f"{time.perf_counter() - t:.1f} s → {output}",
    )


@app.command()
@handles_errors
@reads_text
@output_options
def info(
    model: Annotated[str, typer.Argument(help="Model file (embedkit, word2vec or GloVe).")] = DEFAULT_MODEL,
    cache: Annotated[
        bool, typer.Option("--cache", help="Show the cache of parsed vector files instead: where, how many, size.")
    ] = False,
    output_format: str | None = None,
) -> None:
    """Vocabulary size, dimension, file size and every parameter that made a model.

    Example: [bold]embedkit info model.ekm[/bold]   (the cache: [bold]embedkit info --cache[/bold])
    """
    from .formats import cache_usage, detect_format, load_model

    if cache:
        u = cache_usage()
        facts = {"cache": str(u.path), "files": u.files, "bytes": u.bytes}
        render([facts], output_format, "cache of parsed vector files", record=True)
        return

    fmt = detect_format(model)
    emb = load_model(model, fmt=fmt)
    facts = {
        "file": model,
        "format": fmt,
        "file_bytes": Path(model).stat().st_size,
        "words": len(emb),
        "dim": emb.dim,
        "has_counts": emb.counts is not None,
        **(
            {"subword_ngrams": int(emb.subwords.keys.size), "subword_bytes": emb.subwords.nbytes}
            if emb.subwords
            else {}
        ),  # fmt: skip
        **({"rare_words": len(emb.rare), "rare_bytes": emb.rare.nbytes} if emb.rare is not None else {}),
        **{k: v for k, v in emb.params.items() if k != "dim"},
    }
    if "dim" in emb.params and emb.params["dim"] != emb.dim:
        # the vectors' width stays "dim"; --dim's own value differs when parts are joined
        # side by side (--vectors concat, embed-graph's netmf+sparse): each part's width
        facts["dim_per_part"] = emb.params["dim"]
    render([facts], output_format, model, record=True)


cache_app = typer.Typer(
    help="The cache of parsed word2vec / GloVe files (native copies that load in milliseconds).\n\n"
    "Example: [bold]embedkit cache clear[/bold]",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("clear")
@handles_errors
@reads_text
def cache_clear(quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Say nothing.")] = False) -> None:
    """Delete every cached copy (the vector files themselves are untouched).

    Example: [bold]embedkit cache clear[/bold]
    """

    from .formats import clear_cache

    u = clear_cache()
    _note(quiet, f"embedkit: removed {counted(u.files, 'cached file')}, {counted(u.bytes, 'byte')}, from {u.path}")


@app.command()
@handles_errors
@reads_text
def export(
    model: Annotated[str, typer.Argument(help="Model file written by train-words or svd.")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="word2vec, word2vec-binary, glove or npy.")
    ] = "word2vec",
    output: Annotated[str, typer.Option("--output", "-o", help="Output file ('-' for stdout, text formats).")] = "-",
    counts: Annotated[
        Optional[str],
        typer.Option("--counts", help="Also write the word counts here ('word count' lines: gensim's fvocab)."),
    ] = None,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Export vectors in word2vec (text or binary), GloVe or NumPy format.

    The counts travel with the vectors by --counts (gensim: load_word2vec_format(..., fvocab=)).

    Example: [bold]embedkit export model.ekm -o vectors.txt --counts vocab.txt[/bold]
    """
    check_outputs([output, counts], [model], no_clobber)

    if output == "-" and fmt in ("word2vec-binary", "npy"):
        _binary_to(output)
        if fmt == "npy":
            raise ParameterError("--format npy writes two files; give -o FILE.npy")
    find_model(model).export(output, fmt, counts_path=counts)


# -- using embeddings: queries, sentence features, LSA search, PCA ------------------------
KOpt = Annotated[int, typer.Option("-k", "--k", help="How many results.")]


def _check_k(k: int) -> None:
    check_at_least("k", k)


@app.command()
@handles_errors
@reads_text
@output_options
def similarity(
    word1: Annotated[str, typer.Argument(help="First word.")],
    word2: Annotated[str, typer.Argument(help="Second word.")],
    model: ModelOpt = None,
    output_format: str | None = None,
) -> None:
    """Cosine similarity of two words.

    Example: [bold]embedkit similarity dog cat[/bold]
    """
    emb = find_model(model)
    built = _subword_notes(emb, [word1, word2])
    score = emb.similarity(word1, word2)
    mark = _built_marks(emb, list(dict.fromkeys([word1, word2])), built)
    render([{"word1": word1, "word2": word2, "cosine": score, **mark}], output_format, "cosine similarity")


@app.command()
@handles_errors
@reads_text
@output_options
def analogy(
    a: Annotated[
        str, typer.Argument(help="a, in a is to b as c is to ?; '-' reads 'a b c' questions a line from stdin.")
    ],
    b: Annotated[Optional[str], typer.Argument(help="b")] = None,
    c: Annotated[Optional[str], typer.Argument(help="c")] = None,
    model: ModelOpt = None,
    method: Annotated[
        AnalogyMethod, typer.Option("--method", help="3cosmul (Levy & Goldberg) or 3cosadd (vector offset).")
    ] = "3cosmul",
    k: KOpt = 10,
    output_format: str | None = None,
) -> None:
    """Answer a : b :: c : ? (a, b and c themselves are never answers).

    With '-', every line of stdin is a question 'a b c' (white space, TABs or commas between the words),
    answered together as one batch; a question with an unknown word is reported on stderr
    and skipped (exit code 5 only if none could be answered; 3 for a line that is not three words).

    Example: [bold]embedkit analogy king queen prince -k 5[/bold]  (king : queen :: prince : ?)
    """
    from .progress import Reporter

    _check_k(k)
    if a == "-" and b is None and c is None:
        questions = _read_questions()
    elif b is None or c is None:
        raise ParameterError("give three words a b c, or '-' to read questions from stdin")
    else:
        questions = [(a, b, c)]
    emb = find_model(model)
    built = _subword_notes(emb, [w for question in questions for w in question])
    if len(questions) == 1:
        answers, unknown = [emb.analogy(*questions[0], method=method, topn=k)], []
    else:
        total = len(emb) * -(-len(questions) // 4096)
        with Reporter().stage("searching", total=total, unit="rows") as advance:
            answers, unknown = emb.analogies(questions, method=method, topn=k, progress=advance)
        if all(x is None for x in answers):
            raise UnknownWordError("no question could be answered: " + unknown[0])
        for message in unknown:
            typer.echo(f"embedkit: warning: {message}", err=True)
    rows = []
    for (qa, qb, qc), found in zip(questions, answers):
        mark = _built_marks(emb, (qa, qb, qc), built)
        rows.extend(
            {"a": qa, "b": qb, "c": qc, "method": method, "answer": w, "score": s, **mark} for w, s in found or []
        )
    title = f"{a} : {b} :: {c} : ?  ({method})" if len(questions) == 1 else f"{len(questions):,} analogies ({method})"
    render(rows, output_format, title)


def _read_questions() -> list[tuple[str, ...]]:
    """'a b c' questions from stdin, one a line, read as `evaluate analogy` reads its
    files (white space, TABs or commas; blank lines, comments and ':' headers skipped);
    a bad line is the input's error (exit 3)."""
    from .evaluate import read_analogies

    try:
        return read_analogies("-", words=3)
    except DataError as exc:
        raise InputError(str(exc)) from None


@app.command("sentence-features")
@handles_errors
@reads_text
def sentence_features_cmd(
    ctx: typer.Context,
    input: Annotated[str, typer.Argument(help="Text, one sentence or document a line ('-' for stdin).")] = "-",
    model: ModelOpt = None,
    mode: Annotated[
        Optional[str],
        typer.Option(
            "--mode",
            help=f"{', '.join(FEATURE_MODES)}; join several with '+' to concatenate (each part unit length) "
            f"[default: {DEFAULT_FEATURE_MODE}; mean for a model without word counts].",
        ),
    ] = None,
    output: OutputOpt = "-",
    fmt: Annotated[FeatureFormat, typer.Option("--format", "-f", help="tsv (text) or npy.")] = "tsv",
    sif_a: Annotated[float, typer.Option("--sif-a", help="SIF smoothing a in a / (a + p(w)).")] = 1e-3,
    remove: Annotated[
        Optional[int],
        typer.Option("--remove", help="sif / usif: common components to remove [default: 1 for sif, 5 for usif]."),
    ] = None,
    abtt: Annotated[
        int, typer.Option("--abtt", help="First remove the mean and top ABTT directions of the word vectors.")
    ] = 0,
    k: Annotated[int, typer.Option("--k", "-k", help="pcs: principal directions per line.")] = 2,
    dim: Annotated[
        Optional[int], typer.Option("--dim", help="Project the features on their top DIM principal directions.")
    ] = None,
    unit: Annotated[bool, typer.Option("--unit", help="Average unit-length word vectors.")] = False,
    cn_mu: Annotated[
        float,
        typer.Option(
            "--cn-mu",
            help="usif-cn / usif-ctx: conceptor strength μ = α² (a direction of eigenvalue λ keeps 1/(1 + μλ)).",
        ),
    ] = CONCEPTOR_MU,
    ctx_gamma: Annotated[
        float,
        typer.Option("--ctx-gamma", help="usif-ctx: weight γ of a word's context direction beside its own vector."),
    ] = CONTEXT_GAMMA,
    ctx_beta: Annotated[
        float,
        typer.Option(
            "--ctx-beta", help="usif-ctx: weight β of an unknown word's context direction beside its random one."
        ),
    ] = CONTEXT_BETA,
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
    pattern: ModelPatternOpt = None,
    lowercase: ModelLowerOpt = None,
    quiet: QuietOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """One row of features per input line, in order: uSIF-ctx (default), uSIF-CN, uSIF, SIF, mean, GEM, pmeans, PCs.

    An empty line, or one with no word of the model, gets a row of zeros (counted on stderr).

    What the mode learns (common components, the conceptor, context directions, GEM's subspace) and --dim's
    projection are fitted on the input, on --fit-on lines, or read by --load-fit.

    Example (fit once on training text, reuse it on test text):
    [bold]embedkit sentence-features train.txt --mode sif --save-fit sif.npz -o train.tsv[/bold]
    [bold]embedkit sentence-features test.txt --mode sif --load-fit sif.npz -o test.tsv[/bold]
    """
    from .features import SentenceFeatures, model_tokenizer
    from .io import display_name, read_lines, write_table
    from .progress import Reporter

    check_outputs([output, save_fit], [input, model, fit_on, load_fit], no_clobber)

    if fmt == "npy":
        _binary_to(output)
    emb = find_model(model)
    tokenizer = model_tokenizer(emb, pattern, lowercase)
    options = {
        "mode": mode,
        "a": sif_a,
        "remove": remove,
        "k": k,
        "dim": dim,
        "unit": unit,
        "abtt": abtt,
        "cn_mu": cn_mu,
        "ctx_gamma": ctx_gamma,
        "ctx_beta": ctx_beta,
    }
    parameter = {"a": "sif_a"}  # the command's parameter of a library setting, where the names differ
    adopted = load_fit is not None and fit_on is None
    if adopted:  # the fit's options, unless given (then they must agree)
        given = {key: v for key, v in options.items() if _typed(ctx, parameter.get(key, key))}
        feats = SentenceFeatures.from_fit(emb, load_fit, tokenizer=tokenizer, **given)
    else:
        feats = SentenceFeatures(emb, **options, tokenizer=tokenizer)
    if feats.fell_back:
        _note(quiet, f"embedkit: the model keeps no word counts: mode mean ({DEFAULT_FEATURE_MODE} needs them)")
    # a setting the modes do not read (FEATURE_MODE_SETTINGS) is refused, never silently dropped
    moded = ("a", "remove", "k", "unit", "cn_mu", "ctx_gamma", "ctx_beta")
    unread = _given(ctx, *(parameter.get(s, s) for s in moded if s not in feats.settings))
    if unread:
        verb = "is" if len(unread) == 1 else "are"
        which = " (the default)" if mode is None and not adopted else ""
        raise ParameterError(f"{_and(unread)} {verb} not used by --mode {'+'.join(feats.modes)}{which}")
    mode = "+".join(feats.modes)
    lines = read_lines(input)
    if not lines:
        raise DataError(f"{display_name(input)}: no lines to turn into features (the input is empty)")
    reporter = Reporter(quiet=quiet)
    with reporter.stage("features", len(lines), unit="lines") as advance:
        enc = feats.encode(lines)
        fitted = (
            None if adopted else feats.fit_or_load(enc, read_lines(fit_on) if fit_on is not None else None, load_fit)
        )
        if fitted is not None and fitted < 10:  # the common component of so few lines is most of them
            _note(
                quiet,
                f"embedkit: warning: --mode {mode}{' and --dim' if dim else ''} fitted on only "
                f"{counted(fitted, 'line')}; fit on training text with --fit-on or --load-fit",
            )
        if save_fit is not None:
            feats.save_fit(save_fit)
        x = feats.transform(enc)
        advance(len(lines))
    with reporter.stage("writing", None, unit="steps"):
        write_table(output, x, fmt=fmt)
    _built_note(feats, quiet)
    n_zero = int((~x.any(axis=1)).sum())
    if n_zero:
        typer.echo(
            f"embedkit: {_count(n_zero)} of {counted(enc.n_lines, 'line')} had no known word (zero rows)", err=True
        )
    size = f"{counted(x.shape[0], 'line')} × {counted(x.shape[1], 'feature')}"
    _note(quiet or not sys.stderr.isatty(), f"embedkit: {size} ({mode})")


@app.command()
@handles_errors
@reads_text
def lsa(
    docs: Annotated[str, typer.Argument(help="Documents, one a line ('-' for stdin).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Model file (the .docs.npz goes beside it).")] = (
        "lsa.ekm"
    ),
    dim: Annotated[int, typer.Option("--dim", help="Latent dimensions (singular vectors).")] = 100,
    weighting: Annotated[
        DocWeighting, typer.Option("--weighting", help="tfidf (count × idf) or log (log(1 + count)).")
    ] = "tfidf",
    min_count: Annotated[int, typer.Option("--min-count", help="Keep words seen at least this often.")] = 1,
    seed: SeedOpt = 0,
    pattern: PatternOpt = None,
    lowercase: LowerOpt = True,
    quiet: QuietOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Latent semantic analysis: factorise the term-document matrix, keep word and document vectors.

    Writes MODEL (word vectors Y = VΣ, an ordinary model for neighbors, similarity…).

    Beside it, MODEL.docs.npz holds the document vectors Z = UΣ, the idf and the start of each document.

    Example: [bold]embedkit lsa abstracts.txt -o lsa.ekm --dim 100 && embedkit search "gene therapy" -m lsa.ekm[/bold]
    """

    from .io import display_name, read_lines
    from .lsa import build_lsa, documents_path
    from .progress import Reporter
    from .tokenize import Tokenizer

    check_outputs([output, str(documents_path(output))], [docs], no_clobber)

    lines = read_lines(docs)
    reporter = Reporter(quiet=quiet)
    m = build_lsa(
        lines,
        dim,
        weighting,
        min_count,
        Tokenizer(pattern, lowercase),
        seed=seed,
        source=display_name(docs),
        reporter=reporter,
    )
    with reporter.stage("save", None, unit="steps"):
        m.save(output)
    _note(
        quiet,
        f"embedkit: {counted(len(m.docs), 'document')} × {counted(len(m.terms), 'word')} "
        f"→ {counted(m.terms.dim, 'dim')}: {output}, {documents_path(output)}",
    )


@app.command()
@handles_errors
@reads_text
@output_options
def search(
    query: Annotated[str, typer.Argument(help="Query words; '-' reads one query a line from stdin.")],
    model: Annotated[str, typer.Option("--model", "-m", help="LSA model written by 'embedkit lsa'.")] = "lsa.ekm",
    k: KOpt = 10,
    pattern: ModelPatternOpt = None,
    lowercase: ModelLowerOpt = None,
    output_format: str | None = None,
) -> None:
    """Rank documents by cosine with the query in the LSA latent space.

    Rows are query, rank, doc (its line number from 1), score and the document's whole
    text (only the table shortens it). With '-' every line of stdin is a query, answered in
    one batch; a query with no word of the model is reported on stderr and the others
    answered (exit 5 only if none is).

    Example: [bold]embedkit search "car engine" -m lsa.ekm -k 5[/bold]
    """
    from .features import model_tokenizer
    from .lsa import LSAModel

    _check_k(k)
    queries = [query]
    if query == "-":
        from .io import read_lines

        queries = [line.strip() for line in read_lines("-") if line.strip()]  # decoded as every input is
        if not queries:
            raise ParameterError("no queries on stdin (one a line)")
    m = LSAModel.load(model)
    tokenizer = model_tokenizer(m.terms, pattern, lowercase) if (pattern, lowercase) != (None, None) else None
    hits, unknown = m.search_many(queries, k, tokenizer)
    if not hits:  # nothing to answer: one error line
        raise UnknownWordError("; ".join(m.unknown_query(q, tokenizer) for q in unknown))
    for q in unknown:
        typer.echo(f"embedkit: warning: {m.unknown_query(q, tokenizer)}", err=True)
    rows = [
        {"query": q, "rank": r, "doc": i + 1, "score": s, "text": m.snippets[i]}
        for q in queries
        for r, (i, s) in enumerate(hits.get(q, []), 1)
    ]
    title = f"documents for {query!r}" if len(queries) == 1 else f"documents for {len(hits):,} queries"
    render(rows, output_format, title, cut={"text": 80, "query": 30})


def _pair(text: Optional[str], flag: str, kind: type = float) -> Optional[tuple]:
    """'8,8' (or '8x8') → (8, 8) of ``kind``, both positive; None stays None."""
    if text is None:
        return None
    parts = text.replace("x", ",").replace("×", ",").split(",")
    try:
        a, b = (kind(p.strip()) for p in parts)
    except ValueError:
        a = b = 0
    if not (a > 0 and b > 0):
        raise ParameterError(f"{flag} takes two positive numbers as A,B, got {text!r}")
    return a, b


def _table_format(path: str) -> str:
    low = str(path).lower()
    return "npy" if low.endswith(".npy") else "csv" if low.endswith(".csv") else "tsv"


@app.command("pca")
@handles_errors
@reads_text
@output_options
def pca_cmd(
    ctx: typer.Context,
    input: Annotated[str, typer.Argument(help="Table (.csv, .tsv, .npy) or model (.ekm); '-' for a text table.")],
    dim: Annotated[int, typer.Option("--dim", help="Components to keep (k).")] = 2,
    center: Annotated[bool, typer.Option("--center/--no-center", help="Subtract the column means.")] = True,
    standardize: Annotated[bool, typer.Option("--standardize", help="Scale columns to unit variance.")] = False,
    words: Annotated[
        Optional[str], typer.Option("--words", help="Model input: only these rows (comma-separated words).")
    ] = None,
    output: Annotated[
        Optional[str],
        typer.Option("--output", "-o", help="Write the loadings Z = X V_k, or the --sample rows (.npy, .csv, TSV)."),
    ] = None,
    components: Annotated[
        Optional[str], typer.Option("--components", help="Write the components V_kᵀ (k × columns).")
    ] = None,
    reconstruct: Annotated[
        Optional[str], typer.Option("--reconstruct", help="Write the rank-k reconstruction and print its error.")
    ] = None,
    sample: Annotated[
        Optional[int],
        typer.Option("--sample", help="Draw N new rows from the model (Gaussian loadings, mapped back) into -o."),
    ] = None,
    plot: Annotated[Optional[str], typer.Option("--plot", help="Draw rows on PC1/PC2 and the spectrum (PNG).")] = None,
    image_shape: Annotated[
        Optional[str],
        typer.Option("--image-shape", help="Rows are H,W images: --plot draws the mean, components, reconstructions."),
    ] = None,
    label: Annotated[
        Optional[int],
        typer.Option("--label", help="--plot labels only the N rows farthest from the centre (0: none; default 40)."),
    ] = None,
    figsize: Annotated[
        Optional[str], typer.Option("--figsize", help="--plot's size W,H in inches (110 pixels an inch).")
    ] = None,
    seed: SeedOpt = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no spectrum.")] = False,
    output_format: str | None = None,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Principal component analysis of a table or of a model's vectors.

    Prints the spectrum (singular values, variance, explained-variance ratio).

    Writes the loadings Z = X V_k, the components and the rank-k reconstruction X V_k V_kᵀ on request.

    The reconstruction error equals the sum of the dropped σ² (Eckart–Young–Mirsky).

    --sample N draws N synthetic rows: loadings from a Gaussian with the components' variances,
    mapped back to the columns (PPCA without its noise term), seeded by --seed.

    Examples: [bold]embedkit pca model.ekm --plot words.png --label 100 --figsize 16,9 -q[/bold] ·
    [bold]embedkit pca digits.csv --dim 16 --image-shape 8,8 --plot digits.png[/bold] ·
    [bold]embedkit pca digits.csv --dim 16 --sample 100 -o synthetic.csv --seed 1[/bold]
    """
    from .formats import is_model_file
    from .io import display_name, read_table, write_table
    from .linalg import pca, pca_rank

    check_outputs([output, components, reconstruct, plot], [input], no_clobber)
    import numpy as np

    shape = _pair(image_shape, "--image-shape", int)
    size = _pair(figsize, "--figsize", float)
    if plot is None:
        unused = [f for f, given in (("--image-shape", shape), ("--figsize", size)) if given is not None]
        if unused:
            raise ParameterError(f"{_and(unused)} shape the --plot picture; give --plot FILE too")
    elif shape is None and dim < 2:
        raise ParameterError("--plot needs --dim 2 or more")
    if label is not None and label < 0:
        raise ParameterError(f"--label must be 0 or more, got {label}")
    if sample is not None:
        if sample < 1:
            raise ParameterError(f"--sample must be at least 1, got {sample}")
        if output is None:
            raise ParameterError("--sample writes its rows to -o FILE (or -o - for stdout); give -o")
    header = None
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
        x, labels, header = read_table(input)
    if shape is not None and shape[0] * shape[1] != x.shape[1]:
        h, w = shape
        raise ParameterError(f"--image-shape {h},{w} is {h * w} pixels, but the rows have {x.shape[1]} columns")
    if not _given(ctx, "dim") and pca_rank(*x.shape, center) < dim:
        dim = None  # the default 2 on a table with one component: keep what there is
    res = pca(x, dim, center=center, standardize=standardize, seed=seed)
    dim = res.dim
    if plot is not None and shape is None and dim < 2:  # the default --dim, cut to the one component there is
        why = ", as centring takes one" if center else ""
        raise DataError(f"{display_name(input)}: --plot draws the first two components, but a "
                        f"{x.shape[0]} × {x.shape[1]} table has 1{why}")  # fmt: skip
    z = res.transform(x)
    if sample is not None:
        write_table(output, res.sample(sample, seed), None, _table_format(output), header)
    elif output is not None:
        write_table(output, z, labels, _table_format(output))
    if components is not None:
        write_table(components, res.components, None, _table_format(components))
    if reconstruct is not None:
        x_hat, error = res.reconstruction(x)
        write_table(reconstruct, x_hat, labels, _table_format(reconstruct))
        typer.echo(
            f"embedkit: rank-{dim} reconstruction error ‖X̃ − X̃VVᵀ‖² = {error:.6g}; "
            f"sum of dropped σ² = {res.reconstruction_error:.6g}",
            err=True,
        )
    if plot is not None:
        from .plots import pca_image_plot, pca_plot

        title = Path(input).name if input != "-" else "stdin"
        if shape is not None:
            pca_image_plot(plot, x, res, shape, labels, title=title, figsize=size)
        else:
            pca_plot(plot, z, res, labels, title=title, label_count=label, figsize=size)
    if quiet or output == "-":  # stdout carries the rows
        return
    ratio, sv = res.explained_variance_ratio, res.singular_values
    var = res.explained_variance
    shown = len(sv) if output_format in ("json", "nl") else min(len(sv), max(dim, 10))
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
    render(rows, output_format, f"PCA of {x.shape[0]} rows × {x.shape[1]} columns (kept {dim})")


# -- graphs ---------------------------------------------------------------------------
EdgesArg = Annotated[
    str,
    typer.Argument(
        help="Edge list: 'source target \\[weight]' lines, comma, TAB, semicolon or space separated ('-' for stdin)."
    ),
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


def _read_graph(edges: str, directed: bool, self_loops: bool, header, delimiter):
    """The graph of an edge list; its note on isolated nodes and sinks is :func:`_graph_note`'s,
    said once the options are known to be good (a bad one is then the only line)."""
    from .graph import read_edges

    if delimiter == "\\t":
        delimiter = "\t"
    return read_edges(edges, directed=directed, self_loops=self_loops, header=header, delimiter=delimiter)


def _graph_note(g, quiet: bool) -> None:
    note = g.isolated_note()
    if note:
        _note(quiet, f"embedkit: {note}")


@app.command()
@handles_errors
@reads_text
def walks(
    edges: EdgesArg,
    output: OutputOpt = "-",
    walks_per_node: WalksPerNodeOpt = GRAPH_DEFAULTS.walks_per_node,
    walk_length: WalkLengthOpt = GRAPH_DEFAULTS.walk_length,
    p: POpt = GRAPH_DEFAULTS.p,
    q: QOpt = GRAPH_DEFAULTS.q,
    seed: SeedOpt = 0,
    directed: DirectedOpt = False,
    self_loops: SelfLoopsOpt = False,
    header: HeaderOpt = None,
    delimiter: DelimiterOpt = None,
    quiet: QuietOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Random walks (DeepWalk; node2vec with --p/--q) as lines of node ids: a corpus of nodes.

    Example: [bold]embedkit walks g.csv | embedkit cooccur - --pattern '\\S+' --min-count 1 --window 10 -o c.npz[/bold]
    """
    from .graph import random_walks, write_walks
    from .io import atomic_output

    check_outputs([output], [edges], no_clobber)

    g = _read_graph(edges, directed, self_loops, header, delimiter)
    t = time.perf_counter()
    with atomic_output(output) as out:
        n = write_walks(g, random_walks(g, walks_per_node, walk_length, p, q, seed), out)
    took = time.perf_counter() - t
    _graph_note(g, quiet)
    _note(quiet or output == "-", f"embedkit: {counted(n, 'walk')} of {g.summary()} in {took:.1f} s → {output}")


def _refuse_unread_settings(ctx: typer.Context, g, route) -> None:
    """A graph setting given (on the command line or through its environment variable)
    that the route does not read is refused when the route was asked for, and warned
    about when ``--method auto`` chose it: never silently dropped."""
    used = route.settings
    unused = _given(ctx, *(s for s in ("window", "negative", "rank", "walks_per_node", "walk_length", "p", "q")
                           if s not in used))  # fmt: skip
    if unused:
        verb = "is" if len(unused) == 1 else "are"
        on = " on a directed graph" if g.directed and flag("rank") in unused else ""
        if not route.chosen:
            raise ParameterError(f"{_and(unused)} {verb} not used by --method {route.method}{on}")
        if route.method == "sparse":
            why = "a directed graph" if g.directed else f"a graph above {route.netmf_max_nodes:,} nodes"
        else:
            why = f"an undirected graph up to {route.netmf_max_nodes:,} nodes"
        warnings.warn(EmbedkitWarning(f"{_and(unused)} {verb} not used by the {route.method} route, "
                                      f"which --method auto takes for {why}"), stacklevel=2)  # fmt: skip


@app.command("embed-graph")
@handles_errors
@reads_text
def embed_graph_cmd(
    ctx: typer.Context,
    edges: EdgesArg,
    output: Annotated[str, typer.Option("--output", "-o", help="Model file to write.")] = DEFAULT_MODEL,
    method: Annotated[
        GraphMethod,
        typer.Option(
            "--method",
            help="netmf (closed form, dense), sparse (T = 1 PMI → SVD → spectral propagation), "
            "netmf+sparse (the two side by side: 2 × dim columns), walks (walks → cooccur → PPMI → SVD), "
            f"auto: up to {NETMF_MAX_NODES:,} nodes netmf+sparse, then sparse (sparse if directed).",
        ),
    ] = GRAPH_DEFAULTS.method,
    dim: Annotated[
        int, typer.Option("--dim", help="Dimensions of each route (netmf+sparse writes 2 × DIM columns).")
    ] = GRAPH_DEFAULTS.dim,
    window: Annotated[
        int, typer.Option("--window", help="Window T: pairs up to T steps apart on a walk.")
    ] = GRAPH_DEFAULTS.window,
    negative: Annotated[
        float, typer.Option("--negative", help="Negative samples b: subtract log b.")
    ] = GRAPH_DEFAULTS.negative,
    rank: Annotated[int, typer.Option("--rank", help="netmf on large graphs: eigenpairs kept.")] = GRAPH_DEFAULTS.rank,
    walks_per_node: WalksPerNodeOpt = GRAPH_DEFAULTS.walks_per_node,
    walk_length: WalkLengthOpt = GRAPH_DEFAULTS.walk_length,
    p: POpt = GRAPH_DEFAULTS.p,
    q: QOpt = GRAPH_DEFAULTS.q,
    eig: EigOpt = GRAPH_DEFAULTS.eig,
    seed: SeedOpt = 0,
    directed: DirectedOpt = False,
    self_loops: SelfLoopsOpt = False,
    header: HeaderOpt = None,
    delimiter: DelimiterOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    no_clobber: NoClobberOpt = False,
) -> None:
    """Embed the nodes of a graph (NetMF closed form; the sparse route on large graphs) into a model file.

    Example: [bold]embedkit embed-graph g.csv -o g.ekm && embedkit neighbors 42 -m g.ekm[/bold]
    """
    from .pipeline import embed_graph, graph_route
    from .progress import Reporter

    check_outputs([output], [edges], no_clobber)
    _note_default_replaced(output, quiet)

    t = time.perf_counter()
    g = _read_graph(edges, directed, self_loops, header, delimiter)
    opts = GraphOptions(
        method=method,
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
    route = graph_route(g, opts)  # checks the options first: a bad one is the only line
    _refuse_unread_settings(ctx, g, route)
    _graph_note(g, quiet)
    dense = _bytes(route.dense_bytes)
    if route.method == "netmf":
        how = f"dense NetMF (an n × n float32 matrix, {dense})"
    elif route.method == "netmf+sparse":
        parts = f"2 × {counted(opts.dim, 'dim')}"
        how = f"dense NetMF ({dense}) beside the sparse route (T = 1 PMI, spectral propagation): {parts}"
    elif route.method == "sparse":
        why = f"dense NetMF needs {dense} above {route.netmf_max_nodes:,} nodes" if route.chosen else "as asked"
        if route.chosen and g.directed and route.nodes <= route.netmf_max_nodes:
            why = "a directed graph"
        pmi_kind = "directed (PageRank walk) T = 1 PMI" if g.directed else "T = 1 PMI"
        how = f"sparse route: {pmi_kind}, SVD, spectral propagation ({why})"
    else:
        how = f"walks route: {opts.walks_per_node} walks × {opts.walk_length} steps a node (as asked)"
    _note(quiet, f"embedkit: {counted(route.nodes, 'node')}: {how}")
    result = embed_graph(g, opts, Reporter(quiet=quiet))
    emb = result.embedding
    timings.update(result.timings)
    t_save = time.perf_counter()
    emb.save(output)
    timings["save"] = time.perf_counter() - t_save
    if verbose:
        width = max(14, *map(len, timings))
        for stage, sec in timings.items():
            typer.echo(f"  {stage:<{width}} {sec:7.2f} s", err=True)
    _note(
        quiet,
        f"embedkit: {counted(len(emb), 'node')} × {counted(emb.dim, 'dim')} ({emb.params['method']}) "
        f"from {g.summary()} in {time.perf_counter() - t:.1f} s → {output}",
    )


# -- evaluation -----------------------------------------------------------------------
evaluate_app = typer.Typer(
    help="Evaluate a model against benchmarks: word similarity, analogies, classification, graphs.\n\n"
    "Example: [bold]embedkit evaluate similarity model.ekm ws353.txt[/bold]",
    no_args_is_help=True,
)
app.add_typer(evaluate_app, name="evaluate")


@evaluate_app.command("classify")
@handles_errors
@reads_text
@output_options
def evaluate_classify(
    features: Annotated[str, typer.Argument(help="Features: TSV or .npy, one row per item (sentence-features).")],
    labels: Annotated[str, typer.Argument(help="Labels: one a line, in the same order as the rows.")],
    train: Annotated[
        Optional[int],
        typer.Option("--train", help="Train on the first N rows, test on the rest (else cross-validate)."),
    ] = None,
    test: Annotated[Optional[int], typer.Option("--test", help="With --train: test on the last N rows only.")] = None,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds when --train is not given.")] = 5,
    c: Annotated[
        Optional[float],
        typer.Option(
            "-C",
            "--C",
            help="Inverse L2 regularisation of the logistic regression "
            f"[default: chosen on each training part by {INNER_FOLDS}-fold CV from {', '.join(map(str, C_GRID))}].",
        ),
    ] = None,
    seed: SeedOpt = 0,
    output_format: str | None = None,
) -> None:
    """Accuracy of logistic regression on standardised features against a labels file.

    Example: [bold]embedkit evaluate classify features.tsv labels.txt --train 6000[/bold]
    """
    from . import evaluate as ev
    from .io import read_table
    from .progress import Reporter

    x, _, _ = read_table(features)
    y = ev.read_labels(labels)
    with Reporter().stage("fitting", ev.classify_fits(train, folds), unit="fits") as advance:
        r = ev.classify(x, y, train=train, test=test, folds=folds, c=c, seed=seed, progress=advance)
    row = {"file": features, "classes": r.classes, "train": r.train, "test": r.test}
    if r.folds:
        row["folds"] = r.folds
    row.update(accuracy=r.accuracy, macro_f1=r.macro_f1, C=r.c)
    render([row], output_format, "text classification")


@evaluate_app.command("similarity")
@handles_errors
@reads_text
@output_options
def evaluate_similarity(
    model: Annotated[str, typer.Argument(help="Model file.")],
    files: Annotated[list[str], typer.Argument(help="Word-pair files: 'word1 word2 score' lines.")],
    output_format: str | None = None,
) -> None:
    """Spearman ρ between human similarity scores and cosine, on the pairs found.

    With a model that has subwords or rare words, spearman_all scores every pair it can, an unseen word's vector
    built from its character n-grams or, for a rare word, folded in from its contexts
    (subwords_used counts the pairs that needed one);
    without subwords it is empty unless every pair was found.

    Example: [bold]embedkit evaluate similarity model.ekm ws353.txt[/bold]
    """
    from . import evaluate as ev

    emb = find_model(model)
    rows = []
    for f in files:
        try:
            r = ev.word_similarity(emb, ev.read_similarity_pairs(f))
        except DataError as exc:
            said = exc.args[0] if exc.args else ""
            raise DataError(said if said.startswith(f) else f"{f}: {said}") from None  # its parameter marks kept
        rows.append(
            {"file": f, "spearman": r.spearman, "spearman_all": r.spearman_all, "found": r.found,
             "subwords_used": r.built, "total": r.total}
        )  # fmt: skip
        if 0 < r.found < MIN_PAIRS_FOR_A_SCORE:
            found = f"only {r.found} of {_count(r.total)} pairs found in the model"
            if r.found == r.total:  # every pair found: the file itself is small
                found = f"only {counted(r.found, 'pair')}"
            typer.echo(f"embedkit: warning: {f}: {found}; a correlation over so few means little", err=True)
    render(rows, output_format, "word similarity")


#: Below this many pairs found (`evaluate similarity`) or edges held out (`evaluate links`),
#: the command warns that its score means little (with 10 pairs a 95 % interval of
#: Spearman's ρ spans about ±0.6).
MIN_PAIRS_FOR_A_SCORE = 10


@evaluate_app.command("analogy")
@handles_errors
@reads_text
@output_options
def evaluate_analogy(
    model: Annotated[str, typer.Argument(help="Model file.")],
    files: Annotated[list[str], typer.Argument(help="Analogy files: 'a b c d' lines, ': section' headers.")],
    restrict: Annotated[int, typer.Option("--restrict", help="Search among the N most frequent words.")] = 200_000,
    output_format: str | None = None,
) -> None:
    """3CosAdd and 3CosMul accuracy on a:b :: c:d questions whose words are all known.

    Example: [bold]embedkit evaluate analogy model.ekm google_analogy.txt[/bold]
    """
    from . import evaluate as ev

    check_at_least("restrict", restrict)
    emb = find_model(model)
    rows = []
    for f in files:
        r = ev.analogy(emb, ev.read_analogies(f), restrict=restrict)
        rows.append({"file": f, "3cosadd": r.add, "3cosmul": r.mul, "found": r.found, "total": r.total})
    render(rows, output_format, "analogy")


@evaluate_app.command("sts")
@handles_errors
@output_options
def evaluate_sts(
    files: Annotated[list[str], typer.Argument(help="Sentence-pair files: 'score<TAB>sentence1<TAB>sentence2' lines.")],
    model: ModelOpt = None,
    mode: Annotated[
        Optional[str],
        typer.Option(
            "--mode",
            help=f"Sentence-feature mode (see sentence-features) [default: {DEFAULT_FEATURE_MODE}; mean w/o counts].",
        ),
    ] = None,
    output_format: str | None = None,
) -> None:
    """Semantic textual similarity: Pearson and Spearman (× 100) of the two sentences' cosine
    against the gold scores, per file and averaged over the files (SentEval's convention).

    What the mode fits (common components, …) is fitted on each file's sentences.

    Example: [bold]embedkit evaluate sts sts12.*.tsv -m model.ekm[/bold]
    """
    from . import evaluate as ev
    from .features import SentenceFeatures

    pairs = [ev.read_sts_pairs(f) for f in files]  # every file is checked before any work
    emb = find_model(model)
    feats = SentenceFeatures(emb, mode)
    mode = "+".join(feats.modes)
    results = ev.sts_files(pairs, feats.fit_transform)
    _built_note(feats)
    for r in results:
        if r.file != "average" and r.pairs < MIN_PAIRS_FOR_A_SCORE:
            why = "no correlation is defined" if r.pearson != r.pearson else "a correlation over so few means little"
            typer.echo(f"embedkit: warning: {r.file}: only {counted(r.pairs, 'pair')}; {why}", err=True)
    rows = [
        {"file": r.file, "pearson": r.pearson, "spearman": r.spearman, "pairs": r.pairs, "unknown": r.unknown}
        for r in results
    ]
    render(rows, output_format, f"semantic textual similarity ({mode}; Pearson, Spearman × 100)")


# -- graph evaluation -----------------------------------------------------------------
@evaluate_app.command("nodes")
@handles_errors
@reads_text
@output_options
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
    output_format: str | None = None,
) -> None:
    """Node classification: one-vs-rest logistic regression, top-k labels, micro/macro-F1.

    Example: [bold]embedkit evaluate nodes g.ekm labels.csv --train-fraction 0.5[/bold]
    """
    from . import evaluate as ev
    from .progress import Reporter

    emb = find_model(model)
    fracs = tuple(train_fraction) if train_fraction else (0.1, 0.5, 0.9)
    node_labels = ev.read_node_labels(labels)
    unknown = [n for n in node_labels if n not in emb.index]
    if unknown:
        what = f"{_count(len(unknown))} labelled node{'s are' if len(unknown) > 1 else ' is'} not in the model"
        if not ignore_unknown:
            raise DataError(f"{labels}: {what} (first: {unknown[0]!r}); --ignore-unknown leaves them out")
        _note(False, f"embedkit: {labels}: {what}; left out")
        node_labels = {n: ls for n, ls in node_labels.items() if n in emb.index}
    fits = len(fracs) * repeats * ev.node_label_count(emb, node_labels)
    with Reporter().stage("fitting", fits, unit="fits") as advance:
        try:
            results = ev.node_classification(emb, node_labels, fracs, repeats=repeats, seed=seed, progress=advance)
        except DataError as exc:  # what the labels cannot do: say which file they came from
            raise DataError(f"{labels}: {exc.args[0]}") from None
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
    render(rows, output_format, "node classification")


@evaluate_app.command("links")
@handles_errors
@reads_text
@output_options
def evaluate_links(
    ctx: typer.Context,
    edges: EdgesArg,
    test_fraction: Annotated[float, typer.Option("--test-fraction", help="Fraction of edges held out.")] = 0.1,
    method: Annotated[
        GraphMethod, typer.Option("--method", help="How the training graph is embedded (see embed-graph).")
    ] = GRAPH_DEFAULTS.method,
    dim: Annotated[
        int, typer.Option("--dim", help="Dimensions of each route (netmf+sparse writes 2 × DIM columns).")
    ] = GRAPH_DEFAULTS.dim,
    window: Annotated[int, typer.Option("--window", help="Window T.")] = GRAPH_DEFAULTS.window,
    seed: SeedOpt = 0,
    directed: DirectedOpt = False,
    self_loops: SelfLoopsOpt = False,
    header: HeaderOpt = None,
    delimiter: DelimiterOpt = None,
    output_format: str | None = None,
) -> None:
    """Link prediction: hold out edges, embed the rest, ROC-AUC of cosine vs non-edges.

    With --directed the held-out edges are directed (u → v) and the rest is embedded as a
    directed graph (as embed-graph --directed); the non-edges are then pairs linked in
    neither direction, since cosine cannot tell u → v from v → u.

    Example: [bold]embedkit evaluate links g.csv --test-fraction 0.1[/bold]
    """
    from . import evaluate as ev
    from .pipeline import embed_graph, graph_route
    from .progress import Reporter

    g = _read_graph(edges, directed, self_loops, header, delimiter)
    train, test, neg = ev.split_edges(g, test_fraction, seed)
    opts = GraphOptions(method=method, dim=dim, window=window, seed=seed)
    _refuse_unread_settings(ctx, train, graph_route(train, opts))
    emb = embed_graph(train, opts, Reporter()).embedding
    r = ev.link_prediction(emb, test, neg, train.n_edges)
    if r.test_edges < MIN_PAIRS_FOR_A_SCORE:
        typer.echo(
            f"embedkit: warning: only {r.test_edges} edge{'s' if r.test_edges != 1 else ''} held out; "
            "an AUC over so few means little "
            "(raise --test-fraction or use a larger graph)",
            err=True,
        )
    rows = [{"method": emb.params["method"], "auc": r.auc, "test_edges": r.test_edges, "train_edges": r.train_edges}]
    render(rows, output_format, "link prediction")


def _join_help_lines(typer_app: typer.Typer) -> None:
    """Join the lines a docstring was wrapped at within each paragraph of a command's help,
    so that the help wraps to the terminal (Typer keeps single line breaks, and lines
    wrapped at 95 columns broke again at 80 into ragged halves); a line that starts a
    command (``[bold]embedkit …``) still starts a line."""
    for info in typer_app.registered_commands:
        text = inspect.cleandoc(info.help or inspect.getdoc(info.callback) or "")
        paragraphs = [re.sub(r"\n(?!\[bold\]embedkit)", " ", p) for p in text.split("\n\n")]
        info.help = "\n\n".join(paragraphs)
    for group in typer_app.registered_groups:
        _join_help_lines(group.typer_instance)


_join_help_lines(app)


def main(argv: list[str] | None = None) -> None:
    """The console script: Typer's app, with usage errors reduced to one line as well."""
    from typer.exceptions import TyperException

    from .interrupts import interrupts_from_finalizers

    try:
        with interrupts_from_finalizers():
            command = typer.main.get_command(app)
            rv = command.main(args=argv, prog_name="embedkit", standalone_mode=False)
        if rv == EXIT_INTERRUPTED:  # Typer's exit for a Ctrl-C (KeyboardInterrupt) anywhere in the run
            raise _interrupted()
        sys.stdout.flush()  # --help or --version on a full disk shows here, not at exit
    except OSError as exc:  # the commands' own writes are handled in handles_errors
        if exc.errno not in _WRITE_ERRNOS:
            raise
        sys.exit(_write_failed(exc).exit_code)
    except TyperException as exc:  # usage errors: unknown command or option, bad value
        if not exc.format_message().strip():  # no arguments: the help was shown
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        typer.echo(f"embedkit: error: {' '.join(exc.format_message().split())}{where}", err=True)
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):  # KeyboardInterrupt: a Ctrl-C before a command runs
        sys.exit(_interrupted().exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit as exc:  # Typer's and rich's own exit 1 on a closed pipe (the help): exit 6
        cause = exc.__context__
        if exc.code == 1 and isinstance(cause, OSError) and cause.errno in _WRITE_ERRNOS:
            sys.exit(_write_failed(cause).exit_code)
        raise
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
