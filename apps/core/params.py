"""Query parameters: the fields every question's parameter class is built from.

A question an analyst asks (the matrix, a comparison, the changes, a quote search) has one
parameter class, a Django form in its domain app, used by the page and by the API alike: the
names, limits, defaults and messages are written once, so `?as_of=…&bloc=…` means the same on
`/` and on `/api/v1/matrix/`, and a bad value gets the same message at both doors.

- Dates are written YYYY-MM-DD, start in 1900 and (where asked) are not in the future.
- Booleans are `true` or `false`.
- Lists are comma-separated (`countries=EE,US`) or repeated (`countries=EE&countries=US`,
  what a multi-select sends); an unknown key or one given twice is refused, naming it.
- No value is longer than QUERY_VALUE_MAX characters or holds a NUL byte.

A page drops the empty values an HTML form sends for the fields left blank before validating;
the API refuses them ("leave the parameter out"). Otherwise the two validate the same way.
"""

import dataclasses
import datetime
import re
from urllib import parse

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator
from django.utils.html import escape
from django.utils.safestring import mark_safe

from apps.core.validators import check_date

# The longest value any query parameter may have, on the pages and in the API.
QUERY_VALUE_MAX = 500
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

DATE_MESSAGE = "Give a real date as YYYY-MM-DD, e.g. 2023-07-10."
BOOLEAN_MESSAGE = "Use true or false."
NUL_MESSAGE = "May not contain NUL characters."
LONG_MESSAGE = f"At most {QUERY_VALUE_MAX} characters."


def today() -> datetime.date:
    """The server's current date: the default as-of day and the latest day one may ask for."""
    return timezone.localdate()


def parse_iso_date(value) -> datetime.date:
    """Return the date written YYYY-MM-DD; raise ValueError for anything else."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError(value)
    return datetime.date.fromisoformat(value)


class DateParam(forms.Field):
    """A real date, YYYY-MM-DD, from 1900 on and, unless past=False, not after today."""

    widget = forms.DateInput(attrs={"type": "date"})
    openapi = {"type": "string", "format": "date"}

    def __init__(self, *, past: bool = True, **kwargs):
        self.past = past
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            day = parse_iso_date(value)
        except ValueError:
            raise ValidationError(DATE_MESSAGE, code="invalid") from None
        check_date(day, past=self.past)
        return day


def _ticked(value) -> bool:
    return value is True or value == "true"


class TrueCheckbox(forms.CheckboxInput):
    """A checkbox that sends `true` when ticked (the API's spelling), not `on`."""

    def __init__(self, attrs=None):
        super().__init__({"value": "true", **(attrs or {})}, check_test=_ticked)

    def format_value(self, value):
        return None

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class BooleanParam(forms.Field):
    """`true` or `false`; absent means `default`."""

    widget = TrueCheckbox
    openapi = {"type": "boolean"}

    def __init__(self, *, default=None, **kwargs):
        self.default = default
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return self.default
        if value not in ("true", "false"):
            raise ValidationError(BOOLEAN_MESSAGE, code="invalid")
        return value == "true"


class TextParam(forms.CharField):
    """Free text, kept as given but trimmed, at most QUERY_VALUE_MAX characters."""

    openapi = {"type": "string", "maxLength": QUERY_VALUE_MAX, "pattern": r"^[^\u0000]*$"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", QUERY_VALUE_MAX)
        super().__init__(**kwargs)


def _attributes(attrs: dict) -> str:
    """A widget's attributes as Django's django/forms/widgets/attrs.html writes them."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class PythonSelectMixin:
    """A select (single or multiple) written in Python, to the byte what Django's templates
    (select.html, select_option.html) write: tests/core/test_python_select.py compares them.
    The filter forms carry a select of every country, and rendering one template per option
    cost more than the rest of a cold page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        parts = [f'<select name="{escape(str(widget["name"]))}"{_attributes(widget["attrs"])}>']
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escape(str(group_name))}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{escape(str(option["value"]))}"'
                    f"{_attributes(option['attrs'])}>{escape(str(option['label']))}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class PythonSelect(PythonSelectMixin, forms.Select):
    """A single select written in Python (PythonSelectMixin)."""


class ReferenceParam(forms.ModelChoiceField):
    """One object named by its key (a slug or a code): an unknown key is refused, naming it."""

    openapi: dict[str, object] = {"type": "string"}
    queryset: QuerySet  # always given
    widget = PythonSelect

    def __init__(self, queryset, *, key: str, noun: str, upper: bool = False, **kwargs):
        self.key, self.noun, self.upper = key, noun, upper
        kwargs.setdefault("required", False)
        kwargs.setdefault("to_field_name", key)
        kwargs.setdefault("empty_label", f"Any {noun}")
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value)
        if self.upper:
            value = value.upper()
        if "\x00" in value or len(value) > QUERY_VALUE_MAX:
            raise ValidationError(self.unknown(value[:100]), code="invalid_choice")
        try:
            return self.queryset.get(**{self.key: value})
        except (self.queryset.model.DoesNotExist, ValueError, TypeError):
            raise ValidationError(self.unknown(value), code="invalid_choice") from None

    def unknown(self, value: str) -> str:
        return f"Unknown {self.noun} “{value}”."

    def label_from_instance(self, obj) -> str:
        return str(getattr(obj, "name", obj))


