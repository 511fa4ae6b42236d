"""Signed packs: Ed25519 over the manifest and every file's hash; refused when required."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from kiosk.runtime.pack_signing import (
    SIGNATURE_NAME,
    SigningError,
    check,
    install_check,
    keygen,
    sign,
)
from kiosk.runtime.packs import PackInstaller
from tests.unit.test_packs import classifier_pack, zip_folder


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Two makers' keys: (key file, trusted-key line)."""
    out = {}
    for name in ("Hub Berlin", "Somebody Else"):
        keyfile = tmp_path / f"{name.split()[0].lower()}.key"
        out[name] = (keyfile, keygen(keyfile, name))
    return out


def test_keygen_writes_a_private_file_and_never_overwrites(
        tmp_path: Path, keys: dict[str, tuple[Path, str]]) -> None:
    keyfile, line = keys["Hub Berlin"]
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    name, key = line.split(":", 1)
    assert name == "Hub Berlin" and len(key) == 44
    with pytest.raises(SigningError, match="never overwritten"):
        keygen(keyfile, "Hub Berlin")
    with pytest.raises(SigningError, match="not a usable signing key"):
        sign(classifier_pack(tmp_path), _write(tmp_path / "bad.key", "{}"))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_signed_trusted_tampered_unknown_and_unsigned(
        tmp_path: Path, keys: dict[str, tuple[Path, str]]) -> None:
    keyfile, line = keys["Hub Berlin"]
    pack = classifier_pack(tmp_path)
    assert check(pack, [line]).status == "unsigned"
    assert sign(pack, keyfile) == "Hub Berlin"
    result = check(pack, [line])
    assert result.trusted and result.reason == "signed by Hub Berlin"
    # The name staff see is the one this kiosk trusts, not the one the pack claims.
    assert check(pack, [line.replace("Hub Berlin", "Our hub")]).signer == "Our hub"
    unknown = check(pack, [keys["Somebody Else"][1]])
    assert unknown.status == "untrusted_key" and "Hub Berlin" in unknown.reason
    model = next(pack.glob("*.onnx"))
    model.write_bytes(model.read_bytes()[:-1] + b"\0")
    tampered = check(pack, [line])
    assert tampered.status == "tampered" and "changed:" in tampered.reason
    sign(pack, keyfile)
    (pack / "extra.txt").write_text("x", encoding="utf-8")
    assert "added: extra.txt" in check(pack, [line]).reason
    (pack / "extra.txt").unlink()
    data = json.loads((pack / SIGNATURE_NAME).read_text(encoding="utf-8"))
    data["signer"] = "Hub Berlin (forged)"
    (pack / SIGNATURE_NAME).write_text(json.dumps(data), encoding="utf-8")
    assert check(pack, [line]).status == "tampered"


def test_install_refuses_with_the_reason_when_signatures_are_required(
        tmp_path: Path, data_dir: Path, keys: dict[str, tuple[Path, str]]) -> None:
    keyfile, line = keys["Hub Berlin"]
    required = PackInstaller(data_dir, verify=install_check(True, [line]))
    unsigned = classifier_pack(tmp_path / "a")
    result = required.install(unsigned)
    assert not result.ok and "refused: the pack is not signed" in str(result.report.problems[0])
    other = classifier_pack(tmp_path / "b")
    sign(other, keys["Somebody Else"][0])
    result = required.install(other)
    assert not result.ok and "does not trust" in str(result.report.problems[0])
    good = classifier_pack(tmp_path / "c")
    archive = zip_folder(good, tmp_path / "c.zip")
    sign(archive, keyfile)  # a .zip is signed in place
    result = required.install(archive)
    assert result.ok, result.report.problems
    assert result.installed is not None and check(result.installed, [line]).trusted


def test_a_broken_signature_is_refused_even_when_not_required(
        tmp_path: Path, data_dir: Path, keys: dict[str, tuple[Path, str]]) -> None:
    keyfile = keys["Hub Berlin"][0]
    pack = classifier_pack(tmp_path)
    sign(pack, keyfile)
    (pack / "demo.toml").write_text((pack / "demo.toml").read_text(encoding="utf-8")
                                    .replace('version = "1.0.0"', 'version = "6.6.6"'),
                                    encoding="utf-8")
    result = PackInstaller(data_dir, verify=install_check(False, [])).install(pack)
    assert not result.ok and "changed: demo.toml" in str(result.report.problems[0])
    assert PackInstaller(data_dir, verify=install_check(False, [])).install(
        classifier_pack(tmp_path / "plain")).ok  # unsigned packs are fine when not required


def test_the_command_line_keygen_trust_sign_verify_import(tmp_path: Path,
                                                          data_dir: Path) -> None:
    from tests.e2e.test_log_cli import kiosk, one_line_error

    out = kiosk("packs", "keygen", "--out", str(tmp_path / "hub.key"), "--name", "Hub",
                data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    trust = next(line.strip() for line in out.stdout.splitlines() if "settings set" in line)
    line = trust.split('["', 1)[1].split('"]', 1)[0]
    assert kiosk("settings", "set", f'trusted_pack_keys=["{line}"]',
                 "require_signed_packs=true", data_dir=data_dir).returncode == 0
    pack = classifier_pack(tmp_path)
    refused = kiosk("packs", "import", str(pack), data_dir=data_dir)
    assert refused.returncode == 1 and "not signed" in refused.stdout
    assert kiosk("packs", "sign", str(pack), "--key", str(tmp_path / "hub.key"),
                 data_dir=data_dir).returncode == 0
    verified = kiosk("packs", "verify", str(pack), data_dir=data_dir)
    assert verified.returncode == 0 and "TRUSTED" in verified.stdout and "Hub" in verified.stdout
    assert kiosk("packs", "import", str(pack), data_dir=data_dir).returncode == 0
    missing = kiosk("packs", "sign", str(pack), "--key", str(tmp_path / "none.key"),
                    data_dir=data_dir)
    assert "none.key" in one_line_error(missing)


def test_a_hostile_signature_file_is_invalid_not_a_crash(
        tmp_path: Path, keys: dict[str, tuple[Path, str]]) -> None:
    keyfile, line = keys["Hub Berlin"]
    pack = classifier_pack(tmp_path)
    sign(pack, keyfile)
    good = (pack / SIGNATURE_NAME).read_bytes()
    (pack / SIGNATURE_NAME).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    deep = check(pack, [line])
    assert deep.status == "invalid" and "nested too deep" in deep.reason
    # a link to a genuine signature elsewhere is not the pack's own file
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(good)
    (pack / SIGNATURE_NAME).unlink()
    (pack / SIGNATURE_NAME).symlink_to(elsewhere)
    linked = check(pack, [line])
    assert linked.status == "invalid" and "is a link" in linked.reason
    (pack / SIGNATURE_NAME).unlink()
    (pack / SIGNATURE_NAME).write_bytes(good)
    assert check(pack, [line]).trusted
