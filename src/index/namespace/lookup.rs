//! Namespaces and lookups: a module's namespace built from its bindings, star imports and
//! conditions, single names looked up without building the whole namespace, and where an
//! imported name leads.

use super::*;

impl Loader {
    /// The namespace of a module (empty for a module that could not be parsed; a cycle of
    /// imports sees the partial namespace as Python would see a partially initialised module).
    pub fn namespace(&mut self, id: ModuleId) -> Arc<Namespace> {
        match self.namespaces.get(&id) {
            Some(Some(ns)) => return ns.clone(),
            Some(None) => return Arc::new(Namespace::default()),
            None => {}
        }
        self.namespaces.insert(id, None);
        let ns = Arc::new(self.build_module_namespace(id));
        self.namespaces.insert(id, Some(ns.clone()));
        ns
    }

    fn build_module_namespace(&mut self, id: ModuleId) -> Namespace {
        let mut ns = Namespace::default();
        let Some((bindings, star_imports)) = self.modules[id].facts.as_ref().map(|f| {
            (
                f.bindings.iter().map(light).collect::<Vec<_>>(),
                f.star_imports.clone(),
            )
        }) else {
            return ns;
        };
        let mut stars = star_imports.iter().peekable();
        for (i, (name, conditions, kind)) in bindings.iter().enumerate() {
            while let Some(star) = stars.next_if(|s| s.position <= i) {
                self.apply_star(id, &mut ns, star);
            }
            let Some(uncertain) = self.decide(id, conditions) else {
                continue;
            };
            let value = match kind {
                Light::ImportFrom(target, _) if self.resolve_import(id, target).is_some() => {
                    Some(Entry {
                        value: self.lazy_import(id, i),
                        uncertain: None,
                    })
                }
                _ => self.binding_value(id, None, i, kind, &ns),
            };
            bind(&mut ns, name, value, uncertain);
        }
        for star in stars {
            self.apply_star(id, &mut ns, star);
        }
        ns
    }

    /// The value `name` has at the end of module `id`, evaluating only the statements that can
    /// bind it (so `from big_module import X` does not evaluate all of `big_module`).
    pub fn lookup_name(&mut self, id: ModuleId, name: &str) -> Option<Entry> {
        if let Some(Some(ns)) = self.namespaces.get(&id) {
            let found = ns.get(name).cloned();
            return found.map(|e| self.force(&e));
        }
        let key = (id, name.to_string());
        match self.lookups.get(&key) {
            Some(Some(found)) => return found.clone(),
            Some(None) => return None,
            None => {}
        }
        self.lookups.insert(key.clone(), None);
        let found = self.lookup_uncached(id, name);
        self.lookups.insert(key, Some(found.clone()));
        found
    }

