"""The Dask engine: tokenizing and counting a corpus on a Dask distributed cluster.

This is the cluster side of :mod:`embedkit.engine`: it runs the same task functions.
It lives in its own module because ``dask.distributed`` is an optional extra that takes
about a second to import: nothing imports this module unless ``--scheduler`` is given.

The tasks are the ones the local process pool runs (:func:`embedkit.tokenize.tokenize_task`
and :func:`embedkit.cooccur.count_segment`), so counts are the same:

1. *Tokenize*, one task per newline-aligned byte range (:func:`embedkit.io.shard_ranges`
   for plain local files, :func:`dask.bytes.read_bytes` for fsspec URLs such as
   ``s3://bucket/corpus.txt``): the worker reads its own bytes and keeps the shard's word
   list and local ids in its memory (a future); only the distinct words and their counts
   come back.
2. The client adds the word counts up, builds the vocabulary, and scatters it to every
   worker once (word → id, with the subsampling probabilities).
3. *Count*, one task per shard on the worker that holds it: remap the kept ids, count the
   pairs with the segment counter; each shard knows its first token's position in the
   whole stream (from step 1), so subsampling draws are those of the local run.
4. The partial matrices are added pairwise on the workers in a fixed binary tree; only
   the final (symmetrised) matrix comes back.

A worker lost mid-run is replaced by Dask: its kept shards are recomputed from their byte
ranges, so the result does not change. An interrupted run (Ctrl-C) cancels every task it
submitted before re-raising.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from . import __version__
from .cooccur import (
    SegmentTask,
    carried_context,
    count_segment,
    distance_weights,
    finish_counts,
    last_kept,
    segments,
    subsample_keep_probability,
)
from .corpus import LINE_BREAK, OUT_OF_VOCABULARY
from .engine import TreeSum, default_workers
from .errors import ClusterError, DataError, InputError, ParameterError, param
from .io import CHUNK_BYTES, input_size, is_plain, raw_blocks, shard_ranges, text_decoding
from .tokenize import TokenizedShard, TokenizeTask, tokenize_task, words_of
from .vocab import Vocabulary, WordStore, vocabulary_from_counts

#: Bytes of text per tokenize task (a shard): about 1.5 M tokens, half a second's work.
SHARD_BYTES = CHUNK_BYTES
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT = 5
#: Seconds to wait for a first worker when the scheduler has none.
WORKER_TIMEOUT = 10

_NEEDS_EXTRA = f"{param('scheduler')} needs the Dask extra: pip install 'embedkit[dask]'"


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError(_NEEDS_EXTRA) from None
    return distributed


@contextlib.contextmanager
def connect(address: str, workers: int | None = None) -> Iterator:
    """A Dask client for ``address`` (``tcp://host:8786``), or for a cluster of ``workers``
    processes started here when ``address`` is ``local``. Raises :class:`ClusterError`
    within a few seconds when the scheduler cannot be reached or has no workers."""
    distributed = _import_distributed()
    import dask

    cluster = None
    client = None
    # Dask's own logs would print tracebacks for a lost worker or a refused connection;
    # embedkit reports problems itself, in one line
    with dask.config.set({"distributed.comm.timeouts.connect": f"{CONNECT_TIMEOUT}s", "logging.distributed": "error"}):
        if address == "local":
            cluster = distributed.LocalCluster(
                n_workers=workers or default_workers(), threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = distributed.Client(cluster, set_as_default=False)
        else:
            address = _probe(address)
            try:
                client = _client_class(distributed)(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except Exception as exc:  # something answers there, but not a Dask scheduler
                raise ClusterError(f"{address} does not answer as a Dask scheduler ({_reason(exc)})") from None
        try:
            _check_workers(client, address)
            yield client
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _probe(address: str) -> str:
    """Check an address's form and that a Dask scheduler answers there (plain TCP, a few
    seconds), before Dask tries; returns it with its scheme and without a trailing ``/``.

    A scheduler speaks first (its handshake) the moment a connection opens; a web server
    (the dashboard, port 8787) waits for a request, so silence is not a scheduler."""
    import re
    import socket

    full = address.strip() if "://" in address else f"tcp://{address.strip()}"
    m = re.fullmatch(r"(tcp|tls)://(\[[0-9a-fA-F:]+\]|[^:/\s]+):(\d+)/*", full)
    if not m:
        raise ParameterError("scheduler", address, ": expected an address such as tcp://HOST:8786, or 'local'", True)
    host, port = m.group(2).strip("[]"), int(m.group(3))
    full = f"{m.group(1)}://{m.group(2)}:{port}"
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT) as sock:
            sock.settimeout(CONNECT_TIMEOUT / 2)
            try:
                first = sock.recv(8)
            except TimeoutError:
                first = b""
            if not first and m.group(1) == "tcp":
                sock.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
                with contextlib.suppress(OSError):
                    first = sock.recv(8)
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise ClusterError(f"cannot reach the Dask scheduler at {full}: {reason}") from None
    if first.startswith(b"HTTP/"):
        raise ClusterError(
            f"{full} is a web server (the Dask dashboard?), not the scheduler; the scheduler's "
            "address is tcp://HOST:8786 by default"
        )
    if not first and m.group(1) == "tcp":
        raise ClusterError(f"{full} does not answer as a Dask scheduler (nothing came back in {CONNECT_TIMEOUT} s)")
    return full


def _client_class(distributed):
    class Client(distributed.Client):
        """A Client whose failed constructor does not leave an object that, once collected,
        waits 10 s to close a connection it never made and prints a traceback."""

        def __init__(self, *args, **kwargs) -> None:
            try:
                super().__init__(*args, **kwargs)
            except BaseException:
                self.status = "closed"
                with contextlib.suppress(Exception):
                    self._loop_runner.stop()
                raise

    return Client


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _check_workers(client, address: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except Exception:
        raise ClusterError(f"the Dask scheduler at {address} has no workers") from None
    try:
        versions = client.run(_worker_version)
    except Exception as exc:
        raise ClusterError(f"the Dask workers at {address} cannot run embedkit ({_reason(exc)})") from None

    other = sorted({v for v in versions.values() if v != __version__})
    if other:
        raise ClusterError(f"the Dask workers run embedkit {', '.join(other)}, this is embedkit {__version__}")


def _worker_version() -> str:
    return __version__


# -- tasks run on the workers ---------------------------------------------------------------
def _tokenize_bytes(
    data: bytes, path: str, start: int, last: bool, pattern: str | None, lowercase: bool, decoding=None
):
    """Tokenize a block read by :func:`dask.bytes.read_bytes` (an fsspec path)."""
    if last and data and not data.endswith(b"\n"):
        data += b"\n"  # a file's last line ends with the file
    return tokenize_task(TokenizeTask(data, path, start, start + len(data), pattern, lowercase, decoding))


class ShardSummary(NamedTuple):
    """What the client learns of a tokenized shard that stays on its worker: the distinct
    ``words`` as (code points, lengths) arrays, which the client interns in a compiled
    :class:`~embedkit.vocab.WordStore` without making a string per word, their ``counts``,
    the shard's ``tokens`` and ``nbytes``, and whether it ``ends_at_break`` (a line end)."""

    words: tuple[np.ndarray, np.ndarray] | None
    counts: np.ndarray | None
    tokens: int
    nbytes: int
    ends_at_break: bool


