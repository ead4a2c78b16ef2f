// #/playground: a rule file checked as you type (POST /v1/check), events decided against
// it in a sandbox (POST /v1/playground), and its evaluation graph. Nothing touches the
// live rules or the ledger.
import { api } from '../api.js';
import { h, mount, setText } from '../dom.js';
import { t } from '../i18n.js';
import { createEditor } from '../editor.js';
import { couponsView, flatten, traceView } from '../decision.js';
import { drawGraph } from '../graph.js';
import { SAMPLE_RULES, SAMPLE_TYPES, parseEvents, sampleEvent } from '../samples.js';

const FILE = 'playground.mint';
/** Kept while the tab lives, so that leaving the page keeps the edits. */
let savedText = null;
let savedEvents = null;

const files = (text) => [{ name: FILE, text }];

export function playgroundPage(root) {
  const status = h('span.check-status', { testid: 'check-status' });
  const diagList = h('ul.diagnostics', { testid: 'diagnostics' });
  const editorEl = h('div.editor', { testid: 'editor' });
  const events = h('textarea.events', {
    testid: 'event-input', spellcheck: false, rows: 14,
    oninput: () => { savedEvents = events.value; },
  });
  const runButton = h('button.primary', { testid: 'run-event', onclick: run }, t('playground.run'));
  const runError = h('p.error', { testid: 'run-error', role: 'alert' });
  const coupons = h('div.result', { testid: 'decision-coupons' });
  const suppressed = h('div.result', { testid: 'decision-suppressed' });
  const traceBox = h('div.result', { testid: 'decision-trace' });
  const graphEl = h('div.graph', { testid: 'graph' });
  const graphStatus = h('span.muted');

  const samples = SAMPLE_TYPES.map((type) =>
    h('button.small', { testid: `sample-${type}`, onclick: () => setSample(type) }, type));

  mount(root,
    h('div.page-head', h('h1', t('playground.title')), h('div.spacer'),
      h('button.small', { testid: 'reset-sample', onclick: () => editor.setText(SAMPLE_RULES) }, t('playground.reset'))),
    h('p.hint', t('playground.note')),
    h('div.playground',
      h('section.card.editor-card',
        h('div.card-head', h('h2', FILE), h('div.spacer'), status),
        editorEl,
        h('h3', t('playground.diagnostics')),
        diagList),
      h('section.card.events-card',
        h('h2', t('playground.events')),
        h('p.hint', t('playground.events_hint'), ' ', samples),
        events,
        h('div.row', runButton),
        runError,
        h('h3', t('decision.coupons')), coupons,
        h('h3', t('decision.suppressed')), suppressed,
        h('h3', t('decision.trace')), traceBox),
    ),
    h('section.card',
      h('div.card-head', h('h2', t('playground.graph')), h('div.spacer'), graphStatus),
      graphEl),
  );

  const editor = createEditor(editorEl, {
    text: savedText ?? SAMPLE_RULES,
    check: (text) => {
      setText(status, t('playground.checking'));
      return api('/v1/check', { method: 'POST', body: { files: files(text) } });
    },
    onChecked: (result, doc, error) => showCheck(result, error),
    onChange: (text) => { savedText = text; },
  });

  if (savedEvents != null) events.value = savedEvents;
  else setSample('view_item');

  function setSample(type) {
    events.value = JSON.stringify(sampleEvent(type), null, 2);
    savedEvents = events.value;
  }

  function showCheck(result, error) {
    if (!result) {
      setText(status, t('common.error', { message: error?.message ?? '' }));
      status.className = 'check-status bad';
      return;
    }
    status.className = `check-status ${result.errors ? 'bad' : result.warnings ? 'warn' : 'good'}`;
    setText(status, result.errors || result.warnings
      ? t('playground.check', { errors: result.errors, warnings: result.warnings })
      : t('playground.clean'));
    const diags = result.diagnostics ?? [];
    if (!diags.length) {
      mount(diagList, h('li.muted', t('playground.clean')));
      return;
    }
    mount(diagList, diags.map((d) =>
      h(`li.diag.sev-${d.severity}`, {
        testid: 'diagnostic',
        dataset: { code: d.code, line: String(d.line), column: String(d.column) },
        onclick: () => editor.goTo(d.line, d.column),
        title: d.label ?? '',
      },
      h('strong', d.code), ' ',
      h('span.pos', `${d.line}:${d.column}`), ' ',
      d.message,
      d.help ? ` — ${d.help}` : '')));
  }

  async function run() {
    setText(runError, '');
    let list;
    try {
      list = parseEvents(events.value);
    } catch (e) {
      setText(runError, t('playground.bad_json', { message: e.message }));
      return;
    }
    runButton.disabled = true;
    try {
      const answer = await api('/v1/playground', {
        method: 'POST', body: { files: files(editor.text()), events: list },
      });
      if (answer.check) showCheck(answer.check);
      showDecisions(answer);
      setText(graphStatus, t('playground.graph_loading'));
      await drawGraph(graphEl, answer.graph);
      setText(graphStatus, '');
    } catch (e) {
      setText(runError, t('common.error', { message: e.message }));
    } finally {
      runButton.disabled = false;
    }
  }

  function showDecisions(answer) {
    const decisions = (answer.decisions ?? []).flatMap(flatten);
    const all = decisions.flatMap((d) => d.coupons ?? []);
    const sup = decisions.flatMap((d) => d.suppressed ?? []);
    mount(coupons, all.length
      ? decisions.filter((d) => d.coupons?.length).map(couponsView)
      : h('p.muted', t('decision.no_coupons')));
    mount(suppressed, sup.length
      ? h('ul.plain', sup.map((s) => h('li.suppressed', { dataset: { reason: s.reason } },
        h('span.badge.state-paused', s.reason), ` ${s.campaign} / ${s.rule}${s.user_id ? ` (${s.user_id})` : ''}`)))
      : h('p.muted', t('common.none')));
    const errors = answer.errors ?? [];
    const blocked = answer.check?.errors > 0 && !decisions.length;
    mount(traceBox,
      blocked ? h('div.banner.warn', { testid: 'rules-have-errors' }, t('playground.rules_errors')) : null,
      errors.length ? h('div.banner.warn', { testid: 'event-errors' },
        h('strong', t('decision.errors')),
        h('ul.plain', errors.map((e) => h('li', t('decision.event_error', { index: e.index, message: e.message }))))) : null,
      decisions.map(traceView));
  }

  return () => editor.destroy();
}
