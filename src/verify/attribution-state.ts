import type { Call, ProbeAnalysis } from './analysis';
import type { ListenerHosts } from './attribution-address';
import type { CallerSweep } from './attribution-caller-index';
import type { CallSearch } from './attribution-calls';
import type { LocalServers } from './attribution-local';
import type { TimeSweep } from './attribution-sweep';
import type { Break } from './breaks';
import type { Listeners } from './destinations';
import { spanPort } from './trace-graph';
import type { SpanRecord } from './types';

/** What the attribution rules (attribution.ts, attribution-callers.ts) share. */

export type Cause =
  /** The unanswered client span whose callee began the break. */
  | { kind: 'call'; call: Call; rule: 'call-to-its-address' | 'call-in-flight' }
  /** A server span of another service in flight, that made the call without a client span. */
  | { kind: 'caller'; caller: SpanRecord }
  /** A server span of the same service: the service itself lost the context for later work. */
  | { kind: 'local'; server: SpanRecord }
  /** The probe itself: the entry service did not join the probe's trace. */
  | { kind: 'entry' };

export interface Attribution extends Break {
  cause: Cause;
}

export interface AttributionOptions {
  skewMs: number;
  listeners: Listeners;
  /** Unanswered client spans of traces that are no probe's: calls of unrelated requests. */
  otherCalls: readonly SpanRecord[];
  /** Services that exported at least one client span in the run. */
  clientServices: ReadonlySet<string>;
  /** Every span of the run: rule 2 reads the listeners' hosts from them when first needed. */
  spans: readonly SpanRecord[];
  /** The spans of a trace, for the requests that are no probe's (a readiness or health check). */
  traceSpans: (traceId: string) => readonly SpanRecord[];
}

/** Deferred work (a fire-and-forget call) is judged this long after the request it came from. */
export const FOLLOW_UP_MS = 2000;

export interface State extends AttributionOptions {
  probes: readonly ProbeAnalysis[];
  /** Client spans and server spans that already explain a break, as a call or a caller. */
  used: Set<SpanRecord>;
  /** Server spans whose own deferred work already explains a break. */
  deferred: Set<SpanRecord>;
  /** Probes whose entry already explains a break (`3`), or that already broke off towards a
   * service through an uninstrumented call (`3\u0000payment`). */
  entries: Set<string>;
  /**
   * Server spans of breaks that are no probe's doing (requests the probes did not send), as
   * callers for later breaks. Breaks come in start order, so a span that ended (plus the skew)
   * before the current break began can never be a caller again: it is dropped, which keeps the
   * window small however many unrelated requests a flood brings.
   */
  unrelated: SpanRecord[];
  /** No unrelated request's end plus the skew is below it (NaN: not known). */
  unrelatedFloor: number;
  /** How many unrelated requests of each service `unrelated` holds. */
  unrelatedServices: Map<string, number>;
  /** Traces whose server spans are in `unrelated` already. */
  unrelatedTraces: Set<string>;
  /** Client spans by trace and parent span id, built once per trace when first asked. */
  clientsByParent: Map<string, Map<string, SpanRecord[]>>;
  /** Traces in some probe's component: kept as traces are attached, never rebuilt per break. */
  attachedTraces: Set<string>;
  /** `otherCalls` by the port they called, in their order; built when first asked. */
  otherCallsByPort: Map<number, WaitingCalls> | undefined;
  /** The breaks come in start order (no NaN): a call ended before one is ended for the rest. */
  inStartOrder: boolean;
  /** The probes' server spans by service, for `contextLostInService`; built when first asked. */
  serversByService: Map<string, LocalServers> | undefined;
  /** The listeners' hosts by port and service, for rule 2; built when first asked. */
  listenerHosts: ListenerHosts | undefined;
  /** Per probe, its requests that made no instrumented call (rule 3); built when first asked. */
  forwarders: Map<number, Forwarders>;
  /** The probes' server spans by start, swept for rule 3; built when first asked. */
  callerSweep: CallerSweep | undefined;
  /** Probes whose entry did not join and that have a status (rule 5); built when first asked. */
  unjoined: number[] | undefined;
  /** `unjoined` swept by the probes' start, for breaks in start order; built when first asked. */
  unjoinedSweep: TimeSweep<number> | undefined;
  /** The probes' calls by port and start, for rules 1 and 2; built when first asked. */
  calls: CallSearch | undefined;
}

/** A probe's server spans that made no instrumented call, and the extent of their windows. */
export interface Forwarders {
  spans: SpanRecord[];
  /** The earliest start and the latest end among them (-Infinity/Infinity swapped: none). */
  from: number;
  to: number;
}

/** A server span of a probe's own trace, with the probe's index. */
export interface ProbeServer {
  probe: number;
  server: SpanRecord;
}

/**
 * The unrelated calls to one port, in `otherCalls` order, for rule 0; calls used, attached or
 * ended are passed over for good. `head`, which skipped used calls only at the start, let 31,625
 * roots read 31,375 attached calls each (28 s of CPU). Breaks in start order: `byStart` (call
 * indexes by start minus the skew), `begun` of them in `heap` (indexes, smallest on top).
 * Otherwise `next[i]`: `i` while call `i` may still explain a break, else a later one to look at.
 */
export interface WaitingCalls {
  calls: SpanRecord[];
  next: Int32Array;
  byStart: Int32Array;
  begun: number;
  heap: number[];
}

/** A probe and the cause, `unrelated` for a break that is no probe's doing, or no match. */
export type Rule = (
  brk: Break,
  state: State,
) => { probe: number; cause: Cause } | 'unrelated' | undefined;

export function within(at: number, from: number, to: number, slack: number): boolean {
  return from - slack <= at && at <= to + slack;
}

export function samePort(client: SpanRecord, server: SpanRecord): boolean {
  const port = spanPort(client);
  return port !== undefined && port === spanPort(server);
}
