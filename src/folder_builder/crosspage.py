"""What the layouts carry from one page to another, which a warm build must respect.

A warm build (``Session._reuse``) lays out only what changed (sections, or page
parts of a section) and stands empty pages in for the rest. That gives the
pages of a whole layout only as long as nothing on a changed page depends on
what the stand-ins leave out. Three things in a stylesheet decide it:

- the page total, ``counter(pages)``: a page anywhere changes it, so the
  sections after the changed ones are laid out too (``page_total``);
- a section's page parts laid out alone need each to start a page of its own
  (``parts_start_pages``), else a part stood in would move the next one;
- something set on one page and shown on a later one: a named string set by an
  element inside a section (``string-set``: the wrappers of the document and
  of each section are laid out in every build, their strings are not carried),
  a counter (``counter-increment``, ``-set``, ``-reset``), a running element
  (``position: running()``) or a footnote (its number). A stand-in sets none of
  them, so the pages after it could show another value: such layouts are laid
  out whole, never warm (``carries``).

Each reads the stylesheets as tinycss2 parses them (WeasyPrint's own CSS parser),
so a comment or a string that merely mentions a property does not count. A
stylesheet that imports another is answered with the safe answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import tinycss2

#: Selectors of the document's and the sections' wrappers: a named string they set
#: is set in every build, warm or not (stand-ins keep their section's wrapper).
AROUND_PARTS = re.compile(r"^(html|:root|body|\.?section)(\[[^\]]*\])*$")
#: Values of break-before that start a new page (a blank one may come first).
PAGE_BREAKS = {"page", "left", "right", "recto", "verso", "always"}
#: Properties that carry a value from one element to a later page.
COUNTERS = {"counter-increment", "counter-set", "counter-reset"}


@dataclass(frozen=True)
class Traits:
    """What a product's stylesheets do across pages, read once (Session keeps it
    until a layout changes)."""

    #: they print the page total (_prints_page_total)
    page_total: bool
    #: they carry a value from one page to a later one (_carries)
    carries: bool
    #: every continued page part starts a page of its own (_parts_start_pages)
    parts_start_pages: bool


def traits(texts: Iterable[str]) -> Traits:
    """All three, from one reading of ``texts`` (the stylesheets' CSS)."""
    read = _read(texts)
    return Traits(_prints_page_total(read), _carries(read), _parts_start_pages(read))


@dataclass(frozen=True)
class _Read:
    """Stylesheets as read: whether one imports another, and every declaration."""

    imports: bool
    declarations: tuple[tuple[str, str, list], ...]


def _read(texts: Iterable[str]) -> _Read:
    imports, declarations = False, []
    for text in texts:
        rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        imports = imports or any(rule.type == "at-rule" and rule.lower_at_keyword == "import"
                                 for rule in rules)
        declarations += _walk(rules)
    return _Read(imports, tuple(declarations))


def _prints_page_total(read: _Read) -> bool:
    """Whether they print the page total; an ``@import`` counts as yes (what it brings
    is not read here)."""
    return read.imports or any(_page_total(tokens) for _, _, tokens in read.declarations)


def _carries(read: _Read) -> bool:
    """Whether they carry a value from an element on one page to a later page other
    than by the section wrappers (a named string, a counter, a running element, a
    footnote number); an ``@import`` counts as yes."""
    if read.imports:
        return True
    for selectors, name, tokens in read.declarations:
        value = tinycss2.serialize(tokens)
        if name in COUNTERS or (name == "position" and "running(" in value) or \
                (name == "float" and "footnote" in value):
            return True
        if name == "string-set" and not all(
                AROUND_PARTS.match(selector.strip()) for selector in selectors.split(",")):
            return True
    return False


def _parts_start_pages(read: _Read) -> bool:
    """Whether they start every page part after a section's first on a page of its own
    (``.page-part.continued { break-before: page }``, as the bundled style.css does)
    and no rule for page parts says otherwise. Only then is a part one page and laid
    out alone the page it was (Session._reuse)."""
    if read.imports:
        return False
    forced = False
    for selectors, name, tokens in read.declarations:
        if name not in ("break-before", "page-break-before") or "page-part" not in selectors:
            continue
        if tinycss2.serialize(tokens).strip().lower() in PAGE_BREAKS and all(
                "page-part" in selector and "continued" in selector
                for selector in selectors.split(",")):
            forced = True
        else:
            return False
    return forced


def _page_total(tokens: list) -> bool:
    """Whether a value's tokens call counter(pages) or counters(pages, …)."""
    for token in tokens:
        if token.type == "function":
            arguments = [t for t in token.arguments if t.type not in ("whitespace", "comment")]
            if token.lower_name in ("counter", "counters") and arguments and \
                    arguments[0].type == "ident" and arguments[0].lower_value == "pages":
                return True
            if _page_total(token.arguments):
                return True
    return False


def _walk(rules: list) -> Iterator[tuple[str, str, list]]:
    """(selectors, property, value tokens) of every declaration, in @media and @page
    rules too (their selector is the at-rule's prelude)."""
    for rule in rules:
        if rule.type not in ("qualified-rule", "at-rule") or rule.content is None:
            continue
        prelude = tinycss2.serialize(rule.prelude).strip()
        if rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports"):
            yield from _walk(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                      skip_whitespace=True))
            continue
        for item in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                   skip_whitespace=True):
            if item.type == "declaration":
                yield prelude, item.lower_name, item.value
            elif item.type == "at-rule" and item.content is not None:  # @top-left { … }
                yield from _walk([item])
