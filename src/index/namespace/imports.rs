//! Where imports lead: the file a (relative or absolute) import names, on the importing file's
//! basedir, `pythonpath`, the rootdir, the other basedirs in use and the Python environment;
//! whether a module is available, and `importorskip`.

use super::*;

impl Loader {
    /// Finds the file an import names, relative to `from` for relative imports, else on the
    /// importing file's basedir, `pythonpath`, the rootdir and the other basedirs in use.
    pub fn resolve_import(&self, from: ModuleId, target: &ImportTarget) -> Option<PathBuf> {
        let module = &self.modules[from];
        self.resolve_import_at(
            &module.path,
            &self.basedirs[from],
            module.environment,
            target,
        )
    }

    /// [`Loader::resolve_import`] for the file `from_path`, whose basedir is `own`
    /// (`environment`: a module of the Python environment rather than of the project).
    pub(super) fn resolve_import_at(
        &self,
        from_path: &Path,
        own: &Path,
        environment: bool,
        target: &ImportTarget,
    ) -> Option<PathBuf> {
        let parts: Vec<&str> = target.module.split('.').filter(|p| !p.is_empty()).collect();
        let try_root = |root: &Path| -> Option<PathBuf> {
            let mut p = root.to_path_buf();
            for part in &parts {
                p.push(part);
            }
            if parts.is_empty() {
                let init = p.join("__init__.py");
                return self.is_file(&init).then_some(init);
            }
            let file = p.with_extension("py");
            if self.is_file(&file) {
                return Some(file);
            }
            let init = p.join("__init__.py");
            self.is_file(&init).then_some(init)
        };
        if target.level > 0 {
            let mut dir = from_path.parent()?.to_path_buf();
            for _ in 1..target.level {
                dir = dir.parent()?.to_path_buf();
            }
            return try_root(&dir);
        }
        // A plugin's absolute imports go through the environment's sys.path only.
        if environment {
            return self.environment_module(&target.module);
        }
        if let Some(found) = std::iter::once(own)
            .chain(self.roots_holding(parts.first().copied()))
            .find_map(&try_root)
        {
            return Some(found);
        }
        // A top-level package of the project shadows the environment's: `pkg.missing` of a
        // project `pkg` is missing. Other imports are looked up in the environment.
        if self.project_has_top_level(own, &target.module) {
            return None;
        }
        self.environment_module(&target.module)
    }

    /// Is the top-level name of `dotted` a module or package of the project (on `own` or the
    /// import roots)?
    pub(super) fn project_has_top_level(&self, own: &Path, dotted: &str) -> bool {
        let top = dotted.split('.').next().unwrap_or(dotted);
        !top.is_empty()
            && std::iter::once(own)
                .chain(self.roots_holding(Some(top)))
                .any(|r| self.is_dir(&r.join(top)) || self.is_file(&r.join(format!("{top}.py"))))
    }

    /// The roots that have an entry named `first` (`first.py`, `first/`), in path order; every
    /// root for `None`.
    pub(super) fn roots_holding<'a>(
        &'a self,
        first: Option<&str>,
    ) -> impl Iterator<Item = &'a Path> + 'a {
        let holding: Option<&'a [usize]> = match first {
            Some(first) => Some(self.root_names.get(first).map(Vec::as_slice).unwrap_or(&[])),
            None => None,
        };
        let every = holding.is_none().then_some(0..self.roots.len());
        holding
            .into_iter()
            .flatten()
            .copied()
            .chain(every.into_iter().flatten())
            .map(move |i| self.roots[i].as_path())
    }

    /// The source file of module `dotted` in the Python environment, if it has one.
    pub(super) fn environment_module(&self, dotted: &str) -> Option<PathBuf> {
        self.environment.as_ref()?.find_source(dotted)
    }

    /// Finds a module named on the command line (`-p`) or in `PYTEST_PLUGINS`: the project's
    /// import roots (`pythonpath`, the rootdir, ...), then the environment.
    pub fn resolve_absolute(&self, dotted: &str) -> Option<PathBuf> {
        let parts: Vec<&str> = dotted.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        let found = self
            .roots
            .iter()
            .find_map(|root| crate::plugins::module_file(root, &parts));
        found.or_else(|| self.environment_module(dotted))
    }

    /// Can `module` (dotted) be imported from `from`: a project module, or one the Python
    /// environment has. Without a usable interpreter, modules are assumed present.
    pub fn module_available(&self, from: ModuleId, dotted: &str) -> bool {
        if self.resolve_plugin(from, dotted).is_some() {
            return true;
        }
        let env = self.env.get_or_init(|| {
            let interpreter =
                crate::env::find_interpreter(self.python.as_deref(), &self.rootdir).ok()??;
            crate::env::query(&interpreter).ok()
        });
        env.as_ref().is_none_or(|e| e.has_module(dotted))
    }

    /// The `pytest.importorskip` that makes importing module `id` skip, if any.
    pub fn skipped_by(&self, id: ModuleId) -> Option<String> {
        if self.collect_importorskip {
            return None;
        }
        let facts = self.facts(id)?;
        facts.importorskip.iter().find_map(|i| {
            let runs = self.decide(id, &i.conditions).is_some();
            (runs && !self.module_available(id, &i.module)).then(|| i.module.clone())
        })
    }

    /// Resolves a dotted module name as `pytest_plugins` would import it.
    pub fn resolve_plugin(&self, from: ModuleId, dotted: &str) -> Option<PathBuf> {
        self.resolve_import(
            from,
            &ImportTarget {
                level: 0,
                module: dotted.to_string(),
            },
        )
    }
}
