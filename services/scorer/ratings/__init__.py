"""Source ratings from the open rating lists: loaders (one per list), the catalogue of lists
with their provenance, the aggregating `RatingsStore` and the known-outlets look-up."""

from services.scorer.ratings.lists import LISTS, ListInfo
from services.scorer.ratings.outlets import KnownOutlets
from services.scorer.ratings.store import RatingsStore

__all__ = ["LISTS", "KnownOutlets", "ListInfo", "RatingsStore"]
