// The pages badges are shown on: search results, social feeds, and (when the reader turns it
// on) any news site's own links. Each site says where its result links are and how to read
// the real destination of a link the site wraps in a redirect (`target(link, href)`, the
// address to look up; without it, the link's own address is used). Options asks for a site's
// host permission when the reader turns it on; the service worker registers the content
// script for the sites turned on and permitted.

import { hrefHost } from "../domain.js";

/** The destination of a redirect link in the query parameter `name`, else the link itself.
 * Read from the address string: no URL object per link. */
function unwrap(href, name) {
  const query = href.indexOf("?");
  if (query < 0) return href;
  const hash = href.indexOf("#", query);
  const key = `${name}=`;
  for (const part of href.slice(query + 1, hash < 0 ? undefined : hash).split("&")) {
    if (!part.startsWith(key)) continue;
    let inner;
    try {
      inner = decodeURIComponent(part.slice(key.length).replaceAll("+", " "));
    } catch {
      return "";
    }
    return /^https?:\/\//i.test(inner) ? inner : href;
  }
  return href;
}

/** X shows a t.co link with the destination's address as its text ("reuters.com/world/…"). */
function shownAddress(link, href) {
  if (hrefHost(href) !== "t.co") return href;
  const text = (link.textContent || "").trim().replace(/…$/, "").replace(/^https?:\/\//, "");
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+(\/|$)/i.test(text) ? `https://${text}` : "";
}

export const SITES = [
  {
    id: "google",
    name: "Google search results",
    matches: ["*://www.google.com/*", "*://www.google.co.uk/*", "*://www.google.ca/*", "*://www.google.com.au/*"],
    hosts: /^www\.google\.(com|co\.uk|ca|com\.au)$/,
    links: "#rso a[href]:has(h3)",
    target: (link, href) => unwrap(href, "q"),
  },
  {
    id: "bing",
    name: "Bing search results",
    matches: ["*://www.bing.com/*"],
    hosts: /^www\.bing\.com$/,
    links: "#b_results li.b_algo h2 a[href]",
  },
  {
    id: "duckduckgo",
    name: "DuckDuckGo search results",
    matches: ["*://duckduckgo.com/*", "*://html.duckduckgo.com/*"],
    hosts: /^(html\.)?duckduckgo\.com$/,
    links: "a[data-testid='result-title-a'][href], a.result__a[href]",
    target: (link, href) => unwrap(href, "uddg"),
  },
  {
    id: "reddit",
    name: "Reddit",
    matches: ["*://www.reddit.com/*", "*://old.reddit.com/*"],
    hosts: /^(www|old)\.reddit\.com$/,
    links: "shreddit-post a[href], shreddit-comment a[href], .thing a.title[href], .usertext-body a[href]",
  },
  {
    id: "x",
    name: "X (Twitter)",
    matches: ["*://x.com/*", "*://twitter.com/*"],
    hosts: /^(x|twitter)\.com$/,
    links: "article[data-testid='tweet'] a[href]",
    target: shownAddress,
  },
  {
    id: "facebook",
    name: "Facebook",
    matches: ["*://www.facebook.com/*"],
    hosts: /^www\.facebook\.com$/,
    links: "[role='feed'] a[href], [role='article'] a[href]",
    target: (link, href) => unwrap(href, "u"),
  },
  {
    id: "bluesky",
    name: "Bluesky",
    matches: ["*://bsky.app/*"],
    hosts: /^bsky\.app$/,
    links: "[data-testid^='feedItem'] a[href], [data-testid^='postThreadItem'] a[href]",
  },
];

/** Any other site: links to other rated sites, when the reader turns "news sites" on. */
export const NEWS_SITES = {
  id: "news",
  name: "News sites' own links (every other site)",
  matches: ["*://*/*"],
  hosts: /./,
  links: "a[href]",
};

export const ALL_SITES = [...SITES, NEWS_SITES];

/** The site definition for a page host. */
export function siteFor(hostname) {
  return SITES.find((site) => site.hosts.test(hostname)) || NEWS_SITES;
}
