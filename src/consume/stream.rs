//! The stream of events on the NATS server, and the group's bucket beside it.

use async_nats::jetstream::{self, kv, stream};
use std::time::Duration;

/// The stream an instance reads: its name, the subjects' prefix (`SUBJECT.P`) and the
/// partition count, which producers and consumers must agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSpec {
    pub name: String,
    pub subject: String,
    pub partitions: u32,
}

/// The most partitions a stream may have: each is a consumer on the server.
pub const MAX_PARTITIONS: u32 = 1024;

impl StreamSpec {
    /// Checks the names: a stream or bucket name takes letters, digits, `-` and `_`;
    /// a subject prefix takes tokens of those separated by `.`.
    pub fn new(name: &str, subject: Option<&str>, partitions: u32) -> Result<StreamSpec, String> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!(
                "`--stream {name}` is not a stream name: use letters, digits, `-` and `_` (e.g. `EVENTS`)"
            ));
        }
        let subject = subject.map_or_else(|| name.to_ascii_lowercase(), str::to_string);
        let token_ok = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !subject.split('.').all(token_ok) {
            return Err(format!(
                "`--subject {subject}` is not a subject prefix: use tokens of letters, digits, `-` and `_` \
                 separated by `.` (e.g. `events` or `shop.events`); the partitions are `PREFIX.0`, `PREFIX.1`, …"
            ));
        }
        if partitions == 0 || partitions > MAX_PARTITIONS {
            return Err(format!(
                "`--partitions {partitions}` is out of range: use 1 to {MAX_PARTITIONS} (the same on every producer and consumer)"
            ));
        }
        Ok(StreamSpec {
            name: name.to_string(),
            subject,
            partitions,
        })
    }

    /// The subject filter of every partition: `SUBJECT.*`.
    pub fn wildcard(&self) -> String {
        format!("{}.*", self.subject)
    }

    /// The stream's description, which records the partition count.
    fn description(&self) -> String {
        format!("mintage events: {} partitions", self.partitions)
    }

    /// The group's key-value bucket.
    pub fn bucket(&self) -> String {
        format!("mintage_{}", self.name)
    }

    /// The durable consumer of a partition.
    pub fn consumer(&self, partition: u32) -> String {
        format!("mintage-{partition}")
    }
}

/// Connects to the NATS server, failing (not retrying forever) if it cannot be reached.
pub async fn connect(url: &str) -> Result<async_nats::Client, String> {
    async_nats::ConnectOptions::new()
        .name("mintage")
        .connection_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| {
            format!(
                "cannot connect to NATS at `{url}`: {e} (is the server running, with JetStream on: `nats-server -js`?)"
            )
        })
}

/// The stream, made if missing (file storage, subjects `SUBJECT.*`); an existing one must
/// take those subjects and, if Mintage made it, have the same partition count.
pub async fn ensure(js: &jetstream::Context, spec: &StreamSpec) -> Result<stream::Stream, String> {
    let config = stream::Config {
        name: spec.name.clone(),
        subjects: vec![spec.wildcard()],
        description: Some(spec.description()),
        storage: stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    };
    let mut made = js.get_or_create_stream(config).await.map_err(|e| {
        format!(
            "cannot open or make the stream `{}`: {e} (is JetStream on: `nats-server -js`?)",
            spec.name
        )
    })?;
    let info = made
        .info()
        .await
        .map_err(|e| format!("cannot read the stream `{}`: {e}", spec.name))?;
    let subjects = &info.config.subjects;
    let wildcard = spec.wildcard();
    let every = format!("{}.>", spec.subject);
    if !subjects.iter().any(|s| *s == wildcard || *s == every || s == ">") {
        return Err(format!(
            "the stream `{}` takes {:?}, not `{wildcard}`: give the stream's own prefix with `--subject`, \
             or add `{wildcard}` to its subjects",
            spec.name, subjects
        ));
    }
    if let Some(found) = info.config.description.as_deref().and_then(partitions_in)
        && found != spec.partitions
    {
        return Err(format!(
            "the stream `{}` was made with {found} partitions, not {}: every producer and consumer must use \
             `--partitions {found}` (a new count needs a new stream, or each user's events would change partition)",
            spec.name, spec.partitions
        ));
    }
    Ok(made)
}

/// The partition count a description of ours records.
fn partitions_in(description: &str) -> Option<u32> {
    description
        .strip_prefix("mintage events: ")?
        .strip_suffix(" partitions")?
        .parse()
        .ok()
}

/// The group's bucket: entries live for `lease` unless renewed (memory storage: after a
/// server restart the instances take their partitions again).
pub async fn bucket(js: &jetstream::Context, spec: &StreamSpec, lease: Duration) -> Result<kv::Store, String> {
    let name = spec.bucket();
    if let Ok(store) = js.get_key_value(&name).await {
        return Ok(store);
    }
    // The bucket's stream is made as the client library would make it, but without its
    // account query, whose answer servers before 2.10 give in another form.
    let config = stream::Config {
        name: format!("KV_{name}"),
        description: Some(format!(
            "mintage: the instances consuming `{}` and their partitions",
            spec.name
        )),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 1,
        max_age: lease,
        storage: stream::StorageType::Memory,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        num_replicas: 1,
        ..Default::default()
    };
    if let Err(first) = js.create_stream(config).await {
        // Another instance may have made it first.
        return js
            .get_key_value(&name)
            .await
            .map_err(|e| format!("cannot make the bucket `{name}`: {first}; nor open it: {e}"));
    }
    js.get_key_value(&name)
        .await
        .map_err(|e| format!("cannot open the bucket `{name}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        let spec = StreamSpec::new("EVENTS", None, 8).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(spec.wildcard(), "events.*");
        assert_eq!(spec.bucket(), "mintage_EVENTS");
        assert_eq!(spec.consumer(3), "mintage-3");
        assert_eq!(partitions_in(&spec.description()), Some(8));
        assert!(StreamSpec::new("a.b", None, 8).is_err_and(|e| e.contains("not a stream name")));
        assert!(StreamSpec::new("E", Some("a..b"), 8).is_err_and(|e| e.contains("not a subject prefix")));
        assert!(StreamSpec::new("E", Some("shop.events"), 8).is_ok());
        assert!(StreamSpec::new("E", None, 0).is_err_and(|e| e.contains("1 to 1024")));
        assert_eq!(partitions_in("something else"), None);
    }
}
