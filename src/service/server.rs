//! Running the service: rules checked and the ledger opened before the port is bound, an
//! admin key made on first start, then the router with its companions (the timer ticker,
//! the rule-file watcher, SIGHUP reloads) until SIGINT or SIGTERM. On shutdown the
//! server stops accepting, lets in-flight requests finish, then stops the ticker after
//! its current tick; pending timers are in the ledger and fire after a restart.

use super::reload::{Reloader, reload_now};
use super::{AppState, Clock, router, system_clock};
use crate::ledger::{Ledger, LedgerOptions, Scope};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How many users' timers one tick fires at most; a full tick is followed at once by
/// another (up to [`TICK_ROUNDS`]) so that a backlog after a restart drains quickly.
pub const TICK_BATCH: usize = 1000;
pub const TICK_ROUNDS: usize = 10;

pub struct ServeOptions {
    pub rules: Vec<PathBuf>,
    /// `sqlite:PATH`, `sqlite::memory:` or `postgres://…`.
    pub db: String,
    pub listen: String,
    pub seed: Option<u64>,
    pub tick_interval: Duration,
    /// Reload when the rule files change (checked every second).
    pub watch: bool,
    /// How far after the server's clock an event may be dated.
    pub max_skew: Duration,
    /// How long an order-level reservation holds its coupons.
    pub reservation_ttl: Duration,
    /// The default zone of the rules (`--zone`).
    pub zone: chrono_tz::Tz,
}

/// Runs until SIGINT or SIGTERM; an error is a message for the command line.
pub async fn serve(options: ServeOptions) -> Result<(), String> {
    let clock: Clock = system_clock();
    let state = open(&options, clock).await?;
    ensure_admin_key(&state).await?;
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .map_err(|e| format!("cannot listen on `{}`: {e}", options.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(
        %address,
        db = %redact(&options.db),
        rules_version = %state.reloader.version(),
        max_skew = %crate::value::duration_string(state.max_skew),
        "mintage is serving"
    );
    let (stop, stopped) = watch::channel(false);
    let mut companions = vec![
        tokio::spawn(tick_loop(state.clone(), options.tick_interval, stopped.clone())),
        tokio::spawn(sighup_loop(state.clone(), stopped.clone())),
    ];
    if options.watch {
        companions.push(tokio::spawn(watch_loop(state.clone(), stopped)));
    }
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    tracing::info!("requests finished; stopping the ticker (pending timers stay in the ledger)");
    let _ = stop.send(true);
    for task in companions {
        let _ = task.await;
    }
    tracing::info!("stopped");
    served.map_err(|e| format!("the server stopped: {e}"))
}

/// Checks the rules and opens the ledger with them.
async fn open(options: &ServeOptions, clock: Clock) -> Result<AppState, String> {
    let (reloader, rules) = Reloader::start_in_zone(options.rules.clone(), options.zone, clock()).map_err(|lines| {
        format!(
            "the rules have errors; fix them first (`mintage check`):\n{}",
            lines.join("\n")
        )
    })?;
    let db = options.db.clone();
    let ledger_options = LedgerOptions {
        seed: options.seed,
        explain: false,
        reservation_ttl: i64::try_from(options.reservation_ttl.as_millis())
            .map_err(|_| "`--reservation-ttl` is too long".to_string())?,
    };
    let ledger = tokio::task::spawn_blocking(move || Ledger::open(&db, rules, ledger_options))
        .await
        .map_err(|e| format!("opening the ledger did not finish: {e}"))?
        .map_err(|e| format!("cannot open the ledger `{}`: {e}", redact(&options.db)))?;
    let max_skew = i64::try_from(options.max_skew.as_millis())
        .map_err(|_| format!("the allowed clock skew ({:?}) is too large", options.max_skew))?;
    Ok(AppState::with_max_skew(Arc::new(ledger), reloader, clock, max_skew))
}

/// A ledger without keys gets one admin key, printed once on stderr.
pub async fn ensure_admin_key(state: &AppState) -> Result<(), String> {
    let count = state
        .ledger_call(|ledger| ledger.key_count())
        .await
        .map_err(|e| e.message)?;
    if count > 0 {
        return Ok(());
    }
    let key = state
        .ledger_call(|ledger| ledger.add_key(&[Scope::Admin], "created at first start"))
        .await
        .map_err(|e| e.message)?;
    // Written to stderr like the command line's `errln!`: if nobody reads it (stderr
    // closed), the key is lost, which is not worth stopping the service for (another
    // one can be made with `mintage keys add --scope admin`).
    let _ = writeln!(
        std::io::stderr().lock(),
        "mintage: the ledger had no API key, so an admin key was made; it is shown only this once:\n\n    {key}\n\n\
         make narrower keys with `mintage keys add --scope decide,redeem`"
    );
    Ok(())
}

/// Fires due timers and expires coupons every `every`.
async fn tick_loop(state: AppState, every: Duration, mut stopped: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.changed() => break,
        }
        for _ in 0..TICK_ROUNDS {
            match tick_once(&state).await {
                Ok(n) if n >= TICK_BATCH => continue,
                _ => break,
            }
        }
    }
}

/// One tick: the timer decisions it took, counted in the metrics.
pub async fn tick_once(state: &AppState) -> Result<usize, super::errors::ApiError> {
    let now = state.now();
    let decided = state.ledger_call(move |ledger| ledger.tick(now, TICK_BATCH)).await?;
    for d in &decided {
        state.metrics.decision(d);
    }
    if !decided.is_empty() {
        tracing::info!(decisions = decided.len(), "timers fired");
    }
    Ok(decided.len())
}

async fn watch_loop(state: AppState, mut stopped: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.changed() => break,
        }
        let changed = state.blocking(|shared| shared.reloader.files_changed()).await;
        if matches!(changed, Ok(true)) {
            let _ = reload_now(&state, "watch").await;
        }
    }
}

#[cfg(unix)]
async fn sighup_loop(state: AppState, mut stopped: watch::Receiver<bool>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP; reload with `POST /v1/admin/reload`");
        return;
    };
    loop {
        tokio::select! {
            _ = hangups.recv() => { let _ = reload_now(&state, "signal").await; }
            _ = stopped.changed() => break,
        }
    }
}

#[cfg(not(unix))]
async fn sighup_loop(_state: AppState, _stopped: watch::Receiver<bool>) {}

/// Resolves on SIGINT or SIGTERM (logged); also used by `mintage consume`.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => tracing::info!("SIGINT: shutting down"),
        _ = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

/// A database URL without its password, for logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_skew_too_large_for_milliseconds_is_refused() {
        let options = ServeOptions {
            rules: vec![PathBuf::from("rules")],
            db: "sqlite::memory:".into(),
            listen: "127.0.0.1:0".into(),
            seed: None,
            tick_interval: Duration::from_secs(1),
            watch: false,
            max_skew: Duration::MAX,
            reservation_ttl: Duration::from_secs(1800),
            zone: crate::value::DEFAULT_ZONE,
        };
        match open(&options, system_clock()).await {
            Err(e) => assert!(e.contains("skew") && e.contains("too large"), "{e}"),
            Ok(_) => panic!("an unbounded skew was taken"),
        }
    }

    #[test]
    fn passwords_do_not_reach_the_log() {
        assert_eq!(
            super::redact("postgres://mint:s3cret@localhost/mintage"),
            "postgres://mint:***@localhost/mintage"
        );
        assert_eq!(super::redact("sqlite:mintage.db"), "sqlite:mintage.db");
    }
}
