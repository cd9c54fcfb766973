//! Test modules whose facts are read only when needed: a streaming build
//! ([`crate::index::Index::build_streaming`]) adds every test module without its facts, parses
//! them a chunk at a time just before collection, and drops each one's facts once its items are
//! checked. Any later use through an import reads the facts again (and keeps them).

use rayon::prelude::*;

use super::{Loader, ModuleRole, Problem};
use crate::index::ModuleId;

/// How many deferred test modules [`Loader::read_deferred_from`] parses at a time: enough to
/// keep both cores busy, few enough that their facts are a small part of the peak memory.
const CHUNK: usize = 256;

impl Loader {
    /// Marks a test module added without its facts: they are read on first use.
    pub fn defer(&mut self, id: ModuleId) {
        self.deferred.insert(id, false);
    }

    /// True while the module's facts are not in memory (not read yet, or dropped).
    pub fn is_deferred(&self, id: ModuleId) -> bool {
        self.deferred.contains_key(&id)
    }

    /// Reads, in parallel, the facts of the deferred modules among the next [`CHUNK`] of
    /// `ids`, then parses ahead what they import.
    pub fn read_deferred_from(&mut self, ids: &[ModuleId], collected: &dyn Fn(&str) -> bool) {
        let chunk: Vec<ModuleId> = ids
            .iter()
            .copied()
            .filter(|id| self.is_deferred(*id))
            .take(CHUNK)
            .collect();
        self.read_deferred(&chunk);
        self.prefetch(&chunk, collected);
        self.prefetch_links(&chunk, collected);
    }

    /// Reads the facts of every deferred module among `ids` (in parallel), reporting the
    /// problems of a module's first reading only.
    pub fn read_deferred(&mut self, ids: &[ModuleId]) {
        let todo: Vec<(ModuleId, bool)> = ids
            .iter()
            .filter_map(|id| Some((*id, *self.deferred.get(id)?)))
            .collect();
        if todo.is_empty() {
            return;
        }
        let loader = &*self;
        let cache = self.cache.as_deref();
        let read: Vec<_> = todo
            .par_iter()
            .map(|(id, _)| {
                crate::index::build::read_facts_of_test_module(
                    loader,
                    cache,
                    &loader.rootdir,
                    &loader.modules[*id].path,
                    loader.options,
                )
            })
            .collect();
        for ((id, reported), (facts, problems)) in todo.into_iter().zip(read) {
            self.deferred.remove(&id);
            if !reported {
                self.problems.extend(problems);
                if let Some((line, col)) = facts.as_ref().and_then(|f| f.syntax_error) {
                    let problem = Problem::syntax(&self.rootdir, &self.modules[id].path, line, col);
                    self.problems.push(problem);
                }
            }
            self.modules[id].facts = facts.map(Box::new);
        }
    }

    /// Reads back every module whose facts were dropped (or never read).
    pub fn read_all_deferred(&mut self) {
        let mut ids: Vec<ModuleId> = self.deferred.keys().copied().collect();
        ids.sort_unstable();
        self.read_deferred(&ids);
    }

    /// Drops the facts of a collected test module nothing has imported; an import reads them
    /// again ([`Loader::load`]).
    pub fn drop_facts(&mut self, id: ModuleId) {
        let module = &mut self.modules[id];
        if module.role != ModuleRole::TestModule
            || self.imported_test_modules.contains(&id)
            || self.deferred.contains_key(&id)
        {
            return;
        }
        module.facts = None;
        self.deferred.insert(id, true);
    }

    /// A test module reached through an import: its facts are read if they are not in
    /// memory, and kept from now on.
    pub(super) fn imported(&mut self, id: ModuleId) {
        if self.modules[id].role != ModuleRole::TestModule {
            return;
        }
        self.imported_test_modules.insert(id);
        self.read_deferred(&[id]);
    }
}
