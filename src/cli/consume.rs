//! `mintage consume RULES… --nats URL --stream NAME --db URL`: events from a NATS
//! JetStream stream, decided through the ledger; and `mintage publish`, which puts JSON
//! lines of events on that stream, each to its user's partition (`docs/operations.md`).

use crate::cli::out::{errln, outln};
use crate::cli::serve::{init_logs, parse_interval, parse_lease, parse_skew, parse_ttl};
use mintage::consume::publish::{PublishOptions, publish};
use mintage::consume::stream::StreamSpec;
use mintage::consume::{ConsumeOptions, consume, default_name};
use std::path::PathBuf;
use std::time::Duration;

/// Where the stream is, and how it is cut.
#[derive(clap::Args)]
pub struct StreamArgs {
    /// The NATS server
    #[arg(long, env = "MINTAGE_NATS", default_value = "nats://127.0.0.1:4222")]
    nats: String,
    /// The JetStream stream of events (made if missing)
    #[arg(long, default_value = "EVENTS")]
    stream: String,
    /// The subjects' prefix: partition P is `PREFIX.P` (default: the stream's name in lower case)
    #[arg(long)]
    subject: Option<String>,
    /// How many partitions (the same on every producer and consumer of the stream)
    #[arg(long, default_value_t = 8)]
    partitions: u32,
}

impl StreamArgs {
    fn spec(&self) -> Result<StreamSpec, String> {
        StreamSpec::new(&self.stream, self.subject.as_deref(), self.partitions)
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// Rule files or folders
    #[arg(required = true)]
    rules: Vec<PathBuf>,
    #[command(flatten)]
    stream: StreamArgs,
    /// The ledger (PostgreSQL to share it between instances): `postgres://…` or `sqlite:PATH`
    #[arg(long, default_value = "sqlite:mintage.db")]
    db: String,
    /// The subject decisions are published to, one JSON message per event
    #[arg(long, default_value = "mintage.decisions")]
    decisions: String,
    /// This instance's name in its group (unique among the instances; default: host and pid)
    #[arg(long)]
    name: Option<String>,
    /// How long the partitions of an instance that stopped answering stay with it
    #[arg(long, default_value = "6s", value_parser = parse_lease)]
    lease: Duration,
    /// How many events one pull of a partition asks for
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Seed for reproducible coupon codes (tests only)
    #[arg(long)]
    seed: Option<u64>,
    /// How often due timers fire and coupons expire (`500ms`, `1s`, `1m`)
    #[arg(long, default_value = "1s", value_parser = parse_interval)]
    tick_interval: Duration,
    /// How far after this instance's clock an event may be dated; a later one is refused
    #[arg(long, env = "MINTAGE_MAX_SKEW", default_value = "5m", value_parser = parse_skew)]
    max_skew: Duration,
    /// How long an order-level reservation holds its coupons
    #[arg(long, default_value = "30m", value_parser = parse_ttl)]
    reservation_ttl: Duration,
    /// Do not reload when the rule files change (SIGHUP still does)
    #[arg(long)]
    no_watch: bool,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

pub fn run(args: Args) -> u8 {
    init_logs();
    let stream = match args.stream.spec() {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let name = args.name.unwrap_or_else(default_name);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        errln!("error: `--name {name}` is not an instance name: use letters, digits, `-` and `_`");
        return 2;
    }
    if args.batch == 0 || args.batch > 10_000 {
        errln!("error: `--batch {}` is out of range: use 1 to 10000", args.batch);
        return 2;
    }
    let options = ConsumeOptions {
        rules: args.rules,
        zone: args.zone.zone,
        db: args.db,
        seed: args.seed,
        nats: args.stream.nats,
        stream,
        decisions: args.decisions,
        name,
        lease: args.lease,
        batch: args.batch,
        tick_interval: args.tick_interval,
        max_skew: args.max_skew,
        reservation_ttl: args.reservation_ttl,
        watch: !args.no_watch,
    };
    let Some(runtime) = runtime() else { return 2 };
    match runtime.block_on(consume(options)) {
        Ok(()) => 0,
        Err(e) => {
            errln!("error: {e}");
            if e.starts_with("the rules have errors") { 1 } else { 2 }
        }
    }
}

#[derive(clap::Args)]
pub struct PublishArgs {
    /// JSON lines of events (`-` for stdin)
    #[arg(long)]
    events: PathBuf,
    #[command(flatten)]
    stream: StreamArgs,
    /// Then read the decisions on this subject until every event has one, and report
    /// the rate and the time from publish to decision
    #[arg(long)]
    follow: Option<String>,
    /// With `--follow`: give up when no decision came for this long
    #[arg(long, default_value = "60s", value_parser = parse_lease)]
    timeout: Duration,
    /// Publish at most this many events per second (default: as fast as the server takes them)
    #[arg(long)]
    rate: Option<f64>,
}

pub fn publish_run(args: PublishArgs) -> u8 {
    let stream = match args.stream.spec() {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let name = args.events.display().to_string();
    let input: Box<dyn std::io::BufRead> = if name == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(&args.events) {
            Ok(f) => Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                errln!("error: cannot open `{name}`: {e}");
                return 2;
            }
        }
    };
    let options = PublishOptions {
        nats: args.stream.nats,
        stream,
        follow: args.follow,
        timeout: args.timeout,
        rate: args.rate,
    };
    if options.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        errln!("error: `--rate` must be a positive number of events per second");
        return 2;
    }
    let Some(runtime) = runtime() else { return 2 };
    let skip = |line: usize, message: &str| errln!("{name}:{line}: skipped: {message}");
    match runtime.block_on(publish(&options, input, &name, skip)) {
        Ok(report) => {
            match serde_json::to_string(&report) {
                Ok(text) => outln!("{text}"),
                Err(e) => errln!("error: {e}"),
            }
            if report.followed.as_ref().is_some_and(|f| f.missing > 0) {
                errln!(
                    "error: {} event(s) got no decision within {:?} of the last one (are consumers running?)",
                    report.followed.as_ref().map_or(0, |f| f.missing),
                    options.timeout
                );
                return 1;
            }
            if report.skipped > 0 {
                errln!("{} line(s) skipped", report.skipped);
                return 3;
            }
            0
        }
        Err(e) => {
            errln!("error: {e}");
            2
        }
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => Some(r),
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}
