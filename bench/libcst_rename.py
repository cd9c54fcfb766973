#!/usr/bin/env python3
"""The LibCST peer of `fixmig migrate` in bench/run.sh: renames a name, as a dry run.

    python bench/libcst_rename.py OLD NEW TREE [--jobs N]

Renames OLD to NEW in every identifier (``Name`` nodes: definitions, parameters, uses,
imports) and in string literals that name it (``"OLD"``, and OLD as a word inside a plain
string such as ``"a, OLD"`` in ``parametrize``), the way a codemod author would write it without
pytest's resolution rules. Files are prefiltered by their bytes (only those containing OLD are
parsed), split over N worker processes (default: one per core). Prints a unified diff of every
file that would change (nothing is written) and a summary on stderr, like a dry run.
"""

import argparse
import difflib
import os
import re
import sys
from multiprocessing import Pool

import libcst as cst


class Rename(cst.CSTTransformer):
    def __init__(self, old, new):
        super().__init__()
        self.old = old
        self.new = new
        self.word = re.compile(r"\b" + re.escape(old) + r"\b")

    def leave_Name(self, original, updated):
        if updated.value == self.old:
            return updated.with_changes(value=self.new)
        return updated

    def leave_SimpleString(self, original, updated):
        if self.old not in updated.value:
            return updated
        prefix = updated.prefix.lower()
        if "b" in prefix or "f" in prefix:
            return updated
        return updated.with_changes(value=self.word.sub(self.new, updated.value))


def python_files(tree):
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)


def contains(path, needle):
    with open(path, "rb") as f:
        return needle in f.read()


def rename_file(job):
    path, old, new, tree = job
    with open(path, "rb") as f:
        source = f.read()
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return path, None
    updated = module.visit(Rename(old, new))
    new_code = updated.code
    old_code = module.code
    if new_code == old_code:
        return path, None
    rel = os.path.relpath(path, tree)
    diff = "".join(
        difflib.unified_diff(
            old_code.splitlines(keepends=True),
            new_code.splitlines(keepends=True),
            fromfile=f"a/{rel}",
            tofile=f"b/{rel}",
        )
    )
    return path, diff


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("tree")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    needle = args.old.encode()
    candidates = [p for p in python_files(args.tree) if contains(p, needle)]
    jobs = [(p, args.old, args.new, args.tree) for p in candidates]
    with Pool(args.jobs) as pool:
        results = pool.map(rename_file, jobs, chunksize=1)
    changed = 0
    out = sys.stdout
    for _, diff in results:
        if diff:
            changed += 1
            out.write(diff)
    print(
        f"libcst_rename: {changed} of {len(candidates)} candidate files would change",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
