"""What the bundle must hold (build/bundle_contents.py): the kiosk's imports and the parts
packages such as psycopg load by name, which PyInstaller's import scan cannot see."""

from __future__ import annotations

import sys
from collections.abc import Callable

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "build"))
import bundle_contents as bc

PSYCOPG_BINARY = {"psycopg", "psycopg.pq", "psycopg_binary", "psycopg_binary.pq",
                  "psycopg_binary._psycopg"}


def installed(*names: str) -> Callable[[str], bool]:
    return lambda name: name in names


def test_the_kiosks_imports_are_found() -> None:
    own, third = bc.kiosk_imports()
    assert {"kiosk.cli", "kiosk.runtime.headless"} <= own
    assert {"numpy", "PySide6.QtWidgets", "platformdirs"} <= third
    assert not {m for m in third if m.split(".")[0] in ("json", "sqlite3", "kiosk")}


def test_a_dynamic_package_is_collected_only_when_imported_and_installed() -> None:
    some = installed("psycopg", "psycopg_binary", "nacl", "_cffi_backend")
    assert bc.to_collect({"numpy", "psycopg.rows"}, some) == (
        ["psycopg"], ["psycopg_binary.pq", "psycopg_binary._psycopg"])
    assert bc.to_collect({"nacl.signing"}, some) == (
        ["nacl"], ["nacl._sodium", "_cffi_backend"])
    assert bc.to_collect({"numpy"}, some) == ([], [])
    assert bc.to_collect({"psycopg"}, installed()) == ([], [])


def test_a_bundled_psycopg_needs_a_libpq_wrapper() -> None:
    assert bc.missing_run_time_parts({"numpy"}) == []
    assert bc.missing_run_time_parts(PSYCOPG_BINARY) == []
    assert bc.missing_run_time_parts({"psycopg", "psycopg_c.pq", "psycopg_c._psycopg"}) == []
    problems = bc.missing_run_time_parts(PSYCOPG_BINARY - {"psycopg_binary._psycopg"})
    assert problems == ["psycopg is bundled without psycopg_binary.pq + psycopg_binary._psycopg"
                        " or psycopg_c.pq + psycopg_c._psycopg"]


def test_a_bundled_pynacl_needs_its_libsodium_binding() -> None:
    assert bc.missing_run_time_parts({"nacl", "nacl.signing"}) == [
        "nacl is bundled without nacl._sodium + _cffi_backend"]
    assert bc.missing_run_time_parts({"nacl", "nacl._sodium", "_cffi_backend"}) == []


def test_only_packages_left_out_on_purpose_are_excused() -> None:
    assert bc.left_out({"skimage", "skimage.data", "numpy", "scipy"}) == {
        "skimage": bc.LEFT_OUT["skimage"], "skimage.data": bc.LEFT_OUT["skimage"]}
