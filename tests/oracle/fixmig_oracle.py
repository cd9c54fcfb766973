"""fixmig's oracle: a pytest plugin that records how real pytest resolved fixtures.

Load it with ``PYTHONPATH=tests/oracle python -m pytest -p fixmig_oracle``.  Once the
session is over it writes JSON to the file named by the environment variable
``FIXMIG_ORACLE_OUT``, in the same shape ``fixmig fixtures --per-test --format json``
prints::

    {"rootdir": "<abs path>",
     "tests": [{"nodeid": "tests/a/test_x.py::TestC::test_y",
                "fixtures": [ENTRY, ...],
                "errors": [ERR, ...]}]}

    ENTRY = {"name", "kind", "path", "line", "function", "scope", "chain"}
    ERR   = {"code": "FM001" | "FM002" | "FM003", "fixture": name}

* One entry per test function: parametrized items collapse onto the first one
  collected (the ``[id]`` suffix is dropped); tests are in collection order, taken
  before pytest's fixture-scope reordering of the items.
* ``fixtures`` is exactly ``item.fixturenames`` (the names closure), in order; each
  name is described by the definition the test gets (the last of
  ``item._fixtureinfo.name2fixturedefs[name]``) and ``chain`` lists every visible
  definition, least specific first.
* ``errors`` holds at most one entry: why the setup of that first item failed, when
  it failed because of a fixture problem (missing fixture FM001, scope mismatch
  FM002, recursive / exhausted override chain FM003).

Besides ``tests``, ``outcomes`` maps every item's full nodeid (parametrized ids
included) to how it ended: ``passed``, ``skipped``, ``failed`` or ``error`` (a setup or
teardown failure), followed by `` lookup NAME`` when a ``FixtureLookupError`` for NAME
caused it, in any phase: ``request.getfixturevalue("NAME")`` in a test body fails the
call, not the setup, and is seen only here.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import _pytest
import pytest
from _pytest.fixtures import FixtureLookupError
from _pytest.python import get_direct_param_fixture_func

_PYTEST_DIR = os.path.realpath(os.path.dirname(_pytest.__file__))

# ScopeMismatch is not an exception class in pytest 9.2: SubRequest._check_scope
# calls ``fail("ScopeMismatch: You tried to access the <scope> scoped fixture <name>
# with a <scope> scoped request object. ...", pytrace=False)``.
_SCOPE_MISMATCH = re.compile(
    r"ScopeMismatch: You tried to access the (\w+) scoped fixture (\S+) "
    r"with a (\w+) scoped request object"
)


def _unwrap(func):
    """The plain Python function behind a fixture's implementation."""
    seen = set()
    while id(func) not in seen:
        seen.add(id(func))
        inner = getattr(func, "__func__", None)  # bound method, staticmethod, ...
        if inner is not None:
            func = inner
            continue
        try:
            wrapped = func.__dict__.get("__wrapped__")
        except AttributeError:
            wrapped = None
        if wrapped is not None:
            func = wrapped
            continue
        break
    return func


