// A decision in words: its coupons, suppressions, revocations, actions and the trace of
// every rule considered. Shared by the playground and the Why page.
import { h } from './dom.js';
import { t, tMaybe } from './i18n.js';
import { dateTime, money } from './format.js';

/** "amount_off ¥10", "percent_off 15% · cap ¥100", … with min spend and scope. */
export function describeOffer(c) {
  const vars = {
    amount: money(c.amount), percent: c.percent, min: money(c.min_spend),
    gift: c.gift ?? '', perk: c.perk ?? '',
  };
  const head = tMaybe(`offer.${c.kind}`, vars) ?? c.kind;
  const parts = [head];
  if (c.cap != null) parts.push(t('offer.cap', { amount: money(c.cap) }));
  if (c.min_spend && c.kind !== 'threshold') parts.push(t('offer.min_spend', { amount: money(c.min_spend) }));
  const scope = [...(c.categories ?? []), c.seller].filter(Boolean);
  if (scope.length) parts.push(t('offer.for', { what: scope.join(', ') }));
  if (c.face_value != null && ['gift', 'perk'].includes(c.kind)) parts.push(t('offer.worth', { amount: money(c.face_value) }));
  return parts.join(' · ');
}

export function couponCard(c, extra) {
  return h('div.coupon', { dataset: { code: c.code ?? '', campaign: c.campaign, rule: c.rule } },
    h('div.coupon-head',
      h('span.coupon-offer', describeOffer(c)),
      extra,
    ),
    h('div.coupon-meta',
      h('code', c.code ?? '—'),
      ` · ${c.campaign} / ${c.rule}`,
      c.arm ? ` · arm ${c.arm}` : '',
      c.valid_until ? ` · ${t('offer.valid', { from: dateTime(c.valid_from), until: dateTime(c.valid_until) })}` : '',
    ),
  );
}

/** One trace entry in words: "campaign / rule: not matched — because". */
export function traceWords(e) {
  const outcome = tMaybe(`outcome.${e.outcome}`) ?? String(e.outcome ?? '').replace(/_/g, ' ');
  return `${e.campaign} / ${e.rule}: ${outcome}${e.because ? ` — ${e.because}` : ''}`;
}

function outcomeClass(o) {
  return String(o ?? '').replace(/[^a-z]+/g, '-');
}

/** The decision of an answer: the service wraps it (`{decision_id, decision}`) or not. */
export function unwrap(d) {
  return d && d.decision && typeof d.decision === 'object' ? d.decision : d;
}

/** Every decision an answer carries: the timers that fired first, the decision, the others. */
export function flatten(answer) {
  const out = [];
  const visit = (a) => {
    if (!a) return;
    for (const f of a.fired ?? []) visit(f);
    out.push({ ...unwrap(a), decision_id: a.decision_id ?? unwrap(a).decision_id });
    for (const o of a.others ?? []) visit(o);
  };
  visit(answer);
  return out;
}

export function suppressedList(d) {
  return (d.suppressed ?? []).map((s) =>
    h('li.suppressed', { dataset: { reason: s.reason } },
      h('span.badge.state-paused', s.reason), ` ${s.campaign} / ${s.rule}`));
}

/** A decision: coupons, suppressed, revoked, actions, trace. */
export function decisionHead(d) {
  return h('div.decision-head', t('decision.head', {
    user: d.user_id ?? '—', trigger: d.trigger ?? '', event: d.event_id ?? '', at: dateTime(d.at),
  }));
}

/** A decision's coupons under its head. */
export function couponsView(raw) {
  const d = unwrap(raw);
  return h('div.decision', decisionHead(d), h('div.coupons', (d.coupons ?? []).map((c) => couponCard(c))));
}

/** A decision's trace under its head. */
export function traceView(raw) {
  const d = unwrap(raw);
  return h('div.decision', decisionHead(d), traceList(d.trace ?? []));
}

export function decisionView(raw, { trace = true } = {}) {
  const d = unwrap(raw);
  const coupons = d.coupons ?? [];
  const sections = [decisionHead(d)];
  sections.push(coupons.length
    ? h('div.coupons', coupons.map((c) => couponCard(c)))
    : h('p.muted', t('decision.no_coupons')));
  if (d.suppressed?.length) {
    sections.push(h('h4', t('decision.suppressed')), h('ul.plain', suppressedList(d)));
  }
  if (d.revoked?.length) {
    sections.push(h('h4', t('decision.revoked')), h('ul.plain', d.revoked.map((r) =>
      h('li', h('code', r.code), ` ${r.campaign} / ${r.rule} — ${r.reason}`))));
  }
  if (d.actions?.length) {
    sections.push(h('h4', t('decision.actions')), h('ul.plain', d.actions.map((a) =>
      h('li', h('code', JSON.stringify(a))))));
  }
  if (trace && Array.isArray(d.trace)) {
    sections.push(h('h4', t('decision.trace')), traceList(d.trace));
  }
  return h('div.decision', { dataset: { user: d.user_id ?? '', event: d.event_id ?? '' } }, sections);
}

export function traceList(trace) {
  if (!trace.length) return h('p.muted', t('decision.no_trace'));
  return h('ol.trace', trace.map((e) =>
    h(`li.outcome-${outcomeClass(e.outcome)}`, { dataset: { campaign: e.campaign, rule: e.rule, outcome: e.outcome } },
      traceWords(e))));
}
