"""The catalogue of rating lists Credence reads: where each file comes from (repository and
commit), its licence, its date and which rater ("family") is behind it.

Kept apart from the loaders so the provenance shown to users, the download command and the
aggregation weights all read the same single description of every list.
"""

from __future__ import annotations

from dataclasses import dataclass

RAW_BASE_URL = "https://raw.githubusercontent.com"

_LIN_REPO, _LIN_COMMIT = (
    "hauselin/domain-quality-ratings",
    "5671d57e545e48225ef2cbf559a6ab7f8f77a9de",
)
_BALY_REPO, _BALY_COMMIT = (
    "ramybaly/News-Media-Reliability",
    "28ab9b418e9e69e6105d52ddb61a4dfdd791a412",
)
_IDIAP_REPO, _IDIAP_COMMIT = (
    "idiap/News-Media-Reliability",
    "c3f50254a9fc07402ac529a1c50ff6abf7aeba10",
)
_OS_REPO, _OS_COMMIT = "BigMcLargeHuge/opensources", "77dad6d7456b272e06365280d15bb77c7cf5b0ba"
_KUD_REPO, _KUD_COMMIT = (
    "Kudusch/wikipedia-perennial-sources",
    "1a7c0c2d7bfc5346c8272598299382e674725972",
)
_AUD_REPO, _AUD_COMMIT = (
    "audiodude/wiki-reliable-sources-parser",
    "ae050a6c0741d508488ee80172834a9a9b50590e",
)

_MBFC_TERMS = "labels scraped from Media Bias/Fact Check, whose terms restrict reuse"


@dataclass(frozen=True)
class DataFile:
    """One file of a list as its origin repository holds it."""

    repo: str
    commit: str
    path: str
    local_name: str
    sha256: str | None = None

    def raw_url(self, base_url: str = RAW_BASE_URL) -> str:
        """The raw-file URL of the file at the pinned commit."""
        return f"{base_url.rstrip('/')}/{self.repo}/{self.commit}/{self.path}"


@dataclass(frozen=True)
class ListInfo:
    """A rating list's identity and provenance."""

    list_id: str
    name: str
    family: str
    as_of: str
    licence: str
    file: DataFile

    @property
    def url(self) -> str:
        """Where the list comes from: the origin file at the pinned commit."""
        f = self.file
        return f"https://github.com/{f.repo}/blob/{f.commit}/{f.path}"


