# Sourced by start.sh and test.sh: make sure .venv exists and holds what pyproject.toml asks for.
# Usage: bootstrap_venv [EXTRA]   (EXTRA e.g. "dev"; empty for the kiosk alone)
# Says what it does, one line per step, and lets pip show its progress: the first install
# downloads a few hundred MB and takes minutes, which must not look like a hang.
bootstrap_venv() {
  local extra="${1:-}" root py stamp want target
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
  stamp="$root/.venv/.installed-${extra:-base}"
  want="$(sha256sum < "$root/pyproject.toml" | cut -d' ' -f1)"
  if [[ -x $root/.venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return 0  # installed and up to date: start at once, silently
  fi
  echo "Setting up the kiosk in $root/.venv (only when it is new or pyproject.toml changed)." >&2
  if [[ ! -x $root/.venv/bin/python ]]; then
    echo "[1/3] Creating the Python environment .venv …" >&2
    "$py" -m venv "$root/.venv" || return 1
  else
    echo "[1/3] Python environment .venv exists." >&2
  fi
  echo "[2/3] Updating pip …" >&2
  "$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip \
    || return 1
  target="$root"
  [[ -n $extra ]] && target="$root[$extra]"
  echo "[3/3] Installing the kiosk and its packages (Qt, OpenCV, onnxruntime …;" \
       "the first time a few hundred MB and several minutes) …" >&2
  # Not --quiet: pip's "Collecting …" lines and progress bars are the progress. setuptools'
  # advice on editable installs ("be careful with folders … with the same name") asks nothing
  # of the person installing: keep it off their screen.
  PYTHONWARNINGS="ignore:Editable installation${PYTHONWARNINGS:+,$PYTHONWARNINGS}" \
    "$root/.venv/bin/python" -m pip install --disable-pip-version-check -e "$target" \
    || return 1
  echo "$want" > "$stamp"
  echo "Set-up done." >&2
}
