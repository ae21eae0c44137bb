import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JSDOM, type DomDocument, type DomNode, type DomTable } from 'jsdom';
import MarkdownIt from 'markdown-it';
import type MermaidApi from 'mermaid';
import { runDist } from '../helpers/run-dist';

/**
 * The job summary as GitHub shows it: GitHub-flavoured markdown with HTML, mermaid diagrams in a
 * column about 946 px wide. Each summary is rendered with markdown-it and every diagram is parsed
 * by mermaid's own parser (mermaid needs a DOM: it runs here in jsdom); tables are measured by
 * their widest unbreakable text, which is what pushes a table past the column.
 */

/** GitHub's markdown column on a wide screen, in px. */
const COLUMN_PX = 946;
/** Width of one character: GitHub's body text is about 14 px sans, code about 12 px monospace. */
const TEXT_CHAR_PX = 7.5;
const CODE_CHAR_PX = 7.3;
/** Cell padding and border: 6 px + 13 px each side, plus 1 px. */
const CELL_PADDING_PX = 27;

const dom = new JSDOM('<!doctype html><html><body></body></html>');
let mermaid: typeof MermaidApi;

before(async () => {
  // DOMPurify, which mermaid loads, looks for a window when it is first imported.
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  mermaid = (await import('mermaid')).default;
});
after(() => dom.window.close());

const markdown = new MarkdownIt({ html: true });

/** The mermaid blocks of a summary, as markdown-it reads them. */
function mermaidBlocks(summary: string): string[] {
  return markdown
    .parse(summary, {})
    .filter((token) => token.type === 'fence' && token.info.trim() === 'mermaid')
    .map((token) => token.content);
}

/** The narrowest a table can be: per column its widest word (code and text widths apart). */
function minTableWidth(table: DomTable): number {
  const columns: number[] = [];
  for (const row of table.rows) {
    [...row.cells].forEach((cell, index) => {
      let widest = 0;
      const walk = (node: DomNode, code: boolean): void => {
        if (node.nodeType === node.TEXT_NODE) {
          for (const word of (node.textContent ?? '').split(/\s+/)) {
            widest = Math.max(widest, word.length * (code ? CODE_CHAR_PX : TEXT_CHAR_PX));
          }
        }
        for (const child of node.childNodes) walk(child, code || child.nodeName === 'CODE');
      };
      walk(cell, false);
      columns[index] = Math.max(columns[index] ?? 0, widest + CELL_PADDING_PX);
    });
  }
  return columns.reduce((sum, width) => sum + width, 0);
}

interface Rendered {
  summary: string;
  html: DomDocument;
  diagrams: string[];
}

async function render(inputs: Record<string, string>): Promise<Rendered> {
  const run = await runDist({ inputs, killAfterMs: 660_000 });
  assert.equal(run.signal, null);
  assert.ok(run.summary.length > 0, `no summary: ${run.stderr}`);
  const html = new JSDOM(markdown.render(run.summary)).window.document;
  return { summary: run.summary, html, diagrams: mermaidBlocks(run.summary) };
}

async function assertReadable(rendered: Rendered): Promise<void> {
  assert.ok(rendered.diagrams.length >= 1, 'the chain diagram is there');
  for (const diagram of rendered.diagrams) {
    await assert.doesNotReject(mermaid.parse(diagram), `mermaid cannot parse:\n${diagram}`);
    const direction = /^flowchart (LR|TB)/.exec(diagram)?.[1];
    // More than 4 nodes in a row, or more than 2 subgraphs side by side, shrink to unreadable
    // (measured in Chromium with scripts/render-summary.mjs: the probe and 5 services in a row
    // drew 16 px labels at 9.9 px).
    const nodes = diagram.split('\n').filter((line) => /^ {2}(n|f|probe)\w*[[(]/.test(line)).length;
    if (direction === 'LR') assert.ok(nodes <= 4, `${nodes} nodes in a row:\n${diagram}`);
    const subgraphs = diagram.split('\n').filter((line) => line.startsWith('  subgraph')).length;
    if (direction === 'LR') assert.ok(subgraphs <= 2, `${subgraphs} services side by side`);
  }
  for (const table of rendered.html.querySelectorAll('table')) {
    const width = minTableWidth(table);
    const head = table.rows[0]?.textContent ?? '';
    assert.ok(width <= COLUMN_PX, `table "${head}" needs ${Math.round(width)} px`);
  }
}

describe('the job summary at size, rendered', { concurrency: true }, () => {
  test('a pass', async () => {
    const rendered = await render({});
    await assertReadable(rendered);
    assert.equal(rendered.diagrams.length, 2, 'the chain and the trace');
  });

  test('a 5-hop chain broken at hop 3', async () => {
    const rendered = await render({ hops: '5', fault: 'strip-header', 'fault-hop': '3' });
    await assertReadable(rendered);
    const [chain] = rendered.diagrams;
    assert.match(chain!, /n2 -\. "hop 3: context lost" \.-> n3/);
    const hops = [...rendered.html.querySelectorAll('table')].find((t) =>
      t.rows[0]?.textContent?.startsWith('Requests'),
    );
    assert.ok(hops, 'a hop table with its counts first');
    assert.match(hops.rows[3]!.cells[0]!.textContent ?? '', /^❌ 0\/1$/);
  });

  test('16 hops, 200 requests, broken at hop 9: folded diagrams, cut lists say so', async () => {
    const rendered = await render({
      hops: '16',
      requests: '200',
      concurrency: '20',
      fault: 'strip-header',
      'fault-hop': '9',
      // 3,200 calls: generous on a shared machine; the verdict, not the time, is under test.
      timeout: '600',
    });
    await assertReadable(rendered);
    const [chain, trace] = rendered.diagrams;
    assert.match(chain!, /n8 -\. "hop 9: context lost in 200\/200" \.-> n9/);
    assert.match(chain!, /service-b #8230; service-h: 7 services<br\/>hops 1-8 held/);
    assert.match(trace ?? '', /services with \d+ spans not drawn/);
    assert.match(rendered.summary, /Failed requests \(200; the first 50 listed\)/);
    assert.match(rendered.summary, /… 150 more failed requests not listed/);
  });
});
