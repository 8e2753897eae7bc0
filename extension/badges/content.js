// Badges beside links: each result or feed link to a rated site gets a small coloured mark
// with the site's score, looked up in the ratings list cached in the browser (nothing leaves
// it). The page is scanned once; after that a MutationObserver looks only at the nodes added
// (infinite scroll). Hover shows the label and the top reason; a click opens the source card.
// Turning the site off in the options removes the badges at once.

import { LABELS, lookUpHost, normalHost, registrableDomain, siteHost } from "../domain.js";
import { siteFor } from "./sites.js";

const BADGE_CLASS = "credence-badge";
const site = siteFor(location.hostname);
const pageDomain = registrableDomain(siteHost(location.href));
let seen = new WeakSet();
const badgeByHost = new Map();
let domains = {};
let observer = null;
let spentMs = 0;
let badgeCount = 0;

/** The host a link leads to: its own, or the one a redirect link wraps. */
function hostOf(link) {
  if (site.target) return siteHost(site.target(link));
  const protocol = link.protocol;
  return protocol === "https:" || protocol === "http:" ? normalHost(link.hostname) : "";
}

/** A badge for each rated host, made once and cloned for each link to that host. */
function badgeOfHost(host) {
  if (badgeByHost.has(host)) return badgeByHost.get(host);
  const rating = !host || registrableDomain(host) === pageDomain ? null : lookUpHost(domains, host);
  const badge = rating ? makeBadge(rating) : null;
  badgeByHost.set(host, badge);
  return badge;
}

function makeBadge(rating) {
  const look = LABELS[rating.label];
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

function annotateLink(link) {
  if (seen.has(link)) return;
  seen.add(link);
  const badge = badgeOfHost(hostOf(link));
  if (!badge) return;
  link.after(badge.cloneNode(true));
  badgeCount += 1;
}

/** Badges the links in `root` (an element added to the page, or the whole document). */
function annotate(root) {
  const started = performance.now();
  if (root.matches && root.matches(site.links)) annotateLink(root);
  for (const link of root.querySelectorAll(site.links)) annotateLink(link);
  spentMs += performance.now() - started;
  document.documentElement.dataset.credenceMs = spentMs.toFixed(2);
  document.documentElement.dataset.credenceBadges = String(badgeCount);
}

function onMutations(records) {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType === Node.ELEMENT_NODE && !node.classList.contains(BADGE_CLASS)) annotate(node);
    }
  }
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
  annotate(document);
  observer = new MutationObserver(onMutations);
  observer.observe(document.body || document.documentElement, { childList: true, subtree: true });
  document.addEventListener("click", onClick, true);
}

function stop() {
  if (observer) observer.disconnect();
  observer = null;
  document.removeEventListener("click", onClick, true);
  for (const badge of document.querySelectorAll(`.${BADGE_CLASS}`)) badge.remove();
  seen = new WeakSet();
  badgeCount = 0;
  document.documentElement.dataset.credenceBadges = "0";
}

function turnedOn(badgeSites) {
  return Boolean(badgeSites && badgeSites[site.id]);
}

async function main() {
  const { ratings, badgeSites } = await chrome.storage.local.get(["ratings", "badgeSites"]);
  domains = (ratings && ratings.domains) || {};
  if (turnedOn(badgeSites)) start();
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== "local") return;
    if (changes.ratings) {
      domains = (changes.ratings.newValue && changes.ratings.newValue.domains) || {};
      badgeByHost.clear();
    }
    if (changes.badgeSites) (turnedOn(changes.badgeSites.newValue) ? start : stop)();
  });
}

main();
