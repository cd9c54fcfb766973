//! What the environment's files say, read without Python: setuptools' `__editable__` finder
//! mappings and `editables` redirectors, `direct_url.json` file URLs, and `entry_points.txt`'s
//! `[pytest11]` section with its object references.

use super::*;

/// `MAPPING = {'pkg': '/path/pkg'}` of a setuptools `__editable___*_finder.py`, or
/// `F.map_module('pkg', '/path/pkg/__init__.py')` lines of an `editables` redirector.
pub(super) fn editable_mapping(source: &str) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for line in source.lines() {
        let t = line.trim_start();
        if t.starts_with("MAPPING") {
            if let Some(body) = t.split_once('{').map(|(_, b)| b) {
                let strings = python_strings(body.split('}').next().unwrap_or(body));
                for pair in strings.chunks(2) {
                    if let [k, v] = pair {
                        out.push((k.clone(), PathBuf::from(v)));
                    }
                }
            }
        } else if t.contains(".map_module(") {
            let args = t.split_once(".map_module(").map_or("", |(_, a)| a);
            if let [k, v, ..] = python_strings(args).as_slice() {
                let path = PathBuf::from(v);
                let target = if path.file_name().is_some_and(|n| n == "__init__.py") {
                    path.parent().map(Path::to_path_buf).unwrap_or(path)
                } else {
                    path
                };
                out.push((k.clone(), target));
            }
        }
    }
    out
}

/// The quoted string literals in `text` (single or double quotes, backslash escapes of
/// quotes and backslashes), in order.
pub(super) fn python_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\'' && c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(d) = chars.next() {
            if d == '\\' {
                if let Some(e) = chars.next() {
                    s.push(e);
                }
            } else if d == c {
                break;
            } else {
                s.push(d);
            }
        }
        out.push(s);
    }
    out
}

pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `[pytest11]` entries of an `entry_points.txt`, read as `importlib.metadata` does
/// (stripped lines, `#` comments, `[section]` headers, `name = value`), and the lines it
/// would fail on (any section: one bad line makes pytest fail to load every plugin).
pub fn parse_entry_points(text: &str) -> (Vec<EntryPoint>, Vec<(usize, String)>) {
    let mut section: Option<&str> = None;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            section = Some(line.trim_matches(|c| c == '[' || c == ']'));
            continue;
        }
        let Some(section) = section else {
            continue;
        };
        let Some((name, value)) = line.split_once('=') else {
            problems.push((
                i + 1,
                format!("`{line}` in [{section}] is not `name = value`; importlib.metadata (and so pytest) fails on it"),
            ));
            continue;
        };
        if section != "pytest11" {
            continue;
        }
        let (name, value) = (name.trim(), value.trim());
        match parse_object_ref(value) {
            Some((module, attr)) => out.push(EntryPoint {
                name: name.to_string(),
                module,
                attr,
                line: i + 1,
            }),
            None => problems.push((
                i + 1,
                format!("entry point `{name}`: `{value}` is not `module[:attr]`"),
            )),
        }
    }
    (out, problems)
}

/// `module[:attr] [extras]` as `EntryPoint.pattern` reads it.
pub(super) fn parse_object_ref(value: &str) -> Option<(String, Option<String>)> {
    let value = match value.find('[') {
        Some(i) if value.trim_end().ends_with(']') => value[..i].trim_end(),
        _ => value,
    };
    let dotted = |s: &str| {
        !s.is_empty()
            && s.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
    };
    let (module, attr) = match value.split_once(':') {
        Some((m, a)) => (m.trim(), Some(a.trim())),
        None => (value.trim(), None),
    };
    if !dotted(module) || attr.is_some_and(|a| !dotted(a)) {
        return None;
    }
    Some((module.to_string(), attr.map(str::to_string)))
}
