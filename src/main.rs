//! The `dateline` binary: parses the command line and hands over to the library.

/// Every allocation of the server and the CLI (not SQLite's own, which goes to libc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dateline::cli::main()
}
