"""The rating-list loaders against each real file, and the store's look-up and aggregation."""

from __future__ import annotations

import time

import pytest
from credence.v1 import report_pb2

from services.common.errors import CredenceError
from services.scorer.ratings import LISTS, RatingsStore
from services.scorer.ratings.loaders import LOADERS, Entry
from services.scorer.ratings.store import RatingsStore as Store
from tests.scorer.conftest import DATA_DIR, RATINGS_DIR, needs_ratings

# list id -> (smallest number of entries expected, a host it must rate)
EXPECTED = {
    "wikipedia_rsp": (450, "globalresearch.ca"),
    "wikipedia_rsp_2021": (300, "globalresearch.ca"),
    "wikipedia_rsp_burdisso2024": (590, "globalresearch.ca"),
    "mbfc_burdisso2024": (4000, "globalresearch.ca"),
    "mbfc_baly2020": (800, "cnn.com"),
    "mbfc_baly2018": (1000, "villagevoice.com"),
    "golden_truth_burdisso2024": (5000, "globalresearch.ca"),
    "unreliable_burdisso2024": (500, "southfront.org"),
    "opensources": (800, "globalresearch.ca"),
    "lin2023": (9000, "reuters.com"),
}


@needs_ratings
@pytest.mark.parametrize("info", LISTS, ids=lambda i: i.list_id)
def test_loader_reads_real_file(info: object) -> None:
    list_info = next(i for i in LISTS if i is info)
    entries: list[Entry] = list(LOADERS[list_info.list_id](RATINGS_DIR / list_info.file.local_name))
    minimum, host = EXPECTED[list_info.list_id]
    assert len(entries) >= minimum
    assert all(0.0 <= e.normalized <= 1.0 and e.label and e.host for e in entries)
    assert host in {e.host for e in entries}


@needs_ratings
def test_load_is_fast_and_cached() -> None:
    start = time.perf_counter()
    store = Store.load(DATA_DIR, use_cache=False)
    assert time.perf_counter() - start < 2.0
    start = time.perf_counter()
    assert RatingsStore.load(DATA_DIR) is RatingsStore.load(DATA_DIR)
    assert time.perf_counter() - start < 0.1
    assert len(store) > 10_000


def test_globalresearch_has_provenance(store: RatingsStore) -> None:
    rating = store.rate("https://www.globalresearch.ca/some-article/5818337")
    assert rating.domain == "globalresearch.ca" and rating.known
    assert rating.score < 20 and rating.label == report_pb2.LABEL_LOW_CREDIBILITY
    assert rating.confidence > 0.7
    rsp = next(r for r in rating.ratings if r.list == "wikipedia_rsp")
    assert "spam blacklist" in rsp.original_label
    assert rsp.as_of and rsp.licence and rsp.url.startswith("https://")
    mbfc = next(r for r in rating.ratings if r.list == "mbfc_burdisso2024")
    assert "conspiracy-pseudoscience" in mbfc.original_label


def test_reputable_outlets_rate_high(store: RatingsStore) -> None:
    for domain in ("reuters.com", "apnews.com", "bbc.co.uk", "c-span.org"):
        rating = store.rate(domain)
        assert rating.score >= 80, domain
        assert rating.label == report_pb2.LABEL_HIGH_CREDIBILITY


@pytest.mark.parametrize(
    ("given", "domain"),
    [
        ("www.reuters.com", "reuters.com"),
        ("m.bbc.co.uk", "bbc.co.uk"),
        ("amp.theguardian.com", "theguardian.com"),
        ("https://edition.cnn.com/2023/05/03/x.html", "cnn.com"),
        ("HTTPS://WWW.APNEWS.COM:443/article/x", "apnews.com"),
    ],
)
def test_variants_and_subdomains(store: RatingsStore, given: str, domain: str) -> None:
    rating = store.rate(given)
    assert rating.domain == domain and rating.known


