//! An on-disk cache of per-file facts, keyed by the file's content hash (ruff's cache is the
//! model): a warm run on an unchanged tree reads and hashes every file but parses none.
//!
//! One file per cache key under the rootdir's `.fixmig_cache/` (which holds a `.gitignore`
//! ignoring everything, and a `CACHEDIR.TAG`, like `.ruff_cache`). The key covers everything the
//! facts of a file depend on besides its bytes: fixmig's version, a fingerprint of the parsing
//! code and the locked dependencies (computed by `build.rs`), the cache format, and the parse
//! options (`--target-version`). Discovery settings (ini files, `testpaths`, ...) do not change
//! what one file's facts are, so they are not part of the key: the cache is consulted after
//! discovery and the index is always rebuilt from facts.
//!
//! Soundness: an entry is the exact [`FileFacts`] that [`parse::parse_source`] returned for
//! bytes with that 128-bit XXH3 hash; an entry that does not decode is ignored (re-parsed), and
//! files that fail to parse (not UTF-8) are never stored. Writes go to a temporary file renamed
//! over the old one, so a concurrent or interrupted run sees either version, never a mix.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::parse::{self, FileFacts, ParseFailure, ParseOptions};

mod blob;
use blob::{read_index, Blob};

/// How an analysis uses the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// Neither read nor written (`--no-cache`; the library default).
    #[default]
    Off,
    /// Entries are reused, nothing is written (`migrate`).
    ReadOnly,
    /// Entries are reused, and those parsed anew are stored (`check`, `fixtures`, ...).
    ReadWrite,
}

impl CacheMode {
    /// This mode without writing.
    pub fn read_only(self) -> CacheMode {
        match self {
            CacheMode::ReadWrite => CacheMode::ReadOnly,
            other => other,
        }
    }
}

/// XORed into a file's content hash to key its skeleton facts.
const SKELETON_SALT: u128 = 0x736b_656c_6574_6f6e_0000_0000_0000_0001;
/// Salt of the keys of test-module facts ([`parse::parse_test_module`]).
const TEST_MODULE_SALT: u128 = 0x7465_7374_6d6f_6475_6c65_0000_0000_0002;

/// How many bytes of test modules a rename's analysis keeps syntax trees of
/// ([`FactsCache::keep_reference_trees`]). A tree takes about 40 times its text: without a
/// bound, a rename across 100k modules would hold some 5 GB of them. Beyond the budget the
/// plan parses a module again when it needs its tree (in batches, `plan::rename::edits`),
/// and the re-parse check of its edits starts from scratch. Pandas' `float_frame` needs
/// 2.1 MB, a rename across synthetic 10k 12 MB.
const REFERENCE_TREE_BUDGET: usize = 64 << 20;

/// [`REFERENCE_TREE_BUDGET`], unless a test set another ([`set_reference_tree_budget`]).
static TREE_BUDGET: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(REFERENCE_TREE_BUDGET);

/// Sets how many bytes of test modules a rename's analysis keeps trees of, for the tests of
/// what happens beyond the budget (for the whole process).
#[doc(hidden)]
pub fn set_reference_tree_budget(bytes: usize) {
    TREE_BUDGET.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// The cache directory's name, at the rootdir.
pub const DIR_NAME: &str = ".fixmig_cache";

/// Bumped whenever the container layout below changes.
const FORMAT: u32 = 1;
const MAGIC: &[u8; 8] = b"FIXMIGC\0";

/// The key of the cache file: fixmig's version, the facts fingerprint, the format and the
/// parse options.
pub fn cache_key(options: ParseOptions) -> u64 {
    let text = format!(
        "{}\0{}\0{FORMAT}\0{}.{}",
        env!("CARGO_PKG_VERSION"),
        env!("FIXMIG_FACTS_FINGERPRINT"),
        options.target_version.0,
        options.target_version.1
    );
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// The content hash of a file's bytes.
pub fn content_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// The facts of one run: entries read from disk, and those parsed in this run.
pub struct FactsCache {
    dir: PathBuf,
    file: PathBuf,
    /// The cache file as opened (read an entry at a time: a large suite's entries are never
    /// all in memory) and, per content hash, the range of its encoded facts.
    data: Blob,
    stored: HashMap<u128, Range<usize>>,
    state: Mutex<State>,
    writable: bool,
    /// Keeps what this run parsed for its later analyses ([`FactsCache::shared`]).
    memo: bool,
    /// A cache of this run only ([`FactsCache::for_this_run`]).
    run_only: bool,
}

/// One [`FactsCache`] for every analysis of a run: `migrate` analyses the project again after
/// each rule, and a file the rule left alone is not parsed twice.
#[derive(Clone)]
pub struct SharedFacts(pub std::sync::Arc<FactsCache>);

impl std::fmt::Debug for SharedFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedFacts")
    }
}

