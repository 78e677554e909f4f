from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embedkit.cli import app

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEMO = ROOT / "corpora" / "demo.txt"

LECTURE = (
    "The girl walks to her dog to the park.\n"
    "It can take a long time to park your car in NYC.\n"
    "The dog park is always crowded on Saturdays.\n"
)


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


@pytest.fixture
def lecture_file(tmp_path) -> Path:
    p = tmp_path / "lecture.txt"
    p.write_text(LECTURE)
    return p
