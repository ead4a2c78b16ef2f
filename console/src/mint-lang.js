// The rule language (`*.mint`) for CodeMirror: a stream tokenizer for colouring.
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { Tag, tags } from '@lezer/highlight';

const KEYWORDS = new Set(`
  campaign rule on when give once per window budget audience experiment arm segment model
  risk check withhold test expect event user users tick field function let if then else and
  or not in within where by seed measure holds out random offer batch funding platform seller
  priority exclusive with cancel timers wait unless revoke as valid until end for cap
  min_spend spend get off worth maximize cost gain response from price lambda at most times
  coupon coupons nothing suppressed revoked alert alerts pace evenly stackable funded to
  between day days hour week month weekdays weekends run profile face value expected of one
  inviter invitee sale items
`.trim().split(/\s+/));

const OFFERS = new Set(['amount_off', 'percent_off', 'threshold', 'gift', 'perk', 'free_shipping']);
const ATOMS = new Set(['true', 'false', 'null']);

export const mintTags = {
  money: Tag.define(tags.number),
  duration: Tag.define(tags.unit),
  percent: Tag.define(tags.number),
  date: Tag.define(tags.literal),
  offer: Tag.define(tags.typeName),
};

const DURATION = /^\d+[smhdw](?:\d+[smhdw])*(?![\w])/;
const DATE = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?/;

export const mintLanguage = StreamLanguage.define({
  name: 'mint',
  startState: () => ({ afterDot: false }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    const afterDot = state.afterDot;
    state.afterDot = false;
    if (stream.peek() === '#') {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.peek() === '"') {
      stream.next();
      let escaped = false;
      for (let ch = stream.next(); ch != null; ch = stream.next()) {
        if (ch === '"' && !escaped) break;
        escaped = !escaped && ch === '\\';
      }
      return 'string';
    }
    if (stream.match(/^¥\s?\d[\d_]*(?:\.\d+)?/)) return 'money';
    if (stream.match(DATE)) return 'date';
    if (stream.match(/^\d{2}:\d{2}(?::\d{2})?(?![\w])/)) return 'date';
    if (stream.match(/^\d[\d_]*(?:\.\d+)?%/)) return 'percent';
    if (stream.match(DURATION)) return 'duration';
    if (stream.match(/^\d[\d_]*(?:\.\d+)?\s?(?:CNY|元)/)) return 'money';
    if (stream.match(/^\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?/)) return 'number';
    const word = stream.match(/^[A-Za-z_][\w]*/);
    if (word) {
      const w = word[0];
      if (stream.peek() === '.') {
        state.afterDot = true;
        return 'variableName';
      }
      if (afterDot) return 'propertyName';
      if (ATOMS.has(w)) return 'atom';
      if (OFFERS.has(w)) return 'offer';
      if (KEYWORDS.has(w)) return 'keyword';
      if (stream.peek() === '(') return 'function';
      return 'name';
    }
    if (stream.eat('.')) {
      if (stream.eat('.')) return 'operator';
      state.afterDot = true;
      return 'punctuation';
    }
    if (stream.match(/^(?:==|!=|>=|<=|[<>+\-*/=])/)) return 'operator';
    if (stream.match(/^[{}[\](),:]/)) return 'punctuation';
    stream.next();
    return null;
  },
  tokenTable: {
    money: mintTags.money,
    duration: mintTags.duration,
    percent: mintTags.percent,
    date: mintTags.date,
    offer: mintTags.offer,
    function: tags.function(tags.variableName),
    name: tags.name,
  },
  languageData: { commentTokens: { line: '#' } },
});

export const mintHighlight = syntaxHighlighting(HighlightStyle.define([
  { tag: tags.keyword, color: '#7c3aed', fontWeight: '600' },
  { tag: tags.comment, color: '#6b7280', fontStyle: 'italic' },
  { tag: tags.string, color: '#047857' },
  { tag: mintTags.money, color: '#b45309', fontWeight: '600' },
  { tag: mintTags.percent, color: '#c2410c' },
  { tag: mintTags.duration, color: '#0e7490' },
  { tag: mintTags.date, color: '#0369a1' },
  { tag: mintTags.offer, color: '#be185d' },
  { tag: tags.number, color: '#b45309' },
  { tag: tags.atom, color: '#9333ea' },
  { tag: tags.variableName, color: '#1d4ed8' },
  { tag: tags.propertyName, color: '#2563eb' },
  { tag: tags.function(tags.variableName), color: '#0f766e' },
  { tag: tags.operator, color: '#475569' },
]));
