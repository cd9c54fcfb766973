//! The index: every fixture definition pytest would register, on the collection node that
//! holds it (session, directory, module, class), and every test item with what it requests.
//!
//! Built from discovery plus per-file facts and the Python environment's installed plugins.
//! Registration order on each node follows pytest: on the session builtins, `-p` plugins,
//! entry-point plugins, `PYTEST_PLUGINS`, the conftests' `pytest_plugins` modules, then the
//! rootdir conftest (see [`plugins`]); on every other holder `dir()` order, i.e. sorted by
//! attribute name.

mod collect;
pub mod namespace;
pub mod plugins;

use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::builtins::{Builtin, BuiltinSet};
use crate::cache::FactsCache;
use crate::discover::{rel_path, FileKind, Project};
use crate::parse::{self, FileFacts, FixtureDef, FunctionDef, Located, ScopeSpec};
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
    pub facts: Option<FileFacts>,
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

/// One registration of a fixture on a node (a `FixtureDef` in pytest).
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub origin: Origin,
    pub scope: FixtureScope,
    pub autouse: bool,
    pub has_params: bool,
    pub argnames: Vec<String>,
    /// Names its body asks for with `request.getfixturevalue("literal")`, in order.
    pub getfixturevalue: Vec<String>,
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
    pub autouse: Vec<String>,
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
    pub by_name: HashMap<String, Vec<FixtureId>>,
    /// Per node: name → its registrations there, in order.
    node_names: Vec<HashMap<String, Vec<FixtureId>>>,
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
}

impl Index {
    /// Parses the project's files in parallel and builds the index.
    pub fn build(project: &Project, opts: &crate::Options, reader: &SourceReader) -> Index {
        let options = opts.parse;
        let cache =
            FactsCache::open(&project.rootdir, options, opts.cache).map(std::sync::Arc::new);
        // The environment (one interpreter query, the distributions' metadata, the plugin
        // modules and the installed pytest's builtins) is read while the project is parsed.
        let (parsed, (environment, builtin_set, preparsed)) = rayon::join(
            || {
                project
                    .files
                    .par_iter()
                    .map(|f| {
                        // Test modules are parsed without the function bodies that hold
                        // no fact (`parse::parse_test_module`).
                        let test_module = f.kind == FileKind::TestModule;
                        let result = read_with(reader, &project.rootdir, &f.path, |bytes| {
                            match (cache.as_deref(), test_module) {
                                (Some(cache), true) => cache.test_module(bytes, options),
                                (Some(cache), false) => cache.parse(bytes, options),
                                (None, true) => parse::parse_test_module(bytes, options),
                                (None, false) => parse::parse_source(bytes, options),
                            }
                        });
                        crate::progress::inc();
                        result
                    })
                    .collect::<Vec<(Option<FileFacts>, Vec<Problem>)>>()
            },
            || load_environment(project, opts, reader, cache.as_deref()),
        );
        crate::progress::phase("indexing", 0);
        let mut loader = namespace::Loader::new(
            project.rootdir.clone(),
            project.config.pythonpath.clone(),
            options,
            reader.clone(),
        );
        loader.python = opts.python.clone();
        loader.collect_importorskip = opts.collect_importorskip;
        loader.set_environment(environment.clone(), preparsed);
        loader.cache = cache;
        let mut files = Vec::new();
        for (f, (facts, problems)) in project.files.iter().zip(parsed) {
            let role = match f.kind {
                FileKind::Conftest => ModuleRole::Conftest,
                FileKind::TestModule => ModuleRole::TestModule,
            };
            loader.problems.extend(problems);
            if let Some((line, col)) = facts.as_ref().and_then(|f| f.syntax_error) {
                loader
                    .problems
                    .push(Problem::syntax(&project.rootdir, &f.path, line, col));
            }
            let id = loader.add(f.path.clone(), role, facts);
            files.push((id, f.kind));
        }
        // Parse, in parallel, the modules the project's imports will reach (lookups then find
        // them ready instead of parsing them one by one).
        let ids: Vec<ModuleId> = files.iter().map(|(id, _)| *id).collect();
        let timing = crate::timing();
        if timing {
            eprintln!(
                "  parse project files: {:?} (rss {} MiB)",
                crate::process_start().elapsed(),
                crate::rss_mib()
            );
        }
        let config = &project.config;
        let collected = |name: &str| {
            config.matches_class(name)
                || config.matches_function(name)
                || collect::XUNIT_NAMES.contains(&name)
        };
        loader.prefetch(&ids, &collected);
        loader.prefetch_links(&ids, &collected);
        if timing {
            eprintln!(
                "  prefetch imported modules: {:?} ({} modules, rss {} MiB)",
                crate::process_start().elapsed(),
                loader.prefetched_count(),
                crate::rss_mib()
            );
        }
        let plugin_settings =
            PluginSettings::from_config(&project.config.addopts, project.inifile.as_deref());
        let disabled_plugins = plugin_settings.disabled();
        if let Some(env) = &environment {
            for p in &env.problems {
                loader.problems.push(Problem {
                    code: "FM904",
                    path: p.path.to_string_lossy().into_owned(),
                    line: p.line,
                    column: 1,
                    message: p.message.clone(),
                });
            }
        }
        let mut index = Index {
            rootdir: project.rootdir.clone(),
            nodes: Vec::new(),
            fixtures: Vec::new(),
            tests: Vec::new(),
            problems: Vec::new(),
            by_name: HashMap::new(),
            node_names: Vec::new(),
            loader,
            disabled_plugins,
            environment,
            builtin_set,
            plugins: Vec::new(),
            plugin_settings,
            plugin_state: plugins::PluginState::default(),
            dir_nodes: HashMap::new(),
            importers: None,
        };
        collect::populate(&mut index, project, &files);
        if timing {
            eprintln!(
                "  collect: {:?} (rss {} MiB)",
                crate::process_start().elapsed(),
                crate::rss_mib()
            );
        }
        for w in &project.warnings {
            index.loader.problems.push(Problem {
                code: "FM903",
                path: rel_path(&project.rootdir, &w.path),
                line: 1,
                column: 1,
                message: w.message.clone(),
            });
        }
        index.problems = std::mem::take(&mut index.loader.problems);
        index
    }

