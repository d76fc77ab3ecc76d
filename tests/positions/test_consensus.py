"""Who stands in the way (apps.positions.consensus): the allies of a day, how they stand on a
topic's scale, the holdouts with their evidence, NATO apart, and the same month by month.

Synthetic allies (factories): thirty founding members, "Synthetic Finland" joining on
4 April 2023 and "Synthetic Sweden" on 7 March 2024, as the real ones did, and a partner that
never joins."""

import datetime
import random

import pytest
from django.utils import timezone

from apps.core.models import Status
from apps.positions.consensus import (
    ConsensusParams,
    SeriesParams,
    consensus,
    consensus_series,
    years_before,
)
from apps.positions.services import position_record
from tests.factories import (
    CountryFactory,
    OrganizationFactory,
    TopicFactory,
    make_position,
    make_quote,
)

D = datetime.date
FINLAND_JOINS = D(2023, 4, 4)
SWEDEN_JOINS = D(2024, 3, 7)


@pytest.fixture
def alliance(db):
    """Thirty founding allies, a later Finland and Sweden, a partner, and the membership
    topic."""
    founders = [
        CountryFactory(code=f"{chr(65 + n // 26)}{chr(65 + n % 26)}", name=f"Synthetic ally {n:02}")
        for n in range(30)
    ]
    finland = CountryFactory(code="FI", name="Synthetic Finland", nato_joined=FINLAND_JOINS)
    sweden = CountryFactory(code="SE", name="Synthetic Sweden", nato_joined=SWEDEN_JOINS)
    partner = CountryFactory(code="UA", name="Synthetic partner", nato_joined=None)
    topic = TopicFactory(slug="membership", name="Membership")
    return {
        "founders": founders,
        "finland": finland,
        "sweden": sweden,
        "partner": partner,
        "topic": topic,
    }


def hold(*, topic, value, valid_from, country=None, organization=None, evidence=None, **fields):
    """A published position with one synthetic quote of an unnamed official (a named speaker
    would come with a country of its own, one more ally)."""
    if evidence is None:
        evidence = [
            make_quote(
                text="Synthetic words for a test.",
                speaker_label="a synthetic official",
                country=country,
                topics=[topic],
                said_on=min(valid_from, D(2023, 6, 15)),  # by the source's day
            )
        ]
    return make_position(
        topic=topic,
        value=value,
        valid_from=valid_from,
        country=country,
        organization=organization,
        evidence=evidence,
        **fields,
    )


def ask(params_class, **query) -> dict:
    form = params_class(query)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def on(day: D, **query):
    return consensus(ask(ConsensusParams, as_of=day.isoformat(), **query))


def total(result) -> int:
    return sum(count.count for count in result.counts) + len(result.without_position)


@pytest.mark.parametrize(
    ("day", "members"),
    [
        (D(2023, 4, 3), 30),  # the day before Finland's accession
        (FINLAND_JOINS, 31),
        (D(2024, 3, 6), 31),  # the day before Sweden's
        (SWEDEN_JOINS, 32),
    ],
)
def test_the_allies_are_the_members_of_the_day(alliance, day, members):
    result = on(day)

    assert len(result.members) == members
    assert total(result) == members
    assert "UA" not in {holder.key for holder in result.members}
    assert ("FI" in {h.key for h in result.members}) == (day >= FINLAND_JOINS)
    assert ("SE" in {h.key for h in result.members}) == (day >= SWEDEN_JOINS)


