use std::ffi::c_void;
use std::io::Write;

// mimalloc for Rust's allocations and for tree-sitter's: parsing allocates and frees every
// node of every syntax tree, and glibc's malloc spent about a seventh of fixmig's CPU time on
// pandas doing so (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" fn ts_calloc(count: usize, size: usize) -> *mut c_void {
    match count.checked_mul(size) {
        // SAFETY: mi_zalloc has malloc's contract, zeroing the block.
        Some(total) => unsafe { libmimalloc_sys::mi_zalloc(total) },
        None => std::ptr::null_mut(),
    }
}

fn main() {
    fixmig::process_start();
    // SAFETY: called first, before any tree-sitter object exists, so every block tree-sitter
    // allocates is freed by the same allocator.
    unsafe {
        tree_sitter::set_allocator(
            Some(libmimalloc_sys::mi_malloc),
            Some(ts_calloc),
            Some(libmimalloc_sys::mi_realloc),
            Some(libmimalloc_sys::mi_free),
        );
    }
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
