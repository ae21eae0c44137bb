// Differential test of the byte-level OTLP/JSON reader: randomized OTLP/JSON bodies, written by a
// serializer of its own (random whitespace, key order, escapes incl. \uXXXX and surrogates, unknown
// fields, keys given twice, nulls, times and ints as strings or numbers, nested arrays and kvlists,
// the odd wrong type), are read both by the receiver's reader (`jsonSourceNow`, the
// receiver's `jsonSource` without its pauses) and by `JSON.parse` +
// the generic conversion (`parsedJsonSource`). Every stored span (every field the verifier reads),
// every rejection, and every error message must agree. The reader's one pass reads spans while it
// validates them, up to a limit (the store's room), and the rest later from their bounds: bodies
// are also read with a small random limit, so both ways and their seam are compared.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { READ_IN_PASS_MAX, jsonSource, jsonSourceNow } from '../../src/receiver/decode-json';
import { parsedJsonSource } from '../../src/receiver/decode-json-parsed';
import { scanJson } from '../../src/receiver/json-span-bounds';
import type { SpanSource } from '../../src/receiver/ingest';
import { SpanBatch } from '../../src/receiver/span-batch';
import { seededRandom } from '../helpers/seeded-random';

const REQUESTS = Number(process.env['DIFFERENTIAL_REQUESTS'] ?? 400);
const SEED = Number(process.env['DIFFERENTIAL_SEED'] ?? 12);

const { random, int, chance, pick } = seededRandom(SEED);

// ---- A JSON model that can say what JSON.stringify cannot: duplicate keys, raw number text. ----

/** An object as written: members in order, duplicates allowed. */
class Obj {
  constructor(readonly members: [string, Json][]) {}
}
/** A number written exactly as given (e.g. a 19-digit integer, 1e3, -0). */
class Raw {
  constructor(readonly text: string) {}
}
type Json = string | number | boolean | null | Raw | Obj | Json[];

const space = (): string => (chance(0.85) ? '' : pick([' ', '\n', '\t', '\r\n  ', '  ']));

/** A string literal, each character possibly escaped in one of the ways JSON allows. */
function literal(text: string, escapes = 0.05): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const escapeIt = chance(escapes);
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (escapeIt && code > 0xffff) {
      // A surrogate pair, each half as \uXXXX.
      for (let unit = 0; unit < char.length; unit += 1) {
        out += `\\u${char.charCodeAt(unit).toString(16).padStart(4, '0')}`;
      }
    } else if (escapeIt) {
      const hex = code.toString(16).padStart(4, '0');
      out += pick([`\\u${hex}`, `\\u${hex.toUpperCase()}`, char === '/' ? '\\/' : char]);
    } else out += char;
  }
  return `${out}"`;
}

