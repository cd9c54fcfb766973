//! Loading pytest configuration files into raw option values, the way pytest 9.2's
//! `config/findpaths.py` loaders do: `pytest.toml`/`.pytest.toml` (`[pytest]`, TOML
//! mode), `pytest.ini`/`.pytest.ini` (always a config file), `pyproject.toml`
//! (`[tool.pytest]` TOML mode or `[tool.pytest.ini_options]` ini mode), `tox.ini`
//! (`[pytest]`) and `setup.cfg` (`[tool:pytest]`). Values keep source positions.
//! Converting raw values to typed options (pytest's `Config._getini`) is also here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::ini::{parse_ini, py_repr};
use super::pattern::{shlex_split, Pos};
use super::{ConfigError, DiscoverWarning};
use crate::pytest_version::PytestVersion;

/// How pytest interprets a value: "ini" (strings, split per option type) or "toml"
/// (native types, checked strictly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Ini,
    Toml,
}

/// A scalar that is not a string: Python type name and `str()` form.
#[derive(Debug, Clone)]
pub(crate) struct Foreign {
    pub type_name: &'static str,
    pub py_str: String,
}

#[derive(Debug, Clone)]
pub(crate) enum RawValue {
    /// A string, each character with its position.
    Text(Vec<(char, Pos)>),
    /// A TOML array; items are strings or foreign values.
    List(Vec<(Result<String, Foreign>, Pos)>),
    /// Any other TOML value.
    Other(Foreign),
}

#[derive(Debug, Clone)]
pub(crate) struct RawOption {
    pub mode: Mode,
    pub value: RawValue,
    /// Where the value starts.
    pub pos: Pos,
}

/// The options of the selected configuration file, by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawConfig {
    pub options: BTreeMap<String, RawOption>,
}

/// The configuration file names pytest 9 looks for, in precedence order.
const CONFIG_NAMES_9: [&str; 7] = [
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
];

/// The configuration file names `version` looks for, in precedence order (pytest 8 knows no
/// `pytest.toml`).
pub(crate) fn config_names(version: &PytestVersion) -> &'static [&'static str] {
    if version.native_toml_config() {
        &CONFIG_NAMES_9
    } else {
        &CONFIG_NAMES_9[2..]
    }
}

/// What a loader noticed besides the configuration: warnings for FM903/FM905.
pub(crate) type Notes = Vec<super::DiscoverWarning>;

fn read(path: &Path) -> Result<String, ConfigError> {
    // `fixmig impact` reads another revision's configuration through an overlay.
    let bytes = crate::inputs::overlay_read(path)
        .unwrap_or_else(|| std::fs::read(path))
        .map_err(|e| ConfigError::at(path, 0, 0, e.to_string()))?;
    String::from_utf8(bytes)
        .map_err(|e| ConfigError::at(path, 1, 1, format!("file is not valid UTF-8: {e}")))
}

/// Loads `path` with the loader `version` uses for its file name. `Ok(None)` means the
/// file holds no pytest configuration. Sections another pytest version would read
/// differently are noted in `notes`.
pub(crate) fn load_by_name(
    path: &Path,
    version: &PytestVersion,
    notes: &mut Notes,
) -> Result<Option<RawConfig>, ConfigError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match name {
        "pytest.toml" | ".pytest.toml" if version.native_toml_config() => {
            load_pytest_toml(path).map(Some)
        }
        "pytest.ini" => Ok(Some(load_ini_section(path, "pytest")?.unwrap_or_default())),
        ".pytest.ini" => {
            let section = load_ini_section(path, "pytest")?;
            Ok(section.or_else(|| {
                version
                    .empty_dot_pytest_ini_counts()
                    .then(RawConfig::default)
            }))
        }
        "pyproject.toml" => load_pyproject(path, version, notes),
        "tox.ini" => load_ini_section(path, "pytest"),
        "setup.cfg" => load_setup_cfg(path),
        _ => Ok(None),
    }
}

