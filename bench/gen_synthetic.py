#!/usr/bin/env python3
"""Writes a synthetic pytest suite for bench/run.sh: N test files over a deep conftest tree.

    python3 bench/gen_synthetic.py N OUT_DIR

The suite is deterministic (the same N gives the same bytes) and is a real pytest project
(`pytest --collect-only` collects it without errors):

* ``OUT_DIR/pytest.ini``: ``testpaths = tests``, ``pythonpath = .`` (so ``helpers`` imports),
  ini ``usefixtures``.
* ``helpers/``: a package the tests import from but pytest never collects: ``util.py`` (plain
  library code: functions, classes, constants), ``fixtures_K.py`` (fixtures with ``__all__``,
  star-imported by conftests and imported by name by test modules), ``plugin.py`` (a
  ``pytest_plugins`` module).
* ``tests/``: leaf directories of 10 test files each, under three levels of directories with a
  fan-out chosen so that there are N files; every directory has a ``conftest.py`` that overrides
  fixtures of the level above (``client`` requesting the outer ``client``), redefines others
  (``item``), adds an autouse fixture and star-imports helper fixtures.
* each test module imports from ``helpers``, overrides a conftest fixture, has a
  ``pytestmark``, plain tests, ``parametrize`` (direct and indirect), a test class with a
  class-level override of ``config``, and a ``request.getfixturevalue``.

Test modules are about 1.2 KB each, as in real suites.

    python3 bench/gen_synthetic.py N OUT_DIR --library M:KB

adds ``app/``: a package of M plain library modules of about KB KiB each (classes and functions
with real bodies, no tests), which pytest walks (``testpaths = tests app``) but never collects;
every test module imports one of them (``from app.mod_J import func_0``). ``10000 DIR --library
2000:190`` makes a tree of about 12,000 .py files and 400 MB, mostly library code, like a large
application repository.
"""

import math
import os
import sys

FILES_PER_DIR = 10
HELPER_FIXTURE_MODULES = 10

ROOT_CONFTEST = '''"""Root conftest of the synthetic suite."""
import pytest

pytest_plugins = ["helpers.plugin"]


@pytest.fixture(scope="session")
def engine():
    return {"engine": "synthetic"}


@pytest.fixture
def db(request, engine):
    return getattr(request, "param", "default")


@pytest.fixture
def config():
    return {"level": 0}


@pytest.fixture
def client(db, config):
    return ("client", db, config)


@pytest.fixture
def item():
    return "root"


@pytest.fixture(autouse=True)
def env():
    yield "env"


@pytest.fixture
def env_level_0(env):
    return env
'''

DIR_CONFTEST = '''"""Conftest of {rel} (depth {depth})."""
import pytest

from helpers.fixtures_{k} import *  # noqa: F401,F403


@pytest.fixture
def client(client, db):
    return (client, "{rel}")


@pytest.fixture
def item():
    return "{rel}"


@pytest.fixture(autouse=True)
def env_level_{depth}(env_level_{parent_depth}):
    yield "{rel}"


@pytest.fixture(scope="module")
def resource_{depth}(engine):
    return (engine, "{rel}")
'''

TEST_MODULE = '''"""Synthetic test module {i}."""
import pytest

from helpers.util import CONSTANT_{c}, Widget, make_value
from helpers.fixtures_{k} import shared_{k}

pytestmark = pytest.mark.usefixtures("env_level_{depth}")


@pytest.fixture
def local_{i}(client, shared_{k}):
    return make_value(client, shared_{k}, {i})


@pytest.fixture
def item(item, local_{i}):
    return (item, local_{i})


def test_basic_{i}(item, db):
    assert item is not None and db


def test_resource_{i}(resource_{depth}, config):
    assert resource_{depth} and config["level"] == 0


@pytest.mark.parametrize("value, expected", [(1, 2), (2, 3), (CONSTANT_{c}, CONSTANT_{c} + 1)])
def test_param_{i}(value, expected, config):
    assert make_value(value) + 1 == expected


@pytest.mark.parametrize("db", ["sqlite", "postgres"], indirect=True)
def test_indirect_{i}(db, engine):
    assert db in ("sqlite", "postgres")


class TestGroup{i}:
    @pytest.fixture
    def config(self, config):
        return dict(config, group={i})

    def test_method_a(self, config, client):
        assert config["group"] == {i}

    def test_method_b(self, local_{i}, request):
        assert request.getfixturevalue("db")

    def test_widget(self, item):
        assert Widget({i}).size() == {i}
'''

UTIL = '''"""Plain library code the tests import (never collected)."""

CONSTANT_0 = 10
CONSTANT_1 = 11
CONSTANT_2 = 12
CONSTANT_3 = 13
CONSTANT_4 = 14
CONSTANT_5 = 15
CONSTANT_6 = 16
CONSTANT_7 = 17
CONSTANT_8 = 18
CONSTANT_9 = 19


def make_value(*parts):
    """Combines its arguments; returns the first one when it is a number."""
    if parts and isinstance(parts[0], int):
        return parts[0]
    return tuple(parts)


class Widget:
    def __init__(self, size):
        self._size = size

    def size(self):
        return self._size
'''

HELPER_FIXTURES = '''"""Helper fixtures, set {k}."""
import pytest

__all__ = ["shared_{k}", "helper_only_{k}"]


@pytest.fixture
def shared_{k}(config):
    return ("shared", {k}, config)


@pytest.fixture
def helper_only_{k}():
    return {k}
'''

