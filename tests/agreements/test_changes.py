"""The agreements' part of the change list (apps.agreements.changes): each event at the edges
of the period, a termination hiding the expiry, drafts never shown, joiners named, the
country and topic filters, and one query whatever the number of agreements."""

import datetime

import pytest

from apps.agreements.changes import agreement_changes, agreement_events, latest_agreement_events
from apps.core.models import Status
from tests.factories import AgreementFactory, CountryFactory, OrganizationFactory, TopicFactory

pytestmark = pytest.mark.django_db

D = datetime.date
FROM, TO = D(2024, 1, 10), D(2024, 3, 31)


@pytest.fixture
def ukraine():
    return CountryFactory(code="UA", name="Ukraine", nato_joined=None)


@pytest.fixture
def testland():
    return CountryFactory(code="QT", name="Testland")


def pact(*parties, **fields):
    """A published synthetic agreement between the given countries (or party dicts)."""
    given = [p if isinstance(p, dict) else {"country": p} for p in parties]
    return AgreementFactory(parties=given, **fields)


def seen(events):
    return [(e.slug, e.event, e.day) for e in events]


def test_a_signing_on_the_first_and_the_last_day_is_shown_and_not_the_days_outside(
    ukraine, testland
):
    for slug, day in [
        ("synthetic-eve", D(2024, 1, 9)),
        ("synthetic-first", FROM),
        ("synthetic-last", TO),
        ("synthetic-after", D(2024, 4, 1)),
    ]:
        pact(ukraine, testland, slug=slug, signed_on=day, duration_years=None)

    assert seen(agreement_events(FROM, TO)) == [
        ("synthetic-first", "signed", FROM),
        ("synthetic-last", "signed", TO),
    ]


def test_an_expiry_on_the_last_day_is_shown_and_one_the_day_after_is_not(ukraine, testland):
    pact(ukraine, testland, slug="synthetic-ends-last", signed_on=D(2014, 3, 31), duration_years=10)
    pact(ukraine, testland, slug="synthetic-ends-after", signed_on=D(2014, 4, 1), duration_years=10)
    pact(ukraine, testland, slug="synthetic-ends-first", signed_on=D(2019, 1, 10), expires_on=FROM)

    assert seen(agreement_events(FROM, TO)) == [
        ("synthetic-ends-first", "expired", FROM),
        ("synthetic-ends-last", "expired", TO),
    ]


def test_a_termination_before_the_expiry_hides_the_expiry(ukraine, testland):
    note = "Synthetic note: a party withdrew."
    # Terminated inside the period, before an expiry also inside it: only the termination.
    pact(
        ukraine,
        testland,
        slug="synthetic-cut-short",
        title="Synthetic pact cut short",
        signed_on=D(2020, 1, 1),
        expires_on=D(2024, 3, 1),
        terminated_on=D(2024, 2, 1),
        termination_note=note,
    )
    # Terminated before the period: its expiry inside it never happened.
    pact(
        ukraine,
        testland,
        slug="synthetic-ended-earlier",
        signed_on=D(2020, 1, 1),
        expires_on=D(2024, 3, 1),
        terminated_on=D(2023, 6, 1),
        termination_note=note,
    )
    # Terminated on its expiry day: one ending, the termination.
    pact(
        ukraine,
        testland,
        slug="synthetic-same-day",
        signed_on=D(2020, 1, 1),
        expires_on=D(2024, 3, 15),
        terminated_on=D(2024, 3, 15),
        termination_note=note,
    )

    events = agreement_events(FROM, TO)

    assert seen(events) == [
        ("synthetic-cut-short", "terminated", D(2024, 2, 1)),
        ("synthetic-same-day", "terminated", D(2024, 3, 15)),
    ]
    assert {e.note for e in events} == {note}
    assert events[0].headline == (
        "The Synthetic pact cut short between Testland and Ukraine was terminated"
    )


def test_a_draft_agreement_is_never_shown(ukraine, testland):
    pact(ukraine, testland, slug="synthetic-draft", signed_on=FROM, status=Status.DRAFT)
    joiner = CountryFactory(code="QJ", name="Joinland")
    pact(
        ukraine,
        testland,
        {"country": joiner, "joined_on": D(2024, 2, 1)},
        slug="synthetic-draft-joined",
        signed_on=D(2023, 1, 1),
        status=Status.DRAFT,
    )

    assert agreement_events(FROM, TO) == []


