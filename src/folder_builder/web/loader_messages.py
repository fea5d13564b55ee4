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

from .i18n import N_, Message, Number


@dataclass(frozen=True)
class Kind:
    """One kind of core message: its name, its shape, and the studio's message id
    (whose ``{fields}`` are the shape's named groups, after ``words``)."""

    name: str
    pattern: re.Pattern[str]
    msgid: str


def _kind(name: str, pattern: str, message: Message) -> Kind:
    return Kind(name, re.compile(pattern, re.S), message.msgid)


# Each kind: its name, the core's wording, and the studio's message, marked with N_ (a
# literal) so that pybabel extracts it.
KINDS: tuple[Kind, ...] = (
    _kind("control", r"contains an invisible control character \(U\+(?P<code>[0-9A-F]+)\); "
          r"remove it",
          N_("contains an invisible character (U+{code}) that would hide or scramble words; "
             "delete it (it often comes with text pasted from elsewhere)")),
    _kind("glyph", r"the character '(?P<char>.+?)' \(U\+(?P<code>[0-9A-F]+)[^)]*\) is not in "
          r"the project's fonts.*",
          N_("the character '{char}' (U+{code}) is not in the booklet's fonts and would print "
             "in another typeface; write it differently")),
    _kind("empty", r"the text is empty",
          N_("the text is empty")),
    _kind("placeholder", r"unknown placeholder '\{(?P<token>.*)\}'; the only one is .*",
          N_("'{{{token}}}' is not something the leaflet can fill in; the only placeholder is "
             "{{pages:SECTION-ID}}, remove the braces otherwise")),
    _kind("section", r"unknown section '(?P<ref>[^']*)'(?: \(did you mean [^)]*\))?; "
          r"known: (?P<known>.*)",
          N_("there is no section '{ref}' to refer to; the sections are: {known}")),
    _kind("note-id-guess", r"unknown statement, role or perspective '(?P<key>[^']*)' "
          r"\(did you mean '(?P<guess>[^']*)'\?\).*",
          N_("'{key}' is not a statement, perspective or role of the folder; did you mean "
             "'{guess}'?")),
    _kind("note-id", r"unknown statement, role or perspective '(?P<key>[^']*)'.*",
          N_("'{key}' is not a statement, perspective or role of the folder")),
    _kind("logo-outside", r"the logo must be inside the content folder .*",
          N_("the logo must be a file of the content folder; upload it below")),
    _kind("logo-type", r"a logo must be an SVG or PNG file, not '(?P<file>[^']*)'",
          N_("a logo must be an SVG or PNG file, not '{file}'; upload it below")),
    _kind("logo-missing", r"no such file: .*",
          N_("the logo file is missing; upload the logo again below")),
    _kind("runs-over", r"(?P<section>.+?) runs (?P<extra>\d+) pages? past the (?P<planned>\d+) "
          r"it is planned for, onto [^:]*: about (?P<lines>\d+) lines? of text, "
          r"(?P<mm>\d+) mm too much\..*",
          N_("{section} runs {extra} page(s) past the {planned} it is planned for: about "
             "{lines} lines ({mm} mm) too much. Shorten the texts marked below by about that "
             "much")),
    _kind("past-plan", r".+ is on page (?P<page>\d+), past the plan",
          N_("this text is on page {page}, past the pages planned for it; shorten it or the "
             "texts before it")),
    _kind("longest", r"the longest text of (?P<section>.+) is .+ \((?P<mm>\d+) mm high\)",
          N_("this is the longest text of {section}: {mm} mm high")),
    _kind("ceiling", r"the (?P<product>\w+) would take (?P<pages>\d+) pages, (?P<over>\d+) "
          r"more than the most the plan allows \((?P<limit>\d+)\).*",
          N_("the {product} would take {pages} pages, {over} more than the {limit} it may have; "
             "the department's texts are too long by about {over} pages. Shorten the longest "
             "of them")),
    _kind("ceiling-field", r"these texts take (?P<mm>\d+) mm of the leaflet",
          N_("these texts take {mm} mm of the leaflet")),
    # The page plan's side of a section that ran over (checks.check_fit, with
    # proof._plan_hints), as the proof view lists it after the texts.
    _kind("plan-pages-each", r"section (?P<name>'[^']*'(?: \(.*?\))?) takes (?P<count>\d+) "
          r"pages \((?P<where>[\d–]+)\) but the plan gives it (?P<planned>\d+); shorten its "
          r"text or give it more pages in the plan \(this 'pages:' applies to every "
          r"(?P<each>\w+), each: \w+\)",
          N_("section {name} takes {count} pages ({where}) but the plan gives it {planned}; "
             "shorten its text or give it more pages in plan.yaml, where its 'pages:' is for "
             "every {each}")),
    _kind("plan-pages", r"section (?P<name>'[^']*'(?: \(.*?\))?) takes (?P<count>\d+) "
          r"pages \((?P<where>[\d–]+)\) but the plan gives it (?P<planned>\d+); shorten its "
          r"text or give it more pages in the plan",
          N_("section {name} takes {count} pages ({where}) but the plan gives it {planned}; "
             "shorten its text or give it more pages in plan.yaml")),
    _kind("start", r"section '(?P<id>[^']*)' should start on a (?P<side>left|right) page but "
          r"starts on page (?P<page>\d+)",
          N_("section '{id}' should start on a {side} page but starts on page {page}")),
    # What the YAML reader says of a file edited by hand (yamlsource.py, schema.py), as
    # the proof view shows it: the hint alone where there is one (PyYAML's own words are
    # for programmers; the command line keeps them). A YAML syntax error with its hint
    # (yamlsource._hint), then one without.
    _kind("yaml-tab", r"YAML syntax error: .*; a tab was used for indentation, use spaces",
          N_("a tab was used to indent a line; use spaces")),
    _kind("yaml-unindented", r"YAML syntax error: .*; the text under '(?P<key>[^']*):' "
          r"\(line (?P<at>\d+)\) must be indented: .*",
          N_("the text under '{key}:' (line {at}) must be indented: put two spaces before each "
             "of its lines")),
    _kind("yaml-curly", r"YAML syntax error: .*; curly quotes .* are not quotes in YAML: .*",
          N_("curly quotes “ ” are not quotes in YAML: put the text in straight double quotes "
             '"..." (curly ones may stay inside them)')),
    _kind("yaml-quote-inside", r'YAML syntax error: .*; a " inside a double-quoted text ends '
          r"the text early: .*",
          N_('a " inside a text in double quotes ends the text early: write \\" for it, or use '
             "curly quotes “ ” inside the text")),
    _kind("yaml-indent", r"YAML syntax error: .*; this line is indented (?P<here>\d+) spaces? "
          r"and the line above (?P<above>\d+) spaces?: indent it like the line above",
          N_("this line is indented {here} spaces and the line above {above}: indent it like "
             "the line above")),
    _kind("yaml-colon", r'YAML syntax error: .*; text that contains ": " must be put in double '
          r"quotes",
          N_('a text that contains ": " must be put in double quotes')),
    _kind("yaml-unclosed", r"YAML syntax error: .*; the text that begins with (?P<quote>.) on "
          r"this line is never ended: .*",
          N_("the text that begins with {quote} on this line is never ended: put a {quote} at "
             "its end")),
    _kind("yaml-begin", r"YAML syntax error: .*; a text cannot begin with (?P<char>.) in YAML: "
          r'put the whole text in double quotes, "(?P<shown>.*)"',
          N_("a text cannot begin with {char} in YAML: put the whole text in double quotes, "
             '"{shown}"')),
    _kind("yaml", r"YAML syntax error: (?P<what>.*)",
          N_("the file cannot be read as YAML: {what}")),
    _kind("yaml-swallowed", r"this '- ' item is indented (?P<here>\d+) spaces? and the item "
          r"above (?P<above>\d+) spaces?, so YAML reads it as part of the item above: .*",
          N_("this '- ' item is indented {here} spaces and the item above {above}, so it is "
             "read as part of the item above: indent it like the item above")),
    _kind("file-empty", r"the file is empty",
          N_("the file is empty")),
    _kind("duplicate-key", r"duplicate key '(?P<key>.*)' \(first given on line "
          r"(?P<first>\d+)\); each key may appear only once",
          N_("'{key}' is given twice (first on line {first}); each may be given once")),
    _kind("unknown-field-guess", r"unknown field \(did you mean '(?P<guess>[^']*)'\?\); "
          r"allowed here: (?P<allowed>.*)",
          N_("unknown field (did you mean '{guess}'?); the fields here are: {allowed}")),
    _kind("unknown-field", r"unknown field; allowed here: (?P<allowed>.*)",
          N_("unknown field; the fields here are: {allowed}")),
    _kind("missing-field", r"this field is missing",
          N_("this field is missing")),
    # What the content's loader says of the folder's own files (content.py, and the
    # hyphenation and links lists).
    _kind("expected", r"expected (?P<wanted>text|a list of '- ' items|a set of 'name: value' "
          r"fields), found (?P<found>nothing|yes/no|a set of fields|a list|a number|text)",
          N_("expected {wanted}, found {found}")),
    _kind("statement-twice", r"statement id '(?P<id>[^']*)' is already used at (?P<where>.*)",
          N_("the statement id '{id}' is already used at {where}")),
    _kind("id-twice", r"id '(?P<id>[^']*)' is used twice \(first on line (?P<first>\d+)\)",
          N_("the id '{id}' is used twice (first on line {first})")),
    _kind("no-statements", r"role '(?P<id>[^']*)' has no statements file \((?P<file>[^)]*)\)",
          N_("the role '{id}' has no file of statements ({file})")),
    _kind("not-a-role-guess", r"there is no role '(?P<id>[^']*)' in roles.yaml \(did you mean "
          r"'(?P<guess>[^']*?)(?:\.yaml)?'\?\); the file name must be a role id",
          N_("there is no role '{id}' in roles.yaml (did you mean '{guess}'?); a file of "
             "statements is named by its role's id")),
    _kind("not-a-role", r"there is no role '(?P<id>[^']*)' in roles.yaml; the file name must "
          r"be a role id",
          N_("there is no role '{id}' in roles.yaml; a file of statements is named by its "
             "role's id")),
    _kind("statement-id", r"'(?P<id>[^']*)' is not a valid statement id: use lower-case "
          r"ASCII letters, digits and single hyphens \(e\.g\. leder-af-leder\)",
          N_("'{id}' cannot be the id of a statement: use lower-case letters a–z (no æ, ø or "
             "å), digits and single hyphens, e.g. leder-af-leder")),
    _kind("id", r"'(?P<id>[^']*)' is not a valid id: use lower-case ASCII letters, digits "
          r"and single hyphens \(e\.g\. leder-af-leder\)",
          N_("'{id}' cannot be used as an id: use lower-case letters a–z (no æ, ø or å), digits "
             "and single hyphens, e.g. leder-af-leder")),
    _kind("unknown-name-guess", r"unknown (?P<what>role|product|section) '(?P<name>[^']*)' "
          r"\(did you mean '(?P<guess>[^']*)'\?\); known: (?P<known>.*)",
          N_("there is no {what} '{name}' (did you mean '{guess}'?); there are: {known}")),
    _kind("unknown-name", r"unknown (?P<what>role|product|section) '(?P<name>[^']*)'; "
          r"known: (?P<known>.*)",
          N_("there is no {what} '{name}'; there are: {known}")),
    _kind("date", r"'(?P<value>[^']*)' is not a date written as YYYY-MM-DD",
          N_("'{value}' is not a date written as YYYY-MM-DD")),
    _kind("url", r"a url must start with https:// or http://",
          N_("a web address must begin with https:// or http://")),
    _kind("language", r"'(?P<value>[^']*)' is not a language code such as da or en",
          N_("'{value}' is not a language code such as da or en")),
    _kind("role-or-each", r"give either 'role' or 'each', not both",
          N_("give either 'role' or 'each', not both")),
    _kind("hyphen-word", r"'(?P<word>.*)' is not a word with hyphens where it may break "
          r"\(kerne-opgave\); use letters, and single hyphens between them",
          N_("'{word}' is not a word with hyphens where it may break (kerne-opgave): use "
             "letters, and single hyphens between them")),
    _kind("listed-twice", r"'(?P<word>[^']*)' is listed twice \(first on line "
          r"(?P<first>\d+)\)",
          N_("'{word}' is listed twice (first on line {first})")),
    _kind("links-list", r"the file must have a 'links:' list",
          N_("the file must have a 'links:' list")),
    _kind("link-needs", r"each link needs url: and print:",
          N_("each link needs url: and print:")),
    _kind("link-url", r"url: must be a web address \(https://…\)",
          N_("url: must be a web address (https://…)")),
    _kind("link-print", r"print: must be the text printed for the address",
          N_("print: must be the text printed for the address")),
    _kind("link-qr", r"qr: must be true or false",
          N_("qr: must be true or false")),
    _kind("unknown-key-guess", r"unknown field '(?P<key>[^']*)' \(did you mean "
          r"'(?P<guess>[^']*)'\?\); allowed here: (?P<allowed>.*)",
          N_("unknown field '{key}' (did you mean '{guess}'?); allowed here: {allowed}")),
    _kind("unknown-key", r"unknown field '(?P<key>[^']*)'; allowed here: (?P<allowed>.*)",
          N_("unknown field '{key}'; allowed here: {allowed}")),
    _kind("profile-inside", r"the profile must be inside the content folder \(.*\)",
          N_("the profile must be a file of the content folder")),
    _kind("profile-not", r"(?P<file>.+) is not an ICC profile",
          N_("{file} is not an ICC profile")),
    _kind("profile-space", r"(?P<file>.+) is an ICC profile for (?P<space>\S+), not for "
          r"CMYK printing",
          N_("{file} is an ICC profile for {space}, not for CMYK printing")),
    _kind("profile-missing", r"there is no profile file (?P<path>.*)",
          N_("there is no profile file {path}")),
    _kind("yes-no", r"expected yes/no \(true or false\)",
          N_("write true (yes) or false (no) here")),
    _kind("whole-pages", r"expected a whole number of pages, 1 or more",
          N_("write a whole number of pages here, 1 or more")),
    _kind("cmyk", r"expected four CMYK percentages from 0 to 100, e\.g\. (?P<example>\[.*\])",
          N_("write four CMYK percentages from 0 to 100 here, for example {example}")),
    _kind("one-of", r"expected one of: (?P<choices>.*)",
          N_("write one of these here: {choices}")),
    _kind("bleed", r"expected the bleed in millimetres, from (?P<low>[\d.]+) to "
          r"(?P<high>[\d.]+)",
          N_("write the bleed in millimetres here, from {low} to {high}")),
    _kind("contrast", r"the colour (?P<cmyk>\[[^\]]*\]) is (?P<rgb>rgb\([^)]*\)) in the screen PDF "
          r"and gives (?P<ratio>[\d.]+):1 contrast on white; text in it needs at least "
          r"(?P<least>[\d.]+):1 — make it darker \(more K\)",
          N_("the colour {cmyk} is {rgb} in the screen PDF and gives {ratio}:1 contrast on "
             "white; text in it needs at least {least}:1: make it darker (more K)")),
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
#: Fields that are numbers with decimals, written the language's way when shown.
_DECIMALS = frozenset({"ratio", "least"})
#: The words a message's fields may be, in the studio's words: the products a ceiling
#: names, what a plan's "each:" repeats a section for, the side a section starts on.
_WORDS = {
    "product": {"leaflet": N_("leaflet"), "folder": N_("folder")},
    "each": {"role": N_("role"), "perspective": N_("perspective")},
    "side": {"left": N_("left"), "right": N_("right")},
    # what names.unknown says is not there
    "what": {"role": N_("role"), "product": N_("product"), "section": N_("section")},
    # schema.kind_of and what a reader expected there
    "found": {"nothing": N_("nothing"), "yes/no": N_("yes/no"),
              "a set of fields": N_("a set of fields"), "a list": N_("a list"),
              "a number": N_("a number"), "text": N_("text")},
    "wanted": {"text": N_("text"), "a list of '- ' items": N_("a list of '- ' items"),
               "a set of 'name: value' fields": N_("a set of 'name: value' fields")},
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
            for name in _DECIMALS & values.keys():
                values[name] = Number(str(values[name]))
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
