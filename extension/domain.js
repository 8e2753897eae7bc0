// Site look-ups in the locally cached ratings list: which rated domain a page belongs to.
// No Public Suffix List is downloaded: the host and then each parent domain are tried in the
// ratings map, stopping at the registrable domain (two labels, or three under the common
// multi-part suffixes below).

const STRIPPED_PREFIXES = ["www.", "m.", "amp."];

const MULTI_PART_SUFFIXES = new Set([
  "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk",
  "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
  "co.nz", "org.nz", "net.nz", "govt.nz", "ac.nz",
  "co.za", "org.za", "gov.za", "co.in", "net.in", "org.in", "gov.in",
  "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "co.kr", "or.kr",
  "com.br", "org.br", "gov.br", "net.br", "com.mx", "org.mx", "gob.mx",
  "com.ar", "com.tr", "org.tr", "com.cn", "org.cn", "net.cn", "gov.cn",
  "com.hk", "com.sg", "com.my", "com.ph", "com.pk", "com.ng", "com.eg", "com.sa",
  "co.il", "org.il", "co.id", "or.id", "com.ua", "co.ke", "com.gh",
]);

/** The page's host, lower case, without "www.", "m." or "amp."; "" for non-web URLs. */
export function siteHost(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return "";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "";
  return normalHost(parsed.hostname);
}

/**
 * The host of an absolute http(s) address, as written (not normalised): read from the string
 * without building a URL object, for the badge script that looks at thousands of links. ""
 * for other schemes and for IPv6 literals (never on a rating list).
 */
export function hrefHost(href) {
  let start;
  if (href.startsWith("https://")) start = 8;
  else if (href.startsWith("http://")) start = 7;
  else if (/^https?:\/\//i.test(href)) start = href.charAt(4) === ":" ? 7 : 8;
  else return "";
  let end = href.length;
  for (let i = start; i < href.length; i += 1) {
    const c = href.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35 || c === 92) {
      end = i; // the first / ? # or \ ends the authority
      break;
    }
  }
  let host = href.slice(start, end);
  const at = host.lastIndexOf("@");
  if (at >= 0) host = host.slice(at + 1);
  if (host.startsWith("[")) return "";
  const colon = host.indexOf(":");
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** A host name, lower case, without "www.", "m." or "amp.". */
export function normalHost(hostname) {
  let host = hostname.toLowerCase().replace(/\.$/, "");
  let stripped = true;
  while (stripped) {
    stripped = false;
    for (const prefix of STRIPPED_PREFIXES) {
      if (host.startsWith(prefix) && host.split(".").length > 2) {
        host = host.slice(prefix.length);
        stripped = true;
      }
    }
  }
  return host;
}

function isIpAddress(host) {
  return /^[\d.]+$/.test(host) || host.includes(":") || host.startsWith("[");
}

/** The registrable domain of a host ("news.bbc.co.uk" -> "bbc.co.uk"); "" when it has none. */
export function registrableDomain(host) {
  if (!host || isIpAddress(host)) return "";
  const labels = host.split(".");
  if (labels.length < 2) return "";
  const lastTwo = labels.slice(-2).join(".");
  const size = MULTI_PART_SUFFIXES.has(lastTwo) ? 3 : 2;
  return labels.length >= size ? labels.slice(-size).join(".") : "";
}

/** The host, then its parents down to the registrable domain, most specific first. */
export function candidateDomains(host) {
  const registrable = registrableDomain(host);
  if (!registrable) return [];
  const labels = host.split(".");
  const floor = registrable.split(".").length;
  const out = [];
  for (let i = 0; labels.length - i >= floor; i += 1) out.push(labels.slice(i).join("."));
  return out;
}

/**
 * The rating of the site at `url` in `domains`: {domain, score, label, lists, kind} or null.
 * On a platform of user-generated content (`platforms`: medium.com, substack.com, ...) a
 * writer's subdomain or page never inherits the platform's rating.
 */
export function lookUp(domains, url, platforms = []) {
  return lookUpHost(domains, siteHost(url), platforms, pagePath(url));
}

/** The rating of a host (as `siteHost` gives it, on page `path`) in `domains`, or null. */
export function lookUpHost(domains, host, platforms = [], path = "/") {
  const onPlatform = new Set(platforms);
  for (const candidate of candidateDomains(host)) {
    if (onPlatform.has(candidate) && (candidate !== host || path !== "/")) return null;
    const entry = domains && domains[candidate];
    if (entry) {
      return {
        domain: candidate, score: entry[0], label: entry[1], lists: entry[2], kind: entry[3] || 0,
      };
    }
  }
  return null;
}

function pagePath(url) {
  try {
    return new URL(url).pathname || "/";
  } catch {
    return "/";
  }
}

/** Labels of the credence.v1.Label codes in the ratings list. */
export const LABELS = {
  1: { text: "High credibility", colour: "#137333", band: "high" },
  2: { text: "Generally credible", colour: "#137333", band: "high" },
  3: { text: "Proceed with caution", colour: "#b45309", band: "caution" },
  4: { text: "Low credibility", colour: "#b3261e", band: "low" },
  5: { text: "Satire", colour: "#7b1fa2", band: "satire" },
};

/** Words for the credence.v1.SourceKind codes in the ratings list (0: no list says). */
export const KINDS = {
  1: "satire",
  2: "state-affiliated media",
  3: "platform of user-generated content",
  4: "a writer on a platform",
  5: "news agency",
  6: "fact-checker",
  7: "conspiracy or pseudoscience source",
};
export const UNRATED = { text: "Not rated", colour: "#5f6368", band: "unrated" };
