"""What each ally had signed on a day, set beside what it said: the signatures the matrix,
compare and country pages (and the API's matrix) show, and the say/sign gap (DESIGN §8)."""

import dataclasses
import datetime

from django.db.models import Q

from apps.agreements.models import Agreement, Party

# The country every agreement here is concluded with.
UKRAINE = "UA"


@dataclasses.dataclass(frozen=True, slots=True)
class Signed:
    """An agreement in force on a day that a holder was a party of that day."""

    slug: str
    title: str
    kind: str
    signed_on: datetime.date
    expires_on: datetime.date | None

    def as_dict(self) -> dict:
        return {
            "agreement": self.slug,
            "kind": self.kind,
            "signed_on": self.signed_on.isoformat(),
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
        }


def signed_on_day(
    day: datetime.date, *, countries=None, organizations=None
) -> dict[tuple[str, int], list[Signed]]:
    """What each holder but Ukraine had signed and was still bound by on the day: the
    published agreements in force that day of which it was a party by then (a later joiner
    from its joining day), newest signing first. Keys are ("country", pk) and ("organization", pk);
    ``countries`` and ``organizations`` (ids) narrow the holders asked about. One query."""
    parties = (
        Party.objects.filter(agreement__in=Agreement.objects.published().in_force(day).values("pk"))
        .filter(Q(joined_on__isnull=True) | Q(joined_on__lte=day))
        # Ukraine, the other party of every agreement here, signed them all: not a signature
        # of its own to set beside its words (its row says so).
        .exclude(country__code=UKRAINE)
    )
    if countries is not None or organizations is not None:
        parties = parties.filter(
            Q(country_id__in=list(countries or []))
            | Q(organization_id__in=list(organizations or []))
        )
    found: dict[tuple[str, int], list[Signed]] = {}
    rows = parties.order_by("-agreement__signed_on", "agreement__title", "agreement_id")
    for country, organization, *agreement in rows.values_list(
        "country_id",
        "organization_id",
        "agreement__slug",
        "agreement__title",
        "agreement__kind",
        "agreement__signed_on",
        "agreement__expires_on",
    ):
        key = ("country", country) if country else ("organization", organization)
        found.setdefault(key, []).append(Signed(*agreement))
    return found


def counterparty(key: str) -> bool:
    """Whether a holder's key (a country's code) is Ukraine's, the other party of every
    agreement: it has no signature of its own to set beside its words."""
    return key == UKRAINE


# The guarantees topic, whose stated stance the signatures are set beside.
GUARANTEES = "guarantees"


def say_sign_gap(stance_value: int | None, signed: list) -> str | None:
    """Where words and signatures disagree (DESIGN §8): ``"said_unsigned"`` for the firmest
    stated support (+2) with nothing signed, ``"signed_against"`` for a signature under a
    stated stance of −1 or below; None where they agree or nothing is stated."""
    if stance_value is None:
        return None
    if stance_value >= 2 and not signed:
        return "said_unsigned"
    if stance_value <= -1 and signed:
        return "signed_against"
    return None


GAP_WORDS = {
    "said_unsigned": "Say/sign gap: the firmest support stated, nothing signed",
    "signed_against": "Say/sign gap: an agreement signed under a stated stance against",
}