def test_counts_add_up_to_the_allies_whatever_stands_where(alliance):
    topic, founders = alliance["topic"], alliance["founders"]
    for n, value in enumerate([2, 2, 1, 0, -1, -2, -2]):
        hold(topic=topic, country=founders[n], value=value, valid_from=D(2023, 1, 1))
    # Before it joined, Finland's stance is not an ally's: neither counted nor a holdout.
    hold(topic=topic, country=alliance["finland"], value=-2, valid_from=D(2023, 1, 1))
    hold(topic=topic, country=alliance["partner"], value=2, valid_from=D(2023, 1, 1))
    # A draft never counts.
    position_record(
        country=founders[10],
        topic=topic,
        stance=topic.stances.get(value=-2),
        valid_from=D(2023, 2, 1),
        confidence="stated",
        evidence=[
            make_quote(
                speaker_label="a synthetic official",
                country=founders[10],
                topics=[topic],
                status=Status.DRAFT,
            )
        ],
        status=Status.DRAFT,
    )

    before, after = on(D(2023, 4, 3)), on(FINLAND_JOINS)

    assert {c.stance.value: c.count for c in before.counts} == {2: 2, 1: 1, 0: 1, -1: 1, -2: 2}
    assert len(before.without_position) == 23
    assert total(before) == 30
    assert {c.stance.value: c.count for c in after.counts}[-2] == 3
    assert total(after) == 31
    assert [h.holder.name for h in after.holdouts] == [
        "Synthetic Finland",
        "Synthetic ally 05",
        "Synthetic ally 06",
        "Synthetic ally 04",
        "Synthetic ally 03",
    ]  # −2 first, then −1, then 0: the furthest first, each value by name
    assert [c.holds_out for c in after.counts] == [False, False, True, True, True]


def test_a_holdout_comes_with_its_evidence_and_since_when_it_held_that_value(alliance):
    topic, ally = alliance["topic"], alliance["founders"][0]
    words = make_quote(
        text="Synthetic words: not now, not while the war goes on.",
        speaker_label="a synthetic official",
        country=ally,
        topics=[topic],
        said_on=D(2022, 5, 1),
    )
    hold(topic=topic, country=ally, value=1, valid_from=D(2020, 1, 1))
    hold(topic=topic, country=ally, value=-1, valid_from=D(2022, 5, 1), evidence=[words])
    # The same value with a new condition: one unbroken stand since May 2022.
    latest = hold(
        topic=topic,
        country=ally,
        value=-1,
        valid_from=D(2023, 2, 1),
        conditionality="after_war",
        evidence=[words],
    )

    result = on(D(2023, 7, 10))
    api = consensus(ask(ConsensusParams, as_of="2023-07-10"), evidence=True).as_dict()

    (holdout,) = result.holdouts
    assert holdout.position == latest.pk
    assert holdout.valid_from == D(2023, 2, 1)
    assert holdout.since == D(2022, 5, 1)
    assert holdout.evidence_count == 1
    assert [q.text for q in holdout.evidence] == [words.text]
    (answered,) = api["holdouts"]
    assert answered["since"] == "2022-05-01"
    assert answered["evidence"][0]["text"] == words.text
    assert answered["holder"] == {"type": "country", "code": ally.code, "name": ally.name}
    # The page asks without the quotes: the count alone.
    assert (
        consensus(ask(ConsensusParams, as_of="2023-07-10"), evidence=False).holdouts[0].evidence
        == []
    )


def test_a_holdout_resting_only_on_others_claims_is_unconfirmed(alliance):
    topic, founders = alliance["topic"], alliance["founders"]
    ally, neighbour, other = founders[0], founders[1], founders[2]

    def said(about, *, by=None):
        return make_quote(
            text="Synthetic words for a test: they will not agree.",
            speaker_label="a synthetic official",
            country=about,
            claimant_country=by,
            topics=[topic],
            said_on=D(2023, 6, 1),
        )

    hold(
        topic=topic,
        country=ally,
        value=-1,
        valid_from=D(2023, 6, 1),
        confidence="reported",
        evidence=[said(ally, by=neighbour), said(ally, by=alliance["finland"])],
    )
    # Its own words beside a claim: confirmed.
    hold(
        topic=topic,
        country=other,
        value=-2,
        valid_from=D(2023, 6, 1),
        evidence=[said(other), said(other, by=neighbour)],
    )

    result = on(D(2023, 7, 10))

    by_code = {h.holder.key: h for h in result.holdouts}
    assert by_code[ally.code].unconfirmed
    assert by_code[ally.code].claimants == ["Synthetic Finland", "Synthetic ally 01"]
    assert not by_code[other.code].unconfirmed and by_code[other.code].claimants == []
    answered = {h["holder"]["code"]: h for h in result.as_dict()["holdouts"]}
    assert answered[ally.code]["unconfirmed"] is True
    assert answered[other.code]["unconfirmed"] is False


