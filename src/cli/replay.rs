//! `mintage replay` and `mintage eval`: events through a fresh in-memory runtime.

use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::{Rules, Runtime};
use mintage::runtime::event::Event;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// Rule files or folders
    rules: Vec<PathBuf>,
    /// Events, one JSON object per line (`-` for standard input)
    #[arg(long)]
    events: PathBuf,
    /// Seed for reproducible coupon codes
    #[arg(long)]
    seed: Option<u64>,
    /// Add the trace of every rule considered to each decision
    #[arg(long)]
    explain: bool,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Rule files or folders
    rules: Vec<PathBuf>,
    /// One event as a JSON file (`-` for standard input)
    #[arg(long)]
    event: PathBuf,
    #[arg(long)]
    seed: Option<u64>,
    /// Add the trace of every rule considered
    #[arg(long)]
    explain: bool,
}

pub(crate) fn minter(seed: Option<u64>) -> Option<CodeMinter> {
    match seed {
        Some(s) => Some(CodeMinter::seeded(s)),
        None => match CodeMinter::from_entropy() {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("error: cannot seed the coupon code generator: {e}");
                None
            }
        },
    }
}

fn open(path: &PathBuf) -> Result<Box<dyn BufRead>, String> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    std::fs::File::open(path)
        .map(|f| Box::new(std::io::BufReader::with_capacity(1 << 16, f)) as Box<dyn BufRead>)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

pub fn run(args: Args) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.rules) else {
        return 1;
    };
    let Some(minter) = minter(args.seed) else {
        return 2;
    };
    let rules = Arc::new(Rules::new(program));
    let mut runtime = Runtime::new(rules, minter).explain(args.explain);
    let reader = match open(&args.events) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut skipped = 0usize;
    let name = args.events.display().to_string();
    let mut reader = reader;
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    let mut i = 0usize;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("{name}:{}: cannot read the line: {e}", i + 1);
                skipped += 1;
                i += 1;
                continue;
            }
        }
        i += 1;
        let i = i - 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let event = match Event::from_slice(&line) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("{name}:{}: skipped: {e}", i + 1);
                skipped += 1;
                continue;
            }
        };
        for d in runtime.process(&event) {
            if serde_json::to_writer(&mut out, &d).is_err() || out.write_all(b"\n").is_err() {
                return 2;
            }
        }
    }
    if out.flush().is_err() {
        return 2;
    }
    // The process ends here: freeing every user's state one by one would only cost time.
    std::mem::forget(runtime);
    if skipped > 0 {
        eprintln!("{skipped} line(s) skipped");
        return 3;
    }
    0
}

pub fn eval(args: EvalArgs) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.rules) else {
        return 1;
    };
    let Some(minter) = minter(args.seed) else {
        return 2;
    };
    let text = if args.event.as_os_str() == "-" {
        let mut s = String::new();
        if std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).is_err() {
            eprintln!("error: cannot read standard input");
            return 2;
        }
        s
    } else {
        match std::fs::read_to_string(&args.event) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", args.event.display());
                return 2;
            }
        }
    };
    let event = match Event::from_json(&text) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: `{}`: {e}", args.event.display());
            return 2;
        }
    };
    let rules = Arc::new(Rules::new(program));
    let mut runtime = Runtime::new(rules, minter).explain(args.explain);
    for d in runtime.process(&event) {
        let text = serde_json::to_string_pretty(&d.to_json()).unwrap_or_default();
        println!("{text}");
    }
    0
}