/// A tree kept for a rename's plan and the re-parse check of its edits.
struct ReferenceTree {
    /// The name whose uses the tree was made for.
    name: String,
    kept: parse::KeptTree,
    /// The plan took the tree (and its text).
    taken: bool,
}

#[derive(Default)]
struct State {
    /// Stored entries this run used.
    hits: HashSet<u128>,
    /// Entries parsed in this run: their range in `spill`.
    new: HashMap<u128, Range<usize>>,
    /// Where the entries parsed in this run wait for [`FactsCache::save`].
    spill: Blob,
    /// Outlines of test modules made in this run (kept in memory only, when shared).
    outlines: HashMap<u128, Option<std::sync::Arc<crate::parse::outline::Outline>>>,
    /// While set (a rename's first analysis): test modules whose bytes hold this name are
    /// parsed with the bodies that hold it too, and their trees kept for the plan.
    reference_name: Option<String>,
    /// Those trees (with the name and the text parsed), by the module's content hash.
    reference_trees: HashMap<u128, ReferenceTree>,
    /// The bytes of the modules those trees were made of, against [`REFERENCE_TREE_BUDGET`].
    reference_bytes: usize,
    /// Links read without a parse in this run (kept in memory only, when shared).
    links: HashMap<u128, Option<crate::parse::outline_links::ModuleLinks>>,
}

impl FactsCache {
    /// The cache for `rootdir` and `options`, with the entries already on disk (none when the
    /// file is missing, unreadable, or of another format or key); `None` when `mode` is off.
    pub fn open(rootdir: &Path, options: ParseOptions, mode: CacheMode) -> Option<FactsCache> {
        let writable = match mode {
            CacheMode::Off => return None,
            CacheMode::ReadOnly => false,
            CacheMode::ReadWrite => true,
        };
        let dir = rootdir.join(DIR_NAME);
        let key = cache_key(options);
        let file = dir.join(format!("facts-{key:016x}.bin"));
        let (data, stored) = match std::fs::File::open(&file) {
            Ok(opened) => match read_index(&opened, key) {
                Some(stored) => (Blob::from_file(opened), stored),
                None => (Blob::default(), HashMap::new()),
            },
            Err(_) => (Blob::default(), HashMap::new()),
        };
        Some(FactsCache {
            dir,
            file,
            data,
            stored,
            state: Mutex::new(State::default()),
            writable,
            memo: false,
            run_only: false,
        })
    }

    /// The facts of one run's analyses: the entries on disk as `mode` allows (none when off),
    /// and what the run parses kept in memory for its next analysis. Writes nothing unless
    /// `mode` is [`CacheMode::ReadWrite`].
    pub fn shared(rootdir: &Path, options: ParseOptions, mode: CacheMode) -> SharedFacts {
        let mut cache = FactsCache::open(rootdir, options, mode).unwrap_or_else(|| FactsCache {
            dir: rootdir.join(DIR_NAME),
            file: PathBuf::new(),
            data: Blob::default(),
            stored: HashMap::new(),
            state: Mutex::new(State::default()),
            writable: false,
            memo: true,
            run_only: false,
        });
        cache.memo = true;
        SharedFacts(std::sync::Arc::new(cache))
    }

