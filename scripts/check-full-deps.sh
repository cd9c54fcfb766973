#!/usr/bin/env bash
# Issue 5's check: on the pandas 3.1.1 and xarray 2026.9.0 test suites with their test
# dependencies, plugins and optional dependencies installed (scripts/fetch-corpus.sh
# pandas-full / xarray-full), every FM001 `fixmig check` reports must be one pytest hits too.
#
#   scripts/check-full-deps.sh [pandas|xarray]...     (default: both)
#
# For each suite:
#   1. `fixmig check --select FM001 --format json --python <full venv> <tree>` (release build);
#   2. pytest --collect-only with the oracle plugin (tests/oracle/fixmig_oracle.py), plugins
#      autoloaded as a plain `pytest` run would: the names of each test's fixture closure that
#      no fixture definition answers (pytest's `name2fixturedefs` has none: the
#      FixtureLookupError "fixture 'X' not found" its setup raises);
#   3. pytest runs the setup of every item of the test functions fixmig reports (`--setup-only`),
#      recording how each item's setup ends: the fixture lookup error, or a skip/xfail that
#      comes before it.
# Prints the counts and one line per FM001 test function; exits 1 when fixmig reports a missing
# fixture pytest resolves (or the reverse), 0 otherwise. Not part of `cargo test` / CI: the two
# venvs are about 3 GB and take minutes to install. Needs what scripts/fetch-corpus.sh needs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

die() {
  echo "check-full-deps: error: $*" >&2
  exit 1
}

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(pandas xarray)
for suite in "${suites[@]}"; do
  case "$suite" in
    pandas | xarray) ;;
    *) die "unknown suite '$suite' (known: pandas, xarray)" ;;
  esac
done

cargo build --release --quiet || die "cargo build --release failed"
fixmig=$repo/target/release/fixmig
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Records how the setup of every item ends (pytest --setup-only runs no test body).
mkdir -p "$work/plugin"
cat >"$work/plugin/fixmig_setup_outcomes.py" <<'EOF'
import json
import os

import pytest
from _pytest.fixtures import FixtureLookupError

_outcomes = {}


def _function_id(item):
    name = getattr(item, "originalname", None) or item.name
    return f"{item.parent.nodeid}::{name}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "setup":
        value = call.excinfo.value if call.excinfo is not None else None
        if isinstance(value, FixtureLookupError) and value.argname:
            what = f"fixture '{value.argname}' not found"
            if hasattr(report, "wasxfail"):
                what += " (reported as xfailed)"
        elif report.skipped and hasattr(report, "wasxfail"):
            what = "xfail(run=False): setup not run"
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            what = f"skipped before setup: {reason}"
        elif call.excinfo is not None:
            what = f"setup failed otherwise: {call.excinfo.typename}"
        else:
            what = "setup succeeded"
        _outcomes.setdefault(_function_id(item), {}).setdefault(what, 0)
        _outcomes[_function_id(item)][what] += 1
    return report


def pytest_sessionfinish(session):
    with open(os.environ["FIXMIG_SETUP_OUT"], "w", encoding="utf-8") as fh:
        json.dump(_outcomes, fh, indent=1)
EOF

status=0
for suite in "${suites[@]}"; do
  tree=$(bash scripts/fetch-corpus.sh "$suite-full" | tail -n 1) ||
    die "scripts/fetch-corpus.sh $suite-full failed"
  env_dir=$repo/target/corpus/$suite-full-env
  py=$env_dir/bin/python
  echo "== $suite: $tree with $env_dir" >&2

  "$fixmig" check --no-cache --select FM001 --format json --python "$env_dir" "$tree" \
    >"$work/$suite-check.json" || [ $? -eq 1 ] || die "fixmig check failed on $tree"

  # The same pytest a user runs there: plugins autoloaded, nothing from the caller's options.
  run_pytest() {
    (cd "$tree" && env -u PYTEST_ADDOPTS -u PYTEST_PLUGINS -u PYTEST_DISABLE_PLUGIN_AUTOLOAD \
      PYTHONPATH="$repo/tests/oracle:$work/plugin" PYTHONDONTWRITEBYTECODE=1 \
      "$py" -m pytest -q "$@")
  }
  # Collection errors (exit 2) are reported, not fatal: a module pytest cannot import has no
  # tests to compare.
  FIXMIG_ORACLE_OUT=$work/$suite-oracle.json run_pytest -p fixmig_oracle --collect-only \
    >"$work/$suite-collect.log" 2>&1 || [ $? -eq 2 ] ||
    die "pytest --collect-only failed on $tree (see below)$(tail -n 30 "$work/$suite-collect.log")"
  grep -E '^ERROR ' "$work/$suite-collect.log" | sed "s/^/  pytest collection: /" >&2 || true

  "$py" - "$work/$suite-check.json" "$work/$suite-oracle.json" >"$work/$suite-ids.txt" <<'EOF'
import json, sys
check = json.load(open(sys.argv[1]))
tests = sorted({d["test"] for d in check["diagnostics"] if d["code"] == "FM001" and d.get("test")})
print("\n".join(tests))
EOF
  if [ -s "$work/$suite-ids.txt" ]; then
    mapfile -t ids <"$work/$suite-ids.txt"
    FIXMIG_SETUP_OUT=$work/$suite-setup.json run_pytest -p fixmig_setup_outcomes --setup-only \
      "${ids[@]}" >"$work/$suite-setup.log" 2>&1 || true
    [ -f "$work/$suite-setup.json" ] ||
      die "pytest --setup-only wrote no outcomes$(tail -n 30 "$work/$suite-setup.log")"
  else
    echo '{}' >"$work/$suite-setup.json"
  fi

  "$py" - "$suite" "$work/$suite-check.json" "$work/$suite-oracle.json" "$work/$suite-setup.json" <<'EOF' || status=1
import json, sys
suite, check, oracle, setup = sys.argv[1], *(json.load(open(p)) for p in sys.argv[2:])
fixmig = {}
for d in check["diagnostics"]:
    if d["code"] == "FM001":
        fixmig.setdefault(d.get("test") or f"(fixture) {d['path']}:{d['line']}", set()).add(d["fixture"])
pytest_missing = {}
for t in oracle["tests"]:
    names = {f["name"] for f in t["fixtures"] if f["kind"] == "unresolved"}
    if names:
        pytest_missing[t["nodeid"]] = names
pairs = sum(len(v) for v in fixmig.values())
agree = {t for t in fixmig if pytest_missing.get(t) == fixmig[t]}
print(f"{suite}: pytest collected {len(oracle['tests'])} test functions; "
      f"fixmig FM001: {len(fixmig)} test functions / {pairs} fixture requests; "
      f"pytest leaves the same names unresolved in {len(agree)}; "
      f"pytest has unresolved names in {len(pytest_missing)} test functions")
bad = False
for test in sorted(set(fixmig) | set(pytest_missing)):
    mine, theirs = sorted(fixmig.get(test, ())), sorted(pytest_missing.get(test, ()))
    outcomes = setup.get(test, {})
    how = "; ".join(f"{n}x {w}" for w, n in sorted(outcomes.items())) or "not run"
    if mine == theirs:
        print(f"  same  {test} {mine}: {how}")
    else:
        bad = True
        print(f"  DIFF  {test}: fixmig {mine}, pytest {theirs}: {how}")
sys.exit(1 if bad else 0)
EOF
done
exit $status
