"""Claim-versus-story pairs for the relatedness model, with split groups that keep every
topic on one side of the validation split.

CheckThat! 2020: a tweet and its verified claim are related; the hardest non-relevant
claims (best lexical and best embedding matches) and random ones are not. FNC-1: a headline
and the lead of a body (its first sentences) are related unless labelled unrelated. A
group is a connected set of claims and stories joined by related pairs (a verified claim
and its tweets; an FNC-1 headline topic and its bodies): split by group, no claim, story
or headline topic is on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from services.matcher.relatedness import story_text
from services.matcher.retrieval import read_qrels, read_queries
from services.matcher.sources.local import read_vclaims
from services.matcher.training.fnc import read_bodies, read_stances

FIT, HELD_OUT = "fit", "held_out"
FNC_LEAD_SENTENCES = 2  # FNC-1 bodies have no title: two sentences stand for title + lead
_TWEET_TAIL = re.compile(r"\s*[—-]+\s*[^—]*\(@\w+\)\s*\w+ \d{1,2}, \d{4}\s*$")
_LINK = re.compile(r"https?://\S+|pic\.twitter\.com/\S+")

Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Pair:
    """One labelled (claim, story) pair; `claim_id`/`story_id` index the data set's texts."""

    claim_id: int
    story_id: int
    label: int
    group: int
    side: str


@dataclass
class PairSet:
    """The pairs of one data set with the texts they index."""

    name: str
    claims: list[str]
    stories: list[str]
    pairs: list[Pair]

    def select(self, side: str) -> list[Pair]:
        return [p for p in self.pairs if p.side == side]


class Groups:
    """Union-find over hashable keys."""

    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, key: object) -> object:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: object, b: object) -> None:
        self.parent[self.find(a)] = self.find(b)

    def numbered(self) -> dict[object, int]:
        """Every key's group as a small integer (in first-seen order of the roots)."""
        roots: dict[object, int] = {}
        return {k: roots.setdefault(self.find(k), len(roots)) for k in list(self.parent)}


def sides_of(groups: Sequence[int], held_out: float, rng: np.random.Generator) -> dict[int, str]:
    """A random `held_out` share of the groups held out, the rest fit."""
    unique = sorted(set(groups))
    chosen = set(rng.permutation(unique)[: round(len(unique) * held_out)].tolist())
    return {g: HELD_OUT if g in chosen else FIT for g in unique}


def clean_tweet(text: str) -> str:
    """The tweet without its appended author and date, and without links."""
    return _LINK.sub("", _TWEET_TAIL.sub("", text)).strip()


def checkthat_pairs(
    root: Path,
    encode: Encode | None,
    rng: np.random.Generator,
    *,
    pool_size: int = 3000,
    hard: int = 3,
    random_negatives: int = 4,
    held_out: float = 0.2,
    max_tweets: int | None = None,
) -> PairSet:
    """Tweets of train and dev (pooled) against verified claims: each relevant pair, and per
    tweet `hard` best lexical plus `hard` best embedding non-relevant claims and
    `random_negatives` random ones, all from the tweet's own side of the split. The claim
    pool is the relevant claims plus `pool_size` others (to cap encodings)."""
    vclaims = {
        cid: (text, title) for cid, text, title in read_vclaims(root / "verified_claims.docs.tsv")
    }
    tweets: list[tuple[str, str]] = []
    qrels: dict[str, set[str]] = {}
    for split in ("train", "dev"):
        for qid, text in read_queries(root / split / "tweets.queries.tsv"):
            tweets.append((f"{split}-{qid}", clean_tweet(text)))
        for qid, rel in read_qrels(root / split / "tweet-vclaim-pairs.qrels").items():
            qrels[f"{split}-{qid}"] = rel
    tweets = [t for t in tweets if t[0] in qrels and t[1]]
    if max_tweets is not None:
        tweets = tweets[:max_tweets]
    relevant = sorted({c for qid, _ in tweets for c in qrels[qid] if c in vclaims})
    others = [c for c in vclaims if c not in set(relevant)]
    extra = rng.permutation(len(others))[:pool_size]
    pool = relevant + [others[i] for i in sorted(extra)]
    row_of = {cid: row for row, cid in enumerate(pool)}
    stories = [story_text(vclaims[c][1], vclaims[c][0]) for c in pool]
    claims = [text for _, text in tweets]

    union = Groups()
    for cid in pool:
        union.find(("claim", cid))
    for qid, _ in tweets:
        for cid in qrels[qid]:
            if cid in row_of:
                union.union(("tweet", qid), ("claim", cid))
    number = union.numbered()
    side = sides_of(list(number.values()), held_out, rng)
    story_side = np.asarray([side[number[("claim", c)]] for c in pool])

    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit(stories + claims)
    lexical = (tfidf.transform(claims) @ tfidf.transform(stories).T).toarray()
    dense = encode(claims) @ encode(stories).T if encode is not None else None
    pairs: list[Pair] = []
    for t, (qid, _) in enumerate(tweets):
        group = number[("tweet", qid)]
        mine = side[group]
        positives = {row_of[c] for c in qrels[qid] if c in row_of}
        allowed = (story_side == mine) & ~np.isin(np.arange(len(pool)), list(positives))
        negatives: list[int] = []
        for scores in (lexical[t], dense[t] if dense is not None else None):
            if scores is None:
                continue
            ranked = [int(i) for i in np.argsort(-scores) if allowed[i] and int(i) not in negatives]
            negatives.extend(ranked[:hard])
        candidates = [int(i) for i in np.flatnonzero(allowed) if int(i) not in negatives]
        count = min(random_negatives, len(candidates))
        negatives.extend(int(i) for i in rng.choice(candidates, count, replace=False))
        pairs.extend(Pair(t, s, 1, group, mine) for s in sorted(positives))
        pairs.extend(Pair(t, s, 0, group, mine) for s in negatives)
    return PairSet("checkthat2020", claims, stories, pairs)