def test_alias_shares_ratings(store: RatingsStore) -> None:
    assert store.rate("nyti.ms").known
    assert {r.list for r in store.rate("apnews.com").ratings} >= {"wikipedia_rsp"}


def test_private_suffix_sites_are_separate(store: RatingsStore) -> None:
    blog = store.rate("someone-unrated.blogspot.com")
    assert blog.domain == "someone-unrated.blogspot.com"
    assert not blog.known
    rated_blog = store.rate("4threvolutionarywar.wordpress.com")
    assert rated_blog.known and rated_blog.domain == "4threvolutionarywar.wordpress.com"
    assert {r.list for r in rated_blog.ratings} != {
        r.list for r in store.rate("wordpress.com").ratings
    }


def test_unknown_domain_is_neutral_and_unsure(store: RatingsStore) -> None:
    bare = Store([], aliases={})
    rating = bare.rate("no-list-has-ever-rated-this-site.com")
    assert not rating.known and not rating.estimated and rating.score == 50.0
    assert rating.confidence <= 0.1 and not rating.ratings
    assert rating.label == report_pb2.LABEL_PROCEED_WITH_CAUTION


def test_unlisted_domain_gets_a_labelled_estimate(store: RatingsStore) -> None:
    rating = store.rate("no-list-has-ever-rated-this-site.com")
    assert not rating.known and rating.estimated and rating.confidence <= 0.15
    assert [r.list for r in rating.ratings] == ["credence_estimate"]
    assert "an estimate, not a rating" in rating.ratings[0].original_label
    assert store.rate("reuters.com").estimated is False
    # No estimate where there is no domain to judge, or for a writer on a platform.
    assert not store.rate("medium.com/@someone").estimated


@pytest.mark.parametrize("bad", ["", "   ", "not a domain", "localhost", "http://"])
def test_bad_domain_is_invalid_argument(store: RatingsStore, bad: str) -> None:
    with pytest.raises(CredenceError) as caught:
        store.rate(bad)
    assert caught.value.reason == "INVALID_ARGUMENT" and caught.value.metadata["field"] == "domain"


def test_every_rated_host_is_rateable(store: RatingsStore) -> None:
    for host in store.hosts():
        assert store.rate(host).known, host


def test_disagreement_lowers_confidence() -> None:
    agree = [
        Entry("wikipedia_rsp", "a.com", "x", 0.9),
        Entry("mbfc_burdisso2024", "a.com", "x", 0.85),
    ]
    split = [
        Entry("wikipedia_rsp", "b.com", "x", 0.9),
        Entry("mbfc_burdisso2024", "b.com", "x", 0.1),
    ]
    store = Store(agree + split, aliases={})
    assert store.rate("a.com").confidence > store.rate("b.com").confidence
    one = Store([Entry("opensources", "c.com", "fake", 0.05)], aliases={})
    assert one.rate("c.com").confidence < store.rate("a.com").confidence


@needs_ratings
def test_evaluation_meets_targets(capsys: pytest.CaptureFixture[str]) -> None:
    from services.scorer.ratings import evaluate

    store = Store.load(DATA_DIR)
    _, held_out = evaluate.split_lin(store, 0.3, 20230901)
    figures = evaluate.evaluate(store, held_out, "held-out")
    assert figures.rho > 0.8
    assert figures.coverage > 0.4
    assert evaluate.main(["--data-dir", str(DATA_DIR)]) == 0
    assert "held-out split" in capsys.readouterr().out


@needs_ratings
def test_estimate_ranks_unlisted_held_out_domains() -> None:
    from services.scorer.ratings import evaluate
    from services.scorer.ratings.estimate import DomainEstimator

    store = Store.load(DATA_DIR)
    model = DomainEstimator.load()
    assert model is not None
    _, held_out = evaluate.split_lin(store, 0.3, 20230901)
    unlisted, combined = evaluate.estimate_figures(store, DATA_DIR, held_out, model)
    assert unlisted.rho > 0.4 and unlisted.coverage == 1.0
    assert combined.rho > 0.6 and combined.total == len(held_out)
