//! Python-compatible string matching and splitting used by pytest's configuration:
//! `fnmatch.fnmatch` (and pytest's `fnmatch_ex`), `shlex.split` (with source
//! positions, so ini values can be located), and `glob.glob(recursive=True)` for
//! `testpaths`.
//!
//! These follow CPython 3.11 semantics rather than shell/globset conventions: `*`
//! matches `/` and leading dots, braces are literal, and character classes use
//! `[!...]` for negation.

use std::path::{Path, PathBuf};

/// A 1-based line/column position in a configuration file (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug)]
enum Tok {
    Star,
    Any,
    Lit(char),
    Set {
        negated: bool,
        items: Vec<(char, char)>,
    },
    Never,
}

fn compile(pattern: &str) -> Vec<Tok> {
    let pat: Vec<char> = pattern.chars().collect();
    let n = pat.len();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < n {
        let c = pat[i];
        i += 1;
        match c {
            '*' => {
                if !matches!(toks.last(), Some(Tok::Star)) {
                    toks.push(Tok::Star);
                }
            }
            '?' => toks.push(Tok::Any),
            '[' => {
                let mut j = i;
                if j < n && pat[j] == '!' {
                    j += 1;
                }
                if j < n && pat[j] == ']' {
                    j += 1;
                }
                while j < n && pat[j] != ']' {
                    j += 1;
                }
                if j >= n {
                    toks.push(Tok::Lit('['));
                    continue;
                }
                toks.push(compile_set(&pat[i..j]));
                i = j + 1;
            }
            c => toks.push(Tok::Lit(c)),
        }
    }
    toks
}

/// Mirrors `fnmatch.translate`'s handling of a `[...]` body (without the brackets).
fn compile_set(body: &[char]) -> Tok {
    let negated_start = !body.is_empty() && body[0] == '!';
    let mut chunks: Vec<Vec<char>> = Vec::new();
    if !body.contains(&'-') {
        chunks.push(body.to_vec());
    } else {
        let mut start = 0;
        let mut k = if negated_start { 2 } else { 1 };
        loop {
            let found = (k..body.len()).find(|&x| body[x] == '-');
            let Some(pos) = found else { break };
            chunks.push(body[start..pos].to_vec());
            start = pos + 1;
            k = pos + 3;
        }
        let last = body[start.min(body.len())..].to_vec();
        if last.is_empty() {
            if let Some(prev) = chunks.last_mut() {
                prev.push('-');
            }
        } else {
            chunks.push(last);
        }
        // Remove empty ranges, as CPython does.
        let mut k = chunks.len();
        while k > 1 {
            k -= 1;
            let (prev_last, next_first) = (chunks[k - 1].last(), chunks[k].first());
            if let (Some(a), Some(b)) = (prev_last, next_first) {
                if a > b {
                    let next = chunks.remove(k);
                    let prev = &mut chunks[k - 1];
                    prev.pop();
                    prev.extend_from_slice(&next[1..]);
                }
            }
        }
    }
    let mut flat: Vec<char> = Vec::new();
    let mut items: Vec<(char, char)> = Vec::new();
    for (idx, chunk) in chunks.iter().enumerate() {
        flat.extend_from_slice(chunk);
        if idx > 0 {
            if let (Some(&a), Some(&b)) = (chunks[idx - 1].last(), chunk.first()) {
                items.push((a, b));
            }
        }
    }
    if flat.is_empty() {
        return Tok::Never;
    }
    let negated = flat[0] == '!';
    let literals = if negated { &flat[1..] } else { &flat[..] };
    items.extend(literals.iter().map(|&c| (c, c)));
    Tok::Set { negated, items }
}

fn match_from(toks: &[Tok], name: &[char]) -> bool {
    // Classic iterative glob matching with single-star backtracking.
    let (mut t, mut s) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        if t < toks.len() {
            let step = match &toks[t] {
                Tok::Star => {
                    backtrack = Some((t, s));
                    t += 1;
                    continue;
                }
                _ if s >= name.len() => false,
                Tok::Any => true,
                Tok::Lit(c) => *c == name[s],
                Tok::Set { negated, items } => {
                    let inside = items.iter().any(|&(a, b)| a <= name[s] && name[s] <= b);
                    inside != *negated
                }
                Tok::Never => false,
            };
            if step {
                t += 1;
                s += 1;
                continue;
            }
        } else if s == name.len() {
            return true;
        }
        match backtrack {
            Some((bt, bs)) if bs < name.len() => {
                backtrack = Some((bt, bs + 1));
                t = bt + 1;
                s = bs + 1;
            }
            _ => return false,
        }
    }
}

