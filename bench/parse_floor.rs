//! The floor of a rename's re-parse check, for bench/run.sh: one tree-sitter-python parse of
//! each file given, in parallel over every core, with the allocator and grammar fixmig uses.
//!
//!     cargo run --release --example parse_floor -- FILE...
//!
//! Whatever else a rename does, it parses each file it rewrites at least once in full (the
//! re-parse check), so a rename's time cannot drop below this command's on the files the
//! rename rewrites. bench.py runs it side by side with the rename and its peers; the summary
//! (files, bytes, those with syntax errors, wall time, threads) goes to stderr.

use std::time::Instant;

use rayon::prelude::*;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let start = Instant::now();
    // SAFETY: called first, before any tree-sitter object exists (as in fixmig's `main`).
    unsafe { fixmig::tree_sitter_on_mimalloc() };
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: parse_floor FILE...");
        std::process::exit(2);
    }
    let parsed: Result<Vec<(usize, bool)>, String> = paths
        .par_iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .map_err(|e| e.to_string())?;
            let tree = parser
                .parse(&bytes, None)
                .ok_or_else(|| format!("{path}: tree-sitter returned no tree"))?;
            Ok((bytes.len(), tree.root_node().has_error()))
        })
        .collect();
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("parse_floor: {e}");
            std::process::exit(2);
        }
    };
    let bytes: usize = parsed.iter().map(|(n, _)| n).sum();
    let with_errors = parsed.iter().filter(|(_, e)| *e).count();
    eprintln!(
        "parse_floor: {} files, {bytes} bytes ({with_errors} with syntax errors) parsed in {:?} on {} threads",
        parsed.len(),
        start.elapsed(),
        rayon::current_num_threads()
    );
}
