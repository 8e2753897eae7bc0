// What the popup shows of a report, as plain data: the criteria table (yes / no / unknown,
// one line each), the strongest reasons, and label names. Kept apart from the DOM so that
// each rule is easy to read and check.

const YES = "yes";
const NO = "no";
const UNKNOWN = "unknown";

const LABEL_NAMES = ["LABEL_UNSPECIFIED", "LABEL_HIGH_CREDIBILITY", "LABEL_GENERALLY_CREDIBLE",
  "LABEL_PROCEED_WITH_CAUTION", "LABEL_LOW_CREDIBILITY", "LABEL_SATIRE"];

/** The numeric credence.v1.Label of a proto3 JSON label (name or number). */
export function labelCode(label) {
  return typeof label === "number" ? label : Math.max(0, LABEL_NAMES.indexOf(label || ""));
}

function signalOf(report, kind) {
  return (report.signals || []).find((s) => s.kind === `SIGNAL_KIND_${kind}`);
}

function usable(signal) {
  return Boolean(signal) && signal.available !== false;
}

/** yes at 60 or more, no under 50, unknown between or when the signal is missing. */
function byScore(signal) {
  if (!usable(signal)) return UNKNOWN;
  if ((signal.score || 0) >= 60) return YES;
  return (signal.score || 0) < 50 ? NO : UNKNOWN;
}

function firstReason(signal, fallback) {
  return (usable(signal) && (signal.reasons || [])[0]) || fallback;
}

function reasonMatching(signal, pattern) {
  return usable(signal) ? (signal.reasons || []).find((r) => pattern.test(r)) : undefined;
}

function ratedByLists(report, sourceRating) {
  const source = report.source && report.source.known ? report.source : sourceRating;
  if (!source || !source.known) {
    return { verdict: UNKNOWN, line: "No open rating list rates this site." };
  }
  const lists = new Set((source.ratings || []).map((r) => r.list)).size;
  const score = Math.round(source.score || 0);
  const count = lists ? `${lists} list${lists === 1 ? "" : "s"}` : "open lists";
  return score >= 60
    ? { verdict: YES, line: `Rated credible by ${count} (${score}/100).` }
    : { verdict: NO, line: `Rated ${score}/100 by ${count}.` };
}

function separatesOpinion(report) {
  const signal = signalOf(report, "PRESENTATION");
  if (!usable(signal)) return { verdict: UNKNOWN, line: "Presentation was not checked." };
  const mixed = reasonMatching(signal, /opinion|point of view|verdict|loaded language|comment/i);
  return mixed
    ? { verdict: NO, line: mixed }
    : { verdict: YES, line: "No comment or loaded language found in the reporting." };
}

function headlineMatches(report) {
  const signal = signalOf(report, "PRESENTATION");
  if (!usable(signal)) return { verdict: UNKNOWN, line: "The headline was not checked." };
  const problem = reasonMatching(signal, /headline/i);
  return problem
    ? { verdict: NO, line: problem }
    : { verdict: YES, line: "The headline states what the article reports." };
}

function namesAuthorAndDates(report) {
  const signal = signalOf(report, "TRANSPARENCY");
  if (!usable(signal)) return { verdict: UNKNOWN, line: "Byline and dates were not checked." };
  const author = reasonMatching(signal, /^Names its author|no byline, as is usual/i);
  const date = reasonMatching(signal, /^Shows when it was published/i);
  const parts = [author ? "names its author" : "names no author", date ? "dates the story" : "shows no date"];
  return { verdict: author && date ? YES : NO, line: `The page ${parts.join(" and ")}.` };
}

function correctionsAndContact(report) {
  const signal = signalOf(report, "TRANSPARENCY");
  if (!usable(signal)) return { verdict: UNKNOWN, line: "Corrections and contact pages were not checked." };
  const shown = (signal.reasons || [])
    .filter((r) => /^The page shows: /.test(r) && !/shows no /.test(r))
    .map((r) => r.replace(/^The page shows: /, "").replace(/\.$/, "").replaceAll("_", " "));
  const relevant = shown.filter((s) => /correction|contact|about|ownership/i.test(s));
  return relevant.length
    ? { verdict: YES, line: `Shows ${relevant.join(", ")}.` }
    : { verdict: NO, line: "No corrections policy or contact page found." };
}

/** The criteria table: [{id, name, verdict: "yes"|"no"|"unknown", line}]. */
export function criteria(report, sourceRating) {
  const corroboration = signalOf(report, "CORROBORATION");
  const sourcing = signalOf(report, "SOURCING");
  return [
    { id: "lists", name: "Rated by independent lists", ...ratedByLists(report, sourceRating) },
    {
      id: "corroborated",
      name: "Claims corroborated by wire reports",
      verdict: byScore(corroboration),
      line: firstReason(corroboration, "No wire reports were searched."),
    },
    {
      id: "sources",
      name: "Cites real, checkable sources",
      verdict: byScore(sourcing),
      line: firstReason(sourcing, "Citations were not checked."),
    },
    { id: "opinion", name: "Separates news from opinion", ...separatesOpinion(report) },
    { id: "headline", name: "Headline matches the body", ...headlineMatches(report) },
    { id: "byline", name: "Names author and dates", ...namesAuthorAndDates(report) },
    { id: "corrections", name: "Corrections and contact pages", ...correctionsAndContact(report) },
  ];
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
