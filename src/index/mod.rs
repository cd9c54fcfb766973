//! The index: every fixture definition pytest would register, on the collection node that
//! holds it (session, directory, module, class), and every test item with what it requests.
//!
//! Built from discovery plus per-file facts and the Python environment's installed plugins.
//! Registration order on each node follows pytest: on the session builtins, `-p` plugins,
//! entry-point plugins, `PYTEST_PLUGINS`, the conftests' `pytest_plugins` modules, then the
//! rootdir conftest (see [`plugins`]); on every other holder `dir()` order, i.e. sorted by
//! attribute name.

mod build;
mod collect;
mod focus;
pub mod namespace;
pub mod plugins;

use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::builtins::{Builtin, BuiltinSet};
use crate::cache::FactsCache;
use crate::discover::{rel_path, FileKind, Project};
use crate::parse::{self, FileFacts, FixtureDef, FunctionDef, Located, ScopeSpec};
use build::read_facts;
pub use namespace::{ClassRef, CodeRef};
pub use plugins::{LoadedPlugin, PluginSettings, PluginSource};

/// An import between loaded modules, for `check`: (imported module, importing module, the
/// line and reason the import never runs).
pub(crate) type ImportEdge = (ModuleId, ModuleId, Option<(usize, String)>);

/// Where file contents come from: the disk, or an overlay of planned edits over it.
pub type SourceReader = std::sync::Arc<dyn Fn(&Path) -> std::io::Result<Vec<u8>> + Send + Sync>;

/// Reads files from disk.
pub fn disk_reader() -> SourceReader {
    std::sync::Arc::new(|p: &Path| crate::inputs::read(p))
}

pub type ModuleId = usize;
pub type NodeId = usize;
pub type FixtureId = usize;

/// pytest's scopes, narrowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Function,
    Class,
    Module,
    Package,
    Session,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        Some(match s {
            "function" => Scope::Function,
            "class" => Scope::Class,
            "module" => Scope::Module,
            "package" => Scope::Package,
            "session" => Scope::Session,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Function => "function",
            Scope::Class => "class",
            Scope::Module => "module",
            Scope::Package => "package",
            Scope::Session => "session",
        }
    }
}

/// A fixture's scope as far as static analysis can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureScope {
    Known(Scope),
    /// `scope=` is a callable or an expression: decided by pytest at run time.
    Dynamic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleRole {
    Conftest,
    TestModule,
    /// A module reached through an import or `pytest_plugins`.
    Imported,
}

#[derive(Debug)]
pub struct Module {
    pub path: PathBuf,
    pub rel: String,
    pub role: ModuleRole,
    /// Boxed: most modules of a streaming check hold none at a time.
    pub facts: Option<Box<FileFacts>>,
    /// A file of the Python environment (site-packages, an editable install), not of the
    /// project: plugins and what they import. Its `rel` is absolute when outside the rootdir.
    pub environment: bool,
}

/// Why a binding might not exist at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncertainty {
    pub path: String,
    pub line: usize,
    pub condition: String,
}

/// A file fixmig could not fully read, reported once.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: &'static str,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Problem {
    pub fn syntax(root: &Path, path: &Path, line: usize, column: usize) -> Problem {
        Problem {
            code: "FM900",
            path: rel_path(root, path),
            line,
            column,
            message: "syntax error; facts are taken only from the statements that parse"
                .to_string(),
        }
    }
    pub fn not_utf8(root: &Path, path: &Path, line: usize) -> Problem {
        Problem {
            code: "FM901",
            path: rel_path(root, path),
            line,
            column: 1,
            message: "not UTF-8 text (binary or another encoding); skipped".to_string(),
        }
    }
    pub fn too_large(root: &Path, path: &Path) -> Problem {
        Problem {
            code: "FM901",
            path: rel_path(root, path),
            line: 1,
            column: 1,
            message: "4 GiB or larger: too large for fixmig to parse; skipped".to_string(),
        }
    }
    pub fn unreadable(root: &Path, path: &Path, err: &std::io::Error) -> Problem {
        Problem {
            code: "FM902",
            path: rel_path(root, path),
            line: 1,
            column: 1,
            message: format!("cannot be read ({err}); skipped"),
        }
    }
}

