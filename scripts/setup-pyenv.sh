#!/usr/bin/env bash
# Creates the Python venvs with the pinned pytest versions the oracle tests compare against:
# target/pyenv (pytest 9.2.0) and target/pyenv-8 (pytest 8.4.2). fixmig models the pytest
# installed in the analysed environment, and every oracle case runs on both.
# Idempotent; the Rust test support does the same on demand, this makes CI's install explicit.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v python3 >/dev/null || { echo "python3 is required (apt-get install python3 python3-venv)" >&2; exit 1; }
mkdir -p target

setup() {
  local dir="$1" want="$2"
  local py="$dir/bin/python"
  if [ -x "$py" ] && "$py" -c "import pytest,sys; sys.exit(pytest.__version__ != '$want')" 2>/dev/null; then
    echo "$dir: pytest $want present"
    return
  fi
  rm -rf "$dir.tmp"
  python3 -m venv "$dir.tmp"
  "$dir.tmp/bin/pip" install --quiet --disable-pip-version-check "pytest==$want"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  echo "$dir: installed pytest $want"
}

setup target/pyenv 9.2.0
setup target/pyenv-8 8.4.2
