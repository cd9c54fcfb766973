#!/usr/bin/env bash
# Creates target/pyenv: a Python venv with the pinned pytest the oracle tests compare against.
# Idempotent; the Rust test support does the same on demand, this makes CI's install explicit.
set -euo pipefail
cd "$(dirname "$0")/.."
want="9.2.0"
py=target/pyenv/bin/python
if [ -x "$py" ] && "$py" -c "import pytest,sys; sys.exit(pytest.__version__ != '$want')" 2>/dev/null; then
  echo "target/pyenv: pytest $want present"
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 is required (apt-get install python3 python3-venv)" >&2; exit 1; }
rm -rf target/pyenv.tmp
mkdir -p target
python3 -m venv target/pyenv.tmp
target/pyenv.tmp/bin/pip install --quiet --disable-pip-version-check "pytest==$want"
rm -rf target/pyenv
mv target/pyenv.tmp target/pyenv
echo "target/pyenv: installed pytest $want"
