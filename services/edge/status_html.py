"""The status page's HTML, CSS and script in one string (no external assets, nothing to
install beside the Python package). The script fetches /status.json every few seconds and
fills the page; all text it inserts goes through textContent, never innerHTML."""

from __future__ import annotations

REFRESH_MS = 3000

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Credence status</title>
<style>
:root {
  --bg: #f4f5f7; --card: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e3e6ec;
  --ok: #1a7f4b; --ok-bg: #e3f5ea; --warn: #9a6200; --warn-bg: #fdf1d8;
  --bad: #b42318; --bad-bg: #fde7e5; --accent: #2f5bd3;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { background: #141a26; color: #fff; padding: 14px 28px; display: flex;
  align-items: center; gap: 16px; }
header h1 { font-size: 18px; margin: 0; font-weight: 600; letter-spacing: .2px; }
header .sub { color: #a9b1c3; font-size: 13px; }
header .right { margin-left: auto; display: flex; gap: 12px; align-items: center; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 28px 40px; }
.pill { display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px;
  border-radius: 999px; font-size: 12px; font-weight: 600; }
.pill::before { content: ""; width: 7px; height: 7px; border-radius: 50%;
  background: currentColor; }
.ok { color: var(--ok); background: var(--ok-bg); }
.warn { color: var(--warn); background: var(--warn-bg); }
.bad { color: var(--bad); background: var(--bad-bg); }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
  gap: 12px; margin-bottom: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 14px 16px; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .5px; }
