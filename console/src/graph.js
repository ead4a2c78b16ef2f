// The evaluation graph, drawn with Mermaid. Mermaid is large, so it is loaded (as its own
// chunks) the first time a graph is drawn.
let mermaidPromise = null;
let counter = 0;

function loadMermaid() {
  mermaidPromise ??= import('mermaid').then(({ default: mermaid }) => {
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: 'neutral',
      flowchart: { useMaxWidth: false, htmlLabels: false },
    });
    return mermaid;
  });
  return mermaidPromise;
}

/** Draws the Mermaid text `source` into `el` (an SVG); a bad graph shows its source. */
export async function drawGraph(el, source) {
  if (!source || !source.trim()) {
    el.replaceChildren();
    return;
  }
  const mermaid = await loadMermaid();
  const id = `mintage-graph-${++counter}`;
  try {
    const { svg } = await mermaid.render(id, source);
    el.innerHTML = svg;
    el.dataset.drawn = 'true';
  } catch (e) {
    document.getElementById(id)?.remove();
    const pre = document.createElement('pre');
    pre.className = 'error';
    pre.textContent = `${e.message ?? e}\n\n${source}`;
    el.replaceChildren(pre);
    el.dataset.drawn = 'false';
  }
}
