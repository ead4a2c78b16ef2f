//! `mintage run`: a batch campaign over a user table (JSONL or CSV), streamed twice:
//! once to build the offer menus, once to write the decisions.

use crate::cli::out::errln;
use mintage::runtime::batch::{BatchRun, Timings, user_event, user_row_event};
use mintage::runtime::engine::Rules;
use mintage::runtime::eval::NoFacts;
use mintage::runtime::event::{Event, EventError, User};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Rule files or folders
    rules: Vec<PathBuf>,
    /// The batch campaign to run
    #[arg(long)]
    campaign: String,
    /// The user table: JSONL (one user object per line) or CSV with a header (`scores.` columns hold scores)
    #[arg(long)]
    users: PathBuf,
    /// The time of the run (RFC 3339); default: now
    #[arg(long)]
    now: Option<String>,
    /// Budget in yuan, overriding the campaign's (zero or more)
    #[arg(long, allow_negative_numbers = true)]
    budget: Option<f64>,
    /// Seed for reproducible coupon codes
    #[arg(long)]
    seed: Option<u64>,
    /// Write the summary JSON here instead of stderr
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Only users of these arms of the campaign's experiment take part (comma-separated),
    /// as in `--arm explore,holdout` and then `--arm main --response MODEL.json`
    #[arg(long, value_delimiter = ',')]
    arm: Vec<String>,
    /// Value the offers with this fitted response model (`mintage fit`'s output) instead
    /// of the campaign's `model` block
    #[arg(long)]
    response: Option<PathBuf>,
    /// Threads that read and value the table (default: one per core); the result is the
    /// same with any number
    #[arg(long)]
    threads: Option<std::num::NonZeroUsize>,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

enum Table {
    Jsonl,
    Csv,
}

const NUMERIC: &[&str] = &["paid_orders", "total_spend", "avg_order_value"];

pub(super) fn csv_user(headers: &csv::StringRecord, record: &csv::StringRecord) -> Result<User, EventError> {
    let mut user = serde_json::Map::new();
    let mut scores = serde_json::Map::new();
    for (h, v) in headers.iter().zip(record.iter()) {
        let v = v.trim();
        if let Some(score) = h.strip_prefix("scores.") {
            let n: f64 = v
                .parse()
                .map_err(|_| EventError(format!("column `{h}`: `{v}` is not a number")))?;
            scores.insert(score.to_string(), serde_json::json!(n));
        } else if v.is_empty() {
            user.insert(h.to_string(), serde_json::Value::Null);
        } else if NUMERIC.contains(&h) {
            let n: f64 = v
                .parse()
                .map_err(|_| EventError(format!("column `{h}`: `{v}` is not a number")))?;
            // Counts and money of a user are never negative; say which column is.
            if n < 0.0 {
                return Err(EventError(format!(
                    "column `{h}`: `{v}` is negative; counts and money amounts are zero or more"
                )));
            }
            user.insert(h.to_string(), serde_json::json!(n));
        } else if h == "tags" {
            user.insert(
                h.to_string(),
                serde_json::json!(v.split(';').map(str::trim).collect::<Vec<_>>()),
            );
        } else {
            user.insert(h.to_string(), serde_json::json!(v));
        }
    }
    if !scores.is_empty() {
        user.insert("scores".into(), serde_json::Value::Object(scores));
    }
    serde_json::from_value(serde_json::Value::Object(user)).map_err(|e| EventError(e.to_string()))
}

fn progress(len_bytes: u64, what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len_bytes);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} rows {per_sec}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

