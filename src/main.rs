use std::io::Write;

fn main() {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let code = fixmig::run_cli(std::env::args_os(), &mut out, &mut err);
    let _ = out.flush();
    std::process::exit(code);
}
