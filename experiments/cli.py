"""The ``crowdsafe`` command line.

Each subcommand is a module of :mod:`experiments.commands` with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; add a module to ``COMMANDS`` to add a command.
Invalid input is reported on stderr with the file, the field and the fix, and exit status 2, never a
traceback. Ctrl-C leaves a valid run directory up to the last recorded frame (exit status 130).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from simcore.errors import CrowdSafeError

__all__ = ["main"]

EXIT_INVALID = 2
EXIT_INTERRUPTED = 130

#: Subcommand modules, in the order ``crowdsafe --help`` lists them.
COMMANDS = ("run", "sweep", "compare", "report", "import_", "replay", "validate")


def _command_name(module: str) -> str:
    """The command a module implements: its name without a trailing '_' (``import_``)."""
    return module.rstrip("_")


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser; when ``argv`` names a command, only that command's module is imported, so a
    command starts without loading what the others need (numba, Mesa, matplotlib, pygame)."""
    p = argparse.ArgumentParser(
        prog="crowdsafe",
        description="CrowdSafe: crowd and evacuation simulation for the safety of public spaces.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    chosen = [m for m in COMMANDS if _command_name(m) in argv[:1]]
    for name in chosen or COMMANDS:
        mod = importlib.import_module(f"experiments.commands.{name}")
        cmd = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(cmd)
        cmd.set_defaults(func=mod.run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crowdsafe`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser(argv).parse_args(argv)
    try:
        return args.func(args)
    except CrowdSafeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("\ninterrupted: the run directory holds every frame recorded so far", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