PLUGIN = '''"""A pytest_plugins module of the synthetic suite."""
import pytest


@pytest.fixture
def plugin_fixture(engine):
    return engine
'''

PYTEST_INI = """[pytest]
testpaths = tests
pythonpath = .
usefixtures = env
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


LIBRARY_HEADER = '''"""Library module {j} of the synthetic application (never collected)."""
import math
import os

LIMIT_{j} = {j}

'''

LIBRARY_UNIT = '''
def func_{u}(values, scale=1.0, *, name="unit-{u}"):
    """Scales the values of unit {u}, skipping the negative ones."""
    total = 0.0
    result = []
    for index, value in enumerate(values):
        if value < 0:
            continue
        scaled = math.sqrt(value) * scale + index % {m}
        if scaled > LIMIT_{j} * 1000:
            raise ValueError(f"{{name}}: {{scaled}} is over the limit at {{index}}")
        result.append(scaled)
        total += scaled
    return {{"name": name, "total": total, "values": result, "path": os.sep.join(["a", "b"])}}


class Unit{u}:
    """State of unit {u}."""

    registry = {{}}

    def __init__(self, size, label="u{u}"):
        self.size = size
        self.label = label
        self.items = [i * {m} for i in range(size)]

    def grow(self, by):
        for _ in range(by):
            self.items.append(len(self.items) * {m})
        return self

    def describe(self):
        parts = [f"{{self.label}}: {{len(self.items)}} items"]
        for item in self.items[:3]:
            parts.append(str(item))
        return ", ".join(parts)
'''


def library_module(j, kib):
    """A library module of about `kib` KiB."""
    parts = [LIBRARY_HEADER.format(j=j)]
    size = len(parts[0])
    u = 0
    while size < kib * 1024:
        unit = LIBRARY_UNIT.format(u=u, j=j, m=u % 7 + 1)
        parts.append(unit)
        size += len(unit)
        u += 1
    return "".join(parts)


def main():
    args = sys.argv[1:]
    library = None
    if "--library" in args:
        at = args.index("--library")
        try:
            modules, kib = args[at + 1].split(":")
            library = (int(modules), int(kib))
        except (IndexError, ValueError):
            sys.exit("--library needs M:KB (modules and KiB per module)")
        del args[at : at + 2]
    if len(args) != 2:
        sys.exit("usage: gen_synthetic.py N OUT_DIR [--library M:KB]")
    n = int(args[0])
    out = args[1]
    if n < 1:
        sys.exit("N must be at least 1")
    leaf_dirs = math.ceil(n / FILES_PER_DIR)
    # Three levels above the leaves, with the same fan-out at each.
    fanout = max(1, math.ceil(leaf_dirs ** (1 / 3)))

    ini = PYTEST_INI
    library_bytes = 0
    if library is not None:
        modules, kib = library
        ini = ini.replace("testpaths = tests", "testpaths = tests app")
        write(os.path.join(out, "app", "__init__.py"), "")
        for j in range(modules):
            text = library_module(j, kib)
            library_bytes += len(text.encode())
            write(os.path.join(out, "app", f"mod_{j}.py"), text)
    write(os.path.join(out, "pytest.ini"), ini)
    write(os.path.join(out, "helpers", "__init__.py"), "")
    write(os.path.join(out, "helpers", "util.py"), UTIL)
    write(os.path.join(out, "helpers", "plugin.py"), PLUGIN)
    for k in range(HELPER_FIXTURE_MODULES):
        write(
            os.path.join(out, "helpers", f"fixtures_{k}.py"),
            HELPER_FIXTURES.format(k=k),
        )
    write(os.path.join(out, "tests", "conftest.py"), ROOT_CONFTEST)

    conftests = set()
    total_bytes = 0
    for i in range(n):
        leaf = i // FILES_PER_DIR
        a, rest = divmod(leaf, fanout * fanout)
        b, c = divmod(rest, fanout)
        parts = [f"area_{a}", f"group_{b}", f"leaf_{c}"]
        # A conftest in every directory on the way down.
        for depth in range(1, len(parts) + 1):
            rel = "/".join(parts[:depth])
            if rel in conftests:
                continue
            conftests.add(rel)
            k = (a + b + c + depth) % HELPER_FIXTURE_MODULES
            text = DIR_CONFTEST.format(
                rel=rel, depth=depth, parent_depth=depth - 1, k=k, name=parts[depth - 1]
            )
            write(os.path.join(out, "tests", *parts[:depth], "conftest.py"), text)
        # The module's star-imported helper set is its leaf conftest's.
        depth = len(parts)
        k = (a + b + c + depth) % HELPER_FIXTURE_MODULES
        text = TEST_MODULE.format(i=i, k=k, c=i % 10, depth=depth)
        if library is not None:
            text = text.replace(
                "import pytest\n", f"import pytest\n\nfrom app.mod_{i % library[0]} import func_0\n", 1
            )
        total_bytes += len(text.encode())
        write(os.path.join(out, "tests", *parts, f"test_s{i}.py"), text)
    print(
        f"gen_synthetic: {n} test modules, {len(conftests) + 1} conftests, "
        f"{total_bytes} bytes of test modules, {library_bytes} bytes of library modules in {out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
