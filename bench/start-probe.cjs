// Preloaded (node --require) into each benchmarked run: at exit, prints how long the process
// lived since it started and the CPU it used, as one JSON line on stderr.
'use strict';
process.on('exit', () => {
  const cpu = process.cpuUsage();
  process.stderr.write(
    `\n@@start-probe ${JSON.stringify({ wallMs: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
  );
});
