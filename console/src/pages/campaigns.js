// #/campaigns: every campaign with its state, window, budget and counts, polled every 3 s.
import { api, enc, session } from '../api.js';
import { h, mount, setText } from '../dom.js';
import { t } from '../i18n.js';
import { clock, dateTime, int, money, pct } from '../format.js';
import { poll } from '../poll.js';

export function campaignsPage(root) {
  const admin = session.isAdmin();
  const rows = new Map();
  const updated = h('span.updated', { testid: 'updated' });
  const version = h('span.muted', { testid: 'campaigns-rules-version' });
  const notice = h('p.notice', { testid: 'notice', role: 'status' });
  const error = h('p.error', { testid: 'poll-error', role: 'alert' });
  const tbody = h('tbody');
  const empty = h('p.muted', { hidden: true }, t('campaigns.empty'));
  const cols = ['campaign', 'state', 'window', 'budget', 'issued', 'redeemed', 'expired', 'rate', 'cost', 'suppressed'];
  if (admin) cols.push('actions');

  const reload = admin && h('button', { testid: 'reload-rules', onclick: reloadRules }, t('campaigns.reload'));

  mount(root,
    h('div.page-head',
      h('h1', t('campaigns.title')),
      version,
      h('div.spacer'),
      updated,
      reload,
    ),
    notice,
    error,
    h('div.table-wrap',
      h('table.campaigns', { testid: 'campaigns-table' },
        h('thead', h('tr', cols.map((c) => h(`th.col-${c}`, t(`col.${c}`))))),
        tbody,
      ),
    ),
    empty,
  );

  async function refresh() {
    const data = await api('/v1/campaigns');
    const seen = new Set();
    data.campaigns.forEach((c, i) => {
      seen.add(c.id);
      let row = rows.get(c.id);
      if (!row) {
        row = campaignRow(c.id, admin, { toggle, showNotice });
        rows.set(c.id, row);
      }
      row.update(c);
      // The service's order; a row already in place is not moved.
      if (tbody.children[i] !== row.el) tbody.insertBefore(row.el, tbody.children[i] ?? null);
    });
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.el.remove();
        rows.delete(id);
      }
    }
    empty.hidden = data.campaigns.length > 0;
    setText(version, t('campaigns.rules_version', { version: data.rules_version }));
    setText(updated, t('common.updated', { time: clock() }));
    setText(error, '');
  }

  const poller = poll(refresh, 3000, (e) => setText(error, t('common.error', { message: e.message })));

  function showNotice(text, bad = false) {
    notice.classList.toggle('bad', bad);
    setText(notice, text);
  }

  async function toggle(id, pause) {
    const answer = await api(`/v1/campaigns/${enc(id)}/${pause ? 'pause' : 'resume'}`, { method: 'POST' });
    showNotice(t(answer.paused ? 'action.paused' : 'action.resumed', { id: answer.campaign }));
    poller.now();
  }

  async function reloadRules() {
    reload.disabled = true;
    try {
      const r = await api('/v1/admin/reload', { method: 'POST' });
      showNotice(t('campaigns.reloaded', { result: r.result, version: r.version }));
      poller.now();
    } catch (e) {
      const n = e.body?.error?.reload?.diagnostics?.length;
      showNotice(t('campaigns.reload_failed', { message: n ? `${e.message} (${n})` : e.message }), true);
    } finally {
      reload.disabled = false;
    }
  }

  return () => poller.stop();
}

/** One row of the table, updated in place by each poll. */
function campaignRow(id, admin, { toggle, showNotice }) {
  const cell = (name, testid) => h(`td.col-${name}`, testid ? { testid: `${testid}-${id}` } : null);
  const c = {
    name: cell('campaign'),
    state: cell('state', 'state'),
    window: cell('window', 'window'),
    budget: cell('budget', 'budget'),
    issued: cell('issued', 'issued'),
    redeemed: cell('redeemed', 'redeemed'),
    expired: cell('expired', 'expired'),
    rate: cell('rate', 'rate'),
    cost: cell('cost', 'cost'),
    suppressed: cell('suppressed', 'suppressed'),
  };
  const link = h('a.name', { href: `#/campaign/${enc(id)}` });
  const sub = h('span.sub');
  c.name.append(link, sub);
  const badge = h('span.badge');
  c.state.append(badge);
  const bar = budgetBar();
  c.budget.append(bar.el);

  let paused = false;
  const button = admin && h('button.small', {
    onclick: async () => {
      button.disabled = true;
      try {
        await toggle(id, !paused);
      } catch (e) {
        showNotice(t('common.error', { message: e.message }), true);
      } finally {
        button.disabled = false;
      }
    },
  });
  const tds = Object.values(c);
  if (admin) tds.push(h('td.col-actions', button));
  const el = h('tr', { testid: `campaign-${id}` }, tds);

  function update(x) {
    setText(link, x.name ?? x.id);
    setText(sub, x.name ? `${x.id} · ${t(`kind.${x.kind}`)}` : t(`kind.${x.kind}`));
    badge.className = `badge state-${x.state}`;
    setText(badge, t(`state.${x.state}`));
    el.dataset.state = x.state;
    const win = x.window
      ? `${dateTime(x.window.start, x.zone)} →\n${dateTime(x.window.end, x.zone)}`
      : '—';
    setText(c.window, win);
    c.window.title = x.zone ?? '';
    bar.update(x.budget);
    setText(c.issued, int(x.issued));
    setText(c.redeemed, int(x.redeemed));
    setText(c.expired, int(x.expired));
    setText(c.rate, pct(x.redemption_rate));
    setText(c.cost, money(x.cost));
    const reasons = Object.entries(x.suppressed ?? {}).sort((a, b) => b[1] - a[1]);
    setText(c.suppressed, reasons.length ? reasons.map(([r, n]) => `${r} ${n}`).join(' · ') : '—');
    if (button) {
      paused = x.state === 'paused';
      button.dataset.testid = `${paused ? 'resume' : 'pause'}-${id}`;
      button.className = paused ? 'small primary' : 'small';
      setText(button, t(paused ? 'action.resume' : 'action.pause'));
    }
  }
  return { el, update };
}

/**
 * The budget burnt: the face value reserved by the coupons not given back (redeemed ones
 * included) against the amount, the part already spent on redemptions darker inside it,
 * and the plan (where `pace evenly` says it should be by now) as a tick.
 */
function budgetBar() {
  const reserved = h('span.seg.reserved');
  const spent = h('span.seg.spent');
  const plan = h('span.plan', { hidden: true });
  const label = h('span.budget-label');
  const track = h('span.track', reserved, spent, plan);
  const el = h('span.budget', track, label);

  function update(b) {
    if (!b) {
      track.hidden = true;
      setText(label, t('budget.none'));
      el.title = '';
      return;
    }
    track.hidden = false;
    const share = (v) => `${Math.max(0, Math.min(100, (100 * (v ?? 0)) / (b.amount || 1))).toFixed(2)}%`;
    reserved.style.width = share(b.reserved);
    spent.style.width = share(b.spent);
    plan.hidden = b.plan == null;
    if (b.plan != null) plan.style.left = share(b.plan);
    el.dataset.reserved = String(b.reserved ?? 0);
    setText(label, `${money(b.reserved)} / ${money(b.amount)} ${t(`budget.${b.kind}`)}`);
    el.title = t('budget.tooltip', {
      reserved: money(b.reserved), spent: money(b.spent), amount: money(b.amount),
      plan: b.plan != null ? t('budget.plan', { plan: money(b.plan) }) : '',
    });
  }
  return { el, update };
}
