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
    for (i, line) in reader.lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{name}:{}: cannot read the line: {e}", i + 1);
                skipped += 1;
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let event = match Event::from_json(&line) {
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
