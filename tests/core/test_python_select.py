"""The filter forms' selects are written in Python (apps.core.params.PythonSelectMixin): to the
byte what Django's own templates write for the same widget, choices, value and attributes."""

import pytest
from django import forms

from apps.core.params import MultipleValues, PythonSelect

CHOICES = [
    ("", "Any country"),
    ("EE", "Estonia"),
    ("DE", "Germany & <friends>"),
    ("TR", 'Türkiye "quoted"'),
    ("Groups", [("G7", "G7"), ("B9", "Bucharest Nine")]),
]
ATTRS = {"id": "id_x", "aria-describedby": "id_x_helptext", "required": True, "data-a": 'a"b'}


@pytest.mark.parametrize("value", [None, "", "DE", "TR", "G7", "<script>"])
def test_a_single_select_is_written_as_django_writes_it(value):
    ours = PythonSelect(choices=CHOICES).render("country", value, ATTRS)
    django = forms.Select(choices=CHOICES).render("country", value, ATTRS)

    assert ours == django


@pytest.mark.parametrize("value", [None, [], ["EE"], ["DE", "TR", "B9"], ["<b>"]])
def test_a_multiple_select_is_written_as_django_writes_it(value):
    ours = MultipleValues(choices=CHOICES).render("countries", value, ATTRS)
    django = forms.SelectMultiple(choices=CHOICES).render("countries", value, ATTRS)

    assert ours == django
    assert "<friends>" not in ours and "&lt;friends&gt;" in ours


BOXES = [("membership", "Membership"), ("timeline", "A <timeline> & “roadmap”"), (3, 'Three "3"')]


@pytest.mark.parametrize("value", [None, [], ["membership"], ["timeline", "3"], ["<b>"]])
@pytest.mark.parametrize(
    "attrs", [{"id": "id_topics"}, {"id": "id_t", "class": "boxes", "required": True}, {}]
)
def test_checkboxes_are_written_as_django_writes_them(value, attrs):
    from apps.core.params import CheckboxValues

    grouped = [*BOXES, ("Groups", [("g7", "G7"), ("b9", "Bucharest <Nine>")])]
    ours = CheckboxValues(choices=grouped).render("topics", value, attrs)
    django = forms.CheckboxSelectMultiple(choices=grouped).render("topics", value, attrs)

    assert ours == django
    assert "&lt;timeline&gt;" in ours
