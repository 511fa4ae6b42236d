"""``kiosk packs …``: validate, import, list, remove and roll back demo packs.

A CLI plugin (see ``PLUGINS`` in :mod:`kiosk.cli`). Exit codes: 0 done / valid, 1 the pack is
invalid or the operation failed, 2 bad usage (a path that does not exist, an unknown id).
Errors are one line on stderr, never a traceback; ``--json`` prints one JSON object on stdout.
Output goes through ``sys.stdout.write``: this is the command line, not the app, which
logs instead of printing.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.cli_common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Handler
from kiosk.cli_common import fail as _err
from kiosk.cli_common import out as _out

log = logging.getLogger(__name__)



def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[[argparse.ArgumentParser], None],
) -> dict[str, Handler]:
    """Add ``packs`` and its sub-commands; return the handler for ``packs``."""
    packs = sub.add_parser("packs", help="check, import, list, remove or roll back demo packs")
    psub = packs.add_subparsers(dest="packs_command", metavar="ACTION", required=True)

    va = psub.add_parser("validate", help="check a pack folder or .zip; exit 0 only if valid")
    common(va)
    va.add_argument("path", metavar="PATH")
    va.add_argument("--json", action="store_true", help="one JSON object with every problem")

    im = psub.add_parser("import", help="install a pack folder, a .zip, or a bare .onnx model "
                         "(a demo.toml is proposed for models that describe themselves)")
    common(im)
    im.add_argument("path", metavar="PATH")
    im.add_argument("--json", action="store_true")
    im.add_argument("--title-de", metavar="TITLE",
                    help="German title for a proposed demo.toml (default: the model's name)")
    im.add_argument("--title-en", metavar="TITLE",
                    help="English title for a proposed demo.toml (default: the German one)")
    im.add_argument("--dry-run", action="store_true",
                    help="only show the proposed demo.toml / validation, install nothing")

    ls = psub.add_parser("list", help="built-in demos and imported packs with their state")
    common(ls)
    ls.add_argument("--json", action="store_true")

    rm = psub.add_parser("remove", help="uninstall an imported pack (kept for rollback)")
    common(rm)
    rm.add_argument("pack_id", metavar="ID")

    rb = psub.add_parser("rollback", help="go back to the previous version of a pack")
    common(rb)
    rb.add_argument("pack_id", metavar="ID")
    from kiosk.cli_signing import add_actions

    add_actions(psub, common)
    return {"packs": run}


def _dump(data: Any) -> None:
    _out(json.dumps(data, ensure_ascii=False))


def run(args: argparse.Namespace) -> int:
    """Handler of ``kiosk packs``: dispatch, and turn every failure into one line."""
    from kiosk.runtime.packs import PackError

    actions: dict[str, Handler] = {
        "validate": _validate, "import": _import, "list": _list,
        "remove": _remove, "rollback": _rollback,
    }
    from kiosk.cli_signing import ACTIONS

    actions.update(ACTIONS)
    try:
        return actions[args.packs_command](args)
    except PackError as exc:
        return _err(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        return _err(f"{exc.strerror or exc}{where}", EXIT_FAILED)
    except Exception as exc:  # the command line never shows a traceback (-v logs it)
        log.debug("packs %s failed", args.packs_command, exc_info=True)
        return _err(f"packs {args.packs_command} failed: {type(exc).__name__}: {exc}",
                    EXIT_FAILED)


def _installer(args: argparse.Namespace) -> Any:
    from kiosk.cli_signing import signature_policy
    from kiosk.core.paths import data_dir
    from kiosk.runtime.packs import PackInstaller

    return PackInstaller(data_dir(args.data_dir), verify=signature_policy(args.data_dir))


def _problems(problems: list[Any]) -> None:
    for p in problems:
        _out(f"  - {p}")


def _validate(args: argparse.Namespace) -> int:
    from kiosk.runtime.packs import validate

    path = Path(args.path)
    if not path.exists():
        return _err(f"{path} does not exist", EXIT_USAGE)
    report = validate(path)
    if args.json:
        _dump(report.to_json())
    elif report.ok:
        smoke = report.smoke
        extra = ", ".join(f"{k} {v}" for k, v in smoke.items())
        _out(f"VALID  {report.pack_id} {report.version} ({report.task})"
             + (f" — smoke run: {extra}" if extra else ""))
    else:
        n = len(report.problems)
        _out(f"INVALID  {path.name}: {n} problem{'' if n == 1 else 's'}")
        _problems(report.problems)
    return EXIT_OK if report.ok else EXIT_FAILED


def _import(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if not path.exists():
        return _err(f"{path} does not exist", EXIT_USAGE)
    if args.dry_run:
        return _dry_run(args, path)
    result = _installer(args).install(path, title_de=args.title_de, title_en=args.title_en)
    if args.json:
        _dump(result.to_json())
    else:
        _out(result.summary())
        if result.proposal and result.proposal.notes:
            for note in result.proposal.notes:
                _out(f"  · {note}")
        if not result.ok:
            _problems(result.report.problems)
        elif result.proposal:
            _out(f"  demo.toml written to {result.installed}; edit titles and texts there "
                 "if you like")
    return EXIT_OK if result.ok else EXIT_FAILED


def _dry_run(args: argparse.Namespace, path: Path) -> int:
    from kiosk.runtime.packs import propose_isolated, validate

    if (path.is_dir() and not (path / "demo.toml").is_file()) or path.suffix.lower() == ".onnx":
        prop = propose_isolated(path, args.title_de, args.title_en)
        if args.json:
            _dump(prop.to_json())
        elif prop.ok:
            for note in prop.notes:
                _out(f"# {note}")
            _out(prop.manifest.rstrip("\n"))
        else:
            _out(f"cannot propose a demo.toml for {path.name}:")
            _problems(prop.problems)
        return EXIT_OK if prop.ok else EXIT_FAILED
    report = validate(path)
    if args.json:
        _dump(report.to_json())
    else:
        _out(("VALID  " if report.ok else "INVALID  ") + str(path.name))
        _problems(report.problems)
    return EXIT_OK if report.ok else EXIT_FAILED


def _list(args: argparse.Namespace) -> int:
    infos = _installer(args).list()
    if args.json:
        _dump([i.to_json() for i in infos])
        return EXIT_OK
    if not infos:
        _out("no demos found")
        return EXIT_OK
    rows = [("ID", "VERSION", "STATE", "SOURCE", "ROLLBACK")]
    rows += [(i.id, i.version or "?", i.state, i.source, i.previous_version or "-")
             for i in infos]
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    for row in rows:
        _out("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    for info in infos:
        if info.reasons and info.state != "ready":
            _out(f"\n{info.id} ({info.state}):")
            for reason in info.reasons:
                _out(f"  - {reason}")
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    _out(_installer(args).remove(args.pack_id))
    return EXIT_OK


def _rollback(args: argparse.Namespace) -> int:
    _out(_installer(args).rollback(args.pack_id))
    return EXIT_OK
