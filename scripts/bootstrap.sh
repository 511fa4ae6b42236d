# Sourced by start.sh and test.sh: make sure .venv exists and holds what pyproject.toml asks for.
# Usage: bootstrap_venv [EXTRA]   (EXTRA e.g. "dev"; empty for the kiosk alone)
bootstrap_venv() {
  local extra="${1:-}" root py stamp want
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  py="${KIOSK_PYTHON:-}"
  if [[ -z $py ]]; then
    for cand in python3.13 python3.12 python3.11 python3; do
      if command -v "$cand" >/dev/null 2>&1 &&
         "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
        py="$cand"; break
      fi
    done
  fi
  if [[ -z $py ]]; then
    echo "The kiosk needs Python 3.11 or newer (python3.11 not found)." >&2
    return 1
  fi
  if [[ ! -x $root/.venv/bin/python ]]; then
    echo "First start: creating $root/.venv …" >&2
    "$py" -m venv "$root/.venv" || return 1
  fi
  stamp="$root/.venv/.installed-${extra:-base}"
  want="$(cat "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "Installing the kiosk's packages into .venv (once) …" >&2
    "$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip || return 1
    if [[ -n $extra ]]; then
      "$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root[$extra]" || return 1
    else
      "$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root" || return 1
    fi
    echo "$want" > "$stamp"
  fi
}
