mod cli;

// The CLI's replays and analyses allocate and free many small values per event (a
// million users' state); mimalloc does that faster than glibc's malloc, which spent a
// fifth of `analyze --events` in malloc, free and consolidation (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
