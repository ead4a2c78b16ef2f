//! The group: which instance reads which partition.
//!
//! Every `lease / 3` each instance (1) renews its `member.NAME` entry, (2) lists the
//! members, (3) renews the leases it holds on the partitions still its own and lets go
//! of the others (after their worker has finished the event in hand), and (4) tries to
//! take the partitions that are now its own and free. A lease is an entry `part.P` made
//! only if absent and renewed only at the revision its holder last wrote, so two
//! instances never both hold one; the bucket drops entries not written for `lease`, so
//! the partitions of an instance that died are free again after at most `lease`.

use super::{Shared, partition, stream, worker};
use async_nats::jetstream::kv;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A lease as its worker sees it: valid until a moment the group loop moves on at each
/// renewal. A worker stops before an event once its lease may have run out.
pub struct Lease {
    epoch: Instant,
    /// Milliseconds after `epoch` until which the lease is surely held.
    until_ms: AtomicU64,
}

impl Lease {
    fn new(epoch: Instant) -> Lease {
        Lease {
            epoch,
            until_ms: AtomicU64::new(0),
        }
    }

    /// The lease was written at `at`: it is held for `lease` from then, less a third as
    /// a margin for clocks and the time a write takes.
    fn renewed(&self, at: Instant, lease: Duration) {
        let safe = lease.saturating_sub(lease / 3);
        let until = at.saturating_duration_since(self.epoch) + safe;
        self.until_ms
            .store(u64::try_from(until.as_millis()).unwrap_or(u64::MAX), Ordering::Release);
    }

    /// Whether the lease is surely still held.
    pub fn held(&self) -> bool {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        now < self.until_ms.load(Ordering::Acquire)
    }
}

/// A partition this instance holds.
struct Held {
    revision: u64,
    lease: Arc<Lease>,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), String>>,
}

fn member_key(name: &str) -> String {
    format!("member.{name}")
}

fn lease_key(partition: u32) -> String {
    format!("part.{partition}")
}

/// Runs the group loop until `stopped`, then lets go of every partition.
pub async fn run(shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) -> Result<(), String> {
    let options = &shared.options;
    let store = stream::bucket(&shared.jetstream, &options.stream, options.lease).await?;
    let epoch = Instant::now();
    let every = (options.lease / 3).max(Duration::from_millis(100));
    let mut held: BTreeMap<u32, Held> = BTreeMap::new();
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut warned = false;
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.changed() => break,
        }
        if let Err(e) = round(&shared, &store, epoch, &mut held).await {
            // NATS is unreachable or refused: the leases run out unless renewed, and the
            // workers stop by themselves when theirs may have; try again next round.
            if !warned {
                tracing::warn!(error = %e, "the group could not be updated; trying again");
            }
            warned = true;
        } else {
            warned = false;
        }
    }
    for (partition, h) in std::mem::take(&mut held) {
        let_go(&store, partition, h).await;
    }
    let _ = store.delete(member_key(&options.name)).await;
    Ok(())
}

/// One round of the group loop.
async fn round(
    shared: &Arc<Shared>,
    store: &kv::Store,
    epoch: Instant,
    held: &mut BTreeMap<u32, Held>,
) -> Result<(), String> {
    let options = &shared.options;
    let me = options.name.as_str();
    store
        .put(member_key(me), me.to_string().into())
        .await
        .map_err(|e| format!("cannot renew `member.{me}`: {e}"))?;
    let members = members(store).await?;
    let mine = partition::assigned(&members, me, options.stream.partitions);

    // Workers that ended by themselves (an error, a lost lease): their partition is let
    // go of and taken again in a later round.
    let ended: Vec<u32> = held
        .iter()
        .filter(|(_, h)| h.task.is_finished())
        .map(|(p, _)| *p)
        .collect();
    for partition in ended {
        if let Some(h) = held.remove(&partition) {
            let_go(store, partition, h).await;
        }
    }

    let partitions: Vec<u32> = held.keys().copied().collect();
    for partition in partitions {
        let Some(h) = held.get_mut(&partition) else { continue };
        if !mine.contains(&partition) {
            // Another member's now: finish the event in hand, then let go.
            if let Some(h) = held.remove(&partition) {
                let_go(store, partition, h).await;
                tracing::info!(partition, "partition handed over");
            }
            continue;
        }
        let at = Instant::now();
        match store
            .update(lease_key(partition), me.to_string().into(), h.revision)
            .await
        {
            Ok(revision) => {
                h.revision = revision;
                h.lease.renewed(at, options.lease);
            }
            Err(e) => {
                // Lost (it ran out and another took it): stop at once.
                tracing::warn!(partition, error = %e, "the partition's lease was lost; stopping it");
                let _ = h.stop.send(true);
                if let Some(h) = held.remove(&partition) {
                    finish(partition, h.task).await;
                }
            }
        }
    }

    for partition in mine {
        if held.contains_key(&partition) {
            continue;
        }
        let at = Instant::now();
        match store.create(lease_key(partition), me.to_string().into()).await {
            Ok(revision) => {
                let lease = Arc::new(Lease::new(epoch));
                lease.renewed(at, options.lease);
                let (stop, stopped) = watch::channel(false);
                let task = tokio::spawn(worker::run(shared.clone(), partition, lease.clone(), stopped));
                tracing::info!(partition, "partition taken");
                held.insert(
                    partition,
                    Held {
                        revision,
                        lease,
                        stop,
                        task,
                    },
                );
            }
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                // Its holder lets go of it this round, or its lease runs out.
            }
            Err(e) => return Err(format!("cannot take partition {partition}: {e}")),
        }
    }
    Ok(())
}

/// The live members' names.
async fn members(store: &kv::Store) -> Result<Vec<String>, String> {
    use futures_util::TryStreamExt;
    let keys = store
        .keys()
        .await
        .map_err(|e| format!("cannot list the members: {e}"))?;
    let keys: Vec<String> = keys
        .try_collect()
        .await
        .map_err(|e| format!("cannot list the members: {e}"))?;
    let mut names: Vec<String> = keys
        .into_iter()
        .filter_map(|k| k.strip_prefix("member.").map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// Stops a partition's worker after the event in hand, then deletes its lease at the
/// revision this instance wrote (never one another instance has taken since).
async fn let_go(store: &kv::Store, partition: u32, h: Held) {
    let _ = h.stop.send(true);
    finish(partition, h.task).await;
    if let Err(e) = store
        .delete_expect_revision(lease_key(partition), Some(h.revision))
        .await
    {
        tracing::warn!(partition, error = %e, "cannot let go of the partition; its lease runs out instead");
    }
}

/// Waits for a partition's worker, logging how it ended.
async fn finish(partition: u32, task: JoinHandle<Result<(), String>>) {
    match task.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(partition, error = %e, "the partition stopped"),
        Err(e) => tracing::warn!(partition, error = %e, "the partition's worker did not finish"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_held_for_two_thirds_of_its_time() {
        let epoch = Instant::now();
        let lease = Lease::new(epoch);
        assert!(!lease.held());
        lease.renewed(Instant::now(), Duration::from_secs(60));
        assert!(lease.held());
        lease.renewed(epoch, Duration::from_millis(0));
        assert!(!lease.held());
    }
}
