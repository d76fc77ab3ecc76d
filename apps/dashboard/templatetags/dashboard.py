"""Template helpers for the analysts' pages."""

from django import template
from django.utils.dates import MONTHS_3
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from apps.agreements.signatures import GAP_WORDS, UKRAINE, counterparty
from apps.statements.models import MARK_START, MARK_STOP

register = template.Library()


@register.filter
def highlight(headline: str) -> str:
    """Escape a search headline, then turn the match markers into <mark> elements."""
    escaped = escape(headline)
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))


@register.filter
def stance_class(value) -> str:
    """The CSS class of a stance value: s-p2, s-p1, s-0, s-m1, s-m2."""
    if value is None or value == "":
        return "s-none"
    value = int(value)
    return "s-0" if value == 0 else (f"s-p{value}" if value > 0 else f"s-m{-value}")


@register.filter
def signed(value) -> str:
    value = int(value)
    return f"+{value}" if value > 0 else ("0" if value == 0 else f"−{-value}")


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        key = key.rstrip("_")
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    params.pop("format", None)
    return "?" + urlencode(sorted(params.lists()), doseq=True) if params else "?"


@register.simple_tag(takes_context=True)
def download_url(context, fmt: str) -> str:
    params = context["request"].GET.copy()
    params["format"] = fmt
    params.pop("after", None)
    return "?" + urlencode(sorted(params.lists()), doseq=True)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def with_param(context, name: str, value) -> str:
    """The current query string with one named parameter set, and back to the first page."""
    params = context["request"].GET.copy()
    params[name] = str(value)
    params.pop("cursor", None)
    params.pop("format", None)
    return "?" + urlencode(sorted(params.lists()), doseq=True)


# --- the matrix's cells, written in Python ----------------------------------------------------
# A matrix at scale is a thousand cells: through the template engine each costs a few dozen
# node renders (0.5 s a page at 60 allies × 12 topics); written here, the whole body costs a
# few milliseconds. The markup is compact: the cell's words are its link's name (the row and
# column headers say whose and on what), and one listener in site.js opens the evidence in
# place, so no cell repeats htmx attributes.


def _prefixes() -> dict[str, str]:
    """The pages' addresses up to their key ("/countries/"), for cells written here: one
    reverse() per page rather than one per cell."""
    from django.urls import reverse

    return {
        "country": reverse("dashboard:country", args=["XX"])[: -len("XX/")],
        "evidence": reverse("dashboard:position-evidence", args=[0])[: -len("0/evidence/")],
        "topic": reverse("dashboard:topic", args=["x"])[: -len("x/")],
        "agreement": reverse("dashboard:agreement", args=["x"])[: -len("x/")],
        "agreements": reverse("dashboard:agreements"),
    }


@register.simple_tag(takes_context=True)
def matrix_head(context, topics, sort: str, as_of) -> str:
    """The matrix's topic headers: each names its topic (a link to its page on the same day)
    and offers to sort the allies by their stance on it (most supportive first, then least);
    the sorted column says so (aria-sort)."""
    topic_prefix = _prefixes()["topic"]
    day = f"?as_of={as_of.isoformat()}" if as_of else ""
    out = []
    for topic in topics:
        slug = escape(topic.slug)
        name = escape(topic.name)
        if sort == f"-{topic.slug}":
            state, offer, arrow, words = ' aria-sort="descending"', topic.slug, "▲", "least"
        elif sort == topic.slug:
            state, offer, arrow, words = ' aria-sort="ascending"', f"-{topic.slug}", "▼", "most"
        else:
            state, offer, arrow, words = "", f"-{topic.slug}", "▼", "most"
        address = escape(query(context, sort=offer))
        out.append(
            f'<th scope="col"{state}><a href="{topic_prefix}{slug}/{day}">{name}</a> '
            f'<a class="sort" href="{address}" hx-get="{address}">{arrow}'
            f'<span class="visually-hidden">: sort by {name}, {words} supportive first</span>'
            "</a></th>"
        )
    return mark_safe("".join(out))


