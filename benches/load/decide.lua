-- wrk script: POST /v1/decide with realistic events (about 460 bytes, the shape of
-- `cargo run --release --example gen_events`) dated at the wall clock, as a platform
-- sends them (new users registered five days before). Dated earlier, every coupon they
-- mint would already have ended and every timer they start be due, and the service's
-- ticker would spend each second expiring and firing what the last second made. Each request is a new event: its id holds the run, the wrk
-- thread and a counter, so no request is a replay. Users come from a pool of a million
-- (a third of them new), so budgets, once-per limits and timers are all exercised.
--
--   wrk -t2 -c16 -d15s --latency -s benches/load/decide.lua http://127.0.0.1:8080 -- KEY RUN
--
-- KEY: an API key with scope `decide`; RUN: a tag unique to this run (ids are unique
-- per ledger: a second run on the same ledger needs another tag).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local kinds = {
  "view_item", "view_item", "view_item", "view_item", "app_open",
  "add_to_cart", "add_to_cart", "checkout_started", "cart_abandoned", "order_paid",
}
local categories = {
  "bags", "watches", "sneakers", "jewelry", "shoes", "coats",
  "dresses", "belts", "scarves", "sunglasses", "wallets", "hats",
}
local tiers = { "low", "mid", "high" }
local users = 1000000

local template = '{"id":"%s","type":"%s","at":"%s",'
  .. '"user":{"id":"u-%d","registered_at":"%s","paid_orders":%d,"last_order_at":null,'
  .. '"total_spend":0,"avg_order_value":%d,"ltv_tier":"%s","device_id":"d-%d","tags":[]},'
  .. '"item":{"id":"i-%d","category":"%s","price":%d,"seller_id":"s-%d","stock_age_days":%d},'
  .. '"cart":{"items":[],"total":%d},'
  .. '"scores":{"p_convert":0.%02d,"fraud_risk":0.0%d}}'

local n = 0
local clock, at, registered = nil, nil, nil
local run = "run"
local errors = 0

function init(args)
  local key = args[1] or os.getenv("MINTAGE_KEY") or ""
  run = args[2] or tostring(os.time())
  -- Each wrk process and thread draws its own users: the seed mixes the run tag (which
  -- differs between the wrk processes of one run) and the thread.
  local seed = os.time() % 100000
  for i = 1, #run do
    seed = (seed * 31 + run:byte(i)) % 2147483647
  end
  math.randomseed(seed * 64 + (tid or 0))
  wrk.method = "POST"
  wrk.path = "/v1/decide"
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local u = math.random(0, users - 1)
  local new = (u % 3 == 0)
  local price = 100 * math.random(1, 60)
  local now = os.time()
  if now ~= clock then
    clock = now
    at = os.date("!%Y-%m-%dT%H:%M:%SZ", now)
    registered = os.date("!%Y-%m-%dT%H:%M:%SZ", now - 5 * 86400)
  end
  local body = string.format(template,
    string.format("w-%s-%d-%d", run, tid or 0, n),
    kinds[math.random(#kinds)],
    at,
    u,
    new and registered or "2025-03-01T09:00:00+08:00",
    new and 0 or math.random(1, 20),
    100 * math.random(0, 39),
    tiers[math.random(#tiers)],
    math.floor(u / 2),
    math.random(0, 499999),
    categories[math.random(#categories)],
    price,
    math.random(0, 4999),
    math.random(0, 119),
    price * math.random(1, 3),
    math.random(0, 99),
    math.random(0, 9))
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors <= 3 then
      io.stderr:write(string.format("status %d: %s\n", status, body))
    end
  end
end

-- One line for run.sh to read: requests, seconds, p50/p99 in ms, and failures.
function done(summary, latency, requests)
  local failed = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("MINTAGE requests=%d seconds=%.3f p50_ms=%.3f p99_ms=%.3f failed=%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed))
end
