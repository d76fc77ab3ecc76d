"""The matrix and compare pages without friction (issue 19, points 1, 2 and 4), on the seeded
report: a refused filter answers in place beside its field, the matrix sorts by a topic's
stance, hides and counts the allies with no position, its links keep the day, the country page
takes that day, and compare shows conditions and names each cell's country for a phone."""

import re

import pytest

pytestmark = pytest.mark.usefixtures("seeded")

DAY = "2023-07-10"


def rows_of(page: str) -> list[str]:
    """The matrix's row headers (allies and organizations), in order."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<th scope="row">(.*?)</th>', body)]


def test_a_refused_filter_answers_htmx_with_the_form_in_place_and_keeps_the_address(client):
    response = client.get("/?as_of=0002-01-01", headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert response["HX-Retarget"] == "#filters"
    assert response["HX-Reswap"] == "outerHTML"
    assert response["HX-Push-Url"] == "false"
    page = response.content.decode()
    assert page.lstrip().startswith('<form id="filters"')
    # Beside the field, and summed up on top with a link to it; no results to blank.
    field = page.split('name="as_of"')[1].split("</div>")[0]
    assert "Dates start in 1900." in field
    assert '<label for="id_as_of">As of</label>: Dates start in 1900.' in page
    assert '<section id="matrix-results"' not in page


@pytest.mark.parametrize(
    ("path", "field", "message"),
    [
        ("/?as_of=0002-01-01", "as_of", "Dates start in 1900."),
        ("/?sort=nowhere", "sort", "Unknown topic “nowhere”"),
        ("/changes/?from=2023-07-01&to=2023-06-01", "to", None),
        ("/compare/?countries=Estonia,Latvia", "countries", "Unknown country code"),
        ("/topics/membership/?as_of=2023-02-30", "as_of", "real date"),
    ],
)
def test_without_javascript_a_refused_filter_is_named_beside_its_field(
    client, path, field, message
):
    response = client.get(path)

    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page or 'class="form-errors"' in page
    assert '<form id="filters"' in page
    if message:
        assert message in page.split('<form id="filters"')[1].split("</form>")[0]


def test_the_matrix_sorts_allies_by_a_topics_stance_with_the_unpositioned_last(client):
    by_name = rows_of(client.get(f"/?as_of={DAY}").content.decode())
    page = client.get(f"/?as_of={DAY}&sort=-membership").content.decode()
    ranked = rows_of(page)

    assert sorted(ranked) == sorted(by_name)
    assert 'aria-sort="descending"' in page
    cells = page.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")
    values = []
    for row in cells:
        if '<th scope="row"><strong>' in row or "<td" not in row:
            continue  # organizations keep their place on top
        first = row.split("<td", 2)[1]  # membership is the first topic
        value = re.search(r"<b>([+−]?\d)</b>", first)
        values.append(None if value is None else int(value.group(1).replace("−", "-")))
    positioned = [v for v in values if v is not None]
    assert positioned == sorted(positioned, reverse=True) and len(positioned) >= 3
    assert all(v is None for v in values[len(positioned) :])  # no position: last
    least = client.get(f"/?as_of={DAY}&sort=membership").content.decode()
    assert 'aria-sort="ascending"' in least


def test_the_matrix_hides_and_counts_the_allies_with_no_position(client):
    page = client.get(f"/?as_of={DAY}").content.decode()
    count = re.search(r"(\d+) of (\d+) countries have no public position", page)
    assert count, page.split('class="matrix-count"')[1][:200]
    none, shown = int(count.group(1)), int(count.group(2))
    assert 0 < none < shown

    hidden = client.get(f"/?as_of={DAY}&hide_empty=true").content.decode()
    assert f"{none} of {shown} countries have no public position" in hidden
    assert "Show them" in hidden
    assert len(rows_of(page)) - len(rows_of(hidden)) == none


def test_the_api_matrix_takes_the_same_sort_and_counts(client):
    answer = client.get(f"/api/v1/matrix/?as_of={DAY}&sort=-membership&hide_empty=true").json()

    assert answer["sort"] == "-membership"
    assert answer["countries_without_position"] > 0
    holders = [row for row in answer["rows"] if row["holder"]["type"] == "country"]
    assert all(any(row["cells"].values()) for row in holders)
    values = [
        row["cells"]["membership"]["stance"]["value"]
        for row in holders
        if row["cells"]["membership"]
    ]
    assert values == sorted(values, reverse=True)
    refused = client.get("/api/v1/matrix/?sort=nowhere")
    assert refused.status_code == 400 and "sort" in refused.json()


def test_the_matrix_links_keep_its_day(client):
    page = client.get(f"/?as_of={DAY}").content.decode()

    assert f'href="/topics/membership/?as_of={DAY}"' in page
    assert f'href="/countries/EE/?as_of={DAY}"' in page


def test_the_country_page_shows_its_history_up_to_the_day_with_the_one_in_force_marked(client):
    page = client.get(f"/countries/EE/?as_of={DAY}").content.decode()

    assert "In force on 10 Jul 2023" in page
    assert f'href="/?as_of={DAY}"' in page
    before = client.get("/countries/EE/?as_of=2023-01-01").content.decode()
    assert "In force on" not in before and "No public position on record." in before
    refused = client.get("/countries/EE/?as_of=someday")
    assert refused.status_code == 400 and "as_of" in refused.content.decode()


def test_compare_shows_conditions_like_the_matrix_and_names_each_cells_country(client):
    page = client.get(f"/compare/?countries=EE,FR,US&as_of={DAY}").content.decode()
    matrix = client.get(f"/?as_of={DAY}&countries=EE&countries=FR&countries=US").content.decode()

    conditions = set(re.findall(r"◇ ([^<]+)</i>", matrix))
    assert conditions
    for condition in conditions:
        assert f"◇ {condition}" in page
    for name in ("Estonia", "France", "United States"):
        assert f'<span class="cell-country">{name}</span>' in page