@register.simple_tag
def matrix_rows(rows, topics, as_of=None, with_signed=True) -> str:
    """The matrix's body rows: a header cell naming the ally (a link to its page on the same
    day), then one cell per topic, then what it had signed (and the say/sign gap)."""
    urls = _prefixes()
    day = f"?as_of={as_of.isoformat()}" if as_of else ""
    country_prefix, evidence_prefix = urls["country"], urls["evidence"]
    # A thousand cells share a few dozen stances, confidences, counts and conditions: each
    # piece is written (and escaped) once per page.
    stances: dict[int, tuple[str, str]] = {}
    metas: dict[tuple, str] = {}
    conditions: dict[str, str] = {"none": ""}

    def cell(position) -> str:
        if position is None:
            return EMPTY_CELL
        stance = stances.get(position.stance.pk)
        if stance is None:
            value = position.stance.value
            stance = stances[position.stance.pk] = (
                f'<td class="{stance_class(value)}">',
                f"<b>{signed(value)}</b> {escape(position.stance.label)}<small>",
            )
        count = position.evidence_count
        meta = metas.get((position.confidence, count))
        if meta is None:
            meta = metas[(position.confidence, count)] = escape(
                f"{position.get_confidence_display()} · {count} quote{'' if count == 1 else 's'}"
            )
        conditional = conditions.get(position.conditionality)
        if conditional is None:
            conditional = conditions[position.conditionality] = (
                f'<i class="conditional">◇ {escape(position.get_conditionality_display())}</i>'
            )
        opening, words = stance
        return (
            f'{opening}<a href="{evidence_prefix}{position.pk}/evidence/">{words}'
            f"{conditional}{meta}</small></a></td>"
        )

    out = []
    for row in rows:
        holder = row.holder
        if holder.type == "country":
            name = f'<a href="{country_prefix}{escape(holder.key)}/{day}">{escape(holder.name)}</a>'
            if not holder.nato_joined:
                name += ' <span class="not-member">(not a member)</span>'
        else:
            name = f"<strong>{escape(holder.name)}</strong>"
        cells = "".join(map(cell, row.cells.values()))
        signed_cell = signatures_cell(row, urls, as_of) if with_signed else ""
        out.append(f'<tr><th scope="row">{name}</th>{cells}{signed_cell}</tr>')
    if not out:
        span = len(topics) + (2 if with_signed else 1)
        out.append(f'<tr><td colspan="{span}">No allies match these filters.</td></tr>')
    return mark_safe("\n".join(out))


GAP_SHORT = {
    "said_unsigned": "+2 said, nothing signed",
    "signed_against": "signed under a stance against",
}


@register.simple_tag
def gap_marker(gap: str | None) -> str:
    """The say/sign gap's mark: short words, and the full sentence for screen readers."""
    if not gap:
        return ""
    return mark_safe(
        f'<em class="gap"><span aria-hidden="true">Gap: {GAP_SHORT[gap]}</span>'
        f'<span class="visually-hidden">{escape(GAP_WORDS[gap])}</span></em>'
    )


def signatures_cell(row, urls: dict, as_of) -> str:
    """What the ally had signed that day: the one agreement by name, or how many (a link to
    them on the agreements page), and the say/sign gap where words and signatures disagree."""
    signed = row.signed
    if len(signed) == 1:
        what = (
            f'<a href="{urls["agreement"]}{escape(signed[0].slug)}/">{escape(signed[0].title)}</a>'
        )
    elif signed:
        day = f"&amp;in_force_on={as_of.isoformat()}" if as_of else ""
        what = (
            f'<a href="{urls["agreements"]}?party={escape(row.holder.key)}{day}">'
            f"{len(signed)} agreements</a>"
        )
    elif counterparty(row.holder.key):
        what = f'<span class="none">{OTHER_PARTY}</span>'
    else:
        what = '<span class="none">Nothing in force</span>'
    return f'<td class="signed">{what}{gap_marker(row.gap)}</td>'


OTHER_PARTY = "The other party to each agreement"


EMPTY_CELL = '<td class="s-none">No public position</td>'


@register.simple_tag(takes_context=True)
def presets_nav(
    context, presets, page_name: str = "dashboard:matrix", target: str = "#matrix-results"
) -> str:
    """A page's "Jump to" links (the matrix's, and the consensus page's with its own name and
    results), one per event (two dozen, each with its address twice): written here, as
    {% query as_of=… %} and {% url %} would write them, for one reverse() and one copy of the
    query rather than one of each per link."""
    from django.urls import reverse

    if not presets:
        return ""
    page = reverse(page_name)
    params = context["request"].GET.copy()
    params.pop("format", None)
    params.pop("as_of", None)
    others = list(params.lists())

    def link(address: str, words: str) -> str:
        address = escape(address)
        return (
            f'<a href="{address}" hx-get="{address}" hx-target="{escape(target)}" '
            f'hx-swap="outerHTML" hx-push-url="true">{words}</a>'
        )

    today = page + ("?" + urlencode(sorted(others), doseq=True) if others else "?")
    links = [link(today, "Today")]
    for day, label in presets:
        query = urlencode(sorted([*others, ("as_of", [day.isoformat()])]), doseq=True)
        links.append(
            link(
                f"{page}?{query}",
                f'{escape(label)} <span class="preset-day">({short_date(day)})</span>',
            )
        )
    return mark_safe(
        '<nav class="presets" aria-label="Dates of events">\n    <span>Jump to:</span>\n    '
        + links[0]
        + "\n    "
        + "".join(links[1:])
        + "\n  </nav>"
    )


