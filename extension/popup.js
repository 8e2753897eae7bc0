// The popup: a one-glance label first (score, label, confidence), then for an analysed
// article the criteria table, the three strongest reasons, who else reported the event, and
// the details folded away; each rating list appears once, with its provenance link. The
// page's URL and HTML leave the browser only when the reader presses "Analyze this article"
// (or turned on automatic analysis). Feedback is sent only when the reader presses Send,
// after seeing what will be sent. `popup.html?tab=<id>` targets a tab (tests);
// `popup.html?domain=<domain>` is the source card a badge opens.

import { call, sendFeedback } from "./api.js";
import { KINDS, LABELS, UNRATED, lookUp, siteHost } from "./domain.js";
import { criteria, kindName, labelCode, strongestReasons } from "./report_view.js";
import { getRatings, getSettings } from "./settings.js";

const POLL_MS = 1000;
const POLL_LIMIT_MS = 180000;
const COVERAGE_POLL_MS = 2000;
const COVERAGE_POLL_LIMIT_MS = 300000;
const $ = (id) => document.getElementById(id);

const state = { url: "", report: null, jobId: "" };

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

function link(text, href, attrs = {}) {
  return el("a", text, { href, target: "_blank", rel: "noopener", ...attrs });
}

function lookOf(label) {
  return LABELS[labelCode(label)] || UNRATED;
}

function chip(score, label) {
  const known = score !== undefined && score !== null;
  const look = known ? lookOf(label) : UNRATED;
  return el("span", known ? String(Math.round(score)) : "?", {
    class: `chip ${look.band}`,
    "aria-label": known ? `${look.text}, ${Math.round(score)} of 100` : "not rated",
  });
}

/** The glance: score in the band's colour, label, confidence. */
function showGlance(score, label, confidence, subject) {
  const look = score === null ? UNRATED : lookOf(label);
  const badge = $("badge");
  badge.className = `badge ${look.band}`;
  badge.textContent = score === null ? "?" : String(Math.round(score));
  $("site-label").textContent = score === null ? look.text : `${look.text} · ${Math.round(score)}/100`;
  $("confidence").textContent = [subject, confidence ? `confidence ${Math.round(100 * confidence)}%` : ""]
    .filter(Boolean)
    .join(" · ");
}

function showLists(rating) {
  if (!rating || !rating.known) {
    $("lists").replaceChildren(el("p", "No open rating list rates this site; its score is a neutral prior."));
    return;
  }
  const seen = new Set();
  const list = el("ul");
  for (const r of rating.ratings || []) {
    if (seen.has(r.list)) continue;
    seen.add(r.list);
    const item = el("li");
    item.append(link(r.listName || r.list, r.url || "#"), `: ${r.originalLabel || "rated"}${r.asOf ? ` (${r.asOf})` : ""}`);
    list.append(item);
  }
  $("lists").replaceChildren(el("h3", `Rated by ${seen.size} list${seen.size === 1 ? "" : "s"}`), list);
}

async function showSource(domainOrUrl, subject) {
  const url = domainOrUrl.includes("://") ? domainOrUrl : `https://${domainOrUrl}/`;
  const host = siteHost(url);
  $("site").textContent = host || "This page";
  const cached = await getRatings();
  const local = lookUp(cached.domains, url, cached.platforms || []);
  if (local) {
    $("site").textContent = KINDS[local.kind] ? `${local.domain} (${KINDS[local.kind]})` : local.domain;
    showGlance(local.score, local.label, 0, subject);
  } else {
    showGlance(null, 0, 0, subject);
  }
  if (!host) return;
  try {
    const { rating } = await call("GetSourceRating", { domain: host }, 10000);
    if (rating && rating.known) {
      $("site").textContent = rating.domain;
      if (!state.report) showGlance(rating.score, rating.label, rating.confidence, subject);
    }
    showLists(rating);
  } catch (error) {
    $("lists").replaceChildren(el("p", `Lists not loaded: ${error.message}`, { class: "error" }));
  }
}

function progress(text) {
  $("progress").hidden = !text;
  $("progress").textContent = text || "";
}

function showError(error) {
  progress("");
  $("error").hidden = false;
  $("error").textContent = error.reason ? `${error.message} (${error.reason})` : String(error.message || error);
}

