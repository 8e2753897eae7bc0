// The extension's service worker: keeps the ratings list cached (fetched from the edge on
// install, then refreshed on a schedule with chrome.alarms, ETag aware) and sets the toolbar
// badge of each tab from it, and answers the badge script's look-ups of the hosts a page links
// to. Nothing is requested per page visit: look-ups are local.

import { ALL_SITES, NEWS_SITES, SITES } from "./badges/sites.js";
import { KINDS, LABELS, lookUp, lookUpHost, normalHost } from "./domain.js";
import { DEFAULTS, getRatings, getSettings } from "./settings.js";

const REFRESH_ALARM = "refresh-ratings";
const REFRESH_MINUTES = 6 * 60;

let domainsInMemory = null;
let platformsInMemory = [];

async function domains() {
  if (domainsInMemory === null) {
    const ratings = await getRatings();
    domainsInMemory = ratings.domains;
    platformsInMemory = ratings.platforms || [];
  }
  return domainsInMemory;
}

/** Fetches the ratings list unless the cached one is current; returns the number of domains. */
export async function refreshRatings({ force = false } = {}) {
  const { serverUrl } = await getSettings();
  const cached = await getRatings();
  const headers = {};
  if (cached.etag && !force && cached.serverUrl === serverUrl) headers["If-None-Match"] = cached.etag;
  let response;
  try {
    response = await fetch(`${serverUrl}/v1/ratings.json`, { headers, cache: "no-cache" });
  } catch (error) {
    console.warn("Credence: ratings list not fetched:", error.message);
    return Object.keys(cached.domains).length;
  }
  if (response.status === 304) {
    await chrome.storage.local.set({ ratings: { ...cached, fetchedAt: Date.now() } });
    return Object.keys(cached.domains).length;
  }
  if (!response.ok) {
    console.warn("Credence: ratings list answered", response.status);
    return Object.keys(cached.domains).length;
  }
  const list = await response.json();
  const ratings = {
    domains: list.domains || {},
    platforms: list.platforms || [],
    etag: response.headers.get("ETag") || "",
    modelVersion: list.model_version || "",
    generatedAt: list.generated_at || "",
    serverUrl,
    fetchedAt: Date.now(),
  };
  await chrome.storage.local.set({ ratings });
  domainsInMemory = ratings.domains;
  platformsInMemory = ratings.platforms;
  await refreshAllBadges();
  return Object.keys(ratings.domains).length;
}

/** Sets a tab's badge: the score in the band's colour, or a grey "?" for unrated sites. */
async function updateBadge(tabId, url) {
  if (!url || !/^https?:/.test(url)) {
    await chrome.action.setBadgeText({ tabId, text: "" });
    return;
  }
  const rating = lookUp(await domains(), url, platformsInMemory);
  const look = rating ? LABELS[rating.label] : null;
  const text = rating ? String(Math.round(rating.score)) : "?";
  const colour = look ? look.colour : "#5f6368";
  const title = rating
    ? `Credence: ${rating.domain} — ${look.text}${KINDS[rating.kind] ? `, ${KINDS[rating.kind]}` : ""} (${Math.round(rating.score)}/100, ${rating.lists} list${rating.lists === 1 ? "" : "s"})`
    : "Credence: this site is not on the rating lists";
  await chrome.action.setBadgeText({ tabId, text });
  await chrome.action.setBadgeBackgroundColor({ tabId, color: colour });
  await chrome.action.setBadgeTextColor({ tabId, color: "#ffffff" });
  await chrome.action.setTitle({ tabId, title });
}

async function refreshAllBadges() {
  const tabs = await chrome.tabs.query({});
  await Promise.all(tabs.map((tab) => updateBadge(tab.id, tab.url).catch(() => {})));
}

let syncing = Promise.resolve([]);

/** Registers the badge content script for each site the reader turned on and permitted
 * (one sync at a time, so that two quick toggles never register a script twice). */
