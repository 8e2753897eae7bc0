// The pages badges are shown on: search results, social feeds, and (when the reader turns it
// on) any news site's own links. Each site says where its result links are and how to read
// the real destination of a link the site wraps in a redirect (`target`; without it, the
// link's own host is used). Options asks for a site's host
// permission when the reader turns it on; the service worker registers the content script
// for the sites turned on and permitted.

/** The destination of a redirect link in the query parameter `name`, else the link itself. */
function unwrap(link, name) {
  try {
    const url = new URL(link.href);
    const inner = url.searchParams.get(name);
    return inner && /^https?:/i.test(inner) ? inner : link.href;
  } catch {
    return "";
  }
}

/** X shows a t.co link with the destination's address as its text ("reuters.com/world/…"). */
function shownAddress(link) {
  let host = "";
  try {
    host = new URL(link.href).hostname;
  } catch {
    return "";
  }
  if (host !== "t.co") return link.href;
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
    target: (link) => unwrap(link, "q"),
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
    target: (link) => unwrap(link, "uddg"),
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
    target: (link) => unwrap(link, "u"),
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
