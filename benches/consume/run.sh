#!/usr/bin/env bash
# `mintage consume` on NATS JetStream and PostgreSQL (docs/operations.md, "Consuming a
# stream"): events per second with 1 and with 2 consumers, and the time from publish to
# committed decision, p50/p99.
#   - throughput: EVENTS events published at once into 8 partitions; the consumers work
#     through the backlog; decided events per second from the first publish to the last
#     decision (`mintage publish --follow`);
#   - latency: LATENCY_EVENTS more published at RATE events per second (below capacity),
#     each one's time from the server's receipt to its decision's commit.
# Each run has a fresh database and stream; everything is stopped and dropped at the end.
#
#   benches/consume/run.sh                      # 100,000 events, 8 partitions
#   EVENTS=20000 RATE=500 benches/consume/run.sh
#
# Needs NATS with JetStream on 127.0.0.1:4222 and PostgreSQL on 127.0.0.1:5432 whose
# `postgres` role may create databases (PG_ADMIN_URL to use another).
set -euo pipefail
cd "$(dirname "$0")/../.."

EVENTS=${EVENTS:-100000}
LATENCY_EVENTS=${LATENCY_EVENTS:-10000}
RATE=${RATE:-1000}
PARTITIONS=${PARTITIONS:-8}
RULES=${RULES:-rules}
NATS=${NATS:-nats://127.0.0.1:4222}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}

cargo build --release --locked --bin mintage --example gen_events
BIN=$PWD/target/release/mintage
WORK=$(mktemp -d /tmp/mintage-consume.XXXXXX)
PIDS=()
PG_DB=""

cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
  if [[ -n $PG_DB ]]; then
    psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null || true
    PG_DB=""
  fi
}
trap 'cleanup; rm -rf "$WORK"' EXIT

# The events of the replay benchmark (seed rules; 100,000 users), dated 2026-11: in the
# past, so the ledger decides each at its own time. Ids are made unique per run below.
target/release/examples/gen_events "$((EVENTS + LATENCY_EVENTS))" 100000 > "$WORK/all.jsonl"

# run N: N consumers on a fresh database and stream.
run() {
  local n=$1 tag=$2
  PG_DB="mintage_consume_$(date +%s)_$n"
  psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
  local db="${PG_ADMIN_URL%/*}/$PG_DB"
  local stream="BENCH$(date +%s)N$n"
  sed "s/\"id\":\"\([es]\)-/\"id\":\"$tag-\1-/" "$WORK/all.jsonl" > "$WORK/$tag.jsonl"
  head -n "$EVENTS" "$WORK/$tag.jsonl" > "$WORK/$tag-burst.jsonl"
  tail -n "$LATENCY_EVENTS" "$WORK/$tag.jsonl" > "$WORK/$tag-steady.jsonl"
  for i in $(seq "$n"); do
    MINTAGE_LOG=warn NO_COLOR=1 "$BIN" consume "$RULES" --db "$db" --nats "$NATS" --stream "$stream" \
      --partitions "$PARTITIONS" --name "c$i" --decisions "bench.$stream" --no-watch 2>"$WORK/c$i.log" &
    PIDS+=($!)
  done
  sleep 3
  echo "== $n consumer(s): $EVENTS events at once"
  "$BIN" publish --events "$WORK/$tag-burst.jsonl" --nats "$NATS" --stream "$stream" \
    --partitions "$PARTITIONS" --follow "bench.$stream" --timeout 120s
  echo "== $n consumer(s): $LATENCY_EVENTS events at $RATE/s"
  "$BIN" publish --events "$WORK/$tag-steady.jsonl" --nats "$NATS" --stream "$stream" \
    --partitions "$PARTITIONS" --follow "bench.$stream" --timeout 60s --rate "$RATE"
  cleanup
}

run 1 "r1$(date +%s)"
run 2 "r2$(date +%s)"
