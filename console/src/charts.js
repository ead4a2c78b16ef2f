// ECharts, with only the parts the console draws: the hourly series and the report.
import * as echarts from 'echarts/core';
import { BarChart, CustomChart, LineChart } from 'echarts/charts';
import {
  GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { t } from './i18n.js';
import { money, pct, shortDateTime, signedPct } from './format.js';

echarts.use([
  BarChart, CustomChart, LineChart, GridComponent, LegendComponent, MarkLineComponent,
  TitleComponent, TooltipComponent, SVGRenderer,
]);

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777'];
const SUPPRESSED = ['#f59e0b', '#ef4444', '#a855f7', '#64748b', '#f97316', '#14b8a6', '#ec4899'];

/** An ECharts instance on `el` that follows its size; `dispose()` when the page goes. */
export function chartOn(el) {
  const chart = echarts.init(el, null, { renderer: 'svg' });
  const ro = new ResizeObserver(() => chart.resize());
  ro.observe(el);
  return {
    set: (option) => chart.setOption(option, { notMerge: true }),
    dispose() {
      ro.disconnect();
      chart.dispose();
    },
  };
}

/** Hourly issued and redeemed bars, suppressed bars stacked by reason, cost as a line. */
export function seriesOption(series) {
  const hours = series.hours ?? [];
  const labels = hours.map((x) => shortDateTime(x.start, series.zone));
  const reasons = [...new Set(hours.flatMap((x) => Object.keys(x.suppressed ?? {})))].sort();
  return {
    color: PALETTE,
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0, type: 'plain' },
    grid: { left: 48, right: 60, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: labels, axisLabel: { hideOverlap: true } },
    yAxis: [
      { type: 'value', minInterval: 1, name: t('series.issued') },
      { type: 'value', name: t('series.cost'), splitLine: { show: false },
        axisLabel: { formatter: (v) => money(v) } },
    ],
    series: [
      { name: t('series.issued'), type: 'bar', barMaxWidth: 28, data: hours.map((x) => x.issued ?? 0) },
      { name: t('series.redeemed'), type: 'bar', barMaxWidth: 28, data: hours.map((x) => x.redeemed ?? 0) },
      ...reasons.map((r, i) => ({
        name: t('series.suppressed', { reason: r }),
        type: 'bar',
        stack: 'suppressed',
        barMaxWidth: 28,
        color: SUPPRESSED[i % SUPPRESSED.length],
        data: hours.map((x) => x.suppressed?.[r] ?? 0),
      })),
      {
        name: t('series.cost'), type: 'line', yAxisIndex: 1, smooth: false, symbolSize: 5,
        color: '#111827', data: hours.map((x) => x.cost ?? 0),
        tooltip: { valueFormatter: (v) => money(v) },
      },
    ],
  };
}

