#!/usr/bin/env bash
# The benchmark: fixmig against named peers on the same corpora, in one run on one machine.
#
#   bash bench/run.sh                  # everything: pandas, xarray, synthetic 1k/10k/100k, 5 runs
#   bash bench/run.sh --runs 3 --sizes "1000 10000"
#   bash bench/run.sh --smoke          # CI: synthetic 1k only, every task once (a few minutes)
#   bash bench/run.sh --runs 1 --sizes "" --no-corpora   # only the large repository (below)
#
# The full run also times the large repository: 10k synthetic test modules next to 2,000
# library modules of 190 KiB (`gen_synthetic.py 10000 DIR --library 2000:190`: about 13k .py
# files, 420 MB), fixmig check (cold, warm) against one `ast-grep run -p config -l python`
# scan of the same tree. `--large N:M:KB` changes its shape, `--no-large` leaves it out.
#
# On a fresh machine it installs what it needs:
#   * /usr/bin/time (apt-get install time) for peak RSS;
#   * fixmig, built with `cargo build --release`;
#   * the peers, pinned, in the venv target/bench-env: ast-grep-cli==0.51.1, libcst==1.9.0,
#     pytest==9.2.0 (pytest on the corpora runs from each corpus' own venv, which has the same
#     pytest and what the suite needs to be imported);
#   * the corpora, cached under target/corpus/ by scripts/fetch-corpus.sh (pandas 3.1.1,
#     xarray 2026.9.0), and the synthetic suites written by bench/gen_synthetic.py into
#     target/bench/synthetic-N (regenerated only when the generator changes).
# Then bench/bench.py times each task (sequentially) and prints the table; it is also written to
# target/bench/results.md (and the raw numbers to target/bench/results.json). BENCHMARKS.md
# records a full run.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "bench: error: $*" >&2
  exit 1
}

smoke=0
runs=5
sizes="1000 10000 100000"
corpora=1
large="10000:2000:190"
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --large) large=${2:?--large needs N:M:KB}; shift ;;
    --no-large) large="" ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --sizes) sizes=${2?--sizes needs a list (empty: no synthetic suites)}; shift ;;
    --no-corpora) corpora=0 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
if [ "$smoke" = 1 ]; then
  runs=1
  sizes=1000
  corpora=0
  large=""
fi

# --- /usr/bin/time -------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  echo "bench: installing GNU time (apt-get install time)" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq time >/dev/null ||
    die "/usr/bin/time is missing and apt-get could not install the 'time' package"
fi

# --- fixmig ----------------------------------------------------------------------------------------
echo "bench: building fixmig (release)" >&2
cargo build --release --quiet || die "cargo build --release failed"
fixmig=$PWD/target/release/fixmig
# The floor of a rename: one parse of each file it rewrites (bench/parse_floor.rs).
cargo build --release --quiet --example parse_floor || die "cargo build --release --example parse_floor failed"
parse_floor=$PWD/target/release/examples/parse_floor

# --- the peers ---------------------------------------------------------------------------------------
env_dir=$PWD/target/bench-env
pins=("ast-grep-cli==0.51.1" "libcst==1.9.0" "pytest==9.2.0")
want=$(printf '%s\n' "${pins[@]}")
if [ -x "$env_dir/bin/python" ] && [ -f "$env_dir/.fixmig-pins" ] &&
  [ "$(cat "$env_dir/.fixmig-pins")" = "$want" ]; then
  echo "bench: $env_dir up to date" >&2
else
  command -v python3 >/dev/null || die "python3 is required (apt-get install python3 python3-venv)"
  echo "bench: creating $env_dir (${pins[*]})" >&2
  rm -rf "$env_dir"
  python3 -m venv "$env_dir" || die "python3 -m venv failed (apt-get install python3-venv)"
  "$env_dir/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
    "${pins[@]}" || die "pip could not install ${pins[*]} from PyPI"
  printf '%s' "$want" >"$env_dir/.fixmig-pins"
fi
sg=$env_dir/bin/ast-grep
[ -x "$sg" ] || die "$sg is missing after installing ast-grep-cli"
peer_python=$env_dir/bin/python

# --- the corpora ---------------------------------------------------------------------------------------
corpus_args=()
if [ "$corpora" = 1 ]; then
  pandas_tree=$(bash scripts/fetch-corpus.sh pandas | tail -n 1) || die "fetch-corpus.sh pandas failed"
  xarray_tree=$(bash scripts/fetch-corpus.sh xarray | tail -n 1) || die "fetch-corpus.sh xarray failed"
  corpus_args+=(--corpus "name=pandas 3.1.1,tree=$pandas_tree,python=$PWD/target/corpus/pandas-env/bin/python,pattern=float_frame,rules=$PWD/bench/rules/float_frame.toml,rename=float_frame:float_frame_v2")
  # `fixmig impact HEAD` with one conftest edited, against one cold `check` (a git copy of the tree).
  corpus_args+=(--impact "name=pandas 3.1.1,tree=$pandas_tree,python=$PWD/target/corpus/pandas-env/bin/python,conftest=pandas/tests/frame/conftest.py")
  corpus_args+=(--corpus "name=xarray 2026.9.0,tree=$xarray_tree,python=$PWD/target/corpus/xarray-env/bin/python,pattern=use_dask")
fi

# --- the synthetic suites ---------------------------------------------------------------------------------
generator_hash=$(sha256sum bench/gen_synthetic.py | cut -d' ' -f1)
for n in $sizes; do
  dir=$PWD/target/bench/synthetic-$n
  if [ -f "$dir/.generated" ] && [ "$(cat "$dir/.generated")" = "$generator_hash" ]; then
    echo "bench: $dir up to date" >&2
  else
    echo "bench: generating $dir" >&2
    rm -rf "$dir"
    python3 bench/gen_synthetic.py "$n" "$dir" || die "gen_synthetic.py $n failed"
    printf '%s' "$generator_hash" >"$dir/.generated"
  fi
  peers=0
  [ "$smoke" = 1 ] && peers=1
  corpus_args+=(--synthetic "n=$n,tree=$dir,peers=$peers")
done

# The large repository: N test modules and M library modules of KB KiB.
if [ -n "$large" ]; then
  IFS=: read -r n modules kib <<<"$large"
  dir=$PWD/target/bench/synthetic-$n-lib$modules-$kib
  if [ -f "$dir/.generated" ] && [ "$(cat "$dir/.generated")" = "$generator_hash" ]; then
    echo "bench: $dir up to date" >&2
  else
    echo "bench: generating $dir" >&2
    rm -rf "$dir"
    python3 bench/gen_synthetic.py "$n" "$dir" --library "$modules:$kib" ||
      die "gen_synthetic.py $n --library $modules:$kib failed"
    printf '%s' "$generator_hash" >"$dir/.generated"
  fi
  corpus_args+=(--synthetic "n=$n,tree=$dir,library=$modules:$kib,scan=1")
fi

# --- timing -----------------------------------------------------------------------------------------
smoke_arg=()
[ "$smoke" = 1 ] && smoke_arg=(--smoke)
"$peer_python" bench/bench.py --fixmig "$fixmig" --sg "$sg" --peer-python "$peer_python" \
  --parse-floor "$parse_floor" --runs "$runs" --out "$PWD/target/bench" "${smoke_arg[@]}" "${corpus_args[@]}" ||
  die "bench.py failed"
