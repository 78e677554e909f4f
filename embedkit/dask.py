"""The Dask engine: tokenizing and counting a corpus on a Dask distributed cluster.

This is the cluster side of :mod:`embedkit.engine`: it runs the same task functions.
It lives in its own module because ``dask.distributed`` is an optional extra that takes
about a second to import: nothing imports this module unless ``--scheduler`` is given.

The tasks are the ones the local process pool runs (:func:`embedkit.tokenize.tokenize_task`
and :func:`embedkit.cooccur.count_segment`), so counts are the same:

1. *Tokenize*, one task per newline-aligned byte range (:func:`embedkit.io.shard_ranges`
   for plain local files, :func:`dask.bytes.read_bytes` for fsspec URLs such as
   ``s3://bucket/corpus.txt``): the worker reads its own bytes and keeps the shard's word
   list and local ids in its memory (a future); the client learns only each shard's
   sizes (:class:`ShardSummary`).
2. *The vocabulary*, on the workers: each worker adds the distinct words and counts of
   the shards it holds to one compiled word store (:class:`~embedkit.vocab.WordStore`),
   and the workers' stores are merged pairwise in a binary tree; the root keeps the
   vocabulary's words, and only those reach the client (no work per shard there). The
   vocabulary goes to every worker once, as a compiled hash table of its words
   (:class:`SharedVocabulary`), so a shard's words become ids by one lookup each, not a
   Python dict per word.
3. *Count*, one task per shard on the worker that holds it: remap the ids, count the
   segments with the segment counter and add them to that worker's running sum, as a
   local pool worker does (a chain of tasks per worker; under ``memory`` the sum spills
   to the worker's disk, :class:`~embedkit.spill.SpillingSum`). Each shard knows its
   first token's position in the whole stream (from step 1), so subsampling draws are
   those of the local run.
4. The workers' sums are added pairwise on the workers; only the forward counts come
   back, and the client symmetrises them, as the local pool's parent does.

A worker lost mid-run is replaced by Dask: its kept shards are recomputed from their byte
ranges, so the result does not change. An interrupted run (Ctrl-C) cancels every task it
submitted before re-raising.
"""

from __future__ import annotations

import contextlib
import copy
import glob
import os
import shutil
import tempfile
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
from .engine import TreeSum, default_workers, keep_freed_memory, release_freed_memory
from .errors import ClusterError, DataError, InputError, ParameterError, param
from .io import CHUNK_BYTES, input_size, is_plain, raw_blocks, shard_ranges, text_decoding
from .spill import SpillingSum
from .tokenize import TokenizedShard, TokenizeTask, tokenize_task
from .vocab import Vocabulary, WordStore, vocabulary_from_counts

#: Bytes of text per tokenize task (a shard): about 1.5 M tokens, half a second's work.
SHARD_BYTES = CHUNK_BYTES
#: The worker event (``client.get_events``) a spilling worker logs: its runs and budget.
SPILL_EVENT = "embedkit-spill"
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
_worker_ready = False


def _ready_worker() -> None:
    """Once per worker process, before embedkit's first task there: glibc keeps freed
    blocks for reuse (:func:`embedkit.engine.keep_freed_memory`), as the local pool's
    workers do. Measured on dictwiki × 5, 2 workers: 5.6 s of system time became 1.7 s
    and the wall time halved (the counting arrays are fresh mmaps otherwise). The memory
    is given back at the end of each run (:func:`embedkit.engine.release_freed_memory`)."""
    global _worker_ready
    if not _worker_ready:
        keep_freed_memory()
        _worker_ready = True


def _tokenize(task: TokenizeTask) -> TokenizedShard:
    _ready_worker()
    return tokenize_task(task)


def _tokenize_bytes(
    data: bytes, path: str, start: int, last: bool, pattern: str | None, lowercase: bool, decoding=None
):
    """Tokenize a block read by :func:`dask.bytes.read_bytes` (an fsspec path)."""
    _ready_worker()
    if last and data and not data.endswith(b"\n"):
        data += b"\n"  # a file's last line ends with the file
    return tokenize_task(TokenizeTask(data, path, start, start + len(data), pattern, lowercase, decoding))


class ShardSummary(NamedTuple):
    """What the client learns of a tokenized shard that stays on its worker: its ids
    (``tokens``, line breaks included), its ``lines``, ``nbytes``, and whether it
    ``ends_at_break`` (a line end), and the ``worker`` holding it. Its words stay on the
    workers (:func:`_fold_words`)."""

    tokens: int
    lines: int
    nbytes: int
    ends_at_break: bool
    worker: str


