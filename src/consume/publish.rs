//! `mintage publish`: JSON lines of events onto the stream, each to its user's partition,
//! and, with `--follow`, the consumers' decisions read back: how many, how fast, and the
//! time from publish to decision.
//!
//! Each event is published with its id as `Nats-Msg-Id`, so that the server drops an
//! event published twice within its duplicate window (a producer retrying). The
//! publisher waits for the server's acknowledgement of every event (up to a window of
//! them in flight), so an event it counts as published is in the stream.

use super::{now_us, partition, stream};
use crate::event::Event;
use async_nats::jetstream;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashSet, VecDeque};
use std::io::BufRead;
use std::time::{Duration, Instant};

/// How many publishes wait for their acknowledgement at once.
const WINDOW: usize = 4096;

pub struct PublishOptions {
    pub nats: String,
    pub stream: stream::StreamSpec,
    /// Read the consumers' decisions on this subject until every event has one.
    pub follow: Option<String>,
    /// How long to wait for the decisions after the last publish.
    pub timeout: Duration,
    /// Publish at most this many events per second (`None`: as fast as the server takes
    /// them), to measure latency below capacity rather than behind a backlog.
    pub rate: Option<f64>,
}

/// What a run did: events published and, with `--follow`, decided.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub published: usize,
    /// Lines that were not events (each reported on stderr with its line number).
    pub skipped: usize,
    pub publish_seconds: f64,
    pub publish_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followed: Option<Followed>,
}

/// The decisions read back.
#[derive(Debug, Default, Serialize)]
pub struct Followed {
    /// Events with a decision (each counted once).
    pub decided: usize,
    /// Of those, events refused (an `error` answer).
    pub refused: usize,
    /// Answers for an event already answered (published again after a crash).
    pub repeated: usize,
    /// Events published without an answer before the timeout.
    pub missing: usize,
    /// Decided events per second, from the first publish to the last decision.
    pub decided_rate: f64,
    /// From the server's receipt of an event to its decision's commit, in milliseconds.
    pub latency_ms: Latency,
}

#[derive(Debug, Default, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// Publishes every event of `input`; a line that is not an event is skipped with its
/// line number on stderr.
pub async fn publish(
    options: &PublishOptions,
    input: impl BufRead,
    name: &str,
    mut skip: impl FnMut(usize, &str),
) -> Result<Report, String> {
    let client = stream::connect(&options.nats).await?;
    let js = jetstream::new(client.clone());
    stream::ensure(&js, &options.stream).await?;
    // Subscribe before the first publish, so that no decision is missed.
    let mut answers = match &options.follow {
        Some(subject) => Some(
            client
                .subscribe(subject.clone())
                .await
                .map_err(|e| format!("cannot subscribe to `{subject}`: {e}"))?,
        ),
        None => None,
    };
    let mut report = Report::default();
    let mut ids: HashSet<String> = HashSet::new();
    let mut pending = VecDeque::new();
    let started = Instant::now();
    let started_us = now_us();
    for (index, line) in input.lines().enumerate() {
        let line = line.map_err(|e| format!("cannot read `{name}`: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let event = match Event::from_json(&line) {
            Ok(e) => e,
            Err(e) => {
                skip(index + 1, &e.0);
                report.skipped += 1;
                continue;
            }
        };
        if let Some(rate) = options.rate {
            let due = started + Duration::from_secs_f64(ids.len() as f64 / rate);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                tokio::time::sleep(wait).await;
            }
        }
        let p = partition::of_event(&event, options.stream.partitions);
        let subject = partition::subject(&options.stream.subject, p);
        let message = jetstream::message::PublishMessage::build()
            .payload(line.into_bytes().into())
            .message_id(&*event.id);
        let ack = js
            .send_publish(subject, message)
            .await
            .map_err(|e| format!("cannot publish line {} of `{name}`: {e}", index + 1))?;
        ids.insert(event.id.to_string());
        pending.push_back((index + 1, ack));
        if pending.len() >= WINDOW {
            settle(&mut pending, 1, name).await?;
        }
    }
    settle(&mut pending, 0, name).await?;
    let seconds = started.elapsed().as_secs_f64();
    report.published = ids.len();
    report.publish_seconds = round3(seconds);
    report.publish_rate = rate(report.published, seconds);
    if let Some(sub) = answers.as_mut() {
        report.followed = Some(follow(sub, &ids, started_us, options.timeout).await);
    }
    Ok(report)
}

/// Waits for acknowledgements until at most `keep` are outstanding.
async fn settle(
    pending: &mut VecDeque<(usize, jetstream::context::PublishAckFuture)>,
    keep: usize,
    name: &str,
) -> Result<(), String> {
    while pending.len() > keep {
        let Some((line, ack)) = pending.pop_front() else { break };
        ack.await
            .map_err(|e| format!("the server did not take line {line} of `{name}`: {e}"))?;
    }
    Ok(())
}

/// Reads answers until every id has one or nothing came for `timeout`.
async fn follow(
    sub: &mut async_nats::Subscriber,
    ids: &HashSet<String>,
    started_us: i64,
    timeout: Duration,
) -> Followed {
    let mut seen: HashSet<String> = HashSet::new();
    let mut latencies: Vec<i64> = Vec::with_capacity(ids.len());
    let mut followed = Followed::default();
    let mut last_us = started_us;
    while seen.len() < ids.len() {
        let Ok(Some(message)) = tokio::time::timeout(timeout, sub.next()).await else {
            break;
        };
        let Ok(answer) = serde_json::from_slice::<Value>(&message.payload) else {
            continue;
        };
        let Some(id) = answer.get("event_id").and_then(Value::as_str) else {
            continue;
        };
        if !ids.contains(id) {
            continue;
        }
        if !seen.insert(id.to_string()) {
            followed.repeated += 1;
            continue;
        }
        if answer.get("error").is_some() {
            followed.refused += 1;
        }
        let published = answer.get("published_us").and_then(Value::as_i64).unwrap_or(0);
        let decided = answer.get("decided_us").and_then(Value::as_i64).unwrap_or(0);
        if published > 0 && decided >= published {
            latencies.push(decided - published);
        }
        last_us = last_us.max(decided);
    }
    followed.decided = seen.len();
    followed.missing = ids.len() - seen.len();
    let seconds = (last_us - started_us).max(0) as f64 / 1e6;
    followed.decided_rate = rate(followed.decided, seconds);
    latencies.sort_unstable();
    followed.latency_ms = Latency {
        p50: quantile(&latencies, 0.50),
        p99: quantile(&latencies, 0.99),
        max: latencies.last().map_or(0.0, |l| round3(*l as f64 / 1000.0)),
    };
    followed
}

/// The nearest-rank quantile of sorted microseconds, in milliseconds.
pub fn quantile(sorted_us: &[i64], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted_us.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted_us.len()) - 1;
    round3(sorted_us[index] as f64 / 1000.0)
}

fn rate(n: usize, seconds: f64) -> f64 {
    if seconds > 0.0 {
        (n as f64 / seconds).round()
    } else {
        0.0
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let us: Vec<i64> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(quantile(&us, 0.5), 50.0);
        assert_eq!(quantile(&us, 0.99), 99.0);
        assert_eq!(quantile(&us[..1], 0.99), 1.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