class MultipleValues(PythonSelectMixin, forms.SelectMultiple):
    """A multi-select whose value comes from a repeated parameter or a comma-separated one."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
            return values or None
        return data.get(name)


class CheckboxValues(forms.CheckboxSelectMultiple):
    """Checkboxes whose value comes from a repeated parameter or a comma-separated one,
    written in Python to the byte what Django's templates (multiple_input.html,
    input_option.html, input.html) write, as PythonSelectMixin does for selects."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        box_id = widget["attrs"].get("id")
        css = widget["attrs"].get("class")
        parts = [
            "<div"
            + (f' id="{escape(str(box_id))}"' if box_id else "")
            + (f' class="{escape(str(css))}"' if css else "")
            + ">"
        ]
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f"\n  <div><label>{escape(str(group_name))}</label>")
            for option in options:
                option_id = option["attrs"].get("id")
                value_part = (
                    f' value="{escape(str(option["value"]))}"'
                    if option["value"] is not None
                    else ""
                )
                box = (
                    f'<input type="{escape(str(option["type"]))}" '
                    f'name="{escape(str(option["name"]))}"{value_part}'
                    f"{_attributes(option['attrs'])}>\n"
                )
                if option["wrap_label"]:
                    box = (
                        "<label"
                        + (f' for="{escape(str(option_id))}"' if option_id else "")
                        + f">{box} {escape(str(option['label']))}</label>\n"
                    )
                parts.append(f"<div>\n    {box}\n</div>")
            if group_name:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
            return values or None
        return data.get(name)

    def format_value(self, value):
        if value is None:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [item.strip() for raw in values for item in str(raw).split(",") if item.strip()]