    fn lookup_uncached(&mut self, id: ModuleId, name: &str) -> Option<Entry> {
        let facts = self.facts(id)?;
        // Statements that may bind `name`, latest first: (position, binding index or star).
        let mut events: Vec<(usize, u8, usize)> = facts
            .bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.name == name)
            .map(|(i, _)| (i, 1, i))
            .chain(
                facts
                    .star_imports
                    .iter()
                    .enumerate()
                    .map(|(k, s)| (s.position, 0, k)),
            )
            .collect();
        events.sort_unstable_by(|a, b| b.cmp(a));
        for (_, kind, i) in events {
            let facts = self.facts(id)?;
            if kind == 1 {
                let (_, conditions, kind) = light(&facts.bindings[i]);
                let Some(uncertain) = self.decide(id, &conditions) else {
                    continue;
                };
                let value = match &kind {
                    Light::Alias(other) => self.lookup_name(id, other),
                    kind => self.binding_value(id, None, i, kind, &Namespace::default()),
                };
                return value.map(|mut e| {
                    if e.uncertain.is_none() {
                        e.uncertain = uncertain;
                    }
                    e
                });
            }
            let star = facts.star_imports[i].clone();
            let Some(uncertain) = self.decide(id, &star.conditions) else {
                continue;
            };
            let Some(path) = self.resolve_import(id, &star.target) else {
                continue;
            };
            let other = self.load(&path);
            let public = match self.facts(other).and_then(|f| f.dunder_all.as_ref()) {
                Some(all) => all.iter().any(|a| a.text == name),
                None => !name.starts_with('_'),
            };
            if !public {
                continue;
            }
            if let Some(mut e) = self.lookup_name(other, name) {
                if e.uncertain.is_none() {
                    e.uncertain = uncertain;
                }
                return Some(e);
            }
        }
        None
    }

    fn apply_star(&mut self, id: ModuleId, ns: &mut Namespace, star: &parse::StarImport) {
        let Some(uncertain) = self.decide(id, &star.conditions) else {
            return;
        };
        let Some(path) = self.resolve_import(id, &star.target) else {
            return;
        };
        let other = self.load(&path);
        let other_ns = self.namespace(other);
        let all = self.facts(other).and_then(|f| f.dunder_all.clone());
        for (name, entry) in other_ns.in_order() {
            let public = match &all {
                Some(all) => all.iter().any(|a| a.text == name),
                None => !name.starts_with('_'),
            };
            if public {
                let mut entry = entry.clone();
                if entry.uncertain.is_none() {
                    entry.uncertain = uncertain.clone();
                }
                ns.insert(name, entry);
            }
        }
    }

    pub(super) fn binding_value(
        &mut self,
        module: ModuleId,
        class: Option<usize>,
        index: usize,
        kind: &Light,
        ns: &Namespace,
    ) -> Option<Entry> {
        let code = CodeRef {
            module,
            class,
            binding: index,
        };
        let value = match kind {
            Light::Fixture => Value::Fixture(code),
            Light::Function => Value::Function(code),
            Light::Class(c) => Value::Class(ClassRef { module, class: *c }),
            Light::Alias(other) => return ns.get(other).cloned(),
            Light::Mark => Value::Mark(code),
            Light::Other => Value::Other,
            Light::ImportModule(target) => match self.resolve_import(module, target) {
                Some(path) => Value::Module(path),
                None => Value::Other,
            },
            Light::ImportFrom(target, name) => {
                return self.import_name(module, target, name);
            }
        };
        Some(Entry {
            value,
            uncertain: None,
        })
    }

    pub(super) fn import_name(
        &mut self,
        from: ModuleId,
        target: &ImportTarget,
        name: &str,
    ) -> Option<Entry> {
        let Some(path) = self.resolve_import(from, target) else {
            return Some(Entry {
                value: Value::Other,
                uncertain: None,
            });
        };
        let other = self.load(&path);
        if let Some(entry) = self.lookup_name(other, name) {
            return Some(entry);
        }
        // `from pkg import submodule`
        let sub = ImportTarget {
            level: 0,
            module: name.to_string(),
        };
        let dir = path.parent()?;
        let sub_path = if path.file_name().is_some_and(|n| n == "__init__.py") {
            let file = dir.join(format!("{}.py", sub.module));
            let init = dir.join(&sub.module).join("__init__.py");
            if self.is_file(&file) {
                Some(file)
            } else {
                self.is_file(&init).then_some(init)
            }
        } else {
            None
        };
        Some(Entry {
            value: match sub_path {
                Some(p) => Value::Module(p),
                None => Value::Other,
            },
            uncertain: None,
        })
    }
}

pub(super) fn bind(
    ns: &mut Namespace,
    name: &str,
    value: Option<Entry>,
    uncertain: Option<Uncertainty>,
) {
    match value {
        Some(mut entry) => {
            if entry.uncertain.is_none() {
                entry.uncertain = uncertain;
            }
            ns.insert(name, entry);
        }
        // An alias of a name that does not exist: rebinding fails at run time; treat the name
        // as gone.
        None => ns.remove(name),
    }
}