    /// The cache of an analysis run without one (`--no-cache`): nothing is read from or
    /// written to the cache directory, but what the analysis parses is kept until it ends, in
    /// an unlinked temporary file of the system's temporary directory (memory when none can be
    /// made), so that a streaming check reading back the facts it dropped (an import of a
    /// module already checked, the explanation of a finding) does not parse the file again.
    pub fn for_this_run() -> FactsCache {
        FactsCache {
            dir: PathBuf::new(),
            file: PathBuf::new(),
            data: Blob::default(),
            stored: HashMap::new(),
            state: Mutex::new(State::default()),
            writable: false,
            memo: false,
            run_only: true,
        }
    }

    /// The facts of `bytes`: from the cache when an entry for their hash decodes, else parsed
    /// (and remembered for [`FactsCache::save`]).
    pub fn parse(&self, bytes: &[u8], options: ParseOptions) -> Result<FileFacts, ParseFailure> {
        self.cached(content_hash(bytes), || parse::parse_source(bytes, options))
    }

    /// The facts of a test module ([`parse::parse_test_module`]), stored under the content
    /// hash with a salt, apart from full facts.
    pub fn test_module(
        &self,
        bytes: &[u8],
        options: ParseOptions,
    ) -> Result<FileFacts, ParseFailure> {
        let name = match self.memo {
            true => self.lock().reference_name.clone(),
            false => None,
        };
        let hash = content_hash(bytes);
        match name {
            Some(name) if memchr::memmem::find(bytes, name.as_bytes()).is_some() => {
                self.cached(hash ^ TEST_MODULE_SALT, || {
                    // Beyond the budget, the module is parsed as any test module (the same
                    // facts), and the plan parses it again when it needs its tree.
                    let within_budget = {
                        let mut state = self.lock();
                        let fits = state.reference_bytes + bytes.len()
                            <= TREE_BUDGET.load(std::sync::atomic::Ordering::Relaxed);
                        if fits {
                            state.reference_bytes += bytes.len();
                        }
                        fits
                    };
                    if !within_budget {
                        return parse::parse_test_module(bytes, options);
                    }
                    let finder = memchr::memmem::Finder::new(name.as_bytes());
                    let (facts, tree) = parse::parse_test_module_keeping(bytes, options, |b| {
                        finder.find(b).is_some()
                    })?;
                    let mut state = self.lock();
                    match tree {
                        Some(kept) => {
                            state.reference_trees.insert(
                                hash,
                                ReferenceTree {
                                    name: name.clone(),
                                    kept,
                                    taken: false,
                                },
                            );
                        }
                        None => state.reference_bytes -= bytes.len(),
                    }
                    Ok(facts)
                })
            }
            _ => self.cached(hash ^ TEST_MODULE_SALT, || {
                parse::parse_test_module(bytes, options)
            }),
        }
    }

    /// Until called with `None`: test modules parsed whose bytes hold `name` are parsed with
    /// the function bodies that hold it too, and their trees (up to [`REFERENCE_TREE_BUDGET`]
    /// bytes of them) kept for
    /// [`FactsCache::take_reference_tree`] (a shared cache only). A rename's plan looks for the
    /// uses of a renamed parameter in those bodies: its analysis makes the trees once.
    pub fn keep_reference_trees(&self, name: Option<&str>) {
        if self.memo {
            self.lock().reference_name = name.map(str::to_string);
        }
    }

    /// The tree kept for `bytes` (a test module's) and `name`, with the text it was parsed
    /// from, as [`parse::tree_with_bodies`] would give them of the text after any BOM with the
    /// bodies holding `name` and possibly others; given once. The tree stays for
    /// [`FactsCache::base_tree`].
    pub fn take_reference_tree(
        &self,
        bytes: &[u8],
        name: &str,
    ) -> Option<(tree_sitter::Tree, Vec<u8>)> {
        let hash = content_hash(bytes);
        let mut state = self.lock();
        match state.reference_trees.get_mut(&hash) {
            Some(r) if r.name == name && !r.taken => {
                r.taken = true;
                Some((r.kept.tree.clone(), std::mem::take(&mut r.kept.text)))
            }
            _ => None,
        }
    }

