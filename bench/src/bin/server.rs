//! The server the harness puts under load: exactly the `latchkey` binary's
//! entry point, built with the harness's own profile (see `Cargo.toml`).

fn main() -> std::process::ExitCode {
    latchkey_server::cli::main()
}