def _shard_summary(shard: TokenizedShard) -> ShardSummary:
    """The :class:`ShardSummary` of a shard (on the worker that holds it)."""
    chars, lengths, counts, ids, nbytes = shard
    ends_at_break = False
    if ids.size:
        last = int(ids[-1])
        start = int(lengths[:last].sum())
        ends_at_break = int(lengths[last]) == 1 and int(chars[start]) == 10
    return ShardSummary((chars, lengths), counts, int(ids.size), nbytes, ends_at_break)


class SharedVocabulary(NamedTuple):
    """What every worker holds once the vocabulary is known (scattered once): the word →
    id ``index``, the subsampling ``keep_probability`` (or None) and V (``size``)."""

    index: dict[str, int]
    keep_probability: np.ndarray | None
    size: int


def _final_ids(shard: TokenizedShard, shared: SharedVocabulary) -> np.ndarray:
    chars, lengths, _, local_ids, _ = shard
    words = words_of(chars, lengths)
    index = shared.index
    remap = np.fromiter((index.get(w, OUT_OF_VOCABULARY) for w in words), dtype=np.int32, count=len(words))
    return remap[local_ids]


def _shard_tail(shard, shared, position: int, window: int, seed: int) -> tuple[np.ndarray, bool]:
    """The last ``window`` kept ids after the shard's last line break, and whether it has
    one (the client chains them with :func:`embedkit.cooccur.carried_context`)."""
    ids = _final_ids(shard, shared)
    tail = last_kept(ids, np.empty(0, np.int32), position, window, shared.keep_probability, seed)
    return tail, bool((ids == LINE_BREAK).any())


def _count_shard(shard, shared, position: int, context: np.ndarray, weights, seed: int, segment_tokens: int):
    """Count the pairs of one shard: the segments :func:`embedkit.cooccur.segments` cuts,
    each counted by :func:`embedkit.cooccur.count_segment`, as the local pool does."""
    ids = _final_ids(shard, shared)
    n, keep = shared.size, shared.keep_probability
    tree = TreeSum()
    for seg, seg_context, seg_position in segments([ids], len(weights), keep, seed, segment_tokens, position, context):
        tree.add(count_segment(SegmentTask(seg, seg_context, seg_position, n, weights, keep, seed)))
    return tree.total(sp.csr_matrix((n, n), dtype=np.float64))


