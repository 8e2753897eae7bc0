// The options page: server URL (host permission requested for it on save), API key, and
// automatic analysis (off by default).

import { getSettings } from "./settings.js";

const $ = (id) => document.getElementById(id);

async function load() {
  const settings = await getSettings();
  $("serverUrl").value = settings.serverUrl;
  $("apiKey").value = settings.apiKey;
  $("autoAnalyze").checked = settings.autoAnalyze;
}

async function save() {
  let origin;
  try {
    const url = new URL($("serverUrl").value.trim());
    if (!["http:", "https:"].includes(url.protocol)) throw new Error("use http or https");
    origin = url.origin;
  } catch (error) {
    $("status").textContent = `Server URL is not valid: ${error.message}`;
    return;
  }
  const granted = await chrome.permissions.request({ origins: [`${origin}/*`] }).catch(() => false);
  if (!granted && !(await chrome.permissions.contains({ origins: [`${origin}/*`] }))) {
    $("status").textContent = `Permission to reach ${origin} was not granted.`;
    return;
  }
  await chrome.storage.local.set({
    serverUrl: origin,
    apiKey: $("apiKey").value.trim(),
    autoAnalyze: $("autoAnalyze").checked,
  });
  const reply = await chrome.runtime.sendMessage({ type: "refresh-ratings" }).catch(() => null);
  $("status").textContent = reply ? `Saved. ${reply.count} rated sites cached.` : "Saved.";
}

$("save").addEventListener("click", save);
load();
