"use strict";exports.id=237,exports.ids=[237],exports.modules={4237:((A,d,c)=>{c.d(d,{junitNoVerdict:()=>$,junitReport:()=>m});function a(t){return t.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,n=>`\\u${n.charCodeAt(0).toString(16).padStart(4,"0")}`).replaceAll("&","&amp;").replaceAll("<","&lt;").replaceAll(">","&gt;").replaceAll('"',"&quot;").replaceAll("'","&apos;").replaceAll(`
`,"&#10;").replaceAll("\r","&#13;").replaceAll("	","&#9;")}function m(t,n){if(t.mode==="target")return l(`propagation-check: ${t.target.method} ${t.target.url}`,n,[...t.checks.map(e=>u("target",e.title,e,`${e.probes_failed} of ${t.probes.total} probes failed.`)),...t.edges.map(e=>({classname:"target.edges",name:`context propagates ${e.from} \u2192 ${e.to} (${e.call})`,failure:e.broken?{type:"broken_edge",message:`expected ${e.to} to join ${e.from}'s trace, observed a new trace`,detail:t.diagnoses.join(`
`)}:void 0}))]);const s=t.services.map(e=>e.name).join(" \u2192 ");return l(`propagation-check: ${s}`,n,t.checks.map(e=>{const r=e.hop===null?void 0:t.hops[e.hop-1];return u(r?`self-test.hop-${r.hop}`:"self-test.request",r?`hop ${r.hop}: ${e.title}`:e.title,e,[`${e.requests_failed} of ${t.requests.total} requests failed.`,...r?.diagnosis?[r.diagnosis]:[]].join(`
`))}))}function $(t,n){const s=n.toFixed(3),e=`    <testcase classname="propagation-check" name="propagation check" time="${s}">
      <error type="no_verdict" message="${a(t)}"/>
    </testcase>`;return p(`  <testsuite name="propagation-check" tests="1" failures="0" errors="1" skipped="0" time="${s}">
${e}
  </testsuite>`,{tests:1,failures:0,errors:1,time:s})}function u(t,n,s,e){return{classname:t,name:n,failure:s.passed?void 0:{type:s.check,message:`expected ${s.expected}, observed ${s.observed}`,detail:e}}}function l(t,n,s){const e=n.toFixed(3),r=s.filter(o=>o.failure!==void 0).length,i=s.map(o=>{const f=`    <testcase classname="${a(o.classname)}" name="${a(o.name)}" time="0"`;if(o.failure===void 0)return`${f}/>`;const{type:b,message:h,detail:j}=o.failure;return`${f}>
      <failure type="${a(b)}" message="${a(h)}">${a(j)}</failure>
    </testcase>`}),g=`  <testsuite name="${a(t)}" tests="${s.length}" failures="${r}" errors="0" skipped="0" time="${e}">
${i.join(`
`)}
  </testsuite>`;return p(g,{tests:s.length,failures:r,errors:0,time:e})}function p(t,n){const{tests:s,failures:e,errors:r,time:i}=n;return`<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="propagation-check" tests="${s}" failures="${e}" errors="${r}" time="${i}">
${t}
</testsuites>
`}})};