fn parse_ini_file(path: &Path) -> Result<super::ini::IniDoc, ConfigError> {
    let text = read(path)?;
    parse_ini(&text).map_err(|e| ConfigError::at(path, e.line, 1, e.message))
}

fn ini_config(section: &super::ini::IniSection) -> RawConfig {
    let mut cfg = RawConfig::default();
    for e in &section.entries {
        let pos = e.value.first().map(|(_, p)| *p).unwrap_or(Pos {
            line: e.key_pos.line,
            column: e.key_pos.column + e.key.chars().count(),
        });
        let opt = RawOption {
            mode: Mode::Ini,
            value: RawValue::Text(e.value.clone()),
            pos,
        };
        cfg.options.insert(e.key.clone(), opt);
    }
    cfg
}

fn load_ini_section(path: &Path, section: &str) -> Result<Option<RawConfig>, ConfigError> {
    let doc = parse_ini_file(path)?;
    Ok(doc.section(section).map(ini_config))
}

fn load_setup_cfg(path: &Path) -> Result<Option<RawConfig>, ConfigError> {
    let doc = parse_ini_file(path)?;
    if let Some(sec) = doc.section("tool:pytest") {
        return Ok(Some(ini_config(sec)));
    }
    if let Some(sec) = doc.section("pytest") {
        return Err(ConfigError::at(
            path,
            sec.line,
            1,
            "[pytest] section in setup.cfg files is no longer supported, change to [tool:pytest] instead.",
        ));
    }
    Ok(None)
}

/// Byte offset → 1-based line/column (columns in characters).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        Pos { line, column }
    }
}

struct TomlDoc<'a> {
    path: &'a Path,
    index: LineIndex<'a>,
}

fn parse_toml<'a>(path: &Path, text: &'a str) -> Result<Spanned<DeTable<'a>>, ConfigError> {
    DeTable::parse(text).map_err(|e| {
        let pos = LineIndex::new(text).pos(e.span().map_or(0, |s| s.start));
        ConfigError::at(
            path,
            pos.line,
            pos.column,
            e.message().trim_end().to_string(),
        )
    })
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "str",
        DeValue::Integer(_) => "int",
        DeValue::Float(_) => "float",
        DeValue::Boolean(_) => "bool",
        DeValue::Datetime(_) => "datetime",
        DeValue::Array(_) => "list",
        DeValue::Table(_) => "dict",
    }
}

fn foreign(v: &DeValue<'_>, text: &str, span: std::ops::Range<usize>) -> Foreign {
    let py_str = match v {
        DeValue::Boolean(true) => "True".to_string(),
        DeValue::Boolean(false) => "False".to_string(),
        DeValue::Integer(i) => i.as_str().replace('_', ""),
        _ => text.get(span).unwrap_or("").to_string(),
    };
    Foreign {
        type_name: type_name(v),
        py_str,
    }
}

