//! `mintage consume`: events from a NATS JetStream stream, decided through the ledger.
//!
//! The stream's subjects are `SUBJECT.P`, one per partition ([`partition`]); each
//! partition has one durable pull consumer (`mintage-P`). Instances that consume the same
//! stream form a group through a key-value bucket on the same server (`mintage_STREAM`):
//! each keeps a `member.NAME` entry alive and takes the partitions the members' sorted
//! names give it ([`partition::assigned`]), each under a lease (`part.P`, made only if
//! absent, renewed by revision, gone when its holder stops renewing). So a partition is
//! read by one instance at a time, and its events are decided in stream order: every
//! user's events in the order they were published. A partition moves when the members
//! change: its holder stops after the event in hand and lets go of the lease, or, if it
//! died, the lease runs out; the next holder starts again at the consumer's first
//! unacknowledged event ([`worker`]).
//!
//! An event is acknowledged only after its decision is committed; one decided before
//! (delivered again after a crash) is answered from the ledger by its id and mints
//! nothing. Decisions are published to a subject as JSON.

pub mod group;
pub mod partition;
pub mod publish;
pub mod stream;
pub mod worker;

use crate::ledger::{Ledger, LedgerOptions};
use crate::service::reload::Reloader;
use crate::service::server::{TICK_BATCH, TICK_ROUNDS, redact};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What `mintage consume` was asked for.
#[derive(Debug, Clone)]
pub struct ConsumeOptions {
    pub rules: Vec<PathBuf>,
    pub zone: chrono_tz::Tz,
    /// The ledger: `sqlite:PATH` or `postgres://…`.
    pub db: String,
    pub seed: Option<u64>,
    /// The NATS server: `nats://HOST:PORT`.
    pub nats: String,
    pub stream: stream::StreamSpec,
    /// Where decisions are published.
    pub decisions: String,
    /// This instance's name in the group (unique among the instances).
    pub name: String,
    /// How long a partition stays with an instance that stopped renewing it.
    pub lease: Duration,
    /// How many events a partition's pull asks for at once.
    pub batch: usize,
    pub tick_interval: Duration,
    pub max_skew: Duration,
    pub reservation_ttl: Duration,
    /// Reload when the rule files change.
    pub watch: bool,
}

/// The name an instance has unless told: the host's name and the process id.
pub fn default_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "mintage".to_string());
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{host}-{}", std::process::id())
}

/// What every part of a running consumer shares.
pub struct Shared {
    pub ledger: Arc<Ledger>,
    pub reloader: Reloader,
    pub client: async_nats::Client,
    pub jetstream: async_nats::jetstream::Context,
    pub options: ConsumeOptions,
    /// The allowed skew in milliseconds.
    pub max_skew: i64,
}

