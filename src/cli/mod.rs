//! The command line: argument parsing with clap and dispatch to the library. Every command is
//! a function from arguments to output and an exit code, so tests run it in-process.

mod commands;

use std::io::{IsTerminal, Write};
use std::ops::Not;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::analyze;
use crate::config::{Config, Exclude};
use crate::formats::OutputFormat;
use crate::graph::GraphFormat;
use crate::parse::ParseOptions;
use crate::report::Style;

use commands::{check, explain, fixtures, graph, rules_check};

#[derive(Parser, Debug)]
#[command(
    name = "fixmig",
    version,
    about = "Understands how pytest resolves fixtures across conftest.py files, and migrates them",
    after_help = "Examples:\n  fixmig check examples/staging\n  fixmig fixtures --per-test --format json tests/\n  fixmig explain 'tests/test_x.py::TestA::test_b'\n\nConfiguration: [tool.fixmig] in pyproject.toml, or fixmig.toml, found from the first PATH (or the current directory) upwards; command-line flags win over it."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to use colour: auto (only on a terminal, and not with NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The Python version `sys.version_info` checks are decided against, e.g. 3.11.
    #[arg(long, global = true, value_parser = parse_version, default_value = "3.11")]
    pub target_version: (u32, u32),
    /// The project's Python: an interpreter or a virtualenv directory (default: $VIRTUAL_ENV,
    /// else .venv/venv at the rootdir, else python3 on PATH). Only asked for its sys.path.
    #[arg(long, global = true)]
    pub python: Option<PathBuf>,
    /// Leave files matching this glob out of the analysis (repeatable; replaces `exclude` of the
    /// configuration). Relative to the current directory; a pattern without `/` matches any file
    /// or directory name.
    #[arg(long, global = true, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Read the configuration from this file (a fixmig.toml, or a pyproject.toml's
    /// [tool.fixmig]) instead of searching for one.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, global = true)]
    pub no_config: bool,
    /// Only the results and errors: no summary lines, no warnings, no progress bar.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Do not read or write the facts cache (`.fixmig_cache/` at the rootdir): parse every file.
    #[arg(long, global = true)]
    pub no_cache: bool,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Find fixtures that do not resolve, scope mismatches and cycles, statically.
    #[command(
        after_help = "Examples:\n  fixmig check examples/staging\n  fixmig check --format github --select FM0 .\n  fixmig check --format sarif . > fixmig.sarif"
    )]
    Check {
        /// Files or directories, as you would pass them to pytest (default: .).
        paths: Vec<PathBuf>,
        /// Output format [default: text, or `format` of the configuration].
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// Report only these codes or code prefixes (comma-separated or repeated; replaces
        /// `select` of the configuration), e.g. FM0,FM101.
        #[arg(long, value_delimiter = ',', value_name = "CODE")]
        select: Vec<String>,
        /// Do not report these codes or code prefixes (replaces `ignore` of the configuration).
        #[arg(long, value_delimiter = ',', value_name = "CODE")]
        ignore: Vec<String>,
    },
    /// List fixtures per conftest, or with --per-test the fixtures each test gets.
    #[command(
        after_help = "Example:\n  fixmig fixtures --per-test --format json examples/staging"
    )]
    Fixtures {
        paths: Vec<PathBuf>,
        /// Show, for every test, the fixture closure and the definition each name resolves to.
        #[arg(long)]
        per_test: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Apply TOML migration rules: prints a unified diff (dry run), or applies it with --write.
    #[command(
        after_help = "Examples:\n  fixmig migrate --rules rules/staging-real-services.toml examples/staging\n  fixmig migrate --rules rules/a.toml --rules rules/b.toml --check .\n  fixmig migrate --rules rules/a.toml --write ."
    )]
    Migrate {
        /// A rule file; repeat for several (applied in order, each rule seeing the result of the
        /// ones before) [default: `rules` of the configuration].
        #[arg(long = "rules")]
        rules: Vec<PathBuf>,
        /// Files or directories of the project (default: .).
        paths: Vec<PathBuf>,
        /// Write the changes (atomically; nothing is written if any file fails).
        #[arg(long, conflicts_with = "check")]
        write: bool,
        /// With --write: also replace or delete read-only files (mode without write bits, or
        /// not writable by you), keeping their mode. Without it --write refuses the whole
        /// migration, naming them (exit 2).
        #[arg(long, requires = "write")]
        force_read_only: bool,
        /// Exit 1 if the migration would change anything (for CI).
        #[arg(long)]
        check: bool,
        /// Output format: text (a unified diff), json (the edits); with --check also github
        /// and sarif (one finding per pending edit) [default: text, or with --check `format` of
        /// the configuration].
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// Collect every test module for every rule. A rename otherwise collects only the test
        /// modules that can change its plan (those that mention the names, or import what can
        /// bring them in), and falls back to every module when it would refuse the rule.
        #[arg(long)]
        full_analysis: bool,
    },
    /// Read the suite and print a rule file to review: aliases for missing fixtures with a close
    /// match, hoists for identical copies (and moves with --moves).
    #[command(
        after_help = "Example:\n  fixmig suggest examples/staging > rules.toml && fixmig migrate --rules rules.toml examples/staging"
    )]
    Suggest {
        paths: Vec<PathBuf>,
        /// Also suggest moving conftest fixtures that one subdirectory uses closer to it.
        #[arg(long)]
        moves: bool,
    },
    /// Work with rule files: validate them, print their JSON Schema, run their test cases.
    #[command(
        subcommand,
        after_help = "Examples:\n  fixmig rules check rules/staging-real-services.toml\n  fixmig rules schema > rules/schema.json\n  fixmig rules test rules/tests"
    )]
    Rules(RulesCommand),
    /// Print the fixture dependency graph (which fixture requests which, grouped by conftest or
    /// other holder; dashed edges: overrides) as Graphviz dot or a Mermaid flowchart.
    #[command(
        after_help = "Examples:\n  fixmig graph examples/staging | dot -Tsvg > fixtures.svg\n  fixmig graph --format mermaid --fixture staging_services_fixture examples/staging"
    )]
    Graph {
        /// Files or directories, as you would pass them to pytest (default: .).
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        /// Only the fixtures connected to fixtures of this name: what they request
        /// (transitively) and what requests them.
        #[arg(long, value_name = "NAME")]
        fixture: Option<String>,
    },
    /// Compare every test's fixtures at a git revision (BASE) with the work tree: tests that
    /// stop resolving, get another definition, another scope, ... grouped by the change.
    #[command(
        after_help = "Examples:\n  fixmig impact                       # against the merge base with origin/HEAD\n  fixmig impact main tests/\n  fixmig impact --format github origin/main\n\nExit 1 when a test gets a new setup error (FM001-FM003) or another definition's code (FM201); 0 otherwise (a pure move, FM202, is not a change)."
    )]
    Impact {
        /// The revision to compare with [default: the merge base of HEAD and origin/HEAD, or
        /// HEAD].
        base: Option<String>,
        /// Files or directories, as you would pass them to pytest (default: .).
        paths: Vec<PathBuf>,
        /// Output format [default: text, or `format` of the configuration].
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// List every affected test, and the tests added and removed.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  fixmig completions bash > ~/.local/share/bash-completion/completions/fixmig\n  fixmig completions zsh > ~/.zfunc/_fixmig\n  fixmig completions fish > ~/.config/fish/completions/fixmig.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Explain, for one test, each fixture it gets, where from, and why.
    #[command(
        after_help = "Example:\n  fixmig explain 'tests/e2e/staging/test_multi_user_concurrent_sessions.py::TestMultiUserConcurrentSessions::test_concurrent_users_different_agents' --path examples/staging"
    )]
    Explain {
        /// The test's node id, as pytest prints it (a `[param]` suffix is ignored).
        nodeid: String,
        /// The project directory (default: .).
        #[arg(long, default_value = ".")]
        path: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Validate rule files without touching any code.
    #[command(after_help = "Example:\n  fixmig rules check rules/staging-real-services.toml")]
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of rule files (what rules/schema.json holds), for editors.
    #[command(
        after_help = "Example:\n  fixmig rules schema > rules/schema.json\n\nThen start a rule file with `#:schema ./schema.json` (taplo, Even Better TOML)."
    )]
    Schema,
    /// Run rule test cases: each a directory with a case.toml (`rules = [...]`), an input/
    /// project and the expected output (expected.diff, or expected-error.txt).
    #[command(
        after_help = "Examples:\n  fixmig rules test rules/tests\n  fixmig rules test rules/tests/staging --update"
    )]
    Test {
        /// A directory of cases (subdirectories with a case.toml), or one case.
        dir: PathBuf,
        /// Write the actual outputs as the expected ones.
        #[arg(long)]
        update: bool,
    },
}

