"""The seed codes the report's claims about another government (DESIGN §9): Alina Frolova,
the former Ukrainian deputy defence minister, on the United States' stance, and Anders Fogh
Rasmussen on Poland's. Nothing else is a claim, the words stay the report's, no position
rests as "stated" on a claim alone, and loading again changes nothing (a database seeded
before the claims were coded gets them once)."""

from django.core.management import call_command

from apps.positions.models import Confidence, Position
from apps.positions.seed import SEED_DIR
from apps.statements.models import Quote

REPORT_TEXT = (SEED_DIR / "texts" / "fp-2023-06-nato-has-no-good-news-for-ukraine.txt").read_text(
    encoding="utf-8"
)

CLAIMS = {
    # text (as in the report) -> (the country it is about, the claimant)
    "Alina Frolova, the former Ukrainian deputy defense minister, said the delay in providing "
    "Ukraine with a road map is mainly a result of U.S. policy.": ("US", "UA"),
    "From what I hear, the U.S. is objecting": ("US", "UA"),
    "The U.S. still thinks [by offering Ukraine a road map] they might provoke Russia": (
        "US",
        "UA",
    ),
    "other than Poland—which, according to Rasmussen, would be willing to send troops to "
    "Ukraine if substantial security guarantees are not offered to Ukraine in the Vilnius "
    "summit": ("PL", "DK"),
}


def claims() -> dict:
    return {
        quote.text: (quote.country.code, quote.claimant.code)
        for quote in Quote.objects.claims().with_attribution()
    }


def test_the_reports_claims_about_another_government_are_coded(seeded):
    assert claims() == CLAIMS
    assert all(text in REPORT_TEXT for text in CLAIMS)


def test_each_claimant_is_the_speakers_country(seeded):
    for quote in Quote.objects.claims().select_related("speaker"):
        assert quote.claimant_country_id == quote.speaker.country_id
        assert quote.claimant_country_id != quote.country_id


def test_no_seeded_position_is_stated_on_claims_alone(seeded):
    for position in Position.objects.filter(confidence=Confidence.STATED):
        evidence = list(position.evidence.all())
        assert any(quote.claimant is None for quote in evidence), position


def test_the_united_states_and_poland_are_reported_with_their_claims(seeded):
    reported = {
        (position.country.code, position.topic.slug)
        for position in Position.objects.filter(evidence__in=Quote.objects.claims())
        .select_related("country", "topic")
        .distinct()
    }

    assert reported == {("US", "membership"), ("US", "timeline"), ("PL", "guarantees")}
    assert set(
        Position.objects.filter(evidence__in=Quote.objects.claims()).values_list(
            "confidence", flat=True
        )
    ) == {Confidence.REPORTED}


def test_a_database_seeded_before_the_claims_gets_them_once(seeded):
    Quote.objects.update(claimant_country=None, claimant_organization=None)

    call_command("load_seed", verbosity=0)
    once = claims()
    versions = dict(Quote.objects.values_list("pk", "version"))
    call_command("load_seed", verbosity=0)

    assert once == CLAIMS
    assert claims() == CLAIMS
    assert dict(Quote.objects.values_list("pk", "version")) == versions
