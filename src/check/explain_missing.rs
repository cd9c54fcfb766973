//! Why a fixture is not found: close names that are visible (did you mean), definitions that
//! exist but whose holder does not cover the test, and definitions in modules pytest never
//! loads — with the import that would have loaded them and the condition that stops it.

use std::collections::{BTreeSet, HashMap};

use crate::index::{Index, NodeId, NodeKind, Origin};
use crate::parse::{BindingKind, Condition};

use super::Related;

/// Names similar enough to suggest.
pub fn similar(a: &str, b: &str) -> bool {
    a != b
        && (strsim::jaro_winkler(a, b) >= 0.85
            || (a.len() >= 4 && b.contains(a))
            || (b.len() >= 4 && a.contains(b)))
}

/// The help text and related locations for FM001 on `name` requested under `node`.
pub fn explain(index: &mut Index, name: &str, node: NodeId) -> (Option<String>, Vec<Related>) {
    let mut sentences = Vec::new();
    let mut related = Vec::new();

    // Visible names close to the missing one.
    let mut visible_close = BTreeSet::new();
    for n in index.chain(node) {
        for &f in &index.nodes[n].fixtures {
            let fname = &index.fixtures[f].name;
            if similar(name, fname) {
                visible_close.insert(*fname);
            }
        }
    }
    if !visible_close.is_empty() {
        let list: Vec<String> = visible_close.iter().map(|n| format!("`{n}`")).collect();
        sentences.push(format!("did you mean {}?", list.join(" or ")));
    }

    // Registered elsewhere, not visible here.
    let chain = index.chain(node);
    let mut registered_elsewhere = Vec::new();
    for (fname, ids) in index.by_name.iter() {
        if fname != name && !similar(name, fname) {
            continue;
        }
        for &id in ids {
            if chain.contains(&index.fixtures[id].node) {
                continue;
            }
            registered_elsewhere.push(id);
        }
    }
    registered_elsewhere.sort_unstable();
    for id in registered_elsewhere {
        let fixture = &index.fixtures[id];
        let Some((path, line)) = super::fixture_location(index, id) else {
            continue;
        };
        let holder = &index.nodes[fixture.node];
        let reach = match holder.kind {
            NodeKind::Dir => format!("only tests under `{}/`", holder.nodeid),
            NodeKind::Module(_) => format!("only tests in `{}`", holder.nodeid),
            NodeKind::Class(_) => format!("only tests of `{}`", holder.nodeid),
            NodeKind::Session => "every test".to_string(),
        };
        sentences.push(format!(
            "`{}` is defined in {path}:{line}, which is visible to {reach}",
            fixture.name
        ));
        related.push(Related {
            path,
            line,
            note: format!("`{}` defined here", fixture.name),
        });
    }

    // Defined in modules pytest never registers.
    for (fname, path, line, why) in unloaded_definitions(index, name) {
        sentences.push(format!(
            "`{fname}` is defined in {path}, which pytest never loads: {why}"
        ));
        related.push(Related {
            path,
            line,
            note: format!("`{fname}` defined here"),
        });
    }
    // Provided by a well-known plugin that is not installed (or not loaded).
    sentences.extend(plugin_hint(index, name));
    let help = (!sentences.is_empty()).then(|| sentences.join("; "));
    (help, related)
}

/// "`mocker` is provided by pytest-mock, which is not installed in .venv", or why an
/// installed provider is not loaded.
fn plugin_hint(index: &Index, name: &str) -> Option<String> {
    let providers = crate::plugins::known_providers(name);
    let removed = crate::plugins::REMOVED_FIXTURES
        .iter()
        .find(|(n, _, _)| *n == name);
    if providers.is_empty() && removed.is_none() {
        return None;
    }
    let label = index.environment_label();
    let mut missing = Vec::new();
    let mut sentences = Vec::new();
    for known in &providers {
        let normalized = crate::plugins::normalize(known.distribution);
        let Some(env) = &index.environment else {
            missing.push(known.distribution);
            continue;
        };
        let Some(version) = env.installed.get(&normalized) else {
            missing.push(known.distribution);
            continue;
        };
        let shown = if version.is_empty() {
            known.distribution.to_string()
        } else {
            format!("{} {version}", known.distribution)
        };
        let Some(dist) = env
            .distributions
            .iter()
            .find(|d| d.normalized == normalized)
        else {
            sentences.push(format!(
                "`{name}` is provided by {}, which is installed in {label} ({shown}) but declares no pytest11 entry point",
                known.distribution
            ));
            continue;
        };
        let loaded = index.plugins.iter().any(|p| {
            p.distribution
                .and_then(|d| env.distributions.get(d))
                .is_some_and(|d| d.normalized == normalized)
        });
        let blocked = dist
            .entry_points
            .iter()
            .find_map(|ep| Some((ep, *index.plugin_state.blocked.get(&ep.name)?)));
        let first_ep = dist.entry_points.first().map_or("", |ep| ep.name.as_str());
        let sentence = if loaded {
            format!("{shown} is installed in {label} and loaded, but does not define `{name}`")
        } else if let Some((ep, origin)) = blocked {
            format!(
                "`{name}` is provided by {}, which is installed in {label} but disabled by `-p no:{}` in {origin}",
                known.distribution, ep.name
            )
        } else if let Some(why) = &index.plugin_settings.autoload_disabled {
            format!(
                "`{name}` is provided by {}, which is installed in {label} but not loaded: {why}; add `-p {first_ep}` to addopts",
                known.distribution
            )
        } else {
            format!(
                "`{name}` is provided by {}, which is installed in {label} but could not be loaded",
                known.distribution
            )
        };
        sentences.push(sentence);
    }
    if !missing.is_empty() {
        let which = if missing.len() == 1 {
            "which is"
        } else {
            "none of which is"
        };
        let place = if index.environment.is_some() {
            format!("installed in {label}")
        } else {
            "installed (no Python environment was found: pass --python)".to_string()
        };
        sentences.insert(
            0,
            format!(
                "`{name}` is provided by {}, {which} not {place}",
                missing.join(" or ")
            ),
        );
    }
    if let Some((_, _, note)) = removed {
        sentences.push(note.to_string());
    }
    Some(sentences.join("; "))
}

