#!/usr/bin/env node
/**
 * Renders job summaries the way GitHub shows them and measures what a reader sees: each summary
 * (markdown with HTML, mermaid diagrams) is turned into a page with GitHub's markdown column
 * (946 px), its table and code styles, and mermaid's own browser bundle; headless Chromium lays
 * it out and this script prints, per diagram, its drawn size and the size its 16 px labels are
 * drawn at (mermaid scales a diagram down to the column), and per table whether it fits the
 * column or scrolls (GitHub's tables scroll sideways, hiding the columns past the edge).
 * A screenshot of each page is written next to the summary.
 *
 *   node scripts/render-summary.mjs summary.md [more.md ...]   (CHROMIUM=/path to choose the browser)
 *
 * A manual check, not part of `npm test`: it needs Chromium (`apt-get install chromium`).
 * Exits 1 when a diagram fails to render, when a label is drawn under MIN_LABEL_PX or when a table
 * does not fit the column.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import MarkdownIt from 'markdown-it';

/** GitHub's markdown column on a wide screen (the job summary page), in px. */
const COLUMN_PX = 946;
/** The smallest label size counted as readable: GitHub's own small print is 12 px. */
const MIN_LABEL_PX = 10;
/** mermaid's default label font size, in px, before the diagram is scaled to the column. */
const MERMAID_FONT_PX = 16;
/** Bound on Chromium's layout of one page (virtual time, so a busy machine does not cut it short). */
const RENDER_BUDGET_MS = 20_000;

const REPO = resolve(dirname(new URL(import.meta.url).pathname), '..');
const MERMAID = join(REPO, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');
const CHROMIUM = process.env.CHROMIUM || 'chromium';

// GitHub's markdown styles that decide widths (github-markdown-css, light theme): the body font
// and size, tables shrink-wrapped up to the column and scrolling past it, cell padding, code font.
const STYLE = `
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; width: ${COLUMN_PX}px; padding: 0; color: #1f2328;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  font-size: 14px; line-height: 1.5; word-wrap: break-word; }
.markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto;
  border-spacing: 0; border-collapse: collapse; }
.markdown-body td, .markdown-body th { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body code { padding: .2em .4em; font-size: 85%; white-space: break-spaces;
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
.markdown-body pre.mermaid { background: none; }
`;

// Runs in the page: renders the diagrams, then writes what it measured into #measured.
const MEASURE = `
// A reader opens the folded sections to read them: measure them open.
for (const details of document.querySelectorAll('details')) details.open = true;
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
mermaid.run({ querySelector: 'pre.mermaid' }).then(
  () => report(undefined),
  (error) => report(String(error && error.message || error)),
);
function report(error) {
  const diagrams = [...document.querySelectorAll('pre.mermaid svg')].map((svg) => {
    const box = svg.getBoundingClientRect();
    const view = svg.viewBox.baseVal;
    const scale = view && view.width ? box.width / view.width : 1;
    return { width: Math.round(box.width), height: Math.round(box.height),
      labelPx: +(${MERMAID_FONT_PX} * scale).toFixed(1) };
  });
  const tables = [...document.querySelectorAll('.markdown-body table')].map((table) => ({
    heading: (table.previousElementSibling?.textContent ?? '').trim().slice(0, 60),
    width: table.scrollWidth, visible: table.clientWidth,
  }));
  const out = document.createElement('pre');
  out.id = 'measured';
  out.style.display = 'none';
  out.textContent = JSON.stringify({ error, diagrams, tables,
    height: document.body.scrollHeight });
  document.body.append(out);
}
`;

function page(markdownText) {
  const html = new MarkdownIt({ html: true })
    .render(markdownText)
    // markdown-it writes a fence as <pre><code class="language-mermaid">; mermaid reads <pre class="mermaid">.
    .replace(
      /<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g,
      '<pre class="mermaid">$1</pre>',
    );
  return `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style>
<script src="file://${MERMAID}"></script></head>
<body><article class="markdown-body">${html}</article><script>${MEASURE}</script></body></html>`;
}

function chromium(args) {
  return execFileSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--allow-file-access-from-files',
      `--virtual-time-budget=${RENDER_BUDGET_MS}`,
      ...args,
    ],
    {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
}

function measure(summaryPath) {
  const folder = mkdtempSync(join(tmpdir(), 'render-summary-'));
  const htmlPath = join(folder, 'page.html');
  writeFileSync(htmlPath, page(readFileSync(summaryPath, 'utf8')));
  const dom = chromium([
    `--window-size=${COLUMN_PX + 20},1000`,
    '--dump-dom',
    `file://${htmlPath}`,
  ]);
  const match = /<pre id="measured"[^>]*>([\s\S]*?)<\/pre>/.exec(dom);
  if (!match) throw new Error(`${summaryPath}: the page did not finish rendering`);
  const measured = JSON.parse(
    match[1]
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );
  const screenshot = join(dirname(summaryPath), `${basename(summaryPath, '.md')}.png`);
  chromium([
    `--screenshot=${screenshot}`,
    `--window-size=${COLUMN_PX + 20},${Math.min(measured.height + 20, 16_000)}`,
    `file://${htmlPath}`,
  ]);
  return { ...measured, screenshot };
}

let failed = false;
for (const path of process.argv.slice(2)) {
  const { error, diagrams, tables, screenshot } = measure(path);
  console.log(`${path}  (screenshot: ${screenshot})`);
  if (error) {
    failed = true;
    console.log(`  mermaid error: ${error}`);
  }
  diagrams.forEach((d, i) => {
    const small = d.labelPx < MIN_LABEL_PX;
    failed ||= small;
    console.log(
      `  diagram ${i + 1}: ${d.width} x ${d.height} px, labels at ${d.labelPx} px${small ? '  <- too small' : ''}`,
    );
  });
  for (const t of tables) {
    const wide = t.width > t.visible;
    failed ||= wide;
    console.log(
      `  table "${t.heading}": ${t.width} px${wide ? ` (scrolls: ${t.visible} px visible)` : ''}`,
    );
  }
}
process.exitCode = failed ? 1 : 0;
