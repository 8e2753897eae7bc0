"""Dates written out in the major European languages: the date lines themselves, and the
publication and update dates of pages and plain texts that give them only that way."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from credence.v1 import article_pb2, fetcher_pb2

from services.common.config import Settings
from services.fetcher import datelines
from services.fetcher.core import Fetcher
from tests.fetcher.conftest import tight_policy
from tests.support.french_article import french_article

pytestmark = pytest.mark.timeout(60)

PUBLISHED, UPDATED = date(2023, 5, 3), date(2023, 5, 4)
# (language, date line): published on 3 May 2023, updated on 4 May 2023.
LINES = [
    ("fr", "Publié le 3 mai 2023 à 18h12, mis à jour le 4 mai 2023 à 09h30"),
    ("de", "Veröffentlicht am 3. Mai 2023, 18:12 Uhr · Aktualisiert am 4. Mai 2023"),
    ("es", "Publicado el 3 de mayo de 2023. Actualizado el 4 de mayo de 2023"),
    ("it", "Pubblicato il 3 maggio 2023, aggiornato il 4 maggio 2023"),
    ("pt", "Publicado em 3 de maio de 2023 | Atualizado em 4 de maio de 2023"),
    ("nl", "Gepubliceerd op 3 mei 2023, bijgewerkt op 4 mei 2023"),
    ("en", "Published on Wednesday, May 3, 2023. Updated May 4, 2023"),
]
BODY = {
    "fr": "Le conseil municipal a adopté mardi soir un plan de 120 millions d'euros pour "
    "doubler le nombre de pistes cyclables d'ici à 2026, selon un communiqué de la mairie.",
    "de": "Der Stadtrat hat am Dienstagabend einen Plan über 120 Millionen Euro beschlossen, "
    "der die Zahl der Radwege bis 2026 verdoppeln soll, teilte die Stadtverwaltung mit.",
    "es": "El ayuntamiento aprobó el martes por la noche un plan de 120 millones de euros "
    "para duplicar el número de carriles bici antes de 2026, según un comunicado.",
    "it": "Il consiglio comunale ha approvato martedì sera un piano da 120 milioni di euro "
    "per raddoppiare le piste ciclabili entro il 2026, secondo un comunicato del comune.",
    "pt": "A câmara municipal aprovou na terça-feira à noite um plano de 120 milhões de euros "
    "para duplicar o número de ciclovias até 2026, segundo um comunicado da autarquia.",
    "nl": "De gemeenteraad heeft dinsdagavond een plan van 120 miljoen euro aangenomen om het "
    "aantal fietspaden tegen 2026 te verdubbelen, meldt de gemeente in een verklaring.",
    "en": "The city council approved on Tuesday evening a 120 million euro plan to double the "
    "number of cycle lanes by 2026, according to a statement from the mayor's office.",
}


@pytest.fixture(scope="module")
def fetcher() -> Fetcher:
    return Fetcher(Settings(), policy=tight_policy())


def _day(stamp: object) -> date:
    return stamp.ToDatetime().date()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("language", "line"), LINES)
def test_date_lines_are_read(language: str, line: str) -> None:
    assert datelines.published(line) == datetime(2023, 5, 3, tzinfo=UTC), language
    assert datelines.updated(line) == datetime(2023, 5, 4, tzinfo=UTC), language


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Publiée le mercredi 1er juin 2022", date(2022, 6, 1)),
        ("Veröffentlicht am 03.05.2023", date(2023, 5, 3)),
        ("Pubblicata il 12 dicembre 2021 alle 10:00", date(2021, 12, 12)),
        ("Publicada em 7 de outubro de 2020", date(2020, 10, 7)),
    ],
)
def test_other_forms_of_date_lines(line: str, expected: date) -> None:
    found = datelines.published(line)
    assert found is not None and found.date() == expected


@pytest.mark.parametrize(
    "text",
    [
        "The study was published in Nature in 2021 and updated last week.",
        "Publié le 3 de rien 2023",
        "Publié le 3 mai 2999",
        "Veröffentlicht am 31. Februar 2023",
        "",
    ],
)
def test_no_date_is_made_up(text: str) -> None:
    assert datelines.published(text) is None and datelines.updated(text) is None


@pytest.mark.parametrize(("language", "line"), LINES)
def test_html_pages_with_only_a_date_line(fetcher: Fetcher, language: str, line: str) -> None:
    """No declared date, none in the URL, and a copyright year htmldate would take."""
    page = (
        f"<html lang='{language}'><head><title>Plan</title></head><body><article><h1>Plan</h1>"
        f"<div class='meta'><span>{line}</span></div><p>{BODY[language]}</p>"
        f"<p>{BODY[language]}</p></article><footer>© 2021</footer></body></html>"
    )
    request = fetcher_pb2.ExtractRequest(html=page, url="https://news.example/plan")
    article = fetcher.extract(request).article
    assert (_day(article.published_at), _day(article.updated_at)) == (PUBLISHED, UPDATED)
    assert article.language == language


@pytest.mark.parametrize(("language", "line"), LINES)
def test_plain_text_with_a_date_line(fetcher: Fetcher, language: str, line: str) -> None:
    text = f"Plan\n{line}\n\n{BODY[language]}\n\n{BODY[language]}\n"
    request = fetcher_pb2.ExtractRequest(text=text, url="https://news.example/plan")
    article = fetcher.extract(request).article
    assert (_day(article.published_at), _day(article.updated_at)) == (PUBLISHED, UPDATED)
    assert article.language == language
    assert line not in article.text


def test_french_report_on_lemonde() -> None:
    article: article_pb2.Article = french_article()
    assert article.language == "fr" and article.domain == "lemonde.fr"
    assert (_day(article.published_at), _day(article.updated_at)) == (PUBLISHED, UPDATED)
    assert article.byline == "Claire Dubois (Lyon, correspondante)"
    assert "Publié le" not in article.text