class ReferenceListParam(forms.Field):
    """Several objects by key, comma-separated or repeated, returned in the order given."""

    widget = MultipleValues
    openapi = {"type": "array", "items": {"type": "string"}}

    def __init__(
        self,
        queryset,
        *,
        key: str,
        noun: str,
        upper: bool = False,
        min_items: int | None = None,
        max_items: int | None = None,
        **kwargs,
    ):
        self.queryset, self.key, self.noun, self.upper = queryset, key, noun, upper
        # How many items a non-empty list may hold (the schema states them too); the
        # parameter class says what is wrong in its own words.
        self.min_items, self.max_items = min_items, max_items
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.choices = CallableChoiceIterator(self.options)

    def options(self) -> list[tuple[str, str]]:
        """(key, name) of every object, for the page's multi-select (names shown, keys sent)."""
        model = self.queryset.model
        if any(field.name == "name" for field in model._meta.get_fields()):
            # Plain values, not a model per option (a select of every country).
            return [(key, str(name)) for key, name in self.queryset.values_list(self.key, "name")]
        return [
            (getattr(obj, self.key), str(getattr(obj, "name", obj))) for obj in self.queryset.all()
        ]

    def keys(self, value) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value]
        keys = [item.strip() for raw in values for item in str(raw).split(",")]
        if keys == [""]:
            return []
        if "" in keys:
            raise ValidationError("Give comma-separated values, none of them empty.", code="empty")
        if any("\x00" in key for key in keys):
            # Refused before any query: PostgreSQL takes no NUL in a string.
            raise ValidationError(NUL_MESSAGE, code="nul")
        return [key.upper() for key in keys] if self.upper else keys

    def to_python(self, value):
        if value in self.empty_values:
            return []
        keys = self.keys(value)
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                raise ValidationError(f"“{key}” is given twice.", code="duplicate")
            seen.add(key)
        found = {
            getattr(obj, self.key): obj for obj in self.queryset.filter(**{f"{self.key}__in": keys})
        }
        unknown = [key for key in keys if key not in found]
        if unknown:
            shown = ", ".join(f"“{key[:100]}”" for key in unknown)
            raise ValidationError(f"Unknown {self.noun} {shown}.", code="unknown")
        return [found[key] for key in keys]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return [getattr(item, self.key, item) for item in value]
        return value


class QueryParams(forms.Form):
    """A question's parameters. Subclasses declare the fields; `defaults()` fills what was
    left out. Every value given is checked for NUL bytes and length first."""

    # Parameters a door may carry besides the question's own (a download format, paging).
    passthrough: frozenset[str] = frozenset({"format", "page_size", "cursor"})

    def for_user(self, user):
        """Narrow the objects the parameters may name to those the user may see (before
        validation: naming a hidden one is refused as an unknown one); return the form."""
        return self

    def full_clean(self):
        super().full_clean()
        if not hasattr(self, "cleaned_data"):
            return
        for name in list(self.data.keys()):
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
            for value in values:
                if "\x00" in str(value) or "\x00" in name:
                    self._set_error(name, NUL_MESSAGE)
                elif len(str(value)) > QUERY_VALUE_MAX:
                    self._set_error(name, LONG_MESSAGE)

    def _set_error(self, name: str, message: str) -> None:
        label = name.replace("\x00", "")[:100] or "query"
        # The form is cleaned already: set the error without cleaning again. A field's error
        # carries its id, so the field's aria-describedby finds it.
        field_id = self[label].auto_id if label in self.fields else None
        self.errors[label] = self.error_class([message], renderer=self.renderer, field_id=field_id)
        self.cleaned_data.pop(label, None)

    def error_dict(self) -> dict[str, list[str]]:
        """The errors as {parameter: [messages]} (the API's 400 body)."""
        return {
            ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
            for name, messages in self.errors.items()
        }


def drop_blank(query) -> QueryDict:
    """A page's query without the empty values an HTML form sends for untouched fields, as
    a QueryDict-like mapping (lists kept)."""
    kept = QueryDict(mutable=True)
    for name, values in query.lists():
        present = [v for v in values if v != ""]
        if present:
            kept.setlist(name, present)
    return kept


# --- numbers, choices, ids, patterns and keyset cursors --------------------------------------

WHOLE_NUMBER = re.compile(r"[0-9]{1,19}")
SIGNED_NUMBER = re.compile(r"-?[0-9]{1,19}")
ID = re.compile(r"[1-9][0-9]{0,18}")
ID_MAX = 2**63 - 1