def test_a_joiner_is_named_and_is_not_among_those_who_signed(ukraine, testland):
    joiner = CountryFactory(code="QJ", name="Joinland")
    alliance = OrganizationFactory(slug="synthetic-union", name="Synthetic Union")
    pact(
        ukraine,
        testland,
        {"country": joiner, "joined_on": D(2024, 2, 20)},
        {"organization": alliance},
        slug="synthetic-declaration",
        title="Synthetic Joint Declaration",
        kind="joint_declaration",
        signed_on=FROM,
        duration_years=None,
    )

    signed, joined = agreement_events(FROM, TO)

    assert (signed.event, joined.event) == ("signed", "joined")
    assert signed.party is None
    assert [p.key for p in signed.parties] == ["QT", "UA", "synthetic-union"]
    assert signed.headline == (
        "Testland, Ukraine and Synthetic Union signed the Synthetic Joint Declaration"
    )
    assert joined.party.as_dict() == {"type": "country", "code": "QJ", "name": "Joinland"}
    assert joined.day == D(2024, 2, 20)
    assert joined.headline == "Joinland joined the Synthetic Joint Declaration"
    assert joined.key == "joined-QJ"
    assert "QJ" in [p.key for p in joined.parties]
    # Its joining alone, the signing being outside the period:
    assert seen(agreement_events(D(2024, 2, 1), TO)) == [
        ("synthetic-declaration", "joined", D(2024, 2, 20))
    ]


def test_the_country_filter_keeps_the_agreements_it_is_a_party_of(ukraine, testland):
    other = CountryFactory(code="QO", name="Otherland")
    pact(ukraine, testland, slug="synthetic-with-testland", signed_on=FROM)
    pact(ukraine, other, slug="synthetic-with-otherland", signed_on=FROM)

    assert [e.slug for e in agreement_events(FROM, TO, countries=[testland])] == [
        "synthetic-with-testland"
    ]
    assert len(agreement_events(FROM, TO, countries=[ukraine])) == 2


def test_the_topic_filter_shows_agreements_only_with_guarantees(ukraine, testland):
    pact(ukraine, testland, slug="synthetic-pact", signed_on=FROM)
    guarantees, membership = TopicFactory(slug="guarantees"), TopicFactory(slug="membership")
    params = {"from": FROM, "to": TO, "countries": []}

    assert len(agreement_changes({**params, "topics": []}).events) == 1
    assert len(agreement_changes({**params, "topics": [guarantees, membership]}).events) == 1
    assert agreement_changes({**params, "topics": [membership]}).events == []
    counts = agreement_changes({**params, "topics": []}).as_dict()["agreement_counts"]
    assert counts == {"signed": 1, "joined": 0, "terminated": 0, "expired": 0}


def test_one_query_whatever_the_number_of_agreements(ukraine, testland, django_assert_num_queries):
    def grow(start, n):
        for i in range(start, start + n):
            joiner = CountryFactory(code=f"Q{chr(65 + i)}", name=f"Testland {i}")
            pact(
                ukraine,
                testland,
                {"country": joiner, "joined_on": D(2024, 2, 1)},
                signed_on=FROM,
                duration_years=None,
            )

    grow(0, 1)
    with django_assert_num_queries(1):
        few = agreement_events(FROM, TO, countries=[testland])
    grow(1, 5)
    with django_assert_num_queries(1):
        more = agreement_events(FROM, TO, countries=[testland])

    assert (len(few), len(more)) == (2, 12)


def test_the_latest_events_are_the_newest_of_every_kind_in_one_query(
    ukraine, testland, django_assert_num_queries
):
    other = CountryFactory(code="QO", name="Otherland")
    joiner = CountryFactory(code="QJ", name="Joinland")
    for month in range(1, 7):
        pact(ukraine, testland, slug=f"synthetic-{month}", signed_on=D(2023, month, 1))
    pact(
        ukraine,
        other,
        {"country": joiner, "joined_on": D(2024, 2, 1)},
        slug="synthetic-joined",
        signed_on=D(2022, 1, 1),
        expires_on=D(2024, 3, 1),
        terminated_on=D(2024, 1, 1),
        termination_note="Synthetic note.",
    )

    with django_assert_num_queries(1):
        latest = latest_agreement_events(D(2024, 12, 31), limit=4)
    with django_assert_num_queries(1):
        otherland = latest_agreement_events(D(2024, 12, 31), limit=10, countries=[other])

    # Newest first; the expiry after the termination never comes.
    assert seen(latest) == [
        ("synthetic-joined", "joined", D(2024, 2, 1)),
        ("synthetic-joined", "terminated", D(2024, 1, 1)),
        ("synthetic-6", "signed", D(2023, 6, 1)),
        ("synthetic-5", "signed", D(2023, 5, 1)),
    ]
    assert seen(otherland) == [
        ("synthetic-joined", "joined", D(2024, 2, 1)),
        ("synthetic-joined", "terminated", D(2024, 1, 1)),
        ("synthetic-joined", "signed", D(2022, 1, 1)),
    ]
    # Up to a day: nothing after it.
    assert seen(latest_agreement_events(D(2023, 2, 15), limit=2)) == [
        ("synthetic-2", "signed", D(2023, 2, 1)),
        ("synthetic-1", "signed", D(2023, 1, 1)),
    ]
