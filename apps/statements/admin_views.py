"""Editors' helpers behind the quote form: the country a quote reflects, suggested from the
speaker's role on the day, and quotes named with their status wherever they are picked."""

import datetime

from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from apps.actors.models import Role
from apps.statements.admin_forms import quote_pick_label
from apps.statements.models import Quote


def role_on(speaker_id: int, day: datetime.date) -> Role | None:
    """The speaker's post on the day that names a country (its own, or its organization's),
    the most recently begun first; None if they held none."""
    roles = (
        Role.objects.held_on(day)
        .filter(person_id=speaker_id)
        .select_related("person", "country", "organization__country")
        .order_by("-start", "pk")
    )
    return next((role for role in roles if role.country or _organization_country(role)), None)


def _organization_country(role: Role):
    return role.organization.country if role.organization is not None else None


def _bad(field: str, message: str) -> JsonResponse:
    return JsonResponse({"errors": {field: [message]}}, status=400)


@require_GET
def quote_country_suggestion(request):
    """JSON for the quote form: from `speaker` (a person's id) and `said_on` (YYYY-MM-DD),
    the country and role the speaker's post on that day points to (null when none)."""
    if not (
        request.user.has_perm("statements.add_quote")
        or request.user.has_perm("statements.change_quote")
    ):
        raise PermissionDenied
    speaker = request.GET.get("speaker", "")
    if not speaker.isdigit() or len(speaker) > 18:
        return _bad("speaker", "Give the speaker's id.")
    try:
        day = datetime.date.fromisoformat(request.GET.get("said_on", ""))
    except ValueError:
        return _bad("said_on", "Give the date said as YYYY-MM-DD.")
    role = role_on(int(speaker), day)
    if role is None:
        return JsonResponse(
            {
                "country": None,
                "role": None,
                "message": (
                    f"No post with a country on {day:%d %B %Y} is recorded for this speaker: pick the "
                    "country yourself."
                ),
            }
        )
    country = role.country or _organization_country(role)
    return JsonResponse(
        {
            "country": {"id": country.pk, "name": country.name, "code": country.code},
            "role": {"id": role.pk, "text": str(role)},
            "message": f"Suggested from the speaker's post on {day:%d %B %Y}: {role.title}.",
        }
    )


class QuoteAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete, with each quote named by quote_pick_label (its status first)."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)  # type: ignore[misc]  # not in the stubs
        if isinstance(obj, Quote):
            result["text"] = quote_pick_label(obj)
        return result
