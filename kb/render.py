"""Markdown to safe HTML: render, then sanitize with an explicit allowlist (nh3)."""

from __future__ import annotations

import html
import re

import markdown
import nh3

from .text import token_spans

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i", "a",
    "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "br", "hr",
    "del", "sup", "sub", "abbr", "dl", "dt", "dd", "span", "q",
}
# lang marks foreign-language passages for screen readers (<span lang="en">), BITV 2.0 / WCAG 3.1.2.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": set(),
                      "span": {"lang"}, "q": {"lang"}, "p": {"lang"}, "blockquote": {"lang"},
                      "li": {"lang"}}
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """Keep lang only with a well-formed language tag."""
    if attr == "lang":
        return value if LANG_RE.match(value) else None
    return value
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def _clean(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def sanitize(raw_html: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes; drop images entirely.

    One pass of nh3 can emit markup that parses differently the next time: removing a tag that
    scoped its children ("<p><object></p>") leaves "<p><p></p></p>". Cleaning until nothing
    changes makes the output a fixed point, so the browser builds exactly the checked tree.
    """
    cleaned = _clean(raw_html)
    for _ in range(5):
        again = _clean(cleaned)
        if again == cleaned:
            return cleaned
        cleaned = again
    return html.escape(raw_html)  # never stable: show it as text rather than guess


def render_markdown(text: str) -> str:
    """Render a case body (CommonMark plus tables) to sanitized HTML."""
    raw = markdown.markdown(text or "", extensions=["tables", "sane_lists", "fenced_code"],
                            output_format="html")
    return sanitize(raw)


def highlight(text: str, is_match) -> str:
    """Escape text and wrap words for which is_match(token) holds in <mark>."""
    out, last = [], 0
    for start, end, token in token_spans(text):
        if is_match(token):
            out.append(html.escape(text[last:start]))
            out.append(f"<mark>{html.escape(text[start:end])}</mark>")
            last = end
    out.append(html.escape(text[last:]))
    return re.sub(r"</mark>(\s*)<mark>", r"\1", "".join(out))
