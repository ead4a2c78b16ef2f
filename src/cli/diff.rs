//! `mintage diff OLD_RULES NEW_RULES --events FILE.jsonl`: what a rule change would have
//! done to these events (see `mintage::analysis::diff`). Bad lines are reported and
//! skipped (exit 3, after the report); rules with errors exit 1, unreadable input 2.

use crate::cli::out::{errln, outln};
use mintage::analysis::diff::{Differ, render};
use mintage::runtime::engine::Rules;
use mintage::runtime::event::Event;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(clap::Args)]
pub struct Args {
    /// The rules as they are (a file or a folder)
    old: PathBuf,
    /// The rules as they would be
    new: PathBuf,
    /// Events, one JSON object per line (`-` for standard input)
    #[arg(long)]
    events: PathBuf,
    /// Seed for the coupon codes of both sides
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How many differing decisions to show in full
    #[arg(long, default_value_t = 5)]
    limit: usize,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

pub fn run(args: Args) -> u8 {
    let (Some(old), Some(new)) = (
        crate::cli::load_rules(std::slice::from_ref(&args.old), args.zone),
        crate::cli::load_rules(std::slice::from_ref(&args.new), args.zone),
    ) else {
        return 1;
    };
    let mut reader: Box<dyn BufRead> = if args.events.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(&args.events) {
            Ok(f) => Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                errln!("error: cannot read `{}`: {e}", args.events.display());
                return 2;
            }
        }
    };
    let (old, new) = match (Rules::new(old), Rules::new(new)) {
        (Ok(old), Ok(new)) => (Arc::new(old), Arc::new(new)),
        (Err(e), _) | (_, Err(e)) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let mut differ = Differ::new(old, new, args.seed, args.limit);
    let name = args.events.display().to_string();
    let mut skipped = 0usize;
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    let mut number = 0usize;
    loop {
        line.clear();
        number += 1;
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                errln!("{name}:{number}: cannot read the line: {e}");
                skipped += 1;
                continue;
            }
        }
        let text = match crate::cli::lines::text(&line, number == 1) {
            Ok(t) if t.trim().is_empty() => continue,
            Ok(t) => t,
            Err(e) => {
                errln!("{name}:{number}: skipped: {e}");
                skipped += 1;
                continue;
            }
        };
        match Event::from_json(text) {
            Ok(event) => differ.event(number, &event),
            Err(e) => {
                errln!("{name}:{number}: skipped: {e}");
                skipped += 1;
            }
        }
    }
    let report = differ.finish();
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
        Format::Text => crate::cli::out::out!("{}", render(&report)),
    }
    if skipped > 0 {
        errln!("{skipped} line(s) skipped");
        return 3;
    }
    0
}