    /// A tree kept for `bytes` (any name) for an incremental re-parse check of edits to them:
    /// the tree of the text after any BOM, and where it does not describe that text.
    pub fn base_tree(&self, bytes: &[u8]) -> Option<crate::edit::BaseTree> {
        let hash = content_hash(bytes);
        self.lock()
            .reference_trees
            .get(&hash)
            .map(|r| crate::edit::BaseTree {
                tree: r.kept.tree.clone(),
                unparsed: r.kept.unparsed.clone(),
            })
    }

    /// Drops the trees kept for [`FactsCache::take_reference_tree`] and
    /// [`FactsCache::base_tree`].
    pub fn forget_reference_trees(&self) {
        let trees = {
            let mut state = self.lock();
            state.reference_bytes = 0;
            std::mem::take(&mut state.reference_trees)
        };
        crate::drop_in_background(trees);
    }

    /// The entry for `hash` when it decodes, else `parse()` (remembered when it succeeds).
    fn cached<E>(
        &self,
        hash: u128,
        parse: impl FnOnce() -> Result<FileFacts, E>,
    ) -> Result<FileFacts, E> {
        if let Some(facts) = self.stored_facts(hash) {
            return Ok(facts);
        }
        // Parsed earlier in this run: a shared cache's later analyses, or a streaming check
        // reading back the facts it dropped.
        if let Some(facts) = self.new_facts(hash) {
            return Ok(facts);
        }
        let facts = parse()?;
        if self.writable || self.memo || self.run_only {
            if let Ok(encoded) = postcard::to_stdvec(&facts) {
                self.add_new(&mut self.lock(), hash, &encoded);
            }
        }
        Ok(facts)
    }

    /// Adds an entry parsed in this run (unless it has one for `hash`).
    fn add_new(&self, state: &mut State, hash: u128, encoded: &[u8]) {
        if state.new.contains_key(&hash) {
            return;
        }
        if matches!(state.spill, Blob::Empty) {
            state.spill = self.new_spill();
        }
        if let Some(range) = state.spill.append(encoded) {
            state.new.insert(hash, range);
        }
    }

    /// Where this run's new entries wait: an unlinked temporary file of the cache directory
    /// when the cache is written and one can be made there, of the system's temporary
    /// directory for a cache of this run only, else memory.
    fn new_spill(&self) -> Blob {
        if self.writable && ensure_dir(&self.dir).is_ok() {
            return Blob::spill_file(&self.dir);
        }
        match self.run_only {
            true => Blob::spill_file(&std::env::temp_dir()),
            false => Blob::Memory(Vec::new()),
        }
    }

    /// The entry of the cache file for `hash`, when it decodes (counted as used).
    fn stored_facts(&self, hash: u128) -> Option<FileFacts> {
        let range = self.stored.get(&hash)?;
        let facts = postcard::from_bytes::<FileFacts>(&self.data.read(range.clone())?).ok()?;
        self.lock().hits.insert(hash);
        Some(facts)
    }

    /// The entry parsed earlier in this run for `hash`.
    fn new_facts(&self, hash: u128) -> Option<FileFacts> {
        let encoded = {
            let state = self.lock();
            state.spill.read(state.new.get(&hash)?.clone())?
        };
        postcard::from_bytes::<FileFacts>(&encoded).ok()
    }

