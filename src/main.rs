use std::io::Write;

// mimalloc for Rust's allocations and for tree-sitter's (`fixmig::tree_sitter_on_mimalloc`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    fixmig::process_start();
    // SAFETY: called first, before any tree-sitter object exists.
    unsafe { fixmig::tree_sitter_on_mimalloc() };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Not locked for the whole run: the progress bar draws on stderr from another thread.
    let mut err = std::io::stderr();
    fixmig::cli::allow_progress();
    fixmig::cli::exit_after_command();
    let code = fixmig::run_cli(std::env::args_os(), &mut out, &mut err);
    let _ = out.flush();
    std::process::exit(code);
}