fn parse_version(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s
        .split_once('.')
        .ok_or_else(|| format!("expected MAJOR.MINOR, got `{s}`"))?;
    Ok((
        a.parse().map_err(|_| format!("bad major version `{a}`"))?,
        b.parse().map_err(|_| format!("bad minor version `{b}`"))?,
    ))
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// The configuration for a run that starts at `start` (`--config`, `--no-config`, else the file
/// found from `start` upwards). Its warnings go to `stderr` unless `--quiet`.
fn load_config(
    cli: &Cli,
    start: &Path,
    color: bool,
    stderr: &mut dyn Write,
) -> Result<Config, i32> {
    let loaded = if cli.no_config {
        Ok(None)
    } else if let Some(path) = &cli.config {
        crate::config::load(path).map(Some)
    } else {
        crate::config::find(start)
    };
    match loaded {
        Ok(config) => {
            let config = config.unwrap_or_default();
            if !cli.quiet {
                for w in &config.warnings {
                    let _ = writeln!(stderr, "fixmig: warning: {w}");
                }
            }
            Ok(config)
        }
        Err(e) => {
            let _ = write!(stderr, "{}", e.render(color));
            Err(2)
        }
    }
}

/// Where the configuration search starts: the command's first path.
fn config_start(command: &Command) -> Option<PathBuf> {
    let first = |paths: &[PathBuf]| paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    match command {
        Command::Check { paths, .. }
        | Command::Fixtures { paths, .. }
        | Command::Migrate { paths, .. }
        | Command::Suggest { paths, .. }
        | Command::Graph { paths, .. } => Some(first(paths)),
        // `impact PATH`: a first argument that is a path (and no revision) is the project.
        Command::Impact { base, paths, .. } => Some(match (paths.first(), base) {
            (None, Some(b)) if Path::new(b).exists() => PathBuf::from(b),
            _ => first(paths),
        }),
        Command::Explain { path, .. } => Some(path.clone()),
        Command::Rules(_) | Command::Completions { .. } => None,
    }
}

/// Lets the progress bar draw (the binary does this; in-process callers never see one).
static PROGRESS_ALLOWED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Allows the progress bar on stderr for runs that take over a second, when stderr is a terminal
/// and `--quiet` is not given. `main` calls it.
pub fn allow_progress() {
    PROGRESS_ALLOWED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Set by the binary: the process exits right after the command, so `check` saves the facts
/// cache and leaves its analysis to the OS instead of freeing it (tens of thousands of small
/// allocations: about 20 ms on pandas, 7% of a warm run).
static EXIT_AFTER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Called by `main`: see [`EXIT_AFTER`].
pub fn exit_after_command() {
    EXIT_AFTER.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Ends an analysis: freed, or (in the binary) left to the process exit after the facts cache
/// is saved.
fn release(index: crate::index::Index, resolutions: Vec<crate::resolve::ItemResolution>) {
    if EXIT_AFTER.load(std::sync::atomic::Ordering::Relaxed) {
        if let Some(cache) = &index.loader.cache {
            cache.save();
        }
        std::mem::forget((index, resolutions));
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let style = Style::new(use_color(cli.color));
    let color = style.bold.is_empty().not();
    let config = match config_start(&cli.command) {
        Some(start) => match load_config(&cli, &start, color, stderr) {
            Ok(c) => c,
            Err(code) => return code,
        },
        None => Config::default(),
    };
    let exclude = if cli.exclude.is_empty() {
        config.exclude.clone()
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        match Exclude::new(&cwd, &cli.exclude) {
            Ok(e) => Some(e),
            Err((_, message)) => {
                let _ = writeln!(stderr, "fixmig: error: --exclude: {message}");
                return 2;
            }
        }
    };
    let options = crate::Options {
        parse: ParseOptions {
            target_version: cli.target_version,
        },
        python: cli.python.clone().or_else(|| config.python.clone()),
        exclude,
        collect_importorskip: false,
        cache: if cli.no_cache {
            crate::cache::CacheMode::Off
        } else {
            crate::cache::CacheMode::ReadWrite
        },
        shared_facts: None,
        no_outlines: false,
        check_chunk: None,
    };
    let analyzes = config_start(&cli.command).is_some();
    if analyzes
        && !cli.quiet
        && PROGRESS_ALLOWED.load(std::sync::atomic::Ordering::Relaxed)
        && std::io::stderr().is_terminal()
    {
        crate::progress::start();
    }
    let quiet = cli.quiet;
    // Notes of an earlier command run on this thread (in-process callers) are not this one's.
    crate::take_notes();
    let result = match cli.command {
        Command::Check {
            paths,
            format,
            select,
            ignore,
        } => (|| {
            for code in select.iter().chain(&ignore) {
                if let Some(problem) = crate::formats::selector_problem(code) {
                    anyhow::bail!("--select/--ignore: {problem}");
                }
            }
            let selection = config.selection(&select, &ignore);
            let format = format.or(config.format).unwrap_or(OutputFormat::Text);
            check(&paths, format, &selection, quiet, options, style, stdout)
        })(),
        Command::Fixtures {
            paths,
            per_test,
            format,
        } => fixtures(&paths, per_test, format, options, style, stdout),
        Command::Explain { nodeid, path } => explain(&nodeid, path, options, stdout, stderr),
        Command::Migrate {
            rules,
            paths,
            write,
            force_read_only,
            check,
            format,
            full_analysis,
        } => (|| {
            let mode = if write {
                crate::migrate::Mode::Write
            } else if check {
                crate::migrate::Mode::Check
            } else {
                crate::migrate::Mode::DryRun
            };
            let format = match format {
                Some(f @ (OutputFormat::Github | OutputFormat::Sarif))
                    if mode != crate::migrate::Mode::Check =>
                {
                    anyhow::bail!(
                        "`migrate --format {}` needs --check (the findings are the pending edits)",
                        f.to_possible_value()
                            .map_or("?".into(), |v| v.get_name().to_string())
                    )
                }
                Some(f) => f,
                None if mode == crate::migrate::Mode::Check => {
                    config.format.unwrap_or(OutputFormat::Text)
                }
                None => OutputFormat::Text,
            };
            let rules = if rules.is_empty() {
                config.rules.clone()
            } else {
                rules
            };
            if rules.is_empty() {
                anyhow::bail!(
                    "no rule files: pass --rules FILE, or set `rules` in [tool.fixmig] (pyproject.toml) or fixmig.toml"
                );
            }
            crate::migrate::migrate(
                &crate::migrate::MigrateOptions {
                    rules,
                    paths,
                    mode,
                    format,
                    color,
                    quiet,
                    focus: !full_analysis,
                    force_read_only,
                    options: crate::Options {
                        collect_importorskip: true,
                        ..options.clone()
                    },
                },
                stdout,
                stderr,
            )
        })(),
        Command::Suggest { paths, moves } => (|| -> anyhow::Result<i32> {
            let mut analysis = analyze(&paths, &options)?;
            stdout.write_all(crate::suggest::suggest(&mut analysis, moves).as_bytes())?;
            Ok(0)
        })(),
        Command::Graph {
            paths,
            format,
            fixture,
        } => graph(&paths, format, fixture.as_deref(), options, stdout, stderr),
        Command::Impact {
            base,
            paths,
            format,
            verbose,
        } => crate::impact::impact(
            &crate::impact::ImpactOptions {
                base,
                paths,
                format: format.or(config.format).unwrap_or(OutputFormat::Text),
                verbose,
                style,
                options,
            },
            stdout,
        ),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "fixmig", stdout);
            Ok(0)
        }
        Command::Rules(RulesCommand::Check { files }) => rules_check(&files, style, stdout, stderr),
        Command::Rules(RulesCommand::Schema) => stdout
            .write_all(crate::rules::schema::json().as_bytes())
            .map(|()| 0)
            .map_err(Into::into),
        Command::Rules(RulesCommand::Test { dir, update }) => {
            crate::rules_test::run(&dir, update, color, stdout, stderr)
        }
    };
    crate::progress::finish();
    for note in crate::take_notes() {
        if !quiet {
            let _ = writeln!(stderr, "fixmig: note: {note}");
        }
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "fixmig: error: {e:#}");
            2
        }
    }
}
