"""The ``embedkit`` console script (and ``python -m embedkit``).

Importing the command line takes most of a second (Typer, rich); a Ctrl-C in that time
ends the run as any other interrupt does, in one line and exit 130, not a traceback.
"""

import sys


def main() -> None:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("embedkit: interrupted; no output was written\n")
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
