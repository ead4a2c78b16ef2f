//! `mintage simulate WORLD.toml --rules RULES --out DIR`: a synthetic marketplace run
//! through the rules day by day (see `mintage::simulate` and `docs/simulator.md`).

use crate::cli::out::{errln, outln};
use mintage::runtime::engine::Rules;
use mintage::simulate::{SimError, SimOptions, World, output};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The world file (TOML; see `examples/worlds/`)
    world: PathBuf,
    /// Rule files or folders
    #[arg(long, required = true, num_args = 1..)]
    rules: Vec<PathBuf>,
    /// Days to simulate (default: the world's `days`)
    #[arg(long)]
    days: Option<u32>,
    /// Seed of the world and of the coupon codes (default: the world's `seed`); give the
    /// same `--seed` to `mintage replay` and `mintage analyze` of the events
    #[arg(long)]
    seed: Option<u64>,
    /// Where the files go (`users.jsonl`, `events.jsonl`, `decisions.jsonl`,
    /// `orders.jsonl`, `truth.jsonl`, `summary.json`)
    #[arg(long)]
    out: PathBuf,
    /// Run a batch campaign on a day (0 = the first): `CAMPAIGN@DAY`; repeatable
    #[arg(long, value_parser = batch_day)]
    batch: Vec<(String, u32)>,
    /// Only users of these arms of the batch campaigns' experiments take part in their
    /// runs (comma-separated), as in `--batch-arm explore,holdout` to explore first
    #[arg(long, value_delimiter = ',')]
    batch_arm: Vec<String>,
    /// Write into a folder that is not empty
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

fn batch_day(text: &str) -> Result<(String, u32), String> {
    let (campaign, day) = text
        .rsplit_once('@')
        .ok_or_else(|| format!("`{text}` is not `CAMPAIGN@DAY`"))?;
    let day = day
        .parse()
        .map_err(|_| format!("`{day}` in `{text}` is not a day number (0 = the first)"))?;
    if campaign.is_empty() {
        return Err(format!("`{text}` names no campaign"));
    }
    Ok((campaign.to_string(), day))
}

/// The world file at `path`, parsed and checked; errors are printed (exit code 2).
pub(crate) fn read_world(path: &std::path::Path) -> Result<mintage::simulate::WorldConfig, u8> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        errln!("error: cannot read `{}`: {e}", path.display());
        2u8
    })?;
    World::parse(&text).map_err(|e| {
        errln!("error: `{}`: {e}", path.display());
        2u8
    })
}

pub fn run(args: Args) -> u8 {
    let config = match read_world(&args.world) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let nonempty = std::fs::read_dir(&args.out).is_ok_and(|mut d| d.next().is_some());
    if nonempty && !args.force {
        errln!(
            "error: `{}` is not empty; give another `--out` or `--force` to write into it",
            args.out.display()
        );
        return 2;
    }
    let Some(program) = crate::cli::load_rules(&args.rules, args.zone) else {
        return 1;
    };
    let rules = match Rules::new(program) {
        Ok(rules) => Arc::new(rules),
        Err(e) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let options = SimOptions {
        days: args.days.unwrap_or(config.days),
        seed: args.seed.unwrap_or(config.seed),
        batches: args.batch.clone(),
        record_outcomes: false,
        batch_arms: args.batch_arm.clone(),
    };
    if !(1..=366).contains(&options.days) {
        errln!("error: --days {}: it must be between 1 and 366", options.days);
        return 2;
    }
    let mut world = match World::new(config, options.seed) {
        Ok(w) => w.in_zone(args.zone.zone),
        Err(e) => {
            errln!("error: `{}`: {e}", args.world.display());
            return 2;
        }
    };
    let start_rows = output::rows(&world);
    let events = std::fs::create_dir_all(&args.out).and_then(|()| std::fs::File::create(args.out.join("events.jsonl")));
    let mut events = match events {
        Ok(f) => std::io::BufWriter::with_capacity(1 << 16, f),
        Err(e) => {
            errln!("error: cannot write into `{}`: {e}", args.out.display());
            return 2;
        }
    };
    let mut sink = |line: &str| {
        events.write_all(line.as_bytes())?;
        events.write_all(b"\n")
    };
    let ran = mintage::simulate::simulate_into(&mut world, rules, &options, &mut sink);
    let (out, runtime) = match ran.and_then(|r| events.flush().map(|()| r).map_err(|e| SimError(e.to_string()))) {
        Ok(found) => found,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    // The process ends here: freeing every user's state one by one would only cost time.
    std::mem::forget(runtime);
    match output::write(&args.out, &start_rows, &world, &out, &options, true) {
        Ok(summary) => {
            outln!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
            0
        }
        Err(e) => {
            errln!("error: cannot write into `{}`: {e}", args.out.display());
            2
        }
    }
}
