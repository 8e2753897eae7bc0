"""The extension sends its API key only over https, or over plain http to loopback: checked
by running extension/api.js under Node with a stubbed chrome.storage and fetch."""

from __future__ import annotations

import json
import subprocess

from tests.support.needs import need_program
from tests.support.processes import REPO

_SCRIPT = """
const sent = [];
globalThis.chrome = {storage: {local: {get: async () => globalThis.settings}}};
globalThis.fetch = async (url, init) => {
  sent.push([url, init.headers["X-Api-Key"] || null]);
  return {ok: true, json: async () => ({})};
};
const api = await import(process.argv[1]);
const out = {};
for (const serverUrl of JSON.parse(process.argv[2])) {
  globalThis.settings = {serverUrl, apiKey: "cred_k_secret"};
  try {
    await api.call("GetSourceRating", {domain: "a.org"});
    out[serverUrl] = sent.at(-1)[1];
  } catch (error) {
    out[serverUrl] = error.reason;
  }
}
console.log(JSON.stringify(out));
"""


def test_api_key_goes_only_over_https_or_to_loopback() -> None:
    node = need_program("node", "apt-get install nodejs")
    urls = [
        "https://credence.example",
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
        "http://credence.example",
        "http://192.168.1.5:8080",
        "http://127.0.0.1.evil.example",
    ]
    done = subprocess.run(
        [
            node,
            "--input-type=module",
            "-e",
            _SCRIPT,
            str(REPO / "extension/api.js"),
            json.dumps(urls),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for url in urls[:4]:
        assert result[url] == "cred_k_secret", url
    for url in urls[4:]:
        assert result[url] == "API_KEY_NEEDS_HTTPS", url
