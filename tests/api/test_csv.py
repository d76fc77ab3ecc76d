"""Every list, matrix/ and changes/ also answer ?format=csv: one flat table."""

import csv
import io

import pytest

from apps.api.renderers import CSVRenderer
from apps.core.tables import columns_of, flatten
from tests.factories import BlocFactory, make_quote

LISTS = [
    "countries",
    "blocs",
    "topics",
    "organizations",
    "people",
    "roles",
    "events",
    "sources",
    "quotes",
    "positions",
]


def table(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode()), "no byte-order mark for Excel"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("resource", LISTS)
def test_every_list_answers_csv(anon, desk, resource):
    BlocFactory().members.add(desk["ee"])
    response = anon.get(f"/api/v1/{resource}/?format=csv")

    rows = table(response)
    assert rows
    assert response["Content-Disposition"] == f'attachment; filename="{resource}.csv"'


def test_nested_objects_become_dotted_columns_and_lists_one_cell(anon, desk):
    rows = table(anon.get("/api/v1/quotes/?format=csv"))

    row = rows[0]
    assert row["speaker.slug"] == "juri-luik"
    assert row["speaker.name"] == "Jüri Luik"
    assert row["source.title"] == "Report"
    assert row["topics"] == "membership"
    assert row["country"] == "" or "country.code" in row


def test_csv_is_also_chosen_by_accept(anon, desk):
    response = anon.get("/api/v1/countries/", HTTP_ACCEPT="text/csv")

    assert [row["code"] for row in table(response)] == ["EE", "US"]


def test_csv_answers_the_same_filtered_page(anon, desk):
    rows = table(anon.get("/api/v1/countries/?format=csv&search=esto"))

    assert [row["code"] for row in rows] == ["EE"]


def test_the_matrix_as_csv_keeps_holder_columns_together(anon, seeded):
    response = anon.get("/api/v1/matrix/?as_of=2023-07-10&format=csv")

    rows = table(response)
    header = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[0] == "as_of"
    assert set(header[1:5]) == {"holder.type", "holder.slug", "holder.code", "holder.name"}
    assert "cells.membership.stance.value" in header
    assert "cells.membership" not in header
    assert {row["as_of"] for row in rows} == {"2023-07-10"}
    assert rows[0]["holder.slug"] == "nato"
    estonia = next(row for row in rows if row["holder.code"] == "EE")
    assert estonia["cells.membership.stance.value"] == "1"
    assert estonia["cells.membership.conditionality"] == "after_war"
    assert estonia["cells.membership.conditionality_label"] == "After the war"
    hungary = next(row for row in rows if row["holder.code"] == "HU")
    # No position is said in words, in every column of the cell, not left empty.
    assert hungary["cells.membership.stance.value"] == "none"
    assert hungary["cells.membership.stance.label"] == "none"
    assert hungary["cells.membership.position"] == "none"
    # A column a holder does not have is still empty: NATO has no country code.
    assert rows[0]["holder.code"] == ""


def test_changes_as_csv_list_their_evidence_ids(anon, seeded):
    rows = table(anon.get("/api/v1/changes/?from=2022-12-01&to=2023-07-10&format=csv&countries=EE"))

    assert {row["topic"] for row in rows} == {"membership", "timeline", "guarantees"}
    assert all(row["direction"] == "new" for row in rows)
    assert all(row["kind"] == "first_recorded" for row in rows)
    assert {(row["from"], row["to"]) for row in rows} == {("2022-12-01", "2023-07-10")}
    assert all(
        row["evidence"] and all(i.isdigit() for i in row["evidence"].split("; ")) for row in rows
    )
    assert rows[0]["before"] == "none"


def test_text_a_spreadsheet_would_run_is_defused(anon, desk):
    make_quote(text='=HYPERLINK("http://evil")', speaker_label="a troll", source=desk["source"])

    rows = table(anon.get("/api/v1/quotes/?format=csv&anonymous=true"))

    assert rows[0]["text"] == '\'=HYPERLINK("http://evil")'


def test_the_renderer_flattens_by_the_documented_rules():
    rows = [
        {"holder": {"type": "organization", "slug": "nato"}, "cells": {"a": None}, "n": -1},
        {"holder": {"type": "country", "code": "EE"}, "cells": {"a": {"v": 1}}, "n": 2},
    ]

    flat = [flatten(row) for row in rows]

    assert columns_of(flat) == ["holder.type", "holder.slug", "holder.code", "cells.a.v", "n"]
    rendered = CSVRenderer().render(rows).decode("utf-8-sig").splitlines()
    assert rendered == [
        "holder.type,holder.slug,holder.code,cells.a.v,n",
        "organization,nato,,none,-1",
        "country,,EE,1,2",
    ]
    assert CSVRenderer().render({"results": [{"tags": ["a", "b"], "ok": True}]}).decode(
        "utf-8-sig"
    ).splitlines() == [
        "tags,ok",
        "a; b,true",
    ]
    assert CSVRenderer().render({"as_of": "2024-07-10", "rows": [{"n": 1}], "topics": []}).decode(
        "utf-8-sig"
    ).splitlines() == ["as_of,n", "2024-07-10,1"]


def test_paged_csv_gives_its_page_links_in_a_link_header(anon, desk):
    make_quote(text="More words", speaker_label="a diplomat", source=desk["source"])
    numbered = anon.get("/api/v1/countries/?format=csv&page_size=1")
    cursor = anon.get("/api/v1/quotes/?format=csv&page_size=1")

    assert (
        numbered["Link"]
        == '<http://testserver/api/v1/countries/?format=csv&page=2&page_size=1>; rel="next"'
    )
    assert 'rel="next"' in cursor["Link"] and "cursor=n" in cursor["Link"]