impl Shared {
    /// Runs a ledger call on the blocking pool.
    pub async fn ledger_call<T, F>(&self, f: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce(&Ledger) -> T + Send + 'static,
    {
        let ledger = self.ledger.clone();
        tokio::task::spawn_blocking(move || f(&ledger))
            .await
            .map_err(|e| format!("a ledger call did not finish: {e}"))
    }
}

/// Runs until SIGINT or SIGTERM (then lets go of its partitions, so that the others
/// take them at once); an error is a message for the command line.
pub async fn consume(options: ConsumeOptions) -> Result<(), String> {
    let shared = Arc::new(open(options).await?);
    let (stop, stopped) = watch::channel(false);
    let companions = vec![
        tokio::spawn(tick_loop(shared.clone(), stopped.clone())),
        tokio::spawn(reload_loop(shared.clone(), stopped.clone())),
    ];
    let mut group = tokio::spawn(group::run(shared.clone(), stopped));
    let ended = tokio::select! {
        _ = crate::service::server::shutdown_signal() => None,
        ended = &mut group => Some(ended),
    };
    tracing::info!("stopping: the partitions in hand finish their event and are let go");
    let _ = stop.send(true);
    let ended = match ended {
        Some(ended) => ended,
        None => group.await,
    };
    let result = ended.map_err(|e| format!("the group loop did not finish: {e}"))?;
    for task in companions {
        let _ = task.await;
    }
    shared
        .client
        .flush()
        .await
        .map_err(|e| format!("cannot flush to NATS: {e}"))?;
    tracing::info!("stopped");
    result
}

/// Checks the rules, opens the ledger, connects to NATS and makes the stream and the
/// group's bucket if they are missing.
async fn open(options: ConsumeOptions) -> Result<Shared, String> {
    let now = crate::ledger::clock_ms().map_err(|e| e.to_string())?;
    let (reloader, rules) = Reloader::start_in_zone(options.rules.clone(), options.zone, now).map_err(|lines| {
        format!(
            "the rules have errors; fix them first (`mintage check`):\n{}",
            lines.join("\n")
        )
    })?;
    let ledger_options = LedgerOptions {
        seed: options.seed,
        explain: false,
        reservation_ttl: i64::try_from(options.reservation_ttl.as_millis())
            .map_err(|_| "`--reservation-ttl` is too long".to_string())?,
    };
    let db = options.db.clone();
    let ledger = tokio::task::spawn_blocking(move || Ledger::open(&db, rules, ledger_options))
        .await
        .map_err(|e| format!("opening the ledger did not finish: {e}"))?
        .map_err(|e| format!("cannot open the ledger `{}`: {e}", redact(&options.db)))?;
    let client = stream::connect(&options.nats).await?;
    let jetstream = async_nats::jetstream::new(client.clone());
    stream::ensure(&jetstream, &options.stream).await?;
    let max_skew = i64::try_from(options.max_skew.as_millis())
        .map_err(|_| format!("the allowed clock skew ({:?}) is too large", options.max_skew))?;
    tracing::info!(
        nats = %options.nats,
        stream = %options.stream.name,
        partitions = options.stream.partitions,
        decisions = %options.decisions,
        name = %options.name,
        db = %redact(&options.db),
        rules_version = %reloader.version(),
        "mintage is consuming"
    );
    Ok(Shared {
        ledger: Arc::new(ledger),
        reloader,
        client,
        jetstream,
        options,
        max_skew,
    })
}

/// Microseconds since 1970 by the wall clock (0 if the clock is before it).
pub fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Fires due timers and expires coupons by the wall clock, as the service does; the
/// timers' decisions are published like the events'.
async fn tick_loop(shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(shared.options.tick_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.changed() => break,
        }
        for _ in 0..TICK_ROUNDS {
            let Ok(now) = crate::ledger::clock_ms() else { break };
            let batch = TICK_BATCH;
            match shared.ledger_call(move |ledger| ledger.tick(now, batch)).await {
                Ok(Ok(fired)) => {
                    let n = fired.len();
                    if n > 0 {
                        tracing::info!(decisions = n, "timers fired");
                        worker::publish_fired(&shared, &fired).await;
                    }
                    if n < batch {
                        break;
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "the tick failed; the next one tries again");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the tick failed");
                    break;
                }
            }
        }
    }
}

/// Reloads the rules when their files change, or on SIGHUP; rules with errors are
/// refused and the old ones stay.
async fn reload_loop(shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    #[cfg(unix)]
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        #[cfg(unix)]
        let hup = async {
            match hangup.as_mut() {
                Some(h) => {
                    h.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let hup = std::future::pending::<()>();
        let trigger = tokio::select! {
            _ = interval.tick() => {
                if !shared.options.watch || !shared.reloader.files_changed() {
                    continue;
                }
                "watch"
            }
            _ = hup => "sighup",
            _ = stopped.changed() => break,
        };
        let Ok(now) = crate::ledger::clock_ms() else { continue };
        let sh = shared.clone();
        let report = tokio::task::spawn_blocking(move || sh.reloader.reload(&sh.ledger, trigger, now)).await;
        match report {
            Ok(report) if report.failed() => tracing::warn!(?report, "the rules were not reloaded"),
            Ok(report) => tracing::info!(?report, "rules reloaded"),
            Err(e) => tracing::warn!(error = %e, "the reload did not finish"),
        }
    }
}
