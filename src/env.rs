//! The project's Python environment, as far as static analysis needs it: which top-level
//! modules can be imported (for `pytest.importorskip`). The interpreter is asked once for its
//! `sys.path`; nothing of the project or its plugins is imported.
//!
//! The interpreter is `--python PATH` (an interpreter or a virtualenv directory), else
//! `$VIRTUAL_ENV`, else a `.venv`/`venv` directory at the rootdir, else `python3` on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, Default)]
pub struct PythonEnv {
    pub interpreter: PathBuf,
    pub sys_path: Vec<PathBuf>,
    pub builtin_modules: Vec<String>,
}

/// The interpreter inside a virtualenv directory, or `path` itself when it is one.
fn interpreter_in(path: &Path) -> Option<PathBuf> {
    if crate::inputs::is_file(path) {
        return Some(path.to_path_buf());
    }
    ["bin/python", "bin/python3", "Scripts/python.exe"]
        .iter()
        .map(|p| path.join(p))
        .find(|p| crate::inputs::is_file(p))
}

/// Which interpreter describes the project's environment.
pub fn find_interpreter(
    explicit: Option<&Path>,
    rootdir: &Path,
) -> Result<Option<PathBuf>, String> {
    if let Some(path) = explicit {
        return interpreter_in(path).map(Some).ok_or_else(|| {
            format!(
                "--python {}: not a Python interpreter or a virtualenv directory",
                path.display()
            )
        });
    }
    if let Some(venv) = crate::inputs::var_os("VIRTUAL_ENV") {
        if let Some(p) = interpreter_in(Path::new(&venv)) {
            return Ok(Some(p));
        }
    }
    for name in [".venv", "venv"] {
        if let Some(p) = interpreter_in(&rootdir.join(name)) {
            return Ok(Some(p));
        }
    }
    Ok(crate::inputs::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("python3"))
            .find(|p| crate::inputs::is_file(p))
    }))
}

/// Asks `interpreter` for `sys.path` and its builtin module names (an observed input).
pub fn query(interpreter: &Path) -> Result<PythonEnv, String> {
    let answer = ask(interpreter);
    crate::inputs::note_python(interpreter, &answer);
    answer
}

/// [`query`], unobserved.
fn ask(interpreter: &Path) -> Result<PythonEnv, String> {
    let script = "import sys, json; print(json.dumps([sys.path, list(sys.builtin_module_names)]))";
    #[allow(clippy::disallowed_methods)] // observed by `query`
    let output = Command::new(interpreter)
        .args(["-c", script])
        .env_remove("PYTHONSTARTUP")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", interpreter.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed: {}",
            interpreter.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let (paths, builtins): (Vec<String>, Vec<String>) = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("unexpected answer from {}: {e}", interpreter.display()))?;
    Ok(PythonEnv {
        interpreter: interpreter.to_path_buf(),
        sys_path: paths
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect(),
        builtin_modules: builtins,
    })
}

/// `query`, answered once per interpreter (and `PYTHONPATH`) in this process: every analysis
/// needs the environment, and `migrate` analyzes once per rule.
pub fn query_cached(interpreter: &Path) -> Result<PythonEnv, String> {
    type Cache = std::sync::Mutex<
        std::collections::HashMap<(PathBuf, Option<std::ffi::OsString>), PythonEnv>,
    >;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let key = (
        interpreter.to_path_buf(),
        crate::inputs::var_os("PYTHONPATH"),
    );
    let cache = CACHE.get_or_init(Default::default);
    if let Some(env) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        crate::inputs::note_python(interpreter, &Ok(env.clone()));
        return Ok(env);
    }
    let env = query(interpreter)?;
    if let Ok(mut c) = cache.lock() {
        c.insert(key, env.clone());
    }
    Ok(env)
}

/// `--python PATH` checked: an interpreter or virtualenv that answers for its `sys.path`.
pub fn check_explicit(path: &Path) -> Result<PathBuf, String> {
    // An explicit path is not looked for under the rootdir.
    let interpreter = find_interpreter(Some(path), Path::new(""))?
        .ok_or_else(|| format!("--python {}: not a Python interpreter", path.display()))?;
    query_cached(&interpreter).map_err(|e| {
        format!(
            "--python {}: not a usable Python interpreter ({e})",
            path.display()
        )
    })?;
    Ok(interpreter)
}

/// How to name an environment in messages: its virtualenv directory (relative to the rootdir
/// when inside it), else the interpreter's path.
pub fn describe(interpreter: &Path, rootdir: &Path) -> String {
    let venv = interpreter
        .parent()
        .and_then(Path::parent)
        .filter(|d| crate::inputs::is_file(d.join("pyvenv.cfg")));
    let shown = venv.unwrap_or(interpreter);
    let shown = crate::inputs::canonicalize(shown).unwrap_or_else(|_| shown.to_path_buf());
    match shown.strip_prefix(rootdir) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => shown.display().to_string(),
    }
}

impl PythonEnv {
    /// Can `import NAME` (a dotted name) find at least its top-level module?
    pub fn has_module(&self, dotted: &str) -> bool {
        let top = dotted.split('.').next().unwrap_or(dotted);
        if self.builtin_modules.iter().any(|b| b == top) {
            return true;
        }
        self.sys_path.iter().any(|dir| {
            if crate::inputs::is_file(dir.join(format!("{top}.py")))
                || crate::inputs::is_dir(dir.join(top))
            {
                return true;
            }
            // Extension modules: NAME.cpython-311-x86_64-linux-gnu.so, NAME.pyd, ...
            crate::inputs::read_dir(dir).is_ok_and(|entries| {
                entries.iter().any(|name| {
                    let name = name.to_string_lossy();
                    name.strip_prefix(top).is_some_and(|rest| {
                        rest.starts_with('.') && (rest.ends_with(".so") || rest.ends_with(".pyd"))
                    })
                })
            })
        })
    }
}
