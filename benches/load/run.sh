#!/usr/bin/env bash
# Load test of `mintage serve` through HTTP on loopback (docs/operations.md, "Load test"):
# decisions per second and p99 latency of `POST /v1/decide`
#   - with the SQLite ledger: one instance on a file in a temporary folder;
#   - with PostgreSQL: two instances on one fresh database, one wrk per instance run in
#     parallel (wrk targets one URL), their figures added.
# Everything it starts is stopped, and the database dropped, when it ends.
#
#   benches/load/run.sh                      # both, 15 s each, 16 connections per instance
#   DURATION=30s CONNECTIONS=32 benches/load/run.sh
#   ONLY=sqlite benches/load/run.sh          # or ONLY=postgres
#   TICK_INTERVAL=60m benches/load/run.sh    # without the ticker (it runs once, at start)
#
# Needs wrk (`apt-get install -y wrk`) and, for PostgreSQL, a server on 127.0.0.1:5432
# whose `postgres` role may create databases (PG_ADMIN_URL to use another).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
ONLY=${ONLY:-sqlite postgres}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
RULES=${RULES:-rules}
# The events are dated at the wall clock (decide.lua), so the ticker does what it does in
# production: fires the timers and expires the coupons that fall due while the run goes
# on. TICK_INTERVAL=60m leaves even that out (it runs once, at start).
TICK_INTERVAL=${TICK_INTERVAL:-1s}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release --locked --bin mintage
BIN=$PWD/target/release/mintage
WORK=$(mktemp -d /tmp/mintage-load.XXXXXX)
RUN=$(date +%s)
PIDS=()
PG_DB=""

cleanup() {
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
  if [[ -n $PG_DB ]]; then
    psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null || true
    PG_DB=""
  fi
}
trap 'cleanup; rm -rf "$WORK"' EXIT

# start NAME DB PORT: a service on 127.0.0.1:PORT, waited for.
start() {
  local name=$1 db=$2 port=$3
  MINTAGE_LOG=warn,mintage::service::server=info NO_COLOR=1 \
    "$BIN" serve "$RULES" --db "$db" --listen "127.0.0.1:$port" --no-watch \
    --tick-interval "$TICK_INTERVAL" 2>"$WORK/$name.log" &
  PIDS+=($!)
  for _ in $(seq 600); do
    grep -qs "mintage is serving" "$WORK/$name.log" && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start:" >&2
  cat "$WORK/$name.log" >&2
  exit 1
}

# measure LABEL WRK_THREADS KEY URL…: one wrk per URL, in parallel; prints each and the sum.
measure() {
  local label=$1 threads=$2 key=$3
  shift 3
  local i=0 outs=() runs=() before_cpu before_idle before_total
  before_cpu=$(service_ticks)
  read -r before_idle before_total < <(machine_ticks)
  for url in "$@"; do
    i=$((i + 1))
    /usr/bin/time -f "WRKCPU %U %S" -o "$WORK/wrk-$label-$i.cpu" \
      wrk -t"$threads" -c"$CONNECTIONS" -d"$DURATION" --latency -s benches/load/decide.lua "$url" \
      -- "$key" "$RUN-$label-$i" >"$WORK/wrk-$label-$i.out" 2>&1 &
    runs+=($!)
    outs+=("$WORK/wrk-$label-$i.out")
  done
  wait "${runs[@]}"
  local after_cpu after_idle after_total
  after_cpu=$(service_ticks)
  read -r after_idle after_total < <(machine_ticks)
  for out in "${outs[@]}"; do
    sed 's/^/    /' "$out"
  done
  local cpu wrk_cpu pg_cpu=""
  wrk_cpu=$(cat "$WORK"/wrk-"$label"-*.cpu | awk '/^WRKCPU/ { s += $2 + $3 } END { printf "%.1f", s }')
  if [[ -n $PG_DB ]]; then
    # The server processes of this database's connections (opened by the services for the run).
    pg_cpu=$(psql -qtA "$PG_ADMIN_URL" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$PG_DB'" |
      while read -r pid; do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null; done |
      awk -v hz="$(getconf CLK_TCK)" '{ s += $1 } END { printf ", PostgreSQL backends %.1f s", s / hz }')
  fi
  cpu=$(awk -v w="$wrk_cpu" -v pg="$pg_cpu" -v s=$((after_cpu - before_cpu)) -v hz="$(getconf CLK_TCK)" -v idle=$((after_idle - before_idle)) \
    -v total=$((after_total - before_total)) -v la="$(cut -d' ' -f1-3 /proc/loadavg)" \
    'BEGIN { printf "    CPU: mintage %.1f s, wrk %.1f s%s; machine %.0f%% busy over the run; load average %s\n",
             s / hz, w, pg, 100 * (total - idle) / total, la }')
  awk -v label="$label" -v instances=$# '
    /^MINTAGE / {
      for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
      ok = v["requests"] - v["failed"]
      rate += ok / v["seconds"]; failed += v["failed"]
      if (v["p99_ms"] > p99) p99 = v["p99_ms"]
      if (v["p50_ms"] > p50) p50 = v["p50_ms"]
      n++
    }
    END {
      if (n != instances) { printf "%s: %d of %d wrk runs reported\n", label, n, instances; exit 1 }
      printf "RESULT %-10s %d instance(s): %.0f decisions/s, p50 %.2f ms, p99 %.2f ms (worst instance), %d failed requests\n",
        label, instances, rate, p50, p99, failed
    }' "${outs[@]}" | tee -a "$WORK/results"
  echo "$cpu" | tee -a "$WORK/results"
}

# CPU time (clock ticks) used so far by the services.
service_ticks() {
  local sum=0 pid
  for pid in "${PIDS[@]}"; do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$sum"
}

# Idle and total clock ticks of the machine so far.
machine_ticks() {
  awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

key() {
  "$BIN" keys add --scope decide --label load-test --db "$1" 2>/dev/null
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%FT%TZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: $THREADS threads per instance on SQLite, 1 per instance on PostgreSQL; $CONNECTIONS connections per instance; $DURATION; --tick-interval $TICK_INTERVAL"

if [[ " $ONLY " == *" sqlite "* ]]; then
  db="sqlite:$WORK/ledger.db"
  k=$(key "$db")
  start sqlite "$db" 18080
  echo "== SQLite: 1 instance, $db"
  measure sqlite "$THREADS" "$k" http://127.0.0.1:18080
  # The write-ahead log is checkpointed in the background; how far it grew under load:
  ls -l "$WORK"/ledger.db* | awk '{ printf "    %s: %.0f MB\n", $NF, $5 / 1e6 }' | sed "s|$WORK/||" | tee -a "$WORK/results"
  cleanup
fi

if [[ " $ONLY " == *" postgres "* ]]; then
  pg_isready -q -h 127.0.0.1 -p 5432 || {
    for c in /etc/postgresql/*/*; do
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$c")")" "$(basename "$c")" start || true
    done
    for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  }
  PG_DB=mintage_load_$RUN
  psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
  db="${PG_ADMIN_URL%/*}/$PG_DB"
  k=$(key "$db")
  start pg-1 "$db" 18081
  start pg-2 "$db" 18082
  echo "== PostgreSQL: 2 instances on one database, ${db%%@*}@…/$PG_DB"
  measure postgres 1 "$k" http://127.0.0.1:18081 http://127.0.0.1:18082
  cleanup
fi

echo
cat "$WORK/results"
