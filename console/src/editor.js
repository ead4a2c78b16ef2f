// The rule editor: CodeMirror 6 with the rule language, and the checker's diagnostics as
// lint squiggles (asked for 300 ms after the last keystroke).
import { EditorView, basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { indentWithTab } from '@codemirror/commands';
import { linter, lintGutter } from '@codemirror/lint';
import { mintHighlight, mintLanguage } from './mint-lang.js';

/**
 * The offset in `doc` of a 1-based line and column, columns counting characters
 * (Unicode scalar values, as the checker counts them), not UTF-16 units.
 */
export function offsetOf(doc, line, column) {
  if (!line || line < 1) return 0;
  if (line > doc.lines) return doc.length;
  const l = doc.line(line);
  let off = 0;
  let left = Math.max(0, (column ?? 1) - 1);
  for (const ch of l.text) {
    if (left-- <= 0) break;
    off += ch.length;
  }
  return l.from + off;
}

const SEVERITY = { error: 'error', warning: 'warning', warn: 'warning', info: 'info', hint: 'hint' };

/** A checker diagnostic as a CodeMirror one. */
export function toLint(doc, d) {
  const from = offsetOf(doc, d.line, d.column);
  let to = d.end_line ? offsetOf(doc, d.end_line, d.end_column) : from;
  if (to <= from) to = Math.min(doc.length, from + 1);
  const extra = [d.label, d.help].filter(Boolean).join(' — ');
  return {
    from,
    to,
    severity: SEVERITY[d.severity] ?? 'info',
    source: d.code,
    message: `${d.message}${extra ? ` (${extra})` : ''}`,
  };
}

/**
 * An editor in `parent` holding `text`. `check(text)` answers the checker's result
 * (`{diagnostics: […]}`); `onChecked(result, doc)` sees each one that is still current.
 */
export function createEditor(parent, { text, check, onChecked, onChange }) {
  const source = async (view) => {
    const doc = view.state.doc;
    let result;
    try {
      result = await check(doc.toString());
    } catch (e) {
      onChecked?.(null, doc, e);
      return [];
    }
    if (view.state.doc !== doc) return [];
    onChecked?.(result, doc);
    return (result?.diagnostics ?? []).map((d) => toLint(doc, d));
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        keymap.of([indentWithTab]),
        mintLanguage,
        mintHighlight,
        lintGutter(),
        linter(source, { delay: 300 }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange?.(u.state.doc.toString());
        }),
        EditorView.theme({
          '&': { height: '100%', fontSize: '13px' },
          '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
        }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(t) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } });
    },
    /** Moves the cursor to a 1-based line and column and shows it. */
    goTo(line, column) {
      const pos = offsetOf(view.state.doc, line, column);
      view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
      view.focus();
    },
    destroy: () => view.destroy(),
  };
}