def test_a_gap_in_the_history_starts_a_new_stand(alliance):
    topic, ally = alliance["topic"], alliance["founders"][0]
    hold(topic=topic, country=ally, value=-1, valid_from=D(2021, 1, 1), valid_to=D(2021, 6, 1))
    hold(topic=topic, country=ally, value=-1, valid_from=D(2022, 1, 1))

    (holdout,) = on(D(2023, 1, 1)).holdouts

    assert holdout.since == D(2022, 1, 1)


def test_natos_own_position_is_shown_apart_and_never_counted(alliance):
    topic = alliance["topic"]
    nato = OrganizationFactory(slug="nato", name="NATO")
    hold(topic=topic, organization=nato, value=0, valid_from=D(2023, 6, 1))

    result = on(D(2023, 7, 10))

    assert [s.holder.key for s in result.organizations] == ["nato"]
    assert result.organizations[0].stance.value == 0
    assert result.holdouts == []
    assert sum(c.count for c in result.counts) == 0
    assert len(result.without_position) == len(result.members) == 31
    assert result.as_dict()["organizations"][0]["holder"]["slug"] == "nato"


def test_the_threshold_moves_the_line(alliance):
    topic, founders = alliance["topic"], alliance["founders"]
    for n, value in enumerate([2, 1, 0, -1]):
        hold(topic=topic, country=founders[n], value=value, valid_from=D(2023, 1, 1))

    held = {t: len(on(D(2023, 7, 10), threshold=str(t)).holdouts) for t in (2, 1, 0, -1, -2)}

    assert held == {2: 3, 1: 2, 0: 1, -1: 0, -2: 0}


def test_the_series_counts_each_month_as_the_day_would(alliance):
    topic, founders = alliance["topic"], alliance["founders"]
    hold(topic=topic, country=founders[0], value=1, valid_from=D(2023, 1, 15))
    hold(topic=topic, country=founders[0], value=-1, valid_from=D(2023, 5, 10))
    hold(topic=topic, country=alliance["finland"], value=2, valid_from=D(2022, 11, 2))
    hold(
        topic=topic, country=founders[1], value=0, valid_from=D(2023, 2, 1), valid_to=D(2023, 3, 31)
    )

    series = consensus_series(ask(SeriesParams, to="2024-03-10"))

    # From the month an ally first held a position (January 2023: Finland's came before it
    # joined), to the last day.
    assert series.date_from == D(2023, 1, 15)
    assert [p.day for p in series.points][:3] == [D(2023, 1, 31), D(2023, 2, 28), D(2023, 3, 31)]
    assert series.points[-1].day == D(2024, 3, 10)
    for point in series.points:
        day = on(point.day)
        assert point.members == len(day.members)
        assert point.none == len(day.without_position)
        assert point.counts == {c.stance.value: c.count for c in day.counts if c.count}
        assert sum(point.counts.values()) + point.none == point.members
    # The position that ended on 31 March (exclusive) is gone on the month's last day.
    march = series.points[2]
    assert march.counts == {1: 1}
    # April 2023, Finland in: +2 counted from its accession on.
    assert series.points[3].counts == {1: 1, 2: 1}
    assert series.points[3].members == 31


