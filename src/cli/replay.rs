//! `mintage replay` and `mintage eval`: events through a fresh in-memory runtime, or
//! (`replay --db URL`) through the durable ledger.

use crate::cli::lines::Flow;
use crate::cli::out::{errln, outln};
use mintage::ledger::{Decided, Ledger, LedgerError};
use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::{Rules, Runtime};
use mintage::runtime::event::{Event, EventKind};
use mintage::value::Millis;
use std::io::{BufWriter, Write};
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
    /// Decide through the durable ledger at this URL (`sqlite:PATH`, `sqlite::memory:`,
    /// `postgres://…`) instead of fresh in-memory state: coupons, limits and timers persist
    /// between runs, and event ids decided before get their first decision again
    #[arg(long)]
    db: Option<String>,
    #[command(flatten)]
    zone: crate::cli::Zone,
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
    #[command(flatten)]
    zone: crate::cli::Zone,
}

pub(crate) fn minter(seed: Option<u64>) -> Option<CodeMinter> {
    match seed {
        Some(s) => Some(CodeMinter::seeded(s)),
        None => match CodeMinter::from_entropy() {
            Ok(m) => Some(m),
            Err(e) => {
                errln!("error: cannot seed the coupon code generator: {e}");
                None
            }
        },
    }
}

pub fn run(args: Args) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.rules, args.zone) else {
        return 1;
    };
    let Some(minter) = minter(args.seed) else {
        return 2;
    };
    let rules = match Rules::new(program) {
        Ok(rules) => Arc::new(rules),
        Err(e) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let mut ledger = match &args.db {
        Some(url) => match open_ledger(url, &args, rules.clone()) {
            Ok(l) => Some(l),
            Err(code) => return code,
        },
        None => None,
    };
    let mut runtime = Runtime::new(rules, minter).explain(args.explain);
    let mut reader = match crate::cli::lines::open(&args.events) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let name = args.events.display().to_string();
    // What the ledger has due next (`replay --db`): the events' times are its clock.
    let mut due = ledger.as_ref().map_or(Ok(None), Ledger::next_due);
    let mut closed = false;
    // An output error that ends the run (not a closed pipe), with its exit code.
    let mut failed = None;
    // Whether a line was written; if not, the run stops (`closed` or `failed` says why).
    let mut written = |result: std::io::Result<()>| -> bool {
        match result {
            Ok(()) => true,
            Err(e) => {
                match crate::cli::out::stream_error(&e) {
                    Ok(()) => closed = true,
                    Err(code) => failed = Some(code),
                }
                false
            }
        }
    };
    let skipped = crate::cli::lines::each_event_with_text(&mut reader, &name, ledger.is_some(), |_, event, text| {
        let Some(ledger) = ledger.as_mut() else {
            for d in runtime.process(&event) {
                if !written(json_line(&mut out, &d)) {
                    return Flow::Stop;
                }
            }
            return Flow::Next;
        };
        let mut decided = Vec::new();
        let caught = if event.kind == EventKind::Tick {
            Ok(())
        } else {
            catch_up(ledger, &mut due, event.at, &mut decided)
        };
        let problem = match caught {
            Err(e) => Some(e),
            Ok(()) => {
                let outcome = ledger.decide(&event, text.unwrap_or_default());
                due = ledger.next_due();
                match outcome {
                    Ok(outcome) => {
                        decided.extend(outcome.fired);
                        decided.push(outcome.decided);
                        decided.extend(outcome.others);
                        None
                    }
                    Err(e) => Some(e),
                }
            }
        };
        for d in decided.iter().filter(|d| d.is_printable()) {
            if !written(json_line(&mut out, &d.decision)) {
                return Flow::Stop;
            }
        }
        match problem {
            Some(e) => Flow::Skip(format!("skipped: {e}")),
            None => Flow::Next,
        }
    });
    if let Some(code) = failed {
        return code;
    }
    if !closed
        && let Err(e) = out.flush()
        && let Err(code) = crate::cli::out::stream_error(&e)
    {
        return code;
    }
    // The process ends here: freeing every user's state one by one would only cost time.
    std::mem::forget(runtime);
    if skipped > 0 {
        errln!("{skipped} line(s) skipped");
        return 3;
    }
    0
}

/// Before an event at `at`, what fell due in the ledger happens, in time order, as the
/// in-memory replay does it: at each due time (a timer's, or the end of an issued coupon's
/// validity) the ledger ticks, firing the timers due and expiring the coupons that ran
/// out (their budget goes back), until nothing is due by `at`. Returns the timers'
/// decisions in `fired`; `due` is left at what is due next.
fn catch_up(
    ledger: &Ledger,
    due: &mut Result<Option<Millis>, LedgerError>,
    at: Millis,
    fired: &mut Vec<Decided>,
) -> Result<(), LedgerError> {
    let mut last = None;
    loop {
        let next = match std::mem::replace(due, Ok(None)) {
            Ok(Some(next)) if next <= at => next,
            Ok(later) => {
                *due = Ok(later);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        // A tick that leaves something due at (or before) its own time, such as a timer
        // that starts another due at once, would repeat forever: the rest is done at `at`.
        let now = if last.is_some_and(|l| next <= l) { at } else { next };
        fired.extend(ledger.tick(now, usize::MAX)?);
        *due = ledger.next_due();
        if now == at {
            // Whatever is still due by `at` waits for the next event's catch-up.
            if matches!(due, Ok(Some(d)) if *d <= at) {
                *due = Ok(None);
            }
            return Ok(());
        }
        last = Some(now);
    }
}

/// One JSON value and a newline.
pub(crate) fn json_line(out: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

fn open_ledger(url: &str, args: &Args, rules: Arc<Rules>) -> Result<mintage::ledger::Ledger, u8> {
    let options = mintage::ledger::LedgerOptions {
        seed: args.seed,
        explain: args.explain,
        ..mintage::ledger::LedgerOptions::default()
    };
    crate::cli::open_ledger(url, &args.rules, rules, args.zone, options)
}

pub fn eval(args: EvalArgs) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.rules, args.zone) else {
        return 1;
    };
    let Some(minter) = minter(args.seed) else {
        return 2;
    };
    let text = if args.event.as_os_str() == "-" {
        let mut s = String::new();
        if std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).is_err() {
            errln!("error: cannot read standard input");
            return 2;
        }
        s
    } else {
        match std::fs::read_to_string(&args.event) {
            Ok(s) => s,
            Err(e) => {
                errln!("error: cannot read `{}`: {e}", args.event.display());
                return 2;
            }
        }
    };
    let event = match Event::from_json(crate::cli::lines::without_bom(&text)) {
        Ok(e) => e,
        Err(e) => {
            errln!("error: `{}`: {e}", args.event.display());
            return 2;
        }
    };
    let rules = match Rules::new(program) {
        Ok(rules) => Arc::new(rules),
        Err(e) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let mut runtime = Runtime::new(rules, minter).explain(args.explain);
    for d in runtime.process(&event) {
        let text = serde_json::to_string_pretty(&d.to_json()).unwrap_or_default();
        outln!("{text}");
    }
    0
}
