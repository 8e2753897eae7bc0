// Content scripts cannot be modules; this loads the badge module into the content script's
// isolated world (it keeps the chrome.* APIs).
import(chrome.runtime.getURL("badges/content.js"));
