"""Admin form for positions: position_check's rules show as field errors before anything is written."""

from django import forms
from django.core.exceptions import ValidationError

from apps.core.admin import ServiceErrorsMixin, add_rule_errors
from apps.positions.models import Position
from apps.positions.services import position_check

# The fields position_check reads: while one of them is itself invalid, the rules wait.
POSITION_RULE_FIELDS = (
    "country",
    "organization",
    "topic",
    "stance",
    "valid_from",
    "valid_to",
    "status",
    "evidence",
)


class StanceChoiceField(forms.ModelChoiceField):
    """Stances of every topic in one list, each named with its topic."""

    def label_from_instance(self, stance) -> str:
        return f"{stance.topic.name}: {stance}"


class PositionAdminForm(ServiceErrorsMixin, forms.ModelForm):
    """A position, checked against position_check as a whole once each field is valid."""

    class Meta:
        model = Position
        fields = [
            "country",
            "organization",
            "topic",
            "stance",
            "conditionality",
            "conditionality_note",
            "valid_from",
            "valid_to",
            "confidence",
            "summary",
            "evidence",
            "status",
            "correction_note",
        ]
        field_classes = {"stance": StanceChoiceField}

    def clean(self):
        cleaned_data = super().clean()
        if any(name in self.errors for name in POSITION_RULE_FIELDS):
            return cleaned_data
        try:
            position_check(
                topic=cleaned_data.get("topic"),
                stance=cleaned_data.get("stance"),
                valid_from=cleaned_data.get("valid_from"),
                valid_to=cleaned_data.get("valid_to"),
                country=cleaned_data.get("country"),
                organization=cleaned_data.get("organization"),
                status=cleaned_data.get("status") or Position.status.field.default,
                evidence=cleaned_data.get("evidence") or (),
                exclude_id=self.instance.pk,
            )
        except ValidationError as error:
            add_rule_errors(self, error)
        return cleaned_data

    def _get_validation_exclusions(self):
        # Recording a position closes the one in force and ends where the next begins, which
        # the overlap constraints would refuse on the entered dates; position_check owns the
        # period rules (and the database constraints still hold the saved rows).
        exclude = super()._get_validation_exclusions()  # type: ignore[misc]  # private: not in the stubs
        exclude.add("valid_to")
        return exclude
