//! `mintage verify WORLD.toml --rules RULES --campaign ID --decisions FILE`: a batch
//! run's coupons judged by a simulated world's truth, beside the best uniform coupon and
//! the oracle at the same budget (see `mintage::simulate::score` and docs/learning.md).

use crate::cli::out::{errln, outln};
use mintage::runtime::engine::Rules;
use mintage::simulate::World;
use mintage::simulate::score::{self, Given};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The world file the users came from (`mintage simulate`'s)
    world: PathBuf,
    /// Rule files or folders
    #[arg(long, required = true, num_args = 1..)]
    rules: Vec<PathBuf>,
    /// The batch campaign whose coupons are judged
    #[arg(long)]
    campaign: String,
    /// The run's decisions (`mintage run`'s output, JSONL)
    #[arg(long)]
    decisions: PathBuf,
    /// The world's seed (default: the world's `seed`), the same as the simulation's
    #[arg(long)]
    seed: Option<u64>,
    /// The arms the run took (`mintage run --arm`), so the yardsticks take the same users
    #[arg(long, value_delimiter = ',')]
    arm: Vec<String>,
    /// The time of the run (RFC 3339; default: the world's start)
    #[arg(long)]
    now: Option<String>,
    /// Days over which orders count (default: the campaign's experiment `measure`, else 14)
    #[arg(long)]
    window: Option<u32>,
    /// `text` (default) or `json`
    #[arg(long, default_value = "text")]
    format: String,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

pub fn run(args: Args) -> u8 {
    if args.format != "text" && args.format != "json" {
        errln!("error: `--format {}` is not `text` or `json`", args.format);
        return 2;
    }
    let config = match crate::cli::simulate::read_world(&args.world) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let seed = args.seed.unwrap_or(config.seed);
    let world = match World::new(config, seed) {
        Ok(w) => w.in_zone(args.zone.zone),
        Err(e) => {
            errln!("error: `{}`: {e}", args.world.display());
            return 2;
        }
    };
    let Some(program) = crate::cli::load_rules(&args.rules, args.zone) else {
        return 1;
    };
    let rules = match Rules::new(program) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let now = match &args.now {
        None => world.start,
        Some(t) => match mintage::value::parse_time(t) {
            Ok(t) => t,
            Err(e) => {
                errln!("error: `--now {t}`: {e}");
                return 2;
            }
        },
    };
    let window = args.window.unwrap_or_else(|| {
        let c = rules.program().campaigns.iter().find(|c| *c.id == *args.campaign);
        c.and_then(|c| c.experiment.as_ref())
            .map_or(14, |e| u32::try_from(e.measure / 86_400_000).unwrap_or(14).max(1))
    });
    let mut given = Vec::new();
    let mut skipped = 0u64;
    let name = args.decisions.display().to_string();
    let reader = match crate::cli::lines::open(&args.decisions) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    for (i, line) in reader.lines().enumerate() {
        let n = i + 1;
        let parsed = line
            .map_err(|e| e.to_string())
            .and_then(|l| {
                let l = l.trim_start_matches('\u{feff}').trim().to_string();
                if l.is_empty() {
                    return Ok(None);
                }
                serde_json::from_str::<serde_json::Value>(&l)
                    .map(Some)
                    .map_err(|e| e.to_string())
            })
            .and_then(|d| d.map_or(Ok(Vec::new()), |d| Given::of_json(&d, &args.campaign)));
        match parsed {
            Ok(g) => given.extend(g),
            Err(e) => {
                errln!("{name}:{n}: skipped: {e}");
                skipped += 1;
            }
        }
    }
    let verdict = match score::judge(&world, &rules, &args.campaign, &args.arm, now, window, &given) {
        Ok(v) => v,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    if args.format == "json" {
        outln!("{}", serde_json::to_string_pretty(&verdict).unwrap_or_default());
    } else {
        let row = |what: &str, e: &score::Earned| {
            outln!(
                "{what:<24} {:>8} {:>14.2} {:>16.2} {:>10.2}",
                e.coupons,
                e.cost,
                e.incremental_gmv,
                e.per_yuan
            );
        };
        outln!(
            "true outcome over {} days, at a budget of ¥{:.2} of expected discount",
            verdict.window_days,
            verdict.budget
        );
        outln!(
            "{:<24} {:>8} {:>14} {:>16} {:>10}",
            "",
            "coupons",
            "cost ¥",
            "incr. GMV ¥",
            "per ¥"
        );
        row("this allocation", &verdict.allocation);
        row("best uniform coupon", &verdict.uniform);
        row("oracle", &verdict.oracle);
        outln!("best uniform coupon: {}", verdict.uniform_option);
        outln!(
            "this allocation earns {:.2}× the best uniform coupon and {:.0} % of the oracle",
            verdict.vs_uniform,
            verdict.vs_oracle * 100.0
        );
    }
    if skipped > 0 { 3 } else { 0 }
}