pub fn run(args: Args) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.rules, args.zone) else {
        return 1;
    };
    let now = match args.now.as_deref().map(mintage::value::parse_time).transpose() {
        Ok(Some(t)) => t,
        Ok(None) => chrono::Utc::now().timestamp_millis(),
        Err(e) => {
            errln!("error: --now: {e}");
            return 2;
        }
    };
    let budget = match args
        .budget
        .map(|b| mintage::value::fen_from_yuan(b).ok_or(b))
        .transpose()
    {
        Ok(b) => b,
        Err(b) => {
            errln!("error: --budget {b}: not an amount in yuan with at most two decimals");
            return 2;
        }
    };
    let Some(mut minter) = crate::cli::replay::minter(args.seed) else {
        return 2;
    };
    let rules = match Rules::new(program) {
        Ok(rules) => rules,
        Err(e) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let mut run = match BatchRun::new(&rules, &args.campaign, now, budget) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    if !args.arm.is_empty()
        && let Err(e) = run.only_arms(&args.arm)
    {
        errln!("error: {e}");
        return 2;
    }
    if let Some(path) = &args.response {
        let model = match mintage::response::ResponseModel::load(path) {
            Ok(m) => m,
            Err(e) => {
                errln!("error: `--response {}`: {e}", path.display());
                return 2;
            }
        };
        if let Err(e) = run.use_response(std::sync::Arc::new(model)) {
            errln!("error: `--response {}`: {e}", path.display());
            return 2;
        }
    }
    // Standard input is spooled to a file so that it can be read twice.
    let (path, _spool) = if args.users.as_os_str() == "-" {
        match spool_stdin() {
            Ok((p, guard)) => (p, Some(guard)),
            Err(e) => {
                errln!("error: {e}");
                return 2;
            }
        }
    } else {
        (args.users.clone(), None)
    };
    let table = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        Table::Csv
    } else {
        Table::Jsonl
    };
    let name = args.users.display().to_string();
    let rows_total = if std::io::stderr().is_terminal() {
        count_lines(&path)
    } else {
        0
    };
    let bar = progress(rows_total, "valuing");
    let mut skipped = 0u64;
    let started = std::time::Instant::now();
    let threads = args
        .threads
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, std::num::NonZeroUsize::get);
    let valuer = run.valuer.fork();
    run.reserve(crate::cli::run_rows::rows_hint(&path));
    let csv = matches!(table, Table::Csv);
    let first = crate::cli::run_rows::each_row(&path, csv, now, &valuer, threads, |row| {
        bar.inc(1);
        let n = row.n;
        match row.row {
            Ok(v) => match run.repeated(&v.user_id, n) {
                Some(first) => {
                    bar.suspend(|| {
                        errln!(
                            "{name}:{n}: skipped: user `{}` is already on line {first}; a user gets one row",
                            v.user_id
                        )
                    });
                    skipped += 1;
                }
                _ => {
                    run.push_row(v.value, v.event_id, v.user_id, row.offset);
                }
            },
            Err(e) => {
                bar.suspend(|| errln!("{name}:{n}: skipped: {e}"));
                skipped += 1;
            }
        }
    });
    bar.finish_and_clear();
    if let Err(e) = first {
        errln!("error: {e}");
        return 2;
    }
    run.skipped = skipped;
    let mut timings = Timings {
        read_and_value: ms(started),
        ..Timings::default()
    };
    let started = std::time::Instant::now();
    let allocation = run.allocate();
    timings.allocate = ms(started);
    let started = std::time::Instant::now();
    let mut reread = match Reread::open(&path, &table) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let bar = progress(run.rows.len() as u64, "writing");
    // The decisions are serialized on a thread of their own while the next are made.
    let (failed, written) = crate::cli::out::json_lines_on_thread(|write| {
        for index in 0..run.rows.len() {
            bar.inc(1);
            let decision = if allocation.choice.get(index).copied().flatten().is_some() {
                // Only rows that get an offer are read again, to build their coupon.
                let Some(offset) = run.rows.get(index).map(|r| r.offset) else {
                    break;
                };
                match reread.event(offset, now) {
                    Ok(e) => run.decide(&e, &NoFacts, index, &allocation),
                    Err(e) => {
                        errln!("error: {name}: the table changed during the run ({e})");
                        return Some(2);
                    }
                }
            } else {
                run.left_out(index)
            };
            if let Some(mut d) = decision {
                for c in &mut d.coupons {
                    c.code = minter.mint();
                }
                if !write(d) {
                    break;
                }
            }
        }
        None
    });
    bar.finish_and_clear();
    if let Some(code) = failed {
        return code;
    }
    // A closed pipe ends the output quietly; the summary is still written.
    if let Err(e) = written
        && let Err(code) = crate::cli::out::stream_error(&e)
    {
        return code;
    }
    timings.write = ms(started);
    let summary = serde_json::to_string(&run.summary(&allocation, timings)).unwrap_or_default();
    match &args.summary {
        Some(p) => {
            if let Err(e) = std::fs::write(p, format!("{summary}\n")) {
                errln!("error: cannot write `{}`: {e}", p.display());
                return 2;
            }
        }
        None => errln!("{summary}"),
    }
    // The process ends here: freeing every row's ids one by one would only cost time.
    std::mem::forget(run);
    if skipped > 0 {
        errln!("{skipped} line(s) skipped");
        return 3;
    }
    0
}

/// Random access to rows of the table by byte offset.
struct Reread {
    file: std::io::BufReader<std::fs::File>,
    headers: Option<csv::StringRecord>,
}

impl Reread {
    fn open(path: &Path, table: &Table) -> Result<Reread, String> {
        let open = || std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()));
        let headers = match table {
            Table::Jsonl => None,
            Table::Csv => Some(
                csv::Reader::from_reader(open()?)
                    .headers()
                    .map_err(|e| format!("`{}`: bad CSV header: {e}", path.display()))?
                    .clone(),
            ),
        };
        Ok(Reread {
            file: std::io::BufReader::new(open()?),
            headers,
        })
    }

    fn event(&mut self, offset: u64, now: i64) -> Result<Event, String> {
        use std::io::Seek;
        self.file
            .seek(std::io::SeekFrom::Start(offset))
            .map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        self.file.read_until(b'\n', &mut bytes).map_err(|e| e.to_string())?;
        let line = crate::cli::lines::text(&bytes, offset == 0)?;
        let event = match &self.headers {
            None => user_event(line, 0, now),
            Some(h) => {
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(line.as_bytes());
                let record = r.records().next().ok_or("empty row")?.map_err(|e| e.to_string())?;
                csv_user(h, &record).and_then(|u| user_row_event(u, 0, now))
            }
        };
        event.map_err(|e| e.to_string())
    }
}

fn ms(since: std::time::Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn count_lines(path: &Path) -> u64 {
    std::fs::File::open(path)
        .map(|f| std::io::BufReader::new(f).lines().count() as u64)
        .unwrap_or(0)
}

/// A temporary file removed when dropped.
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn spool_stdin() -> Result<(PathBuf, Spool), String> {
    let path = std::env::temp_dir().join(format!("mintage-users-{}.jsonl", std::process::id()));
    let mut file = std::fs::File::create(&path).map_err(|e| format!("cannot spool standard input: {e}"))?;
    std::io::copy(&mut std::io::stdin().lock(), &mut file).map_err(|e| format!("cannot spool standard input: {e}"))?;
    Ok((path.clone(), Spool(path)))
}
