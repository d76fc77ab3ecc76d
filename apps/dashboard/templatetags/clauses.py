"""The clause matrix's body (/agreements/clauses/), written in Python: some forty allies and
organizations × a dozen columns cost the template engine about a tenth of a second a page,
written here a few milliseconds (as the matrix's cells, apps/dashboard/templatetags/
dashboard.py)."""

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

register = template.Library()


def _prefix(name: str, *args: str) -> str:
    """A page's address up to its keys ("/agreements/clauses/"): one reverse() per page."""
    address = reverse(name, args=args)
    return address[: -len("/".join(args)) - 1]


def _unpublished(n: int) -> str:
    return f' <span class="status-badge">{n} not published</span>' if n else ""


@register.simple_tag
def clause_rows(result) -> str:
    """The rows: the ally (a link to its page on the day, or an organization's name), its
    agreements in force (a link to the list so filtered), then a cell per category: the
    count, a link to its clauses that site.js opens in the dialog, or 0."""
    day = result.as_of.isoformat()
    country_prefix = _prefix("dashboard:country", "XX")
    cell_prefix = _prefix("dashboard:agreement-clause-cell", "XX", "x")
    list_address = reverse("dashboard:agreements")
    on_day = f"?as_of={day}"
    out = []
    for row in result.rows:
        holder = row.holder
        key, name = escape(holder.key), escape(holder.name)
        if holder.type == "country":
            header = f'<a href="{country_prefix}{key}/{on_day}">{name}</a>'
        else:
            header = f'{name} <span class="not-member">(organization)</span>'
        if row.agreements:
            query = escape(urlencode({"party": holder.key, "in_force_on": day}))
            count = f"{row.agreements} agreement{'' if row.agreements == 1 else 's'}"
            agreements = (
                f'<td><a href="{list_address}?{query}">{count}</a>'
                f"{_unpublished(row.unpublished)}</td>"
            )
        else:
            agreements = '<td><span class="muted">None</span></td>'
        cells = []
        for cell in row.cells:
            if not cell.clauses:
                cells.append('<td class="zero">0</td>')
                continue
            plural = "" if cell.clauses == 1 else "s"
            cells.append(
                f'<td><a href="{cell_prefix}{key}/{escape(cell.category.slug)}/{on_day}" '
                f'data-opens-evidence>{cell.clauses}<span class="visually-hidden"> '
                f"clause{plural}</span></a>{_unpublished(cell.unpublished)}</td>"
            )
        out.append(f'<tr><th scope="row">{header}</th>{agreements}{"".join(cells)}</tr>')
    if not out:
        out.append(
            f'<tr><td colspan="{len(result.categories) + 2}">No allies on record for this '
            "day.</td></tr>"
        )
    return mark_safe("\n".join(out))