def _add(a, b):
    return a + b


# -- the client side ------------------------------------------------------------------------
def _tasks(files: list[str], tokenizer, chunk_bytes: int) -> Iterator[tuple]:
    """(function, args) of each tokenize task, in corpus order: plain files become byte
    ranges the workers read, fsspec URLs blocks that :func:`dask.bytes.read_bytes` reads
    on the workers, and compressed local files or stdin are read here and sent."""
    pattern, lowercase, decoding = tokenizer.pattern, tokenizer.lowercase, text_decoding()
    for path in files:
        if "://" in path:
            from dask.bytes import read_bytes

            try:
                _, blocks = read_bytes(path, delimiter=b"\n", blocksize=chunk_bytes, sample=False)
            except (OSError, ValueError, ImportError) as exc:
                raise InputError(f"{path}: cannot read ({_reason(exc)})") from None
            for file_blocks in blocks:
                for i, block in enumerate(file_blocks):
                    yield block, (path, i * chunk_bytes, i == len(file_blocks) - 1, pattern, lowercase, decoding)
        elif is_plain(path):
            full = os.path.abspath(path)  # the workers' working directory may differ
            for start, end in shard_ranges(path, chunk_bytes):
                yield None, (TokenizeTask(None, full, start, end, pattern, lowercase, decoding),)
        else:
            for data, offset in raw_blocks(path, chunk_bytes):
                yield None, (TokenizeTask(data, path, offset, offset + len(data), pattern, lowercase, decoding),)


def count_corpus(
    client,
    files: list[str],
    tokenizer,
    opts,
    source: str,
    vocab: Vocabulary | None = None,
    tokenize_progress=None,
    count_progress=None,
    chunk_bytes: int = CHUNK_BYTES,
    segment_tokens: int = 1 << 20,
    on_vocabulary=None,
) -> tuple[Vocabulary, sp.csr_matrix, int, int]:
    """Tokenize and count ``files`` on the cluster behind ``client``.

    ``opts`` is a :class:`embedkit.pipeline.WordOptions` (window, weighting, symmetric,
    subsample, seed, min_count, max_size); with ``vocab`` given the vocabulary is not
    built from the corpus. ``tokenize_progress(bytes)`` and ``count_progress(tokens)`` are
    called here as tasks finish; ``on_vocabulary()`` between the two passes.

    Returns (vocabulary, counts as a canonical V × V CSR matrix, tokens, lines), the same
    as the local engine's.
    """
    from distributed import as_completed

    weights = distance_weights(opts.window, opts.weighting)
    run = uuid.uuid4().hex[:8]
    futures: list = []  # everything submitted, cancelled on any error or Ctrl-C
    try:
        # pass 1: tokenize on the workers, keep the shards there
        shards = []
        for i, (block, args) in enumerate(_tasks(files, tokenizer, chunk_bytes)):
            if block is None:
                f = client.submit(tokenize_task, *args, key=f"embedkit-tokenize-{run}-{i}", priority=-i)
            else:
                data = client.compute(block)
                futures.append(data)
                f = client.submit(_tokenize_bytes, data, *args, key=f"embedkit-tokenize-{run}-{i}", priority=-i)
            futures.append(f)
            shards.append(f)
        if not shards:
            raise DataError(f"{source}: the corpus has no tokens")
        summaries = [
            client.submit(_shard_summary, s, key=f"embedkit-summary-{run}-{i}", priority=-i)
            for i, s in enumerate(shards)
        ]
        futures += summaries
        done: dict = {}
        order = {f.key: i for i, f in enumerate(summaries)}
        for f in as_completed(summaries, loop=client.loop):
            summary = f.result()
            done[order[f.key]] = summary
            if tokenize_progress is not None:
                tokenize_progress(summary.nbytes)
        summaries_list = [done[i] for i in range(len(shards))]
        del done, summaries
        store = WordStore()
        positions = []
        position = 0
        for (chars, lengths), word_counts, n_ids, _, _ in summaries_list:
            store.add(chars, lengths, word_counts)
            positions.append(position)
            position += n_ids
        summaries_list = [s._replace(words=None, counts=None) for s in summaries_list]  # words no longer needed
        n_lines = int(store.counts[0])
        n_tokens = position - n_lines
        if vocab is None:
            vocab = vocabulary_from_counts(
                store.word_counts(max(opts.min_count, 1)), opts.min_count, opts.max_size, source, store.n_types
            )
        elif len(vocab) == 0:
            raise ParameterError("the vocabulary is empty")
        del store
        if on_vocabulary is not None:
            on_vocabulary()

        # the vocabulary goes to every worker once
        index = dict(vocab.index)
        index["\n"] = LINE_BREAK
        keep = subsample_keep_probability(vocab.counts, opts.subsample) if opts.subsample > 0 else None
        [shared] = client.scatter([SharedVocabulary(index, keep, len(vocab))], broadcast=True, hash=False)
        futures.append(shared)
        del index

        # contexts for shards that start inside a line (lines longer than a shard)
        contexts = [np.empty(0, np.int32) for _ in shards]
        inside = [i for i in range(1, len(shards)) if not summaries_list[i - 1].ends_at_break]
        if inside:
            need = sorted({i - 1 for i in inside} | {j for i in inside for j in _chain(i, summaries_list)})
            tail_futures = {
                j: client.submit(_shard_tail, shards[j], shared, positions[j], opts.window, opts.seed, pure=False)
                for j in need
            }
            futures += list(tail_futures.values())
            tails = {j: f.result() for j, f in tail_futures.items()}
            for i in range(1, len(shards)):
                if summaries_list[i - 1].ends_at_break:
                    continue
                tail, has_break = tails[i - 1]
                contexts[i] = carried_context(contexts[i - 1], tail, has_break, opts.window)

        # pass 2: count on the workers holding the shards
        parts = [
            client.submit(
                _count_shard,
                s,
                shared,
                positions[i],
                contexts[i],
                weights,
                opts.seed,
                segment_tokens,
                key=f"embedkit-count-{run}-{i}",
                priority=-i,
            )
            for i, s in enumerate(shards)
        ]
        futures += parts
        del shards
        total = tree_reduce(client, parts, _add, f"embedkit-add-{run}", futures)
        final = client.submit(finish_counts, total, opts.symmetric, key=f"embedkit-finish-{run}")
        futures.append(final)
        if count_progress is not None:
            sizes = {f.key: summaries_list[i].tokens for i, f in enumerate(parts)}
            for f in as_completed(parts, loop=client.loop):
                count_progress(sizes[f.key])
        del parts, total
        result = final.result()
        return vocab, result, n_tokens, n_lines
    except BaseException as exc:
        with contextlib.suppress(Exception):
            client.cancel(futures, force=True)
        _explain(exc)
        raise
    finally:
        futures.clear()