/** The inverse of the standard normal CDF (Acklam's approximation, |error| < 1.2e-9). */
function probit(p) {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628274631];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The Wilson score interval of a share `p` of `n` users at level 1 − alpha. */
export function wilson(p, n, alpha = 0.05) {
  if (!n || p == null) return null;
  const z = probit(1 - alpha / 2);
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** A comparison of the report (`vs_baseline.METRIC`): the relative lift, or null. */
export function relative(cmp) {
  const r = cmp?.relative;
  return r && typeof r.estimate === 'number' ? r : null;
}

/** Draws a whisker from api.value(lo) to api.value(hi) at a category, with a dot at the estimate. */
function whisker(horizontal, offset = 0) {
  return (params, api) => {
    const cat = api.value(0);
    const at = (v) => {
      const p = api.coord(horizontal ? [v, cat] : [cat, v]);
      return horizontal ? [p[0], p[1] + offset] : [p[0] + offset, p[1]];
    };
    const [lo, est, hi] = [at(api.value(1)), at(api.value(2)), at(api.value(3))];
    const cap = 5;
    const style = { stroke: api.visual('color'), lineWidth: 2 };
    const line = (x1, y1, x2, y2) => ({ type: 'line', shape: { x1, y1, x2, y2 }, style });
    const children = horizontal
      ? [line(lo[0], lo[1], hi[0], hi[1]), line(lo[0], lo[1] - cap, lo[0], lo[1] + cap), line(hi[0], hi[1] - cap, hi[0], hi[1] + cap)]
      : [line(lo[0], lo[1], hi[0], hi[1]), line(lo[0] - cap, lo[1], lo[0] + cap, lo[1]), line(hi[0] - cap, hi[1], hi[0] + cap, hi[1])];
    if (horizontal) children.push({ type: 'circle', shape: { cx: est[0], cy: est[1], r: 4 }, style: { fill: api.visual('color') } });
    return { type: 'group', children };
  };
}

/**
 * Left: each arm's conversion with its interval. Right: each arm's lift over the baseline
 * (conversion and GMV per user, relative) with the report's interval.
 */
export function reportOption(report) {
  const alpha = report.method?.alpha ?? 0.05;
  const level = `${Math.round((1 - alpha) * 100)}%`;
  const arms = report.arms ?? [];
  const names = arms.map((a) => a.arm);
  const conv = arms.map((a, i) => {
    const ci = wilson(a.conversion, a.users, alpha) ?? [a.conversion ?? 0, a.conversion ?? 0];
    return [i, ci[0], a.conversion ?? 0, ci[1]];
  });
  const others = arms.filter((a) => a.arm !== report.baseline);
  const lift = (metric) => others.flatMap((a, i) => {
    const r = relative(a.vs_baseline?.[metric]);
    return r ? [[i, r.ci[0], r.estimate, r.ci[1]]] : [];
  });
  const fmtRow = (metric) => (p) => {
    const [i, lo, est, hi] = p.value;
    return `${others[i]?.arm ?? names[i]} · ${metric}: ${signedPct(est)} [${signedPct(lo)}, ${signedPct(hi)}]`;
  };
  return {
    animation: false,
    color: PALETTE,
    title: [
      { text: t('report.conversion', { level }), left: '2%', top: 0, textStyle: { fontSize: 13 } },
      { text: t('report.lift', { baseline: report.baseline, level }), left: '52%', top: 0, textStyle: { fontSize: 13 } },
    ],
    tooltip: { trigger: 'item' },
    legend: { data: [t('report.lift_conversion'), t('report.lift_gmv')], right: 8, top: 24 },
    grid: [
      { left: '6%', width: '40%', top: 56, bottom: 36 },
      { left: '60%', right: '4%', top: 56, bottom: 36 },
    ],
    xAxis: [
      { gridIndex: 0, type: 'category', data: names },
      { gridIndex: 1, type: 'value', axisLabel: { formatter: (v) => signedPct(v, 0) } },
    ],
    yAxis: [
      { gridIndex: 0, type: 'value', min: 0, axisLabel: { formatter: (v) => pct(v, 0) } },
      { gridIndex: 1, type: 'category', data: others.map((a) => a.arm), inverse: true },
    ],
    series: [
      {
        name: t('report.conv'), type: 'bar', xAxisIndex: 0, yAxisIndex: 0, barMaxWidth: 48,
        data: arms.map((a, i) => ({ value: a.conversion ?? 0, itemStyle: { color: a.arm === report.baseline ? '#94a3b8' : PALETTE[i % PALETTE.length] } })),
        tooltip: { valueFormatter: (v) => pct(v) },
        label: { show: true, position: 'insideBottom', formatter: (p) => pct(p.value), color: '#fff' },
      },
      {
        name: `${t('report.conv')} CI`, type: 'custom', xAxisIndex: 0, yAxisIndex: 0, z: 10,
        renderItem: whisker(false), color: '#111827', encode: { x: 0, y: [1, 2, 3] }, data: conv,
        tooltip: { formatter: (p) => `${names[p.value[0]]}: ${pct(p.value[2])} [${pct(p.value[1])}, ${pct(p.value[3])}]` },
      },
      {
        name: t('report.lift_conversion'), type: 'custom', xAxisIndex: 1, yAxisIndex: 1,
        renderItem: whisker(true, -8), color: PALETTE[0], encode: { x: [1, 2, 3], y: 0 },
        data: lift('conversion'), tooltip: { formatter: fmtRow(t('report.lift_conversion')) },
        markLine: { silent: true, symbol: 'none', lineStyle: { color: '#475569', type: 'dashed' }, data: [{ xAxis: 0 }], label: { show: false } },
      },
      {
        name: t('report.lift_gmv'), type: 'custom', xAxisIndex: 1, yAxisIndex: 1,
        renderItem: whisker(true, 8), color: PALETTE[2], encode: { x: [1, 2, 3], y: 0 },
        data: lift('gmv_per_user'), tooltip: { formatter: fmtRow(t('report.lift_gmv')) },
      },
    ],
  };
}
