"use strict";exports.id=896,exports.ids=[896],exports.modules={1896:((J,f,c)=>{c.r(f),c.d(f,{runCli:()=>U});const v={rE:"1.0.0"};var m=c(3137),n=c(4922);const x={client:n.bB,fault:n.cT,"incoming-context":n.aj,expect:n.DO,summary:["true","false"]},w={hops:n.b1.hops,requests:n.b1.requests,concurrency:n.b1.concurrency,timeout:n.b1.timeout,settle:n.b1.settle,"port-a":n.b1.port,"port-b":n.b1.port,"receiver-http-port":n.b1.port,"receiver-grpc-port":n.b1.port},$={propagators:`comma-separated list of ${n.HA.join(", ")}; or none`,"fault-hop":"1 to hops - 1",tracestate:"a W3C tracestate value","target-url":"an http:// or https:// URL (turns on target mode)","target-method":"an HTTP method","target-headers":'"Name: value" lines',"target-body":"text","expect-services":"service names, comma- or line-separated","wait-for":"an http:// or https:// URL","receiver-host":"a host name or IP address","junit-file":"a file path (empty: none)","traces-file":"a file path (empty: none)"};function b(){const i=Object.keys(n.zY),t=Math.max(...i.map(s=>s.length))+2;return i.map(s=>{const e=x[s],a=w[s],r=e?e.join(" | "):a?`${a.min} to ${a.max}`:$[s]??"text",o=n.zY[s];return`  --${s.padEnd(t)}${r}${o===""?"":`  (default: ${o})`}`})}var u=c(4533);const j=Object.keys(n.zY),l={expected:0,unexpected:1,usage:2,noVerdict:2},y=`Usage: node dist/cli.js [--json] [--verbose] [--<input> <value> ...]

Runs the propagation check from a terminal. Every action input is a flag of the same name, e.g.
  node dist/cli.js --hops 4 --propagators b3multi,baggage
  node dist/cli.js --target-url http://127.0.0.1:8080/checkout --expect-services checkout,payment
A flag given twice adds a line to that input (for lists such as --expect-services, --target-headers).

Inputs (allowed values, default):
${b().join(`
`)}

Other flags:
  --json      print the JSON result instead of the readable report ({"verdict":"error",...} when
              there is no verdict)
  --verbose   print every exported span (one JSON line each) before the report
  --version   print the version
  --help      print this text

Exit status: 0 when the verdict is the one expected (pass, or fail with --expect fail),
1 when it is not, 2 when there is no verdict: the command line or an input is not usable, or the
check could not run (a port in use, a timeout).`;function O(i){const t={json:!1,verbose:!1,help:!1,version:!1,inputs:{}};for(let s=0;s<i.length;s+=1){const e=i[s];if(e==="--json")t.json=!0;else if(e==="--verbose")t.verbose=!0;else if(e==="--help"||e==="-h")t.help=!0;else if(e==="--version"||e==="-V")t.version=!0;else if(e.startsWith("--")){const a=e.indexOf("="),r=a===-1?e.slice(2):e.slice(2,a);if(!j.includes(r))throw new u.d(`Unknown flag ${JSON.stringify(e.slice(0,60))}; run with --help for the list.`);let o;if(a!==-1)o=e.slice(a+1);else{const g=i[s+1];if(g===void 0)throw new u.d(`Flag --${r} needs a value.`);o=g,s+=1}const d=t.inputs[r];t.inputs[r]=d===void 0?o:`${d}
${o}`}else throw new u.d(`Unexpected argument ${JSON.stringify(e.slice(0,60))}; flags start with --.`)}return t}function E(i){return i.includes("--json")}var S=c(8085),h=c(3245),N=c(2763),C=c(225);async function U(i=process.argv.slice(2)){let t,s;try{if(t=O(i),t.help||t.version){process.stdout.write(`${t.help?y:v.rE}
`);return}const r=t.inputs;s=(0,n.o4)(o=>r[o]??"")}catch(r){p((0,u.u)(r),E(i),l.usage);return}let e=!1;const a=(0,S.S)(r=>{e||(e=!0,p(`The run was cancelled (${r}) before the check gave a verdict.`,t.json))},l.noVerdict);try{const r=await(0,m.z)(s);if(e)return;e=!0,t.verbose&&process.stdout.write(`${(0,C.U)(r.spans,1/0).join(`
`)}
`),process.stdout.write(`${t.json?JSON.stringify(r.result,null,2):r.text}
`);const o=(0,N.n)(r);o!==void 0&&process.stderr.write(`Error: ${o}
`),process.exitCode=o===void 0?l.expected:l.unexpected;try{for(const d of await(0,h.z8)(r,s.files))process.stderr.write(`${d}
`)}catch(d){process.stderr.write(`Error: ${(0,u.u)(d)}
`),process.exitCode=l.noVerdict}}catch(r){if(e)return;e=!0;const o=(0,u.u)(r);await(0,h.XW)(o,s.files).catch(()=>{}),p(o,t.json,l.noVerdict)}finally{a()}}function p(i,t,s=l.noVerdict){t&&process.stdout.write(`${JSON.stringify({verdict:"error",error:i},null,2)}
`),process.stderr.write(`Error: ${i}
`),process.exitCode=s}})};
