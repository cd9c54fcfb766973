//! Function bodies, found without a parse: a Python tokenizer reduced to what finds the end of
//! a logical line (strings, f-strings with nested fields, comments, brackets, continuations);
//! on anything it does not follow it gives up (`None`) and the caller parses the whole file.
//! Function bodies hold most of a module's bytes and nothing that decides what a module- or
//! class-level name is bound to. Two uses:
//!
//! * [`strip_bodies`], a module's *skeleton*: its text with every function body replaced by
//!   `...`. Only ever used to prove that looking a name up cannot reach a fixture or a
//!   `TestCase` (see `index::lazy`); its lines and spans are not the file's.
//! * [`omit_bodies`], for test modules: the bodies that hold no fact are left out of the parse
//!   while every other byte keeps its place, so the facts are exactly those of the full parse.

/// One logical line: where its first physical line starts, its indentation, where it ends
/// (after its newline), and for a `def`, where the header's `:` is and whether the body
/// follows on the same line.
pub(super) struct Line {
    pub(super) start: usize,
    pub(super) indent: usize,
    end: usize,
    /// Where the line's last token ends (before any comment, whitespace and newline).
    pub(super) code_end: usize,
    pub(super) def: Option<Def>,
}

pub(super) struct Def {
    colon: usize,
    pub(super) inline_body: bool,
}

pub(super) struct Scanner<'a> {
    src: &'a [u8],
    pub(super) pos: usize,
}

pub(super) fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

const STRING_PREFIXES: &[&str] = &["r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt"];

impl<'a> Scanner<'a> {
    /// A scanner of `src` from byte `pos`.
    pub(super) fn at(src: &'a [u8], pos: usize) -> Scanner<'a> {
        Scanner { src, pos }
    }

    pub(super) fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    /// Consumes a newline (`\n`, `\r\n` or `\r`) at the current position, if there is one.
    fn newline(&mut self) -> bool {
        match self.peek(0) {
            Some(b'\n') => {
                self.pos += 1;
                true
            }
            Some(b'\r') => {
                self.pos += if self.peek(1) == Some(b'\n') { 2 } else { 1 };
                true
            }
            _ => false,
        }
    }

    pub(super) fn skip_comment(&mut self) {
        while let Some(b) = self.peek(0) {
            if b == b'\n' || b == b'\r' {
                break;
            }
            self.pos += 1;
        }
    }

    /// A string literal whose opening quote is at the current position.
    fn string(&mut self, formatted: bool) -> Option<()> {
        let quote = self.peek(0)?;
        let triple = self.peek(1) == Some(quote) && self.peek(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        loop {
            let b = self.peek(0)?;
            match b {
                b'\\' => {
                    self.pos += 1;
                    if !self.newline() {
                        self.pos += 1;
                    }
                }
                b'\n' | b'\r' if !triple => return None,
                _ if b == quote => {
                    if !triple {
                        self.pos += 1;
                        return Some(());
                    }
                    if self.peek(1) == Some(quote) && self.peek(2) == Some(quote) {
                        self.pos += 3;
                        return Some(());
                    }
                    self.pos += 1;
                }
                b'{' if formatted => {
                    if self.peek(1) == Some(b'{') {
                        self.pos += 2;
                    } else {
                        self.pos += 1;
                        self.field()?;
                    }
                }
                _ => self.pos += 1,
            }
        }
    }

    /// An f-string replacement field after its `{`, up to and including its `}`.
    fn field(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            let b = self.peek(0)?;
            match b {
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.pos += 1;
                }
                b')' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.pos += 1;
                }
                b'}' => {
                    self.pos += 1;
                    if depth == 0 {
                        return Some(());
                    }
                    depth -= 1;
                }
                b'!' if depth == 0 && self.peek(1) != Some(b'=') => {
                    // Conversion (`!r`), then a format spec or the end.
                    self.pos += 1;
                }
                b':' if depth == 0 => {
                    self.pos += 1;
                    return self.format_spec();
                }
                b'#' => self.skip_comment(),
                b'\\' => {
                    self.pos += 1;
                    if !self.newline() {
                        return None;
                    }
                }
                _ => self.token_in_expression()?,
            }
        }
    }

    /// A format spec (after `:` in a field): literal text with nested fields, up to and
    /// including the field's closing `}`.
    fn format_spec(&mut self) -> Option<()> {
        loop {
            match self.peek(0)? {
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                b'{' => {
                    self.pos += 1;
                    self.field()?;
                }
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    /// One token that is not a bracket, comment or continuation: a string, a name, a number,
    /// whitespace or an operator character.
    pub(super) fn token_in_expression(&mut self) -> Option<()> {
        let b = self.peek(0)?;
        if b == b'"' || b == b'\'' {
            return self.string(false);
        }
        if is_ident(b) {
            let start = self.pos;
            while self.peek(0).is_some_and(is_ident) {
                self.pos += 1;
            }
            let word = &self.src[start..self.pos];
            if let Some(q) = self.peek(0) {
                if (q == b'"' || q == b'\'') && word.len() <= 2 {
                    let lower = word.to_ascii_lowercase();
                    if STRING_PREFIXES.iter().any(|p| p.as_bytes() == lower) {
                        let formatted = lower.contains(&b'f') || lower.contains(&b't');
                        return self.string(formatted);
                    }
                }
            }
            return Some(());
        }
        if b == b'\n' || b == b'\r' {
            self.newline();
            return Some(());
        }
        self.pos += 1;
        Some(())
    }

    /// The logical line starting at the current position (after blank and comment lines).
    pub(super) fn line(&mut self) -> Option<Option<Line>> {
        // Blank lines and comment-only lines are not logical lines.
        let (start, indent) = loop {
            let line_start = self.pos;
            let mut indent = 0;
            while let Some(b) = self.peek(0) {
                match b {
                    b' ' => indent += 1,
                    b'\t' | b'\x0c' => return None,
                    _ => break,
                }
                self.pos += 1;
            }
            match self.peek(0) {
                None => return Some(None),
                Some(b'#') => {
                    self.skip_comment();
                    self.newline();
                }
                Some(b'\n' | b'\r') => {
                    self.newline();
                }
                Some(b'\\') => return None,
                Some(_) => break (line_start, indent),
            }
        };
        let mut depth = 0usize;
        let mut first: Vec<&[u8]> = Vec::new();
        let mut colon = None;
        let mut after_colon = false;
        let mut lambda = false;
        let mut code_end = self.pos;
        while let Some(b) = self.peek(0) {
            if !matches!(b, b'#' | b'\\' | b'\n' | b'\r' | b' ' | b'\t' | b'\x0c') {
                code_end = self.pos + 1;
            }
            match b {
                b'#' => self.skip_comment(),
                b'\\' => {
                    self.pos += 1;
                    if !self.newline() {
                        return None;
                    }
                }
                b'\n' | b'\r' => {
                    self.newline();
                    if depth == 0 {
                        break;
                    }
                }
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.pos += 1;
                    after_colon |= colon.is_some();
                }
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    self.pos += 1;
                }
                b':' if depth == 0 && self.peek(1) != Some(b'=') && colon.is_none() => {
                    colon = Some(self.pos);
                    self.pos += 1;
                }
                _ => {
                    let token_start = self.pos;
                    self.token_in_expression()?;
                    code_end = self.pos;
                    let word = &self.src[token_start..self.pos];
                    if colon.is_some() {
                        after_colon = true;
                    } else if depth == 0 {
                        if word == b"lambda" {
                            lambda = true;
                        }
                        if first.len() < 2 && is_ident(word[0]) {
                            first.push(word);
                        }
                    }
                }
            }
        }
        if depth != 0 {
            return None;
        }
        let is_def = matches!(first.as_slice(), [b"def", ..] | [b"async", b"def"]);
        let def = match (is_def, colon) {
            (false, _) => None,
            // A `lambda` in a return annotation has its own colon: not followed here.
            (true, _) if lambda => return None,
            (true, None) => return None,
            (true, Some(colon)) => Some(Def {
                colon,
                inline_body: after_colon,
            }),
        };
        Some(Some(Line {
            start,
            indent,
            end: self.pos,
            code_end,
            def,
        }))
    }
}

