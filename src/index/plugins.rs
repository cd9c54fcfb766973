//! Plugins on the session node, registered in pytest 9.2's order: the builtin plugins as
//! pytest starts, then `-p NAME` options (ini `addopts`, then `PYTEST_ADDOPTS`) in the order
//! written, then every `[pytest11]` entry point of the environment (unless autoloading is
//! disabled), then `PYTEST_PLUGINS`; each module's own `pytest_plugins` right after it; then
//! the conftests' `pytest_plugins` and, at `pytest_configure`, legacypath's `tmpdir` fixtures.
//!
//! pytest parses a plugin's fixtures when the plugin is registered (a historic hook replayed
//! into the `FixtureManager`), so a plugin unregistered later by `-p no:NAME` keeps its
//! fixtures, and `-p no:NAME` only stops plugins that are not registered yet.

use foldhash::{HashMap, HashSet};
use std::path::Path;

use crate::plugins::Found;

use super::namespace::Value;
use super::{Fixture, FixtureScope, Index, ModuleId, Name, NodeId, Origin, Problem};

/// How a plugin came to be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// `-p NAME`; the option's origin (`addopts`, `PYTEST_ADDOPTS`).
    Option(&'static str),
    /// A `[pytest11]` entry point loaded automatically.
    EntryPoint,
    /// `PYTEST_PLUGINS`.
    EnvVar,
    /// `pytest_plugins` in a module.
    PytestPlugins(ModuleId),
}

/// A plugin registered on the session.
#[derive(Debug, Clone)]
pub struct LoadedPlugin {
    /// The name pytest registers it under (entry point name, or module name).
    pub name: String,
    /// Its module; `None` for a builtin plugin loaded on request (`-p pytester`).
    pub module: Option<ModuleId>,
    /// Index into the environment's distributions, for entry-point plugins and modules that
    /// belong to one.
    pub distribution: Option<usize>,
    pub source: PluginSource,
    /// An entry point naming a class: the class is the plugin, not its module.
    pub class: Option<super::ClassRef>,
}

/// What decides which plugins pytest loads, from the configuration and the process
/// environment.
#[derive(Debug, Clone, Default)]
pub struct PluginSettings {
    /// `-p` values in the order pytest reads them, each with where it is written.
    pub args: Vec<(String, &'static str)>,
    /// Why entry points are not loaded (`PYTEST_DISABLE_PLUGIN_AUTOLOAD`,
    /// `--disable-plugin-autoload`), if they are not.
    pub autoload_disabled: Option<String>,
    /// `PYTEST_PLUGINS`, split on commas.
    pub env_plugins: Vec<String>,
    /// The inifile holding `addopts`, for locating problems.
    pub inifile: Option<std::path::PathBuf>,
}

impl PluginSettings {
    /// From ini `addopts`, and `PYTEST_ADDOPTS`, `PYTEST_PLUGINS` and
    /// `PYTEST_DISABLE_PLUGIN_AUTOLOAD` in the process environment.
    pub fn from_config(addopts: &[String], inifile: Option<&Path>) -> PluginSettings {
        let env_addopts = crate::inputs::var("PYTEST_ADDOPTS")
            .ok()
            .and_then(|s| crate::discover::shlex_split(&s).ok())
            .unwrap_or_default();
        let mut settings = PluginSettings {
            inifile: inifile.map(Path::to_path_buf),
            ..PluginSettings::default()
        };
        for (opts, origin) in [
            (addopts, "addopts"),
            (env_addopts.as_slice(), "PYTEST_ADDOPTS"),
        ] {
            let mut it = opts.iter();
            while let Some(arg) = it.next() {
                if arg == "--disable-plugin-autoload" {
                    settings.autoload_disabled.get_or_insert_with(|| {
                        format!("`--disable-plugin-autoload` is in {origin}")
                    });
                    continue;
                }
                let value = if arg == "-p" {
                    it.next().cloned()
                } else {
                    arg.strip_prefix("-p").map(str::to_string)
                };
                if let Some(v) = value {
                    settings.args.push((v.trim().to_string(), origin));
                }
            }
        }
        if crate::inputs::var_os("PYTEST_DISABLE_PLUGIN_AUTOLOAD").is_some_and(|v| !v.is_empty()) {
            settings.autoload_disabled = Some("PYTEST_DISABLE_PLUGIN_AUTOLOAD is set".to_string());
        }
        settings.env_plugins = crate::inputs::var("PYTEST_PLUGINS")
            .map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        settings
    }