type Importer = (usize, usize, Option<(usize, String)>);

/// Fixture definitions named `name` (or close to it) in modules that are not registered as
/// holders: (fixture name, module path, line, why pytest does not load it).
fn unloaded_definitions(index: &mut Index, name: &str) -> Vec<(String, String, usize, String)> {
    let importers = match index.importers.take() {
        Some(known) => known,
        None => importers(index),
    };
    let out = unloaded_named(index, name, &importers);
    index.importers = Some(importers);
    out
}

/// Every import of a project module by a loaded module, transitively: (imported module,
/// importing module, why the import never runs). Computed once per index (each FM001 asks).
fn importers(index: &mut Index) -> Vec<Importer> {
    let mut importers: Vec<Importer> = Vec::new();
    let mut scanned = 0;
    // Modules loaded here have their imports scanned in turn, until none brings in another.
    while scanned < index.modules().len() {
        let end = index.modules().len();
        scan_imports(index, scanned..end, &mut importers);
        scanned = end;
    }
    importers
}

fn scan_imports(index: &mut Index, ids: std::ops::Range<usize>, importers: &mut Vec<Importer>) {
    // Load what conditional imports that never run would have brought in.
    let mut skipped = Vec::new();
    for id in ids {
        if index.modules()[id].environment {
            continue;
        }
        let Some(facts) = index.modules()[id].facts.as_ref() else {
            continue;
        };
        let mut imports: Vec<(crate::parse::ImportTarget, Vec<Condition>, usize)> = facts
            .star_imports
            .iter()
            .map(|s| (s.target.clone(), s.conditions.clone(), s.line))
            .collect();
        imports.extend(facts.bindings.iter().filter_map(|b| match &b.kind {
            BindingKind::ImportFrom { target, .. } => {
                Some((target.clone(), b.conditions.clone(), b.line))
            }
            _ => None,
        }));
        for (target, conds, line) in imports {
            if let Some(path) = index.loader.resolve_import(id, &target) {
                skipped.push((id, path, conds, line));
            }
        }
    }
    // (imported module, importing module, why the import never runs)
    let mut may_define: HashMap<std::path::PathBuf, bool> = HashMap::new();
    for (from, path, conds, line) in skipped {
        // Only a module that mentions pytest can define a fixture (the decorator is
        // recognised through an import of pytest, pytest_asyncio or _pytest): the others are
        // not parsed just to find none (and read once, however many modules import them).
        if !index.loader.is_loaded(&path)
            && !*may_define
                .entry(path.clone())
                .or_insert_with(|| may_define_fixtures(&index.loader, &path))
        {
            continue;
        }
        let target = index.loader.load(&path);
        let never = index.loader.never_runs(from, &conds);
        importers.push((target, from, never.map(|(l, d)| (l.max(line), d))));
    }
}

/// False only when the file's bytes cannot hold a fixture definition fixmig recognises.
fn may_define_fixtures(loader: &crate::index::namespace::Loader, path: &std::path::Path) -> bool {
    loader.read(path).map_or(true, |bytes| {
        memchr::memmem::find(&bytes, b"pytest").is_some()
    })
}

/// The fixture definitions named `name` (or close to it) outside every holder.
fn unloaded_named(
    index: &Index,
    name: &str,
    importers: &[Importer],
) -> Vec<(String, String, usize, String)> {
    let holders: BTreeSet<usize> = index.fixtures.iter().filter_map(|f| f.holder).collect();
    let registered_code: BTreeSet<(usize, usize)> = index
        .fixtures
        .iter()
        .filter_map(|f| match f.origin {
            Origin::Code(c) if c.class.is_none() => Some((c.module, c.binding)),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for (id, module) in index.modules().iter().enumerate() {
        if holders.contains(&id) || module.environment {
            continue;
        }
        let Some(facts) = module.facts.as_ref() else {
            continue;
        };
        for (b, binding) in facts.bindings.iter().enumerate() {
            let BindingKind::Fixture(def) = &binding.kind else {
                continue;
            };
            let fname = def
                .marker
                .name
                .as_ref()
                .map_or(binding.name.as_str(), |n| n.text.as_str());
            if (fname != name && !similar(name, fname)) || registered_code.contains(&(id, b)) {
                continue;
            }
            let mut reasons = vec![
                "not a conftest".to_string(),
                "not in pytest_plugins".to_string(),
            ];
            let mut imported = false;
            for (target, from, never) in importers {
                if *target != id {
                    continue;
                }
                imported = true;
                let from_rel = &index.modules()[*from].rel;
                match never {
                    Some((line, desc)) => {
                        reasons.push(format!("and its import in {from_rel}:{line} {desc}"))
                    }
                    None => reasons.push(format!(
                        "and it is imported only by {from_rel}, which pytest does not collect fixtures from"
                    )),
                }
            }
            if !imported {
                reasons.push("and nothing that pytest loads imports it".to_string());
            }
            out.push((
                fname.to_string(),
                module.rel.clone(),
                def.function.first_line,
                reasons.join(", "),
            ));
        }
    }
    out
}
