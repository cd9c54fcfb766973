//! Classes: a class body's own namespace, its bases, MRO and the namespace of an instance (the
//! class dicts along the MRO).

use super::lookup::bind;
use super::*;

impl Loader {
    /// The namespace of a class body on its own (no bases).
    pub(super) fn own_class_namespace(&mut self, class: ClassRef) -> Namespace {
        let mut ns = Namespace::default();
        let Some(bindings) = self.facts(class.module).map(|f| {
            f.classes[class.class]
                .bindings
                .iter()
                .map(light)
                .collect::<Vec<_>>()
        }) else {
            return ns;
        };
        for (i, (name, conditions, kind)) in bindings.iter().enumerate() {
            let Some(uncertain) = self.decide(class.module, conditions) else {
                continue;
            };
            let value = self.binding_value(class.module, Some(class.class), i, kind, &ns);
            bind(&mut ns, name, value, uncertain);
        }
        ns
    }

    /// The method resolution order of a class: itself, then its project bases, depth-first
    /// left to right without repeats (C3 agrees on every hierarchy without diamonds).
    pub fn mro(&mut self, class: ClassRef) -> Vec<ClassRef> {
        if let Some(known) = self.mros.get(&class) {
            return known.clone();
        }
        let mut out = Vec::new();
        self.mro_into(class, &mut out, 0);
        self.mros.insert(class, out.clone());
        out
    }

    pub(super) fn mro_into(&mut self, class: ClassRef, out: &mut Vec<ClassRef>, depth: usize) {
        if depth > 64 || out.contains(&class) {
            return;
        }
        out.push(class);
        for base in self.bases(class) {
            self.mro_into(base, out, depth + 1);
        }
    }

    /// Project classes named as bases of `class`, resolved in its module's namespace.
    pub fn bases(&mut self, class: ClassRef) -> Vec<ClassRef> {
        let Some(bases) = self
            .facts(class.module)
            .map(|f| f.classes[class.class].bases.clone())
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for base in &bases {
            let mut parts = base.split('.');
            let Some(first) = parts.next() else { continue };
            // One name at the end of the module: the same value the whole namespace would
            // give, without evaluating (and loading the imports of) every other binding.
            let mut value = self.lookup_name(class.module, first).map(|e| e.value);
            for part in parts {
                value = match value {
                    Some(Value::Module(p)) => {
                        let m = self.load(&p);
                        self.lookup_name(m, part).map(|e| e.value)
                    }
                    _ => None,
                };
            }
            if let Some(Value::Class(c)) = value {
                out.push(c);
            }
        }
        out
    }

    /// What attribute lookup on an instance sees: every name of the class and its bases,
    /// the first definition along the MRO winning.
    pub fn class_namespace(&mut self, class: ClassRef) -> Arc<Namespace> {
        match self.class_namespaces.get(&class) {
            Some(Some(ns)) => return ns.clone(),
            Some(None) => return Arc::new(Namespace::default()),
            None => {}
        }
        self.class_namespaces.insert(class, None);
        let mut merged = Namespace::default();
        for c in self.mro(class) {
            let own = self.own_class_namespace(c);
            for (name, entry) in own.in_order() {
                if merged.get(name).is_none() {
                    merged.insert(name, entry.clone());
                }
            }
        }
        let ns = Arc::new(merged);
        self.class_namespaces.insert(class, Some(ns.clone()));
        ns
    }

    /// The own namespaces of a class and each base, in MRO order (for collection, which walks
    /// each class's `__dict__`).
    pub fn class_dicts(&mut self, class: ClassRef) -> Vec<(ClassRef, Namespace)> {
        self.mro(class)
            .into_iter()
            .map(|c| (c, self.own_class_namespace(c)))
            .collect()
    }
}
