//! Building the index: the project's files parsed in parallel (from the facts cache where it
//! holds them) while the Python environment is read, the imported modules prefetched, then
//! collection (see [`collect`](super::collect)).

use super::*;

impl Index {
    /// Parses the project's files in parallel and builds the index. With `focus`, only the
    /// test modules that can change how requests of those names resolve are collected
    /// ([`focus`](super::focus)); the others are listed in [`Index::left_out`].
    pub fn build(
        project: &Project,
        opts: &crate::Options,
        reader: &SourceReader,
        focus: Option<&[String]>,
    ) -> Index {
        Index::build_with(project, opts, reader, focus, None)
    }

    /// [`Index::build`] (without a focus) streamed: test modules are parsed a chunk at a time
    /// just before they are collected, and `after_module` runs each time one is collected.
    /// The caller may resolve the items collected so far, take them out of [`Index::tests`]
    /// (every fixture an item can see is registered by then) and drop the facts of their
    /// modules ([`Index::drop_collected_facts`]), so that neither the whole suite's items nor
    /// its test modules' facts are ever held at once.
    pub fn build_streaming(
        project: &Project,
        opts: &crate::Options,
        reader: &SourceReader,
        after_module: &mut dyn FnMut(&mut Index),
    ) -> Index {
        Index::build_with(project, opts, reader, None, Some(after_module))
    }