def _line_break_ids(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Local ids of the line break among a shard's distinct words (none or one)."""
    starts = np.cumsum(lengths) - lengths
    one = np.flatnonzero(lengths == 1)
    return one[chars[starts[one]] == 10]


def _shard_summary(shard: TokenizedShard) -> ShardSummary:
    """The :class:`ShardSummary` of a shard (on the worker that holds it)."""
    chars, lengths, counts, ids, nbytes = shard
    breaks = _line_break_ids(chars, lengths)
    ends_at_break = bool(ids.size) and bool(np.isin(ids[-1], breaks))
    return ShardSummary(int(ids.size), int(counts[breaks].sum()), nbytes, ends_at_break, _worker_address())


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return ""


def _fold_words(store: WordStore | None, shard: TokenizedShard) -> WordStore:
    """Add a shard's distinct words and counts to its worker's word store (started by the
    worker's first shard, ``store`` None), as the counts are folded (:func:`_count_fold`):
    in place, each store being the input of only the next shard's task on that worker."""
    if store is None:
        store = WordStore()
    chars, lengths, counts, _, _ = shard
    store.add(chars, lengths, counts)
    return store


def _merge_words(a: WordStore, b: WordStore) -> WordStore:
    """Two workers' word stores in one, counts added. Pure: ``a`` is copied."""
    store = copy.deepcopy(a)
    store.add(*b.entries())
    return store


def _vocabulary_of(root: WordStore, min_count: int, max_size: int | None) -> tuple[Vocabulary, int]:
    """The vocabulary at the root of the word tree, and the corpus's distinct words. Only
    the kept words become strings and travel to the client."""
    return Vocabulary.from_counts(root.word_counts(max(min_count, 1)), min_count, max_size), root.n_types


class SharedVocabulary(NamedTuple):
    """What every worker holds once the vocabulary is known (made once, on a worker): the
    vocabulary's words in a compiled ``store`` (:meth:`WordStore.of_words`: word j has id
    j + 1, the line break 0), the subsampling ``keep_probability`` (or None) and V (``size``)."""

    store: WordStore
    keep_probability: np.ndarray | None
    size: int


def _share(vocab, subsample: float) -> SharedVocabulary:
    """The :class:`SharedVocabulary` of a vocabulary (or of :func:`_vocabulary_of`'s result)."""
    if isinstance(vocab, tuple):
        vocab = vocab[0]
    keep = subsample_keep_probability(vocab.counts, subsample) if subsample > 0 else None
    return SharedVocabulary(WordStore.of_words(vocab.words), keep, len(vocab))


def _final_ids(shard: TokenizedShard, shared: SharedVocabulary) -> np.ndarray:
    """The shard's tokens as vocabulary ids (LINE_BREAK, OUT_OF_VOCABULARY): its distinct
    words are looked up in the shared store's hash table at once, no string per word."""
    chars, lengths, _, local_ids, _ = shard
    found = shared.store.find(chars, lengths)
    remap = (found - 1).astype(np.int32)
    remap[found < 0] = OUT_OF_VOCABULARY
    remap[found == 0] = LINE_BREAK
    return remap[local_ids]


def _shard_tail(shard, shared, position: int, window: int, seed: int) -> tuple[np.ndarray, bool]:
    """The last ``window`` kept ids after the shard's last line break, and whether it has
    one (the client chains them with :func:`embedkit.cooccur.carried_context`)."""
    ids = _final_ids(shard, shared)
    tail = last_kept(ids, np.empty(0, np.int32), position, window, shared.keep_probability, seed)
    return tail, bool((ids == LINE_BREAK).any())


def _spill_directory(run: str) -> str:
    """A fresh directory for this run's spilled partials in the worker's own scratch space."""
    try:
        from distributed import get_worker

        base = get_worker().local_directory
    except (ImportError, ValueError):
        base = None
    return tempfile.mkdtemp(prefix=f"embedkit-spill-{run}-", dir=base)


def _count_fold(acc, shard, shared, position: int, context, weights, seed: int, segment_tokens: int, budget, run: str):
    """Count the pairs of one shard and add them to its worker's running sum ``acc``, as a
    local pool worker does: the segments :func:`embedkit.cooccur.segments` cuts, each
    counted by :func:`embedkit.cooccur.count_segment` and added to a
    :class:`~embedkit.engine.TreeSum` (under a ``budget`` of bytes, a
    :class:`~embedkit.spill.SpillingSum` that spills to the worker's disk). The first
    shard of a worker starts the sum (``acc`` None). The sum is updated in place and
    returned: each is the input of only the next shard's task, on the same worker."""
    _ready_worker()
    ids = _final_ids(shard, shared)
    n, keep = shared.size, shared.keep_probability
    if acc is None:
        acc = TreeSum() if budget is None else SpillingSum(budget, _spill_directory(run))
    for seg, seg_context, seg_position in segments([ids], len(weights), keep, seed, segment_tokens, position, context):
        acc.add(count_segment(SegmentTask(seg, seg_context, seg_position, n, weights, keep, seed)))
    return acc


def _fold_total(acc, n: int, budget: int | None) -> sp.csr_matrix:
    """A worker's forward counts: its tree sum, or its spilled runs merged a block of rows
    at a time (:meth:`embedkit.spill.SpillingSum.total`), the directory then removed."""
    empty = sp.csr_matrix((n, n), dtype=np.float64)
    if not isinstance(acc, SpillingSum):
        return acc.total(empty)
    try:
        runs = acc.total(empty)
        total = runs.merge(rows_per_block_nnz=max(1 << 16, budget // 256), directory=acc.directory)
        with contextlib.suppress(ImportError, ValueError):
            from distributed import get_worker

            get_worker().log_event(SPILL_EVENT, {"runs": len(runs.paths), "budget": budget})
        return total
    finally:
        shutil.rmtree(acc.directory, ignore_errors=True)


def _remove_spills(run: str) -> None:
    """Remove what an interrupted run left in a worker's scratch space."""
    from distributed import get_worker

    for path in glob.glob(os.path.join(get_worker().local_directory, f"embedkit-spill-{run}-*")):
        shutil.rmtree(path, ignore_errors=True)


def _add(a, b):
    return a + b


def _register_sizes() -> None:
    """Tell Dask the real size of a worker's running sum (for its memory accounting, and
    so that work stealing does not move one for a small task)."""
    from dask.sizeof import sizeof

    sizeof.register(TreeSum)(lambda acc: acc.nbytes)
    sizeof.register(SpillingSum)(lambda acc: acc.tree.nbytes)


with contextlib.suppress(ImportError):
    _register_sizes()


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
    subsample, seed, min_count, max_size, and ``memory``: the bytes of partial sums each
    worker may hold before it spills them to its disk); with ``vocab`` given the vocabulary
    is not built from the corpus. ``tokenize_progress(bytes)`` and ``count_progress(tokens)``
    are called here as tasks finish; ``on_vocabulary()`` between the two passes.

    Returns (vocabulary, counts as a canonical V × V CSR matrix, tokens, lines), the same
    as the local engine's (float32 counts under a ``memory`` budget, as there).
    """
    from distributed import as_completed

    weights = distance_weights(opts.window, opts.weighting)
    budget = opts.memory
    run = uuid.uuid4().hex[:8]
    # the futures this function holds: only these (and what they depend on) stay on the
    # cluster, so what is done with is freed. On any error they are cancelled, which needs
    # every dependent of a held future to be held too (Dask's scheduler asserts it)
    held: dict[str, list] = {}
    try:
        # pass 1: tokenize on the workers, keep the shards there
        shards = held["shards"] = []
        for i, (block, args) in enumerate(_tasks(files, tokenizer, chunk_bytes)):
            if block is None:
                f = client.submit(_tokenize, *args, key=f"embedkit-tokenize-{run}-{i}", priority=-i)
            else:
                data = client.compute(block)
                f = client.submit(_tokenize_bytes, data, *args, key=f"embedkit-tokenize-{run}-{i}", priority=-i)
                del data
            shards.append(f)
        if not shards:
            raise DataError(f"{source}: the corpus has no tokens")
        summaries = held["summaries"] = [
            client.submit(_shard_summary, s, key=f"embedkit-summary-{run}-{i}", priority=-i)
            for i, s in enumerate(shards)
        ]
        vocab_future = None
        # the words: each worker adds its shards' words to one store as they are tokenized,
        # then the workers' stores are merged in a tree (the client only submits)
        word_sums: dict[str, object] = {}
        held["words"] = []
        done: dict = {}
        order = {f.key: i for i, f in enumerate(summaries)}
        for f in as_completed(summaries, loop=client.loop):
            i = order[f.key]
            done[i] = summary = f.result()
            if vocab is None:
                w = summary.worker
                where = {"workers": [w], "allow_other_workers": True} if w else {}
                word_sums[w] = client.submit(
                    _fold_words, word_sums.get(w), shards[i], key=f"embedkit-words-{run}-{i}", priority=1, **where
                )
                held["words"].append(word_sums[w])
            if tokenize_progress is not None:
                tokenize_progress(summary.nbytes)
        if vocab is None:
            stores = [word_sums[w] for w in sorted(word_sums)]
            root = tree_reduce(client, stores, _merge_words, f"embedkit-merge-{run}", held["words"])
            vocab_future = client.submit(
                _vocabulary_of, root, opts.min_count, opts.max_size, key=f"embedkit-vocabulary-{run}"
            )
            held["vocabulary"] = [vocab_future]
            del stores, root
        del word_sums
        summaries_list = [done[i] for i in range(len(shards))]
        del done, summaries, held["summaries"], f
        positions = np.concatenate([[0], np.cumsum([s.tokens for s in summaries_list])]).tolist()
        n_lines = sum(s.lines for s in summaries_list)
        n_tokens = positions[-1] - n_lines
        if vocab_future is not None:
            vocab, n_types = vocab_future.result()
            if len(vocab) == 0:  # the error that names the corpus and the cut
                vocabulary_from_counts({}, opts.min_count, opts.max_size, source, n_types)
        elif len(vocab) == 0:
            raise ParameterError("the vocabulary is empty")
        if on_vocabulary is not None:
            on_vocabulary()

        # the vocabulary goes to every worker once, as a compiled hash table of its words
        # made on a worker (from the root of the word tree when the corpus gave it)
        source_vocab = vocab_future if vocab_future is not None else vocab
        shared = client.submit(_share, source_vocab, opts.subsample, key=f"embedkit-shared-{run}", priority=1)
        held["shared"] = [shared]
        held.pop("words", None)  # done (the vocabulary is known)
        del source_vocab, vocab_future

        # contexts for shards that start inside a line (lines longer than a shard)
        contexts = [np.empty(0, np.int32) for _ in shards]
        inside = [i for i in range(1, len(shards)) if not summaries_list[i - 1].ends_at_break]
        if inside:
            need = sorted({i - 1 for i in inside} | {j for i in inside for j in _chain(i, summaries_list)})
            tail_futures = {
                j: client.submit(
                    _shard_tail, shards[j], shared, positions[j], opts.window, opts.seed, key=f"embedkit-tail-{run}-{j}"
                )
                for j in need
            }
            held["tails"] = list(tail_futures.values())
            tails = {j: f.result() for j, f in tail_futures.items()}
            del tail_futures, held["tails"]
            for i in range(1, len(shards)):
                if summaries_list[i - 1].ends_at_break:
                    continue
                tail, has_break = tails[i - 1]
                contexts[i] = carried_context(contexts[i - 1], tail, has_break, opts.window)

        # pass 2: count on the workers holding the shards; each worker adds the counts of
        # its shards to one running sum (spilling to its disk under a budget), as a pool
        # worker does with its segments; only those sums are added up, in a tree
        steps = held["counts"] = []
        totals = held["sums"] = []
        for g, (worker, members) in enumerate(_by_holder(client, shards)):
            acc = None
            for i in members:
                acc = client.submit(
                    _count_fold, acc, shards[i], shared, positions[i], contexts[i], weights, opts.seed,
                    segment_tokens, budget, run, key=f"embedkit-count-{run}-{i}", priority=-i,
                    workers=[worker], allow_other_workers=True,
                )  # fmt: skip
                steps.append(acc)
            totals.append(
                client.submit(
                    _fold_total,
                    acc,
                    len(vocab),
                    budget,
                    key=f"embedkit-sum-{run}-{g}",
                    workers=[worker],
                    allow_other_workers=True,
                )  # fmt: skip
            )
            del acc
        total = tree_reduce(client, totals, _add, f"embedkit-add-{run}", totals)
        for name in ("shards", "shared", "vocabulary"):
            held.pop(name, None)
        del shards, shared
        sizes = {f"embedkit-count-{run}-{i}": summary.tokens for i, summary in enumerate(summaries_list)}
        pending = {f.key: f for f in steps}
        held["counts"] = pending.values()  # each let go once counted
        counted = as_completed(steps, loop=client.loop)
        del steps
        for f in counted:
            del pending[f.key]
            if count_progress is not None:
                count_progress(sizes[f.key])
        del f, counted, pending
        for _ in as_completed([total], loop=client.loop):  # the root is computed
            held.clear()  # all done: only the result is left on the cluster
        forward = total.result()
        del total
        # the symmetrisation is the client's, as the local pool's is its parent's
        result = finish_counts(forward, opts.symmetric, np.float32 if budget else np.float64)
        return vocab, result, n_tokens, n_lines
    except BaseException as exc:
        with contextlib.suppress(Exception):
            client.cancel([f for group in held.values() for f in group], force=True)
        if budget is not None:
            with contextlib.suppress(Exception):
                client.run(_remove_spills, run)
        _explain(exc)
        raise
    finally:
        held.clear()
        with contextlib.suppress(Exception):
            client.run(release_freed_memory)  # what the workers kept for reuse goes back


def _by_holder(client, shards: list) -> list[tuple[str, list[int]]]:
    """Shard indices grouped by the worker holding the shard, groups in order of their
    first shard, indices in corpus order."""
    who = client.who_has(shards)
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(shards):
        holders = sorted(who.get(f.key, ()))
        groups.setdefault(holders[0] if holders else "", []).append(i)
    return list(groups.items())


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
