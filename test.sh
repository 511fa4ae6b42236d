#!/usr/bin/env bash
# Run every check the project has: lint, types, import layering, and the test suite
# (unit, GUI offscreen, end-to-end). Installs what it needs into .venv on the first run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
# shellcheck source=scripts/bootstrap.sh
source "$here/scripts/bootstrap.sh"
bootstrap_venv dev
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check kiosk tests build
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
