"""Signed demo packs: who made a pack, not only that it is intact.

A signature is a file ``signature.json`` next to ``demo.toml``::

    {"format": 1, "signer": "Hub Berlin", "public_key": "<base64, 32 bytes>",
     "files": {"demo.toml": "<sha256>", "model.onnx": "<sha256>", ...},
     "signed_at": "2026-05-01T10:00:00Z", "signature": "<base64 Ed25519>"}

The Ed25519 signature covers the canonical JSON (sorted keys, no spaces) of ``format``,
``signer``, ``public_key`` and ``files``: the manifest and every other file of the pack with
its sha256, so any changed, added or removed file breaks it. A pack is trusted only when its
public key is one of the setting ``trusted_pack_keys`` (``NAME:BASE64KEY``, as ``kiosk packs
keygen`` prints it); the name staff see is the trusted entry's, not what the pack claims.

With ``require_signed_packs`` on, install refuses an unsigned, tampered or unknown-key pack
with the reason (:func:`install_check`); with it off, a signature is still checked and
reported, and a broken one is still refused (someone changed a signed pack).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kiosk.core.i18n import Text
from kiosk.core.manifest import MANIFEST_NAME, ManifestProblem
from kiosk.core.problems import Msg, msg
from kiosk.core.safe_read import read_text_bounded

SIGNATURE_NAME: Final = "signature.json"
MAX_SIGNATURE_BYTES: Final = 4 * 1024 * 1024  # ~100 bytes per file of the pack
FORMAT: Final = 1
KEY_FORMAT: Final = "showroom-kiosk-ed25519"


class SigningError(Exception):
    """A key file or pack that cannot be used for signing; one line."""


@dataclass(frozen=True)
class SignatureCheck:
    """What a pack's signature says."""

    status: str  # "trusted", "unsigned", "untrusted_key", "tampered", "invalid"
    why: Msg  # one line for staff, in both languages
    signer: str | None = None  # the trusted name (status "trusted"), else what the pack claims
    key: str | None = None  # base64 public key

    @property
    def reason(self) -> str:
        """:attr:`why` in English (command line, JSON)."""
        return self.why.text("en")

    @property
    def trusted(self) -> bool:
        """Signed by a trusted key, and nothing changed since."""
        return self.status == "trusted"


_CHANGED = Text("geändert", "changed")
_MISSING = Text("fehlt", "missing")
_ADDED = Text("hinzugefügt", "added")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def pack_files(folder: Path) -> dict[str, str]:
    """Every file of the pack (POSIX relative path → sha256), without the signature."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel == SIGNATURE_NAME or not path.is_file() or path.is_symlink():
            continue
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        out[rel] = digest.hexdigest()
    return out


# -- keys --------------------------------------------------------------------------------------
def keygen(out: Path, name: str) -> str:
    """Write a new private key file (readable by its owner only); returns the trusted-key line
    ``NAME:BASE64KEY`` for the kiosks' ``trusted_pack_keys``."""
    from nacl.signing import SigningKey

    if not name.strip() or ":" in name or len(name) > 64:
        raise SigningError("--name must be 1 to 64 characters without ':'")
    if out.exists():
        raise SigningError(f"{out} exists already; a key is never overwritten")
    key = SigningKey.generate()
    raw = bytes(key)  # the 32-byte Ed25519 seed (RFC 8032): the same in every library
    public = _b64(bytes(key.verify_key))
    text = json.dumps({"format": KEY_FORMAT, "name": name.strip(), "private_key": _b64(raw),
                       "public_key": public}, indent=2) + "\n"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return f"{name.strip()}:{public}"


def _load_key(keyfile: Path) -> tuple[str, Any, str]:
    from nacl.exceptions import CryptoError
    from nacl.signing import SigningKey

    try:
        data = json.loads(keyfile.read_text(encoding="utf-8"))
        if data.get("format") != KEY_FORMAT:
            raise ValueError("not a key file of `kiosk packs keygen`")
        key = SigningKey(_unb64(data["private_key"]))
        return str(data["name"]), key, str(data["public_key"])
    except OSError as exc:
        raise SigningError(f"{keyfile}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, binascii.Error, CryptoError) as exc:
        raise SigningError(f"{keyfile} is not a usable signing key ({exc})") from None


# -- signing -------------------------------------------------------------------------------------
def sign_folder(folder: Path, keyfile: Path, clock: Callable[[], float] = time.time) -> str:
    """Sign the pack in ``folder`` (writes ``signature.json``); returns the signer's name."""
    if not (folder / MANIFEST_NAME).is_file():
        raise SigningError(f"{folder} has no {MANIFEST_NAME}: not a pack")
    name, key, public = _load_key(keyfile)
    body = {"format": FORMAT, "signer": name, "public_key": public, "files": pack_files(folder)}
    signature = _b64(key.sign(_canonical(body)).signature)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock()))
    (folder / SIGNATURE_NAME).write_text(json.dumps(
        {**body, "signed_at": stamp, "signature": signature}, indent=2, ensure_ascii=False)
        + "\n", encoding="utf-8")
    return name


