"""The Dask engine: the same counts and model as the local engines, on a 2-worker LocalCluster;
a worker killed mid-run; Ctrl-C; a memory budget on the workers; the command line with --scheduler."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from embedkit import dask as ek_dask  # noqa: E402
from embedkit.cooccur import count_cooccurrences, subsample_keep_probability  # noqa: E402
from embedkit.corpus import EncodedCorpus  # noqa: E402
from embedkit.io import load_matrix  # noqa: E402
from embedkit.pipeline import WordOptions, build_vocabulary, train_words  # noqa: E402
from embedkit.tokenize import Tokenizer  # noqa: E402

from .conftest import DEMO, subprocess_env  # noqa: E402

EMBEDKIT = [sys.executable, "-m", "embedkit.cli"]
SHARD = 64 << 10  # small shards: the demo corpus becomes about 25 tasks


@pytest.fixture(scope="module")
def dask_cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
    ) as c:
        yield c


@pytest.fixture
def client(dask_cluster):
    with distributed.Client(dask_cluster, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="module")
def long_lines(tmp_path_factory) -> Path:
    """Short lines, lines longer than a shard, an empty line, no final newline."""
    rng = np.random.default_rng(3)
    words = DEMO.read_text().split()[:20000]
    p = tmp_path_factory.mktemp("dask") / "long.txt"
    with open(p, "w") as f:
        for n in [40, 30000, 7, 0, 45000, 3, 12000] + [int(x) for x in rng.integers(1, 60, 400)]:
            f.write(" ".join(words[i] for i in rng.integers(0, len(words), n)) + "\n")
        f.write("the end without newline")
    return p


def _local(path, opts: WordOptions, workers: int):
    with EncodedCorpus(str(path), Tokenizer(), chunk_bytes=SHARD, workers=workers) as enc:
        vocab = build_vocabulary(enc.word_counts(), opts, "c")
        keep = subsample_keep_probability(vocab.counts, opts.subsample) if opts.subsample else None
        counts = count_cooccurrences(
            enc.id_blocks(vocab, block_tokens=5000),
            len(vocab),
            window=opts.window,
            weighting=opts.weighting,
            symmetric=opts.symmetric,
            keep_probability=keep,
            seed=opts.seed,
            workers=workers,
            segment_tokens=4000,
        )
        return vocab, counts, enc.n_tokens


@pytest.mark.parametrize("weighting,symmetric", [("uniform", True), ("harmonic", False)])
def test_serial_pool_and_cluster_count_the_same(client, long_lines, weighting, symmetric):
    opts = WordOptions(min_count=2, window=4, weighting=weighting, symmetric=symmetric, subsample=1e-3, seed=5)
    vocab, serial, n_tokens = _local(long_lines, opts, 1)
    _, pool, _ = _local(long_lines, opts, 2)
    got_vocab, dask, got_tokens, _ = ek_dask.count_corpus(
        client, [str(long_lines)], Tokenizer(), opts, "c", chunk_bytes=SHARD, segment_tokens=3000
    )
    assert got_vocab.words == vocab.words and list(got_vocab.counts) == list(vocab.counts)
    assert got_tokens == n_tokens
    assert dask.has_canonical_format and dask.shape == serial.shape and dask.nnz == serial.nnz
    if weighting == "uniform":  # integer counts: bit for bit
        assert (dask != serial).nnz == 0 and (pool != serial).nnz == 0
    else:  # float weights summed in another order
        assert abs(dask - serial).max() < 1e-9 and abs(pool - serial).max() < 1e-9


@pytest.mark.parametrize("weighting", ["uniform", "harmonic"])
def test_a_small_memory_budget_spills_on_the_workers_and_counts_the_same(client, long_lines, weighting):
    opts = WordOptions(min_count=2, window=4, weighting=weighting, subsample=1e-3, seed=2)
    vocab, expected, _ = _local(long_lines, opts, 1)
    budget = 150_001 + len(weighting)  # names this test's events
    got_vocab, got, _, _ = ek_dask.count_corpus(
        client, [str(long_lines)], Tokenizer(), replace(opts, memory=budget), "c", chunk_bytes=SHARD,
        segment_tokens=3000,
    )  # fmt: skip
    assert got_vocab.words == vocab.words
    assert got.dtype == np.float32 and got.has_canonical_format  # as the local engine under a budget
    if weighting == "uniform":
        assert (got != expected).nnz == 0
    else:
        assert got.nnz == expected.nnz and abs(got - expected).max() < 1e-5 * expected.max()
    # each worker that counted wrote its partial sums to its disk more than once
    runs = [msg["runs"] for _, msg in client.get_events(ek_dask.SPILL_EVENT) if msg["budget"] == budget]
    assert runs and all(r > 1 for r in runs), runs
    # and left nothing there
    left = client.run(lambda dask_worker: os.listdir(dask_worker.local_directory))
    assert not [name for names in left.values() for name in names if name.startswith("embedkit-spill")]


def test_an_fsspec_url_is_read_by_the_workers(client, long_lines):
    opts = WordOptions(min_count=2, window=4, weighting="uniform", subsample=1e-3)
    vocab, expected, n_tokens = _local(long_lines, opts, 1)
    got_vocab, got, got_tokens, _ = ek_dask.count_corpus(
        client, [f"file://{long_lines}"], Tokenizer(), opts, "c", chunk_bytes=SHARD, segment_tokens=3000
    )
    assert got_vocab.words == vocab.words and got_tokens == n_tokens
    assert (got != expected).nnz == 0


def test_the_same_model_as_the_local_engines(dask_cluster, monkeypatch):
    monkeypatch.setattr(ek_dask, "SHARD_BYTES", 256 << 10)
    base = dict(dim=40, min_count=3, seed=7, workers=2)
    local = train_words(str(DEMO), WordOptions(**base))
    dask = train_words(str(DEMO), WordOptions(scheduler=dask_cluster.scheduler_address, **base))
    assert dask.words == local.words and dask.params == local.params
    # 1/d weights are added in another order: the counts agree to rounding
    np.testing.assert_allclose(dask.vectors, local.vectors, atol=1e-4)


def test_exact_counts_give_byte_identical_vectors(dask_cluster, monkeypatch):
    monkeypatch.setattr(ek_dask, "SHARD_BYTES", 256 << 10)
    base = dict(dim=40, min_count=3, seed=7, workers=2, weighting="uniform", subsample=1e-3)
    local = train_words(str(DEMO), WordOptions(**base))
    dask = train_words(str(DEMO), WordOptions(scheduler=dask_cluster.scheduler_address, **base))
    assert dask.words == local.words and dask.params == local.params
    assert dask.vectors.tobytes() == local.vectors.tobytes()


class _KillOnce(distributed.WorkerPlugin):
    """Kills its worker's process when the first counting task starts there (once per marker)."""

    name = "embedkit-kill-once"

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        name = key if isinstance(key, str) else str(key)
        if finish == "executing" and name.startswith("embedkit-count") and not os.path.exists(self.marker):
            Path(self.marker).write_text(name)
            os._exit(1)