/// Where a registered fixture's code is.
#[derive(Debug, Clone, Copy)]
pub enum Origin {
    Builtin(&'static Builtin),
    Code(CodeRef),
    /// A fixture pytest itself generates: xunit `setup_module`/`setup_method`/... and
    /// unittest `setUpClass` wrappers. The label says which.
    Synthetic(&'static str),
}

/// A fixture name, interned for the whole run (`ustr`): 8 bytes, copied for free, compared
/// and hashed without reading the text, each distinct name stored once however many fixture
/// registrations and name tables carry it (a request's name, dropped with its test item, stays
/// a `String`). Ordered and displayed as its text. Never freed: the index's names only.
pub type Name = ustr::Ustr;

/// The interned name `text`, without interning it: `None` when no fixture name (or other
/// interned text) is `text`, and then no fixture has that name.
pub fn existing_name(text: &str) -> Option<Name> {
    ustr::Ustr::from_existing(text)
}

/// One registration of a fixture on a node (a `FixtureDef` in pytest).
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Interned: a suite registers the same names many times over (see [`Name`]).
    pub name: Name,
    pub origin: Origin,
    pub scope: FixtureScope,
    pub autouse: bool,
    pub has_params: bool,
    pub argnames: Vec<Name>,
    /// Names its body asks for with `request.getfixturevalue("literal")`, in order.
    pub getfixturevalue: Vec<Name>,
    pub node: NodeId,
    /// The module whose namespace registered it (conftest, test module or plugin).
    pub holder: Option<ModuleId>,
    pub uncertain: Option<Uncertainty>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Session,
    Dir,
    Module(ModuleId),
    Class(ClassRef),
}

/// A collection node that can hold fixtures.
#[derive(Debug, Clone)]
pub struct Node {
    pub nodeid: String,
    pub parent: Option<NodeId>,
    pub kind: NodeKind,
    /// Registered fixtures in registration order.
    pub fixtures: Vec<FixtureId>,
    /// Autouse fixture names in registration order (the session's start with ini usefixtures).
    pub autouse: Vec<Name>,
}

/// A name requested by a test, with where the request is written.
#[derive(Debug, Clone)]
pub struct Request {
    pub name: String,
    pub module: ModuleId,
    pub span: Option<parse::Span>,
}

/// A collected test function (one per function, parametrization ignored).
#[derive(Debug, Clone)]
pub struct TestItem {
    pub nodeid: String,
    /// The collector holding it (module or class node).
    pub parent: NodeId,
    /// Where its `def` is.
    pub code: CodeRef,
    pub argnames: Vec<Request>,
    pub usefixtures: Vec<Request>,
    pub direct_params: Vec<String>,
    /// Every `parametrize` argname applying to the item, with its `indirect=[...]` entry.
    pub parametrize: Vec<ParamName>,
    pub getfixturevalue: Vec<Request>,
    /// The `pytest_generate_tests` implementations pytest calls for it (`_genfunctions`): the
    /// module's, the class's, the conftests' along its path and the plugins' registered so far.
    pub generate_tests: Vec<HookRef>,
}

/// A `pytest_generate_tests` implementation, as found by attribute lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRef {
    /// The function; `None` when the name is bound to something fixmig cannot read (a call's
    /// result, an import it cannot follow): it may parametrize any name.
    pub code: Option<CodeRef>,
    /// The module it was looked up in (for a class's hook, the class's module).
    pub holder: ModuleId,
    /// When its binding depends on a runtime condition.
    pub uncertain: Option<Uncertainty>,
}

/// One argname of a `parametrize` mark.
#[derive(Debug, Clone)]
pub struct ParamName {
    pub argname: Request,
    pub indirect_entry: Option<Request>,
    pub direct: bool,
}

