# Invite a friend, both get ¥20: when an invited friend completes the referral (the
# platform sends `referral_completed` once the friend's first order is paid), the
# inviter and the friend each get ¥20 off a spend of ¥100, valid 14 days. One rule per
# side: each rule's `user` is the side it gives to, so its limits count that user's
# coupons and the risk policy (rules/risk.mint, when checked together) checks that
# user. An inviter is rewarded for at most five friends a month; a friend is rewarded
# once. One person inviting themself (one id, or one device) gets nothing.
campaign invite_a_friend "邀请好友" {
  window 2026-12-01 .. 2027-01-01 Asia/Shanghai
  budget ¥50_000 face value
  funding platform 100%

  rule inviter_bonus {
    on referral_completed
    at most 5 times per user per month
    give amount_off ¥20 min_spend ¥100 valid 14d to inviter
  }

  rule friend_bonus {
    on referral_completed
    once per user
    give amount_off ¥20 min_spend ¥100 valid 14d to invitee
  }
}

test "both sides of a referral get ¥20" {
  user {"id": "u-friend", "registered_at": "2026-12-02T09:00:00+08:00", "paid_orders": 1, "device_id": "d-friend"}
  event referral_completed at 2026-12-03 10:00 {"inviter": {"id": "u-host", "paid_orders": 12, "device_id": "d-host"}}
  expect "u-host" coupon inviter_bonus amount_off ¥20 min_spend ¥100
  expect "u-friend" coupon friend_bonus amount_off ¥20 min_spend ¥100
}

test "the inviter is rewarded for five friends a month, each friend once" {
  user {"registered_at": "2026-12-02T09:00:00+08:00", "paid_orders": 1}
  event referral_completed at 2026-12-03 10:00 {"user": {"id": "u-f1", "device_id": "d-1"}, "inviter": {"id": "u-host", "device_id": "d-host"}}
  expect "u-host" coupon inviter_bonus
  expect "u-f1" coupon friend_bonus
  event referral_completed at 2026-12-04 10:00 {"user": {"id": "u-f1", "device_id": "d-1"}, "inviter": {"id": "u-other", "device_id": "d-other"}}
  expect "u-other" coupon inviter_bonus
  event referral_completed at 2026-12-05 10:00 {"user": {"id": "u-f2", "device_id": "d-2"}, "inviter": {"id": "u-host", "device_id": "d-host"}}
  expect "u-host" coupon inviter_bonus
  expect "u-f2" coupon friend_bonus
  event referral_completed at 2026-12-06 10:00 {"user": {"id": "u-f3", "device_id": "d-3"}, "inviter": {"id": "u-host", "device_id": "d-host"}}
  expect "u-host" coupon inviter_bonus
  expect "u-f3" coupon friend_bonus
  event referral_completed at 2026-12-07 10:00 {"user": {"id": "u-f4", "device_id": "d-4"}, "inviter": {"id": "u-host", "device_id": "d-host"}}
  expect "u-host" coupon inviter_bonus
  expect "u-f4" coupon friend_bonus
  event referral_completed at 2026-12-08 10:00 {"user": {"id": "u-f5", "device_id": "d-5"}, "inviter": {"id": "u-host", "device_id": "d-host"}}
  expect "u-host" coupon inviter_bonus
  expect "u-f5" coupon friend_bonus
  event referral_completed at 2026-12-09 10:00 {"user": {"id": "u-f6", "device_id": "d-6"}, "inviter": {"id": "u-host", "device_id": "d-host"}}
  expect "u-f6" coupon friend_bonus
}

test "inviting yourself from the same device is withheld on both sides" {
  user {"id": "u-alt", "registered_at": "2026-12-02T09:00:00+08:00", "paid_orders": 1, "device_id": "d-shared"}
  event referral_completed at 2026-12-03 10:00 {"inviter": {"id": "u-main", "device_id": "d-shared"}}
  expect "u-main" suppressed inviter_bonus risk:multi_account
  expect "u-alt" suppressed friend_bonus risk:multi_account
}
