//! `mintage serve RULES… [--db URL] [--listen ADDR]`: the HTTP service (`docs/service.md`).

use crate::cli::out::errln;
use mintage::service::server::{ServeOptions, serve};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Rule files or folders
    #[arg(required = true)]
    rules: Vec<PathBuf>,
    /// The ledger: `sqlite:PATH` (made if missing), `sqlite::memory:`, or `postgres://…`
    #[arg(long, default_value = "sqlite:mintage.db")]
    db: String,
    /// Address and port to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Seed for reproducible coupon codes (tests only)
    #[arg(long)]
    seed: Option<u64>,
    /// How often due timers fire and coupons expire (`500ms`, `1s`, `1m`)
    #[arg(long, default_value = "1s", value_parser = parse_interval)]
    tick_interval: Duration,
    /// Do not reload when the rule files change (SIGHUP and the reload endpoint still do)
    #[arg(long)]
    no_watch: bool,
    /// How far after the server's clock an event may be dated (`0s`, `30s`, `5m`, `1h`);
    /// a later one is refused with `400 future_event`
    #[arg(long, env = "MINTAGE_MAX_SKEW", default_value = "5m", value_parser = parse_skew)]
    max_skew: Duration,
    /// How long `POST /v1/checkout/redeem` holds an order's coupons in reserve before
    /// they go back to their owner (`30s`, `30m`, `2h`; at most `24h`)
    #[arg(long, default_value = "30m", value_parser = parse_ttl)]
    reservation_ttl: Duration,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

pub fn run(args: Args) -> u8 {
    init_logs();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let options = ServeOptions {
        rules: args.rules,
        db: args.db,
        listen: args.listen,
        seed: args.seed,
        tick_interval: args.tick_interval,
        watch: !args.no_watch,
        max_skew: args.max_skew,
        reservation_ttl: args.reservation_ttl,
        zone: args.zone.zone,
    };
    match runtime.block_on(serve(options)) {
        Ok(()) => 0,
        Err(e) => {
            errln!("error: {e}");
            if e.starts_with("the rules have errors") { 1 } else { 2 }
        }
    }
}

/// Logs on stderr, filtered by `MINTAGE_LOG` (`info` when unset; e.g. `mintage=debug`).
/// A log line that cannot be written (stderr closed) is dropped: the subscriber would
/// otherwise report it with `eprintln!`, which panics on that same stderr.
pub(crate) fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MINTAGE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .log_internal_errors(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// `250ms`, `1s`, `2m`; at least 10 ms.
pub(crate) fn parse_interval(text: &str) -> Result<Duration, String> {
    let ms = parse_duration(text, &["ms", "s", "m"])?;
    if ms < 10 {
        return Err(format!("`{text}` is too short: at least `10ms`"));
    }
    Ok(Duration::from_millis(ms))
}

/// `0s`, `30s`, `5m`, `1h`; at most a day (a wider skew would let clients move the
/// clock after all).
pub(crate) fn parse_skew(text: &str) -> Result<Duration, String> {
    let ms = parse_duration(text, &["ms", "s", "m", "h"])?;
    if ms > 86_400_000 {
        return Err(format!("`{text}` is too long: at most `24h`"));
    }
    Ok(Duration::from_millis(ms))
}

pub(crate) fn parse_ttl(text: &str) -> Result<Duration, String> {
    let ms = parse_duration(text, &["ms", "s", "m", "h"])?;
    if ms == 0 || ms > 86_400_000 {
        return Err(format!(
            "`{text}` is not a reservation time: give one from `1s` to `24h`"
        ));
    }
    Ok(Duration::from_millis(ms))
}

/// A lease: `1s` to `10m`.
pub(crate) fn parse_lease(text: &str) -> Result<Duration, String> {
    let ms = parse_duration(text, &["ms", "s", "m"])?;
    if !(1000..=600_000).contains(&ms) {
        return Err(format!("`{text}` is not a lease: give one from `1s` to `10m`"));
    }
    Ok(Duration::from_millis(ms))
}

/// A whole number and one of `units` (seconds when none) in milliseconds.
fn parse_duration(text: &str, units: &[&str]) -> Result<u64, String> {
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as `1s`"))?;
    let scale = match unit {
        "ms" => 1,
        "s" | "" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => 0,
    };
    if scale == 0 || !(unit.is_empty() || units.contains(&unit)) {
        let names: Vec<String> = units.iter().map(|u| format!("`{u}`")).collect();
        return Err(format!("unknown unit `{unit}` in `{text}`: use {}", names.join(", ")));
    }
    Ok(n.saturating_mul(scale))
}

#[cfg(test)]
mod tests {
    use super::parse_interval;
    use std::time::Duration;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_interval("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_interval("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_interval("1h").is_err());
        assert!(parse_interval("0s").is_err());
    }

    #[test]
    fn skews() {
        assert_eq!(super::parse_skew("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(super::parse_skew("0s"), Ok(Duration::ZERO));
        assert_eq!(super::parse_skew("1h"), Ok(Duration::from_secs(3600)));
        assert!(super::parse_skew("2d").is_err());
        assert!(super::parse_skew("25h").is_err());
    }
}
