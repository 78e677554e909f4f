"""Every command's help: an example at the end, choices in full, no type tags; and the
command line starts without importing the numerical stack."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from embedkit.cli import app
from embedkit.options import GRAPH_METHODS

ROOT = Path(__file__).resolve().parents[1]


def walk(command, path=()):
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


COMMANDS = list(walk(typer.main.get_command(app)))


def test_the_walk_finds_the_groups_and_their_subcommands():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"", "evaluate", "evaluate links", "evaluate nodes", "cache", "cache clear", "neighbors"} <= names


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) or "embedkit" for p, _ in COMMANDS])
def test_every_help_ends_with_an_example(cli, path, command):
    paragraphs = [p for p in (command.help or "").strip().split("\n\n") if p.strip()]
    assert paragraphs, f"'{' '.join(path)}' has no help"
    assert paragraphs[-1].lstrip().startswith("Example"), f"'{' '.join(path)}' help does not end with an example"
    r = cli(*path, "--help")
    assert r.exit_code == 0 and "Example" in r.stdout
    assert "<" not in r.stdout.replace("<TAB>", "")  # no '<int>', '<list[str]>' type tags


def test_choices_are_listed_in_full_from_the_library():
    r = subprocess.run(
        [sys.executable, "-m", "embedkit.cli", "evaluate", "links", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)},
    )
    assert "|".join(GRAPH_METHODS) in r.stdout  # auto|netmf|sparse|walks


def test_help_and_version_import_no_numpy():
    code = (
        "import sys\n"
        "from embedkit.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('numpy', 'scipy', 'sklearn', 'numba', 'markdown_it') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["--version"], ["--help"], ["neighbors", "--help"], ["evaluate", "--help"]):
        r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
        assert "HEAVY []" in r.stderr, (args, r.stderr)


def test_rich_markdown_is_the_real_one_when_used():
    """The help does without rich.markdown; whoever makes a Markdown gets the real class."""
    code = (
        "import embedkit.cli, typer.rich_utils\n"
        "from rich.markdown import Markdown\n"
        "m = Markdown('# title')\n"
        "import rich.markdown\n"
        "print(type(m) is rich.markdown.Markdown, 'markdown_it' in __import__('sys').modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.stdout.split() == ["True", "True"], r.stderr


def test_help_paragraphs_wrap_to_the_terminal():
    # a docstring's lines are joined within a paragraph, so an 80-column terminal wraps
    # whole sentences, not the 95-column lines in ragged halves; commands stay one a line
    for path, command in COMMANDS:
        for paragraph in (command.help or "").split("\n\n"):
            assert all(line.startswith("[bold]embedkit") for line in paragraph.split("\n")[1:]), (path, paragraph)
    r = subprocess.run(
        [sys.executable, "-m", "embedkit.cli", "neighbors", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT)},
    )
    assert "Unknown words are reported on stderr" in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "embedkit.cli", "sentence-features", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)},
    )
    lines = [line.strip() for line in r.stdout.splitlines()]
    assert sum(line.startswith("embedkit sentence-features") for line in lines) == 2
