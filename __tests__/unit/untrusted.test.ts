import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHtml } from '../../src/report/escape';
import { serviceDiagram } from '../../src/report/mermaid';
import { buildTargetResult } from '../../src/report/target-result';
import { outputsOf } from '../../src/report/outputs';
import { consoleReport } from '../../src/report/console';
import { buildSelfTestResult } from '../../src/report/self-test-result';
import { renderSummary } from '../../src/report/summary';
import { parseConfig } from '../../src/config';
import { verifyPropagation } from '../../src/verify/header-checks/requests';
import { brokenHop, input, request } from '../helpers/spans';
import { inert, inertName, jsonLogLine, NAME_MAX_CHARS } from '../../src/report/untrusted';
import { headingsOf, renderGfm } from '../helpers/gfm';
import {
  ALL_HOSTILE,
  HOSTILE_MARKDOWN,
  HOSTILE_SERVICE,
  HOSTILE_SPAN_NAME,
  injectedCommands,
} from '../helpers/hostile-text';
import { PROBE_SPAN, probeSpan, targetOutcome } from '../helpers/target-outcome';

/** Anything a log line or an HTML block must not carry once made inert. */
const UNSAFE_LEFT =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]|##\[/u;

describe('inert: received text cannot start a line, hide itself or grow without bound', () => {
  test('line breaks and control characters are shown escaped', () => {
    assert.equal(inert(HOSTILE_SPAN_NAME), 'GET /\\n::add-mask::x');
    assert.equal(inert('a\r\nb\tc\u0000d\u001be\u007ff'), 'a\\r\\nb\\tc\\x00d\\x1be\\x7ff');
    assert.equal(inert('nel\u0085c1\u009b'), 'nel\\x85c1\\x9b');
  });
  test('bidi overrides, separators, zero-width characters and lone surrogates are shown', () => {
    assert.equal(
      inert('a\u202eb\u2028c\u2029d\u200be\ufefff\u2066g'),
      'a\\u{202e}b\\u{2028}c\\u{2029}d\\u{200b}e\\u{feff}f\\u{2066}g',
    );
    assert.equal(inert('lone \ud800 high'), 'lone \\u{d800} high');
  });
  test('the old `##[command]` form is broken wherever it is', () => {
    assert.equal(inert('x ##[add-mask]y ###[error]z'), 'x ##\\x5badd-mask]y ###\\x5berror]z');
  });
  test('ordinary text, emoji and other scripts pass unchanged', () => {
    for (const text of ['GET /api/v1/users/{id}', 'café ✅ 日本語 🔥', 'a%0Ab', 'C:\\path']) {
      assert.equal(inert(text), text);
    }
  });
  test('long text is cut to the cap, ending with an ellipsis, never mid surrogate pair', () => {
    const cut = inertName('x'.repeat(10_000));
    assert.equal(cut.length, NAME_MAX_CHARS);
    assert.ok(cut.endsWith('…'));
    const emoji = inert('🔥'.repeat(100), 10);
    assert.ok(emoji.length <= 10);
    assert.doesNotMatch(emoji, /\p{Cs}/u, 'no half of a pair left behind');
    // Escapes count against the cap too: 10,000 line breaks do not make 20,000 characters.
    assert.equal(inertName('\n'.repeat(10_000)).length, NAME_MAX_CHARS);
  });
  test('the output is a fixed point and carries nothing unsafe', () => {
    const samples = [
      ...ALL_HOSTILE,
      '\n'.repeat(500),
      '🔥\u202e'.repeat(300),
      '##['.repeat(100),
      'x'.repeat(199) + '🔥',
    ];
    for (const text of samples) {
      for (const max of [10, NAME_MAX_CHARS, 2000, Infinity]) {
        const once = inert(text, max);
        assert.equal(inert(once, max), once, JSON.stringify(text));
        assert.doesNotMatch(once, UNSAFE_LEFT, JSON.stringify(text));
        assert.ok(once.length <= max);
      }
    }
  });
});

describe('jsonLogLine: a raw span logged as JSON', () => {
  test('stays valid JSON of the same value, with nothing a runner would act on', () => {
    const span = { name: `${HOSTILE_SPAN_NAME} ##[add-mask]y \u2028 \u0085 \u202e`, n: 1 };
    const line = jsonLogLine(span);
    assert.deepEqual(JSON.parse(line), span);
    assert.doesNotMatch(line, UNSAFE_LEFT);
    assert.deepEqual(injectedCommands(line), []);
  });
});

describe('escapeHtml: text inside the summary HTML', () => {
  test('line breaks become entities, so a blank line cannot end the HTML block', () => {
    assert.equal(escapeHtml('a\n\nb\r\n'), 'a&#10;&#10;b&#13;&#10;');
  });
  test('markdown that GFM would act on outside a block is inert too', () => {
    const text = `${HOSTILE_MARKDOWN} www.evil.example mail@evil.example *em* _em_ ~~del~~`;
    const html = renderGfm(escapeHtml(text.replace(/\n/g, ' ')));
    assert.doesNotMatch(html, /<img|<a |<h[1-6]|<em>|<strong>|<s>|<del>/);
    assert.equal(escapeHtml('*_~[]\\#'), '&#42;&#95;&#126;&#91;&#93;&#92;&#35;');
  });
});

