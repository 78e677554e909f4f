"""The console script's process (``embedkit.__main__``) and gzip input read by ISA-L:
the same outputs, exit codes and bytes as before these speed-ups."""

import gc
import gzip
import subprocess
import sys
import zlib

import pytest

from embedkit.errors import InputError
from embedkit.io import open_binary, raw_blocks

from .conftest import DEMO, one_line_error, subprocess_env

CONSOLE = [sys.executable, "-m", "embedkit"]


def test_the_console_script_writes_the_in_process_models_bytes(cli, small_corpus, tmp_path):
    args = ["train-words", str(small_corpus), "--dim", "20", "-q"]
    proc = subprocess.run([*CONSOLE, *args, "-o", str(tmp_path / "a.ekm")], capture_output=True, env=subprocess_env())
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr
    r = cli(*args, "-o", tmp_path / "b.ekm")
    assert r.exit_code == 0
    assert (tmp_path / "a.ekm").read_bytes() == (tmp_path / "b.ekm").read_bytes()


def test_the_console_script_keeps_the_exit_code_of_an_error(tmp_path):
    out = tmp_path / "m.ekm"
    proc = subprocess.run(
        [*CONSOLE, "train-words", str(tmp_path / "missing.txt"), "-o", str(out)],
        capture_output=True,
        env=subprocess_env(),
    )
    assert proc.returncode == InputError.exit_code
    err = proc.stderr.decode().strip()
    assert err.splitlines() == [f"embedkit: error: {tmp_path / 'missing.txt'}: no such file"]
    assert not out.exists()


def test_the_console_script_freezes_what_the_exit_would_collect_again(monkeypatch, capsys):
    from embedkit.__main__ import main

    monkeypatch.setattr(sys, "argv", ["embedkit", "--version"])
    gc.unfreeze()
    try:
        with pytest.raises(SystemExit) as e:
            main()
        # the exit's collections would have visited these objects once more
        assert e.value.code == 0 and gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()  # this test process goes on
    assert capsys.readouterr().out.startswith("embedkit ")


def test_gzip_is_read_as_the_gzip_module_reads_it(tmp_path):
    text = DEMO.read_bytes()[:300_000]
    text = text[: text.rfind(b"\n") + 1]
    half = text.rfind(b"\n", 0, len(text) // 2) + 1
    # two members (as `cat a.gz b.gz` makes), one at each compression level's extreme
    p = tmp_path / "c.txt.gz"
    p.write_bytes(gzip.compress(text[:half], compresslevel=1) + gzip.compress(text[half:], compresslevel=9))
    assert gzip.decompress(p.read_bytes()) == text
    assert b"".join(data for data, _ in raw_blocks(str(p), 1 << 14)) == text
    f = open_binary(p)
    try:
        assert f.read() == text
    finally:
        f.close()


def test_corrupt_gzip_data_is_one_line_not_a_traceback(cli, tmp_path):
    data = gzip.compress(b"hello world\n" * 1000, mtime=0)
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(data[:10] + b"\x07" + data[11:])  # the first deflate block: a reserved type
    with pytest.raises(zlib.error):  # what Python's own gzip module raises here
        gzip.decompress(bad.read_bytes())
    out = tmp_path / "m.ekm"
    r = cli("train-words", bad, "-o", out)
    one_line_error(r, "bad.txt.gz", "cannot read", code=InputError.exit_code, out=out)
