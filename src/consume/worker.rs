//! One partition: its events in stream order, each decided and committed, its decision
//! published, then acknowledged.
//!
//! A worker that takes a partition starts again at the first event its consumer has not
//! had acknowledged: it makes the consumer anew from there (`mintage-P`, explicit acks,
//! filtered to `SUBJECT.P`), so that events a previous holder had in hand, unacknowledged,
//! come back first and in order rather than after a redelivery delay. An event decided
//! before is answered from the ledger by its id and mints nothing, so an event the
//! previous holder committed but did not acknowledge is only published again.

use super::group::Lease;
use super::{Shared, now_us, partition};
use crate::event::Event;
use crate::ledger::{DecideOutcome, Decided, LedgerError};
use async_nats::jetstream::consumer::{self, pull};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long the server waits for an acknowledgement before it delivers an event again.
/// Long: an event in hand is taken again at once by the next holder anyway.
const ACK_WAIT: Duration = Duration::from_secs(60);

/// Reads one partition until `stopped`, or until its lease may have run out.
pub async fn run(
    shared: Arc<Shared>,
    partition: u32,
    lease: Arc<Lease>,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), String> {
    let consumer = take_over(&shared, partition).await?;
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(shared.options.batch)
        .heartbeat(Duration::from_secs(5))
        .expires(Duration::from_secs(30))
        .messages()
        .await
        .map_err(|e| format!("cannot read partition {partition}: {e}"))?;
    loop {
        let next = tokio::select! {
            next = messages.next() => next,
            _ = stopped.changed() => return Ok(()),
        };
        let message = match next {
            Some(Ok(m)) => m,
            Some(Err(e)) => return Err(format!("reading partition {partition} failed: {e}")),
            None => return Err(format!("partition {partition}'s messages ended")),
        };
        if !lease.held() {
            return Err(format!(
                "partition {partition}'s lease was not renewed in time; it stops before the next event"
            ));
        }
        let Some(answer) = handle(&shared, partition, &message, &lease, &mut stopped).await else {
            // Stopped, or the lease may be gone, with the event undecided: the next
            // holder takes it again.
            return Ok(());
        };
        publish(&shared, &answer).await;
        message
            .ack()
            .await
            .map_err(|e| format!("cannot acknowledge an event of partition {partition}: {e}"))?;
    }
}

/// The partition's consumer made anew at its first unacknowledged event.
async fn take_over(shared: &Shared, partition: u32) -> Result<consumer::Consumer<pull::Config>, String> {
    let spec = &shared.options.stream;
    let name = spec.consumer(partition);
    let stream = shared
        .jetstream
        .get_stream(&spec.name)
        .await
        .map_err(|e| format!("cannot open the stream `{}`: {e}", spec.name))?;
    let start = match stream.consumer_info(&name).await {
        Ok(info) => Some(info.ack_floor.stream_sequence + 1),
        Err(e) if e.kind() == async_nats::jetstream::context::ConsumerInfoErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read the consumer `{name}`: {e}")),
    };
    if start.is_some() {
        stream
            .delete_consumer(&name)
            .await
            .map_err(|e| format!("cannot restart the consumer `{name}`: {e}"))?;
    }
    let config = pull::Config {
        durable_name: Some(name.clone()),
        description: Some(format!("mintage: partition {partition} of `{}`", spec.name)),
        deliver_policy: match start {
            Some(start_sequence) => consumer::DeliverPolicy::ByStartSequence { start_sequence },
            None => consumer::DeliverPolicy::All,
        },
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait: ACK_WAIT,
        filter_subject: partition::subject(&spec.subject, partition),
        max_ack_pending: i64::try_from(shared.options.batch.saturating_mul(4)).unwrap_or(i64::MAX),
        ..Default::default()
    };
    let made = stream
        .create_consumer(config)
        .await
        .map_err(|e| format!("cannot make the consumer `{name}`: {e}"))?;
    tracing::debug!(partition, start = ?start, "consumer made");
    Ok(made)
}