function write(value: Json): string {
  if (value instanceof Raw) return value.text;
  if (typeof value === 'string') return literal(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${space()}${value.map(write).join(`${space()},${space()}`)}${space()}]`;
  const members = value.members.map(
    ([key, inner]) => `${literal(key, 0.001)}${space()}:${space()}${write(inner)}`,
  );
  return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
}

/** Members in random order, with unknown fields mixed in and, rarely, a known key given twice. */
function obj(members: [string, Json | undefined][]): Obj {
  const kept = members.filter((member): member is [string, Json] => member[1] !== undefined);
  if (chance(0.2)) kept.push([pick(['someNewField', 'droppedAttributesCount', 'x']), junk(0)]);
  if (chance(0.004) && kept.length > 0) {
    const [key] = pick(kept);
    kept.splice(int(kept.length), 0, [key, junk(2)]);
  }
  for (let index = kept.length - 1; index > 0; index -= 1) {
    const other = int(index + 1);
    [kept[index], kept[other]] = [kept[other]!, kept[index]!];
  }
  return new Obj(kept);
}

/** Anything at all: what unknown fields hold. */
function junk(depth: number): Json {
  switch (int(depth > 3 ? 5 : 8)) {
    case 0:
      return text();
    case 1:
      return pick<Json>([0, -1.5e-7, new Raw('12345678901234567890'), true, false, null]);
    case 2:
      return new Raw(pick(['0', '-0', '1E+2', '3.25e-10', '123456789012345678901234']));
    case 3:
      return chance(0.5) ? null : '';
    case 4:
      return obj([['}', 1]]);
    case 5:
      return Array.from({ length: int(4) }, () => junk(depth + 1));
    default:
      return obj([
        ['a', junk(depth + 1)],
        ['"]}', junk(depth + 1)],
      ]);
  }
}

const WORDS = [
  '',
  'GET /work',
  'é',
  '🚀 span',
  'a\u0000b',
  'quote " and \\ backslash',
  'line\nbreak\ttab',
  '\ud800 lone',
  'end \udfff',
  '}],"',
  'service.name',
  'k',
];
const text = (): string =>
  chance(0.6)
    ? pick(WORDS)
    : Array.from({ length: int(chance(0.5) ? 8 : 90) }, () => pick(['a', 'b', '.', 'é', '/'])).join(
        '',
      );

const hexDigits = (length: number): string =>
  Array.from({ length }, () => '0123456789abcdef'[int(16)]).join('');

function id(length: number): Json | undefined {
  const roll = random();
  if (roll < 0.03) return undefined;
  if (roll < 0.05) return null;
  if (roll < 0.07) return '0'.repeat(length);
  if (roll < 0.1) return hexDigits(int(40));
  if (roll < 0.13) return hexDigits(length).toUpperCase();
  if (roll < 0.14) return `${hexDigits(length - 1)}g`;
  if (roll < 0.145) return 12; // the wrong type: the whole request is refused
  return hexDigits(length);
}

function nanos(): Json | undefined {
  const roll = random();
  if (roll < 0.03) return undefined;
  const value = 1_700_000_000_000_000_000n + BigInt(int(2 ** 31)) * 1_000_003n;
  if (roll < 0.1) return new Raw(value.toString()); // a number: read as the double it rounds to
  if (roll < 0.13) return pick(['0', '000123', '18446744073709551615', '00000000000000000000001']);
  if (roll < 0.15) return pick([0, 1e3, new Raw('1.7e18'), null]);
  if (roll < 0.152) return pick(['-5', '', 'x', 1.5, '18446744073709551616']); // refused
  return value.toString();
}

function int64(): Json {
  const roll = random();
  if (roll < 0.3) return String(int(1000) - 500);
  if (roll < 0.45) return int(100000);
  if (roll < 0.55) return pick(['9007199254740993', '-9223372036854775808', '0007', '-0']);
  if (roll < 0.56) return pick(['1.5', 'abc', '']); // refused
  return String(int(2 ** 31) * 4096);
}

function anyValue(depth: number): Json {
  switch (int(depth > 3 ? 6 : 9)) {
    case 0:
      return obj([['stringValue', text()]]);
    case 1:
      return obj([['boolValue', chance(0.5)]]);
    case 2:
      return obj([['intValue', int64()]]);
    case 3:
      return obj([['doubleValue', pick<Json>([0, -0.5, 1.5e300, 'NaN', '-Infinity', '2.5', 3])]]);
    case 4:
      return obj([['bytesValue', 'AAEC']]);
    case 5:
      // Several members set, or a null one beside a set one: which wins is the generic rule's.
      return obj([
        ['stringValue', chance(0.5) ? null : text()],
        ['intValue', chance(0.5) ? null : int64()],
      ]);
    case 6:
      return obj([
        [
          'arrayValue',
          chance(0.1)
            ? null
            : obj([
                [
                  'values',
                  chance(0.1) ? null : Array.from({ length: int(4) }, () => itemValue(depth + 1)),
                ],
              ]),
        ],
      ]);
    case 7:
      return obj([['kvlistValue', obj([['values', chance(0.1) ? null : keyValues(depth + 1)]])]]);
    default:
      return new Obj([]);
  }
}

const itemValue = (depth: number): Json => (chance(0.05) ? null : anyValue(depth));

function keyValues(depth: number): Json[] {
  return Array.from({ length: int(5) }, () =>
    obj([
      [
        'key',
        chance(0.7) ? pick(['http.request.method', 'server.port', 'k', '', 'url.path']) : text(),
      ],
      ['value', chance(0.95) ? anyValue(depth) : chance(0.5) ? null : undefined],
    ]),
  );
}

/** Deep nesting, past the reader's depth limit for AnyValue. */
function deepValue(levels: number): Json {
  let value: Json = obj([['stringValue', 'deep']]);
  for (let level = 0; level < levels; level += 1) {
    value = obj([['arrayValue', obj([['values', [value]]])]]);
  }
  return value;
}

/** An id read earlier in the body (a parent, a span sent again), as it was or upper-cased. */
function earlierId(ids: Json[], length: number): Json | undefined {
  const earlier = ids.length > 0 && chance(0.5) ? pick(ids) : id(length);
  if (typeof earlier === 'string' && chance(0.2)) return earlier.toUpperCase();
  if (typeof earlier === 'string' && earlier.length > 2 && chance(0.1)) {
    // The same digits but one: a near miss for the reader's id table.
    const at = int(earlier.length);
    const digit = earlier[at] === 'a' ? 'b' : 'a';
    return `${earlier.slice(0, at)}${digit}${earlier.slice(at + 1)}`;
  }
  return earlier;
}

function span(shared: { traceId: Json | undefined; attributes: Json[]; ids: Json[] }): Json {
  const spanId = chance(0.8) ? id(16) : earlierId(shared.ids, 16);
  const parentSpanId = chance(0.6) ? earlierId(shared.ids, 16) : id(16);
  for (const each of [spanId, parentSpanId]) if (each !== undefined) shared.ids.push(each);
  const attributes = chance(0.5)
    ? shared.attributes
    : chance(0.1)
      ? [
          obj([
            ['key', 'deep'],
            ['value', deepValue(20)],
          ]),
        ]
      : keyValues(0);
  if (chance(0.3)) shared.attributes = attributes;
  return obj([
    ['traceId', chance(0.7) ? shared.traceId : chance(0.5) ? earlierId(shared.ids, 32) : id(32)],
    ['spanId', spanId],
    ['parentSpanId', chance(0.8) ? parentSpanId : undefined],
    ['traceState', chance(0.2) ? 'k=v' : undefined],
    ['name', chance(0.99) ? text() : pick<Json>([null, 7])],
    [
      'kind',
      chance(0.99)
        ? pick<Json>([0, 1, 2, 3, 4, 5, 42, 'SPAN_KIND_SERVER', null, new Raw('2.0')])
        : pick<Json>(['3', 'x', 1.5]),
    ],
    ['startTimeUnixNano', nanos()],
    ['endTimeUnixNano', nanos()],
    ['attributes', chance(0.99) ? attributes : pick<Json>([null, [], 'a'])],
    ['droppedAttributesCount', int(3)],
    [
      'events',
      chance(0.2)
        ? [
            obj([
              ['name', 'e'],
              ['attributes', keyValues(0)],
            ]),
          ]
        : undefined,
    ],
    [
      'status',
      chance(0.3)
        ? obj([
            ['code', int(3)],
            ['message', text()],
          ])
        : undefined,
    ],
    [
      'flags',
      chance(0.99)
        ? pick<Json>([0, 1, 0x100, 0x101, 0x300, 0x301, 0x200, int(2 ** 32), '256', null])
        : -1,
    ],
  ]);
}

function body(): Buffer {
  const shared = { traceId: id(32), attributes: keyValues(0), ids: [] as Json[] };
  const resourceSpans = Array.from({ length: 1 + int(3) }, () =>
    obj([
      [
        'resource',
        chance(0.9)
          ? obj([['attributes', [...keyValues(0), ...serviceName()]]])
          : chance(0.5)
            ? null
            : undefined,
      ],
      [
        'scopeSpans',
        Array.from({ length: int(3) }, () =>
          obj([
            ['scope', obj([['name', 'scope']])],
            ['spans', Array.from({ length: int(8) }, () => span(shared))],
            ['schemaUrl', chance(0.3) ? 'https://opentelemetry.io/schemas/1.0' : undefined],
          ]),
        ),
      ],
    ]),
  );
  const request = obj([['resourceSpans', resourceSpans]]);
  return Buffer.from(`${space()}${write(request)}${space()}`);
}

function serviceName(): Json[] {
  if (chance(0.2)) return [];
  return [
    obj([
      ['key', 'service.name'],
      ['value', chance(0.8) ? obj([['stringValue', `svc-${int(5)}`]]) : anyValue(0)],
    ]),
  ];
}

// ---- Comparison ----

interface Outcome {
  spans: unknown[];
  rejected: unknown[];
  error?: string;
}

/** Decodes in uneven slices, as the receiver may; an error ends it with what was stored so far. */
function decode(read: (body: Buffer) => SpanSource, bytes: Buffer): Outcome {
  let source: SpanSource;
  try {
    source = read(bytes);
  } catch (error) {
    return { spans: [], rejected: [], error: String(error) };
  }
  const batch = new SpanBatch(source.idsAreHex);
  const outcome = (): Outcome => ({
    spans: batch.spans.map((stored) => ({ ...stored, attributes: { ...stored.attributes } })),
    rejected: batch.rejected,
  });
  try {
    for (let from = 0; from < source.count; from += 3) {
      source.decode(from, Math.min(source.count, from + 3), batch);
    }
  } catch (error) {
    return { ...outcome(), error: String(error) };
  }
  return outcome();
}

function assertSame(bytes: Buffer, label: string): Outcome {
  const expected = decode(parsedJsonSource, bytes);
  const actual = decode(jsonSourceNow, bytes);
  assert.deepEqual(actual, expected, label);
  // Only the first few spans read in the pass, the others from their bounds.
  const limit = int(6);
  assert.deepEqual(
    decode((body) => jsonSourceNow(body, limit), bytes),
    expected,
    `${label}, limit ${limit}`,
  );
  return expected;
}

describe('the byte-level OTLP/JSON reader agrees with JSON.parse + the generic conversion', () => {
  test(`${REQUESTS} random requests (seed ${SEED})`, () => {
    let spans = 0;
    let refused = 0;
    let scanned = 0;
    let readInPass = 0;
    for (let round = 0; round < REQUESTS; round += 1) {
      const bytes = body();
      const index = scanJson(bytes);
      if (index !== undefined) scanned += 1;
      readInPass += index?.decoded.length ?? 0;
      const outcome = assertSame(bytes, `request ${round} (seed ${SEED})`);
      spans += outcome.spans.length;
      if (outcome.error !== undefined) {
        refused += 1;
        if (process.env.DEBUG_DIFF) console.log(outcome.error.slice(0, 150));
      }
    }
    // Both kinds of outcome were exercised, most requests were read through.
    assert.ok(spans > REQUESTS * 3, `compared ${spans} spans`);
    assert.ok(refused > 0 && refused < REQUESTS / 2, `${refused} requests refused`);
    // Most took the byte reader, not the generic path for the whole body, and many spans were
    // read in its one pass.
    assert.ok(scanned > REQUESTS / 2, `${scanned} requests scanned`);
    if (process.env.DEBUG_DIFF) console.log({ readInPass, spans, scanned });
    assert.ok(readInPass > spans / 8, `${readInPass} of ${spans} spans read in the pass`);
  });

  test('jsonSource, which pauses while it scans, reads the same as jsonSourceNow', async () => {
    const spans = `{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"n"},`;
    const large = Buffer.from(
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${spans.repeat(20_000)}{}]}]}]}`,
    );
    for (const bytes of [body(), body(), large, Buffer.from('{"resourceSpans":[}')]) {
      const source = await jsonSource(bytes).catch((error: unknown) => error);
      const now = (() => {
        try {
          return jsonSourceNow(bytes);
        } catch (error) {
          return error;
        }
      })();
      if (source instanceof Error || now instanceof Error) {
        assert.equal(String(source), String(now));
        continue;
      }
      assert.deepEqual(
        decode(() => source as SpanSource, bytes),
        decode(() => now as SpanSource, bytes),
      );
    }
  });

  /** `id` with one digit changed, anywhere. */
  const nearMiss = (id: string): string => {
    const at = int(id.length);
    return `${id.slice(0, at)}${id[at] === 'a' ? 'b' : 'a'}${id.slice(at + 1)}`;
  };

  test('ids that come again are read alike: parents, resends, case, near misses, many ids', () => {
    // Thousands of distinct ids, so that ids share slots of the reader's id table and replace
    // each other there; each span's parent an earlier span's id (sometimes upper-cased, or one
    // digit off), trace ids from a few traces.
    const traces = Array.from({ length: 5 }, () => hexDigits(32));
    const ids: string[] = [];
    const spans = Array.from({ length: 6000 }, (_, index) => {
      const spanId = index > 0 && chance(0.05) ? pick(ids) : hexDigits(16);
      // Mostly a recent id (still in the table), else any earlier one.
      const earlier = ids.length > 0 ? pick(chance(0.7) ? ids.slice(-4) : ids) : hexDigits(16);
      const parent = chance(0.1)
        ? earlier.toUpperCase()
        : chance(0.1)
          ? nearMiss(earlier)
          : earlier;
      ids.push(spanId);
      const traceId = chance(0.1) ? pick(traces).toUpperCase() : pick(traces);
      return `{"traceId":"${traceId}","spanId":"${spanId}","parentSpanId":"${parent}","name":"s"}`;
    });
    const outcome = assertSame(
      Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${spans.join(',')}]}]}]}`),
      'ids that come again',
    );
    assert.equal(outcome.spans.length + outcome.rejected.length, 6000);
  });

  test('the same requests cut short or altered byte by byte: the same outcome or message', () => {
    for (let round = 0; round < REQUESTS / 4; round += 1) {
      const whole = body();
      const cut = whole.subarray(0, int(whole.length));
      assertSame(cut, `cut ${round}`);
      const altered = Buffer.from(whole);
      for (let change = 0; change < 3; change += 1) {
        altered[int(altered.length)] = pick([0x22, 0x5c, 0x2c, 0x7d, 0x5d, 0x00, 0x0a, 0xff, 0x75]);
      }
      assertSame(altered, `altered ${round}`);
    }
  });

  test('invalid JSON and hostile shapes: the same outcome and message', () => {
    const span =
      '{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"n"}';
    const wrap = (spans: string): string =>
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${spans}]}]}]}`;
    const cases = [
      '',
      ' ',
      '\ufeff{}',
      '{}',
      '[]',
      'null',
      '{"resourceSpans":null}',
      '{"resourceSpans":[null]}',
      '{"resourceSpans":[{"scopeSpans":{}}]}',
      '{"resourceSpans":[]} x',
      '{"resourceSpans":[],}',
      '{"resource\\u0053pans":[{"scopeSpans":[{"spans":[{"name":"escaped key"}]}]}]}',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[1]}]}],"resourceSpans":[]}',
      wrap(span),
      wrap(`${span},`),
      wrap(span.replace('"n"', '"\\x"')),
      wrap(span.replace('"n"', '"a\tb"')),
      wrap(span.replace('"n"', '"\\ud83d\\ude80 \\u00e9"')),
      wrap(span.replace('"n"', '"\\uD83D"')),
      wrap(span.replace('"n"', '"\\u12"')),
      wrap(span.replace('"name"', '"na\\u006de"')),
      wrap(span.replace('"n"', '01')),
      wrap(span.replace('"n"', '-')),
      wrap(span.replace('"n"', '1.')),
      wrap(span.replace('"n"', 'NaN')),
      wrap(span.replace('"n"', 'nul')),
      wrap(span.replace('}', ',"startTimeUnixNano":1700000000000000001}')),
      wrap(
        span.replace('}', ',"startTimeUnixNano":"1700000000000000001","kind":"SPAN_KIND_CLIENT"}'),
      ),
      wrap(span.replace('}', ',"name":"twice"}')),
      wrap(span.replace('}', `,"events":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)),
      wrap(span.replace('}', `,"events":${'['.repeat(100_000)}}`)),
      `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
      `{"a":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_001)}`,
      wrap(span.replace('"n"', JSON.stringify('x'.repeat(1 << 20)))),
      wrap(span.replace('"n"', `"${'\\\\'.repeat(1 << 16)}"`)),
      wrap(Array.from({ length: 3000 }, () => span).join(',')),
      // More spans than the pass reads: the rest from their bounds, with one refused past the seam.
      wrap(
        Array.from({ length: READ_IN_PASS_MAX + 3 }, (_, index) =>
          index === READ_IN_PASS_MAX + 1 ? span.replace('"n"', '7') : span,
        ).join(','),
      ),
    ];
    for (const text of cases) assertSame(Buffer.from(text), text.slice(0, 120));
    // Invalid UTF-8 inside and around strings is replaced alike by both.
    assertSame(
      Buffer.concat([
        Buffer.from(wrap(span).slice(0, 90)),
        Buffer.from([0xe2, 0x82, 0xff, 0xc3]),
        Buffer.from(wrap(span).slice(90)),
      ]),
      'invalid UTF-8',
    );
  });
});
