import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeOtlpJson } from '../helpers/otlp-json';
import { junitNoVerdict } from '../../src/report/junit';
import { otlpJson } from '../../src/report/otlp-json';
import { escapeXml } from '../../src/report/xml';
import type { SpanRecord } from '../../src/verify/types';

/** Text a service under test could send: markup, quotes, line breaks, characters XML 1.0 lacks. */
const HOSTILE =
  'GET /</failure><testcase name="x"/>&amp;\n::error::pwned\u0000\u0007\u001b[31m "\'\ud800 \uffff';

describe('escapeXml', () => {
  test('hostile text stays one attribute value and one text node, and reads back', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<r a="${escapeXml(HOSTILE)}">${escapeXml(HOSTILE)}</r>`;
    assert.equal(XMLValidator.validate(xml), true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      processEntities: true,
      htmlEntities: true,
    }).parse(xml) as { r: { '@_a': string; '#text': string } };
    const shown =
      'GET /</failure><testcase name="x"/>&amp;\n::error::pwned\\u0000\\u0007\\u001b[31m "\'\\ud800 \\uffff';
    assert.equal(parsed.r['@_a'], shown);
    assert.equal(parsed.r['#text'], shown);
  });

  test('a valid surrogate pair (an emoji) is kept', () => {
    assert.equal(escapeXml('✅ 😀'), '✅ 😀');
  });

  test('a JUnit report without a verdict is valid XML whatever the message', () => {
    assert.equal(XMLValidator.validate(junitNoVerdict(HOSTILE, 1.5)), true);
  });
});

describe('otlpJson', () => {
  const spans: SpanRecord[] = [
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: undefined,
      parentIsRemote: undefined,
      name: HOSTILE,
      kind: 'server',
      service: 'entry\n::error::x',
      startTimeMs: 1_700_000_000_123.5,
      endTimeMs: 1_700_000_000_223.5,
      attributes: { 'http.route': '/a', 'http.status_code': 200, ratio: 0.5, ok: true },
      sampled: true,
    },
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'b7ad6b7169203331',
      parentIsRemote: true,
      name: 'GET',
      kind: 'client',
      service: 'payment',
      startTimeMs: 1_700_000_000_130,
      endTimeMs: 1_700_000_000_140.25,
      attributes: {},
      sampled: false,
    },
  ];

  test('round-trips through the receiver decoder: same records, ids, kinds, flags and times', () => {
    const conversion = decodeOtlpJson(Buffer.from(otlpJson(spans)));
    assert.deepEqual(conversion.rejected, []);
    const back = conversion.spans.sort((a, b) => a.startTimeMs - b.startTimeMs);
    assert.equal(back.length, spans.length);
    for (const [index, record] of back.entries()) {
      const original = spans[index]!;
      assert.deepEqual(
        { ...record, startTimeMs: 0, endTimeMs: 0 },
        { ...original, startTimeMs: 0, endTimeMs: 0 },
      );
      assert.ok(Math.abs(record.startTimeMs - original.startTimeMs) < 1e-6);
      assert.ok(Math.abs(record.endTimeMs - original.endTimeMs) < 1e-6);
    }
  });

  test('the OTLP/JSON shape: resourceSpans > scopeSpans > spans, string nanos, integer kinds', () => {
    const request = JSON.parse(otlpJson(spans)) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue: string } }[] };
        scopeSpans: { spans: Record<string, unknown>[] }[];
      }[];
    };
    assert.equal(request.resourceSpans.length, 2, 'one resource per service');
    const server = request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(server['kind'], 2);
    assert.equal(server['startTimeUnixNano'], '1700000000123500000');
    assert.equal(server['parentSpanId'], undefined);
    const client = request.resourceSpans[1]!.scopeSpans[0]!.spans[0]!;
    assert.equal(client['kind'], 3);
    assert.equal(client['flags'], 0x300);
  });
});