def test_a_worker_killed_mid_run_changes_nothing(client, long_lines, tmp_path):
    opts = WordOptions(min_count=2, window=4, weighting="uniform", subsample=1e-3)
    _, expected, _ = _local(long_lines, opts, 1)
    marker = tmp_path / "killed"
    client.register_plugin(_KillOnce(str(marker)))
    try:
        _, got, _, _ = ek_dask.count_corpus(
            client, [str(long_lines)], Tokenizer(), opts, "c", chunk_bytes=SHARD, segment_tokens=3000
        )
    finally:
        client.unregister_worker_plugin(_KillOnce.name)
    assert marker.exists(), "no worker was killed"
    assert (got != expected).nnz == 0
    client.wait_for_workers(2, timeout=120)  # (a bound on a hang, not a timing)


def test_ctrl_c_cancels_the_cluster_tasks(client, long_lines):
    def interrupt(_n):
        raise KeyboardInterrupt

    opts = WordOptions(min_count=2, window=4)
    with pytest.raises(KeyboardInterrupt):
        ek_dask.count_corpus(
            client, [str(long_lines)], Tokenizer(), opts, "c", chunk_bytes=SHARD, tokenize_progress=interrupt
        )
    deadline = time.monotonic() + 60  # returns as soon as they are gone; bounds a hang
    while time.monotonic() < deadline:
        left = client.run_on_scheduler(lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks])
        if not [k for k in left if k.startswith("embedkit-")]:
            break
        time.sleep(0.05)
    assert not [k for k in left if k.startswith("embedkit-")]