/** The criteria table as the scorer filled it; a report made before the table existed says so. */
function criteriaTable(report) {
  const rows = criteria(report);
  if (!rows.length) {
    return el("p", "This report was made before the criteria table existed, so it has none.", {
      id: "criteria-missing",
      class: "muted",
    });
  }
  const table = el("table", undefined, { id: "criteria" });
  table.append(el("caption", "At a glance"));
  const head = el("thead", undefined, { class: "sr-only" });
  const headRow = el("tr");
  headRow.append(el("th", "Criterion", { scope: "col" }), el("th", "Met?", { scope: "col" }));
  head.append(headRow);
  const body = el("tbody");
  for (const row of rows) {
    const tr = el("tr", undefined, { "data-criterion": row.id });
    const th = el("th", row.label, { scope: "row" });
    th.append(el("span", row.detail, { class: "line" }));
    tr.append(th, el("td", row.verdict, { class: `verdict ${row.verdict}` }));
    body.append(tr);
  }
  table.append(head, body);
  return table;
}

function whySection(report) {
  const section = el("section", undefined, { id: "why", "aria-labelledby": "why-title" });
  const list = el("ol");
  for (const reason of strongestReasons(report)) {
    const item = el("li", undefined, { class: `reason ${reason.counts}` });
    item.append(el("span", reason.counts === "for" ? "Counts for: " : "Counts against: ", { class: "sr-only" }), reason.text);
    list.append(item);
  }
  section.append(el("h3", "Why", { id: "why-title" }), list);
  return section;
}

function storyItem(story) {
  const item = el("li", undefined, { class: "story" });
  item.append(chip(story.ratingScore, story.ratingLabel));
  item.append(el("strong", story.outlet || story.domain), " ");
  item.append(link(story.title || story.url, story.url));
  const notes = [];
  if (story.wireOrigin) notes.push(`${story.wireOrigin} wire story`);
  if (story.publishedAt) notes.push(story.publishedAt.slice(0, 10));
  if (notes.length) item.append(el("span", ` (${notes.join(", ")})`, { class: "muted" }));
  return item;
}

function coverageSection(coverage) {
  const section = el("section", undefined, { id: "coverage", "aria-labelledby": "coverage-title", "aria-live": "polite" });
  section.append(el("h3", "Who else reported this", { id: "coverage-title" }));
  const stories = coverage.stories || [];
  if (coverage.pending) section.append(el("p", "Searching…", { id: "coverage-pending", class: "progress", role: "status" }));
  if (stories.length) {
    const list = el("ul", undefined, { id: "coverage-stories" });
    list.append(...stories.map(storyItem));
    section.append(list);
  } else if (!coverage.pending) {
    section.append(el("p", "No other outlet's report of this event was found.", { class: "muted" }));
  }
  const claims = coverage.unreportedClaims || [];
  if (claims.length) {
    section.append(el("h4", "Claims no rated outlet reported"));
    const list = el("ul", undefined, { id: "unreported-claims" });
    list.append(...claims.map((claim) => el("li", claim)));
    section.append(list);
  }
  return section;
}

function signalDetails(report) {
  const parts = [];
  for (const signal of report.signals || []) {
    const box = el("div", undefined, { class: "signal" });
    const score = signal.available === false ? "unavailable" : `${Math.round(signal.score || 0)}/100`;
    box.append(el("h4", `${kindName(signal.kind)}: ${score}`));
    if (signal.kind === "SIGNAL_KIND_SOURCE_REPUTATION") {
      box.append(el("p", "The lists that rate the site are above.", { class: "muted" }));
      parts.push(box);
      continue;
    }
    const list = el("ul");
    for (const reason of signal.reasons || []) list.append(el("li", reason));
    for (const evidence of signal.evidence || []) {
      const item = el("li");
      item.append(link(evidence.title || evidence.url, evidence.url, { class: "evidence" }));
      list.append(item);
    }
    box.append(list);
    parts.push(box);
  }
  const searched = (report.coverage && report.coverage.searched) || [];
  if (searched.length) parts.push(el("p", `Searched: ${searched.join("; ")}.`, { class: "muted" }));
  if (report.modelVersion) parts.push(el("p", `Model ${report.modelVersion}.`, { class: "muted" }));
  return parts;
}

function showReport(report) {
  progress("");
  state.report = report;
  const look = lookOf(report.label);
  const score = Math.round(report.score || 0);
  showGlance(report.score || 0, report.label, report.confidence, "this article");
  const parts = [el("h2", `Article: ${score}/100 · ${look.text}`, { id: "report-score" })];
  if (report.title) parts.push(el("p", report.title, { class: "site" }));
  parts.push(criteriaTable(report), whySection(report));
  if (report.coverage) parts.push(coverageSection(report.coverage));
  $("report").replaceChildren(...parts);
  $("report").hidden = false;
  if (report.source && report.source.known) showLists(report.source);
  $("signals").replaceChildren(...signalDetails(report));
}