def short_date(day) -> str:
    """ "7 Mar 2024", as the date filter's "j M Y" writes it, for the cells written here (the
    filter's general formatter costs more than the rest of a cell)."""
    return f"{day.day} {MONTHS_3[day.month].title()} {day.year}"


def _stance(stance, definition: bool = True) -> str:
    title = f' title="{escape(stance.definition)}"' if definition else ""
    return (
        f'<span class="stance {stance_class(stance.value)}"{title}><span class="stance-value">'
        f"{signed(stance.value)}</span> {escape(stance.label)}</span>"
    )


def _compare_cell(entry, topic, urls, country: str = "") -> str:
    # The column's country, shown only on a phone, where the cells stack in pairs under
    # their topic and the table's header is out of sight.
    parts = [f'<span class="cell-country">{escape(country)}</span>']
    current = entry.current
    if current is not None:
        parts.append(
            f'<p>{_stance(current.stance)} <span class="muted">since '
            f"{short_date(current.valid_from)} · {escape(current.get_confidence_display())}"
            + (
                f" · ◇ {escape(current.get_conditionality_display())}"
                if current.conditionality != "none"
                else ""
            )
            + "</span></p>"
        )
    else:
        parts.append('<p class="muted">No public position</p>')
    if len(entry.history) > 1 or entry.earlier:
        steps = "".join(
            f"<li>{_stance(past.stance, definition=False)} from {short_date(past.valid_from)}"
            + (
                f' <span class="muted">◇ {escape(past.get_conditionality_display())}</span>'
                if past.conditionality != "none"
                else ""
            )
            + "</li>"
            for past in entry.history
        )
        parts.append(f'<ol class="history" aria-label="How it evolved">{steps}</ol>')
        if entry.earlier:
            code = escape(entry.history[0].country.code)
            slug = escape(topic.slug)
            parts.append(
                f'<p class="muted"><a href="{urls["country"]}{code}/?history={slug}#t-{slug}">'
                f"{entry.earlier} earlier position{'' if entry.earlier == 1 else 's'}</a></p>"
            )
    if current is not None and current.evidence_count:
        n = current.evidence_count
        url = f"{urls['evidence']}{current.pk}/evidence/"
        parts.append(
            f'<details class="compare-quotes" hx-get="{url}" hx-trigger="toggle once" '
            'hx-target="find .evidence-here" hx-select="#evidence .quotes-in-evidence">'
            f"<summary>{n} quote{'' if n == 1 else 's'} behind it</summary>"
            f'<div class="evidence-here"><a href="{url}">Read the quotes</a></div></details>'
        )
    return f'<td class="compare-cell">{"".join(parts)}</td>'


@register.simple_tag
def compare_rows(rows, columns=(), as_of=None) -> str:
    """The comparison's body rows: each topic, then its cell in every column; last, what each
    country had signed that day, with the say/sign gap."""
    urls = _prefixes()
    names = [column.country.name for column in columns]
    out = []
    for topic, entries in rows:
        cells = "".join(
            _compare_cell(entry, topic, urls, names[n] if n < len(names) else "")
            for n, entry in enumerate(entries)
        )
        out.append(
            f'<tr><th scope="row"><a href="{urls["topic"]}{escape(topic.slug)}/">'
            f"{escape(topic.name)}</a></th>{cells}</tr>"
        )
    if columns:
        signed = "".join(
            f'<td><span class="cell-country">{escape(column.country.name)}</span>'
            f"{signed_list(column.signed, column.country.code, as_of, urls)}"
            f"{gap_marker(column.gap)}</td>"
            for column in columns
        )
        out.append(
            '<tr class="signed"><th scope="row">Signed<span class="visually-hidden">: '
            f"agreements in force that day</span></th>{signed}</tr>"
        )
    return mark_safe("\n".join(out))


# A comparison or a country page names this many agreements in force, then links to the rest.
SIGNED_SHOWN = 5