def test_cooccur_with_a_memory_budget_on_the_cluster_writes_the_same_matrix(cli, dask_cluster, tmp_path):
    addr = dask_cluster.scheduler_address
    common = ("--weighting", "uniform", "--min-count", "1", "--memory", "1M")
    cli("cooccur", DEMO, "-o", tmp_path / "local.npz", *common, "-j", "1")
    cli("cooccur", DEMO, "-o", tmp_path / "dask.npz", *common, "--scheduler", addr)
    a, wa, ca, pa = load_matrix(tmp_path / "local.npz")
    b, wb, cb, pb = load_matrix(tmp_path / "dask.npz")
    assert wa == wb and list(ca) == list(cb) and pa == pb
    assert a.dtype == b.dtype and (a != b).nnz == 0


def test_cooccur_on_the_cluster_writes_the_same_matrix(cli, dask_cluster, tmp_path):
    addr = dask_cluster.scheduler_address
    cli("cooccur", DEMO, "-o", tmp_path / "local.npz", "--weighting", "uniform", "-j", "1")
    cli("cooccur", DEMO, "-o", tmp_path / "dask.npz", "--weighting", "uniform", "--scheduler", addr)
    a, wa, ca, pa = load_matrix(tmp_path / "local.npz")
    b, wb, cb, pb = load_matrix(tmp_path / "dask.npz")
    assert wa == wb and list(ca) == list(cb) and pa == pb
    assert (a != b).nnz == 0


@pytest.mark.parametrize(
    "address,needle,code",
    [
        ("tcp://127.0.0.1:1", "cannot reach the Dask scheduler at tcp://127.0.0.1:1", 8),
        ("nonsense", "--scheduler 'nonsense': expected an address such as tcp://HOST:8786", 2),
    ],
)
def test_a_bad_scheduler_is_one_line(tmp_path, address, needle, code):
    r = subprocess.run(
        [*EMBEDKIT, "train-words", str(DEMO), "-o", str(tmp_path / "m.ekm"), "--scheduler", address],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,  # a hang, not a timing
    )
    assert r.returncode == code, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr, r.stderr
    assert not (tmp_path / "m.ekm").exists()


def test_the_scheduler_comes_from_the_environment(tmp_path):
    r = subprocess.run(
        [*EMBEDKIT, "cooccur", str(DEMO), "-o", str(tmp_path / "c.npz")],
        capture_output=True,
        text=True,
        env=subprocess_env(DASK_SCHEDULER_ADDRESS="tcp://127.0.0.1:1"),
        timeout=120,  # a hang, not a timing
    )
    assert r.returncode == 8 and "cannot reach the Dask scheduler" in r.stderr


def test_sigint_to_the_cli_cancels_and_writes_nothing(client, dask_cluster, tmp_path):
    big = tmp_path / "big.txt"
    text = DEMO.read_text()
    with open(big, "w") as f:
        for _ in range(12):
            f.write(text)
    out = tmp_path / "m.ekm"
    proc = subprocess.Popen(
        [*EMBEDKIT, "train-words", str(big), "-o", str(out), "--scheduler", dask_cluster.scheduler_address],
        stderr=subprocess.PIPE,
        env=subprocess_env(),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

    def embedkit_tasks() -> list[str]:
        keys = client.run_on_scheduler(lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks])
        return [k for k in keys if k.startswith("embedkit-")]

    deadline = time.monotonic() + 120
    while not embedkit_tasks() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    err = err.decode()
    assert proc.returncode == 130, err
    assert err.strip() == "embedkit: interrupted; no output was written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]
    deadline = time.monotonic() + 60
    while embedkit_tasks() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not embedkit_tasks()
