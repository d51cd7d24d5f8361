"""Turning what authors write into safe HTML, and marking it.

Markdown is rendered with `markdown` and then cleaned with `nh3` (an allow-list sanitizer), so an
author (or a feed we pass on) cannot put script, styles or event handlers into a page, a PDF or an
e-mail. Links keep only http(s)/mailto and get rel="noopener noreferrer".
"""

from __future__ import annotations

import difflib

import markdown as md
import nh3

from fusioncenter.core.markings import banner_line

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5",
    "table", "thead", "tbody", "tr", "th", "td", "a", "hr", "abbr", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "abbr": {"title"}}


def clean_html(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def markdown_html(text: str) -> str:
    """Markdown to sanitized HTML. Headings are shifted down (#→h3) to keep the page's heading order."""
    html = md.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    for level in (4, 3, 2, 1):  # h1→h3, h2→h4, h3→h5, h4→h5
        html = html.replace(f"<h{level}>", f"<h{min(level + 2, 5)}>").replace(f"</h{level}>",
                                                                              f"</h{min(level + 2, 5)}>")
    return clean_html(html)


def default_portion_marking(tlp: str, les: bool, cui: str) -> str:
    """The portion mark a section gets unless the author sets another, e.g. "(U//LES)" or "(TLP:GREEN)"."""
    if cui:
        return "(CUI)"
    if les:
        return "(U//LES)"
    return f"(TLP:{tlp})"


def banner(product) -> str:
    return banner_line(product.tlp, product.les, product.cui)


def tlp_class(tlp: str) -> str:
    return "tlp-" + tlp.lower().replace("+", "-")


def snapshot_text(snapshot: dict) -> list[str]:
    """A snapshot as lines for a diff: markings, title, then each section with its portion mark."""
    lines = [f"Marking: {snapshot.get('banner', '')}", f"Title: {snapshot.get('title', '')}", ""]
    for section in snapshot.get("sections", []):
        lines.append(f"## {section['title']} {section.get('portion_marking', '')}".rstrip())
        lines.extend((section.get("body") or "").splitlines())
        lines.append("")
    return lines


def diff_rows(old: dict, new: dict, context: int = 2) -> list[dict]:
    """What changed between two snapshots, line by line (difflib), with a few lines of context.

    Each row says in words whether the line was added, removed or kept, so the page does not rely
    on colour; the template escapes the text.
    """
    a, b = snapshot_text(old), snapshot_text(new)
    rows: list[dict] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if rows:
            rows.append({"change": "gap", "label": "…", "text": ""})
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend({"change": "same", "label": "Unchanged", "text": line} for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                rows.extend({"change": "removed", "label": "Removed", "text": line} for line in a[i1:i2])
            if tag in ("replace", "insert"):
                rows.extend({"change": "added", "label": "Added", "text": line} for line in b[j1:j2])
    return rows


def diff_html(old: dict, new: dict) -> str:
    """The same diff as a self-contained HTML table (for e-mail and the API), escaped and sanitized."""
    from django.utils.html import escape

    body = "".join(
        f'<tr><th scope="row">{escape(r["label"])}</th><td>{escape(r["text"])}</td></tr>'
        for r in diff_rows(old, new)
    )
    head = '<thead><tr><th scope="col">Change</th><th scope="col">Text</th></tr></thead>'
    html = f"<table>{head}<tbody>{body}</tbody></table>"
    return clean_html(html)
