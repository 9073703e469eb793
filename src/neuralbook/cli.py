"""The ``neuralbook`` command: a thin layer over the package.

Everything a command does is a function of the package that a reader can call from
Python; this module only turns command-line words into those calls.
"""

from __future__ import annotations

import argparse
import sys

from neuralbook import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``neuralbook`` with all its subcommands."""
    parser = argparse.ArgumentParser(
        prog="neuralbook",
        description="Neural Networks from Scratch: train, evaluate and use the book's networks.",
    )
    parser.add_argument("--version", action="version", version=f"neuralbook {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["--help"])  # doctest: +ELLIPSIS
    usage: neuralbook [-h] [--version] COMMAND ...
    ...
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 0
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
