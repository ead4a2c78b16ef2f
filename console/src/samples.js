// The playground's sample rule file and the sample events of the event boxes.

export const SAMPLE_RULES = `# A sample campaign. Edit it: the checker answers as you type.
campaign playground_welcome "新客首单阶梯券" {
  window 2025-01-01 00:00 .. 2030-01-01 00:00 Asia/Shanghai
  budget ¥10_000 face value
  audience user.paid_orders == 0

  experiment ladder_v1 by user.id {
    arm ladder 50%
    arm flat 50%
  }

  rule welcome in ladder {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }

  rule flat_welcome in flat {
    on view_item
    once per user
    give amount_off ¥30 min_spend ¥199 valid 72h
  }

  rule cart_nudge in ladder {
    on add_to_cart
    wait 2h unless checkout_started, order_paid
    once per user
    give percent_off 15% cap ¥100 valid 48h
    revoke welcome as upgraded
  }
}

campaign thanks "回购感谢券" {
  window 2025-01-01 00:00 .. 2030-01-01 00:00 Asia/Shanghai
  budget ¥5_000 face value

  rule big_order {
    on order_paid
    when order.total >= ¥300
    once per user per month
    give amount_off ¥20 min_spend ¥200 valid 7d
  }

  rule friend_bonus {
    on referral_completed
    once per user
    give amount_off ¥20 min_spend ¥100 valid 14d to invitee
  }

  rule inviter_bonus {
    on referral_completed
    at most 5 times per user per month
    give amount_off ¥20 min_spend ¥100 valid 14d to inviter
  }
}
`;

export const SAMPLE_TYPES = ['view_item', 'add_to_cart', 'order_paid', 'referral_completed'];

const rand = () => Math.random().toString(36).slice(2, 8);

/** A sample event of `type` for `userId`, dated now. */
export function sampleEvent(type, userId = `u-${rand()}`) {
  const now = new Date();
  const user = {
    id: userId,
    registered_at: new Date(now.getTime() - 3 * 86400e3).toISOString(),
    paid_orders: 0,
    device_id: `d-${userId}`,
  };
  const item = { id: 'i-1', category: 'shoes', price: 600, seller_id: 's-1' };
  const base = { id: `e-${rand()}`, type, at: now.toISOString(), user };
  switch (type) {
    case 'add_to_cart':
      return { ...base, cart: { items: [item], total: 600 } };
    case 'order_paid':
      return {
        ...base,
        user: { ...user, paid_orders: 1 },
        order: { id: `o-${rand()}`, total: 600, items: [item], coupons: [], shipping: 0 },
      };
    case 'referral_completed':
      return { ...base, inviter: { id: `u-host-${rand()}`, device_id: `d-host-${rand()}` } };
    default:
      return { ...base, item, scores: { fraud_risk: 0.01 } };
  }
}

/** Reads an event box: one JSON value (an object or an array of them) or JSON lines. */
export function parseEvents(text) {
  const s = text.trim();
  if (!s) return [];
  try {
    const v = JSON.parse(s);
    return Array.isArray(v) ? v : [v];
  } catch (first) {
    const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length < 2) throw first;
    return lines.map((l) => JSON.parse(l));
  }
}
