"""``kiosk packs keygen|sign|verify``: Ed25519 signatures of demo packs (for IT and makers).

Added to the ``packs`` command group by :mod:`kiosk.cli_packs`; the work is in
:mod:`kiosk.runtime.pack_signing`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def add_actions(psub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """``keygen``, ``sign`` and ``verify`` under ``kiosk packs``."""
    kg = psub.add_parser("keygen", help="make a signing key (private key file + the line "
                         "kiosks put in trusted_pack_keys)")
    common(kg)
    kg.add_argument("--out", required=True, metavar="KEYFILE")
    kg.add_argument("--name", required=True, help="who signs, as staff will see it")
    sg = psub.add_parser("sign", help="sign a pack folder or .zip with a key from keygen")
    common(sg)
    sg.add_argument("path", metavar="PACK")
    sg.add_argument("--key", required=True, metavar="KEYFILE")
    ve = psub.add_parser("verify", help="who signed a pack, and whether this kiosk trusts it")
    common(ve)
    ve.add_argument("path", metavar="PACK")
    ve.add_argument("--json", action="store_true")


def signature_policy(data_dir: str | None) -> Any:
    """The installer's signature hook from the settings of ``data_dir``."""
    from kiosk.core.paths import data_dir as resolve
    from kiosk.runtime.pack_signing import settings_policy

    return settings_policy(resolve(data_dir))


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(message: str, code: int) -> int:
    sys.stderr.write(f"kiosk: {message}\n")
    return code


def _keygen(args: argparse.Namespace) -> int:
    from kiosk.runtime.pack_signing import SigningError, keygen

    try:
        line = keygen(Path(args.out), args.name)
    except SigningError as exc:
        return _err(str(exc), EXIT_USAGE)
    _out(f"wrote the private key to {args.out} (keep it secret; it signs packs as "
         f"{args.name!r})")
    _out("trust it on a kiosk with:")
    _out(f"  kiosk settings set 'trusted_pack_keys=[\"{line}\"]'")
    return EXIT_OK


def _sign(args: argparse.Namespace) -> int:
    from kiosk.runtime.pack_signing import SigningError, sign

    path = Path(args.path)
    if not path.exists():
        return _err(f"{path} does not exist", EXIT_USAGE)
    try:
        name = sign(path, Path(args.key))
    except SigningError as exc:
        return _err(str(exc), EXIT_FAILED)
    _out(f"signed {path} as {name!r}")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    import tempfile

    from kiosk.core.paths import data_dir
    from kiosk.core.settings import load_settings
    from kiosk.runtime.pack_signing import check
    from kiosk.runtime.packs import extract_zip, pack_root

    path = Path(args.path)
    if not path.exists():
        return _err(f"{path} does not exist", EXIT_USAGE)
    settings, _ = load_settings(data_dir(args.data_dir))
    with tempfile.TemporaryDirectory(prefix="kiosk-verify-") as tmp:
        folder = path
        if path.is_file():
            problems = extract_zip(path, Path(tmp) / "pack")
            if problems:
                return _err(f"{path.name}: {problems[0]}", EXIT_FAILED)
            folder = pack_root(Path(tmp) / "pack")
        result = check(folder, settings.trusted_pack_keys)
    if args.json:
        _out(json.dumps({"status": result.status, "signer": result.signer,
                         "key": result.key, "reason": result.reason}, ensure_ascii=False))
    else:
        _out(f"{result.status.upper()}  {path.name}: {result.reason}")
    return EXIT_OK if result.trusted else EXIT_FAILED


ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {
    "keygen": _keygen, "sign": _sign, "verify": _verify}