pub struct Index {
    pub rootdir: PathBuf,
    pub nodes: Vec<Node>,
    pub fixtures: Vec<Fixture>,
    pub tests: Vec<TestItem>,
    pub problems: Vec<Problem>,
    /// name → every registration anywhere (for "defined but not visible" explanations).
    pub by_name: HashMap<Name, Vec<FixtureId>>,
    /// Per node: name → its registrations there, in order.
    node_names: Vec<HashMap<Name, Vec<FixtureId>>>,
    pub loader: namespace::Loader,
    pub disabled_plugins: Vec<String>,
    /// The project's Python environment, when an interpreter was found.
    pub environment: Option<std::sync::Arc<crate::plugins::Environment>>,
    /// The builtin fixtures in use: the environment's pytest's, else the pytest 9.2 table.
    pub builtin_set: &'static BuiltinSet,
    /// Plugins registered on the session, in registration order.
    pub plugins: Vec<LoadedPlugin>,
    pub plugin_settings: PluginSettings,
    pub plugin_state: plugins::PluginState,
    /// Directory nodes by node id (rootdir-relative path).
    pub(crate) dir_nodes: HashMap<String, NodeId>,
    /// `check`'s table of imports between loaded modules (built on the first FM001).
    pub(crate) importers: Option<Vec<ImportEdge>>,
    /// Per node: the conftests registered on it (their `pytest_generate_tests` hooks apply to
    /// the tests under it).
    pub(crate) conftests: HashMap<NodeId, Vec<ModuleId>>,
    /// The hooks of the last collector asked for ([`collect`]): (node, plugins then, hooks).
    pub(crate) hooks_memo: Option<(NodeId, usize, Vec<HookRef>)>,
    /// Test modules a focused build did not collect ([`Index::build`]), relative to the
    /// rootdir: their bytes do not hold the names, and nothing they import can bring them in.
    pub left_out: Vec<String>,
    /// Test modules collected (or skipped) since [`Index::drop_collected_facts`] last ran.
    pub(crate) collected_modules: Vec<ModuleId>,
    /// The nodes before this one belong to modules whose items are checked.
    nodes_checked: NodeId,
    /// The pytest whose rules the resolution follows (the project's, from discovery).
    pub pytest: crate::pytest_version::PytestVersion,
}

impl Index {
    /// Every parsed module (project files and what they import).
    pub fn modules(&self) -> &[Module] {
        &self.loader.modules
    }

    /// Drops the facts of the test modules collected so far, once their items are resolved
    /// and checked (a streaming build, [`Index::build_streaming`]); an import reads them again.
    pub fn drop_collected_facts(&mut self) {
        for module in std::mem::take(&mut self.collected_modules) {
            self.loader.drop_facts(module);
        }
        // The name tables of their module and class nodes, and what their fixtures request:
        // only their own items resolve through them (what explains a finding walks the nodes'
        // fixture lists, by name and place).
        for node in self.nodes_checked..self.nodes.len() {
            if matches!(
                self.nodes[node].kind,
                NodeKind::Module(_) | NodeKind::Class(_)
            ) {
                self.node_names[node] = HashMap::new();
                for &id in &self.nodes[node].fixtures {
                    let fixture = &mut self.fixtures[id];
                    fixture.argnames = Vec::new();
                    fixture.getfixturevalue = Vec::new();
                }
            }
        }
        self.nodes_checked = self.nodes.len();
    }

    /// Reads back the facts [`Index::drop_collected_facts`] dropped: what explains a finding
    /// (where a test module's fixture is defined, what imports what) needs them.
    pub fn read_dropped_facts(&mut self) {
        self.loader.read_all_deferred();
    }

    /// The node chain of `node`, outermost (session) first.
    pub fn chain(&self, node: NodeId) -> Vec<NodeId> {
        let mut out = vec![node];
        let mut current = node;
        while let Some(p) = self.nodes[current].parent {
            out.push(p);
            current = p;
        }
        out.reverse();
        out
    }

    /// The node a test module at rootdir-relative `rel` would hang from: its directory's node, or
    /// the nearest ancestor directory's that has one (a directory without a conftest holds no
    /// fixtures), or the session.
    pub fn directory_node(&self, rel: &str) -> NodeId {
        let mut dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        while !dir.is_empty() {
            if let Some(&id) = self.dir_nodes.get(dir) {
                return id;
            }
            dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
        }
        0
    }

    /// pytest's `getfixturedefs`: the definitions of `name` visible from `node`, least specific
    /// first.
    pub fn visible(&self, name: &str, node: NodeId) -> Vec<FixtureId> {
        let Some(name) = existing_name(name) else {
            return Vec::new();
        };
        self.chain(node)
            .into_iter()
            .flat_map(|n| {
                self.node_names[n]
                    .get(&name)
                    .map(|v| v.as_slice())
                    .unwrap_or(&[])
                    .iter()
                    .copied()
            })
            .collect()
    }