async function pageOf(tab) {
  const [result] = await chrome.scripting.executeScript({
    target: { tabId: tab.id },
    func: () => ({ url: location.href, html: document.documentElement.outerHTML }),
  });
  return result.result;
}

/** While the report's coverage search is still running, fetch the newer report and redraw. */
async function followCoverage() {
  const started = Date.now();
  while (state.jobId && state.report && state.report.coverage && state.report.coverage.pending) {
    if (Date.now() - started > COVERAGE_POLL_LIMIT_MS) return;
    await new Promise((resolve) => setTimeout(resolve, COVERAGE_POLL_MS));
    try {
      const reply = await call("GetReport", { jobId: state.jobId }, 10000);
      if (reply.report && JSON.stringify(reply.report) !== JSON.stringify(state.report)) showReport(reply.report);
    } catch {
      return;
    }
  }
}

async function analyze(tab) {
  $("analyze").disabled = true;
  $("error").hidden = true;
  progress("Reading the page…");
  try {
    const page = await pageOf(tab);
    progress("Analyzing… this can take a little while.");
    let reply = await call("ScoreArticle", { url: page.url, html: page.html }, 25000);
    const started = Date.now();
    state.jobId = (reply.job && reply.job.id) || "";
    while (reply.job && !["JOB_STATE_DONE", "JOB_STATE_FAILED"].includes(reply.job.state)) {
      if (Date.now() - started > POLL_LIMIT_MS) throw new Error("The analysis is taking too long; try again later.");
      progress(`Analyzing… (${reply.job.stage || "queued"})`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      reply = await call("GetReport", { jobId: state.jobId }, 10000);
    }
    if (reply.job && reply.job.state === "JOB_STATE_FAILED") {
      showError({ message: reply.job.errorMessage || "The analysis failed.", reason: reply.job.errorReason });
      return;
    }
    showReport(reply.report || {});
    followCoverage();
  } catch (error) {
    showError(error);
  } finally {
    $("analyze").disabled = false;
  }
}

function feedbackMessage() {
  const message = { url: state.url, note: $("feedback-note").value.trim() };
  if (state.report) {
    message.score = Math.round(state.report.score || 0);
    message.modelVersion = state.report.modelVersion || "";
  }
  return message;
}

function updatePreview() {
  $("feedback-preview").textContent = JSON.stringify(feedbackMessage(), null, 2);
}

async function openFeedback() {
  const { serverUrl } = await getSettings();
  $("feedback-server").textContent = serverUrl;
  $("feedback-form").hidden = false;
  $("feedback-open").setAttribute("aria-expanded", "true");
  $("feedback-status").textContent = "";
  updatePreview();
  $("feedback-note").focus();
}

function closeFeedback() {
  $("feedback-form").hidden = true;
  $("feedback-open").setAttribute("aria-expanded", "false");
  $("feedback-open").focus();
}

async function submitFeedback(event) {
  event.preventDefault();
  $("feedback-send").disabled = true;
  try {
    await sendFeedback(feedbackMessage());
    $("feedback-note").value = "";
    closeFeedback();
    $("feedback-status").textContent = "Thank you: your note was sent to the operators.";
  } catch (error) {
    $("feedback-status").textContent =
      error.reason === "FEEDBACK_RATE_LIMITED"
        ? "Not sent: you have sent several notes in a short time; try again in a minute (your note is kept)."
        : `Not sent: ${error.message}${error.reason ? ` (${error.reason})` : ""}`;
  } finally {
    $("feedback-send").disabled = false;
  }
}

async function targetTab() {
  const id = Number(new URLSearchParams(location.search).get("tab"));
  if (id) return chrome.tabs.get(id);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab;
}

async function main() {
  $("feedback-open").addEventListener("click", openFeedback);
  $("feedback-cancel").addEventListener("click", closeFeedback);
  $("feedback-note").addEventListener("input", updatePreview);
  $("feedback-form").addEventListener("submit", submitFeedback);
  const domain = new URLSearchParams(location.search).get("domain");
  if (domain) {
    document.title = `Credence: ${domain}`;
    $("analyze").hidden = true;
    $("details").open = true;
    state.url = `https://${domain}/`;
    await showSource(domain, "site rating");
    return;
  }
  const tab = await targetTab();
  if (!tab) return;
  state.url = tab.url || "";
  $("analyze").addEventListener("click", () => analyze(tab));
  await showSource(state.url, "site rating");
  const { autoAnalyze } = await getSettings();
  if (autoAnalyze && /^https?:/.test(state.url)) analyze(tab);
}

main();