class _Oracle:
    def __init__(self, config: pytest.Config, out: str) -> None:
        self.config = config
        self.out = out
        self.rootpath = os.path.realpath(str(config.rootpath))
        # Items in collection order (before reorder_items), one per test function.
        self.first_items: dict[str, pytest.Item] = {}
        # Full item nodeid -> the single error recorded for its setup.
        self.setup_errors: dict[str, dict] = {}
        # Full item nodeid -> how it ended (see the module docstring).
        self.outcomes: dict[str, str] = {}

    # -- collection -------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session, config, items) -> None:
        for item in items:
            key = self._test_nodeid(item)
            self.first_items.setdefault(key, item)

    @staticmethod
    def _test_nodeid(item: pytest.Item) -> str:
        originalname = getattr(item, "originalname", None)
        if originalname and item.parent is not None and item.name != originalname:
            return f"{item.parent.nodeid}::{originalname}"
        return item.nodeid

    # -- running ----------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.when == "setup" and call.excinfo is not None:
            err = self._classify(item, call.excinfo)
            if err is not None:
                self.setup_errors.setdefault(item.nodeid, err)
        self._record_outcome(item, call, report)
        return report

    def _record_outcome(self, item, call, report) -> None:
        """Keeps the first failing phase's outcome, else the call's (or the setup's skip)."""
        current = self.outcomes.get(item.nodeid)
        if current is not None and not current.startswith(("passed", "skipped")):
            return
        if report.failed:
            outcome = "failed" if call.when == "call" else "error"
            value = call.excinfo.value if call.excinfo is not None else None
            if isinstance(value, FixtureLookupError) and value.argname is not None:
                outcome += f" lookup {value.argname}"
        elif report.skipped:
            outcome = "skipped"
        elif call.when == "teardown" and current is not None:
            return
        else:
            outcome = "passed"
        self.outcomes[item.nodeid] = outcome

    @staticmethod
    def _classify(item, excinfo) -> dict | None:
        value = excinfo.value
        if isinstance(value, FixtureLookupError):
            if value.argname is None:
                return None  # request.raiseerror(): not a resolution problem
            if value.msg is not None:
                return None  # e.g. a lookup during teardown
            # FixtureLookupError.formatrepr decides between "not found" and
            # "recursive dependency" by whether the name is visible at all.
            text = value.formatrepr().errorstring
            if "recursive dependency involving fixture" in text:
                return {"code": "FM003", "fixture": value.argname}
            return {"code": "FM001", "fixture": value.argname}
        if isinstance(value, pytest.fail.Exception):
            match = _SCOPE_MISMATCH.search(str(value.msg))
            if match:
                return {"code": "FM002", "fixture": match.group(2)}
        return None

    # -- describing -------------------------------------------------------------

    def _location(self, fixturedef):
        """(kind, path, line, function) of one FixtureDef."""
        if fixturedef.func is get_direct_param_fixture_func:
            return "parametrize", None, None, None
        func = _unwrap(fixturedef.func)
        code = getattr(func, "__code__", None)
        if code is None:
            return "plugin", None, None, getattr(func, "__name__", None)
        filename = os.path.realpath(os.path.abspath(code.co_filename))
        if filename == _PYTEST_DIR or filename.startswith(_PYTEST_DIR + os.sep):
            return "builtin", None, None, None
        line = code.co_firstlineno
        name = getattr(func, "__name__", None)
        if filename.startswith(self.rootpath + os.sep):
            rel = os.path.relpath(filename, self.rootpath).replace(os.sep, "/")
            return "fixture", rel, line, name
        return "plugin", Path(filename).as_posix(), line, name

    def _entry(self, name: str, name2fixturedefs) -> dict:
        fixturedefs = name2fixturedefs.get(name)
        if not fixturedefs:
            if name == "request":
                return {
                    "name": name,
                    "kind": "builtin",
                    "path": None,
                    "line": None,
                    "function": None,
                    "scope": "function",
                    "chain": [],
                }
            return {
                "name": name,
                "kind": "unresolved",
                "path": None,
                "line": None,
                "function": None,
                "scope": None,
                "chain": [],
            }
        active = fixturedefs[-1]
        kind, path, line, function = self._location(active)
        if kind == "parametrize":
            return {
                "name": name,
                "kind": kind,
                "path": None,
                "line": None,
                "function": None,
                "scope": None,
                "chain": [],
            }
        chain = []
        for fixturedef in fixturedefs:
            _, cpath, cline, _ = self._location(fixturedef)
            chain.append({"path": cpath, "line": cline})
        return {
            "name": name,
            "kind": kind,
            "path": path,
            "line": line,
            "function": function,
            "scope": active.scope,
            "chain": chain,
        }

    def _test(self, nodeid: str, item: pytest.Item) -> dict:
        info = getattr(item, "_fixtureinfo", None)
        names = list(getattr(item, "fixturenames", ()) or ())
        name2fixturedefs = info.name2fixturedefs if info is not None else {}
        error = self.setup_errors.get(item.nodeid)
        return {
            "nodeid": nodeid,
            "fixtures": [self._entry(name, name2fixturedefs) for name in names],
            "errors": [error] if error else [],
        }

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus) -> None:
        data = {
            "rootdir": str(self.config.rootpath),
            "tests": [self._test(k, item) for k, item in self.first_items.items()],
            "outcomes": self.outcomes,
        }
        tmp = self.out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
            fh.write("\n")
        os.replace(tmp, self.out)


def pytest_configure(config: pytest.Config) -> None:
    out = os.environ.get("FIXMIG_ORACLE_OUT")
    if not out:
        raise pytest.UsageError("fixmig_oracle: set FIXMIG_ORACLE_OUT to a file path")
    config.pluginmanager.register(_Oracle(config, out), "fixmig_oracle_recorder")