    /// Remembers `facts`, the facts [`parse::parse_source`] finds in `bytes` (made from a tree
    /// at hand, [`parse::facts_of_tree`]), for the run's later analyses: as the facts of
    /// [`FactsCache::parse`], and of [`FactsCache::test_module`] when they hold no syntax
    /// error (the facts of a test module are then those of the full parse; see
    /// `tests/skeleton_corpus.rs`). Only a shared cache remembers.
    pub fn remember_parsed(&self, bytes: &[u8], facts: &FileFacts) {
        if !self.memo {
            return;
        }
        let Ok(encoded) = postcard::to_stdvec(facts) else {
            return;
        };
        let hash = content_hash(bytes);
        let mut state = self.lock();
        if facts.syntax_error.is_none() && !self.stored.contains_key(&(hash ^ TEST_MODULE_SALT)) {
            self.add_new(&mut state, hash ^ TEST_MODULE_SALT, &encoded);
        }
        if !self.stored.contains_key(&hash) {
            self.add_new(&mut state, hash, &encoded);
        }
    }

    /// The skeleton facts of `bytes` ([`parse::parse_skeleton`]): from the cache, else made
    /// (and remembered). Stored under the content hash with a salt, apart from full facts.
    pub fn skeleton(&self, bytes: &[u8], options: ParseOptions) -> Option<FileFacts> {
        self.cached(content_hash(bytes) ^ SKELETON_SALT, || {
            parse::parse_skeleton(bytes, options).ok_or(())
        })
        .ok()
    }

    /// The outline of a test module's bytes ([`parse::outline::outline`]); a shared cache
    /// remembers it for the run's later analyses (it is never written to disk).
    pub fn outline(&self, bytes: &[u8]) -> Option<std::sync::Arc<crate::parse::outline::Outline>> {
        if !self.memo {
            return parse::outline::outline(bytes).map(std::sync::Arc::new);
        }
        let hash = content_hash(bytes);
        if let Some(known) = self.lock().outlines.get(&hash) {
            return known.clone();
        }
        let made = parse::outline::outline(bytes).map(std::sync::Arc::new);
        self.lock().outlines.insert(hash, made.clone());
        made
    }

    /// The links of a module's bytes read without a parse ([`parse::outline_links::links`]); a
    /// shared cache remembers them for the run's later analyses (never written to disk).
    pub fn module_links(&self, bytes: &[u8]) -> Option<crate::parse::outline_links::ModuleLinks> {
        if !self.memo {
            return parse::outline_links::links(bytes);
        }
        let hash = content_hash(bytes);
        if let Some(known) = self.lock().links.get(&hash) {
            return known.clone();
        }
        let made = parse::outline_links::links(bytes);
        self.lock().links.insert(hash, made.clone());
        made
    }

    /// The skeleton facts of `bytes` when the cache holds them (on disk, or parsed earlier in
    /// this run when shared); parses nothing.
    pub fn known_skeleton(&self, bytes: &[u8]) -> Option<FileFacts> {
        let hash = content_hash(bytes) ^ SKELETON_SALT;
        self.stored_facts(hash).or_else(|| self.new_facts(hash))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the cache file when this run parsed anything: the stored entries plus the new
    /// ones, or only those this run used once stale entries outnumber them (edited files leave
    /// their old entries behind). Errors (read-only tree, ...) are ignored: the cache is an
    /// optimisation only. Called when the cache is dropped with the analysis (or by the CLI,
    /// which leaves its last analysis to the process exit).
    pub(crate) fn save(&self) {
        let state = self.lock();
        if !self.writable || state.new.is_empty() {
            return;
        }
        let used = state.hits.len() + state.new.len();
        let prune = self.stored.len() - state.hits.len() > used;
        let mut entries: Vec<(u128, &Blob, Range<usize>)> = self
            .stored
            .iter()
            .filter(|(hash, _)| !prune || state.hits.contains(hash))
            .filter(|(hash, _)| !state.new.contains_key(hash))
            .map(|(hash, range)| (*hash, &self.data, range.clone()))
            .collect();
        entries.extend(
            state
                .new
                .iter()
                .map(|(h, range)| (*h, &state.spill, range.clone())),
        );
        entries.sort_unstable_by_key(|(h, _, _)| *h);
        let _ = self.write(&entries);
    }

    /// Writes the cache file, an entry at a time (copied from where it waits).
    fn write(&self, entries: &[(u128, &Blob, Range<usize>)]) -> std::io::Result<()> {
        let key = self
            .file
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.strip_prefix("facts-"))
            .and_then(|s| u64::from_str_radix(s, 16).ok())
            .unwrap_or_default();
        write_atomically(&self.dir, &self.file, &mut |out| {
            out.write_all(MAGIC)?;
            out.write_all(&FORMAT.to_le_bytes())?;
            out.write_all(&key.to_le_bytes())?;
            out.write_all(&(entries.len() as u32).to_le_bytes())?;
            for (hash, blob, range) in entries {
                let encoded = blob
                    .read(range.clone())
                    .ok_or_else(|| std::io::Error::other("a cache entry could not be read back"))?;
                out.write_all(&hash.to_le_bytes())?;
                out.write_all(&(encoded.len() as u32).to_le_bytes())?;
                out.write_all(&encoded)?;
            }
            Ok(())
        })
    }
}

