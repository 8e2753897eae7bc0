// Calls to the Credence edge (ReliabilityService over the Connect protocol, JSON). Used only
// when the reader opens the popup or asks for an analysis.

import { getSettings } from "./settings.js";

const SERVICE = "credence.v1.ReliabilityService";

/** A Connect error from the edge, with its ErrorInfo reason. */
export class CredenceApiError extends Error {
  constructor(code, message, reason) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

/** True when an API key may be sent to `serverUrl`: over https, or over http only to this
 * machine (loopback), where no network can read it. */
export function keyMayTravelTo(serverUrl) {
  let url;
  try {
    url = new URL(serverUrl);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  const host = url.hostname;
  const loopback = host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
  return url.protocol === "http:" && loopback;
}

/** Calls one unary RPC; resolves to the response message as JSON. */
export async function call(method, message, timeoutMs = 30000) {
  const { serverUrl, apiKey } = await getSettings();
  const headers = {
    "Content-Type": "application/json",
    "Connect-Protocol-Version": "1",
    "Connect-Timeout-Ms": String(timeoutMs),
  };
  if (apiKey) {
    if (!keyMayTravelTo(serverUrl)) {
      throw new CredenceApiError(
        "failed_precondition",
        `Not sending the API key to ${serverUrl} over plain http: use https`,
        "API_KEY_NEEDS_HTTPS",
      );
    }
    headers["X-Api-Key"] = apiKey;
  }
  let response;
  try {
    response = await fetch(`${serverUrl}/${SERVICE}/${method}`, {
      method: "POST",
      headers,
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(timeoutMs + 5000),
    });
  } catch (error) {
    throw new CredenceApiError("unavailable", `Cannot reach ${serverUrl}: ${error.message}`, "EDGE_UNREACHABLE");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const info = (body.details || []).find((d) => d.type === "google.rpc.ErrorInfo");
    const reason = info && info.debug ? info.debug.reason : body.code || String(response.status);
    throw new CredenceApiError(body.code || "unknown", body.message || response.statusText, reason);
  }
  return body;
}
