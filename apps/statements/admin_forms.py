"""Admin forms for quotes: a quote's rules show as field errors before anything is written."""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet, construct_instance
from django.urls import reverse

from apps.core.admin import ServiceErrorsMixin, add_rule_errors, editable_values, refusals_for
from apps.statements.models import QUOTE_EDITABLE_FIELDS, Quote
from apps.statements.services import quote_check, quote_delete, quote_record, quote_update

DRAFT_EVIDENCE_WARNING = (
    "A quote saves as a draft by default, and only published quotes reach analysts: a "
    "position that uses a draft quote as its evidence shows “0 quotes” until the quote is "
    "published."
)


def quote_pick_label(quote: Quote) -> str:
    """How a quote is named wherever an editor picks it: its status first (a draft is no
    evidence analysts can read yet), then who said it (and who claims it, for a claim about
    another government), when, and its words."""
    words = quote.text if len(quote.text) <= 90 else quote.text[:89] + "…"
    claimant = quote.claimant
    claim = f" (reported by {claimant.name})" if claimant is not None else ""
    return (
        f"[{quote.get_status_display()}] {quote.speaker_name}{claim}, {quote.said_display}: "
        f"“{words}”"
    )


# The fields quote_check reads: while one of them is itself invalid, the rules wait.
QUOTE_RULE_FIELDS = (
    "speaker",
    "speaker_label",
    "role",
    "said_on",
    "implied_stance",
    "topics",
    "country",
    "claimant_country",
    "claimant_organization",
)


class QuoteAdminForm(ServiceErrorsMixin, forms.ModelForm):
    """A quote, checked against quote_check as a whole once each field is valid.

    Inline with a new source, the rules that need the stored source (a quote is not said
    after its source was published) are kept by quote_record when saving: a refusal there
    comes back to this form through ServiceErrorsMixin.
    """

    class Meta:
        model = Quote
        fields = QUOTE_EDITABLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        country = self.fields.get("country")
        if country is not None:
            # static/js/admin-quote.js asks this address for the speaker's country on the day.
            # Inside the admin's wrapper, whose copies share the first widget's attributes.
            select = getattr(country.widget, "widget", None) or country.widget
            select.attrs["data-suggest-url"] = reverse("admin:statements_quote_suggest")
            country.help_text = (
                "The country whose position the words reflect: suggested from the speaker's "
                "role on the day said. Check the name shown after you pick."
            )
        status = self.fields.get("status")
        if status is not None:
            status.help_text = DRAFT_EVIDENCE_WARNING

    def clean(self):
        cleaned_data = super().clean()
        if any(name in self.errors for name in QUOTE_RULE_FIELDS):
            return cleaned_data
        candidate = construct_instance(self, copy.copy(self.instance))
        try:
            quote_check(candidate, cleaned_data.get("topics", ()))
        except ValidationError as error:
            add_rule_errors(self, error)
        return cleaned_data


class QuoteInlineFormSet(BaseInlineFormSet):
    """The quotes of one source, written through quote_record, quote_update and quote_delete."""

    by = None  # the editor saving; set by the admin before save()

    def save_new(self, form, commit=True):
        if not commit:
            return super().save_new(form, commit=False)
        with refusals_for(form.prefix):
            form.instance = quote_record(
                source=self.instance,
                by=self.by,
                topics=form.cleaned_data.get("topics", ()),
                **editable_values(form.instance, exclude={"source"}),
            )
        return form.instance

    def save_existing(self, form, obj, commit=True):
        if not commit:
            return super().save_existing(form, obj, commit=False)
        with refusals_for(form.prefix):
            return quote_update(quote=obj, by=self.by, topics=form.cleaned_data.get("topics"))

    def delete_existing(self, obj, commit=True):
        if not commit:
            return super().delete_existing(obj, commit=False)
        # A form ticked for deletion is not validated again: the refusal goes on the source's.
        with refusals_for():
            quote_delete(quote=obj, by=self.by)