/// `fnmatch.fnmatch(name, pattern)` on POSIX (case-sensitive).
pub(crate) fn fnmatch(name: &str, pattern: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    match_from(&compile(pattern), &chars)
}

/// pytest's `fnmatch_ex`: patterns without `/` match the last path component; others
/// match the whole path (with an implicit `*/` prefix when the path is absolute and
/// the pattern is not).
pub(crate) fn fnmatch_ex(pattern: &str, path: &str) -> bool {
    if !pattern.contains('/') {
        let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        fnmatch(name, pattern)
    } else if path.starts_with('/') && !pattern.starts_with('/') {
        fnmatch(path, &format!("*/{pattern}"))
    } else {
        fnmatch(path, pattern)
    }
}

/// `shlex.split(s)` (POSIX mode, no comments) over characters carrying their source
/// positions. Each token carries the position of the character that started it.
pub(crate) fn shlex_split(input: &[(char, Pos)]) -> Result<Vec<(String, Pos)>, String> {
    #[derive(PartialEq, Clone, Copy)]
    enum State {
        Space,
        Word,
        Quote(char),
        Escape(Option<char>), // the quote we escaped from, None when in a word
    }
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut out = Vec::new();
    let mut state = State::Space;
    let mut token = String::new();
    let mut start = Pos::default();
    let mut in_token = false;
    for &(c, pos) in input {
        if !in_token && state == State::Space && !is_ws(c) {
            start = pos;
            in_token = true;
        }
        match state {
            State::Space | State::Word => {
                if is_ws(c) {
                    if in_token {
                        out.push((std::mem::take(&mut token), start));
                        in_token = false;
                    }
                    state = State::Space;
                } else if c == '\'' || c == '"' {
                    state = State::Quote(c);
                } else if c == '\\' {
                    state = State::Escape(None);
                } else {
                    token.push(c);
                    state = State::Word;
                }
            }
            State::Quote(q) => {
                if c == q {
                    state = State::Word;
                } else if c == '\\' && q == '"' {
                    state = State::Escape(Some(q));
                } else {
                    token.push(c);
                }
            }
            State::Escape(from) => {
                if let Some(q) = from {
                    if c != '\\' && c != q {
                        token.push('\\');
                    }
                }
                token.push(c);
                state = from.map_or(State::Word, State::Quote);
            }
        }
    }
    match state {
        State::Quote(_) => return Err("No closing quotation".into()),
        State::Escape(_) => return Err("No escaped character".into()),
        _ => {}
    }
    if in_token {
        out.push((token, start));
    }
    Ok(out)
}

