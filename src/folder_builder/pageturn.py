"""No word split across a page turn.

A booklet's page 1 is a right-hand page, and the reader turns the leaf after
every odd page (1 → 2, 3 → 4, …). A word that WeasyPrint hyphenated at the foot
of an odd page is read half before the turn and half after it, which a print
designer does not allow; at the foot of an even page the rest of the word is on
the facing page, in sight, and that is fine.

What counts: the last line of every flow on an odd page whose text goes on
after the turn. A paragraph, a table cell (a column of a perspective spread) or
a list item is a flow; its last line on the page ends in a break WeasyPrint made
only if the rest of that word is on a later page, since a hyphenated word always
goes on in the same flow, on its next line. So each element's last line on the
page is looked at, whatever column or cell it sits in; the page's folio, running
head and other margin boxes are not running text and are left out.

Which hyphens WeasyPrint made: a line broken by hyphenation ends in the
``hyphenate-character`` that WeasyPrint appended to the line's last text box;
a word with a real hyphen ("MED-udvalget", "Børne- og Ungeafdelingen") broken
after it ends in the same character. The difference is in the source: the real
hyphen is in the text of the element the text box comes from, the appended one
is not (there the letters go on). One lookup in that element's text, made only
for a line that ends in the character at all.

The remedy: the split word, found in the element's text by reading the
element's text boxes against it letter by letter (the same few letters may
stand in it many times), is wrapped in a ``<span>`` that may not hyphenate
(``hyphens: none``, which also ignores soft hyphens), and the document is laid
out again (layout.py). The word then moves whole to the next page, and nothing
before it on the page changes (lines are broken one after another). A word set
wider than its column's lines would run out of the column whole, so it is left
split. The remedy depends only on the laid-out pages and the element's own
text, so a section comes out the same whether the whole document is laid out or
a part with stand-ins (parts.py, Session._reuse).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from weasyprint import HTML
    from weasyprint.document import Document

log = logging.getLogger("folder_builder")

#: The class of the span that keeps a word whole (its style says how).
WHOLE_WORD = "folder-builder-whole-word"
#: Its style: no automatic break, and soft hyphens ignored.
NO_BREAK = "hyphens: none"
#: How often a document is laid out again at most: keeping a word whole can push
#: the next hyphenated word to the foot of a later odd page of the same flow.
MAX_ROUNDS = 4

_SPACES = " \t\n\r\f"  # what the layout collapses (a no-break space it keeps)
_SPACE = re.compile(f"[{_SPACES}]+")


@dataclass(frozen=True)
class Split:
    """A word split across a page turn: on ``page`` (odd, counted from 1) the last
    line of its flow ends in ``before`` + the hyphenate character."""

    page: int
    before: str
    line: str
    element: object  # the etree element whose text holds the word
    box: object  # the text box that ends the line
    measure: float  # the width of the flow's lines, in CSS pixels
    #: Where in the element's own text the word was broken: (text node, as
    #: ``_text_nodes`` numbers them, index in it); None when it cannot be told.
    at: tuple[int, int] | None = None

    @property
    def starts_line(self) -> bool:
        """Whether the split word is all the line holds (it is wider than the line)."""
        return not _SPACE.search(self.line.strip())


def words_split_at_turns(document: Document) -> list[Split]:
    """The words WeasyPrint hyphenated at the foot of an odd page, in page order."""
    found: list[Split] = []
    for index in range(0, len(document.pages), 2):
        found += _splits_on(document.pages[index]._page_box, index + 1)
    # Only for a word found: where it is in its element's text (a walk of the pages).
    return [replace(split, at=_break_at(document, split)) for split in found]


def _splits_on(page_box: object, number: int) -> list[Split]:
    from weasyprint.formatting_structure import boxes

    last: dict[tuple[int, str | None], tuple[object, object]] = {}

    def visit(box: object) -> None:
        for child in box.children:
            child = getattr(child, "_box", child)  # an absolutely placed box's placeholder
            if isinstance(child, boxes.LineBox):
                last[(id(child.element), child.element_tag)] = (child, box)
            elif isinstance(child, boxes.ParentBox) and not isinstance(child, boxes.MarginBox):
                visit(child)

    visit(page_box)
    found = []
    for line, block in last.values():
        texts = list(_text_boxes(line))
        while texts and not texts[-1].text.strip():
            texts.pop()
        if not texts:
            continue
        end = texts[-1]
        hyphen = end.style["hyphenate_character"]
        if not hyphen or not end.text.endswith(hyphen) or not _appended(end, hyphen):
            continue
        found.append(Split(number, end.text[:-len(hyphen)],
                           "".join(box.text for box in texts)[:-len(hyphen)],
                           end.element, end, block.width))
    return found


def _text_boxes(box: object):
    """The text boxes of a line, in order."""
    from weasyprint.formatting_structure import boxes

    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.TextBox):
            yield child
        elif isinstance(child, boxes.InlineBox):
            yield from _text_boxes(child)


def _appended(box: object, hyphen: str) -> bool:
    """Whether WeasyPrint appended the line's final ``hyphen``: the text box's text,
    hyphen and all, is not in the text of its element (a real hyphen is)."""
    if box.element is None or "::" in (box.element_tag or "") or \
            box.style["hyphens"] == "none":
        return False  # generated content, or no break WeasyPrint could have made
    text = _fold(box.text)
    return not any(text in _fold(node) for node, _ in _text_nodes(box.element))


def _fold(text: str) -> str:
    """Text as a text box holds it, near enough to compare: spaces collapsed, and
    lower case (a text box holds text after ``text-transform``)."""
    return _SPACE.sub(" ", text).lower()


def _text_nodes(element: object) -> list[tuple[str, int]]:
    """The element's own text nodes, each with where it sits: -1 for the text before
    the first child, ``i`` for the text after child ``i``."""
    nodes = [(element.text, -1)] if element.text else []
    nodes += [(child.tail, i) for i, child in enumerate(element) if child.tail]
    return nodes


def keep_whole(split: Split) -> bool:
    """Change the document's tree so that the split word cannot break; return whether
    anything changed (a word wider than its line is left as it is). Splits of one
    layout are kept whole last first: a change moves nothing before it."""
    if split.starts_line:
        return _too_wide(split)
    element = split.element
    if split.at is not None:
        position, cut = split.at
        text = element.text if position == -1 else element[position].tail
        start = max(text.rfind(c, 0, cut) for c in _SPACES) + 1
        ends = [i for i in (text.find(c, cut) for c in _SPACES) if i != -1]
        end = min(ends, default=len(text))
        if width_of(text[start:end], split.box.style) > split.measure:
            return _too_wide(split)
        span = element.makeelement("span", {"class": WHOLE_WORD, "style": NO_BREAK})
        span.text, span.tail = text[start:end], text[end:]
        if position == -1:
            element.text = text[:start]
        else:
            element[position].tail = text[:start]
        element.insert(position + 1, span)
        log.info("turns     page %d: '%s' kept whole", split.page, span.text)
        return True
    # Where the word is cannot be told from the text (a first letter styled apart,
    # say): the element that holds the line's end does not hyphenate at all.
    style = element.get("style") or ""
    if NO_BREAK in style:
        return False
    element.set("style", f"{style}; {NO_BREAK}" if style.strip() else NO_BREAK)
    log.info("turns     page %d: '%s…' kept whole with its element", split.page,
             split.before.split()[-1])
    return True


def _break_at(document: Document, split: Split) -> tuple[int, int] | None:
    """Where in its element's own text the split word was broken, found by reading
    the element's text boxes, from the first page on, against its text nodes: letter
    by letter, spaces aside (the layout collapses and drops them), a hyphen
    WeasyPrint appended skipped, and a soft hyphen that ``hyphens: none`` dropped.
    None when the two do not agree (text the layout changed)."""
    source = [(position, index, char.lower()) for text, position in _text_nodes(split.element)
              for index, char in enumerate(text) if char not in _SPACES]
    hyphen = [char for char in split.box.style["hyphenate_character"] if char not in _SPACES]
    at = 0
    for box in _own_text_boxes(document, split.element, split.page):
        text = box.text[:-len(split.box.style["hyphenate_character"])] \
            if box is split.box else box.text
        chars = [char.lower() for char in text if char not in _SPACES]
        i = 0
        while i < len(chars):
            if at < len(source) and source[at][2] == chars[i]:
                at, i = at + 1, i + 1
            elif at < len(source) and source[at][2] == "\xad":
                at += 1
            elif chars[i:] == hyphen:
                break
            else:
                return None
        if box is split.box:
            return source[at][:2] if at < len(source) else None
    return None


def _own_text_boxes(document: Document, element: object, last_page: int):
    """The text boxes of ``element``'s own text on the pages up to ``last_page``, in
    order (not its children's, not generated content, not margin boxes)."""
    from weasyprint.formatting_structure import boxes

    def visit(box: object):
        for child in getattr(box, "children", ()):
            child = getattr(child, "_box", child)
            if isinstance(child, boxes.TextBox):
                if child.element is element and "::" not in (child.element_tag or ""):
                    yield child
            elif not isinstance(child, boxes.MarginBox):
                yield from visit(child)

    for page in document.pages[:last_page]:
        yield from visit(page._page_box)


def _too_wide(split: Split) -> bool:
    log.info("turns     page %d: '%s…' is wider than its line; it stays split",
             split.page, split.before.split()[-1])
    return False


def width_of(text: str, style: object) -> float:
    """How wide ``text`` is set on one line in ``style``, as WeasyPrint measures it."""
    from weasyprint.text.line_break import create_layout, line_size

    layout = create_layout(text, style, None, None, 0)  # the line lives as long as it
    line, _ = layout.get_first_line()
    return line_size(line, style)[0]


def reread(source: HTML) -> None:
    """Make WeasyPrint see the spans added to ``source``'s tree on its next
    ``render()``: the selector matching keeps each element's children, found once."""
    import cssselect2

    source.wrapper_element = cssselect2.ElementWrapper.from_html_root(source.etree_element)