describe('mermaid labels cannot leave their quotes or the block', () => {
  test('hostile service names and calls', () => {
    const diagram = serviceDiagram([
      {
        from: HOSTILE_SERVICE,
        to: '```\n%%{init: {"theme":"dark"}}%%',
        call: 'a"] --> b',
        broken: true,
      },
    ]);
    const lines = diagram.split('\n');
    assert.equal(lines.length, 6, 'flowchart, two nodes, one edge, classDef, class');
    assert.doesNotMatch(diagram, /`|%%|\n[^ ]/);
    for (const line of lines.slice(1)) assert.match(line, /^ {2}(n\d|classDef|class )/);
  });
});

/** Every string of a model, wherever it is. */
function stringsOf(model: object): string[] {
  const strings: string[] = [];
  JSON.stringify(model, (_key, value: unknown) => {
    if (typeof value === 'string') strings.push(value);
    return value;
  });
  return strings;
}

describe('self-test report from a hostile header and span names', () => {
  // What the callee received and the spans' names are network data even in the built-in chain.
  const { spans, hop } = brokenHop({ traceparent: `${HOSTILE_SPAN_NAME} ${HOSTILE_MARKDOWN}` });
  const hostileSpans = spans.map((s) => ({ ...s, name: `${s.name} ${HOSTILE_MARKDOWN}` }));
  const verification = verifyPropagation(input([request(hop)], hostileSpans));
  const services = ['service-a', 'service-b'].map((name, index) => ({
    name,
    port: 4001 + index,
    url: `http://127.0.0.1:${4001 + index}/`,
  }));
  const config = parseConfig(() => '');
  const result = buildSelfTestResult({ config, services, probes: [], spans: [], verification });

  test('the model holds the header and names, made inert', () => {
    assert.equal(result.traceparent_header, inert(`${HOSTILE_SPAN_NAME} ${HOSTILE_MARKDOWN}`));
    for (const text of stringsOf(result)) assert.doesNotMatch(text, UNSAFE_LEFT, text);
  });
  test('console, outputs and summary carry no command, no line break, no markup', () => {
    assert.deepEqual(injectedCommands(consoleReport(result)), []);
    for (const [name, value] of Object.entries(outputsOf(result))) {
      assert.doesNotMatch(value, /[\r\n]|##\[/, name);
    }
    const html = renderGfm(renderSummary(result, verification));
    assert.doesNotMatch(html, /<img|<a |href=/);
    assert.deepEqual(
      headingsOf(html).map((h) => h.replace(/:.*/, '')),
      ['❌ Trace context broken', 'Failed checks', 'Hops', 'Requests'],
    );
  });
});

/** A broken chain whose every name is hostile: each hostile string is a service or a span name. */
function hostileOutcome(): ReturnType<typeof targetOutcome> {
  const spans = ALL_HOSTILE.flatMap((text, index) => {
    const id = (n: number): string => `${index + 1}`.padStart(15, '0') + n;
    return [
      probeSpan(text, text, id(1), index === 0 ? PROBE_SPAN : undefined),
      probeSpan(text, `${text} call`, id(2), id(1), 'client'),
    ];
  });
  return targetOutcome(spans, {
    expectServices: ['checkout'],
    status: 500,
    error: `bad answer: ${HOSTILE_MARKDOWN}`,
    note: `waited for ${HOSTILE_SERVICE}`,
  });
}

describe('target mode report from hostile spans', () => {
  const result = buildTargetResult(hostileOutcome());

  test('the hostile names reach the model, made inert', () => {
    assert.equal(result.verdict, 'fail');
    assert.ok(result.services_seen.includes(inertName(HOSTILE_SERVICE)));
    assert.ok(result.spans.some((s) => s.name === inertName(HOSTILE_SPAN_NAME)));
    assert.doesNotMatch(JSON.stringify(result), /\\n\\n|##\[|\\u2028|\\u202e/);
    for (const text of stringsOf(result)) assert.doesNotMatch(text, UNSAFE_LEFT, text);
  });

  test('the console report: one line per line the action wrote, no command', () => {
    const report = consoleReport(result);
    assert.deepEqual(injectedCommands(report), []);
    for (const line of report.split('\n')) {
      assert.match(
        line,
        /^(PASS|FAIL|receiver|probes|sample probe|left out of the result output| {2}[!✓✗] | {6}(expected|observed) )/,
      );
    }
  });

  test('the outputs: one line each except `result`, which is one JSON line', () => {
    const outputs = outputsOf(result);
    for (const [name, value] of Object.entries(outputs)) {
      assert.doesNotMatch(value, /[\r\n]/, name);
      assert.doesNotMatch(value, /##\[/, name);
    }
    assert.deepEqual(JSON.parse(outputs.result!), result);
  });

  test('the summary, rendered as GitHub does: only the action’s headings, no image, no link', () => {
    const markdown = renderSummary(result);
    const html = renderGfm(markdown);
    assert.doesNotMatch(html, /<img|<a |evil\.example\/x"|href=/);
    assert.deepEqual(
      headingsOf(html).map((h) => h.replace(/ behind .*/, '')),
      ['❌ Trace context broken', 'Findings', 'Probes'],
    );
    // The hostile heading is there, as text.
    assert.match(html, /&#35;&#35; ✅ All checks passed/);
  });
});
