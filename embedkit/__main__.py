"""The ``embedkit`` console script (and ``python -m embedkit``).

Importing the command line takes most of a second (Typer, rich); a Ctrl-C in that time
ends the run as any other interrupt does, in one line and exit 130, not a traceback.

The process ends when the command does, so the cyclic garbage collector is told not to
visit again what exists at two moments (:func:`gc.freeze`): the objects of the imports,
once the command line is loaded (each full collection of a run would visit them again),
and everything, once the command has returned or failed (the interpreter's exit otherwise
collects every object once more as it clears the modules: 0.3–0.8 s after a
``train-words`` run, with numpy, scipy and numba loaded). Frozen objects are still freed
when their last reference goes; every output is written, closed and renamed into place
by the command itself, never by a finalizer at exit.
"""

import gc
import sys


def main() -> None:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("embedkit: interrupted; no output was written\n")
        sys.exit(130)
    gc.freeze()
    try:
        cli_main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
