#!/usr/bin/env bash
# Start the kiosk (full screen). Installs what it needs into .venv on the first run.
# Any arguments go to the `kiosk` command, e.g. ./start.sh --windowed --lang en
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/bootstrap.sh
source "$here/scripts/bootstrap.sh"
bootstrap_venv ""
exec "$here/.venv/bin/kiosk" "$@"
