// The options page: which sites get badges beside links (each asks for its host permission
// when turned on, and gives it back when turned off), the server URL (host permission asked
// for on save), the API key, and automatic analysis (off by default).

import { ALL_SITES } from "./badges/sites.js";
import { keyAllowedOver } from "./api.js";
import { getSettings } from "./settings.js";

const $ = (id) => document.getElementById(id);

function siteToggle(site, on) {
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = `site-${site.id}`;
  box.checked = on;
  box.addEventListener("change", () => setSite(site, box));
  label.append(box, ` ${site.name}`);
  return label;
}

async function setSite(site, box) {
  const { badgeSites } = await getSettings();
  if (box.checked) {
    const granted = await chrome.permissions.request({ origins: site.matches }).catch(() => false);
    if (!granted) {
      box.checked = false;
      $("sites-status").textContent = `Permission to read ${site.name} was not granted; badges stay off there.`;
      return;
    }
  } else {
    await chrome.permissions.remove({ origins: site.matches }).catch(() => false);
  }
  await chrome.storage.local.set({ badgeSites: { ...badgeSites, [site.id]: box.checked } });
  $("sites-status").textContent = `Badges ${box.checked ? "on" : "off"}: ${site.name}.`;
}

async function load() {
  const settings = await getSettings();
  $("serverUrl").value = settings.serverUrl;
  $("apiKey").value = settings.apiKey;
  $("autoAnalyze").checked = settings.autoAnalyze;
  $("sites").append(...ALL_SITES.map((site) => siteToggle(site, Boolean(settings.badgeSites[site.id]))));
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
  const apiKey = $("apiKey").value.trim();
  if (apiKey && !keyAllowedOver(origin)) {
    $("status").textContent = `The API key is sent only over https (or http to this computer); use an https URL for ${origin}.`;
    return;
  }
  const granted = await chrome.permissions.request({ origins: [`${origin}/*`] }).catch(() => false);
  if (!granted && !(await chrome.permissions.contains({ origins: [`${origin}/*`] }))) {
    $("status").textContent = `Permission to reach ${origin} was not granted.`;
    return;
  }
  await chrome.storage.local.set({ serverUrl: origin, apiKey, autoAnalyze: $("autoAnalyze").checked });
  const reply = await chrome.runtime.sendMessage({ type: "refresh-ratings" }).catch(() => null);
  $("status").textContent = reply ? `Saved. ${reply.count} rated sites cached.` : "Saved.";
}

$("save").addEventListener("click", save);
load();
