//! The rule-file reader on arbitrary text: a rule file or an error whose rendering (file,
//! line, column, snippet) does not panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match fixmig::rules::parse(Path::new("rules.toml"), &text) {
        Ok(file) => {
            for rule in &file.rules {
                let span = rule.span();
                assert!(span.start <= span.end && span.end <= text.len(), "{span:?}");
                let _ = rule.kind();
            }
        }
        Err(e) => {
            let _ = e.render(false);
            let _ = e.render(true);
            let _ = e.to_string();
        }
    }
});
