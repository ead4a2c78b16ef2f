//! `mintage diff OLD_RULES NEW_RULES --events FILE.jsonl`: what a rule change would have
//! done to these events (see `mintage::analysis::diff`). Bad lines are reported and
//! skipped (exit 3, after the report); rules with errors exit 1, unreadable input 2.

use crate::cli::out::{errln, outln};
use mintage::analysis::diff::{Differ, render};
use mintage::runtime::engine::Rules;
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
    let mut reader = match crate::cli::lines::open(&args.events) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return 2;
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
    let skipped = crate::cli::lines::each_event(&mut reader, &name, |number, event| {
        differ.event(number, &event);
        Ok(())
    });
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
