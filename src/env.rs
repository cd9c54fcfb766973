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
    #[allow(clippy::disallowed_methods)] // observed by `query`
    let output = Command::new(interpreter)
        .args(["-c", SCRIPT])
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
    let (paths, builtins) = read_answer(&output.stdout)
        .ok_or_else(|| format!("unexpected answer from {}", interpreter.display()))?;
    Ok(PythonEnv {
        interpreter: interpreter.to_path_buf(),
        sys_path: paths
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(path_from_bytes)
            .collect(),
        builtin_modules: builtins,
    })
}

/// What the interpreter is asked: `len(sys.path)`, the `sys.path` entries as file-system bytes,
/// then the builtin module names, each ended by a NUL byte. Only `sys` and `os` are used, both
/// already imported when the interpreter starts (`json` took as long again as the start).
const SCRIPT: &str = "import sys, os; sys.stdout.buffer.write(b''.join(s + b'\\0' for s in \
    [b'%d' % len(sys.path)] + [os.fsencode(p) for p in sys.path] + \
    [m.encode() for m in sys.builtin_module_names]))";

/// The `sys.path` entries (bytes) and builtin module names of [`SCRIPT`]'s answer.
fn read_answer(out: &[u8]) -> Option<(Vec<&[u8]>, Vec<String>)> {
    let mut fields = out.strip_suffix(b"\0")?.split(|b| *b == 0);
    let count: usize = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
    let paths: Vec<&[u8]> = fields.by_ref().take(count).collect();
    if paths.len() != count {
        return None;
    }
    let builtins = fields
        .map(|f| String::from_utf8(f.to_vec()).ok())
        .collect::<Option<Vec<String>>>()?;
    Some((paths, builtins))
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
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

/// The interpreter known before the rootdir is: `--python` (checked like [`check_explicit`]),
/// else `$VIRTUAL_ENV`'s; `None` when the environment is to be found from the rootdir.
pub fn interpreter_before_discovery(explicit: Option<&Path>) -> Result<Option<PathBuf>, String> {
    if let Some(path) = explicit {
        return check_explicit(path).map(Some);
    }
    Ok(crate::inputs::var_os("VIRTUAL_ENV").and_then(|venv| interpreter_in(Path::new(&venv))))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_read_field_by_field() {
        let (paths, builtins) = read_answer(b"3\0\0/usr/lib/python3.11\0/a b\0sys\0_io\0").unwrap();
        assert_eq!(paths, vec![&b""[..], b"/usr/lib/python3.11", b"/a b"]);
        assert_eq!(builtins, vec!["sys", "_io"]);
        assert_eq!(read_answer(b"0\0"), Some((vec![], vec![])));
        // Fewer entries than announced, no final NUL, a count that is not one.
        for bad in [&b"2\0/a\0"[..], b"1\0/a", b"x\0/a\0", b""] {
            assert_eq!(read_answer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_real_interpreter_answers() {
        let Some(python) = find_interpreter(None, Path::new("/nonexistent")).unwrap() else {
            panic!("no python3 on PATH: the test suite needs one");
        };
        let env = query(&python).unwrap();
        assert!(env.builtin_modules.iter().any(|m| m == "sys"), "{env:?}");
        assert!(
            env.sys_path
                .iter()
                .any(|p| crate::inputs::is_file(p.join("os.py"))),
            "no standard library on {:?}",
            env.sys_path
        );
    }
}
