// The extension's settings and cached ratings list in chrome.storage.local.

export const DEFAULTS = {
  serverUrl: "http://127.0.0.1:8080",
  apiKey: "",
  autoAnalyze: false,
  // Sites whose links get badges, by id in badges/sites.js; all off until the reader turns
  // one on in the options (which asks for that site's host permission).
  badgeSites: {},
};

/** The settings, with defaults for what was never saved. */
export async function getSettings() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  return { ...DEFAULTS, ...stored, serverUrl: (stored.serverUrl || DEFAULTS.serverUrl).replace(/\/+$/, "") };
}

/** The cached ratings list: {domains, etag, modelVersion, fetchedAt} (domains may be {}). */
export async function getRatings() {
  const { ratings } = await chrome.storage.local.get("ratings");
  return ratings || { domains: {}, etag: "", modelVersion: "", fetchedAt: 0 };
}
