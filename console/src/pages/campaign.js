// #/campaign/ID: the hourly series (polled every 5 s), the top suppression reasons, and
// the experiment report with per-arm intervals, lifts and the SRM check.
import { api, enc } from '../api.js';
import { h, mount, setText } from '../dom.js';
import { t } from '../i18n.js';
import { clock, int, money, pct, signedPct } from '../format.js';
import { poll } from '../poll.js';
import { chartOn, relative, reportOption, seriesOption } from '../charts.js';

export function campaignPage(root, id) {
  const title = h('h1', id);
  const sub = h('span.muted', { testid: 'campaign-id' });
  const badge = h('span.badge');
  const updated = h('span.updated', { testid: 'updated' });
  const error = h('p.error', { testid: 'poll-error', role: 'alert' });

  const seriesEl = h('div.chart', { testid: 'series-chart' });
  const seriesNote = h('p.muted');
  const reasons = h('ol.reasons', { testid: 'suppression-reasons' });
  const reportBox = h('div.report', { testid: 'report' }, h('p.muted', t('common.loading')));

  mount(root,
    h('div.page-head',
      h('a.back', { href: '#/campaigns' }, t('campaign.back')),
      title, sub, badge, h('div.spacer'), updated),
    error,
    h('div.grid-2',
      h('section.card.wide',
        h('h2', t('campaign.series')), seriesNote, seriesEl),
      h('section.card',
        h('h2', t('campaign.reasons')), reasons),
    ),
    h('section.card',
      h('div.card-head', h('h2', t('campaign.report')), h('div.spacer'),
        h('button.small', { onclick: () => loadReport(), testid: 'report-refresh' }, t('common.refresh'))),
      reportBox),
  );

  const seriesChart = chartOn(seriesEl);
  let reportChart = null;

  async function refresh() {
    const [series, list] = await Promise.all([
      api(`/v1/campaigns/${enc(id)}/series`),
      api('/v1/campaigns').catch(() => null),
    ]);
    const c = list?.campaigns?.find((x) => x.id === id);
    if (c) {
      setText(title, c.name ?? c.id);
      setText(sub, c.name ? c.id : '');
      badge.className = `badge state-${c.state}`;
      setText(badge, t(`state.${c.state}`));
    }
    setText(seriesNote, t('campaign.series_note', { zone: series.zone ?? '' }));
    seriesChart.set(seriesOption(series));
    seriesEl.dataset.hours = String(series.hours?.length ?? 0);
    seriesEl.dataset.issued = String((series.hours ?? []).reduce((n, x) => n + (x.issued ?? 0), 0));
    renderReasons(series);
    setText(updated, t('common.updated', { time: clock() }));
    setText(error, '');
  }

  function renderReasons(series) {
    const totals = {};
    for (const hour of series.hours ?? []) {
      for (const [r, n] of Object.entries(hour.suppressed ?? {})) totals[r] = (totals[r] ?? 0) + n;
    }
    const sorted = Object.entries(totals).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const max = sorted[0]?.[1] ?? 1;
    mount(reasons, sorted.length
      ? sorted.map(([r, n]) => h('li', { dataset: { reason: r } },
        h('span.reason', r), h('span.count', int(n)),
        h('span.meter', h('span', { style: { width: `${(100 * n) / max}%` } }))))
      : h('li.muted', t('campaign.no_reasons')));
  }

  async function loadReport() {
    try {
      const report = await api(`/v1/campaigns/${enc(id)}/report`);
      renderReport(report);
    } catch (e) {
      reportChart?.dispose();
      reportChart = null;
      if (e.code === 'no_experiment') {
        mount(reportBox, h('p.muted', { testid: 'no-experiment' }, t('campaign.no_experiment')));
      } else {
        mount(reportBox, h('p.error', t('common.error', { message: e.message })));
      }
    }
  }

  function renderReport(r) {
    reportChart?.dispose();
    const chartEl = h('div.chart.report-chart', { testid: 'report-chart' });
    const srm = r.srm ?? {};
    const observed = Object.entries(srm.observed ?? {}).map(([a, n]) => `${a} ${n}`).join(', ');
    const p = srm.p_value == null ? '—' : Number(srm.p_value).toPrecision(3);
    mount(reportBox,
      srm.flag
        ? h('div.banner.warn', { testid: 'srm-warning', role: 'alert' }, t('report.srm', { p, observed }))
        : h('p.ok', { testid: 'srm-ok' }, t('report.srm_ok', { p })),
      h('p.muted', t('report.header', {
        experiment: r.experiment, baseline: r.baseline, window: r.window, engine: r.method?.engine ?? '',
      })),
      chartEl,
      reportTable(r),
      h('p.hint', t('report.ci_note')),
    );
    reportChart = chartOn(chartEl);
    reportChart.set(reportOption(r));
  }

  const poller = poll(refresh, 5000, (e) => setText(error, t('common.error', { message: e.message })));
  loadReport();

  return () => {
    poller.stop();
    seriesChart.dispose();
    reportChart?.dispose();
  };
}

function liftCell(cmp, isBaseline) {
  if (isBaseline) return h('td.muted', t('report.baseline'));
  if (!cmp) return h('td', '—');
  if (cmp.not_enough_data) {
    return h('td.muted', { title: cmp.not_enough_data.message ?? '' }, t('report.not_enough'));
  }
  const r = relative(cmp);
  if (!r) return h('td', '—');
  const significant = r.ci[0] > 0 || r.ci[1] < 0;
  return h(`td${significant ? '.sig' : ''}`, `${signedPct(r.estimate)} [${signedPct(r.ci[0])}, ${signedPct(r.ci[1])}]`);
}

function pHolm(cmp) {
  return cmp && cmp.p_value_holm != null ? Number(cmp.p_value_holm).toFixed(4) : '';
}

function reportTable(r) {
  const cols = ['arm', 'users', 'conv', 'conv_lift', 'p_holm', 'gmv', 'gmv_lift', 'p_holm', 'cost', 'roi'];
  return h('div.table-wrap', h('table.report-table', { testid: 'report-table' },
    h('thead', h('tr', cols.map((c) => h('th', t(`report.${c}`))))),
    h('tbody', (r.arms ?? []).map((a) => {
      const base = a.arm === r.baseline;
      const vs = a.vs_baseline ?? {};
      return h('tr', { testid: `arm-${a.arm}` },
        h('td', h('strong', a.arm)),
        h('td', int(a.users)),
        h('td', pct(a.conversion)),
        liftCell(vs.conversion, base),
        h('td', pHolm(vs.conversion)),
        h('td', money(a.gmv_per_user == null ? null : Math.round(a.gmv_per_user * 100) / 100)),
        liftCell(vs.gmv_per_user, base),
        h('td', pHolm(vs.gmv_per_user)),
        h('td', money(a.cost_per_user == null ? null : Math.round(a.cost_per_user * 100) / 100)),
        h('td', a.roi == null ? '—' : Number(a.roi).toFixed(2)),
      );
    })),
  ));
}
