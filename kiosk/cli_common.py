"""What every ``kiosk`` command shares: exit codes, common options, one-line errors.

:mod:`kiosk.cli` and its plugin modules (``kiosk.cli_*``) import these instead of each
defining their own. The common options (``--data-dir``, ``--verbose``) are accepted both
before the command (``kiosk -v self-test``) and after it (``kiosk self-test -v``).
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and failed (invalid pack, failed self-test …)
EXIT_USAGE = 2  # bad usage: unknown command, missing file, bad value (argparse uses 2 too)
EXIT_INTERRUPTED = 130  # Ctrl+C, as a shell reports it

Handler = Callable[[argparse.Namespace], int]
Common = Callable[[argparse.ArgumentParser], None]

# option → whether it takes a value; what :func:`add_common_options` adds
COMMON_OPTIONS: dict[str, bool] = {"--data-dir": True, "--verbose": False, "-v": False}


def add_common_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """Add ``--data-dir`` and ``--verbose`` to ``parser``.

    The top-level parser holds the defaults. A command's parser only sets a value when the
    option is given after the command (``SUPPRESS``): otherwise its default would overwrite
    what was given before the command.
    """
    default: object = None if top_level else argparse.SUPPRESS
    parser.add_argument("--data-dir", metavar="DIR", default=default,
                        help="keep all state (settings, logs, database, packs) under DIR")
    parser.add_argument("--verbose", "-v", action="store_true",
                        default=False if top_level else argparse.SUPPRESS,
                        help="log more to the console")


def leading_common_end(args: Sequence[str]) -> int:
    """Index of the first argument after the common options that open ``args``."""
    i = 0
    while i < len(args):
        token = args[i]
        name = token.split("=", 1)[0]
        if name not in COMMON_OPTIONS:
            return i
        takes_value = COMMON_OPTIONS[name] and "=" not in token
        i += 2 if takes_value else 1
    return min(i, len(args))


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` was most likely meant to be (a typo, a missing 's'), or None."""
    options = list(choices)
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if found:
        return found[0]
    prefixed = [c for c in options if c.startswith(word) or word.startswith(c)]
    return prefixed[0] if len(prefixed) == 1 else None


_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


class Parser(argparse.ArgumentParser):
    """An argument parser whose "invalid choice" error names the nearest valid choice.

    Sub-command parsers are made with the parent's class, so ``kiosk packs lst`` gets
    "did you mean `kiosk packs list`?" too.
    """

    def error(self, message: str) -> NoReturn:
        match = _INVALID_CHOICE.search(message)
        if match:
            choices = re.findall(r"'([^']*)'", match.group(2))
            guess = nearest(match.group(1), choices)
            if guess:
                message += f"; did you mean `{self.prog} {guess}`?"
        super().error(message)


def fail(message: str, code: int = EXIT_FAILED) -> int:
    """Tell the user what went wrong in one line on stderr; returns ``code`` to exit with."""
    # A windowed Windows bundle has no console: sys.stderr is None there.
    if sys.stderr is not None:
        sys.stderr.write(f"kiosk: {message}\n")
    return code


def out(text: str = "") -> None:
    """One line of a command's output (the command line prints; the app logs)."""
    sys.stdout.write(text + "\n")