impl TomlDoc<'_> {
    /// Characters of a TOML string value with their positions; exact when the source
    /// spells the value literally on one line, otherwise all at the value's start.
    fn text_chars(&self, s: &str, span: std::ops::Range<usize>) -> Vec<(char, Pos)> {
        let src = self.index.text.get(span.clone()).unwrap_or("");
        let start = self.index.pos(span.start);
        let literal = src.len() >= 2
            && (src.starts_with('"') || src.starts_with('\''))
            && !src.starts_with("\"\"\"")
            && !src.starts_with("'''")
            && &src[1..src.len() - 1] == s;
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                let pos = if literal {
                    Pos {
                        line: start.line,
                        column: start.column + 1 + i,
                    }
                } else {
                    start
                };
                (c, pos)
            })
            .collect()
    }

    fn raw(&self, mode: Mode, v: &Spanned<DeValue<'_>>) -> RawOption {
        let span = v.span();
        let pos = self.index.pos(span.start);
        let text = self.index.text;
        let value = match v.get_ref() {
            DeValue::String(s) => RawValue::Text(self.text_chars(s, span)),
            DeValue::Array(items) => RawValue::List(
                items
                    .iter()
                    .map(|item| {
                        let ipos = self.index.pos(item.span().start);
                        match item.get_ref() {
                            DeValue::String(s) => (Ok(s.to_string()), ipos),
                            other => (Err(foreign(other, text, item.span())), ipos),
                        }
                    })
                    .collect(),
            ),
            other => RawValue::Other(foreign(other, text, span)),
        };
        RawOption { mode, value, pos }
    }

    fn table_config(&self, mode: Mode, table: &DeTable<'_>, skip: &str) -> RawConfig {
        let mut cfg = RawConfig::default();
        for (k, v) in table.iter() {
            if k.get_ref().as_ref() != skip {
                cfg.options
                    .insert(k.get_ref().to_string(), self.raw(mode, v));
            }
        }
        cfg
    }

    fn error(&self, span: std::ops::Range<usize>, message: String) -> ConfigError {
        let pos = self.index.pos(span.start);
        ConfigError::at(self.path, pos.line, pos.column, message)
    }
}

fn load_pytest_toml(path: &Path) -> Result<RawConfig, ConfigError> {
    let text = read(path)?;
    let root = parse_toml(path, &text)?;
    let doc = TomlDoc {
        path,
        index: LineIndex::new(&text),
    };
    if let Some(v) = root.get_ref().get("pytest") {
        let DeValue::Table(t) = v.get_ref() else {
            return Err(doc.error(v.span(), "the `pytest` key must be a table".into()));
        };
        return Ok(doc.table_config(Mode::Toml, t, ""));
    }
    let top: Vec<_> = root
        .get_ref()
        .iter()
        .filter(|(_, v)| !matches!(v.get_ref(), DeValue::Table(_)))
        .collect();
    if let Some((first, _)) = top.first() {
        let names: Vec<String> = top.iter().map(|(k, _)| k.get_ref().to_string()).collect();
        return Err(doc.error(
            first.span(),
            format!(
                "pytest configuration must be under a [pytest] table (found top-level options: {})",
                names.join(", ")
            ),
        ));
    }
    Ok(RawConfig::default())
}

