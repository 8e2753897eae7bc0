// Badges beside links: each result or feed link to a rated site gets a small coloured mark
// with the site's score, looked up in the ratings list cached in the browser (nothing leaves
// it; the service worker answers for the hosts a page links to, so that no page has to load
// the whole list). The page is scanned once; after that a MutationObserver looks only at the
// nodes added (infinite scroll). Hover shows the label and the number of lists; a click opens
// the source card. Turning the site off in the options removes the badges at once.
//
// Kept off the page's way on pages with thousands of links: the host is read from the href
// attribute's string (no URL object per link) and looked up once per host (one message for
// all the new hosts of a scan); links are handled in slices of about SLICE_MS, each reading
// every link of a batch before inserting that batch's badges, with the main thread given back
// between slices (scheduler.yield, else a zero timeout); the observer is paused while badges
// are inserted, so it never sees them; the look is one stylesheet (badge.css), no inline
// style. The script's own time is written to data-credence-ms (and the slices to
// data-credence-*) on the root element for the tests.

import { LABELS, hrefHost, normalHost, registrableDomain, siteHost } from "../domain.js";
import { siteFor } from "./sites.js";

const BADGE_CLASS = "credence-badge";
const SLICE_MS = 8;
const BATCH = 100;
const site = siteFor(location.hostname);
const pageDomain = registrableDomain(siteHost(location.href));
const resolveEach = Boolean(document.querySelector("base[href]"));
const badgeByHost = new Map();
let seen = new WeakSet();
let waiting = { links: [], hosts: [] };
let observer = null;
let observing = null;
let queue = [];
let drainingFor = -1;
let generation = 0;
const timing = { startMs: -1, spentMs: 0, slices: 0, longestSliceMs: 0, badges: 0 };

/** The address a link leads to: its own, or the one a redirect link wraps. Read from the
 * attribute, which costs far less than the resolved `link.href`; a relative address is the
 * page's own site (never badged) unless the page sets a <base>. */
function addressOf(link) {
  let href = resolveEach ? link.href : link.getAttribute("href");
  if (typeof href !== "string") return ""; // an SVG <a> resolved: an animated value
  if (href.charCodeAt(0) <= 32) href = href.trim();
  if (href.startsWith("//")) href = location.protocol + href;
  return site.target ? site.target(link, href) : href;
}

/** The badge made once for each host as written in links (null when not rated, undefined
 * while the host's rating is not known yet); clones of it go beside each link to that host. */
function badgeOfHost(rawHost) {
  const badge = badgeByHost.get(rawHost);
  if (badge !== undefined || !rawHost) return badge || null;
  if (registrableDomain(normalHost(rawHost)) === pageDomain) {
    badgeByHost.set(rawHost, null);
    return null;
  }
  return undefined;
}

/** Asks the service worker for the ratings of `rawHosts` and makes their badges. */
async function rateHosts(rawHosts) {
  let ratings = {};
  try {
    ({ ratings } = await chrome.runtime.sendMessage({ type: "rate-hosts", hosts: rawHosts }));
  } catch (error) {
    console.warn("Credence: no ratings for the page's links:", error.message);
  }
  for (const host of rawHosts) {
    const rating = ratings && ratings[host];
    badgeByHost.set(host, rating ? makeBadge(rating) : null);
  }
}

function makeBadge(rating) {
  const look = LABELS[rating.label];
  if (!look) return null;
  const score = Math.round(rating.score);
  const lists = `${rating.lists} independent rating list${rating.lists === 1 ? "" : "s"}`;
  const badge = document.createElement("button");
  badge.type = "button";
  badge.className = `${BADGE_CLASS} credence-${look.band}`;
  badge.textContent = String(score);
  badge.title = `${look.text} (${score}/100): ${rating.domain} is rated by ${lists}. Click for the source card.`;
  badge.setAttribute("aria-label", `Credence: ${rating.domain}, ${look.text}, ${score} of 100. Open the source card.`);
  badge.dataset.credenceDomain = rating.domain;
  return badge;
}

/** Queues the links under `root` (an element added to the page, or the whole document). */
function collect(root) {
  if (root.nodeType === Node.ELEMENT_NODE && root.matches(site.links)) queue.push({ links: [root], at: 0 });
  const links = root.querySelectorAll(site.links);
  if (links.length) queue.push({ links, at: 0 });
}

/** Runs `work` and counts its time as the script's (the observer's callbacks, the first scan). */
function timed(work) {
  const started = performance.now();
  if (timing.startMs < 0) timing.startMs = started;
  work();
  timing.spentMs += performance.now() - started;
}

function pause() {
  if (!observer) return;
  const pending = observer.takeRecords();
  observer.disconnect();
  for (const record of pending) added(record);
}