.kpi .value { font-size: 26px; font-weight: 650; margin-top: 2px; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
.kpi .value small { font-size: 13px; color: var(--muted); font-weight: 500; }
.kpi .foot { color: var(--muted); font-size: 12px; margin-top: 2px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-bottom: 16px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
h2 { font-size: 14px; margin: 0 0 10px; font-weight: 650; }
h2 .hint { color: var(--muted); font-weight: 400; font-size: 12px; margin-left: 6px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line);
  white-space: nowrap; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
td.num, th.num { text-align: right; }
td.wrap { white-space: normal; word-break: break-word; }
tr:last-child td { border-bottom: 0; }
.services { display: flex; flex-wrap: wrap; gap: 8px; }
.empty { color: var(--muted); font-style: italic; padding: 6px 8px; }
.score { display: inline-block; min-width: 38px; text-align: center; padding: 1px 6px;
  border-radius: 6px; font-weight: 650; }
.spark { width: 100%; height: 54px; display: block; margin-top: 6px; }
.spark path { fill: none; stroke: var(--accent); stroke-width: 2; }
.spark .area { fill: rgba(47, 91, 211, .12); stroke: none; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.muted { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1>Credence status</h1>
  <span class="sub" id="model">&nbsp;</span>
  <div class="right">
    <span class="sub" id="updated">loading…</span>
    <span class="pill warn" id="overall">…</span>
  </div>
</header>
<main>
  <section class="kpis">
    <div class="card kpi"><div class="label">Requests</div>
      <div class="value" id="k-rps">–</div><div class="foot" id="k-rps-foot"></div></div>
    <div class="card kpi"><div class="label">Reports</div>
      <div class="value" id="k-jobs">–</div><div class="foot" id="k-jobs-foot"></div></div>
    <div class="card kpi"><div class="label">Latency p95</div>
      <div class="value" id="k-lat">–</div><div class="foot" id="k-lat-foot"></div></div>
    <div class="card kpi"><div class="label">Cache hit rate</div>
      <div class="value" id="k-cache">–</div><div class="foot" id="k-cache-foot"></div></div>
    <div class="card kpi"><div class="label">Queue depth</div>
      <div class="value" id="k-queue">–</div><div class="foot" id="k-queue-foot"></div></div>
    <div class="card kpi"><div class="label">Workers up</div>
      <div class="value" id="k-workers">–</div><div class="foot" id="k-workers-foot"></div></div>
    <div class="card kpi"><div class="label">Errors</div>
      <div class="value" id="k-errors">–</div><div class="foot" id="k-errors-foot"></div></div>
  </section>

  <section class="grid2">
    <div class="card">
      <h2>Throughput <span class="hint">front-door requests per second, this page's view</span></h2>
      <svg class="spark" id="spark" viewBox="0 0 300 54" preserveAspectRatio="none"></svg>
      <div class="services" id="services" style="margin-top:12px"></div>
    </div>
    <div class="card">
      <h2>Pipeline stages <span class="hint">seconds</span></h2>
      <table><thead><tr><th>stage</th><th class="num">p50</th><th class="num">p95</th>
      </tr></thead><tbody id="stages"></tbody></table>
    </div>
  </section>

  <section class="grid2">
    <div class="card">
      <h2>Wire ingestion <span class="hint">freshness per source</span></h2>
      <table><thead><tr><th>source</th><th class="num">stories</th><th>newest story</th>
      <th class="num">age</th></tr></thead><tbody id="ingest"></tbody></table>
    </div>
    <div class="card">
      <h2>Errors by reason <span class="hint">since the processes started</span></h2>
      <table><thead><tr><th>kind</th><th>reason</th><th class="num">count</th></tr></thead>
      <tbody id="errors"></tbody></table>
    </div>
  </section>

  <section class="card">
    <h2>Latest reports</h2>
    <table><thead><tr><th>finished</th><th class="num">score</th><th>label</th>
      <th class="num">confidence</th><th>domain</th><th>article</th></tr></thead>
      <tbody id="reports"></tbody></table>
  </section>
</main>
<script>
"use strict";
const REFRESH_MS = __REFRESH_MS__;
const history = [];
const $ = (id) => document.getElementById(id);
function text(id, value) { $(id).textContent = value; }
function fmtNum(v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return Number(v).toLocaleString(undefined, {maximumFractionDigits: digits ?? 0});
}
function fmtSec(s) {
  if (s === null || s === undefined) return "–";
  return s < 1 ? Math.round(s * 1000) + " ms" : s.toFixed(2) + " s";
}
function fmtAge(s) {
  if (s === null || s === undefined) return "–";
  if (s < 90) return Math.round(s) + " s";
  if (s < 5400) return Math.round(s / 60) + " min";
  if (s < 172800) return Math.round(s / 3600) + " h";
  if (s < 3 * 31536000) return Math.round(s / 86400) + " d";
  return (s / 31536000).toFixed(1) + " y";
}
function cell(tr, value, cls) {
  const td = document.createElement("td");
  if (cls) td.className = cls;
  if (value instanceof Node) td.appendChild(value); else td.textContent = value;
  tr.appendChild(td);
  return td;
}
function fill(id, rows, cols, emptyText) {
  const body = $(id);
  body.replaceChildren();
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = cell(tr, emptyText, "empty");
    td.colSpan = cols;
    body.appendChild(tr);
    return;
  }
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const [value, cls] of row) cell(tr, value, cls);
    body.appendChild(tr);
  }
}
function pill(label, cls) {
  const span = document.createElement("span");
  span.className = "pill " + cls;
  span.textContent = label;
  return span;
}
const LABEL_CLASS = {LABEL_HIGH_CREDIBILITY: "ok", LABEL_GENERALLY_CREDIBLE: "ok",
  LABEL_PROCEED_WITH_CAUTION: "warn", LABEL_LOW_CREDIBILITY: "bad"};
function scoreClass(score) { return score >= 60 ? "ok" : score >= 40 ? "warn" : "bad"; }
function niceLabel(label) {
  return (label || "").replace(/^LABEL_/, "").replaceAll("_", " ").toLowerCase();
}
function spark(points) {
  const svg = $("spark");
  svg.replaceChildren();
  if (points.length < 2) return;
  const max = Math.max(...points, 0.001);
  const step = 300 / (points.length - 1);
  const y = (v) => 50 - (v / max) * 46;
  let line = "";
  points.forEach((v, i) => { line += (i ? " L" : "M") + (i * step).toFixed(1) + " " + y(v); });
  const ns = "http://www.w3.org/2000/svg";
  const area = document.createElementNS(ns, "path");
  area.setAttribute("class", "area");
  area.setAttribute("d", line + " L300 54 L0 54 Z");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", line);
  svg.append(area, path);
}
function render(s) {
  const t = s.throughput, lat = s.latency_s, services = s.services || {};
  const build = Object.values(services).find((b) => b.model_version);
  text("model", build ? "model " + build.model_version : "");
  text("updated", "updated " + new Date(s.generated_at * 1000).toLocaleTimeString());
  const down = Object.entries(services).filter(([, v]) => !v.up).map(([k]) => k);
  const problems = [...down];
  if (!s.workers.up) problems.push("no workers");
  if (!s.redis_up) problems.push("redis");
  const overall = $("overall");
  overall.className = "pill " + (problems.length ? "bad" : "ok");
  overall.textContent = problems.length ? "degraded: " + problems.join(", ") : "all systems up";

  text("k-rps", fmtNum(t.requests_per_s, 2) + "/s");
  text("k-rps-foot", fmtNum(t.requests_total) + " front-door calls in all");
  text("k-jobs", fmtNum(t.jobs_per_min, 1) + "/min");
  text("k-jobs-foot", fmtNum(t.jobs_done_total) + " done, " + fmtNum(t.jobs_failed_total)
    + " failed");
  text("k-lat", fmtSec(lat.p95));
  text("k-lat-foot", "p50 " + fmtSec(lat.p50) + " · p99 " + fmtSec(lat.p99));
  const rate = s.cache.hit_rate;
  text("k-cache", rate === null ? "–" : (rate * 100).toFixed(1) + "%");
  text("k-cache-foot", fmtNum(s.cache.hits_total) + " hits of " + fmtNum(s.cache.lookups_total));
  text("k-queue", fmtNum(s.queue.depth));
  text("k-queue-foot", "tasks waiting in “" + s.queue.name + "”");
  text("k-workers", fmtNum(s.workers.up));
  text("k-workers-foot", s.workers.list.map((w) => w.hostname).join(", ") || "none alive");
  const errTotal = Object.values(s.errors.grpc_by_code).reduce((a, b) => a + b, 0);
  text("k-errors", fmtNum(s.errors.error_rate, 3) + "/s");
  text("k-errors-foot", fmtNum(errTotal) + " failed RPCs in all");
  $("k-workers").parentElement.style.borderColor = s.workers.up ? "" : "var(--bad)";

  history.push(t.requests_per_s || 0);
  if (history.length > 60) history.shift();
  spark(history);
  $("services").replaceChildren(...Object.entries(services).map(
    ([name, v]) => pill(name, v.up ? "ok" : "bad")));

  fill("stages", Object.entries(s.stage_latency_s).map(([stage, q]) =>
    [[stage], [fmtSec(q.p50), "num"], [fmtSec(q.p95), "num"]]), 3, "no stage has run yet");

  const ingest = s.ingest || {sources: []};
  fill("ingest", ingest.sources.map((src) => {
    const cls = src.age_s === null ? "warn" : src.age_s < 6 * 3600 ? "ok"
      : src.age_s < 48 * 3600 ? "warn" : "bad";
    return [[src.source], [fmtNum(src.stories), "num"],
      [src.newest ? new Date(src.newest * 1000).toLocaleString() : "undated"],
      [pill(fmtAge(src.age_s), cls), "num"]];
  }), 4, ingest.available ? "the index is empty" : "matcher unreachable");

  const errs = [];
  for (const [reason, n] of Object.entries(s.errors.fetch_by_reason)) {
    errs.push(["fetch", reason, n]);
  }
  for (const [code, n] of Object.entries(s.errors.grpc_by_code)) errs.push(["gRPC", code, n]);
  for (const state of ["failed", "retried"]) {
    if (t.tasks[state]) errs.push(["task", state, t.tasks[state]]);
  }
  errs.sort((a, b) => b[2] - a[2]);
  fill("errors", errs.map(([k, r, n]) => [[k], [r], [fmtNum(n), "num"]]), 3, "no errors");

  fill("reports", (s.recent_reports || []).map((r) => {
    const score = document.createElement("span");
    score.className = "score " + scoreClass(r.score);
    score.textContent = fmtNum(r.score, 0);
    const link = document.createElement("a");
    link.href = /^https?:[/][/]/.test(r.url) ? r.url : "#";
    link.rel = "noopener noreferrer";
    link.textContent = r.title || r.url;
    return [[new Date(r.finished_at * 1000).toLocaleTimeString()], [score, "num"],
      [pill(niceLabel(r.label), LABEL_CLASS[r.label] || "warn")],
      [fmtNum(r.confidence * 100) + "%", "num"], [r.domain], [link, "wrap"]];
  }), 6, "no report computed yet");
}
async function refresh() {
  try {
    const response = await fetch("status.json", {cache: "no-store"});
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
  } catch (err) {
    const overall = $("overall");
    overall.className = "pill bad";
    overall.textContent = "status unavailable: " + err.message;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}
refresh();
</script>
</body>
</html>
""".replace("__REFRESH_MS__", str(REFRESH_MS))