def sign(pack: Path, keyfile: Path) -> str:
    """Sign a pack folder or ``.zip`` (rewritten with the signature inside); returns the
    signer's name."""
    if pack.is_dir():
        return sign_folder(pack, keyfile)
    if not (pack.is_file() and pack.suffix.lower() == ".zip"):
        raise SigningError(f"{pack} is neither a pack folder nor a .zip")
    import shutil
    import zipfile

    from kiosk.runtime.packs import extract_zip, pack_root

    with tempfile.TemporaryDirectory(prefix="kiosk-sign-") as tmp:
        unpacked = Path(tmp) / "pack"
        problems = extract_zip(pack, unpacked)
        if problems:
            raise SigningError(f"{pack.name}: {problems[0]}")
        name = sign_folder(pack_root(unpacked), keyfile)
        out = Path(tmp) / "signed.zip"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(unpacked.rglob("*")):
                if path.is_file():
                    z.write(path, path.relative_to(unpacked).as_posix())
        shutil.move(out, pack.with_name(f".{pack.name}.signing"))
        pack.with_name(f".{pack.name}.signing").replace(pack)
    return name


# -- checking -------------------------------------------------------------------------------------
def parse_trusted(entries: Iterable[str]) -> dict[str, str]:
    """``NAME:BASE64KEY`` entries as key → name."""
    out = {}
    for entry in entries:
        name, _, key = entry.partition(":")
        if name and key:
            out[key.strip()] = name.strip()
    return out


def check(folder: Path, trusted: Sequence[str]) -> SignatureCheck:
    """The signature of the unpacked pack in ``folder`` against the trusted keys."""
    from nacl.exceptions import BadSignatureError, CryptoError
    from nacl.signing import VerifyKey

    path = folder / SIGNATURE_NAME
    if not path.is_file() and not path.is_symlink():
        return SignatureCheck("unsigned", msg("sign.unsigned"))
    try:
        # the pack's own file (never a link), bounded; deep nesting is a RecursionError
        data = json.loads(read_text_bounded(path, MAX_SIGNATURE_BYTES, SIGNATURE_NAME))
        body = {k: data[k] for k in ("format", "signer", "public_key", "files")}
        claimed, public, files = str(data["signer"]), str(data["public_key"]), data["files"]
        signature = _unb64(str(data["signature"]))
        key = VerifyKey(_unb64(public))
        if body["format"] != FORMAT or not isinstance(files, dict):
            raise ValueError(f"format {body['format']!r} is not {FORMAT}")
    except (OSError, ValueError, KeyError, TypeError, binascii.Error, CryptoError,
            RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else exc
        return SignatureCheck("invalid", msg("sign.unreadable", file=SIGNATURE_NAME,
                                             detail=reason))
    try:
        key.verify(_canonical(body), signature)
    except BadSignatureError:
        return SignatureCheck("tampered", msg("sign.changed", file=SIGNATURE_NAME,
                                              signer=repr(claimed)), claimed, public)
    actual = pack_files(folder)
    changed = sorted(n for n in files if n in actual and actual[n] != files[n])
    missing = sorted(n for n in files if n not in actual)
    added = sorted(n for n in actual if n not in files)
    if changed or missing or added:
        parts = [(what, ", ".join(names[:3])) for what, names in
                 ((_CHANGED, changed), (_MISSING, missing), (_ADDED, added)) if names]
        files_de = "; ".join(f"{what.de}: {names}" for what, names in parts)
        files_en = "; ".join(f"{what.en}: {names}" for what, names in parts)
        return SignatureCheck("tampered", msg("sign.files_differ", signer=repr(claimed),
                                              files=Text(files_de, files_en)), claimed, public)
    name = parse_trusted(trusted).get(public)
    if name is None:
        return SignatureCheck("untrusted_key", msg("sign.untrusted", signer=repr(claimed),
                                                   entry=f"{claimed}:{public}"), claimed, public)
    return SignatureCheck("trusted", msg("sign.trusted", name=name), name, public)


def install_check(required: bool, trusted: Sequence[str]) -> Callable[[Path], list[
        ManifestProblem]]:
    """The installer's hook: problems that refuse the staged pack (empty: go ahead)."""

    def verify(folder: Path) -> list[ManifestProblem]:
        result = check(folder, trusted)
        if result.trusted or (not required and result.status in ("unsigned",
                                                                   "untrusted_key")):
            return []
        fix = {"unsigned": "sign.fix.unsigned", "untrusted_key": "sign.fix.untrusted",
               }.get(result.status, "sign.fix.changed")
        return [ManifestProblem(f"{folder.name}/{SIGNATURE_NAME}", "",
                                msg("sign.refused", reason=result.why.both()), msg(fix))]

    return verify


def signer_line(folder: Path, trusted: Sequence[str]) -> Msg:
    """``signed by NAME`` / ``not signed`` / the problem, for staff (never raises)."""
    with contextlib.suppress(Exception):
        return check(folder, trusted).why
    return msg("sign.not_checked")


def settings_policy(data_dir: Path) -> Callable[[Path], list[ManifestProblem]]:
    """:func:`install_check` with the data dir's settings as they are at each install (IT
    may switch ``require_signed_packs`` on while the kiosk runs)."""
    from kiosk.core.settings import load_settings

    def verify(folder: Path) -> list[ManifestProblem]:
        settings, _ = load_settings(data_dir)
        return install_check(settings.require_signed_packs, settings.trusted_pack_keys)(folder)

    return verify