function resume() {
  if (observer) observer.observe(observing, { childList: true, subtree: true });
}

/** One slice: batches of links, each read (href, host, badge) before its badges are
 * inserted, until the slice has had SLICE_MS. Links to hosts whose rating is not known yet
 * wait in `waiting`. Returns false when the queue is empty. */
function slice() {
  const started = performance.now();
  const links = [];
  const badges = [];
  while (queue.length) {
    links.length = 0;
    badges.length = 0;
    let read = 0;
    while (read < BATCH && queue.length) {
      const entry = queue[0];
      let index = entry.at;
      for (; index < entry.links.length && read < BATCH; index += 1) {
        const link = entry.links[index];
        read += 1;
        let host;
        if (entry.hosts) {
          host = entry.hosts[index];
        } else {
          if (seen.has(link)) continue;
          seen.add(link);
          host = hrefHost(addressOf(link));
        }
        const badge = badgeOfHost(host);
        if (badge === undefined) {
          waiting.links.push(link);
          waiting.hosts.push(host);
        } else if (badge) {
          links.push(link);
          badges.push(badge);
        }
      }
      if (index >= entry.links.length) queue.shift();
      else entry.at = index;
    }
    if (links.length) {
      pause();
      for (let i = 0; i < links.length; i += 1) links[i].after(badges[i].cloneNode(true));
      resume();
      timing.badges += links.length;
    }
    if (performance.now() - started >= SLICE_MS) break;
  }
  const spent = performance.now() - started;
  timing.spentMs += spent;
  timing.slices += 1;
  timing.longestSliceMs = Math.max(timing.longestSliceMs, spent);
  return queue.length > 0;
}

function yieldToPage() {
  if (globalThis.scheduler && typeof scheduler.yield === "function") return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Works through the queue slice by slice, yielding between slices; then asks for the
 * ratings of the hosts met for the first time, and badges the links that waited for them. */
async function drain() {
  if (drainingFor === generation) return;
  const mine = generation;
  drainingFor = mine;
  for (;;) {
    if (slice()) {
      await yieldToPage();
    } else if (waiting.links.length) {
      const batch = waiting;
      waiting = { links: [], hosts: [] };
      await rateHosts([...new Set(batch.hosts)].filter((host) => !badgeByHost.has(host)));
      if (mine === generation) queue.push({ links: batch.links, hosts: batch.hosts, at: 0 });
    } else {
      break;
    }
    if (mine !== generation) return; // turned off meanwhile; a newer drain may be running
  }
  drainingFor = -1;
  publish();
}

/** The figures the tests read (written once per drained queue, not per slice). */
function publish() {
  const data = document.documentElement.dataset;
  data.credenceMs = timing.spentMs.toFixed(2);
  data.credenceBadges = String(timing.badges);
  data.credenceSlices = String(timing.slices);
  data.credenceLongestSliceMs = timing.longestSliceMs.toFixed(2);
  data.credenceStartMs = timing.startMs.toFixed(2);
  data.credenceEndMs = performance.now().toFixed(2);
}

function added(record) {
  for (const node of record.addedNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && !node.classList.contains(BADGE_CLASS)) collect(node);
  }
}

function onMutations(records) {
  timed(() => {
    for (const record of records) added(record);
  });
  drain();
}

function onClick(event) {
  const badge = event.target.closest && event.target.closest(`.${BADGE_CLASS}`);
  if (!badge) return;
  event.preventDefault();
  event.stopPropagation();
  chrome.runtime.sendMessage({ type: "open-source-card", domain: badge.dataset.credenceDomain });
}

function start() {
  if (observer) return;
  timed(() => collect(document));
  observing = document.body || document.documentElement;
  observer = new MutationObserver(onMutations);
  resume();
  document.addEventListener("click", onClick, true);
  drain();
}

function stop() {
  generation += 1;
  queue = [];
  waiting = { links: [], hosts: [] };
  if (observer) observer.disconnect();
  observer = null;
  document.removeEventListener("click", onClick, true);
  for (const badge of document.querySelectorAll(`.${BADGE_CLASS}`)) badge.remove();
  seen = new WeakSet();
  timing.badges = 0;
  document.documentElement.dataset.credenceBadges = "0";
}

function turnedOn(badgeSites) {
  return Boolean(badgeSites && badgeSites[site.id]);
}

async function main() {
  const { badgeSites } = await chrome.storage.local.get("badgeSites");
  if (turnedOn(badgeSites)) start();
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== "local") return;
    if (changes.ratings) badgeByHost.clear();
    if (changes.badgeSites) (turnedOn(changes.badgeSites.newValue) ? start : stop)();
  });
}

main();
