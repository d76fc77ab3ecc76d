"""The analysts' filters: every query parameter validated, every bad one a form error."""

import datetime

from django import forms
from django.utils import timezone

from apps.actors.models import Bloc, Country
from apps.core.validators import reject_nul
from apps.positions.models import Topic
from apps.statements.models import Event

MAX_PARAM = 200


def _today() -> datetime.date:
    return timezone.localdate()


class PastDateField(forms.DateField):
    """A real date, written YYYY-MM-DD, not after today."""

    widget = forms.DateInput(attrs={"type": "date"})

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault(
            "error_messages", {"invalid": "Enter a real date as YYYY-MM-DD, e.g. 2023-07-10."}
        )
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and value > _today():
            raise forms.ValidationError("The date cannot be in the future.", code="future")
        if value and value.year < 1900:
            raise forms.ValidationError("Dates start in 1900.", code="too_early")


class CodeListField(forms.CharField):
    """Comma-separated keys (country codes, topic slugs) resolved to objects, in order."""

    def __init__(self, *, queryset, key: str, noun: str, upper: bool = False, **kwargs):
        self.queryset, self.key, self.noun, self.upper = queryset, key, noun, upper
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_PARAM)
        super().__init__(**kwargs)
        self.validators.append(reject_nul)

    def clean(self, value):
        value = super().clean(value)
        keys = [item.strip() for item in (value or "").split(",") if item.strip()]
        if self.upper:
            keys = [key.upper() for key in keys]
        if not keys:
            return []
        found = {
            getattr(obj, self.key): obj for obj in self.queryset.filter(**{f"{self.key}__in": keys})
        }
        unknown = [key for key in keys if key not in found]
        if unknown:
            raise forms.ValidationError(
                f"Unknown {self.noun}: {', '.join(unknown)}.", code="unknown"
            )
        return list(dict.fromkeys(found[key] for key in keys))


class SlugChoiceField(forms.ModelChoiceField):
    """Pick one object by slug; an unknown slug is a clear error."""

    def __init__(self, queryset, noun: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault(
            "error_messages", {"invalid_choice": f"Unknown {noun}. Pick one from the list."}
        )
        super().__init__(queryset, **kwargs)


class BaseFilter(forms.Form):
    """Refuses NUL bytes and over-long values in any parameter, named or not."""

    def clean(self):
        cleaned = super().clean()
        for name, value in self.data.items():
            if name not in self.fields:
                continue
            for item in self.data.getlist(name) if hasattr(self.data, "getlist") else [value]:
                if "\x00" in item:
                    self.add_error(name, "Text may not contain NUL characters.")
                elif len(item) > MAX_PARAM:
                    self.add_error(name, f"At most {MAX_PARAM} characters.")
        return cleaned


class MatrixFilter(BaseFilter):
    as_of = PastDateField(required=False, label="As of")
    bloc = SlugChoiceField(Bloc.objects.all(), "bloc", empty_label="All countries")
    topics = CodeListField(
        queryset=Topic.objects.all(),
        key="slug",
        noun="topic",
        label="Topics",
        help_text="Comma-separated: membership,timeline,guarantees",
    )
    nato = forms.BooleanField(required=False, label="NATO members only")

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or _today()


class CompareFilter(BaseFilter):
    countries = CodeListField(
        queryset=Country.objects.all(),
        key="code",
        noun="country code",
        upper=True,
        label="Countries",
        help_text="Two to four ISO codes, e.g. US,DE,PL.",
    )
    as_of = PastDateField(required=False, label="As of")

    def clean_countries(self):
        countries = self.cleaned_data["countries"]
        if self.data.get("countries") and not 2 <= len(countries) <= 4:
            raise forms.ValidationError("Compare two to four countries.", code="count")
        return countries

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or _today()


class ChangesFilter(BaseFilter):
    """`from` and `to` are Python keywords, so the fields are added under those names below."""

    from_event = SlugChoiceField(
        Event.objects.all(), "event", label="From event", empty_label="Any event"
    )
    to_event = SlugChoiceField(
        Event.objects.all(), "event", label="To event", empty_label="Any event"
    )
    topics = CodeListField(queryset=Topic.objects.all(), key="slug", noun="topic", label="Topics")
    countries = CodeListField(
        queryset=Country.objects.all(),
        key="code",
        noun="country code",
        upper=True,
        label="Countries",
    )

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("from")
        end = cleaned.get("to")
        if cleaned.get("from_event") and not self.data.get("from"):
            start = cleaned["from_event"].start_date - datetime.timedelta(days=1)
        if cleaned.get("to_event") and not self.data.get("to"):
            end = cleaned["to_event"].end_date or cleaned["to_event"].start_date
        end = end or _today()
        start = start or _eve_of_latest_change(end)
        if start and end and start > end and "from" not in self.errors:
            self.add_error("to", "The end date must be on or after the start date.")
        cleaned["from"], cleaned["to"] = start, end
        return cleaned


ChangesFilter.base_fields = {
    "from": PastDateField(required=False, label="From"),
    "to": PastDateField(required=False, label="To"),
    **ChangesFilter.base_fields,
}


def _eve_of_latest_change(end: datetime.date) -> datetime.date:
    """By default, show the latest moves: from the day before the last published change."""
    from apps.positions.models import Position

    latest = (
        Position.objects.published()
        .filter(valid_from__lte=end)
        .order_by("-valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    return (latest or end) - datetime.timedelta(days=1)