    /// Every parsed module (project files and what they import).
    pub fn modules(&self) -> &[Module] {
        &self.loader.modules
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

    /// pytest's `getfixturedefs`: the definitions of `name` visible from `node`, least specific
    /// first.
    pub fn visible(&self, name: &str, node: NodeId) -> Vec<FixtureId> {
        self.chain(node)
            .into_iter()
            .flat_map(|n| {
                self.node_names[n]
                    .get(name)
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

    fn register(&mut self, fixture: Fixture) -> FixtureId {
        let id = self.fixtures.len();
        let node = fixture.node;
        if fixture.autouse {
            self.nodes[node].autouse.push(fixture.name.clone());
        }
        self.nodes[node].fixtures.push(id);
        self.node_names[node]
            .entry(fixture.name.clone())
            .or_default()
            .push(id);
        self.by_name
            .entry(fixture.name.clone())
            .or_default()
            .push(id);
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

/// Reads and parses one file (through `cache` when there is one): its facts, or the problem
/// that left it without any (unreadable, not UTF-8). A syntax error is for the caller to report
/// (from `FileFacts::syntax_error`).
pub(crate) fn read_facts(
    reader: &SourceReader,
    cache: Option<&FactsCache>,
    rootdir: &Path,
    path: &Path,
    options: parse::ParseOptions,
) -> (Option<FileFacts>, Vec<Problem>) {
    read_with(reader, rootdir, path, |bytes| match cache {
        Some(cache) => cache.parse(bytes, options),
        None => parse::parse_source(bytes, options),
    })
}

/// Reads one file and parses it with `parse`: its facts, or the problem that left it without
/// any.
fn read_with(
    reader: &SourceReader,
    rootdir: &Path,
    path: &Path,
    parse: impl FnOnce(&[u8]) -> Result<FileFacts, parse::ParseFailure>,
) -> (Option<FileFacts>, Vec<Problem>) {
    let bytes = match reader(path) {
        Ok(bytes) => bytes,
        Err(e) => return (None, vec![Problem::unreadable(rootdir, path, &e)]),
    };
    match parse(&bytes) {
        Ok(facts) => (Some(facts), Vec::new()),
        Err(parse::ParseFailure::NotUtf8 { line }) => {
            (None, vec![Problem::not_utf8(rootdir, path, line)])
        }
    }
}

type LoadedEnvironment = (
    Option<std::sync::Arc<crate::plugins::Environment>>,
    &'static BuiltinSet,
    Vec<(PathBuf, FileFacts)>,
);

/// The project's Python environment (`--python`, `$VIRTUAL_ENV`, `.venv`/`venv`, `python3`),
/// the builtins of the pytest installed there, and its entry-point plugin modules parsed.
/// Without an interpreter: no plugins, and the pytest 9.2 builtin table.
fn load_environment(
    project: &Project,
    opts: &crate::Options,
    reader: &SourceReader,
    cache: Option<&FactsCache>,
) -> LoadedEnvironment {
    let environment = crate::env::find_interpreter(opts.python.as_deref(), &project.rootdir)
        .ok()
        .flatten()
        .and_then(|interpreter| {
            crate::plugins::Environment::load(&interpreter, &project.rootdir).ok()
        });
    let Some(env) = environment else {
        return (None, crate::builtins::table(), Vec::new());
    };
    let builtin_set = env
        .pytest_dir
        .as_deref()
        .and_then(|dir| {
            // The builtins are parsed with the default options: the cache serves them only
            // when it was opened with those.
            let defaults =
                opts.parse.target_version == parse::ParseOptions::default().target_version;
            crate::builtins::from_pytest_dir_cached(dir, cache.filter(|_| defaults))
        })
        .unwrap_or_else(crate::builtins::table);
    let mut paths: Vec<PathBuf> = Vec::new();
    for d in &env.distributions {
        for ep in &d.entry_points {
            if let crate::plugins::Found::Source(p) = env.find_entry_module(d, &ep.module) {
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
        }
    }
    let preparsed = paths
        .into_par_iter()
        .filter_map(|p| {
            let bytes = reader(&p).ok()?;
            let facts = parse::parse_source(&bytes, opts.parse).ok()?;
            Some((p, facts))
        })
        .collect();
    (Some(std::sync::Arc::new(env)), builtin_set, preparsed)
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
