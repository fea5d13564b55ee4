"""The core loader's and fit guard's messages, in the web app's language.

The core (content.py, glyphs.py, richtext.py, overflow.py, proof.py, checks.py)
reports in English, for the command line and the log. A department head who
saves the studio's form reads the language of the content; a communications
officer proofing in the browser reads the proof view's language, whose words
are Danish. Rather than put Danish into the core, the web app recognises each
kind of message a form or a proof can show by its shape (a pattern over the
core's wording, with the values as named groups) and shows the catalogue's
message for that kind with those values (gettext, locale/*.po). A message of a
kind not listed here is shown as the core wrote it.

Each kind is tried by a real save or preview in tests/test_studio_messages.py,
and the fit guard's kinds for the folder by a real save in tests/test_web.py,
so a change of the core's wording that this table no longer recognises fails
there, not silently in front of a department head.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .i18n import N_, Message


@dataclass(frozen=True)
class Kind:
    """One kind of core message: its name, its shape, and the studio's message id
    (whose ``{fields}`` are the shape's named groups, after ``words``)."""

    name: str
    pattern: re.Pattern[str]
    msgid: str


def _kind(name: str, pattern: str, msgid: str) -> Kind:
    return Kind(name, re.compile(pattern, re.S), msgid)


# The ids are marked with N_ below so that pybabel extracts them (N_ with a
# literal); the table pairs each with the core's wording.
_CONTROL = N_("contains an invisible character (U+{code}) that would hide or scramble "
              "words; delete it (it often comes with text pasted from elsewhere)")
_GLYPH = N_("the character '{char}' (U+{code}) is not in the booklet's fonts and would "
            "print in another typeface; write it differently")
_EMPTY = N_("the text is empty")
_PLACEHOLDER = N_("'{{{token}}}' is not something the leaflet can fill in; the only "
                  "placeholder is {{pages:SECTION-ID}}, remove the braces otherwise")
_SECTION = N_("there is no section '{ref}' to refer to; the sections are: {known}")
_NOTE_ID = N_("'{key}' is not a statement, perspective or role of the folder")
_NOTE_ID_GUESS = N_("'{key}' is not a statement, perspective or role of the folder; "
                    "did you mean '{guess}'?")
_LOGO_OUTSIDE = N_("the logo must be a file of the content folder; upload it below")
_LOGO_TYPE = N_("a logo must be an SVG or PNG file, not '{file}'; upload it below")
_LOGO_MISSING = N_("the logo file is missing; upload the logo again below")
_RUNS_OVER = N_("{section} runs {extra} page(s) past the {planned} it is planned for: "
                "about {lines} lines ({mm} mm) too much. Shorten the texts marked below "
                "by about that much")
_PAST_PLAN = N_("this text is on page {page}, past the pages planned for it; shorten it "
                "or the texts before it")
_LONGEST = N_("this is the longest text of {section}: {mm} mm high")
_CEILING = N_("the {product} would take {pages} pages, {over} more than the {limit} it "
              "may have; the department's texts are too long by about {over} pages. "
              "Shorten the longest of them")
_CEILING_FIELD = N_("these texts take {mm} mm of the leaflet")
_PLAN_PAGES = N_("section {name} takes {count} pages ({where}) but the plan gives it "
                 "{planned}; shorten its text or give it more pages in plan.yaml")
_PLAN_PAGES_EACH = N_("section {name} takes {count} pages ({where}) but the plan gives it "
                      "{planned}; shorten its text or give it more pages in plan.yaml, "
                      "where its 'pages:' is for every {each}")
_START = N_("section '{id}' should start on a {side} page but starts on page {page}")

KINDS: tuple[Kind, ...] = (
    _kind("control", r"contains an invisible control character \(U\+(?P<code>[0-9A-F]+)\); "
          r"remove it", _CONTROL.msgid),
    _kind("glyph", r"the character '(?P<char>.+?)' \(U\+(?P<code>[0-9A-F]+)[^)]*\) is not in "
          r"the project's fonts.*", _GLYPH.msgid),
    _kind("empty", r"the text is empty", _EMPTY.msgid),
    _kind("placeholder", r"unknown placeholder '\{(?P<token>.*)\}'; the only one is .*",
          _PLACEHOLDER.msgid),
    _kind("section", r"unknown section '(?P<ref>[^']*)'(?: \(did you mean [^)]*\))?; "
          r"known: (?P<known>.*)", _SECTION.msgid),
    _kind("note-id-guess", r"unknown statement, role or perspective '(?P<key>[^']*)' "
          r"\(did you mean '(?P<guess>[^']*)'\?\).*", _NOTE_ID_GUESS.msgid),
    _kind("note-id", r"unknown statement, role or perspective '(?P<key>[^']*)'.*",
          _NOTE_ID.msgid),
    _kind("logo-outside", r"the logo must be inside the content folder .*",
          _LOGO_OUTSIDE.msgid),
    _kind("logo-type", r"a logo must be an SVG or PNG file, not '(?P<file>[^']*)'",
          _LOGO_TYPE.msgid),
    _kind("logo-missing", r"no such file: .*", _LOGO_MISSING.msgid),
    _kind("runs-over", r"(?P<section>.+?) runs (?P<extra>\d+) pages? past the (?P<planned>\d+) "
          r"it is planned for, onto [^:]*: about (?P<lines>\d+) lines? of text, "
          r"(?P<mm>\d+) mm too much\..*", _RUNS_OVER.msgid),
    _kind("past-plan", r".+ is on page (?P<page>\d+), past the plan", _PAST_PLAN.msgid),
    _kind("longest", r"the longest text of (?P<section>.+) is .+ \((?P<mm>\d+) mm high\)",
          _LONGEST.msgid),
    _kind("ceiling", r"the (?P<product>\w+) would take (?P<pages>\d+) pages, (?P<over>\d+) "
          r"more than the most the plan allows \((?P<limit>\d+)\).*", _CEILING.msgid),
    _kind("ceiling-field", r"\S+ take (?P<mm>\d+) mm of text in the leaflet",
          _CEILING_FIELD.msgid),
    # The page plan's side of a section that ran over (checks.check_fit, with
    # proof._plan_hints), as the proof view lists it after the texts.
    _kind("plan-pages-each", r"section (?P<name>'[^']*'(?: \(.*?\))?) takes (?P<count>\d+) "
          r"pages \((?P<where>[\d–]+)\) but the plan gives it (?P<planned>\d+); shorten its "
          r"text or give it more pages in the plan \(this 'pages:' applies to every "
          r"(?P<each>\w+), each: \w+\)", _PLAN_PAGES_EACH.msgid),
    _kind("plan-pages", r"section (?P<name>'[^']*'(?: \(.*?\))?) takes (?P<count>\d+) "
          r"pages \((?P<where>[\d–]+)\) but the plan gives it (?P<planned>\d+); shorten its "
          r"text or give it more pages in the plan", _PLAN_PAGES.msgid),
    _kind("start", r"section '(?P<id>[^']*)' should start on a (?P<side>left|right) page but "
          r"starts on page (?P<page>\d+)", _START.msgid),
)

#: A section as the fit guard names it (overflow.reader_name), in the studio's words.
_SECTION_NAMES = (
    (re.compile(r"the (?:spread|page|pages) for (?P<title>.+?)"
                r"(?: \((?:page|pages) (?P<where>[\d–]+)\))?"),
     N_("the pages for {title} ({where})"), N_("the pages for {title}")),
    (re.compile(r"(?:page|pages) (?P<where>[\d–]+) \('(?P<title>[^']*)'\)"),
     N_("'{title}' ({where})"), None),
    (re.compile(r"the (?:spread|page|pages) '(?P<title>[^']*)'"),
     N_("'{title}'"), None),
)
#: The words a message's fields may be, in the studio's words: the products a ceiling
#: names, what a plan's "each:" repeats a section for, the side a section starts on.
_WORDS = {
    "product": {"leaflet": N_("leaflet"), "folder": N_("folder")},
    "each": {"role": N_("role"), "perspective": N_("perspective")},
    "side": {"left": N_("left"), "right": N_("right")},
}


def localise(message: Message | str) -> Message | str:
    """``message`` as a catalogue Message when it is a core message of a known kind;
    otherwise as it was (a Message stays a Message)."""
    if isinstance(message, Message):
        return message
    text = str(message)
    for kind in KINDS:
        found = kind.pattern.fullmatch(text)
        if found:
            values: dict[str, object] = {k: v for k, v in found.groupdict().items()
                                         if v is not None}
            if "section" in values:
                values["section"] = _section(str(values["section"]))
            for name, words in _WORDS.items():
                if values.get(name) in words:
                    values[name] = words[str(values[name])]
            return Message(kind.msgid, values)
    return text


def kind_of(message: str) -> str | None:
    """The name of the kind ``message`` is, or None (for tests and logs)."""
    return next((k.name for k in KINDS if k.pattern.fullmatch(message)), None)


def _section(name: str) -> Message | str:
    for pattern, with_pages, without in _SECTION_NAMES:
        found = pattern.fullmatch(name)
        if found:
            values = {k: v for k, v in found.groupdict().items() if v}
            if "where" not in values and without is not None:
                return Message(without.msgid, values)
            return Message(with_pages.msgid, values)
    return name
