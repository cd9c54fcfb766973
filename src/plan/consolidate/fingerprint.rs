//! What the consolidation rules must leave unchanged: each test's fixtures as definition code
//! (normalised text and location) with their scopes, compared before and after a plan; and the
//! fixtures defined identically in several conftests, which `suggest` proposes to hoist.

use super::*;

/// One entry of a test's [`resolution_fingerprint`]: compared by `key` (a fixture name and the
/// normalized code of the definition it gets, or a setup error), shown by `shown` (the name
/// and where that definition is).
#[derive(Debug, Clone, Eq)]
pub struct FingerprintLine {
    pub key: String,
    pub shown: String,
}

impl PartialEq for FingerprintLine {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

/// Per test: each fixture name with the kind and the normalized code of the definition it gets,
/// and the setup errors. Equal fingerprints before and after a consolidation mean every test
/// gets the same definition code.
pub fn resolution_fingerprint(analysis: &Analysis) -> BTreeMap<String, Vec<FingerprintLine>> {
    let index = &analysis.index;
    let mut trees: HashMap<PathBuf, Option<(tree_sitter::Tree, Vec<u8>)>> = HashMap::new();
    let mut code_of: HashMap<FixtureId, String> = HashMap::new();
    let mut out = BTreeMap::new();
    for (item, res) in index.tests.iter().zip(&analysis.resolutions) {
        let mut lines = Vec::new();
        for name in &res.names {
            let (desc, shown) = match res.get(name) {
                Resolved::Defs(defs) => {
                    let id = *defs.last().expect("non-empty");
                    let code = code_of
                        .entry(id)
                        .or_insert_with(|| fixture_code(index, id, &mut trees))
                        .clone();
                    (
                        code,
                        format!("`{name}` from {}", fixture_location(index, id)),
                    )
                }
                Resolved::Parametrize => ("parametrize".into(), format!("`{name}` (parametrized)")),
                Resolved::Request => ("request".into(), format!("`{name}`")),
                Resolved::Unresolved => ("unresolved".into(), format!("`{name}` (not found)")),
            };
            lines.push(FingerprintLine {
                key: format!("{name} = {desc}"),
                shown,
            });
        }
        for e in &res.errors {
            lines.push(FingerprintLine {
                key: format!("error {} {}", e.code(), e.name()),
                shown: format!("{} error on `{}`", e.code(), e.name()),
            });
        }
        out.insert(item.nodeid.clone(), lines);
    }
    out
}

/// `path:line` of a fixture's definition, or what kind of fixture it is.
pub(super) fn fixture_location(index: &Index, id: FixtureId) -> String {
    let fixture = &index.fixtures[id];
    let Origin::Code(code) = fixture.origin else {
        return "a builtin or plugin".into();
    };
    match index.fixture_def(id) {
        Some(def) => format!(
            "{}:{}",
            index.modules()[code.module].rel,
            def.function.name.span.line()
        ),
        None => index.modules()[code.module].rel.clone(),
    }
}

/// The normalized code of fixture `id`'s definition (formatting and comments aside), or what
/// kind of fixture it is for builtins and plugins: equal codes are the same definition code.
pub fn fixture_code(
    index: &Index,
    id: FixtureId,
    trees: &mut HashMap<PathBuf, Option<(tree_sitter::Tree, Vec<u8>)>>,
) -> String {
    let fixture = &index.fixtures[id];
    let Origin::Code(code) = fixture.origin else {
        return format!("builtin {}", fixture.name);
    };
    let Some(def) = index.fixture_def(id) else {
        return String::new();
    };
    let path = index.modules()[code.module].path.clone();
    let entry = trees.entry(path.clone()).or_insert_with(|| {
        let src = index.loader.read(&path).ok()?;
        let tree = blocks::parse_tree(&src)?;
        Some((tree, src))
    });
    let Some((tree, src)) = entry else {
        return String::new();
    };
    let at = def.function.span.start();
    let node = tree.root_node().descendant_for_byte_range(
        def.function.name.span.start(),
        def.function.name.span.start() + 1,
    );
    let mut node = match node {
        Some(n) => n,
        None => return String::new(),
    };
    while node.start_byte() > at
        || !matches!(node.kind(), "decorated_definition" | "function_definition")
    {
        match node.parent() {
            Some(p) => node = p,
            None => break,
        }
    }
    if let Some(p) = node.parent().filter(|p| p.kind() == "decorated_definition") {
        node = p;
    }
    blocks::normalized(src, node)
}

/// Fixtures defined (not imported) in two or more conftests with the same code, formatting and
/// comments aside: name → the registrations, by conftest path. What `[[hoist]]` can merge.
pub fn identical_conftest_fixtures(index: &Index) -> Vec<(String, Vec<FixtureId>)> {
    let mut by_name: BTreeMap<&str, Vec<FixtureId>> = BTreeMap::new();
    for (id, f) in index.fixtures.iter().enumerate() {
        if let (Origin::Code(c), Some(holder)) = (f.origin, f.holder) {
            if c.class.is_none()
                && c.module == holder
                && index.modules()[holder].role == ModuleRole::Conftest
            {
                by_name.entry(f.name.as_str()).or_default().push(id);
            }
        }
    }
    by_name.retain(|_, ids| ids.len() >= 2);
    // Each conftest is parsed once, in parallel, and its tree dropped once its candidates'
    // code is read: every conftest's tree at once would be memory for nothing.
    let mut by_module: BTreeMap<usize, Vec<FixtureId>> = BTreeMap::new();
    for &id in by_name.values().flatten() {
        by_module
            .entry(index.fixtures[id].holder.unwrap_or_default())
            .or_default()
            .push(id);
    }
    let codes: HashMap<FixtureId, String> = {
        use rayon::prelude::*;
        let by_module: Vec<Vec<FixtureId>> = by_module.into_values().collect();
        by_module
            .par_iter()
            .flat_map_iter(|ids| {
                let mut trees = HashMap::new();
                ids.iter()
                    .map(|&id| (id, fixture_code(index, id, &mut trees)))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let mut out = Vec::new();
    for (name, ids) in by_name {
        let mut groups: BTreeMap<String, Vec<FixtureId>> = BTreeMap::new();
        for id in ids {
            let code = codes[&id].clone();
            if !code.is_empty() {
                groups.entry(code).or_default().push(id);
            }
        }
        for (_, ids) in groups.into_iter().filter(|(_, ids)| ids.len() >= 2) {
            out.push((name.to_string(), ids));
        }
    }
    out
}