    /// The fixture facts (decorator and `def`) behind a registration.
    pub fn fixture_def(&self, id: FixtureId) -> Option<&FixtureDef> {
        match self.fixtures[id].origin {
            Origin::Code(code) => match self.binding_kind(code)? {
                parse::BindingKind::Fixture(f) => Some(f),
                _ => None,
            },
            Origin::Builtin(_) | Origin::Synthetic(_) => None,
        }
    }

    pub fn binding_kind(&self, code: CodeRef) -> Option<&parse::BindingKind> {
        let facts = self.modules().get(code.module)?.facts.as_ref()?;
        let bindings = match code.class {
            Some(c) => &facts.classes.get(c)?.bindings,
            None => &facts.bindings,
        };
        Some(&bindings.get(code.binding)?.kind)
    }

    /// The `def` behind a test item.
    pub fn function(&self, code: CodeRef) -> Option<&FunctionDef> {
        match self.binding_kind(code)? {
            parse::BindingKind::Function(f) => Some(f),
            parse::BindingKind::Fixture(f) => Some(&f.function),
            _ => None,
        }
    }

    /// Every registration of `name`, anywhere.
    pub fn registrations(&self, name: &str) -> &[FixtureId] {
        existing_name(name)
            .and_then(|name| self.by_name.get(&name))
            .map_or(&[], |ids| ids.as_slice())
    }

    fn register(&mut self, fixture: Fixture) -> FixtureId {
        let id = self.fixtures.len();
        let node = fixture.node;
        if fixture.autouse {
            self.nodes[node].autouse.push(fixture.name);
        }
        self.nodes[node].fixtures.push(id);
        self.node_names[node]
            .entry(fixture.name)
            .or_default()
            .push(id);
        self.by_name.entry(fixture.name).or_default().push(id);
        self.fixtures.push(fixture);
        id
    }

    fn add_node(&mut self, nodeid: String, parent: Option<NodeId>, kind: NodeKind) -> NodeId {
        self.nodes.push(Node {
            nodeid,
            parent,
            kind,
            fixtures: Vec::new(),
            autouse: Vec::new(),
        });
        self.node_names.push(HashMap::new());
        self.nodes.len() - 1
    }

    /// How messages name the Python environment (`.venv`, `/path/venv`, an interpreter).
    pub fn environment_label(&self) -> String {
        match &self.environment {
            Some(env) => env.label.clone(),
            None => "the Python environment (none found: pass --python)".to_string(),
        }
    }

    /// Code of a plugin rather than of the project: an environment file, or any file outside
    /// the rootdir (what pytest's own report calls a plugin location).
    pub fn is_plugin_module(&self, module: ModuleId) -> bool {
        let m = &self.modules()[module];
        m.environment || !m.path.starts_with(&self.rootdir)
    }

    /// A module's path for the JSON contract: relative to the rootdir inside it, absolute
    /// outside it.
    pub fn json_path(&self, module: ModuleId) -> String {
        let m = &self.modules()[module];
        if m.path.starts_with(&self.rootdir) {
            rel_path(&self.rootdir, &m.path)
        } else {
            m.path.to_string_lossy().into_owned()
        }
    }

    /// The plugin whose registration registered fixture `id` (its holder), if any.
    pub fn plugin_of(&self, id: FixtureId) -> Option<&LoadedPlugin> {
        let holder = self.fixtures[id].holder?;
        self.plugins.iter().find(|p| p.module == Some(holder))
    }

    /// The distribution (display name, version) fixture `id` comes from: its registering
    /// plugin's, else the one owning its code file.
    pub fn distribution_of(&self, id: FixtureId) -> Option<&crate::plugins::Distribution> {
        let env = self.environment.as_ref()?;
        if let Some(d) = self.plugin_of(id).and_then(|p| p.distribution) {
            return env.distributions.get(d);
        }
        match self.fixtures[id].origin {
            Origin::Code(code) if self.modules()[code.module].environment => {
                env.distribution_of(&self.modules()[code.module].path)
            }
            _ => None,
        }
    }

