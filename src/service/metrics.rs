//! Prometheus metrics, kept by hand (a few counters with labels and one histogram) and
//! written in the text exposition format at `GET /metrics`. Every name starts `mintage_`.

use crate::ledger::{DecideOutcome, Decided, RedeemOutcome};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Every counter family: name, help, label names. Families are written even before
/// their first sample, so that a scraper (and the docs test) sees them all.
pub const COUNTERS: &[(&str, &str, &[&str])] = &[
    (
        "mintage_decisions_total",
        "Decisions taken (replayed answers excluded), by trigger",
        &["trigger"],
    ),
    (
        "mintage_coupons_issued_total",
        "Coupons issued, by campaign",
        &["campaign"],
    ),
    ("mintage_suppressions_total", "Coupons withheld, by reason", &["reason"]),
    (
        "mintage_redemptions_total",
        "Redemption answers, by outcome (accepted, rejected) and reason",
        &["outcome", "reason"],
    ),
    (
        "mintage_http_requests_total",
        "HTTP requests, by route and status",
        &["route", "status"],
    ),
    (
        "mintage_rules_reloads_total",
        "Rule reloads, by result (reloaded, unchanged, failed)",
        &["result"],
    ),
];

pub const LATENCY: &str = "mintage_decision_latency_seconds";

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
pub struct Metrics {
    /// (family, label values) → count.
    counters: Mutex<BTreeMap<(&'static str, Vec<String>), u64>>,
    latency: Histogram,
}

#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Metrics {
    /// Adds one to a family's counter; `values` follow the family's label names.
    pub fn inc(&self, family: &'static str, values: &[&str]) {
        let key = (family, values.iter().map(|v| (*v).to_string()).collect());
        let mut counters = self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *counters.entry(key).or_insert(0) += 1;
    }

    /// Counts a decide answer: the event's decision, the timers that fired before it, and
    /// a referral's inviter decision.
    pub fn decided(&self, outcome: &DecideOutcome) {
        self.decision(&outcome.decided);
        for other in outcome.fired.iter().chain(&outcome.others) {
            self.decision(other);
        }
    }

    /// Counts one decision (unless it is a replayed answer, counted when first taken).
    pub fn decision(&self, decided: &Decided) {
        if decided.replayed {
            return;
        }
        let d = &decided.decision;
        self.inc("mintage_decisions_total", &[str_at(d, "trigger")]);
        for coupon in list(d, "coupons") {
            self.inc("mintage_coupons_issued_total", &[str_at(coupon, "campaign")]);
        }
        for suppressed in list(d, "suppressed") {
            self.inc("mintage_suppressions_total", &[str_at(suppressed, "reason")]);
        }
    }

    pub fn redeemed(&self, outcome: &RedeemOutcome) {
        let verdict = if outcome.accepted { "accepted" } else { "rejected" };
        self.inc(
            "mintage_redemptions_total",
            &[verdict, outcome.reason.as_deref().unwrap_or("")],
        );
    }

    pub fn decision_latency(&self, elapsed: Duration) {
        let h = &self.latency;
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&h.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        h.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        h.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters = self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (name, help, labels) in COUNTERS {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for ((_, values), count) in counters
                .range((*name, Vec::new())..)
                .take_while(|((n, _), _)| n == name)
            {
                let _ = writeln!(out, "{name}{} {count}", label_set(labels, values));
            }
        }
        drop(counters);
        self.render_latency(&mut out);
        out
    }

    fn render_latency(&self, out: &mut String) {
        let h = &self.latency;
        let _ = writeln!(
            out,
            "# HELP {LATENCY} Time the ledger took to decide one event\n# TYPE {LATENCY} histogram"
        );
        for (bound, bucket) in BUCKETS.iter().zip(&h.buckets) {
            let _ = writeln!(
                out,
                "{LATENCY}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = h.count.load(Ordering::Relaxed);
        let sum = h.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{LATENCY}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{LATENCY}_sum {sum}\n{LATENCY}_count {count}");
    }
}

fn str_at<'a>(value: &'a Json, key: &str) -> &'a str {
    value.get(key).and_then(Json::as_str).unwrap_or("")
}

fn list<'a>(value: &'a Json, key: &str) -> &'a [Json] {
    value.get(key).and_then(Json::as_array).map_or(&[], Vec::as_slice)
}

fn label_set(names: &[&str], values: &[String]) -> String {
    let pairs: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

/// Label values escape backslash, double quote and line feed.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histogram_render() {
        let m = Metrics::default();
        m.inc("mintage_suppressions_total", &["risk:velocity"]);
        m.inc("mintage_suppressions_total", &["risk:velocity"]);
        m.inc("mintage_http_requests_total", &["/v1/decide", "200"]);
        m.decision_latency(Duration::from_millis(3));
        let text = m.render();
        assert!(
            text.contains("mintage_suppressions_total{reason=\"risk:velocity\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("mintage_http_requests_total{route=\"/v1/decide\",status=\"200\"} 1\n"));
        assert!(text.contains("mintage_decision_latency_seconds_bucket{le=\"0.0025\"} 0\n"));
        assert!(text.contains("mintage_decision_latency_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("mintage_decision_latency_seconds_count 1\n"));
        assert!(text.contains("# TYPE mintage_rules_reloads_total counter\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\n"), "a\\\"b\\\\c\\n");
    }
}