def _explain(exc: BaseException) -> None:
    """Raise the one-line error for a failure a user can cause or fix (else return)."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        raise ClusterError(f"Dask workers kept dying while running {exc.task} (out of memory?)") from None
    if isinstance(exc, OSError) and getattr(exc, "filename", None):
        raise InputError(
            f"{exc.filename}: {exc.strerror or exc} on a Dask worker; "
            "the corpus must be at the same path on every worker (or an fsspec URL)"
        ) from None


def _chain(i: int, summaries: list[ShardSummary]) -> list[int]:
    """Shards before shard ``i`` back to the start of its line (all without a line end)."""
    out = []
    j = i - 1
    while j >= 0 and not summaries[j].ends_at_break:
        out.append(j)
        j -= 1
    return out


def tree_reduce(client, parts: list, fn, name: str, track: list | None = None):
    """Combine futures pairwise with ``fn`` on the workers, in a fixed binary tree (so
    the result does not depend on which task finishes first); returns the root future."""
    level = list(parts)
    depth = 0
    while len(level) > 1:
        nxt = [
            client.submit(fn, level[k], level[k + 1], key=f"{name}-{depth}-{k}") for k in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            nxt.append(level[-1])
        if track is not None:
            track.extend(nxt)
        level = nxt
        depth += 1
    return level[0]


def train_counts(files, tokenizer, opts, reporter, source: str, vocab: Vocabulary | None = None):
    """Count a corpus on ``opts.scheduler`` under the reporter's tokenize and cooccur stages.

    Returns (vocabulary, counts, tokens).
    """
    with connect(opts.scheduler, opts.workers) as client, contextlib.ExitStack() as counting:
        tokenizing = contextlib.ExitStack()
        with tokenizing:
            advance = tokenizing.enter_context(reporter.stage("tokenize", total=_input_size(files)))
            count_advance = []

            def next_stage() -> None:
                tokenizing.close()
                count_advance.append(counting.enter_context(reporter.stage("cooccur", total=None, unit="tokens")))

            vocab, counts, n_tokens, _ = count_corpus(
                client,
                files,
                tokenizer,
                opts,
                source,
                vocab,
                tokenize_progress=advance,
                count_progress=lambda n: count_advance[0](n),
                chunk_bytes=SHARD_BYTES,
                on_vocabulary=next_stage,
            )
    return vocab, counts, n_tokens


def _input_size(files: list[str]) -> int | None:
    return None if any("://" in f for f in files) else input_size(files)
