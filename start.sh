#!/usr/bin/env bash
# Start the kiosk: full screen and locked (leave via staff mode: hold the top-left corner 3 s,
# enter the PIN, "Exit kiosk"), or in a normal window with --windowed. Installs what it needs
# into .venv on the first run, step by step. Any arguments go to the `kiosk` command, e.g.
# ./start.sh --windowed --lang en
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/bootstrap.sh
source "$here/scripts/bootstrap.sh"
bootstrap_venv ""
exec "$here/.venv/bin/kiosk" "$@"
