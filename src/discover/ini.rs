//! A reader for ini files with exactly the semantics of `iniconfig` 2.x as pytest uses it
//! (`iniconfig.IniConfig(path)`): `#`/`;` comment lines, `key = value` or `key: value`,
//! continuation lines by leading whitespace, no inline-comment stripping, duplicate
//! sections/keys are errors. Values keep per-character source positions so that
//! options such as `usefixtures` can be located in the file.

use super::pattern::Pos;

/// One `key = value` entry; `value` is the lines of the value joined by `\n`, each
/// character paired with its position in the file.
#[derive(Debug, Clone)]
pub(crate) struct IniEntry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Vec<(char, Pos)>,
}

#[cfg(test)]
impl IniEntry {
    pub fn text(&self) -> String {
        self.value.iter().map(|(c, _)| c).collect()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct IniSection {
    pub name: String,
    pub line: usize,
    pub entries: Vec<IniEntry>,
}

#[derive(Debug, Default)]
pub(crate) struct IniDoc {
    pub sections: Vec<IniSection>,
}

impl IniDoc {
    pub fn section(&self, name: &str) -> Option<&IniSection> {
        self.sections.iter().find(|s| s.name == name)
    }
}

/// A parse error: 1-based line and the message iniconfig would give.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct IniError {
    pub line: usize,
    pub message: String,
}

/// Python's `str.isspace` for one character.
pub(crate) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.splitlines()` after universal-newline decoding; returns line texts
/// without terminators.
fn py_splitlines(data: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = data.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\u{0b}'
                | '\u{0c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if is_break {
            lines.push(&data[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' {
                if let Some(&(j, '\n')) = chars.peek() {
                    chars.next();
                    end = j + 1;
                }
            }
            start = end;
        }
    }
    if start < data.len() {
        lines.push(&data[start..]);
    }
    lines
}

/// A Python-like `repr()` of a string, for error messages.
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Characters of `line` (already stripped to `[from, to)` char indices) with positions.
fn positioned(chars: &[char], from: usize, to: usize, line: usize) -> Vec<(char, Pos)> {
    (from..to)
        .map(|i| {
            (
                chars[i],
                Pos {
                    line,
                    column: i + 1,
                },
            )
        })
        .collect()
}

/// Char range of `chars[from..to]` with Python whitespace stripped on both sides.
fn strip_range(chars: &[char], mut from: usize, mut to: usize) -> (usize, usize) {
    while from < to && py_isspace(chars[from]) {
        from += 1;
    }
    while to > from && py_isspace(chars[to - 1]) {
        to -= 1;
    }
    (from, to)
}

enum Token {
    Section(String),
    Value {
        key: String,
        key_pos: Pos,
        data: Vec<(char, Pos)>,
    },
    Continuation(Vec<(char, Pos)>),
}

fn parse_line(raw: &str, line: usize) -> Result<Option<Token>, IniError> {
    let chars: Vec<char> = raw.chars().collect();
    let first = chars.iter().find(|c| !py_isspace(**c));
    if matches!(first, None | Some('#') | Some(';')) {
        return Ok(None);
    }
    let mut end = chars.len();
    while end > 0 && py_isspace(chars[end - 1]) {
        end -= 1;
    }
    if chars[0] == '[' {
        let text: String = chars[..end].iter().collect();
        let mut l = text.as_str();
        for c in ['#', ';'] {
            l = l.split(c).next().unwrap_or("").trim_end_matches(py_isspace);
        }
        if l.len() >= 2 && l.ends_with(']') {
            return Ok(Some(Token::Section(l[1..l.len() - 1].to_string())));
        }
        let (a, b) = strip_range(&chars, 0, end);
        return Ok(Some(Token::Continuation(positioned(&chars, a, b, line))));
    }
    if !py_isspace(chars[0]) {
        let eq = chars[..end].iter().position(|&c| c == '=');
        let colon = chars[..end].iter().position(|&c| c == ':');
        let sep = match (eq, colon) {
            (Some(e), Some(c)) if c < e => Some(c),
            (Some(e), _) => Some(e),
            (None, c) => c,
        };
        let Some(sep) = sep else {
            let text: String = chars[..end].iter().collect();
            return Err(IniError {
                line,
                message: format!("unexpected line: {}", py_repr(&text)),
            });
        };
        let (ka, kb) = strip_range(&chars, 0, sep);
        let (va, vb) = strip_range(&chars, sep + 1, end);
        return Ok(Some(Token::Value {
            key: chars[ka..kb].iter().collect(),
            key_pos: Pos {
                line,
                column: ka + 1,
            },
            data: positioned(&chars, va, vb, line),
        }));
    }
    let (a, b) = strip_range(&chars, 0, end);
    Ok(Some(Token::Continuation(positioned(&chars, a, b, line))))
}

/// Parses ini text as `iniconfig.IniConfig` does, reporting the first error it would.
pub(crate) fn parse_ini(data: &str) -> Result<IniDoc, IniError> {
    let data = data.strip_prefix('\u{feff}').unwrap_or(data);
    // Pass 1 (iniconfig's parse_lines): tokens and line-level errors.
    // Each token: (line, section-at-that-point, token)
    let mut tokens: Vec<(usize, Option<String>, Token)> = Vec::new();
    let mut section: Option<String> = None;
    for (idx, raw) in py_splitlines(data).into_iter().enumerate() {
        let line = idx + 1;
        match parse_line(raw, line)? {
            None => {}
            Some(Token::Section(name)) => {
                if name.is_empty() {
                    return Err(IniError {
                        line,
                        message: "empty section name".into(),
                    });
                }
                section = Some(name.clone());
                tokens.push((line, section.clone(), Token::Section(name)));
            }
            Some(Token::Continuation(data)) => match tokens.last_mut() {
                Some((_, _, Token::Value { data: value, .. })) => {
                    if !value.is_empty() {
                        let nl_pos = value.last().map(|(_, p)| *p).unwrap_or_default();
                        value.push(('\n', nl_pos));
                    }
                    value.extend(data);
                }
                _ => {
                    return Err(IniError {
                        line,
                        message: "unexpected value continuation".into(),
                    })
                }
            },
            Some(value @ Token::Value { .. }) => tokens.push((line, section.clone(), value)),
        }
    }
    // Pass 2 (iniconfig's parse_ini_data): structure errors.
    let mut doc = IniDoc::default();
    for (line, section, token) in tokens {
        let Some(section) = section else {
            return Err(IniError {
                line,
                message: "no section header defined".into(),
            });
        };
        match token {
            Token::Section(name) => {
                if doc.section(&name).is_some() {
                    return Err(IniError {
                        line,
                        message: format!("duplicate section {}", py_repr(&name)),
                    });
                }
                doc.sections.push(IniSection {
                    name,
                    line,
                    entries: Vec::new(),
                });
            }
            Token::Value { key, key_pos, data } => {
                let sec = doc
                    .sections
                    .iter_mut()
                    .rev()
                    .find(|s| s.name == section)
                    .expect("section token precedes its values");
                if sec.entries.iter().any(|e| e.key == key) {
                    return Err(IniError {
                        line,
                        message: format!("duplicate name {}", py_repr(&key)),
                    });
                }
                sec.entries.push(IniEntry {
                    key,
                    key_pos,
                    value: data,
                });
            }
            Token::Continuation(_) => unreachable!("continuations are merged in pass 1"),
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(doc: &IniDoc, sec: &str, key: &str) -> String {
        let s = doc.section(sec).unwrap();
        s.entries.iter().find(|e| e.key == key).unwrap().text()
    }

    #[test]
    fn values_and_continuations() {
        let doc = parse_ini(
            "# c\n[pytest]\naddopts = -q # not a comment\nnorecursedirs =\n  a\n  ; comment\n\n  b\nkey: v=1\nk2 = x:y\n",
        )
        .unwrap();
        assert_eq!(value(&doc, "pytest", "addopts"), "-q # not a comment");
        assert_eq!(value(&doc, "pytest", "norecursedirs"), "a\nb");
        assert_eq!(value(&doc, "pytest", "key"), "v=1");
        assert_eq!(value(&doc, "pytest", "k2"), "x:y");
        let e = &doc.section("pytest").unwrap().entries[1];
        assert_eq!(e.value[0].1, Pos { line: 5, column: 3 });
        assert_eq!(e.value[2].1, Pos { line: 8, column: 3 });
    }

    #[test]
    fn errors_like_iniconfig() {
        let err = |s: &str| parse_ini(s).unwrap_err();
        assert_eq!(
            err("[pytest]\n  cont\nfoo\n"),
            IniError {
                line: 2,
                message: "unexpected value continuation".into()
            }
        );
        assert_eq!(
            err("[pytest]\na = 1\nfoo\n"),
            IniError {
                line: 3,
                message: "unexpected line: 'foo'".into()
            }
        );
        assert_eq!(err("a = 1\n[x]\n").message, "no section header defined");
        assert_eq!(err("[x]\n[y]\n[x]\n").line, 3);
        assert_eq!(err("[x]\na=1\na=2\n").message, "duplicate name 'a'");
        assert_eq!(err("[]\n").message, "empty section name");
        // A section line not ending in ']' is a continuation of the previous value.
        let doc = parse_ini("[x]\na = 1\n[y\n").unwrap();
        assert_eq!(value(&doc, "x", "a"), "1\n[y");
        assert!(parse_ini("[x] ; c\na=1\r\nb=2\r").is_ok());
    }
}
