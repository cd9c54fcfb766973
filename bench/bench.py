#!/usr/bin/env python3
"""Times fixmig and its peers on prepared corpora; prints (and writes) a Markdown table.

Driven by bench/run.sh, which builds fixmig, installs the peers and the corpora, and passes
everything here. Each task runs `--runs` times, one after the other (never two at once: the
machine has two cores and every tool uses both); the table gives the median, min and max wall
time, the peak RSS (`/usr/bin/time`, the largest process of the task), and ratios against fixmig
measured in the same invocation.

    bench.py --fixmig BIN --sg BIN --peer-python PY --runs N --out DIR
             [--corpus name=...,tree=...,python=...,pattern=...[,rules=...,rename=OLD:NEW]]...
             [--synthetic n=...,tree=...[,peers=1][,library=M:KB,scan=1]]...
             [--impact name=...,tree=...,python=...,conftest=REL]...
             [--parse-floor BIN]

With --parse-floor (bench/parse_floor.rs), each rename also gets its floor: one tree-sitter
parse, on every core, of the files the rename rewrites. The re-parse check parses each of them
in full, so no rename that keeps it can take less time; the table's floors section sets that
time against the peers.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CACHE_DIR = ".fixmig_cache"


def parse_spec(text):
    spec = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        spec[key] = value
    return spec


def py_bytes(tree):
    total = 0
    files = 0
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.endswith(".py"):
                total += os.path.getsize(os.path.join(dirpath, name))
                files += 1
    return files, total


class Runner:
    def __init__(self, runs, out_dir):
        self.runs = runs
        self.out_dir = out_dir
        self.rows = []

    def measure(self, group, label, argv, cwd=None, env=None, ok=(0,), before=None, runs=None):
        """Runs `argv` `runs` times; records wall times and the peak RSS."""
        runs = runs or self.runs
        walls, rss = [], []
        full_env = dict(os.environ)
        full_env.update(env or {})
        for _ in range(runs):
            if before:
                before()
            with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
                cmd = ["/usr/bin/time", "-f", "%M", "-o", tf.name] + argv
                start = time.perf_counter()
                proc = subprocess.run(
                    cmd,
                    cwd=cwd,
                    env=full_env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                wall = time.perf_counter() - start
                lines = [l for l in tf.read().splitlines() if l.strip()]
            if proc.returncode not in ok:
                sys.stderr.write(proc.stderr.decode(errors="replace")[-3000:])
                raise SystemExit(
                    f"bench: `{' '.join(argv)}` exited with {proc.returncode} (expected {ok})"
                )
            walls.append(wall)
            rss.append(int(lines[-1]) if lines and lines[-1].isdigit() else 0)
        row = {
            "group": group,
            "label": label,
            "argv": argv,
            "runs": runs,
            "median": statistics.median(walls),
            "min": min(walls),
            "max": max(walls),
            "rss_kb": max(rss),
            "walls": walls,
        }
        self.rows.append(row)
        print(
            f"bench: {group} | {label}: median {row['median']:.3f}s "
            f"(min {row['min']:.3f}, max {row['max']:.3f}) rss {row['rss_kb'] / 1024:.0f} MiB",
            file=sys.stderr,
            flush=True,
        )
        return row


def clear_cache(tree):
    return lambda: shutil.rmtree(os.path.join(tree, CACHE_DIR), ignore_errors=True)


def first_test_module(tree):
    """The first `test_*.py` of `tree` in sorted walk order (hidden directories skipped)."""
    for dirpath, dirnames, filenames in sorted(os.walk(tree)):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("test_") and name.endswith(".py"):
                return os.path.join(dirpath, name)
    raise SystemExit(f"bench: no test module under {tree}")


def fixmig_pair(r, group, what, args, tree, python, ok):
    """fixmig cold (no cache on disk; `check` then writes it) and warm (unchanged tree: `check`
    replays its stored run, `migrate` takes every file's facts from the facts cache, which it
    only reads, so `check` primes it). For `check`, also warm with one test module edited
    before each run (a comment line appended): the stored run no longer holds, every other
    file's facts come from the cache."""
    env_args = ["--python", python] if python else []
    base = [r.fixmig] + args + env_args
    cold = r.measure(group, f"fixmig {what} (cold)", base + [tree], ok=ok, before=clear_cache(tree))
    prime = [r.fixmig, "check", "--quiet"] + env_args + [tree]
    subprocess.run(prime, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    warm = r.measure(group, f"fixmig {what} (warm cache)", base + [tree], ok=ok)
    if what == "check":
        module = first_test_module(tree)
        with open(module, "rb") as f:
            original = f.read()
        count = [0]

        def edit():
            count[0] += 1
            with open(module, "wb") as f:
                sep = b"" if original.endswith(b"\n") else b"\n"
                f.write(original + sep + f"# edited for the benchmark, run {count[0]}\n".encode())

        try:
            r.measure(group, f"fixmig {what} (warm, one test module edited)", base + [tree], ok=ok, before=edit)
        finally:
            with open(module, "wb") as f:
                f.write(original)
    return cold, warm


def rewritten_files(r, tree, args, env_args):
    """The files `fixmig migrate` (dry run, `--format json`) would rewrite, absolute."""
    proc = subprocess.run(
        [r.fixmig] + args + env_args + ["--format", "json", "--no-cache", tree],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode(errors="replace")[-3000:])
        raise SystemExit(f"bench: fixmig migrate --format json exited with {proc.returncode}")
    files = json.loads(proc.stdout)["files"]
    paths = [os.path.join(tree, f["path"]) for f in files if not f["deleted"]]
    if not paths:
        raise SystemExit(f"bench: the rename rewrites no file of {tree}: no floor to measure")
    return paths


def rename_floor(r, group, args, tree, python):
    """The floor row of a rename (see the module documentation); nothing without --parse-floor."""
    if not r.parse_floor:
        return
    env_args = ["--python", python] if python else []
    paths = rewritten_files(r, tree, args, env_args)
    size = sum(os.path.getsize(p) for p in paths)
    r.measure(
        group,
        f"floor: one tree-sitter parse of the {len(paths)} rewritten files ({size / 2**20:.1f} MiB)",
        [r.parse_floor] + paths,
        ok=(0,),
    )


def corpus_tasks(r, spec, smoke):
    name, tree, python = spec["name"], spec["tree"], spec.get("python") or None
    pattern = spec["pattern"]
    group = f"{name}: check"
    fixmig_pair(r, group, "check", ["check", "--color", "never"], tree, python, ok=(0, 1))
    r.measure(group, f"ast-grep run -p {pattern}", [r.sg, "run", "-p", pattern, "-l", "python", tree], ok=(0, 1))
    pytest_python = python or r.peer_python
    r.measure(
        group,
        "pytest --collect-only -q",
        [pytest_python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=tree,
        env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"},
        ok=(0,),
        runs=1 if smoke else min(r.runs, 3),
    )
    if "rules" in spec:
        old, new = spec["rename"].split(":")
        group = f"{name}: rename {old}"
        fixmig_pair(r, group, "migrate (dry run)", ["migrate", "--rules", spec["rules"]], tree, python, ok=(0,))
        rename_floor(r, group, ["migrate", "--rules", spec["rules"]], tree, python)
        r.measure(
            group,
            f"ast-grep run -p {old} -r {new}",
            [r.sg, "run", "-p", old, "-r", new, "-l", "python", tree],
            ok=(0, 1),
        )
        r.measure(
            group,
            "LibCST codemod (2 processes)",
            [r.peer_python, os.path.join(r.bench_dir, "libcst_rename.py"), old, new, tree, "--jobs", "2"],
            ok=(0,),
        )


def synthetic_tasks(r, spec, smoke):
    n, tree = int(spec["n"]), spec["tree"]
    files, total = py_bytes(tree)
    group = f"synthetic {n}"
    if spec.get("library"):
        modules, kib = spec["library"].split(":")
        group = f"synthetic {n} + {modules} library modules of {kib} KiB"
    # fixmig describes the environment pytest runs in (the peers' venv, with pytest 9.2.0).
    cold, warm = fixmig_pair(r, group, "check", ["check", "--color", "never"], tree, r.peer_python, ok=(0,))
    for row in (cold, warm):
        row["py_files"] = files
        row["py_bytes"] = total
    if spec.get("scan") == "1":
        # One syntactic scan of the same tree, side by side with the check.
        r.measure(group, "ast-grep run -p config", [r.sg, "run", "-p", "config", "-l", "python", tree], ok=(0, 1))
    if spec.get("peers") == "1":
        r.measure(group, "ast-grep run -p config", [r.sg, "run", "-p", "config", "-l", "python", tree], ok=(0, 1))
        r.measure(
            group,
            "pytest --collect-only -q",
            [r.peer_python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=tree,
            env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"},
            ok=(0,),
            runs=1 if smoke else min(r.runs, 3),
        )
        rules = os.path.join(r.bench_dir, "rules", "synthetic_config.toml")
        group = f"synthetic {n}: rename config"
        fixmig_pair(r, group, "migrate (dry run)", ["migrate", "--rules", rules], tree, r.peer_python, ok=(0,))
        rename_floor(r, group, ["migrate", "--rules", rules], tree, r.peer_python)
        r.measure(group, "ast-grep run -p config -r config_v2", [r.sg, "run", "-p", "config", "-r", "config_v2", "-l", "python", tree], ok=(0, 1))
        r.measure(
            group,
            "LibCST codemod (2 processes)",
            [r.peer_python, os.path.join(r.bench_dir, "libcst_rename.py"), "config", "config_v2", tree, "--jobs", "2"],
            ok=(0,),
        )


def impact_tasks(r, spec):
    """`fixmig impact HEAD` against one cold `check`: a git repository made from the corpus
    tree (a copy under the output directory, committed once), then `conftest` edited in the
    work tree (its first fixture renamed, without an alias). Both cold: no facts cache on disk."""
    name, tree, python, conftest = spec["name"], spec["tree"], spec["python"], spec["conftest"]
    repo = os.path.join(r.out_dir, "impact-" + name.split()[0])
    if not os.path.isdir(os.path.join(repo, ".git")):
        shutil.rmtree(repo, ignore_errors=True)
        shutil.copytree(tree, repo, symlinks=True)
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
        subprocess.run(git + ["init", "-q"], cwd=repo, check=True)
        with open(os.path.join(repo, ".git", "info", "exclude"), "a") as f:
            f.write(CACHE_DIR + "/\n")
        subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
        subprocess.run(git + ["commit", "-q", "-m", "corpus"], cwd=repo, check=True)
    path = os.path.join(repo, conftest)
    subprocess.run(["git", "checkout", "-q", "--", conftest], cwd=repo, check=True)
    with open(path) as f:
        source = f.read()
    first = source.split("def ", 1)[1].split("(", 1)[0] if "@pytest.fixture" in source else None
    if first:
        with open(path, "w") as f:
            f.write(source.replace(f"def {first}(", f"def {first}_renamed(", 1))
    group = f"{name}: impact, one conftest edited ({conftest})"
    env_args = ["--python", python]
    r.measure(group, "fixmig check (cold)", [r.fixmig, "check", "--color", "never"] + env_args + [repo],
              ok=(0, 1), before=clear_cache(repo))
    r.measure(group, "fixmig impact HEAD, cold cache", [r.fixmig, "impact", "HEAD", repo, "--color", "never"] + env_args,
              ok=(0, 1), before=clear_cache(repo))


def fmt_s(x):
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def table(rows):
    out = [
        "| task | tool | median s | min s | max s | runs | peak RSS MiB | ratio to fixmig (cold), same run |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    reference = {}
    for row in rows:
        if row["label"].startswith("fixmig") and row["label"].endswith("(cold)"):
            reference[row["group"]] = row["median"]
    for row in rows:
        ref = reference.get(row["group"])
        if ref is None or row["label"].endswith("(cold)"):
            ratio = "—"
        elif row["label"].startswith("fixmig"):
            ratio = f"{row['median'] / ref * 100:.0f}% of cold"
        else:
            # fixmig ÷ peer below 1: fixmig takes less time; peer ÷ fixmig: the speed-up.
            ratio = f"fixmig ÷ this = {ref / row['median']:.2f}; this ÷ fixmig = {row['median'] / ref:.1f}"
        out.append(
            f"| {row['group']} | {row['label']} | {fmt_s(row['median'])} | {fmt_s(row['min'])} | "
            f"{fmt_s(row['max'])} | {row['runs']} | {row['rss_kb'] / 1024:.0f} | {ratio} |"
        )
    synthetic = [r for r in rows if "py_bytes" in r and r["label"].endswith("(cold)")]
    if synthetic:
        out += [
            "",
            "| synthetic suite | .py files | MiB of Python read | fixmig check cold s | µs per file | peak RSS MiB | RSS ÷ source bytes |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in synthetic:
            mib = r["py_bytes"] / 2**20
            out.append(
                f"| {r['group']} | {r['py_files']} | {mib:.1f} | {fmt_s(r['median'])} | "
                f"{r['median'] / r['py_files'] * 1e6:.0f} | {r['rss_kb'] / 1024:.0f} | "
                f"{r['rss_kb'] * 1024 / r['py_bytes']:.2f} |"
            )
    floors = [r for r in rows if r["label"].startswith("floor:")]
    if floors:
        out += [
            "",
            "| rename | floor s (median) | floor ÷ ast-grep | LibCST ÷ floor | fixmig cold ÷ floor |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for f in floors:
            same = {r["label"]: r["median"] for r in rows if r["group"] == f["group"]}
            sg = next((v for k, v in same.items() if k.startswith("ast-grep")), None)
            cst = next((v for k, v in same.items() if k.startswith("LibCST")), None)
            cold = reference.get(f["group"])
            cell = lambda x: "—" if x is None else f"{x:.2f}"
            out.append(
                f"| {f['group']} | {fmt_s(f['median'])} | {cell(sg and f['median'] / sg)} | "
                f"{cell(cst and cst / f['median'])} | {cell(cold and cold / f['median'])} |"
            )
    return "\n".join(out)


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} × {cpu}{mem}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixmig", required=True)
    ap.add_argument("--sg", required=True)
    ap.add_argument("--peer-python", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--corpus", action="append", default=[])
    ap.add_argument("--synthetic", action="append", default=[])
    ap.add_argument("--impact", action="append", default=[])
    ap.add_argument("--parse-floor", default=None)
    args = ap.parse_args()

    r = Runner(args.runs, args.out)
    r.fixmig, r.sg, r.peer_python = args.fixmig, args.sg, args.peer_python
    r.parse_floor = args.parse_floor
    r.bench_dir = os.path.dirname(os.path.abspath(__file__))
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    for text in args.corpus:
        corpus_tasks(r, parse_spec(text), args.smoke)
    for text in args.synthetic:
        synthetic_tasks(r, parse_spec(text), args.smoke)
    for text in args.impact:
        impact_tasks(r, parse_spec(text))

    md = table(r.rows)
    header = f"Date: {started}. Machine: {machine()}. Load average at the end: {os.getloadavg()[0]:.2f}."
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(header + "\n\n" + md + "\n")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"date": started, "machine": machine(), "rows": r.rows}, f, indent=1)
    print(header)
    print()
    print(md)


if __name__ == "__main__":
    main()
