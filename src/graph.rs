//! `fixmig graph`: the fixture dependency graph, as Graphviz dot or a Mermaid flowchart.
//!
//! Nodes are fixture definitions, grouped by the holder that registers them (a conftest, a
//! test module, a class, a plugin module; builtins together). A solid edge `a -> b` says that
//! `a` requests a name that resolves to `b` for some test, exactly as pytest resolves it (the
//! same definition can see different fixtures from different tests, and then has an edge to
//! each); a definition no test uses gets the edges of the definitions visible from its own
//! holder. A dashed edge `a -> b` says that `a` overrides `b` (same name, closer to the tests).
//! A request that resolves nowhere points at a red "not found" node. Builtin and plugin fixtures
//! appear only when something requests them; the `request` pseudo-fixture never does.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use crate::builtins::REQUEST;
use crate::check::fixture_location;
use crate::index::{FixtureId, FixtureScope, Index, NodeKind, Origin, Scope};
use crate::resolve::{ItemResolution, Resolved};

/// The output syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz dot (`dot -Tsvg graph.dot > graph.svg`).
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Target {
    Fixture(FixtureId),
    Missing(String),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum EdgeKind {
    Requests,
    Overrides,
}

/// The graph, before rendering.
#[derive(Debug, Default)]
pub struct Graph {
    nodes: BTreeSet<Target>,
    edges: BTreeSet<(FixtureId, Target, EdgeKind)>,
}

fn is_code(index: &Index, id: FixtureId) -> bool {
    matches!(index.fixtures[id].origin, Origin::Code(_))
}

/// The graph of a resolved project; with `focus`, only what is connected to fixtures of that
/// name (what they request, transitively, and what requests them). `None` when `focus` names
/// nothing in the project.
pub fn build(index: &Index, resolutions: &[ItemResolution], focus: Option<&str>) -> Option<Graph> {
    let mut g = Graph::default();
    let mut sources: HashSet<FixtureId> = HashSet::new();
    // Requests as each test resolves them.
    for res in resolutions {
        for name in &res.names {
            let Resolved::Defs(defs) = res.get(name) else {
                continue;
            };
            // The definitions in use: the last, and each one a used override requests.
            let mut i = defs.len() - 1;
            loop {
                let id = defs[i];
                sources.insert(id);
                for arg in &index.fixtures[id].argnames {
                    if arg == REQUEST {
                        continue;
                    }
                    let target = if arg == name {
                        match i.checked_sub(1) {
                            Some(j) => Target::Fixture(defs[j]),
                            None => Target::Missing(arg.to_string()),
                        }
                    } else {
                        match res.get(arg) {
                            Resolved::Defs(ds) => Target::Fixture(*ds.last().expect("non-empty")),
                            Resolved::Unresolved => Target::Missing(arg.to_string()),
                            Resolved::Request | Resolved::Parametrize => continue,
                        }
                    };
                    g.edges.insert((id, target, EdgeKind::Requests));
                }
                let requests_itself = index.fixtures[id].argnames.iter().any(|a| a == name);
                if i == 0 || !requests_itself {
                    break;
                }
                i -= 1;
            }
        }
    }
    // Definitions no test uses: as visible from their own holder.
    for (id, fixture) in index.fixtures.iter().enumerate() {
        if !is_code(index, id) {
            continue;
        }
        g.nodes.insert(Target::Fixture(id));
        let own = index.visible(&fixture.name, fixture.node);
        let pos = own.iter().position(|d| *d == id);
        if let Some(prev) = pos.and_then(|p| p.checked_sub(1)).map(|p| own[p]) {
            g.edges
                .insert((id, Target::Fixture(prev), EdgeKind::Overrides));
        }
        if sources.contains(&id) {
            continue;
        }
        for arg in &fixture.argnames {
            if arg == REQUEST {
                continue;
            }
            let visible = index.visible(arg, fixture.node);
            let target = if *arg == fixture.name {
                pos.and_then(|p| p.checked_sub(1)).map(|p| own[p])
            } else {
                visible.last().copied()
            };
            let target = match target {
                Some(t) => Target::Fixture(t),
                None => Target::Missing(arg.to_string()),
            };
            g.edges.insert((id, target, EdgeKind::Requests));
        }
    }
    for (_, target, _) in &g.edges {
        g.nodes.insert(target.clone());
    }
    if let Some(name) = focus {
        let seeds: Vec<Target> = g
            .nodes
            .iter()
            .filter(|t| match t {
                Target::Fixture(id) => index.fixtures[*id].name == name,
                Target::Missing(n) => n == name,
            })
            .cloned()
            .collect();
        if seeds.is_empty() {
            return None;
        }
        let mut keep: BTreeSet<Target> = BTreeSet::new();
        for forward in [true, false] {
            let mut stack = seeds.clone();
            let mut seen: BTreeSet<Target> = BTreeSet::new();
            while let Some(t) = stack.pop() {
                if !seen.insert(t.clone()) {
                    continue;
                }
                for (from, to, _) in &g.edges {
                    let from = Target::Fixture(*from);
                    if forward && from == t {
                        stack.push(to.clone());
                    } else if !forward && *to == t {
                        stack.push(from);
                    }
                }
            }
            keep.extend(seen);
        }
        g.nodes.retain(|t| keep.contains(t));
        g.edges
            .retain(|(f, t, _)| keep.contains(&Target::Fixture(*f)) && keep.contains(t));
    }
    Some(g)
}

/// Where a definition is shown: its holder's label, in holder order.
fn group(index: &Index, id: FixtureId) -> (usize, String) {
    let f = &index.fixtures[id];
    let node = &index.nodes[f.node];
    match f.origin {
        Origin::Builtin(_) => (usize::MAX, "pytest builtins".to_string()),
        _ => {
            let holder = f.holder.map(|h| index.modules()[h].rel.clone());
            let label = match (node.kind, holder) {
                (NodeKind::Session, Some(h)) => format!("{h} (session)"),
                (NodeKind::Session, None) => "session".to_string(),
                (NodeKind::Dir, Some(h)) => h,
                (NodeKind::Dir, None) => format!("{}/conftest.py", node.nodeid),
                (NodeKind::Module(_) | NodeKind::Class(_), _) => node.nodeid.clone(),
            };
            (f.node, label)
        }
    }
}

fn details(index: &Index, id: FixtureId) -> String {
    let f = &index.fixtures[id];
    let mut parts = Vec::new();
    match f.scope {
        FixtureScope::Known(Scope::Function) => {}
        FixtureScope::Known(s) => parts.push(s.as_str().to_string()),
        FixtureScope::Dynamic => parts.push("dynamic scope".to_string()),
    }
    if f.autouse {
        parts.push("autouse".to_string());
    }
    if let Origin::Code(code) = f.origin {
        if f.holder.is_some_and(|h| h != code.module) {
            parts.push(format!("from {}", index.modules()[code.module].rel));
        }
        if let Some((_, line)) = fixture_location(index, id) {
            parts.push(format!("line {line}"));
        }
    }
    parts.join(", ")
}

fn node_id(t: &Target) -> String {
    match t {
        Target::Fixture(id) => format!("f{id}"),
        Target::Missing(name) => format!("missing_{name}"),
    }
}

/// Clusters in holder order, each with its definitions in registration order.
fn clusters(index: &Index, g: &Graph) -> BTreeMap<(usize, String), Vec<FixtureId>> {
    let mut out: BTreeMap<(usize, String), Vec<FixtureId>> = BTreeMap::new();
    for t in &g.nodes {
        if let Target::Fixture(id) = t {
            out.entry(group(index, *id)).or_default().push(*id);
        }
    }
    out
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz dot.
pub fn render_dot(index: &Index, g: &Graph) -> String {
    let mut out = String::new();
    out.push_str("digraph fixtures {\n");
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"monospace\"];\n");
    out.push_str("  edge [fontname=\"monospace\", fontsize=10];\n");
    for (i, ((_, label), ids)) in clusters(index, g).iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{i} {{");
        let _ = writeln!(out, "    label={};", dot_quote(label));
        for id in ids {
            let name = &index.fixtures[*id].name;
            let d = details(index, *id);
            let text = if d.is_empty() {
                name.to_string()
            } else {
                format!("{name}\n{d}")
            };
            let _ = writeln!(
                out,
                "    {} [label={}];",
                node_id(&Target::Fixture(*id)),
                dot_quote(&text).replace("\n", "\\n")
            );
        }
        out.push_str("  }\n");
    }
    for t in &g.nodes {
        if let Target::Missing(name) = t {
            let _ = writeln!(
                out,
                "  {} [label={}, color=red, fontcolor=red, style=\"rounded,dashed\"];",
                node_id(t),
                dot_quote(&format!("{name}\n(not found)")).replace('\n', "\\n")
            );
        }
    }
    for (from, to, kind) in &g.edges {
        let attrs = match kind {
            EdgeKind::Requests => "",
            EdgeKind::Overrides => " [style=dashed, label=\"overrides\"]",
        };
        let _ = writeln!(
            out,
            "  {} -> {}{attrs};",
            node_id(&Target::Fixture(*from)),
            node_id(to)
        );
    }
    out.push_str("}\n");
    out
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

/// A Mermaid flowchart.
pub fn render_mermaid(index: &Index, g: &Graph) -> String {
    let mut out = String::new();
    out.push_str("flowchart LR\n");
    for (i, ((_, label), ids)) in clusters(index, g).iter().enumerate() {
        let _ = writeln!(out, "  subgraph c{i}[\"{}\"]", mermaid_text(label));
        for id in ids {
            let name = &index.fixtures[*id].name;
            let d = details(index, *id);
            let text = if d.is_empty() {
                name.to_string()
            } else {
                format!("{name} ({d})")
            };
            let _ = writeln!(
                out,
                "    {}[\"{}\"]",
                node_id(&Target::Fixture(*id)),
                mermaid_text(&text)
            );
        }
        out.push_str("  end\n");
    }
    let mut missing = false;
    for t in &g.nodes {
        if let Target::Missing(name) = t {
            missing = true;
            let _ = writeln!(out, "  {}[\"{name} (not found)\"]:::missing", node_id(t));
        }
    }
    for (from, to, kind) in &g.edges {
        let arrow = match kind {
            EdgeKind::Requests => "-->",
            EdgeKind::Overrides => "-. overrides .->",
        };
        let _ = writeln!(
            out,
            "  {} {arrow} {}",
            node_id(&Target::Fixture(*from)),
            node_id(to)
        );
    }
    if missing {
        out.push_str("  classDef missing stroke:#d00,color:#d00,stroke-dasharray:4\n");
    }
    out
}