    /// The `-p no:NAME` names.
    pub fn disabled(&self) -> Vec<String> {
        self.args
            .iter()
            .filter_map(|(a, _)| a.strip_prefix("no:").map(str::to_string))
            .collect()
    }
}

/// The plugin manager's bookkeeping: registered names and modules, blocked names.
#[derive(Debug, Default)]
pub struct PluginState {
    names: HashSet<String>,
    modules: HashSet<ModuleId>,
    /// Blocked name → where the `-p no:` option is.
    pub blocked: HashMap<String, &'static str>,
}

impl PluginState {
    fn block(&mut self, name: &str, origin: &'static str) {
        self.blocked.insert(name.to_string(), origin);
        if !name.starts_with("pytest_") {
            self.blocked.insert(format!("pytest_{name}"), origin);
        }
        // pytest: blocking cacheprovider blocks stepwise too.
        if name == "cacheprovider" {
            self.blocked.insert("stepwise".to_string(), origin);
            self.blocked.insert("pytest_stepwise".to_string(), origin);
        }
    }
    fn unblock(&mut self, name: &str) {
        self.blocked.remove(name);
        if !name.starts_with("pytest_") {
            self.blocked.remove(&format!("pytest_{name}"));
        }
    }
    /// Is `name` blocked by a `-p no:` option?
    pub fn is_blocked(&self, name: &str) -> bool {
        self.blocked.contains_key(name)
    }
}

/// Registers the builtin fixtures of the default plugins, then what pytest loads before the
/// conftests: `-p` options, entry points, `PYTEST_PLUGINS`.
pub(super) fn register_startup(index: &mut Index, session: NodeId) {
    let set = index.builtin_set;
    for b in &set.startup {
        register_builtin(index, b, session);
    }
    for name in &set.default_plugins {
        index.plugin_state.names.insert(name.clone());
    }
    let settings = index.plugin_settings.clone();
    for (arg, origin) in &settings.args {
        match arg.strip_prefix("no:") {
            Some(name) => index.plugin_state.block(name, origin),
            None => {
                index.plugin_state.unblock(arg);
                import_plugin(index, arg, PluginSource::Option(origin), None, session);
            }
        }
    }
    if settings.autoload_disabled.is_none() {
        let entry_points: Vec<(usize, crate::plugins::EntryPoint)> = index
            .environment
            .iter()
            .flat_map(|env| {
                env.distributions
                    .iter()
                    .enumerate()
                    .flat_map(|(i, d)| d.entry_points.iter().map(move |ep| (i, ep.clone())))
            })
            .collect();
        for (dist, ep) in entry_points {
            if index.plugin_state.names.contains(&ep.name)
                || index.plugin_state.is_blocked(&ep.name)
            {
                continue;
            }
            load_entry_point(index, dist, &ep, PluginSource::EntryPoint, session);
        }
    }
    for spec in &settings.env_plugins {
        import_plugin(index, spec, PluginSource::EnvVar, None, session);
    }
}

/// legacypath's `tmpdir`/`tmpdir_factory`, registered at `pytest_configure` when both the
/// `tmpdir` and `legacypath` plugins are still registered.
pub(super) fn register_configure(index: &mut Index, session: NodeId) {
    if index.plugin_state.is_blocked("tmpdir") || index.plugin_state.is_blocked("legacypath") {
        return;
    }
    let set = index.builtin_set;
    for b in &set.configure {
        register_builtin(index, b, session);
    }
}

fn register_builtin(index: &mut Index, b: &'static crate::builtins::Builtin, session: NodeId) {
    index.register(Fixture {
        name: Name::from(b.name),
        origin: Origin::Builtin(b),
        scope: FixtureScope::Known(b.scope),
        autouse: false,
        has_params: false,
        argnames: b.argnames.iter().map(|&a| Name::from(a)).collect(),
        getfixturevalue: Vec::new(),
        node: session,
        holder: None,
        uncertain: None,
    });
}

/// pytest's `consider_module`: the modules a registered plugin or collected module names in
/// `pytest_plugins`, each registered (with its own `pytest_plugins`) once.
pub(super) fn consider_module(index: &mut Index, module: ModuleId, session: NodeId) {
    let plugins = index.loader.modules[module]
        .facts
        .as_ref()
        .map(|f| f.pytest_plugins.clone())
        .unwrap_or_default();
    for plugin in plugins {
        let before = index.loader.problems.len();
        let found = import_plugin(
            index,
            &plugin.text,
            PluginSource::PytestPlugins(module),
            Some(module),
            session,
        );
        if !found && index.environment.is_some() && index.loader.problems.len() == before {
            let rel = index.loader.modules[module].rel.clone();
            index.loader.problems.push(Problem {
                code: "FM904",
                path: rel,
                line: plugin.span.line(),
                column: plugin.span.column(),
                message: format!(
                    "`pytest_plugins` names `{}`, which is neither a project module nor installed in {}; pytest fails with `Error importing plugin`",
                    plugin.text,
                    index.environment_label()
                ),
            });
        }
    }
}

/// pytest's `import_plugin(modname, consider_entry_points=True)` (for `PYTEST_PLUGINS` and
/// `pytest_plugins` only from pytest 9.2; before, those name modules only). False when the
/// plugin cannot be found at all.
fn import_plugin(
    index: &mut Index,
    modname: &str,
    source: PluginSource,
    from: Option<ModuleId>,
    session: NodeId,
) -> bool {
    if index.plugin_state.is_blocked(modname) || index.plugin_state.names.contains(modname) {
        return true;
    }
    // An entry point of that name wins over a module of that name.
    let by_entry_point =
        matches!(source, PluginSource::Option(_)) || index.pytest.plugin_specs_load_entry_points();
    let entry_point = index
        .environment
        .as_ref()
        .filter(|_| by_entry_point)
        .and_then(|env| {
            env.distributions.iter().enumerate().find_map(|(i, d)| {
                d.entry_points
                    .iter()
                    .find(|ep| ep.name == modname)
                    .map(|ep| (i, ep.clone()))
            })
        });
    if let Some((dist, ep)) = entry_point {
        load_entry_point(index, dist, &ep, source, session);
        return true;
    }
    let set = index.builtin_set;
    if set.is_builtin_plugin(modname) {
        index.plugin_state.names.insert(modname.to_string());
        if let Some((_, fixtures)) = set.on_request.iter().find(|(n, _)| n == modname) {
            for b in fixtures {
                register_builtin(index, b, session);
            }
        }
        index.plugins.push(LoadedPlugin {
            name: modname.to_string(),
            module: None,
            distribution: None,
            source,
            class: None,
        });
        return true;
    }
    let path = match from {
        Some(m) => index.loader.resolve_plugin(m, modname),
        None => index.loader.resolve_absolute(modname),
    };
    let Some(path) = path else {
        if from.is_none() {
            let what = match &source {
                PluginSource::Option(origin) => format!("`-p {modname}` in {origin}"),
                _ => format!("PYTEST_PLUGINS names `{modname}`, which"),
            };
            let message = match &source {
                PluginSource::Option(_) => format!(
                    "{what}: no module `{modname}` in the project or {}; pytest fails with `Error importing plugin`",
                    index.environment_label()
                ),
                _ => format!(
                    "{what} is neither a project module nor installed in {}; pytest fails with `Error importing plugin`{}",
                    index.environment_label(),
                    entry_point_note(index, modname)
                ),
            };
            // The inifile for `addopts`; the variable's name for the process environment.
            let path = match (&source, &index.plugin_settings.inifile) {
                (PluginSource::Option("addopts"), Some(ini)) => {
                    crate::discover::rel_path(&index.rootdir, ini)
                }
                (PluginSource::Option(origin), _) => format!("<{origin}>"),
                _ => "<PYTEST_PLUGINS>".to_string(),
            };
            index.loader.problems.push(Problem {
                code: "FM904",
                path,
                line: 1,
                column: 1,
                message,
            });
        }
        return false;
    };
    let id = index.loader.load(&path);
    index.plugin_state.names.insert(modname.to_string());
    if !index.plugin_state.modules.insert(id) {
        return true;
    }
    let distribution = distribution_of(index, &path);
    register_module(index, id, modname, distribution, source, session);
    true
}

/// When `modname` is the name of an installed entry point that the installed pytest does not
/// look up for `PYTEST_PLUGINS`/`pytest_plugins`: a clause saying so.
fn entry_point_note(index: &Index, modname: &str) -> String {
    let module = index.environment.as_ref().and_then(|env| {
        env.distributions
            .iter()
            .flat_map(|d| &d.entry_points)
            .find(|ep| ep.name == modname)
            .map(|ep| ep.module.clone())
    });
    match module {
        Some(module) if !index.pytest.plugin_specs_load_entry_points() => format!(
            " (`{modname}` is an entry point name, which {} does not look up here: name its module `{module}`, or use pytest 9.2 or later)",
            index.pytest.describe()
        ),
        _ => String::new(),
    }
}

fn distribution_of(index: &Index, path: &Path) -> Option<usize> {
    let env = index.environment.as_ref()?;
    let dist = env.distribution_of(path)?;
    env.distributions.iter().position(|d| std::ptr::eq(d, dist))
}

/// Loads one entry point: its module (or the module or class its `:attr` names), registered
/// under the entry point's name.
fn load_entry_point(
    index: &mut Index,
    dist: usize,
    ep: &crate::plugins::EntryPoint,
    source: PluginSource,
    session: NodeId,
) {
    index.plugin_state.names.insert(ep.name.clone());
    let Some(env) = index.environment.clone() else {
        return;
    };
    let distribution = &env.distributions[dist];
    let ep_file = distribution.metadata_dir.join("entry_points.txt");
    let warn = |index: &mut Index, message: String| {
        index.loader.problems.push(Problem {
            code: "FM904",
            path: ep_file.to_string_lossy().into_owned(),
            line: ep.line,
            column: 1,
            message,
        });
    };
    let label = format!(
        "entry point `{} = {}{}` of {}",
        ep.name,
        ep.module,
        ep.attr
            .as_ref()
            .map(|a| format!(":{a}"))
            .unwrap_or_default(),
        distribution.name
    );
    let path = match env.find_entry_module(distribution, &ep.module) {
        Found::Source(path) => path,
        Found::Compiled(path) => {
            warn(
                index,
                format!(
                    "{label}: `{}` is a compiled extension module; its fixtures cannot be read",
                    path.display()
                ),
            );
            return;
        }
        Found::Missing => {
            warn(
                index,
                format!(
                    "{label}: module `{}` cannot be found on the sys.path of {}; pytest fails to load it",
                    ep.module, env.label
                ),
            );
            return;
        }
    };
    let mut id = index.loader.load(&path);
    if let Some(attr) = &ep.attr {
        let mut class = None;
        for part in attr.split('.') {
            match index.loader.lookup_name(id, part).map(|e| e.value) {
                Some(Value::Module(p)) if class.is_none() => id = index.loader.load(&p),
                Some(Value::Class(c)) if class.is_none() => class = Some(c),
                _ => {
                    warn(
                        index,
                        format!("{label}: `{attr}` is not a module or class fixmig can read; its fixtures are not known"),
                    );
                    return;
                }
            }
        }
        if let Some(class) = class {
            index.plugins.push(LoadedPlugin {
                name: ep.name.clone(),
                module: Some(class.module),
                distribution: Some(dist),
                source,
                class: Some(class),
            });
            let ns = index.loader.class_namespace(class);
            super::collect::register_namespace(index, &ns, session, class.module, true);
            return;
        }
    }
    if !index.plugin_state.modules.insert(id) {
        return;
    }
    register_module(index, id, &ep.name, Some(dist), source, session);
}

fn register_module(
    index: &mut Index,
    id: ModuleId,
    name: &str,
    distribution: Option<usize>,
    source: PluginSource,
    session: NodeId,
) {
    index.plugins.push(LoadedPlugin {
        name: name.to_string(),
        module: Some(id),
        distribution,
        source,
        class: None,
    });
    let ns = index.loader.namespace(id);
    super::collect::register_namespace(index, &ns, session, id, false);
    consider_module(index, id, session);
}
