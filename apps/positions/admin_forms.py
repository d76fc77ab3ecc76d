"""Admin form for positions: position_check's rules show as field errors before anything is written."""

from django import forms
from django.core.exceptions import ValidationError

from apps.core.admin import ServiceErrorsMixin, add_rule_errors
from apps.positions.models import Position, Stance
from apps.positions.services import position_check
from apps.statements.admin_forms import quote_pick_label

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
    "confidence",
)


def inner_widget(widget):
    """The widget itself inside the admin's related-object wrapper (whose copies share the
    first widget's attributes, not their own)."""
    return getattr(widget, "widget", widget)


class StanceSelect(forms.Select):
    """A select of stances grouped by topic; each option carries its topic's id
    (``data-topic``), so static/js/admin-positions.js keeps only the chosen topic's."""

    topic_of: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        topic = self.topic_of.get(str(value))
        if topic is not None:
            option["attrs"]["data-topic"] = topic
        return option


class StanceChoiceField(forms.ModelChoiceField):
    """Stances grouped by topic, the topic named once (the group), each stance by its value
    and label: "+1 Once conditions allow"."""

    widget = StanceSelect

    def label_from_instance(self, stance) -> str:
        return f"{stance.signed_value} {stance.label}"

    def group_by_topic(self) -> None:
        """Choices as one group per topic, in the topics' order and each scale's, top first."""
        groups: dict = {}
        stances = self.queryset if self.queryset is not None else Stance.objects.none()
        for stance in stances.select_related("topic").order_by("topic__order", "-value"):
            groups.setdefault(stance.topic, []).append(
                (stance.pk, self.label_from_instance(stance))
            )
        self.choices = [("", self.empty_label or "")] + [
            (topic.name, options) for topic, options in groups.items()
        ]
        select = inner_widget(self.widget)
        select.choices = self.choices
        select.topic_of = {
            str(pk): str(topic.pk) for topic, options in groups.items() for pk, _ in options
        }


class EvidenceChoiceField(forms.ModelMultipleChoiceField):
    """Evidence quotes, each named with its status, speaker, date and words."""

    def label_from_instance(self, quote) -> str:
        return quote_pick_label(quote)


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
        field_classes = {"stance": StanceChoiceField, "evidence": EvidenceChoiceField}

    same_day_clash = None  # the other position from the same day, when that is the error

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stance = self.fields.get("stance")
        if isinstance(stance, StanceChoiceField):
            inner_widget(stance.widget).attrs["data-topic-field"] = "id_topic"
            stance.group_by_topic()
        status = self.fields.get("status")
        if status is not None:
            status.help_text = (
                "Save it as a draft while you work on it, then submit it for review: another "
                "editor approves it on its review page (four eyes)."
            )

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
                confidence=cleaned_data.get("confidence"),
            )
        except ValidationError as error:
            self.same_day_clash = _same_day_clash(error)
            add_rule_errors(self, error)
        return cleaned_data

    def _get_validation_exclusions(self):
        # Recording a position closes the one in force and ends where the next begins, which
        # the overlap constraints would refuse on the entered dates; position_check owns the
        # period rules (and the database constraints still hold the saved rows).
        exclude = super()._get_validation_exclusions()  # type: ignore[misc]  # private: not in the stubs
        exclude.add("valid_to")
        return exclude


def _same_day_clash(error: ValidationError) -> Position | None:
    """The position a same-day error names, for a link to it; None for any other error."""
    for problem in getattr(error, "error_dict", {}).get("valid_from", ()):
        if problem.code == "same_day" and problem.params:
            return Position.objects.with_stance().filter(pk=problem.params["position"]).first()
    return None
