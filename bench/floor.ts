/**
 * The floor of the time-to-verdict benchmark: the HTTP work of a run of the action, with no
 * tracing. The same config parsing, services, hop client and probe, taken from the project's own
 * modules (so the floor follows the code), but no startTracing, no span wait, no verdict and no
 * report. bench/time-to-verdict.ts bundles it with ncc into a temporary folder, as dist/ is built,
 * and runs it from there; it is never committed as a bundle.
 */
import { parseConfig, type InputName } from '../src/config';
import { Deadline } from '../src/deadline';
import { chainSpecs, startChain, type RunningChain } from '../src/services/chain';
import { sendProbes, type ProbeResult } from '../src/services/probe';
import { hopsFromAnswer } from '../src/services/report-body';

/** Inputs as the action reads them (INPUT_* variables); empty ones take the defaults. */
function readInput(name: InputName): string {
  return process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}

async function main(): Promise<void> {
  const config = parseConfig(readInput);
  const deadline = new Deadline(config.timeoutMs);
  const names = chainSpecs(config).map((spec) => spec.name);
  let chain: RunningChain | undefined;
  let probes: ProbeResult[];
  try {
    chain = await deadline.race(
      startChain({
        // The same chain as src/run.ts.
        specs: chainSpecs(config),
        client: config.client,
        fault: config.fault,
        timeoutMs: deadline.remainingMs(),
      }),
      'the embedded services to listen',
    );
    probes = await deadline.race(
      sendProbes({
        url: chain.entryUrl,
        requests: config.requests,
        concurrency: config.concurrency,
        timeoutMs: deadline.remainingMs(),
        incoming: undefined,
      }),
      'the probe answers',
    );
  } finally {
    await chain?.close();
  }
  // Like the action, print once everything is closed.
  const hops = probes.flatMap((probe) => hopsFromAnswer(probe.answer));
  process.stdout.write(
    `floor: ${probes.length} request(s) answered through ${names.join(' -> ')}, ${hops.length} hop(s), no tracing\n`,
  );
  process.stdout.write(`${JSON.stringify(probes, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`floor: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
