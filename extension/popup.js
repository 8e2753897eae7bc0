// The popup: the site's rating (from the local list at once, then with its lists from the
// edge), and on request an analysis of the article in the tab. The page's URL and HTML leave
// the browser only when the reader presses "Analyze this article" (or turned on automatic
// analysis in the options). `popup.html?tab=<id>` targets a given tab (used in tests).

import { call } from "./api.js";
import { KINDS, LABELS, UNRATED, lookUp, siteHost } from "./domain.js";
import { getRatings, getSettings } from "./settings.js";

const POLL_MS = 1000;
const POLL_LIMIT_MS = 180000;
const $ = (id) => document.getElementById(id);

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

async function targetTab() {
  const id = Number(new URLSearchParams(location.search).get("tab"));
  if (id) return chrome.tabs.get(id);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab;
}

function showBadge(score, label) {
  const look = LABELS[label] || UNRATED;
  const badge = $("badge");
  badge.className = `badge ${look.band}`;
  badge.textContent = score === null ? "?" : String(Math.round(score));
  $("site-label").textContent = score === null ? look.text : `${look.text} · ${Math.round(score)}/100`;
}

async function showSource(tab) {
  const host = siteHost(tab.url || "");
  $("site").textContent = host || "This page";
  const cached = await getRatings();
  const local = lookUp(cached.domains, tab.url || "", cached.platforms || []);
  if (local) {
    $("site").textContent = KINDS[local.kind] ? `${local.domain} (${KINDS[local.kind]})` : local.domain;
    showBadge(local.score, local.label);
  } else {
    showBadge(null, 0);
  }
  if (!host) return;
  try {
    const { rating } = await call("GetSourceRating", { domain: host }, 10000);
    if (!rating || !rating.known) {
      $("lists").replaceChildren(el("p", "No open rating list rates this site; its score is a neutral prior."));
      return;
    }
    $("site").textContent = rating.domain;
    showBadge(rating.score, labelCode(rating.label));
    const list = el("ul");
    for (const r of rating.ratings || []) {
      const item = el("li");
      const link = el("a", r.listName || r.list, { href: r.url || "#", target: "_blank", rel: "noopener" });
      item.append(link, document.createTextNode(`: ${r.originalLabel || "rated"}${r.asOf ? ` (${r.asOf})` : ""}`));
      list.append(item);
    }
    $("lists").replaceChildren(el("p", "Rated by:"), list);
  } catch (error) {
    $("lists").replaceChildren(el("p", `Lists not loaded: ${error.message}`, { class: "error" }));
  }
}

function labelCode(label) {
  const names = ["LABEL_UNSPECIFIED", "LABEL_HIGH_CREDIBILITY", "LABEL_GENERALLY_CREDIBLE",
    "LABEL_PROCEED_WITH_CAUTION", "LABEL_LOW_CREDIBILITY", "LABEL_SATIRE"];
  return typeof label === "number" ? label : Math.max(0, names.indexOf(label));
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

function showReport(report) {
  progress("");
  const box = $("report");
  const look = LABELS[labelCode(report.label)] || UNRATED;
  const head = el("h2", `Article: ${Math.round(report.score || 0)}/100 · ${look.text}`, { id: "report-score" });
  head.style.color = look.colour;
  const parts = [head];
  if (report.title) parts.push(el("div", report.title, { class: "site" }));
  parts.push(el("div", `Confidence ${Math.round(100 * (report.confidence || 0))}%`, { class: "label" }));
  if (report.summary) parts.push(el("p", report.summary, { class: "summary" }));
  for (const signal of report.signals || []) {
    const section = el("div", undefined, { class: "signal" });
    const name = (signal.kind || "").replace("SIGNAL_KIND_", "").replaceAll("_", " ").toLowerCase();
    const score = signal.available === false ? "unavailable" : `${Math.round(signal.score || 0)}/100`;
    section.append(el("h3", `${name}: ${score}`));
    const reasons = el("ul");
    for (const reason of signal.reasons || []) reasons.append(el("li", reason, { class: "reason" }));
    for (const link of signal.evidence || []) {
      const item = el("li");
      item.append(el("a", link.title || link.url, { href: link.url, target: "_blank", rel: "noopener", class: "evidence" }));
      if (link.source) item.append(document.createTextNode(` — ${link.source}`));
      reasons.append(item);
    }
    section.append(reasons);
    parts.push(section);
  }
  box.replaceChildren(...parts);
  box.hidden = false;
}

async function pageOf(tab) {
  const [result] = await chrome.scripting.executeScript({
    target: { tabId: tab.id },
    func: () => ({ url: location.href, html: document.documentElement.outerHTML }),
  });
  return result.result;
}

async function analyze(tab) {
  $("analyze").disabled = true;
  $("error").hidden = true;
  $("report").hidden = true;
  progress("Reading the page…");
  try {
    const page = await pageOf(tab);
    progress("Analyzing… this can take a little while.");
    let reply = await call("ScoreArticle", { url: page.url, html: page.html }, 25000);
    const started = Date.now();
    while (reply.job && !["JOB_STATE_DONE", "JOB_STATE_FAILED"].includes(reply.job.state)) {
      if (Date.now() - started > POLL_LIMIT_MS) throw new Error("The analysis is taking too long; try again later.");
      progress(`Analyzing… (${reply.job.stage || "queued"})`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      reply = await call("GetReport", { jobId: reply.job.id }, 10000);
    }
    if (reply.job && reply.job.state === "JOB_STATE_FAILED") {
      showError({ message: reply.job.errorMessage || "The analysis failed.", reason: reply.job.errorReason });
      return;
    }
    showReport(reply.report || {});
  } catch (error) {
    showError(error);
  } finally {
    $("analyze").disabled = false;
  }
}

async function main() {
  const tab = await targetTab();
  if (!tab) return;
  $("analyze").addEventListener("click", () => analyze(tab));
  await showSource(tab);
  const { autoAnalyze } = await getSettings();
  if (autoAnalyze && /^https?:/.test(tab.url || "")) analyze(tab);
}

main();