fn load_pyproject(
    path: &Path,
    version: &PytestVersion,
    notes: &mut Notes,
) -> Result<Option<RawConfig>, ConfigError> {
    let text = read(path)?;
    let root = parse_toml(path, &text)?;
    let doc = TomlDoc {
        path,
        index: LineIndex::new(&text),
    };
    let tool_pytest = match root.get_ref().get("tool").map(|t| t.get_ref()) {
        Some(DeValue::Table(tool)) => match tool.get("pytest").map(|p| p.get_ref()) {
            Some(DeValue::Table(p)) => p,
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let ini = tool_pytest.get("ini_options");
    let mut native: Vec<_> = tool_pytest
        .iter()
        .filter(|(k, _)| k.get_ref().as_ref() != "ini_options")
        .collect();
    // In the order they are written.
    native.sort_by_key(|(k, _)| k.span().start);
    let native_names = || {
        native
            .iter()
            .map(|(k, _)| format!("`tool.pytest.{}`", k.get_ref()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let native_line = native
        .first()
        .map_or(1, |(k, _)| doc.index.pos(k.span().start).line);
    if !version.native_toml_config() {
        // pytest 8 reads `[tool.pytest.ini_options]` only.
        if !native.is_empty() {
            notes.push(DiscoverWarning::version(
                path,
                native_line,
                format!(
                    "{} ignored: {} (installed) reads only `[tool.pytest.ini_options]`; pytest 9 \
                     reads the other keys of `[tool.pytest]` as native configuration{}",
                    native_names(),
                    version.describe(),
                    if ini.is_some() {
                        " and refuses a file that also has `[tool.pytest.ini_options]`"
                    } else {
                        ""
                    }
                ),
            ));
        }
        return ini_options(&doc, ini);
    }
    let ini_nonempty = match ini.map(|v| v.get_ref()) {
        Some(DeValue::Table(t)) => !t.is_empty(),
        Some(_) => true,
        None => false,
    };
    if let (Some((k, _)), true) = (native.first(), ini_nonempty) {
        const BOTH: &str = "Cannot use both [tool.pytest] (native TOML types) and \
            [tool.pytest.ini_options] (string-based INI format) simultaneously. Please use \
            [tool.pytest] with native TOML types (recommended) or [tool.pytest.ini_options] \
            for backwards compatibility.";
        if version.assumed() {
            // Which pytest runs this project is unknown: pytest 8 reads `ini_options` and
            // ignores the rest, pytest 9 refuses the file. Read it as pytest 8 does, and say so.
            notes.push(DiscoverWarning::version(
                path,
                native_line,
                format!(
                    "{} next to `[tool.pytest.ini_options]`: pytest 9 refuses this file (\"{BOTH}\"), \
                     pytest 8 ignores them; no pytest is installed in the analysed environment, \
                     so fixmig reads `[tool.pytest.ini_options]` only",
                    native_names()
                ),
            ));
            return ini_options(&doc, ini);
        }
        return Err(doc.error(
            k.span(),
            format!(
                "{BOTH} ({} is installed in the analysed environment; pytest 8 reads only \
                 [tool.pytest.ini_options] and ignores {})",
                version.describe(),
                native_names()
            ),
        ));
    }
    if !native.is_empty() {
        return Ok(Some(doc.table_config(
            Mode::Toml,
            tool_pytest,
            "ini_options",
        )));
    }
    ini_options(&doc, ini)
}

/// `[tool.pytest.ini_options]`, read in ini mode (`None`: there is none).
fn ini_options(
    doc: &TomlDoc<'_>,
    ini: Option<&Spanned<DeValue<'_>>>,
) -> Result<Option<RawConfig>, ConfigError> {
    match ini {
        None => Ok(None),
        Some(v) => match v.get_ref() {
            DeValue::Table(t) => Ok(Some(doc.table_config(Mode::Ini, t, ""))),
            _ => Err(doc.error(v.span(), "[tool.pytest.ini_options] must be a table".into())),
        },
    }
}

impl RawConfig {
    /// Applies `-o key=value`: the value replaces the file's, read in ini mode; all of
    /// its characters are located at `pos` (the `addopts` value).
    pub(crate) fn override_with(&mut self, key: &str, value: &str, pos: Pos) {
        let chars = value.chars().map(|c| (c, pos)).collect();
        let opt = RawOption {
            mode: Mode::Ini,
            value: RawValue::Text(chars),
            pos,
        };
        self.options.insert(key.to_string(), opt);
    }

    /// The value of an option of pytest type `"args"` (also the input of `"paths"`), or
    /// `None` when the option is not set. Errors as `Config._getini` raises them.
    pub(crate) fn get_args(
        &self,
        path: &Path,
        name: &str,
        kind: &str,
    ) -> Result<Option<Vec<(String, Pos)>>, ConfigError> {
        let Some(opt) = self.options.get(name) else {
            return Ok(None);
        };
        let err = |pos: Pos, msg: String| ConfigError::at(path, pos.line, pos.column, msg);
        let split = |chars: &[(char, Pos)]| {
            shlex_split(chars).map_err(|m| err(opt.pos, format!("config option '{name}': {m}")))
        };
        let out = match (&opt.value, opt.mode) {
            (RawValue::Text(chars), Mode::Ini) => split(chars)?,
            (RawValue::Other(f), Mode::Ini) => {
                let chars: Vec<(char, Pos)> = f.py_str.chars().map(|c| (c, opt.pos)).collect();
                split(&chars)?
            }
            (RawValue::List(items), Mode::Ini) => items
                .iter()
                .map(|(v, p)| (v.clone().unwrap_or_else(|f| f.py_str), *p))
                .collect(),
            (RawValue::List(items), Mode::Toml) => {
                let mut out = Vec::new();
                for (i, (v, p)) in items.iter().enumerate() {
                    match v {
                        Ok(s) => out.push((s.clone(), *p)),
                        Err(f) => {
                            return Err(err(
                                *p,
                                format!(
                                    "config option '{name}' expects a list of strings, but item at index {i} is {}: {}",
                                    f.type_name, f.py_str
                                ),
                            ))
                        }
                    }
                }
                out
            }
            (RawValue::Text(chars), Mode::Toml) => {
                let s: String = chars.iter().map(|(c, _)| c).collect();
                return Err(err(
                    opt.pos,
                    format!(
                        "config option '{name}' expects a list for type '{kind}', got str: {}",
                        py_repr(&s)
                    ),
                ));
            }
            (RawValue::Other(f), Mode::Toml) => {
                return Err(err(
                    opt.pos,
                    format!(
                        "config option '{name}' expects a list for type '{kind}', got {}: {}",
                        f.type_name, f.py_str
                    ),
                ))
            }
        };
        Ok(Some(out))
    }
}

/// Options from `addopts` that change what pytest collects.
#[derive(Debug, Default, Clone)]
pub(crate) struct CollectOptions {
    pub confcutdir: Option<PathBuf>,
    pub ignore: Vec<PathBuf>,
    pub ignore_glob: Vec<String>,
    pub noconftest: bool,
    pub collect_in_virtualenv: bool,
    /// `-o`/`--override-ini` `key=value` pairs, in order.
    pub overrides: Vec<(String, String)>,
}

/// Scans `addopts` for the options pytest honours from there that change what it
/// collects (`--confcutdir`, `--ignore`, `--ignore-glob`, `--noconftest`,
/// `--collect-in-virtualenv`, `-o`/`--override-ini`); relative paths are resolved
/// against `invocation_dir`.
pub(crate) fn collect_options(
    addopts: &[String],
    invocation_dir: &Path,
) -> Result<CollectOptions, String> {
    let mut opts = CollectOptions::default();
    let mut i = 0;
    while i < addopts.len() {
        let arg = addopts[i].as_str();
        i += 1;
        if arg == "--" {
            break;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ if arg.starts_with("-o") && arg.len() > 2 && !arg.starts_with("--") => {
                ("-o", Some(arg[2..].to_string()))
            }
            _ => (arg, None),
        };
        let mut value = || -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            let v = addopts
                .get(i)
                .cloned()
                .ok_or(format!("{name}: expected one argument"))?;
            i += 1;
            Ok(v)
        };
        match name {
            "--confcutdir" => {
                let v = value()?;
                let dir = super::setup::absolutize(invocation_dir, Path::new(&v));
                if !dir.is_dir() {
                    return Err(format!("--confcutdir must be a directory, given: {v}"));
                }
                opts.confcutdir = Some(dir);
            }
            "--ignore" => {
                let v = value()?;
                opts.ignore
                    .push(super::setup::absolutize(invocation_dir, Path::new(&v)));
            }
            "--ignore-glob" => {
                let v = value()?;
                let abs = super::setup::absolutize(invocation_dir, Path::new(&v));
                opts.ignore_glob.push(abs.to_string_lossy().into_owned());
            }
            "-o" | "--override-ini" => {
                let v = value()?;
                let Some((key, val)) = v.split_once('=') else {
                    return Err(format!(
                        "-o/--override-ini expects option=value style (got: {}).",
                        py_repr(&v)
                    ));
                };
                opts.overrides.push((key.to_string(), val.to_string()));
            }
            "--noconftest" => opts.noconftest = true,
            "--collect-in-virtualenv" => opts.collect_in_virtualenv = true,
            _ => {}
        }
    }
    Ok(opts)
}
