//! The skeleton parse (function bodies left out) must yield the same module- and class-level
//! bindings, star imports and class bases as the full parse: `index::lazy` relies on it to
//! prove that a lookup cannot reach a fixture or a `TestCase`. And the parse of test modules
//! (function bodies that hold no fact left out of the parse) must yield exactly the facts of
//! the full parse, spans included: `check` and `migrate` use them as the modules' facts.
//! And a module's outline (`parse::outline`, read without a parse) must hold every import,
//! alias, mark reference and class base the full parse finds outside functions: a rename
//! leaves test modules out on their outlines.
//! Checked on every Python file of the corpora and their environments (fetched by
//! `scripts/fetch-corpus.sh` if missing) and of this repository's test data.

mod corpus;
mod support;

use std::path::{Path, PathBuf};

use fixmig::parse::{self, Binding, BindingKind, FileFacts, Indirect, Mark, ParseOptions};

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            python_files(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

/// What the lookups of `index::lazy` read of a binding.
fn binding_shape(b: &Binding) -> String {
    let kind = match &b.kind {
        BindingKind::Fixture(_) => "fixture".to_string(),
        BindingKind::Function(_) => "function".to_string(),
        BindingKind::Class(c) => format!("class {c}"),
        BindingKind::ImportFrom { target, name, .. } => {
            format!(
                "from {}{} import {name}",
                ".".repeat(target.level),
                target.module
            )
        }
        BindingKind::ImportModule { target } => {
            format!("import {}{}", ".".repeat(target.level), target.module)
        }
        BindingKind::Alias(other) => format!("= {other}"),
        BindingKind::Value { .. } => "value".to_string(),
        // Positions inside a skeleton differ (bodies are cut); what the mark is does not.
        BindingKind::Mark(m) => {
            let names = |l: &[fixmig::parse::Located]| {
                l.iter()
                    .map(|x| x.text.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            match m {
                Mark::UseFixtures(l) => format!("mark usefixtures {}", names(l)),
                Mark::Parametrize {
                    argnames,
                    indirect,
                    values,
                } => format!(
                    "mark parametrize {} indirect {} values {}",
                    names(argnames),
                    match indirect {
                        Indirect::None => "none".to_string(),
                        Indirect::All => "all".to_string(),
                        Indirect::Some(l) => names(l),
                    },
                    values
                        .iter()
                        .map(|v| v.as_deref().map_or("?".to_string(), names))
                        .collect::<Vec<_>>()
                        .join(";")
                ),
                Mark::Ref(r) => format!("mark ref {r}"),
            }
        }
    };
    format!("{} {kind} ({} conditions)", b.name, b.conditions.len())
}

fn shape(facts: &FileFacts) -> Vec<String> {
    let mut out: Vec<String> = facts.bindings.iter().map(binding_shape).collect();
    for s in &facts.star_imports {
        out.push(format!(
            "* from {}{} at {} ({} conditions)",
            ".".repeat(s.target.level),
            s.target.module,
            s.position,
            s.conditions.len()
        ));
    }
    for c in &facts.classes {
        out.push(format!(
            "class {} bases {:?} unittest {}",
            c.qualname, c.bases, c.unittest_base
        ));
        out.extend(c.bindings.iter().map(|b| format!("  {}", binding_shape(b))));
    }
    out.push(format!(
        "__all__ {:?}",
        facts.dunder_all.as_ref().map(|a| a.len())
    ));
    out
}

/// Every Python file of the repository's test data, the corpora and their environments.
fn corpus_files() -> Vec<PathBuf> {
    corpus::fetch_corpus("pandas");
    corpus::fetch_corpus("xarray");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "tests",
        "target/corpus/pandas-3.1.1",
        "target/corpus/pandas-env/lib",
        "target/corpus/xarray-2026.9.0",
        "target/corpus/xarray-env/lib",
    ] {
        python_files(&root.join(dir), &mut files);
    }
    files
}

#[test]
fn test_module_parse_has_the_facts_of_the_full_parse() {
    let options = ParseOptions::default();
    let (mut compared, mut with_omissions, mut omitted, mut with_errors) = (0, 0, 0, 0);
    let mut mismatches = Vec::new();
    for path in &corpus_files() {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(full) = parse::parse_source(&bytes, options) else {
            continue;
        };
        let fast = parse::parse_test_module(&bytes, options).expect("parses like the full parse");
        if full.syntax_error.is_some() {
            // Error recovery differs with less text (an error in an omitted body is not seen).
            with_errors += 1;
            continue;
        }
        let bodies = parse::omitted_bodies(&bytes);
        compared += 1;
        with_omissions += usize::from(bodies > 0);
        omitted += bodies;
        if full != fast {
            let (a, b) = (format!("{full:#?}"), format!("{fast:#?}"));
            let first = a
                .lines()
                .zip(b.lines())
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("{} | {}", x.trim(), y.trim()))
                .unwrap_or_default();
            mismatches.push(format!("{}: {first}", path.display()));
        }
    }
    println!(
        "{compared} files compared, {omitted} bodies omitted in {with_omissions} of them; \
         {with_errors} with syntax errors not compared"
    );
    assert!(compared > 5000, "only {compared} files compared");
    assert!(
        with_omissions > compared / 2,
        "bodies omitted in only {with_omissions} of {compared} files"
    );
    assert!(
        mismatches.is_empty(),
        "{} files differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn skeletons_have_the_bindings_of_the_full_parse() {
    let files = corpus_files();
    let options = ParseOptions::default();
    let (mut compared, mut skipped) = (0, 0);
    let mut mismatches = Vec::new();
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(full) = parse::parse_source(&bytes, options) else {
            continue;
        };
        let Some(skeleton) = parse::parse_skeleton(&bytes, options) else {
            skipped += 1;
            continue;
        };
        if full.syntax_error.is_some() {
            continue;
        }
        compared += 1;
        let (a, b) = (shape(&full), shape(&skeleton));
        if a != b {
            let first = a
                .iter()
                .zip(&b)
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("{x} | {y}"))
                .unwrap_or_else(|| format!("{} vs {} lines", a.len(), b.len()));
            mismatches.push(format!("{}: {first}", path.display()));
        }
    }
    println!("{compared} files compared, {skipped} without a skeleton");
    assert!(compared > 0);
    assert!(
        mismatches.is_empty(),
        "{} files differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Every corpus file (see [`corpus_files`]) that parses without a syntax error: its path,
/// bytes and full facts.
fn clean_files(options: ParseOptions) -> impl Iterator<Item = (PathBuf, Vec<u8>, FileFacts)> {
    corpus_files().into_iter().filter_map(move |path| {
        let bytes = std::fs::read(&path).ok()?;
        let full = parse::parse_source(&bytes, options).ok()?;
        full.syntax_error.is_none().then_some((path, bytes, full))
    })
}

/// Fails with the first 50 of `misses` (bindings the full parse finds and `what` lacks).
fn assert_none_missing(misses: &[String], what: &str) {
    assert!(
        misses.is_empty(),
        "{} bindings missing from {what}:\n{}",
        misses.len(),
        misses[..misses.len().min(50)].join("\n")
    );
}

/// The first name of a dotted name, a call or a subscript (`a` of `a.b[c](d)`).
fn root(dotted: &str) -> &str {
    let end = dotted
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(dotted.len());
    &dotted[..end]
}

/// What an outline must hold of a binding (at module or class level) of the full parse.
fn outline_misses(b: &Binding, outline: &parse::outline::Outline, in_class: bool) -> Vec<String> {
    let mut out = Vec::new();
    let refs = |marks: &[Mark], out: &mut Vec<String>| {
        for m in marks {
            if let Mark::Ref(dotted) = m {
                if !outline.roots.iter().any(|r| r == root(dotted)) {
                    out.push(format!("mark reference {dotted} of `{}`", b.name));
                }
            }
        }
    };
    let import = matches!(
        b.kind,
        BindingKind::ImportFrom { .. } | BindingKind::ImportModule { .. }
    );
    if in_class && import {
        if !outline.class_imports {
            out.push(format!("import of {} in a class body", b.name));
        }
        return out;
    }
    match &b.kind {
        BindingKind::ImportFrom { target, name, .. } => {
            let found = outline
                .from_imports
                .iter()
                .any(|f| f.bound == b.name && &f.name == name && &f.target == target);
            if !found {
                out.push(format!(
                    "from {}{} import {name} as {}",
                    ".".repeat(target.level),
                    target.module,
                    b.name
                ));
            }
        }
        BindingKind::ImportModule { .. } if !outline.module_imports.contains(&b.name) => {
            out.push(format!("import binding {}", b.name));
        }
        BindingKind::Alias(other) if !outline.roots.iter().any(|r| r == root(other)) => {
            out.push(format!("alias {} = {other}", b.name));
        }
        BindingKind::Fixture(f) => refs(&f.function.marks, &mut out),
        BindingKind::Function(f) => refs(&f.marks, &mut out),
        _ => {}
    }
    out
}

#[test]
fn outlines_hold_what_the_full_parse_binds() {
    // `parse::outline` is how a rename leaves a test module out unparsed: every import, alias,
    // mark reference and class base the full parse finds outside functions must be in it.
    let options = ParseOptions::default();
    let (mut compared, mut given_up) = (0, 0);
    let mut misses = Vec::new();
    for (path, bytes, full) in clean_files(options) {
        let Some(outline) = parse::outline::outline(&bytes) else {
            given_up += 1;
            continue;
        };
        compared += 1;
        let mut found: Vec<String> = full
            .bindings
            .iter()
            .flat_map(|b| outline_misses(b, &outline, false))
            .collect();
        for m in &full.pytestmark {
            if let Mark::Ref(dotted) = m {
                if !outline.roots.iter().any(|r| r == root(dotted)) {
                    found.push(format!("pytestmark reference {dotted}"));
                }
            }
        }
        for class in full
            .classes
            .iter()
            .filter(|c| !c.qualname.contains("<locals>"))
        {
            for base in &class.bases {
                if !outline.roots.iter().any(|r| r == root(base)) {
                    found.push(format!("base {base} of class {}", class.qualname));
                }
            }
            for m in class.pytestmark.iter().chain(&class.decorator_marks) {
                if let Mark::Ref(dotted) = m {
                    if !outline.roots.iter().any(|r| r == root(dotted)) {
                        found.push(format!("mark reference {dotted} of {}", class.qualname));
                    }
                }
            }
            found.extend(
                class
                    .bindings
                    .iter()
                    .flat_map(|b| outline_misses(b, &outline, true)),
            );
        }
        misses.extend(
            found
                .into_iter()
                .map(|m| format!("{}: {m}", path.display())),
        );
    }
    println!("{compared} files outlined and compared; {given_up} given up (parsed instead)");
    assert!(compared > 5000, "only {compared} files outlined");
    assert_none_missing(&misses, "outlines");
}

#[test]
fn outline_links_hold_the_links_of_the_full_parse() {
    // `parse::outline_links` stands in for a module's skeleton when `index::lazy` chases an
    // import: every module-level binding the chase follows must be there, or a hotter one.
    use fixmig::parse::outline_links::{links, NameLink};
    let options = ParseOptions::default();
    let (mut compared, mut given_up) = (0, 0);
    let mut misses = Vec::new();
    for (path, bytes, full) in clean_files(options) {
        let Some(outline) = links(&bytes) else {
            given_up += 1;
            continue;
        };
        compared += 1;
        let of = |name: &str| -> Vec<&NameLink> {
            outline
                .names
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, l)| l)
                .collect()
        };
        let hot = |name: &str| of(name).contains(&&NameLink::Hot);
        for b in &full.bindings {
            let held = match &b.kind {
                BindingKind::Fixture(_) | BindingKind::Mark(_) => hot(&b.name),
                BindingKind::Function(_) | BindingKind::Value { .. } => true,
                BindingKind::Alias(other) => {
                    hot(&b.name) || of(&b.name).contains(&&NameLink::Alias(other.clone()))
                }
                BindingKind::ImportFrom { target, name, .. } => {
                    of(&b.name).contains(&&NameLink::From(target.clone(), name.clone()))
                }
                BindingKind::ImportModule { target } => {
                    of(&b.name).contains(&&NameLink::Module(target.clone()))
                }
                BindingKind::Class(c) => {
                    let class = &full.classes[*c];
                    of(&b.name).iter().any(|l| match l {
                        NameLink::Class(j) => {
                            let (unittest, bases) = &outline.classes[*j];
                            (*unittest || !class.unittest_base)
                                && class.bases.iter().all(|base| bases.contains(base))
                        }
                        _ => false,
                    })
                }
            };
            if !held {
                misses.push(format!("{}: {} {:?}", path.display(), b.name, b.kind));
            }
        }
        for star in &full.star_imports {
            if !outline.stars.contains(&star.target) {
                misses.push(format!(
                    "{}: star import of {:?}",
                    path.display(),
                    star.target
                ));
            }
        }
    }
    println!("{compared} files' links read without a parse and compared; {given_up} given up");
    assert!(compared > 5000, "only {compared} files compared");
    assert_none_missing(&misses, "outline links");
}
