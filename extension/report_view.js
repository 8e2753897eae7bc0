// What the popup shows of a report, as plain data: the criteria table (as the scorer filled
// it in the report; nothing is inferred here), the strongest reasons, and label names. Kept
// apart from the DOM.

const LABEL_NAMES = ["LABEL_UNSPECIFIED", "LABEL_HIGH_CREDIBILITY", "LABEL_GENERALLY_CREDIBLE",
  "LABEL_PROCEED_WITH_CAUTION", "LABEL_LOW_CREDIBILITY", "LABEL_SATIRE"];

/** The numeric credence.v1.Label of a proto3 JSON label (name or number). */
export function labelCode(label) {
  return typeof label === "number" ? label : Math.max(0, LABEL_NAMES.indexOf(label || ""));
}

function usable(signal) {
  return Boolean(signal) && signal.available !== false;
}

const STATE_NAMES = ["CRITERION_STATE_UNSPECIFIED", "CRITERION_STATE_YES", "CRITERION_STATE_NO",
  "CRITERION_STATE_UNKNOWN"];
const STATE_WORDS = { CRITERION_STATE_YES: "yes", CRITERION_STATE_NO: "no", CRITERION_STATE_UNKNOWN: "unknown" };

/** The report's criteria table as the scorer filled it: [{id, label, verdict, detail}], where
 * verdict is "yes", "no" or "unknown"; empty for a report made before criteria existed. */
export function criteria(report) {
  return (report.criteria || []).map((c) => ({
    id: c.id || "",
    label: c.label || c.id || "",
    verdict: STATE_WORDS[typeof c.state === "number" ? STATE_NAMES[c.state] : c.state] || "unknown",
    detail: c.detail || "",
  }));
}

/** The three strongest reasons: the first reason of each signal that moved the score most
 * (weight times distance from the neutral 50); `for` tells whether it counts for or against. */
export function strongestReasons(report, count = 3) {
  return (report.signals || [])
    .filter((s) => usable(s) && (s.reasons || []).length)
    .map((s) => ({ signal: s, strength: (s.weight || 0) * Math.abs((s.score || 0) - 50) }))
    .sort((a, b) => b.strength - a.strength)
    .slice(0, count)
    .map(({ signal }) => ({ text: signal.reasons[0], counts: (signal.score || 0) >= 50 ? "for" : "against" }));
}

/** A signal kind as words: "SIGNAL_KIND_SOURCE_REPUTATION" -> "Source reputation". */
export function kindName(kind) {
  const words = (kind || "").replace("SIGNAL_KIND_", "").replaceAll("_", " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