/// Decides one event: the answer to publish, or `None` if the worker must stop first.
async fn handle(
    shared: &Arc<Shared>,
    partition: u32,
    message: &async_nats::jetstream::Message,
    lease: &Lease,
    stopped: &mut watch::Receiver<bool>,
) -> Option<Value> {
    let (sequence, published_us) = match message.info() {
        Ok(info) => (
            info.stream_sequence,
            i64::try_from(info.published.unix_timestamp_nanos() / 1000).unwrap_or(0),
        ),
        Err(_) => (0, 0),
    };
    let head = json!({
        "partition": partition,
        "sequence": sequence,
        "published_us": published_us,
        "instance": shared.options.name,
    });
    let text = match std::str::from_utf8(&message.payload) {
        Ok(t) => t.to_string(),
        Err(_) => {
            return Some(refused(
                head,
                None,
                "invalid_event",
                "the event is not UTF-8 text".into(),
            ));
        }
    };
    let event = match Event::from_json(&text) {
        Ok(e) => e,
        Err(e) => {
            let id = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string));
            return Some(refused(head, id, "invalid_event", e.0));
        }
    };
    let id = Some(event.id.to_string());
    let right = partition::of_event(&event, shared.options.stream.partitions);
    if event.user.is_some() && right != partition {
        let message = format!(
            "the event of user `{}` was published to partition {partition}, but its user's is {right} \
             (`{}`): producers must partition by the user id (docs/operations.md), or the user's events \
             could be decided out of order",
            event.user.as_ref().map_or("", |u| &u.id),
            partition::subject(&shared.options.stream.subject, right)
        );
        return Some(refused(head, id, "wrong_partition", message));
    }
    let now = crate::ledger::clock_ms().unwrap_or(i64::MAX);
    if event.at.saturating_sub(now) > shared.max_skew {
        let message = format!(
            "`at` is more than {} after this instance's clock; send events as they happen, with a clock kept in time",
            crate::value::duration_string(shared.max_skew)
        );
        return Some(refused(head, id, "future_event", message));
    }
    let event = Arc::new(event);
    let text = Arc::new(text);
    let mut backoff = Duration::from_millis(50);
    loop {
        let (e, t) = (event.clone(), text.clone());
        let decided = shared.ledger_call(move |ledger| ledger.decide(&e, &t)).await;
        match decided {
            Ok(Ok(outcome)) => return Some(answer(head, id, &outcome)),
            Ok(Err(e)) if permanent(&e) => return Some(refused(head, id, code(&e), e.to_string())),
            Ok(Err(e)) => tracing::warn!(partition, error = %e, "the ledger failed; trying the event again"),
            Err(e) => tracing::warn!(partition, error = %e, "the ledger call failed; trying the event again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stopped.changed() => return None,
        }
        if !lease.held() {
            return None;
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// A ledger error that a retry would not change: the event itself is refused.
fn permanent(e: &LedgerError) -> bool {
    matches!(e, LedgerError::BadInput(_) | LedgerError::Refused { .. })
}

fn code(e: &LedgerError) -> &'static str {
    match e {
        LedgerError::Refused { reason, .. } => reason,
        _ => "invalid_event",
    }
}

/// The published answer to a decided event: the head and the outcome, as
/// `POST /v1/decide` answers it.
fn answer(mut head: Value, event: Option<String>, outcome: &DecideOutcome) -> Value {
    if let Value::Object(map) = &mut head {
        map.insert("decided_us".into(), now_us().into());
        map.insert("event_id".into(), event.map_or(Value::Null, Value::String));
        if let Ok(Value::Object(body)) = serde_json::to_value(outcome) {
            map.extend(body);
        }
    }
    head
}

/// The published answer to an event that was refused (and acknowledged: sending it
/// again would not change it).
fn refused(mut head: Value, event: Option<String>, code: &str, message: String) -> Value {
    tracing::warn!(event = ?event, code, %message, "an event was refused");
    if let Value::Object(map) = &mut head {
        map.insert("decided_us".into(), now_us().into());
        map.insert("event_id".into(), event.map_or(Value::Null, Value::String));
        map.insert("error".into(), json!({ "code": code, "message": message }));
    }
    head
}

/// Publishes an answer to the decisions subject (with the event id as `Nats-Msg-Id`, so
/// that a stream kept on that subject drops an answer published again after a crash).
/// A failure is logged, not retried: the decision is in the ledger either way.
async fn publish(shared: &Shared, answer: &Value) {
    let Ok(body) = serde_json::to_vec(answer) else { return };
    let mut headers = async_nats::HeaderMap::new();
    if let Some(id) = answer.get("event_id").and_then(Value::as_str) {
        headers.insert("Nats-Msg-Id", id);
    }
    if let Err(e) = shared
        .client
        .publish_with_headers(shared.options.decisions.clone(), headers, body.into())
        .await
    {
        tracing::warn!(error = %e, "cannot publish a decision (it is in the ledger)");
    }
}

/// Publishes the decisions of timers the ticker fired.
pub async fn publish_fired(shared: &Shared, fired: &[Decided]) {
    for d in fired {
        let answer = json!({
            "instance": shared.options.name,
            "trigger": "timer",
            "decided_us": now_us(),
            "decision_id": d.decision_id,
            "decision": d.decision,
        });
        publish(shared, &answer).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_input_errors_are_final() {
        assert!(permanent(&LedgerError::BadInput("x".into())));
        assert!(!permanent(&LedgerError::Database {
            message: "down".into(),
            source: None
        }));
    }
}