impl Drop for FactsCache {
    fn drop(&mut self) {
        self.save();
    }
}

/// Writes what `write` writes (through a buffer) to `file` in the cache directory `dir`
/// (created if needed) through a temporary file renamed over it: readers see the old file or
/// the new one, never a mix.
pub(crate) fn write_atomically(
    dir: &Path,
    file: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    ensure_dir(dir)?;
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp);
    write(&mut out)?;
    let tmp = out.into_inner().map_err(|e| e.into_error())?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// Creates the cache directory with its `.gitignore` and `CACHEDIR.TAG`.
pub(crate) fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    create_whole(
        dir,
        &dir.join(".gitignore"),
        b"# Automatically created by fixmig.\n*\n",
    )?;
    create_whole(
        dir,
        &dir.join("CACHEDIR.TAG"),
        b"Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by fixmig.\n",
    )
}

/// Creates `file` with `bytes` unless it exists, through a temporary file linked in without
/// replacing anything: another process creating it at the same time never sees it empty.
fn create_whole(dir: &Path, file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if file.exists() {
        return Ok(());
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    match tmp.persist_noclobber(file) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_reuses_facts() {
        let dir = tempfile::tempdir().unwrap();
        let options = ParseOptions::default();
        let src = b"import pytest\n\n@pytest.fixture\ndef db():\n    return 1\n";
        let cold = FactsCache::open(dir.path(), options, CacheMode::ReadWrite).unwrap();
        let parsed = cold.parse(src, options).unwrap();
        drop(cold);
        assert!(dir.path().join(DIR_NAME).join(".gitignore").is_file());
        let warm = FactsCache::open(dir.path(), options, CacheMode::ReadWrite).unwrap();
        assert_eq!(warm.stored.len(), 1);
        assert_eq!(warm.parse(src, options).unwrap(), parsed);
        assert_eq!(warm.lock().hits.len(), 1);
        assert!(warm.lock().new.is_empty());
        // Another target version is another cache file.
        let other = ParseOptions {
            target_version: (3, 8),
        };
        assert!(FactsCache::open(dir.path(), other, CacheMode::ReadWrite)
            .unwrap()
            .stored
            .is_empty());
    }

    #[test]
    fn ignores_damaged_files() {
        let dir = tempfile::tempdir().unwrap();
        let options = ParseOptions::default();
        let cache = FactsCache::open(dir.path(), options, CacheMode::ReadWrite).unwrap();
        cache.parse(b"x = 1\n", options).unwrap();
        let file = cache.file.clone();
        drop(cache);
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&file, &bytes).unwrap();
        let reopened = FactsCache::open(dir.path(), options, CacheMode::ReadWrite).unwrap();
        assert!(reopened.stored.is_empty());
        assert!(reopened.parse(b"x = 1\n", options).is_ok());
    }
}
