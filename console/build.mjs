// Builds the console into dist/: app.js (ES modules, split so that Mermaid loads only
// when a graph is drawn), app.css and index.html. `node build.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';

const watch = process.argv.includes('--watch');
const outdir = 'dist';

// The folder and its README are in the repository (build.rs watches the folder, which
// must exist); everything else in it is built.
const README = `The console as built by \`npm run build\` (see ../README.md). Only this file is in
the repository; \`cargo build\` embeds whatever else is here.
`;

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
await writeFile(`${outdir}/README.md`, README);
await copyFile('src/index.html', `${outdir}/index.html`);

const options = {
  entryPoints: [
    { in: 'src/main.js', out: 'app' },
    { in: 'src/app.css', out: 'app' },
  ],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2020'],
  minify: !watch,
  sourcemap: watch ? 'inline' : false,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  assetNames: 'asset-[hash]',
  logLevel: 'warning',
  metafile: true,
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  const outputs = Object.entries(result.metafile.outputs);
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
  for (const [file, o] of outputs) {
    if (!file.includes('chunk-')) console.log(`${file.padEnd(24)} ${kib(o.bytes)}`);
  }
  // What a page loads: the entry and every chunk it imports statically, transitively.
  const closure = (file, seen = new Set()) => {
    if (seen.has(file)) return seen;
    seen.add(file);
    for (const i of result.metafile.outputs[file]?.imports ?? []) {
      if (i.kind === 'import-statement') closure(i.path, seen);
    }
    return seen;
  };
  const size = (files) => [...files].reduce((n, f) => n + (result.metafile.outputs[f]?.bytes ?? 0), 0);
  const first = closure(`${outdir}/app.js`);
  console.log(`first load (app.js and its chunks): ${kib(size(first))}`);
  for (const [file, o] of outputs) {
    const page = o.entryPoint?.match(/src\/pages\/(\w+)\.js$/)?.[1] ?? (/mermaid\/dist\/mermaid[.\w]*\.mjs$/.test(o.entryPoint ?? '') ? 'mermaid' : null);
    if (page && file.includes('chunk-')) {
      const extra = [...closure(file)].filter((f) => !first.has(f));
      console.log(`  + ${page.padEnd(12)} ${kib(size(extra))} more when first opened`);
    }
  }
  console.log(`${outputs.length + 1} files, ${kib(total)} in ${outdir}/`);
}