    fn build_with(
        project: &Project,
        opts: &crate::Options,
        reader: &SourceReader,
        focus: Option<&[String]>,
        after_module: Option<&mut dyn FnMut(&mut Index)>,
    ) -> Index {
        let options = opts.parse;
        let deferring = after_module.is_some() && focus.is_none();
        let mut mentions = focus.map(focus::Mentions::new);
        let cache = match &opts.shared_facts {
            Some(shared) => Some(shared.0.clone()),
            None => Some(std::sync::Arc::new(
                FactsCache::open(&project.rootdir, options, opts.cache)
                    .unwrap_or_else(FactsCache::for_this_run),
            )),
        };
        // The environment (one interpreter query, the distributions' metadata, the plugin
        // modules and the installed pytest's builtins) is read while the project is parsed.
        let (parsed, (environment, builtin_set, preparsed)) = rayon::join(
            || {
                project
                    .files
                    .par_iter()
                    .map(|f| {
                        if deferring && f.kind == FileKind::TestModule {
                            return ProjectFile::Deferred;
                        }
                        let read = read_project_file(
                            reader,
                            cache.as_deref(),
                            &project.rootdir,
                            f,
                            options,
                            mentions.as_ref(),
                            !opts.no_outlines,
                        );
                        crate::progress::inc();
                        read
                    })
                    .collect::<Vec<ProjectFile>>()
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
        // The project's files in order: loaded (a module id) or, in a focused build, a test
        // module only outlined (see `focus`).
        let mut files: Vec<(Option<ModuleId>, FileKind)> = Vec::new();
        let mut outlines: Vec<(PathBuf, std::sync::Arc<crate::parse::outline::Outline>)> =
            Vec::new();
        for (f, read) in project.files.iter().zip(parsed) {
            let (facts, problems, mentioned) = match read {
                ProjectFile::Outlined(outline) => {
                    loader.add_unloaded(&f.path);
                    outlines.push((f.path.clone(), outline));
                    files.push((None, f.kind));
                    continue;
                }
                ProjectFile::Read(facts, problems, mentioned) => (facts, problems, mentioned),
                ProjectFile::Deferred => {
                    let id = loader.add(f.path.clone(), ModuleRole::TestModule, None::<FileFacts>);
                    loader.defer(id);
                    files.push((Some(id), f.kind));
                    continue;
                }
            };
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
            if let Some(m) = mentions.as_mut() {
                m.note(id, mentioned);
            }
            files.push((Some(id), f.kind));
        }
        // Parse, in parallel, the modules the project's imports will reach (lookups then find
        // them ready instead of parsing them one by one).
        let ids: Vec<ModuleId> = files.iter().filter_map(|(id, _)| *id).collect();
        if crate::timing() {
            crate::phase_timing(&match mentions {
                Some(_) => format!(
                    "parse project files ({} test modules only outlined)",
                    outlines.len()
                ),
                None => "parse project files".to_string(),
            });
        }
        let collected = |name: &str| collect::is_collected_name(&project.config, name);
        // With a focus, what is collected is known after the focus step, which prefetches it;
        // the skeleton links, which the focus step follows too, are made ahead for every file.
        if mentions.is_none() {
            loader.prefetch(&ids, &collected);
        }
        loader.prefetch_links(&ids, &collected);
        loader.prefetch_import_links(outlines.iter().flat_map(|(path, outline)| {
            outline
                .from_imports
                .iter()
                .filter(|f| !collected(&f.bound))
                .map(move |f| (path.as_path(), &f.target, f.name.as_str()))
        }));
        if crate::timing() {
            crate::phase_timing(&if mentions.is_some() {
                "skeleton links".to_string()
            } else {
                format!(
                    "prefetch imported modules ({} parsed)",
                    loader.prefetched_count()
                )
            });
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
            conftests: HashMap::new(),
            hooks_memo: None,
            left_out: Vec::new(),
            collected_modules: Vec::new(),
            nodes_checked: 0,
            pytest: project.pytest.clone(),
        };
        let files = match mentions.as_mut() {
            None => files
                .into_iter()
                .filter_map(|(id, k)| Some((id?, k)))
                .collect(),
            Some(mentions) => {
                let kept = index.focus(project, files, outlines, mentions, &collected, options);
                let ids: Vec<ModuleId> = kept.iter().map(|(id, _)| *id).collect();
                index.loader.prefetch(&ids, &collected);
                if crate::timing() {
                    crate::phase_timing(&format!(
                        "focus ({} test modules left out)",
                        index.left_out.len()
                    ));
                }
                kept
            }
        };
        collect::populate(
            &mut index,
            project,
            &files,
            after_module.unwrap_or(&mut |_| {}),
        );
        index.loader.forget_namespaces();
        crate::phase_timing("collect");
        for w in &project.warnings {
            index.loader.problems.push(Problem {
                code: w.code,
                path: rel_path(&project.rootdir, &w.path),
                line: w.line,
                column: 1,
                message: w.message.clone(),
            });
        }
        index.problems = std::mem::take(&mut index.loader.problems);
        index
    }
}

/// One project file as the parallel read left it.
enum ProjectFile {
    /// Its facts (or none: the problems say why), and whether its bytes hold a focus name.
    /// Boxed as the loader keeps them: a streaming build reads most files later.
    Read(Option<Box<FileFacts>>, Vec<Problem>, bool),
    /// A test module of a focused build whose bytes do not hold the names, outlined instead of
    /// parsed (see `focus`).
    Outlined(std::sync::Arc<crate::parse::outline::Outline>),
    /// A test module of a streaming build, read just before it is collected.
    Deferred,
}

/// Reads and parses one project file; in a focused build, a test module whose bytes do not
/// hold the names is only outlined when it can be.
fn read_project_file(
    reader: &SourceReader,
    cache: Option<&FactsCache>,
    rootdir: &Path,
    file: &crate::discover::ProjectFile,
    options: parse::ParseOptions,
    mentions: Option<&focus::Mentions>,
    outlines: bool,
) -> ProjectFile {
    // Test modules are parsed without the function bodies that hold no fact
    // (`parse::parse_test_module`).
    let test_module = file.kind == FileKind::TestModule;
    let bytes = match reader(&file.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return ProjectFile::Read(
                None,
                vec![Problem::unreadable(rootdir, &file.path, &e)],
                false,
            )
        }
    };
    let mentioned = mentions.is_some_and(|m| m.in_bytes(&bytes));
    if outlines && test_module && mentions.is_some() && !mentioned {
        let outline = match cache {
            Some(cache) => cache.outline(&bytes),
            None => crate::parse::outline::outline(&bytes).map(std::sync::Arc::new),
        };
        if let Some(outline) = outline {
            return ProjectFile::Outlined(outline);
        }
    }
    let (facts, problems) = facts_of(rootdir, &file.path, &bytes, |bytes| {
        match (cache, test_module) {
            (Some(cache), true) => cache.test_module(bytes, options),
            (Some(cache), false) => cache.parse(bytes, options),
            (None, true) => parse::parse_test_module(bytes, options),
            (None, false) => parse::parse_source(bytes, options),
        }
    });
    ProjectFile::Read(facts.map(Box::new), problems, mentioned)
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

/// Reads and parses one test module (through `cache` when there is one), as the build's
/// parallel read does: its facts, or the problem that left it without any.
pub(super) fn read_facts_of_test_module(
    loader: &namespace::Loader,
    cache: Option<&FactsCache>,
    rootdir: &Path,
    path: &Path,
    options: parse::ParseOptions,
) -> (Option<FileFacts>, Vec<Problem>) {
    let bytes = match loader.read(path) {
        Ok(bytes) => bytes,
        Err(e) => return (None, vec![Problem::unreadable(rootdir, path, &e)]),
    };
    facts_of(rootdir, path, &bytes, |bytes| match cache {
        Some(cache) => cache.test_module(bytes, options),
        None => parse::parse_test_module(bytes, options),
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
    facts_of(rootdir, path, &bytes, parse)
}

/// Parses one file's bytes with `parse`: its facts, or the problem that left it without any.
fn facts_of(
    rootdir: &Path,
    path: &Path,
    bytes: &[u8],
    parse: impl FnOnce(&[u8]) -> Result<FileFacts, parse::ParseFailure>,
) -> (Option<FileFacts>, Vec<Problem>) {
    match parse(bytes) {
        Ok(facts) => (Some(facts), Vec::new()),
        Err(parse::ParseFailure::NotUtf8 { line }) => {
            (None, vec![Problem::not_utf8(rootdir, path, line)])
        }
        Err(parse::ParseFailure::TooLarge) => (None, vec![Problem::too_large(rootdir, path)]),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A file too large for the facts' spans is skipped with FM901, naming the file.
    #[test]
    fn a_file_of_4_gib_is_reported_as_fm901() {
        let file = tempfile::tempfile().expect("a temporary file");
        file.set_len(crate::parse::Span::MAX_FILE_BYTES as u64 + 1)
            .expect("a sparse file of 4 GiB");
        // SAFETY: the file is private to this test, and nobody changes it while it is mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.expect("mapped");
        let root = Path::new("/project");
        let (facts, problems) = facts_of(root, &root.join("tests/test_huge.py"), &map, |b| {
            parse::parse_test_module(b, parse::ParseOptions::default())
        });
        assert!(facts.is_none());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "FM901");
        assert_eq!(problems[0].path, "tests/test_huge.py");
        assert_eq!(
            problems[0].message,
            "4 GiB or larger: too large for fixmig to parse; skipped"
        );
    }
}
