// #/why/USER: a user's wallet, latest decisions, and "why did (or didn't) this user get a
// coupon": an event explained on the live rules and the user's state (POST /v1/explain,
// a dry run: nothing is written).
import { api, enc } from '../api.js';
import { h, mount, setText } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime } from '../format.js';
import { decisionView, describeOffer, flatten } from '../decision.js';
import { SAMPLE_TYPES, parseEvents, sampleEvent } from '../samples.js';

export function whyPage(root, arg) {
  let userId = arg || '';
  const input = h('input', { testid: 'why-user', value: userId, placeholder: 'u-1', spellcheck: false });
  const form = h('form.row', {
    onsubmit: (ev) => {
      ev.preventDefault();
      const id = input.value.trim();
      if (!id) return;
      if (id === userId) lookUp();
      else location.hash = `#/why/${enc(id)}`;
    },
  },
  h('label', { for: 'why-user-input' }, t('why.user')), input,
  h('button.primary', { type: 'submit', testid: 'why-lookup' }, t('why.lookup')));
  input.id = 'why-user-input';

  const wallet = h('div', { testid: 'wallet' });
  const decisions = h('div', { testid: 'decisions' });
  const explainInput = h('textarea.events', { testid: 'explain-input', rows: 12, spellcheck: false });
  const explainButton = h('button.primary', { testid: 'explain-run', onclick: explain }, t('why.explain_run'));
  const explainResult = h('div', { testid: 'explain-result' });
  const samples = SAMPLE_TYPES.map((type) =>
    h('button.small', { testid: `why-sample-${type}`, onclick: () => setSample(type) }, type));

  mount(root,
    h('div.page-head', h('h1', t('why.title'))),
    h('section.card', form),
    userId ? [
      h('div.grid-2',
        h('section.card', h('h2', t('why.wallet')), wallet),
        h('section.card', h('h2', t('why.decisions')), decisions)),
      h('section.card',
        h('h2', t('why.explain')),
        h('p.hint', t('playground.events_hint'), ' ', samples),
        explainInput,
        h('div.row', explainButton),
        explainResult),
    ] : null,
  );

  function setSample(type) {
    explainInput.value = JSON.stringify(sampleEvent(type, userId), null, 2);
  }

  async function lookUp() {
    mount(wallet, h('p.muted', t('common.loading')));
    mount(decisions, h('p.muted', t('common.loading')));
    const [w, d] = await Promise.allSettled([
      api(`/v1/users/${enc(userId)}/wallet`),
      api(`/v1/users/${enc(userId)}/decisions?limit=20`),
    ]);
    if (w.status === 'fulfilled') showWallet(w.value);
    else mount(wallet, h('p.error', t('common.error', { message: w.reason.message })));
    if (d.status === 'fulfilled') showDecisions(d.value);
    else mount(decisions, h('p.error', t('common.error', { message: d.reason.message })));
  }

  function showWallet(w) {
    const coupons = w.coupons ?? [];
    if (!coupons.length) {
      mount(wallet, h('p.muted', t('why.wallet_empty')));
      return;
    }
    mount(wallet, h('div.table-wrap', h('table',
      h('thead', h('tr', ['col_code', 'col_campaign', 'col_offer', 'col_status', 'col_until'].map((k) => h('th', t(`why.${k}`))))),
      h('tbody', coupons.map((x) => h('tr', { dataset: { code: x.code } },
        h('td', h('code', x.code)),
        h('td', `${x.coupon?.campaign ?? ''} / ${x.coupon?.rule ?? ''}`),
        h('td', x.coupon ? describeOffer(x.coupon) : ''),
        h('td', h(`span.badge.status-${x.status}`, x.status)),
        h('td', dateTime(x.coupon?.valid_until))))),
    )));
  }

  function showDecisions(d) {
    const list = d.decisions ?? [];
    if (!list.length) {
      mount(decisions, h('p.muted', t('why.decisions_empty')));
      return;
    }
    mount(decisions, list.map((x) => h('details.decision-item', { dataset: { id: x.decision_id ?? '' } },
      h('summary', summary(x)),
      h('p.muted', `${x.decision_id ?? ''} · ${x.rules_version ?? ''}`),
      decisionView(x.decision ?? x))));
  }

  async function explain() {
    let events;
    try {
      events = parseEvents(explainInput.value);
    } catch (e) {
      mount(explainResult, h('p.error', t('playground.bad_json', { message: e.message })));
      return;
    }
    explainButton.disabled = true;
    mount(explainResult, h('p.muted', t('common.loading')));
    try {
      const answers = [];
      for (const ev of events) answers.push(await api('/v1/explain', { method: 'POST', body: ev }));
      mount(explainResult, answers.flatMap((a) => flatten(a)).map((d) => decisionView(d)));
    } catch (e) {
      mount(explainResult, h('p.error', t('common.error', { message: e.message })));
    } finally {
      explainButton.disabled = false;
    }
  }

  if (userId) {
    setSample('view_item');
    lookUp();
  } else {
    setTimeout(() => input.focus(), 0);
  }
}

/** One line for a decision of the list: when, what triggered it, what it gave or held back. */
function summary(x) {
  const d = x.decision ?? {};
  const bits = [dateTime(d.at), `${d.trigger ?? ''} ${d.event_id ?? ''}`.trim()];
  const coupons = (d.coupons ?? []).map((c) => `${c.campaign}/${c.rule} ✓`);
  const sup = (d.suppressed ?? []).map((s) => `${s.campaign}/${s.rule} ✗ ${s.reason}`);
  const rev = (d.revoked ?? []).map((r) => `${r.campaign}/${r.rule} ↺ ${r.reason}`);
  const what = [...coupons, ...sup, ...rev];
  return `${bits.join(' · ')} — ${what.length ? what.join(', ') : t('common.none')}`;
}
