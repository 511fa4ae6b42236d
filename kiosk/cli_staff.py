"""``kiosk set-pin`` and ``kiosk settings``: staff PIN and settings from the command line.

A CLI plugin (see ``PLUGINS`` in :mod:`kiosk.cli`). ``set-pin`` is also the way back in
when staff forgot the PIN or the PIN file is damaged: it replaces the PIN and clears any
lockout. The PIN is read with ``getpass`` (twice) or, with ``--pin-stdin``, as one line
from standard input for scripts; it is never echoed, logged or written in clear.

Output goes through ``sys.stdout.write``: this is the command line, not the app.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import tomllib
from typing import Any

from kiosk.cli_common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Common, Handler
from kiosk.cli_common import fail as _fail


def register(sub: Any, common: Common) -> dict[str, Handler]:
    """Add ``kiosk set-pin`` and ``kiosk settings`` to the ``kiosk`` sub-command parsers."""
    sp = sub.add_parser(
        "set-pin", help="set (or replace) the staff PIN; also clears a PIN lockout",
        description="Set the PIN that opens the staff panel (4 to 8 digits). The PIN is "
        "stored only as a salted scrypt hash in <data dir>/staff_pin.json.")
    common(sp)
    sp.add_argument("--pin-stdin", action="store_true",
                    help="read the PIN as one line from standard input (for scripts)")

    st = sub.add_parser("settings", help="show or change the kiosk settings")
    common(st)
    actions = st.add_subparsers(dest="settings_command", metavar="ACTION")
    actions.required = True
    show = actions.add_parser("show", help="every setting with its value and meaning")
    common(show)
    show.add_argument("--json", action="store_true", help="one JSON object")
    setp = actions.add_parser(
        "set", help="change settings: KEY=VALUE … (values in TOML: 120, true, \"en\", [\"a\"])")
    common(setp)
    setp.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    return {"set-pin": _set_pin, "settings": _settings}


def _read_pin(from_stdin: bool) -> str | None:
    if from_stdin:
        line = sys.stdin.readline()
        return line.strip() or None
    if not sys.stdin.isatty():
        raise ValueError("no terminal to ask for the PIN: use --pin-stdin")
    first = getpass.getpass("New staff PIN (4-8 digits): ")
    second = getpass.getpass("Repeat the PIN: ")
    if first != second:
        raise ValueError("the two PINs differ; nothing was changed")
    return first or None


def _set_pin(args: argparse.Namespace) -> int:
    from kiosk.core.paths import data_dir
    from kiosk.core.pin import PinError, PinStore, pin_problem

    try:
        pin = _read_pin(args.pin_stdin)
    except ValueError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except (EOFError, KeyboardInterrupt):
        return _fail("cancelled; nothing was changed", EXIT_USAGE)
    if pin is None:
        return _fail("no PIN given; nothing was changed", EXIT_USAGE)
    problem = pin_problem(pin)
    if problem:
        return _fail(f"{problem} Nothing was changed.", EXIT_USAGE)
    folder = data_dir(args.data_dir)
    try:
        PinStore(folder).set_pin(pin)
    except PinError as exc:
        return _fail(str(exc), EXIT_FAILED)
    sys.stdout.write(f"staff PIN set in {folder}\n")
    return EXIT_OK


def _parse_value(raw: str) -> Any:
    """A TOML value, or the raw text when it is not one (so `camera=/media/x.mp4` works)."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except (ValueError, RecursionError):  # not TOML, a 5000-digit number, [[[[…
        return raw


def _settings(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from kiosk.core.paths import data_dir
    from kiosk.core.settings import (
        SettingsError,
        field_doc,
        load_settings,
        save_settings,
        update_settings,
    )

    folder = data_dir(args.data_dir)
    settings, problems = load_settings(folder)
    for problem in problems:
        sys.stderr.write(f"kiosk: {problem}\n")
    if args.settings_command == "show":
        from kiosk.runtime.central.connection import masked

        values = asdict(settings)
        values["central_url"] = masked(settings.central_url)  # never print a password
        if args.json:
            sys.stdout.write(json.dumps({"settings": values,
                                         "problems": [str(p) for p in problems]},
                                        ensure_ascii=False) + "\n")
        else:
            for key, value in values.items():
                shown = list(value) if isinstance(value, tuple) else value
                sys.stdout.write(f"{key} = {json.dumps(shown, ensure_ascii=False)}\n"
                                 f"    {field_doc(key)}\n")
        return EXIT_OK
    changes: dict[str, Any] = {}
    for item in args.assignments:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            return _fail(f"{item!r}: write KEY=VALUE, e.g. idle_timeout=120", EXIT_USAGE)
        changes[key.strip()] = _parse_value(raw.strip())
    try:
        new = update_settings(settings, changes)
    except SettingsError as exc:
        return _fail(str(exc), EXIT_USAGE)
    try:
        path = save_settings(folder, new)
    except SettingsError as exc:
        return _fail(str(exc), EXIT_FAILED)
    sys.stdout.write(f"saved {path}; the kiosk uses the new settings after a restart\n")
    return EXIT_OK