class WholeNumberParam(forms.Field):
    """A whole number from `minimum` to `maximum`, written in digits (after a minus sign where
    the range goes below zero: a threshold on the −2..+2 scale); absent means `default`."""

    widget = forms.NumberInput

    def __init__(self, *, minimum: int, maximum: int, default: int | None = None, **kwargs):
        self.minimum, self.maximum, self.default = minimum, maximum, default
        # Stated per field: its bounds are its own.
        self.openapi = {"type": "integer", "minimum": minimum, "maximum": maximum}
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "min": str(self.minimum), "max": str(self.maximum)}

    def to_python(self, value):
        if value in self.empty_values:
            return self.default
        text = str(value)
        pattern = SIGNED_NUMBER if self.minimum < 0 else WHOLE_NUMBER
        if not pattern.fullmatch(text) or not self.minimum <= int(text) <= self.maximum:
            raise ValidationError(
                f"Give a whole number from {self.minimum} to {self.maximum}.", code="invalid"
            )
        return int(text)


class ChoiceParam(forms.ChoiceField):
    """One of a fixed set of values (a model's choices); anything else is refused, listing them.
    A choice with the value "" is the form's "any" option, never a value."""

    def __init__(self, *, choices: list[tuple[str, str]], **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, **kwargs)
        values = [str(value) for value, _label in choices if value != ""]
        self.openapi = {"type": "string", "enum": values}
        self.error_messages["invalid_choice"] = f"Use one of: {', '.join(values)}."

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return str(value)


class IdReferenceParam(ReferenceParam):
    """One object named by its id, a positive whole number: anything else, or an id no object
    has, is refused, naming it."""

    def __init__(self, queryset, *, noun: str, **kwargs):
        super().__init__(queryset, key="id", noun=noun, **kwargs)
        self.openapi = {"type": "integer", "minimum": 1, "maximum": ID_MAX}

    def to_python(self, value):
        if value not in self.empty_values and not ID.fullmatch(str(value)):
            raise ValidationError(self.unknown(str(value)[:100]), code="invalid_choice")
        return super().to_python(value)


class PatternParam(TextParam):
    """Text that matches `pattern` in full (a language code), taken as given: anything else is
    refused with `message`."""

    def __init__(self, pattern: str, message: str, **kwargs):
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)
        # \A…\Z: Python's $ would also match before a final newline.
        self.validators.append(RegexValidator(rf"\A(?:{pattern})\Z", message))
        self.openapi = {"type": "string", "pattern": f"^(?:{pattern})$"}


@dataclasses.dataclass(frozen=True)
class Cursor:
    """A place in a list ordered newest first by (day, id): the rows after that one (`n`,
    older) or before it (`p`, newer). Written `n<day>-<id>` or `p<day>-<id>`, where day is the
    date's proleptic ordinal."""

    direction: str
    day: datetime.date
    pk: int

    def __str__(self) -> str:
        return f"{self.direction}{self.day.toordinal()}-{self.pk}"


CURSOR = re.compile(r"([np])([1-9][0-9]{0,5})-([1-9][0-9]{0,17})")
CURSOR_MESSAGE = "Invalid cursor: use the next or previous link."


class CursorParam(forms.Field):
    """Where a keyset page starts: a Cursor. Every string of its shape is a valid cursor."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.openapi = {"type": "string", "pattern": f"^{CURSOR.pattern}$"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        match = CURSOR.fullmatch(str(value))
        if match is None:
            raise ValidationError(CURSOR_MESSAGE, code="invalid")
        direction, ordinal, pk = match.groups()
        return Cursor(direction, datetime.date.fromordinal(int(ordinal)), int(pk))

    def prepare_value(self, value):
        return str(value) if isinstance(value, Cursor) else value


def page_address(address: str, cursor: str | None) -> str | None:
    """The address of the page a cursor starts, from the address of any page of the same list:
    None for no page, "" for the first one (no cursor). Parameters are sorted, as DRF's page
    links have them, so both doors write the same links."""
    if cursor is None:
        return None
    scheme, netloc, path, query, fragment = parse.urlsplit(address)
    values = parse.parse_qs(query, keep_blank_values=True)
    values.pop("cursor", None)
    if cursor:
        values["cursor"] = [cursor]
    query = parse.urlencode(sorted(values.items()), doseq=True)
    return parse.urlunsplit((scheme, netloc, path, query, fragment))