/// `src` with the body of every `def` replaced by ` ...`; `None` when the scanner cannot follow
/// the text (tabs in indentation, an unterminated string or bracket, a `lambda` in a `def`
/// header, ...).
pub fn strip_bodies(src: &[u8]) -> Option<Vec<u8>> {
    let mut scanner = Scanner { src, pos: 0 };
    let mut out = Vec::with_capacity(src.len() / 4);
    // Inside the block body of a `def` at this indentation: lines indented more are skipped.
    let mut skipping: Option<usize> = None;
    let mut expect_body: Option<usize> = None;
    while let Some(line) = scanner.line()? {
        if let Some(def_indent) = expect_body.take() {
            if line.indent <= def_indent {
                return None;
            }
        }
        if let Some(def_indent) = skipping {
            if line.indent > def_indent {
                continue;
            }
            skipping = None;
        }
        match &line.def {
            Some(def) => {
                out.extend_from_slice(&src[line.start..=def.colon]);
                out.extend_from_slice(b" ...\n");
                if !def.inline_body {
                    skipping = Some(line.indent);
                    expect_body = Some(line.indent);
                }
            }
            None => {
                out.extend_from_slice(&src[line.start..line.end]);
                if !matches!(out.last(), Some(b'\n' | b'\r')) {
                    out.push(b'\n');
                }
            }
        }
    }
    if expect_body.is_some() {
        return None;
    }
    Some(out)
}

/// A test module's text prepared for a parse that leaves function bodies out: see
/// [`omit_bodies`].
pub struct Omitted {
    /// The text with the first byte of each left-out body replaced by `0`.
    pub text: Vec<u8>,
    /// For each left-out body, in order: where its stand-in `0` ends, and where the body's last
    /// token ends. The parse covers the text outside these gaps; every node that ends with a
    /// stand-in really ends where its body did.
    pub ends: Vec<(usize, usize)>,
}

