test "a welcome coupon" {
  usr {"id": "u-1", "paid_orders": 0}
  event view_item at 2026-11-02 10:00
  expect coupon first_look
}