/// `shlex.split` without positions.
pub(crate) fn shlex_split_str(s: &str) -> Result<Vec<String>, String> {
    let chars: Vec<(char, Pos)> = s.chars().map(|c| (c, Pos::default())).collect();
    Ok(shlex_split(&chars)?.into_iter().map(|(t, _)| t).collect())
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

fn real(root: &Path, p: &str) -> PathBuf {
    if p.is_empty() {
        root.to_path_buf()
    } else {
        root.join(p)
    }
}

fn listdir(dir: &Path, dironly: bool) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(Result::ok)
        .filter(|e| !dironly || e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn rlistdir(root: &Path, dir: &str, dironly: bool, out: &mut Vec<String>) {
    for name in listdir(&real(root, dir), dironly) {
        if name.starts_with('.') {
            continue;
        }
        let path = join(dir, &name);
        out.push(path.clone());
        rlistdir(root, &path, dironly, out);
    }
}

/// Names (relative to `dir`) matched by `basename` inside `dir`.
fn glob_in_dir(root: &Path, dir: &str, basename: &str, dironly: bool) -> Vec<String> {
    let dirpath = real(root, dir);
    if basename == "**" {
        let mut out = vec![String::new()];
        let mut rest = Vec::new();
        for name in listdir(&dirpath, dironly) {
            if name.starts_with('.') {
                continue;
            }
            rest.push(name.clone());
            let mut sub = Vec::new();
            rlistdir(&dirpath, &name, dironly, &mut sub);
            rest.extend(sub);
        }
        out.extend(rest);
        out
    } else if has_magic(basename) {
        listdir(&dirpath, dironly)
            .into_iter()
            .filter(|n| basename.starts_with('.') || !n.starts_with('.'))
            .filter(|n| fnmatch(n, basename))
            .collect()
    } else if basename.is_empty() {
        if dirpath.is_dir() {
            vec![String::new()]
        } else {
            Vec::new()
        }
    } else if std::fs::symlink_metadata(dirpath.join(basename)).is_ok() {
        vec![basename.to_string()]
    } else {
        Vec::new()
    }
}

fn split_dir(p: &str) -> (&str, &str) {
    match p.rfind('/') {
        Some(i) => {
            let head = &p[..=i];
            let trimmed = head.trim_end_matches('/');
            (if trimmed.is_empty() { head } else { trimmed }, &p[i + 1..])
        }
        None => ("", p),
    }
}

fn iglob(root: &Path, pattern: &str, dironly: bool) -> Vec<String> {
    let (dirname, basename) = split_dir(pattern);
    if !has_magic(pattern) {
        let full = real(root, pattern);
        let ok = if basename.is_empty() {
            real(root, dirname).is_dir()
        } else {
            std::fs::symlink_metadata(&full).is_ok()
        };
        return if ok {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    if dirname.is_empty() {
        return glob_in_dir(root, "", basename, dironly);
    }
    let dirs = if dirname != pattern && has_magic(dirname) {
        iglob(root, dirname, true)
    } else {
        vec![dirname.to_string()]
    };
    let mut out = Vec::new();
    for d in dirs {
        for name in glob_in_dir(root, &d, basename, dironly) {
            out.push(join(&d, &name));
        }
    }
    out
}

/// `sorted(glob.iglob(pattern, recursive=True))` evaluated in directory `root`.
pub(crate) fn python_glob(root: &Path, pattern: &str) -> Vec<String> {
    let mut v = iglob(root, pattern, false);
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_like_python() {
        assert!(fnmatch("test_a.py", "test_*.py"));
        assert!(fnmatch("a/b", "a*"));
        assert!(fnmatch(".git", ".*"));
        assert!(fnmatch("{arch}", "{arch}"));
        assert!(!fnmatch("arch", "{arch}"));
        assert!(fnmatch("x.egg", "*.egg"));
        assert!(!fnmatch("X.py", "x.py"));
        assert!(fnmatch("b", "[a-c]"));
        assert!(!fnmatch("b", "[!a-c]"));
        assert!(fnmatch("-", "[a-]"));
        assert!(fnmatch("[", "["));
        assert!(fnmatch("]", "[]]"));
        assert!(!fnmatch("a", "[z-a]"));
        assert!(fnmatch("a", "[!z-a]"));
        assert!(fnmatch("abc", "a?c"));
        assert!(fnmatch("aXbXc", "a*b*c"));
        assert!(!fnmatch("aXbXd", "a*b*c"));
    }

    #[test]
    fn fnmatch_ex_paths() {
        assert!(fnmatch_ex("test_*.py", "/x/tests/test_a.py"));
        assert!(fnmatch_ex("tests/*.py", "/x/tests/test_a.py"));
        assert!(fnmatch_ex(
            "tests/**/doc/test*.py",
            "/p/tests/foo/bar/doc/test_foo.py"
        ));
        assert!(!fnmatch_ex("other/*.py", "/x/tests/test_a.py"));
    }

    fn split(s: &str) -> Vec<String> {
        shlex_split_str(s).unwrap()
    }

    #[test]
    fn shlex_like_python() {
        assert_eq!(split("a  b\n c"), ["a", "b", "c"]);
        assert_eq!(split("'a b' \"c d\""), ["a b", "c d"]);
        assert_eq!(split("x'y z'w"), ["xy zw"]);
        assert_eq!(split(r#""a\"b" "a\nb" a\ b"#), ["a\"b", "a\\nb", "a b"]);
        assert_eq!(split("'' x"), ["", "x"]);
        assert_eq!(split("-p no:cacheprovider"), ["-p", "no:cacheprovider"]);
        assert!(shlex_split_str("'abc").is_err());
        assert!(shlex_split_str("abc\\").is_err());
    }

    #[test]
    fn shlex_positions() {
        let chars: Vec<(char, Pos)> = " ab 'c d'"
            .chars()
            .enumerate()
            .map(|(i, c)| {
                (
                    c,
                    Pos {
                        line: 1,
                        column: i + 1,
                    },
                )
            })
            .collect();
        let toks = shlex_split(&chars).unwrap();
        assert_eq!(toks[0], ("ab".into(), Pos { line: 1, column: 2 }));
        assert_eq!(toks[1], ("c d".into(), Pos { line: 1, column: 5 }));
    }
}
