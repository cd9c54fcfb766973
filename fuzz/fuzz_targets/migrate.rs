//! A whole `fixmig migrate --write` on a small project generated from the input (up to three
//! conftest levels, fixtures requesting each other, test modules and classes, one rule of any
//! kind). It must not panic, must exit 0, 1 or 2, must leave the tree byte-identical when it
//! does not exit 0, leave no temporary file, and a second run must change nothing.
#![no_main]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 5] = ["db", "client", "old", "svc", "tmp_path"];
const DIRS: [&str; 3] = ["tests", "tests/a", "tests/a/b"];

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn pick<'b>(&mut self, xs: &[&'b str]) -> &'b str {
        xs[usize::from(self.byte()) % xs.len()]
    }
}

fn base() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// A fixture function `name`; `used` holds the fixture names the module defines already (a
/// name defined twice in one module is left out: see tests/fuzz_regressions.rs).
fn fixture(input: &mut Input, name: &str, used: &mut Vec<String>) -> String {
    let mut scope = input.pick(&["", "scope=\"session\"", "autouse=True", "name=\"svc\""]);
    let fixture_name = if scope.starts_with("name=") {
        "svc"
    } else {
        name
    };
    if used.iter().any(|u| u == fixture_name) {
        if fixture_name == name {
            return String::new();
        }
        scope = "";
    }
    used.push(
        if scope.starts_with("name=") {
            "svc"
        } else {
            name
        }
        .to_string(),
    );
    let dep = input.pick(&NAMES);
    let args = if input.byte() % 2 == 0 {
        dep.to_string()
    } else {
        String::new()
    };
    format!(
        "\n\n@pytest.fixture({scope})\ndef {name}({args}):\n    return {args}{}1\n",
        if args.is_empty() { "" } else { " or " }
    )
}

fn project(input: &mut Input, root: &Path) -> String {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    files.insert("pytest.ini".into(), "[pytest]\n".into());
    for dir in DIRS {
        let defs = input.byte();
        if defs & 0x80 != 0 {
            let mut text = String::from("import pytest\n");
            let mut used = Vec::new();
            for (i, name) in NAMES.iter().enumerate().take(4) {
                if defs & (1 << i) != 0 {
                    text.push_str(&fixture(input, name, &mut used));
                }
            }
            files.insert(format!("{dir}/conftest.py"), text);
        }
        for m in 0..(input.byte() % 3) {
            let mut text = String::from("import pytest\n");
            if input.byte() % 4 == 0 {
                let name = input.pick(&NAMES);
                text.push_str(&fixture(input, name, &mut Vec::new()));
            }
            for t in 0..(input.byte() % 3 + 1) {
                let a = input.pick(&NAMES);
                let b = input.pick(&NAMES);
                match input.byte() % 4 {
                    0 => text.push_str(&format!(
                        "\n\nclass TestC{t}:\n    def test_{t}(self, {a}):\n        assert {a}\n"
                    )),
                    1 => text.push_str(&format!(
                        "\n\n@pytest.mark.usefixtures(\"{a}\")\ndef test_{t}({b}):\n    pass\n"
                    )),
                    2 => text.push_str(&format!(
                        "\n\ndef test_{t}(request):\n    request.getfixturevalue(\"{a}\")\n"
                    )),
                    _ => text.push_str(&format!("\n\ndef test_{t}({a}, {b}):\n    pass\n")),
                }
            }
            files.insert(format!("{dir}/test_m{m}.py"), text);
        }
    }
    // Now and then, raw input bytes at the end of one file.
    if input.byte() % 8 == 0 {
        let raw = String::from_utf8_lossy(&input.0[..input.0.len().min(40)]).into_owned();
        if let Some(text) = files.values_mut().nth(usize::from(input.byte()) % 3) {
            text.push_str(&raw);
        }
    }
    for (rel, text) in &files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let conftest = |input: &mut Input| format!("{}/conftest.py", input.pick(&DIRS));
    let name = |input: &mut Input| input.pick(&NAMES).to_string();
    let mut rule = String::from("version = 1\n\n");
    match input.byte() % 6 {
        0 => {
            rule.push_str(&format!(
                "[[rename]]\nfixture = \"{}\"\nto = \"{}\"\n",
                name(input),
                input.pick(&["renamed", "db", "client"])
            ));
            if input.byte() % 2 == 0 {
                rule.push_str(&format!("defined_in = \"{}\"\n", conftest(input)));
            }
            if input.byte() % 2 == 0 {
                rule.push_str("keep_alias = true\n");
            }
        }
        1 => rule.push_str(&format!(
            "[[alias]]\nname = \"{}\"\ntarget = \"{}\"\nconftest = \"{}\"\n",
            input.pick(&["alias", "db", "missing"]),
            name(input),
            conftest(input)
        )),
        2 => rule.push_str(&format!(
            "[[move]]\nfixture = \"{}\"\nfrom = \"{}\"\nto = \"{}\"\n",
            name(input),
            conftest(input),
            conftest(input)
        )),
        3 => {
            rule.push_str(&format!("[[hoist]]\nfixture = \"{}\"\n", name(input)));
            if input.byte() % 2 == 0 {
                rule.push_str(&format!("into = \"{}\"\n", conftest(input)));
            }
        }
        4 => rule.push_str(&format!(
            "[[merge]]\nfrom = \"{}\"\ninto = \"{}\"\n",
            conftest(input),
            conftest(input)
        )),
        _ => {
            rule.push_str(&format!(
                "[[remove]]\nfixture = \"{}\"\ndefined_in = \"{}\"\n",
                name(input),
                conftest(input)
            ));
            if input.byte() % 2 == 0 {
                rule.push_str(&format!("replace_with = \"{}\"\n", name(input)));
            }
        }
    }
    rule
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
                out.insert(p, b"<dir>".to_vec());
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.insert(p, bytes);
            }
        }
    }
    out
}

fn migrate(root: &Path, rules: &Path) -> (i32, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let args: Vec<std::ffi::OsString> = vec![
        "fixmig".into(),
        "migrate".into(),
        "--no-cache".into(),
        "--no-config".into(),
        "--color".into(),
        "never".into(),
        "--write".into(),
        "--rules".into(),
        rules.into(),
        root.into(),
    ];
    let code = fixmig::run_cli(args, &mut out, &mut err);
    (code, String::from_utf8_lossy(&err).into_owned())
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let work = tempfile::tempdir_in(base()).unwrap();
    let root = work.path().join("p");
    std::fs::create_dir(&root).unwrap();
    let rule = project(&mut input, &root);
    let rules = work.path().join("rules.toml");
    std::fs::write(&rules, &rule).unwrap();
    let before = snapshot(&root);
    let (code, err) = migrate(&root, &rules);
    assert!(matches!(code, 0..=2), "exit {code}: {err}\n{rule}");
    let after = snapshot(&root);
    if code != 0 {
        assert_eq!(before, after, "exit {code} changed the tree: {err}\n{rule}");
        return;
    }
    for p in after.keys() {
        let name = p.file_name().unwrap().to_string_lossy();
        assert!(
            !name.starts_with(".fixmig-"),
            "left behind: {}",
            p.display()
        );
    }
    let (code2, err2) = migrate(&root, &rules);
    let again = snapshot(&root);
    assert_eq!(
        after, again,
        "a second run (exit {code2}) changed the tree: {err2}\n{rule}"
    );
});