def fnc_pairs(
    root: Path,
    rng: np.random.Generator,
    *,
    held_out: float = 0.2,
    max_bodies: int | None = None,
) -> PairSet:
    """FNC-1 headlines against body leads, related = agree/disagree/discuss. A headline
    topic is a group of headlines and bodies joined by related pairs; a pair is kept only
    when its headline and its body fall on the same side of the split. `max_bodies` keeps
    random whole topics until that many bodies (to cap encodings)."""
    bodies = read_bodies(root / "train_bodies.csv")
    rows = read_stances(root / "train_stances.csv")
    union = Groups()
    for row in rows:
        union.find(("head", row["Headline"]))
        union.find(("body", int(row["Body ID"])))
        if row["Stance"] != "unrelated":
            union.union(("head", row["Headline"]), ("body", int(row["Body ID"])))
    number = union.numbered()
    kept = _topics_up_to(number, max_bodies, rng)
    rows = [
        r
        for r in rows
        if number[("head", r["Headline"])] in kept and number[("body", int(r["Body ID"]))] in kept
    ]
    side = sides_of(sorted(kept), held_out, rng)
    heads = sorted({r["Headline"] for r in rows})
    body_ids = sorted({int(r["Body ID"]) for r in rows})
    head_row = {h: i for i, h in enumerate(heads)}
    body_row = {b: i for i, b in enumerate(body_ids)}
    stories = [story_text("", bodies[b], FNC_LEAD_SENTENCES) for b in body_ids]
    pairs = []
    for row in rows:
        h, b = number[("head", row["Headline"])], number[("body", int(row["Body ID"]))]
        if side[h] != side[b]:
            continue
        pairs.append(
            Pair(
                head_row[row["Headline"]],
                body_row[int(row["Body ID"])],
                int(row["Stance"] != "unrelated"),
                h,
                side[h],
            )
        )
    return PairSet("fnc1", heads, stories, pairs)


def _topics_up_to(
    number: dict[object, int], max_bodies: int | None, rng: np.random.Generator
) -> set[int]:
    """Random whole topic groups until they hold `max_bodies` bodies (all when None)."""
    topics = sorted(set(number.values()))
    if max_bodies is None:
        return set(topics)
    bodies_in: dict[int, int] = {}
    for key, group in number.items():
        if isinstance(key, tuple) and key[0] == "body":
            bodies_in[group] = bodies_in.get(group, 0) + 1
    kept: set[int] = set()
    total = 0
    for group in rng.permutation(topics).tolist():
        if total >= max_bodies:
            break
        kept.add(group)
        total += bodies_in.get(group, 0)
    return kept
