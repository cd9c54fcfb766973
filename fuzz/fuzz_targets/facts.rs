//! The facts extractor on arbitrary bytes: full facts, test-module facts and skeleton facts
//! (what the index is built from) must never panic.
#![no_main]

use fixmig::parse::{parse_skeleton, parse_source, parse_test_module, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions {
        target_version: (3, 11),
    };
    let _ = parse_source(data, options);
    let _ = parse_test_module(data, options);
    let _ = parse_skeleton(data, options);
});