    /// The module owning a node (for module and class nodes).
    pub fn node_module(&self, node: NodeId) -> Option<ModuleId> {
        match self.nodes[node].kind {
            NodeKind::Module(m) => Some(m),
            NodeKind::Class(c) => Some(c.module),
            _ => None,
        }
    }
}

/// A fixture's scope from its decorator.
pub fn fixture_scope(marker: &parse::FixtureMarker) -> FixtureScope {
    match &marker.scope {
        None => FixtureScope::Known(Scope::Function),
        Some(ScopeSpec::Literal(s)) => Scope::parse(s)
            .map(FixtureScope::Known)
            .unwrap_or(FixtureScope::Dynamic),
        Some(ScopeSpec::Dynamic) | Some(ScopeSpec::Callable(_)) => FixtureScope::Dynamic,
    }
}

/// pytest's `getfuncargnames`: mandatory positional-or-keyword and keyword-only parameters of
/// the signature (after the decorators that replace it), minus the bound first parameter of
/// methods and the arguments `mock.patch` injects.
pub fn argnames(func: &FunctionDef, bound: bool) -> Vec<Located> {
    let mut signature: Vec<&parse::Param> = func.params.iter().collect();
    for edit in &func.signature_edits {
        apply_signature_edit(&mut signature, edit);
    }
    let drop_first = bound && !func.is_staticmethod;
    let params = if drop_first && !signature.is_empty() {
        &signature[1..]
    } else {
        &signature[..]
    };
    let names: Vec<Located> = params
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                parse::ParamKind::Normal | parse::ParamKind::KeywordOnly
            ) && !p.has_default
        })
        .map(|p| p.name.clone())
        .collect();
    names.into_iter().skip(func.mock_patch_args).collect()
}

/// `getfuncargnames` of a test function (`cls` given when it is in a class). Before pytest
/// 8.4 a method's first name was dropped even when its first parameter (`self`) was
/// positional-only, and so not among the names: `def test(self, /, kw)` requested nothing.
pub fn test_argnames(
    func: &FunctionDef,
    in_class: bool,
    pytest: &crate::pytest_version::PytestVersion,
) -> Vec<Located> {
    let positional_only = func
        .params
        .iter()
        .any(|p| p.kind == parse::ParamKind::PositionalOnly);
    if in_class
        && !func.is_staticmethod
        && positional_only
        && !pytest.keeps_names_after_positional_only_self()
    {
        let mut names = argnames(func, false);
        if !names.is_empty() {
            names.remove(0);
        }
        return names;
    }
    argnames(func, in_class)
}

/// The signature a [`parse::SignatureEdit`] decorator gives its wrapper.
fn apply_signature_edit(signature: &mut Vec<&parse::Param>, edit: &parse::SignatureEdit) {
    use parse::{GivenArgs, ParamKind, SignatureEdit};
    match edit {
        SignatureEdit::Given(given) => {
            let fillable =
                |p: &parse::Param| matches!(p.kind, ParamKind::Normal | ParamKind::KeywordOnly);
            let filled: Vec<String> = match given {
                GivenArgs::All => signature
                    .iter()
                    .filter(|p| fillable(p))
                    .map(|p| p.name.text.clone())
                    .collect(),
                GivenArgs::Keywords(names) => names.clone(),
                // The last `n` positional-or-keyword parameters.
                GivenArgs::Positional(n) => {
                    let positional: Vec<String> = signature
                        .iter()
                        .filter(|p| p.kind == ParamKind::Normal)
                        .map(|p| p.name.text.clone())
                        .collect();
                    let start = positional.len().saturating_sub(*n);
                    positional[start..].to_vec()
                }
            };
            signature.retain(|p| !(fillable(p) && filled.contains(&p.name.text)));
        }
        SignatureEdit::BindLeading(count) => {
            // `bind_partial` fills positional parameters in order; `*args` takes the rest.
            let mut left = count.unwrap_or(usize::MAX);
            signature.retain(|p| {
                if left == 0 {
                    return true;
                }
                match p.kind {
                    ParamKind::PositionalOnly | ParamKind::Normal => {
                        left -= 1;
                        false
                    }
                    ParamKind::VarArgs => {
                        left = 0;
                        false
                    }
                    _ => true,
                }
            });
        }
    }
}
