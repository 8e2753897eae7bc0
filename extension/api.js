// Calls to the Credence edge: ReliabilityService over the Connect protocol (JSON), and the
// edge's feedback route. Used only when the reader opens the popup, asks for an analysis, or
// sends feedback. The API key goes only over https, or over http to this computer.

import { getSettings } from "./settings.js";

const SERVICE = "credence.v1.ReliabilityService";
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** A Connect error from the edge, with its ErrorInfo reason. */
export class CredenceApiError extends Error {
  constructor(code, message, reason) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

/** True when an API key may be sent to `origin`: https, or http to a loopback address. */
export function keyAllowedOver(origin) {
  try {
    const url = new URL(origin);
    return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.test(url.hostname));
  } catch {
    return false;
  }
}

async function headersFor(serverUrl, apiKey, extra) {
  const headers = { "Content-Type": "application/json", ...extra };
  if (apiKey) {
    if (!keyAllowedOver(serverUrl)) {
      throw new CredenceApiError(
        "failed_precondition",
        `Not sending the API key over plain http to ${serverUrl}; set an https server URL in the options.`,
        "API_KEY_NEEDS_HTTPS",
      );
    }
    headers["X-Api-Key"] = apiKey;
  }
  return headers;
}

async function post(url, headers, message, timeoutMs) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(timeoutMs + 5000),
    });
  } catch (error) {
    throw new CredenceApiError("unavailable", `Cannot reach ${new URL(url).origin}: ${error.message}`, "EDGE_UNREACHABLE");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const info = (body.details || []).find((d) => d.type === "google.rpc.ErrorInfo");
    const reason = info && info.debug ? info.debug.reason : body.code || String(response.status);
    throw new CredenceApiError(body.code || "unknown", body.message || response.statusText, reason);
  }
  return body;
}

/** Calls one unary RPC; resolves to the response message as JSON. */
export async function call(method, message, timeoutMs = 30000) {
  const { serverUrl, apiKey } = await getSettings();
  const headers = await headersFor(serverUrl, apiKey, {
    "Connect-Protocol-Version": "1",
    "Connect-Timeout-Ms": String(timeoutMs),
  });
  return post(`${serverUrl}/${SERVICE}/${method}`, headers, message, timeoutMs);
}

/** Sends the reader's "this rating looks wrong" note about `url` to the edge. */
export async function sendFeedback(feedback, timeoutMs = 10000) {
  const { serverUrl, apiKey } = await getSettings();
  const headers = await headersFor(serverUrl, apiKey, {});
  return post(`${serverUrl}/v1/feedback`, headers, feedback, timeoutMs);
}
