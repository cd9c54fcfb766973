//! Parsing ahead: the modules a lookup will ask for, found from the project files' imports
//! and parsed in parallel, wave by wave, before collection needs them.

use super::*;

impl Loader {
    /// Parses in parallel, ahead of time, the modules that building the namespaces of `start`
    /// will look into: the targets of their `from ... import`s, star imports and
    /// `pytest_plugins`, then, wave by wave, what the names looked up there are bound to
    /// (re-exports, aliases, the bases of classes). Only a hint: [`Loader::load`] takes over
    /// the results when a lookup asks for a module, and parses anything missed. In the
    /// namespaces of `start`, only the names `collected` accepts are followed (the names
    /// collection evaluates whatever they are bound to; other imports stay lazy).
    pub fn prefetch(&mut self, start: &[ModuleId], collected: &dyn Fn(&str) -> bool) {
        let frontier: Vec<(PathBuf, Demand)> = start
            .iter()
            .map(|&id| (self.modules[id].path.clone(), Demand::All))
            .collect();
        self.prefetch_waves(frontier, collected);
    }

    /// [`Loader::prefetch`] for the names `imports` (module files and the names looked up
    /// there): what looking them up will load, wave by wave, in parallel.
    pub fn prefetch_names(
        &mut self,
        imports: Vec<(PathBuf, String)>,
        collected: &dyn Fn(&str) -> bool,
    ) {
        let frontier = imports
            .into_iter()
            .map(|(path, name)| (path, Demand::Name(name)))
            .collect();
        self.prefetch_waves(frontier, collected);
    }

    fn prefetch_waves(
        &mut self,
        mut frontier: Vec<(PathBuf, Demand)>,
        collected: &dyn Fn(&str) -> bool,
    ) {
        let mut seen: std::collections::HashSet<(PathBuf, Demand)> = Default::default();
        while !frontier.is_empty() {
            let mut todo: Vec<&PathBuf> = frontier
                .iter()
                .map(|(p, _)| p)
                .filter(|p| !self.by_path.contains_key(*p) && !self.prefetched.contains_key(*p))
                .collect();
            todo.sort_unstable();
            todo.dedup();
            let parsed: Vec<(PathBuf, Parsed)> = {
                use rayon::prelude::*;
                let (reader, cache, root, options) = (
                    &self.reader,
                    self.cache.as_deref(),
                    &self.rootdir,
                    self.options,
                );
                todo.par_iter()
                    .map(|p| {
                        let done = crate::index::read_facts(reader, cache, root, p, options);
                        ((*p).clone(), done)
                    })
                    .collect()
            };
            self.prefetched.extend(parsed);
            let mut next = Vec::new();
            for (path, demand) in std::mem::take(&mut frontier) {
                if seen.contains(&(path.clone(), demand.clone())) {
                    continue;
                }
                self.demands_of(&path, &demand, collected, &mut next);
                seen.insert((path, demand));
            }
            frontier = next;
        }
    }

    /// What looking up `demand` in the module at `path` will look up next.
    fn demands_of(
        &self,
        path: &Path,
        demand: &Demand,
        collected: &dyn Fn(&str) -> bool,
        out: &mut Vec<(PathBuf, Demand)>,
    ) {
        let facts = match self.by_path.get(path) {
            Some(&id) => self.modules[id].facts.as_deref(),
            None => self.prefetched.get(path).and_then(|(f, _)| f.as_ref()),
        };
        let Some(facts) = facts else {
            return;
        };
        let own = self.basedir(path);
        let environment = self.is_environment_path(path);
        let mut want = |target: &ImportTarget, d: Demand| {
            if let Some(p) = self.resolve_import_at(path, &own, environment, target) {
                out.push((p, d));
            }
        };
        let wanted = |name: &str| match demand {
            Demand::All => collected(name),
            Demand::Name(n) => n == name,
        };
        let mut local = Vec::new();
        for binding in facts.bindings.iter().filter(|b| wanted(&b.name)) {
            match &binding.kind {
                BindingKind::ImportFrom { target, name, .. } => {
                    want(target, Demand::Name(name.clone()))
                }
                BindingKind::Alias(other) => local.push(other.clone()),
                BindingKind::Class(c) => {
                    for base in &facts.classes[*c].bases {
                        local.extend(base.split('.').next().map(str::to_string));
                    }
                }
                _ => {}
            }
        }
        for star in &facts.star_imports {
            want(&star.target, demand.clone());
        }
        if *demand == Demand::All {
            for plugin in &facts.pytest_plugins {
                let target = ImportTarget {
                    level: 0,
                    module: plugin.text.clone(),
                };
                want(&target, Demand::All);
            }
        }
        out.extend(
            local
                .into_iter()
                .map(|n| (path.to_path_buf(), Demand::Name(n))),
        );
    }

    /// How many modules [`Loader::prefetch`] parsed that no lookup has taken yet.
    pub fn prefetched_count(&self) -> usize {
        self.prefetched.len()
    }
}
