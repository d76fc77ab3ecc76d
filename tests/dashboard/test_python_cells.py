"""Parts of the matrix page written in Python rather than through the template engine (a
thousand cells, two dozen preset links): what they write is what the template wrote."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory

from apps.dashboard.templatetags.dashboard import matrix_rows, presets_nav

# The "Jump to" links as the matrix template wrote them before presets_nav.
TEMPLATE_PRESETS = """{% load dashboard %}{% if presets %}
  <nav class="presets" aria-label="Dates of events">
    <span>Jump to:</span>
    <a href="{% url 'dashboard:matrix' %}{% query as_of=None %}" hx-get="{% url 'dashboard:matrix' %}{% query as_of=None %}" hx-target="#matrix-results" hx-swap="outerHTML" hx-push-url="true">Today</a>
    {% for day, label in presets %}<a href="{% url 'dashboard:matrix' %}{% query as_of=day|date:'Y-m-d' %}" hx-get="{% url 'dashboard:matrix' %}{% query as_of=day|date:'Y-m-d' %}" hx-target="#matrix-results" hx-swap="outerHTML" hx-push-url="true">{{ label }} <span class="preset-day">({{ day|date:"j M Y" }})</span></a>{% endfor %}
  </nav>
  {% endif %}"""  # noqa: E501

PRESETS = [
    (datetime.date(2023, 7, 10), "Eve of Vilnius <Summit> & “friends”"),
    (datetime.date(2008, 4, 1), "Eve of Bucharest"),
]


@pytest.mark.parametrize(
    "address",
    [
        "/",
        "/?as_of=2016-03-04",
        "/?countries=PL&countries=DE&bloc=b9&format=csv",
        "/?topics=membership&nato=true&as_of=2020-01-01&x=%3Cscript%3E",
    ],
)
@pytest.mark.parametrize("presets", [PRESETS, []])
def test_the_preset_links_are_written_as_the_template_wrote_them(address, presets):
    request = RequestFactory().get(address)
    request.user = AnonymousUser()
    context = {"presets": presets, "request": request}
    reference = engines["django"].from_string(TEMPLATE_PRESETS).render(context, request)

    ours = presets_nav(context, presets)

    assert ours.strip() == reference.strip()
    if presets:
        assert "&lt;Summit&gt; &amp;" in ours and "format=" not in ours


def test_cells_sharing_a_stance_keep_their_own_count_condition_and_confidence(seeded):
    from apps.positions import questions

    result = questions.matrix({"as_of": datetime.date(2023, 7, 1)})
    rows = {row.holder.key: row for row in result.rows}
    html = matrix_rows(result.rows, result.topics)

    for row in rows.values():
        for cell in row.cells.values():
            if cell is None:
                continue
            n = cell.evidence_count
            meta = f"{cell.get_confidence_display()} · {n} quote{'' if n == 1 else 's'}"
            written = html.split(f'href="/positions/{cell.pk}/evidence/">', 1)[1].split("</td>")[0]
            assert cell.stance.label in written
            assert meta in written
            assert ("◇" in written) == (cell.conditionality != "none")
