use std::io::Write;

fn main() {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Not locked for the whole run: the progress bar draws on stderr from another thread.
    let mut err = std::io::stderr();
    fixmig::cli::allow_progress();
    let code = fixmig::run_cli(std::env::args_os(), &mut out, &mut err);
    let _ = out.flush();
    std::process::exit(code);
}
