"""What a newcomer meets: the README's set-up, start.sh/bootstrap.sh, and a quiet install.

``bootstrap.sh`` runs here with a fake Python that records what it is asked to do: a real
first install takes minutes and the network-free pip index of the machine it runs on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from tests.conftest import ROOT

FAKE_PYTHON = """#!/usr/bin/env bash
echo "python $* (PYTHONWARNINGS=$PYTHONWARNINGS)" >> "$FAKE_LOG"
if [[ $1 == -m && $2 == venv ]]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python"
fi
if [[ $1 == -m && $2 == pip && " $* " != *" --quiet "* ]]; then
  echo "Collecting numpy"; echo "Installing collected packages: numpy"
fi
"""


def bootstrap(tmp_path: Path, extra: str = "") -> subprocess.CompletedProcess[str]:
    (tmp_path / "scripts").mkdir(exist_ok=True)
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    if not (tmp_path / "pyproject.toml").exists():
        shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON, encoding="utf-8")
    fake.chmod(0o755)
    env = dict(os.environ, KIOSK_PYTHON=str(fake), FAKE_LOG=str(tmp_path / "calls.log"))
    script = f'source "{tmp_path}/scripts/bootstrap.sh" && bootstrap_venv "{extra}"'
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


def test_first_install_says_each_step_and_shows_pips_progress(tmp_path: Path) -> None:
    out = bootstrap(tmp_path)
    assert out.returncode == 0, out.stderr
    steps = [line for line in out.stderr.splitlines() if re.match(r"\[\d/3\]", line)]
    assert [s[:5] for s in steps] == ["[1/3]", "[2/3]", "[3/3]"]
    assert "Creating the Python environment" in steps[0]
    assert "several minutes" in steps[2]
    assert "Collecting numpy" in out.stdout  # pip's own progress reaches the terminal
    calls = (tmp_path / "calls.log").read_text(encoding="utf-8").splitlines()
    install = [c for c in calls if " pip install " in c and " -e " in c]
    assert len(install) == 1 and "--quiet" not in install[0]
    assert "PYTHONWARNINGS=ignore:Editable installation" in install[0]  # setuptools' advice
    assert out.stderr.rstrip().endswith("Set-up done.")


def test_an_installed_venv_starts_silently(tmp_path: Path) -> None:
    assert bootstrap(tmp_path).returncode == 0
    (tmp_path / "calls.log").unlink()
    again = bootstrap(tmp_path)
    assert again.returncode == 0 and again.stderr == "" and again.stdout == ""
    assert not (tmp_path / "calls.log").exists()
    with (tmp_path / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    changed = bootstrap(tmp_path)
    assert "[1/3] Python environment .venv exists." in changed.stderr
    assert "[3/3]" in changed.stderr


def test_the_licence_is_an_spdx_string_with_a_setuptools_that_reads_it() -> None:
    # a TOML table makes setuptools >= 77 print a deprecation warning three times per install
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    requires = project["build-system"]["requires"]
    setuptools = next(r for r in requires if r.startswith("setuptools"))
    assert re.fullmatch(r"setuptools>=(\d+)", setuptools)
    assert int(setuptools.split(">=")[1]) >= 77


def test_readme_set_up_is_two_commands_and_says_how_to_leave() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", setup, re.DOTALL)
    commands = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert commands == ["./start.sh", "./test.sh"]
    for needed in ("full screen", "--windowed", "top-left corner", "Exit kiosk", "KIOSK_READY"):
        assert needed in setup, needed
