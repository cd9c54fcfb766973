//! `fixmig suggest` on a real suite, and its rules applied: on a copy of the pandas 3.1.1 wheel's
//! tree, `suggest` proposes its rules, `migrate --write` applies every `[[hoist]]` of them, and
//! real pytest (the oracle plugin, collect-only) must then collect the same tests and resolve
//! every fixture of every test to the same function with the same scope as before — only the
//! file a hoisted definition lives in may change. fixmig's own resolution of the result must
//! agree with pytest's, and `suggest` on the result proposes no hoist any more.
//!
//! Prints what `suggest` proposes and how many rules applied. Needs the corpus of
//! `scripts/fetch-corpus.sh pandas` (fetched on first use; panics, never skips, when that
//! fails). Takes a few minutes: pytest collects the copy once.

mod corpus;
mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

/// Per test: each fixture's (name, kind, function, scope), and separately its path.
type Resolution = BTreeMap<String, Vec<(String, String)>>;

fn resolution(doc: &Value) -> Resolution {
    let mut out = BTreeMap::new();
    for test in doc["tests"].as_array().expect("tests") {
        let fixtures = test["fixtures"]
            .as_array()
            .expect("fixtures")
            .iter()
            .map(|f| {
                (
                    format!(
                        "{} {} {} {}",
                        f["name"], f["kind"], f["function"], f["scope"]
                    ),
                    f["path"].to_string(),
                )
            })
            .collect();
        out.insert(
            test["nodeid"].as_str().expect("nodeid").to_string(),
            fixtures,
        );
    }
    out
}

fn suggest(python: &str, tree: &Path) -> (String, Vec<(String, String)>) {
    let (code, out, err) = support::run_fixmig(&["suggest", "--python", python, tree_str(tree)]);
    assert_eq!(code, 0, "suggest failed:\n{err}");
    let doc: toml::Value = toml::from_str(&out)
        .unwrap_or_else(|e| panic!("suggest printed invalid TOML ({e}):\n{out}"));
    let mut rules = Vec::new();
    for (kind, list) in doc.as_table().expect("a table") {
        if let Some(list) = list.as_array() {
            for rule in list {
                let name = rule
                    .get("fixture")
                    .or_else(|| rule.get("name"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("?");
                rules.push((kind.clone(), name.to_string()));
            }
        }
    }
    (out, rules)
}

fn tree_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn pandas_suggested_hoists_keep_pytest_resolution() {
    let pandas = corpus::fetch_corpus("pandas");
    let python = tree_str(&pandas.python).to_string();
    let (before, _) = corpus::oracle_collect_only(&pandas, &["pandas/tests"]);

    let tmp = tempfile::tempdir().expect("temporary directory");
    let tree = tmp.path().join("pandas-3.1.1");
    support::copy_tree(&pandas.tree, &tree);
    let _ = fs::remove_dir_all(tree.join(".fixmig_cache"));

    let (text, rules) = suggest(&python, &tree);
    println!(
        "fixmig suggest proposes {} rules on pandas 3.1.1:",
        rules.len()
    );
    for (kind, name) in &rules {
        println!("  [[{kind}]] {name}");
    }
    // rules/pandas-3.1.1-hoists.toml is this output, kept as a real-world example.
    let example = support::manifest_dir().join("rules/pandas-3.1.1-hoists.toml");
    let example = fs::read_to_string(&example).expect("rules/pandas-3.1.1-hoists.toml");
    let body = |t: &str| t.split_once("version = 1").map(|(_, b)| b.to_string());
    assert_eq!(
        body(&example),
        body(&text),
        "suggest's output changed: update rules/pandas-3.1.1-hoists.toml (below the comment) with\n{text}"
    );
    let hoists: Vec<&(String, String)> = rules.iter().filter(|(k, _)| k == "hoist").collect();
    assert!(
        !hoists.is_empty(),
        "suggest proposes no hoist on pandas (it defines fixtures identically in pandas/conftest.py and pandas/tests/extension/conftest.py):\n{text}"
    );

    // Only the hoists are applied: the suggested file minus every other rule kind.
    let mut doc: toml::Value = toml::from_str(&text).expect("TOML");
    let table = doc.as_table_mut().expect("a table");
    table.retain(|k, _| k == "version" || k == "hoist");
    let rules_file = tmp.path().join("hoists.toml");
    fs::write(&rules_file, toml::to_string(&doc).expect("TOML")).expect("write rules");
    let args = [
        "migrate",
        "--python",
        python.as_str(),
        "--rules",
        tree_str(&rules_file),
        "--write",
        tree_str(&tree),
    ];
    let (code, _, err) = support::run_fixmig(&args);
    assert_eq!(code, 0, "applying the suggested hoists failed:\n{err}");
    println!(
        "{} of {} suggested hoists applied: {}",
        hoists.len(),
        hoists.len(),
        err.trim()
    );

    // pytest on the result: same tests, same functions and scopes; only paths may move.
    let hoisted = corpus::Corpus {
        name: "pandas-hoisted".into(),
        tree: tree.clone(),
        python: pandas.python.clone(),
    };
    let (after, _, _) = corpus::run_oracle_collect_only(&hoisted, &["pandas/tests"]);
    let (before_res, after_res) = (resolution(&before), resolution(&after));
    assert_eq!(
        before_res.keys().collect::<Vec<_>>(),
        after_res.keys().collect::<Vec<_>>(),
        "pytest collects different tests after the hoists"
    );
    let mut moved = 0;
    let mut different = Vec::new();
    for (test, fixtures) in &before_res {
        let now = &after_res[test];
        let names = |f: &[(String, String)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
        if names(fixtures) != names(now) {
            different.push(format!(
                "{test}:\n  before {:?}\n  after  {:?}",
                names(fixtures),
                names(now)
            ));
        } else if fixtures != now {
            moved += 1;
        }
    }
    assert!(
        different.is_empty(),
        "{} tests resolve differently after the hoists, e.g.\n{}",
        different.len(),
        different[..different.len().min(10)].join("\n")
    );
    assert!(
        moved > 0,
        "no test resolves to a hoisted definition's new place: the hoists changed nothing"
    );
    println!(
        "pytest: {} tests, identical resolution; {moved} of them now get a hoisted fixture from its new file",
        before_res.len()
    );

    // fixmig agrees with pytest on the result, and has nothing left to hoist.
    let (ours, _) = corpus::fixmig_per_test(&pandas.python, &[tree.as_path()]);
    let agreement = corpus::agreement(
        &corpus::without_errors(&after),
        &corpus::without_errors(&ours),
    );
    if !agreement.problems.is_empty() {
        panic!("{}", corpus::report(&agreement, 30));
    }
    let (_, again) = suggest(&python, &tree);
    assert!(
        !again.iter().any(|(k, _)| k == "hoist"),
        "suggest still proposes hoists after they were applied: {again:?}"
    );
}