@register.simple_tag
def signed_list(signed: list, party: str, as_of, urls: dict | None = None) -> str:
    """The agreements in force that a party had signed, newest first: each by name with its
    signing day, the first SIGNED_SHOWN of them, then a link to all on the agreements page."""
    urls = urls or _prefixes()
    if not signed:
        none = OTHER_PARTY if party == UKRAINE else "Nothing in force"
        return mark_safe(f'<p class="muted">{none}</p>')
    items = "".join(
        f'<li><a href="{urls["agreement"]}{escape(agreement.slug)}/">{escape(agreement.title)}'
        f'</a> <span class="muted">signed {short_date(agreement.signed_on)}</span></li>'
        for agreement in signed[:SIGNED_SHOWN]
    )
    more = ""
    if len(signed) > SIGNED_SHOWN:
        day = f"&amp;in_force_on={as_of.isoformat()}" if as_of else ""
        more = (
            f'<p><a href="{urls["agreements"]}?party={escape(party)}{day}">All {len(signed)} '
            "agreements in force</a></p>"
        )
    return mark_safe(f'<ul class="signed-list">{items}</ul>{more}')


# By a change's kind: the moves, and the start of coverage (a first position on record).
MOVES = {
    "up": "▲ Toward Ukraine’s ask",
    "down": "▼ Away from it",
    "new": "● New after a time with none",
    "ended": "○ Position ended",
    "first_recorded": "◆ First recorded",
}


@register.simple_tag
def changes_rows(changes) -> str:
    """The change list's body rows: who, on what, which way, before, after, its quotes."""
    urls = _prefixes()
    country_prefix, evidence_prefix = urls["country"], urls["evidence"]
    none = '<span class="muted">None</span>'
    out = []
    for change in changes:
        holder = change.holder
        who = str(escape(holder.name))
        if holder.type == "country":
            who = f'<a href="{country_prefix}{escape(holder.key)}/">{who}</a>'
        before = _stance(change.before.stance) if change.before else none
        after = none
        if change.after:
            after = (
                f'{_stance(change.after.stance)} <span class="muted">from '
                f"{short_date(change.after.valid_from)}</span>"
            )
        shown = change.after or change.before
        n = change.evidence_count
        out.append(
            f'<tr><th scope="row">{who}</th><td>{escape(change.topic.name)}</td>'
            f'<td class="direction direction-{change.kind}">{MOVES[change.kind]}</td>'
            f"<td>{before}</td><td>{after}</td>"
            f'<td><a href="{evidence_prefix}{shown.pk}/evidence/">{n} quote'
            f"{'' if n == 1 else 's'}</a></td></tr>"
        )
    return mark_safe("\n".join(out))


def _time(day) -> str:
    return f'<time datetime="{day.isoformat()}">{short_date(day)}</time>'


@register.simple_tag
def timeline_items(positions, as_of=None) -> str:
    """A country's timeline on one topic: each position's period, stance, condition, summary,
    correction, and its quotes (counted; opened on demand)."""
    evidence_prefix = _prefixes()["evidence"]
    out = []
    for position in positions:
        retracted = position.status == "retracted"
        if retracted:
            css = "retracted"
        elif as_of is not None:
            # As of a past day: the position in force then, not the latest, is the one marked.
            in_force = position.valid_from <= as_of and (
                position.valid_to is None or as_of < position.valid_to
            )
            css = "current" if in_force else ""
        else:
            css = "" if position.valid_to else "current"
        parts = []
        if retracted:
            parts.append(
                '<p class="correction" role="note"><strong>Retracted:</strong> '
                f"{escape(position.correction_note)}</p>"
            )
        elif position.correction_note:
            parts.append(
                '<p class="correction" role="note"><strong>Corrected:</strong> '
                f"{escape(position.correction_note)}</p>"
            )
        end = f" – {_time(position.valid_to)}" if position.valid_to else " – now"
        condition = ""
        if position.conditionality != "none":
            condition = f" · ◇ {escape(position.get_conditionality_display())}"
        parts.append(
            f"{_time(position.valid_from)}{end} {_stance(position.stance)} "
            f'<span class="muted">{escape(position.get_confidence_display())}{condition}</span>'
        )
        if css == "current" and as_of is not None:
            parts.append(f'<strong class="in-force">In force on {short_date(as_of)}</strong>')
        if position.summary:
            parts.append(f"<p>{escape(position.summary)}</p>")
        n = position.evidence_count
        quotes = f"{n} quote{'' if n == 1 else 's'}"
        if n and not retracted:
            url = f"{evidence_prefix}{position.pk}/evidence/"
            parts.append(
                f'<details hx-get="{url}" hx-trigger="toggle once" hx-target="find .evidence-here" '
                f'hx-select="#evidence .quotes-in-evidence"><summary>{quotes}</summary>'
                f'<div class="evidence-here"><a href="{url}">Read the quotes</a></div></details>'
            )
        elif n:
            parts.append(f'<p class="muted">{quotes}</p>')
        out.append(
            f'<li class="{css}">{"".join(parts)}</li>' if css else f"<li>{''.join(parts)}</li>"
        )
    return mark_safe("\n".join(out))