export function syncBadgeScripts() {
  syncing = syncing.then(registerBadgeScripts, registerBadgeScripts);
  return syncing;
}

async function registerBadgeScripts() {
  const { badgeSites } = await getSettings();
  const registered = await chrome.scripting.getRegisteredContentScripts();
  const wanted = [];
  for (const site of ALL_SITES) {
    if (!badgeSites[site.id]) continue;
    if (!(await chrome.permissions.contains({ origins: site.matches }))) continue;
    wanted.push({
      id: `badges-${site.id}`,
      matches: site.matches,
      excludeMatches: site === NEWS_SITES ? SITES.flatMap((s) => s.matches) : [],
      js: ["badges/boot.js"],
      css: ["badges/badge.css"],
      runAt: "document_idle",
      persistAcrossSessions: true,
    });
  }
  const stale = registered.map((r) => r.id).filter((id) => id.startsWith("badges-"));
  if (stale.length) await chrome.scripting.unregisterContentScripts({ ids: stale });
  if (wanted.length) await chrome.scripting.registerContentScripts(wanted);
  return wanted.map((w) => w.id);
}

const MAX_HOSTS_PER_ASK = 10000;

/** The ratings of the hosts a page's links lead to (as the badge script read them from the
 * links): {host: {domain, score, label, lists, kind} or null}. The list stays here; a page
 * gets only what it links to. */
async function rateHosts(hosts) {
  const known = await domains();
  const ratings = {};
  for (const host of hosts.slice(0, MAX_HOSTS_PER_ASK)) {
    if (typeof host === "string") ratings[host] = lookUpHost(known, normalHost(host));
  }
  return ratings;
}

/** The source card of a domain (from a badge click): the popup page in a window of its own. */
async function openSourceCard(domain) {
  const url = chrome.runtime.getURL(`popup.html?domain=${encodeURIComponent(domain)}`);
  await chrome.windows.create({ url, type: "popup", width: 440, height: 640 });
}

chrome.runtime.onInstalled.addListener(async () => {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  await chrome.storage.local.set({ ...DEFAULTS, ...stored });
  await chrome.alarms.create(REFRESH_ALARM, { periodInMinutes: REFRESH_MINUTES });
  await syncBadgeScripts();
  await refreshRatings();
});

chrome.permissions.onRemoved.addListener(() => syncBadgeScripts());

chrome.runtime.onStartup.addListener(async () => {
  if (!(await chrome.alarms.get(REFRESH_ALARM))) {
    await chrome.alarms.create(REFRESH_ALARM, { periodInMinutes: REFRESH_MINUTES });
  }
  const { fetchedAt } = await getRatings();
  if (Date.now() - fetchedAt > REFRESH_MINUTES * 60 * 1000) await refreshRatings();
});

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === REFRESH_ALARM) refreshRatings();
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && changes.serverUrl) refreshRatings({ force: true });
  if (area === "local" && changes.badgeSites) syncBadgeScripts();
});

chrome.tabs.onUpdated.addListener((tabId, changeInfo, tab) => {
  if (changeInfo.url || changeInfo.status === "complete") updateBadge(tabId, tab.url);
});

chrome.tabs.onActivated.addListener(async ({ tabId }) => {
  const tab = await chrome.tabs.get(tabId);
  updateBadge(tabId, tab.url);
});

chrome.runtime.onMessage.addListener((message, _sender, reply) => {
  if (message && message.type === "refresh-ratings") {
    refreshRatings({ force: true }).then((count) => reply({ count }));
    return true;
  }
  if (message && message.type === "rate-hosts" && Array.isArray(message.hosts)) {
    rateHosts(message.hosts).then((ratings) => reply({ ratings }));
    return true;
  }
  if (message && message.type === "open-source-card" && typeof message.domain === "string") {
    openSourceCard(message.domain).then(() => reply({ ok: true }));
    return true;
  }
  return false;
});
