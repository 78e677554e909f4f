"""Without the Dask extra, embedkit works and --scheduler says what to install."""

import sys

from typer.testing import CliRunner

from embedkit.cli import app

from .conftest import DEMO


def test_scheduler_without_dask_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    args = ["train-words", str(DEMO), "-o", str(tmp_path / "m.ekm"), "--scheduler", "tcp://127.0.0.1:8786"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 8
    assert r.stderr.strip() == "embedkit: error: --scheduler needs the Dask extra: pip install 'embedkit[dask]'"
    assert not (tmp_path / "m.ekm").exists()
