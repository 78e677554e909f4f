from __future__ import annotations

import importlib.util
import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from embedkit.cli import app
from embedkit.vectors import Embedding

# A test run started in the background (``make test &`` in a script, ``nohup``) inherits SIGINT
# ignored, and Python then installs no handler for it; the tests that send themselves a Ctrl-C
# need the one an interactive run has.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEMO = ROOT / "corpora" / "demo.txt"

#: The benchmark scripts, whose measuring code some tests check.
BENCH = ROOT / "benchmarks"


def load_benchmark(name: str):
    """The module ``benchmarks/<name>.py`` (not a package), loaded once per name."""
    key = f"_bench_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[key] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


LECTURE = (
    "The girl walks to her dog to the park.\n"
    "It can take a long time to park your car in NYC.\n"
    "The dog park is always crowded on Saturdays.\n"
)

#: The 5-word toy model: cosines by hand, |king| = |queen| = √2, |man| = |woman| = √1.01,
#: |apple| = 1 (king–man .7036, king–apple 0, man–woman −.9802).
TOY_WORDS = ["king", "queen", "man", "woman", "apple"]
TOY_VECTORS = np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1]], dtype=np.float32)


def toy_embedding(counts=None, params: dict | None = None) -> Embedding:
    """The 5-word toy model (a fresh copy of :data:`TOY_VECTORS`)."""
    return Embedding(TOY_WORDS, TOY_VECTORS.copy(), None if counts is None else np.asarray(counts), params)


def one_line_error(r, *needles: str, code: int | None = None, out: Path | None = None) -> None:
    """A CLI result that failed as a user error should: a non-zero exit (``code`` when
    given), one stderr line starting "embedkit: error: " that holds every needle, no
    traceback, and no output file ``out`` left behind."""
    assert r.exit_code not in (0, None) if code is None else r.exit_code == code, (r.exit_code, r.stderr)
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("embedkit: error: "), err
    assert "Traceback" not in r.output
    for n in needles:
        assert n in err, (n, err)
    if out is not None:
        assert not out.exists()


def subprocess_env(**extra: str) -> dict:
    """The environment for running embedkit in a subprocess from this checkout."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def shared(rel: str) -> Path:
    """A file of the benchmark data beside the project, or skip the test clearly."""
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"benchmark data not available: {p} (the shared data folder is absent)")
    return p


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """The first 1500 lines of the demo corpus (read only: shared by every test)."""
    p = tmp_path_factory.mktemp("corpus") / "small.txt"
    with open(DEMO) as f:
        p.write_text("".join(next(f) for _ in range(1500)))
    return p


@pytest.fixture
def lecture_file(tmp_path) -> Path:
    p = tmp_path / "lecture.txt"
    p.write_text(LECTURE)
    return p