/// Prepares `src` for a parse without the bodies of the `def`s that `keep` does not ask for:
/// each such body is replaced by the statement `0` at its first byte, and the rest of it is
/// left out of the parse (tree-sitter's included ranges), so every byte that is parsed keeps
/// its offset, line and column, and the parse yields the same module- and class-level facts
/// with the same spans (once each node that ended with a body is given the body's real end,
/// see [`Omitted::ends`]). Bodies of one or two logical lines are kept (their facts, like a
/// constant `return`, are read off the body), as is every body whose bytes `keep` wants, and
/// the `def`s inside those are looked at in turn. `None` when the scanner cannot follow the
/// text.
pub fn omit_bodies(src: &[u8], keep: impl Fn(&[u8]) -> bool) -> Option<Omitted> {
    let mut scanner = Scanner { src, pos: 0 };
    let mut lines = Vec::new();
    while let Some(line) = scanner.line()? {
        lines.push(line);
    }
    let mut text = src.to_vec();
    let mut ends = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        i += 1;
        let Some(def) = &line.def else { continue };
        if def.inline_body {
            continue;
        }
        let body = i;
        while i < lines.len() && lines[i].indent > line.indent {
            i += 1;
        }
        if i == body {
            return None;
        }
        let first = &lines[body];
        let stand_in = first.start + first.indent;
        let end = lines[i - 1].code_end;
        if i - body <= 2 || keep(&src[stand_in..end]) {
            // Kept: the defs inside it are looked at in turn.
            i = body;
            continue;
        }
        text[stand_in] = b'0';
        ends.push((stand_in + 1, end));
    }
    Some(Omitted { text, ends })
}

#[cfg(test)]
mod tests {
    use super::{omit_bodies, strip_bodies};

    fn strip(src: &str) -> Option<String> {
        strip_bodies(src.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn bodies_become_ellipses() {
        let src = "import os\n\n@deco(x={1: 2})\ndef f(a: int = 1) -> dict[str, int]:  # c\n    x = '''\ndef g():\n'''\n    return {a: b for a, b in x}\n\nclass C(Base):\n    y = 1\n    async def m(self): return f\"{self!r:>{w}}\"\n    def n(self,\n          b):\n        pass\n\n    z = 2\nif x:\n    def h(): pass\nelse:\n    from a import b\n";
        assert_eq!(
            strip(src).unwrap(),
            "import os\n@deco(x={1: 2})\ndef f(a: int = 1) -> dict[str, int]: ...\nclass C(Base):\n    y = 1\n    async def m(self): ...\n    def n(self,\n          b): ...\n    z = 2\nif x:\n    def h(): ...\nelse:\n    from a import b\n"
        );
    }

    #[test]
    fn strings_brackets_and_continuations_are_followed() {
        let src = "def f():\n    s = f'{x[\"a\"]}' + \"\\\"\" + r'\\'' + \"\"\"}\n\"\"\"\n    t = (1,\n# c\n2)\n    u = 1 + \\\n2\nx = 1\n";
        assert_eq!(strip(src).unwrap(), "def f(): ...\nx = 1\n");
    }

    #[test]
    fn gives_up_on_what_it_does_not_follow() {
        assert_eq!(strip("def f():\n\treturn 1\n"), None);
        assert_eq!(strip("x = (1,\n"), None);
        assert_eq!(strip("s = 'abc\n"), None);
        assert_eq!(strip("def f() -> lambda: 1: pass\n"), None);
        assert_eq!(strip("def f():\nx = 1\n"), None);
        assert_eq!(strip("def f():\n"), None);
    }

    /// The text as parsed: each omitted body shown as its stand-in `0`.
    fn omit(src: &str) -> Option<String> {
        let omitted = omit_bodies(src.as_bytes(), |body| body.starts_with(b"keep"))?;
        let mut shown = String::new();
        let mut from = 0;
        for (stand_in_end, body_end) in omitted.ends {
            shown.push_str(std::str::from_utf8(&omitted.text[from..stand_in_end]).unwrap());
            from = body_end;
        }
        shown.push_str(&src[from..]);
        Some(shown)
    }

    #[test]
    fn long_bodies_are_left_out_up_to_their_last_token() {
        let src = "class C:\n    def f(self):\n        x = 1\n        # c\n        y = x\n        return y  # end\n\n    y = 2\ndef g():\n    '''doc'''\n    return 'a'\ndef h():\n    keep = 1\n    def i():\n        a\n        b\n        c\n    return i\n";
        assert_eq!(
            omit(src).unwrap(),
            "class C:\n    def f(self):\n        0  # end\n\n    y = 2\ndef g():\n    '''doc'''\n    return 'a'\ndef h():\n    keep = 1\n    def i():\n        0\n    return i\n"
        );
    }

    #[test]
    fn omitting_gives_up_where_stripping_does() {
        assert!(omit("def f():\n\treturn 1\n").is_none());
        assert!(omit("def f():\nx = 1\n").is_none());
        assert!(omit("def f():\n").is_none());
        assert!(omit("def f(): return 1\n").is_some());
    }
}
