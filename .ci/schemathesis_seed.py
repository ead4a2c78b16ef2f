"""Seeds a fresh `mintage serve` for `.ci/schemathesis`, then writes its Schemathesis
configuration: lookups, quotes, redemptions, commits, rollbacks and returns draw half their
codes, user ids, campaign ids and order ids from what the seeding made, so that they hit
wallets, coupons and orders that exist (issued, reserved, redeemed, revoked and expired
ones) as well as ones that do not.

    python3 .ci/schemathesis_seed.py BASE_URL ADMIN_KEY CONFIG_PATH   # appends to it
"""

import datetime
import json
import sys
import urllib.request

base, admin, config_path = sys.argv[1:4]


def post(path, body, media="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path,
        data=data,
        method="POST",
        headers={"Authorization": "Bearer " + admin, "Content-Type": media},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def rfc3339(moment):
    return moment.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
hour_ago = now - datetime.timedelta(hours=1)
users = [f"u-seed-{i}" for i in range(8)]


def user(uid):
    return {"id": uid, "registered_at": rfc3339(now - datetime.timedelta(days=1)), "paid_orders": 0,
            "last_order_at": None, "total_spend": 0, "avg_order_value": 0, "ltv_tier": "low",
            "device_id": "d-" + uid, "tags": []}


item = {"id": "i-seed", "category": "bags", "price": 600, "seller_id": "s-seed", "stock_age_days": 90}
events = []
for n, uid in enumerate(users):
    # A welcome coupon of the new-user ladder (valid for days), then a cart whose nudge
    # timer falls due later; on Singles' Day, coupons that have expired since.
    at = hour_ago + datetime.timedelta(minutes=n)
    events.append({"id": f"seed-view-{uid}", "type": "view_item", "at": rfc3339(at), "user": user(uid),
                   "item": item, "scores": {"fraud_risk": 0.01}})
    events.append({"id": f"seed-cart-{uid}", "type": "add_to_cart", "at": rfc3339(at + datetime.timedelta(seconds=30)),
                   "user": user(uid), "item": item, "cart": {"items": [dict(item, qty=1)], "total": 600}})
    events.append({"id": f"seed-d11-{uid}", "type": "view_item", "at": f"2026-11-11T1{n % 10}:00:00+08:00",
                   "user": user(uid), "item": item, "scores": {"fraud_risk": 0.01}})
    # A paid order after the Singles' Day view, for the experiment report's outcomes.
    events.append({"id": f"seed-paid-{uid}", "type": "order_paid", "at": f"2026-11-11T1{n % 10}:30:00+08:00",
                   "user": user(uid), "order": {"id": f"seed-order-{uid}", "total": 120 + n, "items": [],
                                                "coupons": [], "shipping": 0}})
events.append({"id": "seed-signal", "type": "signal", "at": rfc3339(hour_ago), "name": "category_heat",
               "key": "bags", "value": 0.9})

answers = post("/v1/events", "\n".join(json.dumps(e) for e in events).encode(), "application/x-ndjson")
owners, campaigns, live = {}, set(), []
for answer in answers:
    if "error" in answer:
        sys.exit(f"seeding: element {answer['index']} was refused: {answer['error']}")
    outcome = answer["outcome"]
    for decided in [outcome] + outcome.get("fired", []):
        for coupon in decided["decision"]["coupons"]:
            owners[coupon["code"]] = decided["decision"]["user_id"]
            campaigns.add(coupon["campaign"])
            if datetime.datetime.fromisoformat(coupon["valid_until"]) > now:
                live.append(coupon["code"])
if len(owners) < 8:
    sys.exit(f"seeding: only {len(owners)} coupons were issued: {answers}")


def order(oid, uid, price=600):
    return {"id": oid, "buyer_id": uid,
            "items": [{"id": "i-seed", "category": "bags", "price": price, "seller_id": "s-seed"}]}


# Orders in each state: reserved, redeemed (committed), rolled back.
orders = []
redeemed = []
for n, code in enumerate(live[:6]):
    uid = owners[code]
    oid = f"o-seed-{n}"
    outcome = post("/v1/redeem", {"code": code, "stage": "reserve", "order": order(oid, uid)})
    if outcome["accepted"]:
        orders.append(oid)
        if n % 3 == 1:
            post("/v1/commit", {"order_id": oid})
            redeemed.append(code)
        elif n % 3 == 2:
            post("/v1/rollback", {"order_id": oid})
if not orders:
    sys.exit("seeding: no redemption was accepted")


def toml_list(values):
    return "[" + ", ".join(json.dumps(v) for v in sorted(values)) + "]"


with open(config_path, "a") as f:
    f.write(f"""# Written by .ci/schemathesis_seed.py for one run: what the seeding made.
[dictionaries.codes]
values = {toml_list(owners)}

[dictionaries.users]
values = {toml_list(set(owners.values()))}

[dictionaries.campaigns]
values = {toml_list(campaigns | {"dormant_wakeup"})}

[dictionaries.user_fields]
values = ["user.ltv_tier", "user.paid_orders"]

[dictionaries.orders]
values = {toml_list(orders)}

[dictionaries.categories]
values = ["bags", "shoes", "watches"]

[dictionaries.times]
values = {toml_list([rfc3339(hour_ago), rfc3339(now - datetime.timedelta(days=2)), "2026-11-11T10:00:00+08:00"])}

[[operations]]
include-path = "/v1/decide"
parameters = {{ "body.at" = {{ dictionary = "times", probability = 0.5 }}, "body.user.id" = {{ dictionary = "users", probability = 0.5 }}, "body.item.category" = {{ dictionary = "categories", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/coupons/{{code}}"
parameters = {{ "path.code" = {{ dictionary = "codes", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/users/{{id}}/wallet"
parameters = {{ "path.id" = {{ dictionary = "users", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/campaigns/{{id}}/stats"
parameters = {{ "path.id" = {{ dictionary = "campaigns", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/campaigns/{{id}}/report"
parameters = {{ "path.id" = {{ dictionary = "campaigns", probability = 0.5 }}, "query.by" = {{ dictionary = "user_fields", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/redeem"
parameters = {{ "body.code" = {{ dictionary = "codes", probability = 0.5 }}, "body.order.buyer_id" = {{ dictionary = "users", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/checkout/quote"
parameters = {{ "body.order.buyer_id" = {{ dictionary = "users", probability = 0.5 }}, "body.at" = {{ dictionary = "times", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/commit"
parameters = {{ "body.order_id" = {{ dictionary = "orders", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/orders/{{id}}/return"
parameters = {{ "path.id" = {{ dictionary = "orders", probability = 0.5 }} }}
[[operations]]
include-path = "/v1/rollback"
parameters = {{ "body.order_id" = {{ dictionary = "orders", probability = 0.5 }}, "body.code" = {{ dictionary = "codes", probability = 0.5 }} }}
""")
print(f"seeded: {len(owners)} coupons ({len(live)} still valid) of {len(set(owners.values()))} users "
      f"in {sorted(campaigns)}, orders {orders}, redeemed {len(redeemed)}")
