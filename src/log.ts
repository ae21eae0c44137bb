/**
 * Where the modes write their log lines. The modes know nothing of GitHub's toolkit (it is
 * ESM-only, and the pure parts must load anywhere): the action adapter installs a sink backed by
 * @actions/core (src/main.ts); the CLI and tests keep the plain one.
 */
export interface LogSink {
  info(line: string): void;
  warning(line: string): void;
  /** A collapsed group in the runner; a heading line elsewhere. */
  startGroup(name: string): void;
  endGroup(): void;
}

const plain: LogSink = {
  info: (line) => process.stdout.write(`${line}\n`),
  warning: (line) => process.stderr.write(`Warning: ${line}\n`),
  startGroup: (name) => process.stdout.write(`--- ${name} ---\n`),
  endGroup: () => {},
};

let sink: LogSink = plain;

/** Installs the adapter's sink; returns the one it replaced. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

export const log: LogSink = {
  info: (line) => sink.info(line),
  warning: (line) => sink.warning(line),
  startGroup: (name) => sink.startGroup(name),
  endGroup: () => sink.endGroup(),
};