def test_the_series_agrees_with_the_day_on_every_month_of_varied_histories(alliance):
    """Histories with gaps, ends, short stands inside one month, positions held before an
    accession, a series started by `from` in the middle of them: each point is what the day's
    question answers (synthetic, drawn from a fixed seed)."""
    rng = random.Random(11)
    topic = alliance["topic"]
    holders = alliance["founders"][:6] + [alliance["finland"], alliance["sweden"]]
    for country in holders:
        day = D(2021, 1, 1) + datetime.timedelta(days=rng.randrange(60))
        while day < D(2024, 6, 1):
            length = rng.choice([9, 20, 45, 120, 300])
            end = day + datetime.timedelta(days=length)
            ended = rng.random() < 0.3
            hold(
                topic=topic,
                country=country,
                value=rng.randint(-2, 2),
                valid_from=day,
                valid_to=end if ended else None,
            )
            day = end + datetime.timedelta(days=rng.choice([0, 0, 17]) if ended else 0)
            if not ended:
                day = end

    for query in ({"to": "2024-08-20"}, {"from": "2022-05-15", "to": "2024-03-07"}):
        series = consensus_series(ask(SeriesParams, **query))
        assert len(series.points) > 12
        for point in series.points:
            day = on(point.day)
            assert point.members == len(day.members), point
            assert point.counts == {c.stance.value: c.count for c in day.counts if c.count}, point
            assert point.none == len(day.without_position), point


def test_a_month_with_no_change_repeats_the_one_before(alliance):
    topic = alliance["topic"]
    hold(topic=topic, country=alliance["founders"][0], value=-1, valid_from=D(2023, 6, 1))

    points = consensus_series(ask(SeriesParams, to="2023-09-30")).points

    assert [p.day for p in points] == [
        D(2023, 6, 30),
        D(2023, 7, 31),
        D(2023, 8, 31),
        D(2023, 9, 30),
    ]
    assert {(p.members, tuple(p.counts.items()), p.none) for p in points} == {
        (31, ((-1, 1),), 30)
    }  # Finland in since April


def test_a_series_reaches_back_twenty_years_at_most(alliance):
    topic = alliance["topic"]
    hold(topic=topic, country=alliance["founders"][0], value=1, valid_from=D(1995, 3, 1))

    series = consensus_series(ask(SeriesParams, to="2023-07-10"))

    assert series.date_from == D(2003, 7, 10)
    assert len(series.points) == 241
    assert series.points[0].day == D(2003, 7, 31)


def test_a_series_with_no_position_is_the_last_day_alone(alliance):
    series = consensus_series(ask(SeriesParams, to="2023-07-10"))

    assert [(p.day, p.members, p.none) for p in series.points] == [(D(2023, 7, 10), 31, 31)]
    assert not series.held


@pytest.mark.parametrize(
    ("params_class", "query", "field", "message"),
    [
        (ConsensusParams, {"threshold": "3"}, "threshold", "Give a whole number from -2 to 2."),
        (ConsensusParams, {"threshold": "-3"}, "threshold", "Give a whole number from -2 to 2."),
        (ConsensusParams, {"threshold": "+1"}, "threshold", "Give a whole number from -2 to 2."),
        (ConsensusParams, {"threshold": "1.5"}, "threshold", "Give a whole number from -2 to 2."),
        (ConsensusParams, {"topic": "nope"}, "topic", "Unknown topic “nope”."),
        (ConsensusParams, {"as_of": "2023-02-30"}, "as_of", "Give a real date as YYYY-MM-DD"),
        (SeriesParams, {"from": "2023-08-01", "to": "2023-07-01"}, "to", "on or after the start"),
        (SeriesParams, {"from": "2003-07-09", "to": "2023-07-10"}, "from", "at most 20 years"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(alliance, params_class, query, field, message):
    form = params_class(query)

    assert not form.is_valid()
    assert message in form.error_dict()[field][0]


def test_defaults_membership_today_and_plus_one(alliance):
    TopicFactory(slug="timeline", name="Timeline", order=0)  # first in the codebook's order

    params = ask(ConsensusParams)

    assert params["topic"].slug == "membership"
    assert params["threshold"] == 1
    assert params["as_of"] == timezone.localdate()


def test_twenty_years_before_a_leap_day():
    assert years_before(D(2024, 2, 29), 20) == D(2004, 2, 29)
    assert years_before(D(2024, 2, 29), 21) == D(2003, 2, 28)
