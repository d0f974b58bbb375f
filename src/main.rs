//! The `cwmpd` binary: argument parsing and dispatch.

fn main() {
    let arg = std::env::args().nth(1);
    match arg.as_deref() {
        Some("--version") | Some("-V") => println!("cwmpd {}", env!("CARGO_PKG_VERSION")),
        _ => {
            eprintln!("usage: cwmpd --version");
            std::process::exit(2);
        }
    }
}
