// Numbers, money, percentages and times as the console shows them.
import { lang } from './i18n.js';

const locale = () => (lang() === 'zh' ? 'zh-CN' : 'en-GB');

export function int(n) {
  return n == null ? '—' : Number(n).toLocaleString(locale());
}

/** Yuan, with up to two decimals: ¥1,234.5 → "¥1,234.50", ¥30 → "¥30". */
export function money(n) {
  if (n == null) return '—';
  const v = Number(n);
  const digits = Number.isInteger(v) ? 0 : 2;
  return `¥${v.toLocaleString(locale(), { minimumFractionDigits: digits, maximumFractionDigits: 2 })}`;
}

/** A share (0.25) as a percentage ("25.0%"). */
export function pct(x, digits = 1) {
  if (x == null || Number.isNaN(x)) return '—';
  return `${(x * 100).toFixed(digits)}%`;
}

/** A signed share (+12.3%). */
export function signedPct(x, digits = 1) {
  if (x == null) return '—';
  const s = (x * 100).toFixed(digits);
  return `${x > 0 ? '+' : ''}${s}%`;
}

function parts(iso, zone, opts) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone || undefined, hourCycle: 'h23', ...opts });
  return Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
}

/** "2026-11-02 10:00" in the zone given (the browser's when none). */
export function dateTime(iso, zone) {
  const p = parts(iso, zone, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : String(iso ?? '—');
}

/** "11-02 10:00" in the zone given. */
export function shortDateTime(iso, zone) {
  const p = parts(iso, zone, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return p ? `${p.month}-${p.day} ${p.hour}:${p.minute}` : String(iso ?? '—');
}

/** "HH:MM:SS" of a Date, in the browser's zone. */
export function clock(d = new Date()) {
  return d.toTimeString().slice(0, 8);
}