LISTS: tuple[ListInfo, ...] = (
    ListInfo(
        "wikipedia_rsp",
        "Wikipedia: Reliable sources/Perennial sources",
        "wikipedia",
        "2026-04",
        "CC BY-SA 4.0 (Wikipedia content)",
        DataFile(
            _AUD_REPO,
            _AUD_COMMIT,
            "data/sources.jsonl",
            "wikipedia_rsp_audiodude_2026-04.jsonl",
            "e1fa31d742049235fe799332dac4224a24448db59f42d82898756c29a7fa037b",
        ),
    ),
    ListInfo(
        "wikipedia_rsp_2021",
        "Wikipedia: Reliable sources/Perennial sources (March 2021 snapshot)",
        "wikipedia",
        "2021-03-17",
        "CC BY-SA 3.0",
        DataFile(
            _KUD_REPO,
            _KUD_COMMIT,
            "perennial-sources.csv",
            "wikipedia_rsp_kudusch_2021-03-17.csv",
            "37bde8c6a722a14665675db6495f7920f4d7f8bf2f4aba8844711d6b2837604f",
        ),
    ),
    ListInfo(
        "wikipedia_rsp_burdisso2024",
        "Wikipedia perennial sources, as compiled by Burdisso et al. (2024)",
        "wikipedia",
        "2024",
        "Apache-2.0 (repository); Wikipedia content CC BY-SA",
        DataFile(
            _IDIAP_REPO,
            _IDIAP_COMMIT,
            "data/golden_truth/wikipedia_perennial_sources/wikipedia_perennial_sources.json",
            "burdisso2024_wikipedia_perennial_sources.json",
            "7cf56383927f61795ef2779c58e425df06bfb5a9be56c3770a21648951a95067",
        ),
    ),
    ListInfo(
        "mbfc_burdisso2024",
        "Media Bias/Fact Check, as compiled by Burdisso et al. (2024)",
        "mbfc",
        "2024",
        f"Apache-2.0 (repository); {_MBFC_TERMS}",
        DataFile(
            _IDIAP_REPO,
            _IDIAP_COMMIT,
            "data/golden_truth/mbfc/mbfc.csv",
            "burdisso2024_mbfc.csv",
            "ff9cec9fec5733c9e9d37c91343a5c0a264d7f48f0091a620fa535f7bdf56c9c",
        ),
    ),
    ListInfo(
        "mbfc_baly2020",
        "Media Bias/Fact Check, as compiled by Baly et al. (ACL 2020)",
        "mbfc",
        "2020",
        f"no licence file; {_MBFC_TERMS}",
        DataFile(
            _BALY_REPO,
            _BALY_COMMIT,
            "data/acl2020/corpus.tsv",
            "baly2020_acl2020_corpus.tsv",
            "936cc629df930c7caae8b8506fe3843a6b0576c4f4afcd4b371b0156e8a65515",
        ),
    ),
    ListInfo(
        "mbfc_baly2018",
        "Media Bias/Fact Check, as compiled by Baly et al. (EMNLP 2018)",
        "mbfc",
        "2018",
        f"no licence file; {_MBFC_TERMS}",
        DataFile(
            _BALY_REPO,
            _BALY_COMMIT,
            "data/emnlp18/corpus.tsv",
            "baly2018_emnlp18_corpus.tsv",
            "7f96b15459a23bc5267ca5dc0df66e71d0dc38a28b797b2ec3d228b818427cbf",
        ),
    ),
    ListInfo(
        "golden_truth_burdisso2024",
        "News-media reliability golden truth, Burdisso et al. (NAACL 2024)",
        "golden_truth",
        "2024",
        "Apache-2.0 (repository); labels derived from MBFC, Wikipedia and NewsGuard",
        DataFile(
            _IDIAP_REPO,
            _IDIAP_COMMIT,
            "data/golden_truth/golden_truth_dataset.csv",
            "burdisso2024_golden_truth_dataset.csv",
            "be2d562a6b78a6a74b7736a94b76a3d585da8f6eabdcd500b215307521715927",
        ),
    ),
    ListInfo(
        "unreliable_burdisso2024",
        "Manually listed unreliable news sources, Burdisso et al. (2024)",
        "manual_unreliable",
        "2024",
        "Apache-2.0 (repository)",
        DataFile(
            _IDIAP_REPO,
            _IDIAP_COMMIT,
            "data/golden_truth/unreliable_news_sources.txt",
            "burdisso2024_unreliable_news_sources.txt",
            "724a6106193dee70e13a73f4b33cf6a909d9a648a0ff3f9f92eaa9f33908a513",
        ),
    ),
    ListInfo(
        "opensources",
        "OpenSources (frozen April 2017)",
        "opensources",
        "2017-04",
        "LGPL-3.0 (repository)",
        DataFile(
            _OS_REPO,
            _OS_COMMIT,
            "sources/sources.csv",
            "opensources_sources.csv",
            "47221dbe49a118f5a73f178f4748e7e05df99ccf46af239f8ff4043a91a918af",
        ),
    ),
    ListInfo(
        "lin2023",
        "Lin et al. (2023) aggregate domain quality (PC1)",
        "lin2023",
        "2023",
        'no licence file; authors: "Feel free to reuse the data" (PNAS Nexus, open access)',
        DataFile(_LIN_REPO, _LIN_COMMIT, "data/domain_pc1.csv", "lin2023_domain_pc1.csv"),
    ),
)

LISTS_BY_ID: dict[str, ListInfo] = {info.list_id: info for info in LISTS}

# Files fetched by `credence ratings download` besides the lists above: the comparator
# model scores and the companion files that the evaluation and documentation refer to.
EXTRA_FILES: tuple[DataFile, ...] = (
    DataFile(_LIN_REPO, _LIN_COMMIT, "data/domain_ratings.csv", "lin2023_domain_ratings.csv"),
    DataFile(
        _IDIAP_REPO,
        _IDIAP_COMMIT,
        "CC-NEWS/ALL/08/graph/en/reliability_scores.json",
        "burdisso2024_reliability_scores.json",
        "36a7cdaf092dae383c2fc064f4cb820dea6162bb3bc7a2f36ab34aecd889c70d",
    ),
    DataFile(
        _BALY_REPO,
        _BALY_COMMIT,
        "data/emnlp18/splits.json",
        "baly2018_emnlp18_splits.json",
        "35bb321c7d75b55731f8150d3ab2811b81ef1c7e08014186c9d03fa4f482268f",
    ),
    DataFile(
        _BALY_REPO,
        _BALY_COMMIT,
        "data/acl2020/splits.json",
        "baly2020_acl2020_splits.json",
        "4dc28a0d2b3b4d8984caafd2c3cf33940681b0a1edb6fed24c3c234cacac3144",
    ),
)

ALL_FILES: tuple[DataFile, ...] = tuple(info.file for info in LISTS) + EXTRA_FILES
