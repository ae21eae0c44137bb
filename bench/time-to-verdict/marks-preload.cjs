'use strict';
// The phase marker of bench/time-to-verdict.ts, loaded with --require before the bundle. It only
// wraps a few methods of node's own modules (net.Server listen/close, http.Agent destroy, stdout
// write) to note the time; the bundle keeps node builtins external, so these are the objects it
// uses. At exit it writes the marks (performance-clock ms) to BENCH_MARKS_FILE.
const { performance: clock } = require('node:perf_hooks');
const net = require('node:net');
const http = require('node:http');
const fs = require('node:fs');

const marks = {
  preload: clock.now(),
  preloadHrtimeUs: Number(process.hrtime.bigint() / 1000n),
};
const first = (name) => {
  if (!(name in marks)) marks[name] = clock.now();
};
const last = (name) => {
  marks[name] = clock.now();
};
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  first('listenFirst');
  this.once('listening', () => last('listeningLast'));
  return listen.apply(this, args);
};
const close = net.Server.prototype.close;
net.Server.prototype.close = function (...args) {
  first('closeFirst');
  this.once('close', () => last('closedLast'));
  return close.apply(this, args);
};
const destroy = http.Agent.prototype.destroy;
http.Agent.prototype.destroy = function (...args) {
  first('agentDestroyFirst');
  return destroy.apply(this, args);
};
const write = process.stdout.write;
process.stdout.write = function (...args) {
  first('stdoutFirst');
  return write.apply(this, args);
};
process.on('exit', () => {
  marks.exit = clock.now();
  if (process.env.BENCH_MARKS_FILE) {
    fs.writeFileSync(process.env.BENCH_MARKS_FILE, JSON.stringify(marks));
  }
});
