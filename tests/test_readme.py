"""The README's shell examples run as printed.

Every ```sh block of README.md runs in order, in one scratch folder that holds the files
the examples name (corpus.txt is part of the demo corpus; the others are made here, small).  A
block that needs what a test cannot have (downloaded vectors, a Dask cluster, the shared
benchmark data, a fresh virtualenv) says so in a comment line just above it:
``<!-- readme-test: skip, REASON -->``."""

import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .conftest import DEMO, ROOT

SKIP = re.compile(r"<!-- readme-test: skip, (.+?) -->\s*$")


def blocks() -> list[tuple[int, str, str | None]]:
    """(line number, code, reason to skip or None) of every ```sh block."""
    lines = (ROOT / "README.md").read_text().splitlines()
    found, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            m = SKIP.search(lines[i - 1]) if i else None
            j = lines.index("```", i + 1)
            found.append((i + 1, "\n".join(lines[i + 1 : j]), m.group(1) if m else None))
            i = j
        i += 1
    return found


def make_files(d: Path) -> None:
    """The small files the examples name."""
    lines = DEMO.read_text().splitlines()[:3000]  # a third of the demo corpus: 1,650 words
    text = "\n".join(lines) + "\n"
    (d / "corpus.txt").write_text(text)
    with gzip.open(d / "corpus.txt.gz", "wt") as f:
        f.write(text)
    (d / "words.txt").write_text("great\nDog\nking\n")
    (d / "lines.txt").write_text("\n".join(lines[:50]) + "\n")
    (d / "train.txt").write_text("\n".join(lines[:400]) + "\n")
    (d / "test.txt").write_text("\n".join(lines[400:500]) + "\n")
    (d / "docs.txt").write_text("\n".join(lines[500:600]) + "\n")
    medical = [
        "a heart attack needs quick cardiac care",
        "the cardiac unit treats heart failure and heart attack patients",
        "an attack of asthma is not a heart attack",
    ]
    (d / "abstracts.txt").write_text("\n".join(lines[:300] + medical * 3) + "\n")
    rng = np.random.default_rng(0)
    table = rng.standard_normal((40, 5)) @ rng.standard_normal((5, 5))
    (d / "table.csv").write_text(
        "name,a,b,c,d,e\n" + "".join(f"row{i}," + ",".join(f"{v:.5f}" for v in r) + "\n" for i, r in enumerate(table))
    )
    np.save(d / "data.npy", rng.standard_normal((60, 3)) @ rng.standard_normal((3, 20)))
    # a graph of four communities of 50 nodes, ids 0..199, labelled by community
    edges = set()
    for u in range(200):
        for _ in range(6):
            v = int(rng.integers(50)) + (u // 50) * 50 if rng.random() < 0.9 else int(rng.integers(200))
            if u != v:
                edges.add((min(u, v), max(u, v)))
    (d / "edges.csv").write_text("".join(f"{u},{v}\n" for u, v in sorted(edges)))
    (d / "labels.csv").write_text("".join(f"{u},c{u // 50}\n" for u in range(200)))


def test_every_block_runs_or_says_why_not():
    found = blocks()
    assert len(found) >= 10
    for line, _code, reason in found:
        assert reason is None or len(reason) > 10, f"README.md:{line}: give the reason a block is not run"


def test_the_examples_run_as_printed(tmp_path):
    if shutil.which("bash") is None:
        pytest.skip("bash is not available")
    make_files(tmp_path)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "EMBEDKIT_CACHE_DIR": str(tmp_path / "cache"),
        "MPLBACKEND": "Agg",
    }
    env.pop("EMBEDKIT_MODEL", None)
    ran = 0
    for line, code, reason in blocks():
        if reason is not None:
            continue
        r = subprocess.run(
            ["bash", "-c", "set -euo pipefail\n" + code],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        assert r.returncode == 0, f"README.md:{line}: the block failed (exit {r.returncode}):\n{code}\n{r.stderr}"
        ran += 1
    assert ran >= 8
    assert (tmp_path / "model.ekm").exists() and (tmp_path / "graph.ekm").exists()
    # the walks pipeline's nodes keep their four communities (with svd's word default,
    # --remove-top 2, they lose them: micro-F1 0.46)
    from embedkit import Embedding
    from embedkit.evaluate import node_classification, read_node_labels

    walks = Embedding.load(tmp_path / "walks.ekm")
    assert walks.params["remove_top"] == 0
    (score,) = node_classification(walks, read_node_labels(str(tmp_path / "labels.csv")), (0.5,))
    assert score.micro_f1 > 0.9, score
