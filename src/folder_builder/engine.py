"""WeasyPrint, started once per process, with every workaround of its internals.

Everything folder-builder does to WeasyPrint, cffi, ctypes or tinyhtml5 (the
HTML parser WeasyPrint brings) beyond their public API is here, and nowhere
else. Each workaround:

- is installed once per process, the first time WeasyPrint is needed;
- is gated on the versions it was written against (``WEASYPRINT``, ``CFFI``,
  ``TINYHTML5``):
  on any other version it stays out, and the build is as WeasyPrint makes it,
  only slower;
- can be switched off with ``FOLDER_BUILDER_ENGINE_FIXES=off`` (to rule it out
  when something looks wrong, or to measure what it saves).

The workarounds, and what each saves (measured on the 2-core development box):

``library lookups``
    WeasyPrint asks ``ctypes.util.find_library`` for spellings of each library
    the linker does not know; each unknown one runs ``ldconfig``, ``gcc`` and
    ``ld`` (60 processes, 0.15-0.25 s of every start). The answers are kept in
    the per-user cache, keyed by the linker's index; every remembered answer is
    checked before it is used (a library found must still load, a library not
    found must still be missing from the library folders). Upstream fix:
    docs/upstream/0001-weasyprint-dlopen-sonames-first.patch.
``C types without pycparser``
    cffi parses every C type spelling it has not seen with pycparser (5 ms
    apiece); WeasyPrint asks for a dozen in every process and for a new
    ``hb_codepoint_t[N]`` for every font subset (0.1 s a PDF). Pointers and
    arrays of declared types are built from cffi's own backend, the same type
    objects. Upstream fix: docs/upstream/0002-weasyprint-unsized-array-types.patch.
``no margin boxes on stand-in pages``
    The pages of a stand-in section (a section laid out elsewhere, whose pages
    are never shown) get no margin boxes: WeasyPrint makes and lays out all
    sixteen on every page, most of what an empty page costs. That includes a
    stand-in's first page, which keeps its section's page type (so only its
    content marks it): a quarter of a warm edit's layout time went to the running
    heads of those pages. Without this workaround the stand-in pages still have
    none to show (stand-in.css) but their first pages; they only cost more.
``a hanging space does not hyphenate a line's first word``
    A correction, not a speed-up. WeasyPrint measures a line with the collapsible
    space at its end, which hangs in the margin and is dropped; when only that
    space overflows and the line's first word may be hyphenated, it takes the line
    for one that cannot be split earlier and hyphenates its first word: every
    leaflet's Fælles page printed "ressour-" alone on a line, then "cer til at
    skabe mest mulig værdi.". The line is now broken as WeasyPrint breaks it when
    it does not hyphenate. Switched off, the misprint is back. Upstream fix:
    docs/upstream/0003-weasyprint-hanging-space-no-hyphenation.patch.
``the HTML parser keeps its patterns``
    tinyhtml5, WeasyPrint's HTML parser, means to compile the pattern of each set
    of characters it scans up to once, but stores it under the wrong key (the
    compiled pattern, not the characters), so every one of its hundreds of scans a
    document builds the pattern's source again: a third of parsing, 8 ms of a
    leaflet's 23. The cache is given the patterns under the right key, built the
    same way. Gated on tinyhtml5 (``TINYHTML5``). Upstream fix:
    docs/upstream/0004-tinyhtml5-chars-until-cache-key.patch.
``no note styles where there are no notes``
    WeasyPrint's user-agent stylesheet styles five pseudo-elements of footnotes
    and notes (``::footnote-call`` and the like) on every element, so for every
    element of every document it weighs their declarations and computes five
    styles, which only an element floated as a footnote or positioned as a note
    ever uses: most of the user-agent stylesheet's work, 4-6 % of laying out a
    leaflet's own pages. A document whose stylesheets and style attributes can
    make no footnote and no note (``float: footnote``, ``position: note()``, or
    either through ``var()``) gets the user-agent stylesheet without those five
    rules; any other, the whole stylesheet.

``one font description for each font``
    WeasyPrint makes a Pango font description (eleven calls into Pango) for every
    piece of text it lays out and again for every one it draws: about 230 a
    leaflet, 4 ms. One is kept for each font and given to every text set in it;
    Pango copies a description into each layout and otherwise only reads it.

``plain values without the cascade's detours``
    A property no rule sets is the parent's computed value if it is inherited,
    else its initial value (computed where it must be); WeasyPrint takes each
    through the whole of its cascade code to find that out: seven in eight of the
    properties a leaflet's elements are asked for. They are now taken directly;
    a property with rules of its own, and a physical one of an element that sets
    a logical one, still goes the whole way. A leaflet's own part lays out and
    exports 12 % faster (240 → 208 ms, paired medians of 30).

Apart from the workarounds, it keeps the font configurations it makes, so that
their font folders (WeasyPrint's private ``_folder``) are removed where
WeasyPrint would never remove them: in a process that ends with ``os._exit``
(multiprocessing's forked processes, and the command itself: ``cli.end``).
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import sysconfig
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from .errors import FolderBuilderError

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

#: The WeasyPrint and cffi versions the workarounds were written against
#: (pyproject.toml pins WeasyPrint to the same major version).
WEASYPRINT = ("70.",)
CFFI = ("1.15.", "1.16.", "1.17.", "2.0.", "2.1.")
TINYHTML5 = ("2.1.",)
#: The named page of stand-in pages (internal/stand-in.css).
STAND_IN_PAGE = "folder-builder-stand-in"
#: The class of a stand-in's first page, which keeps its section's page type.
STAND_IN_FIRST = "folder-builder-stand-in-first"
#: The named page that stands in for all the sections before a warm build's first
#: changed one (Session._skip_before, internal/stand-in.css).
SKIP_PAGE = "folder-builder-skip"
#: The workarounds installed in this process, by name.
INSTALLED: list[str] = []

MISSING_LIBRARY = (
    "WeasyPrint cannot load a system library it needs ({error}).\n"
    "On Debian or Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
    "libharfbuzz-subset0 (or run ./setup.sh, which says what is missing)."
)

_STARTED = False


def enabled() -> bool:
    """Whether the workarounds may be installed (FOLDER_BUILDER_ENGINE_FIXES=off)."""
    return os.environ.get("FOLDER_BUILDER_ENGINE_FIXES", "").lower() not in ("off", "0", "no")


@functools.cache
def _version(package: str) -> str:
    """The ``__version__`` an installed package's ``__init__.py`` sets, read without
    importing the package ("" if not found). importlib.metadata would take 25 ms
    of every command's start to import and search; WeasyPrint and cffi both set
    the version as a literal there."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
        text = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else ""
    except (ImportError, OSError, ValueError):
        return ""
    found = _VERSION.search(text)
    return found.group(1) if found else ""


_VERSION = re.compile(r"""^(?:[A-Z_]+ = )*__version__ = ['"]([^'"]+)['"]""", re.MULTILINE)


def weasyprint() -> ModuleType:
    """WeasyPrint, imported with the workarounds in place (once per process); a
    missing system library becomes a clear message. Every use of WeasyPrint starts
    here."""
    global _STARTED
    fixes = enabled() and _version("weasyprint").startswith(WEASYPRINT)
    try:
        with remembered_library_lookups() if fixes else _nothing():
            import weasyprint as wp
            from weasyprint.text.ffi import ffi
    except OSError as exc:
        raise FolderBuilderError(MISSING_LIBRARY.format(error=exc)) from exc
    if not _STARTED:
        _STARTED = True
        if fixes:
            INSTALLED.append("library lookups remembered")
            if _version("cffi").startswith(CFFI) and _known_types_without_parsing(ffi):
                INSTALLED.append("C types without pycparser")
            if _no_margin_boxes_on_stand_ins():
                INSTALLED.append("no margin boxes on stand-in pages")
            if _hanging_spaces_do_not_hyphenate():
                INSTALLED.append("a hanging space does not hyphenate a line's first word")
            if _version("tinyhtml5").startswith(TINYHTML5) and _parser_keeps_patterns():
                INSTALLED.append("the HTML parser keeps its patterns")
            if _note_styles_only_for_notes(wp):
                INSTALLED.append("no note styles where there are no notes")
            if _font_descriptions_kept():
                INSTALLED.append("one font description for each font")
            if _plain_values_taken_directly():
                INSTALLED.append("plain values without the cascade's detours")
    return wp


def font_configuration() -> FontConfiguration:
    """A new WeasyPrint font configuration: the fonts a session loads once."""
    weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    configuration = FontConfiguration()
    _CONFIGURATIONS.add(configuration)
    return configuration


# --- the font folders ----------------------------------------------------------------------

#: Every font configuration made here (font_configuration), while it lives.
_CONFIGURATIONS: weakref.WeakSet[FontConfiguration] = weakref.WeakSet()


def _font_folders() -> dict[int, Path]:
    """The folder each live font configuration has copied its @font-face fonts into
    (WeasyPrint makes it on the first font and removes it when the configuration is
    collected), by the configuration's id."""
    folders = {}
    for configuration in list(_CONFIGURATIONS):
        folder = getattr(configuration, "_folder", None)
        if folder:
            folders[id(configuration)] = Path(folder)
    return folders


def remove_font_folders(keep: dict[int, Path] | None = None) -> None:
    """Remove the font folders of the live font configurations now, but those in
    ``keep``: for a process that ends without collecting its objects (os._exit), where
    WeasyPrint would never remove them."""
    import shutil

    keep = keep or {}
    for key, folder in _font_folders().items():
        if keep.get(key) != folder:
            shutil.rmtree(folder, ignore_errors=True)


def remove_font_folders_at_exit() -> None:
    """In a process multiprocessing started (a batch's worker, a part laid out side by
    side): remove the font folders it makes itself when it ends. multiprocessing ends
    a forked process with os._exit, so WeasyPrint never removes them: every
    ``leaflet`` left one in the temporary folder, every two-worker ``batch`` two. The
    folders a forked process inherited are its parent's, which still uses them."""
    from multiprocessing import util

    inherited = _font_folders()
    util.Finalize(None, remove_font_folders, args=(inherited,), exitpriority=0)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


# --- library lookups -----------------------------------------------------------------------

_LIBRARY_INDEX = Path("/etc/ld.so.cache")


def _library_folders() -> list[Path]:
    """Where a library "not found" before could have appeared since."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    folders = [p for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p]
    folders += ["/lib", "/usr/lib", "/usr/local/lib", "/lib64", "/usr/lib64"]
    if multiarch:
        folders += [f"/lib/{multiarch}", f"/usr/lib/{multiarch}"]
    return [Path(p) for p in dict.fromkeys(folders)]


@contextmanager
def remembered_library_lookups() -> Iterator[None]:
    """Answer ``ctypes.util.find_library`` from the cache while WeasyPrint is imported.

    WeasyPrint tries several spellings of each library it loads ("libgobject-2.0-0",
    "gobject-2.0-0", … "libgobject-2.0.so.0"); for every spelling the linker does not
    know, cffi asks ``find_library``, which on Linux runs ``ldconfig``, ``gcc`` and
    ``ld`` as subprocesses. The answers depend only on the installed libraries, so
    they are kept with the linker's own index (``/etc/ld.so.cache``, rewritten
    whenever a library is installed) as their key. A remembered library is used only
    if it still loads, and a remembered "not found" only if no ``lib<name>.so*`` has
    appeared in the library folders since. Where there is no such index (not
    Linux), lookups are left alone.
    """
    import ctypes
    import ctypes.util

    from .cache import _signature, _write_json, cache_dir

    folder = cache_dir()
    if folder is None or not sys.platform.startswith("linux") or \
            not _LIBRARY_INDEX.is_file():
        yield
        return
    store = folder / "libraries.json"
    key = [*_signature(_LIBRARY_INDEX), os.environ.get("LD_LIBRARY_PATH", "")]
    try:
        entry = json.loads(store.read_text())
        known: dict[str, str | None] = entry["found"] if entry["key"] == key else {}
    except (OSError, ValueError, KeyError, TypeError):
        known = {}
    original = ctypes.util.find_library
    learnt = False
    listings: dict[Path, list[str]] = {}

    def still_missing(name: str) -> bool:
        prefix = f"lib{name}.so"
        for place in _library_folders():
            if place not in listings:
                try:
                    listings[place] = os.listdir(place)
                except OSError:
                    listings[place] = []
            if any(entry.startswith(prefix) for entry in listings[place]):
                return False
        return True

    def find_library(name: str) -> str | None:
        nonlocal learnt
        if name in known:
            found = known[name]
            try:
                if found is None:
                    if still_missing(name):
                        return None
                else:
                    ctypes.CDLL(found)
                    return found
            except OSError:
                pass
        known[name] = original(name)
        learnt = True
        return known[name]

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original
        if learnt:
            _write_json(store, {"key": key, "found": known})


# --- C types without pycparser --------------------------------------------------------------

_SIMPLE_TYPE = re.compile(
    r"(?P<base>[A-Za-z_][A-Za-z0-9_]*(?: [A-Za-z_][A-Za-z0-9_]*)*)"
    r"(?P<stars> ?\*+)?(?:\[(?P<length>[0-9]*)\])?")


class _TypeSpellings(dict):
    """cffi's cache of C types by their spelling, which also knows the simple
    spellings WeasyPrint asks for ("PangoRectangle *", "FcChar8 **", "char[]",
    "hb_codepoint_t[66]") without asking pycparser.

    cffi parses every spelling it has not seen with pycparser, 5 ms apiece, because
    it declares every known type name again before the spelling. A pointer or array
    of a declared or primitive type is built here by cffi's own backend from the
    declared type; cffi keeps one object per type, so it is the very object the
    parser would give. Any other spelling goes to cffi as before.
    """

    def __init__(self, ffi, known: dict) -> None:
        super().__init__(known)
        self._ffi = ffi

    def __missing__(self, spelling):
        match = _SIMPLE_TYPE.fullmatch(spelling) if isinstance(spelling, str) else None
        if match is None or not (match["stars"] or match["length"] is not None):
            raise KeyError(spelling)
        ffi = self._ffi
        with ffi._lock:
            ctype = self._declared(match["base"])
            for _ in (match["stars"] or "").strip():
                ctype = ffi._backend.new_pointer_type(ctype)
            if match["length"] is not None:
                ctype = ffi._backend.new_array_type(
                    ffi._backend.new_pointer_type(ctype),
                    int(match["length"]) if match["length"] else None)
        self[spelling] = (ctype, False)
        return self[spelling]

    def _declared(self, name: str):
        """The C type of a name the declarations give, or of a primitive type."""
        from cffi import model

        declared = self._ffi._parser._declarations.get("typedef " + name)
        if declared is not None and not isinstance(declared[0], model.RawFunctionType):
            return self._ffi._get_cached_btype(declared[0])
        if name in model.PrimitiveType.ALL_PRIMITIVE_TYPES:
            return self._ffi._get_cached_btype(model.PrimitiveType(name))
        raise KeyError(name)


def _known_types_without_parsing(ffi) -> bool:
    """Install _TypeSpellings where cffi keeps what it has parsed, if cffi still keeps
    it the way this was written against; say whether it was installed."""
    if isinstance(getattr(ffi, "_parsed_types", None), _TypeSpellings):
        return True
    if (type(getattr(ffi, "_parsed_types", None)) is dict and hasattr(ffi, "_backend")
            and hasattr(ffi, "_lock") and hasattr(getattr(ffi, "_parser", None),
                                                  "_declarations")):
        ffi._parsed_types = _TypeSpellings(ffi, ffi._parsed_types)
        return True
    return False


# --- no margin boxes on stand-in pages ----------------------------------------------------------


def _no_margin_boxes_on_stand_ins() -> bool:
    """Wrap the function WeasyPrint's page layout gets margin boxes from so that pages
    of the stand-in page type get none; say whether it was installed."""
    import weasyprint.layout as layout

    original = getattr(layout, "make_margin_boxes", None)
    if original is None or getattr(original, "_folder_builder", False):
        return original is not None

    def make_margin_boxes(context, page, state):
        if getattr(page.page_type, "name", None) in (STAND_IN_PAGE, SKIP_PAGE) \
                or _stand_in_first(page):
            return ()
        return original(context, page, state)

    make_margin_boxes._folder_builder = True  # type: ignore[attr-defined]
    layout.make_margin_boxes = make_margin_boxes
    return True


def _stand_in_first(page) -> bool:
    """Whether a laid-out page is the first page of a stand-in section: it holds the
    stand-in's first box and no text at all. It keeps its section's page type (a blank
    page before it takes that type and is shown), so only its content says so. The
    walk stops at the first text, which on a real page comes within a few boxes."""
    from weasyprint.formatting_structure import boxes

    found = False
    stack = list(reversed(page.children))
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.TextBox | boxes.LineBox | boxes.ReplacedBox):
            return False
        element = getattr(box, "element", None)
        if element is not None and STAND_IN_FIRST in (element.get("class") or "").split():
            found = True
        stack.extend(reversed(getattr(box, "children", ())))
    return found


# --- a hanging space does not hyphenate a line's first word ----------------------------------


def _hanging_spaces_do_not_hyphenate() -> bool:
    """Wrap the function WeasyPrint's line layout breaks text with, so that a line
    that overflows only by its hanging end space keeps its first word whole; say
    whether it was installed."""
    import weasyprint.layout.inline as inline
    from weasyprint.text import line_break

    original = getattr(inline, "split_first_line", None)
    needed = ("create_layout", "first_line_metrics", "line_size")
    if original is None or not all(hasattr(line_break, name) for name in needed):
        return False
    if getattr(original, "_folder_builder", False):
        return True

    def split_first_line(text, style, context, max_width, justification_spacing,
                         is_line_start=True, minimum=False):
        found = original(text, style, context, max_width, justification_spacing,
                         is_line_start, minimum)
        if found[2] is None or max_width is None or style["white_space"] != "normal" \
                or style["hyphens"] == "none":
            return found
        if " " in found[0].text.strip(" "):
            # Where WeasyPrint goes wrong, it breaks inside the text's first word (up
            # to its first break opportunity): a line with a space is not that.
            return found
        # Broken inside the first word: right only if the words up to Pango's own
        # break (all of the text, or more than that word) do not fit even without
        # the space at their end, which hangs.
        layout = line_break.create_layout(text, style, context, max_width,
                                          justification_spacing)
        first_line, resume_index = layout.get_first_line()
        words = text.encode()[:first_line.length].decode()
        if not words.endswith(" "):
            layout.deactivate()
            return found
        trimmed = line_break.create_layout(words.rstrip(" "), style, context, None,
                                           justification_spacing)
        width, _ = line_break.line_size(trimmed.get_first_line()[0], style)
        trimmed.deactivate()
        if width > max_width:
            layout.deactivate()
            return found
        return line_break.first_line_metrics(first_line, text, layout, resume_index, True,
                                             style)

    split_first_line._folder_builder = True  # type: ignore[attr-defined]
    inline.split_first_line = split_first_line
    return True


# --- one font description for each font ------------------------------------------------------

#: How many font descriptions are kept (a document has a few dozen: each family,
#: weight, style and size its text is set in).
_DESCRIPTIONS_KEPT = 512


def _font_descriptions_kept() -> bool:
    """Give WeasyPrint's text layouts one Pango font description for each font they
    are set in, made once, instead of a new one for every piece of text laid out or
    drawn; say whether it was installed. Pango copies the description into each
    layout (``pango_layout_set_font_description``) and only reads it to measure a
    font (``pango_context_get_metrics``), so a kept description is never changed."""
    from weasyprint.text import fonts, line_break

    used = getattr(line_break, "get_font_description", None)
    if getattr(used, "_folder_builder", False):
        return True
    original = getattr(fonts, "get_font_description", None)
    if original is None or used is not original:
        return False
    kept: dict[tuple, object] = {}

    def get_font_description(style):
        try:
            key = (tuple(style["font_family"]), style["font_style"], style["font_stretch"],
                   style["font_weight"], style["font_size"], style["font_variant_caps"],
                   style["font_variation_settings"])
            found = kept.get(key)
        except TypeError:  # a value that cannot be a key: made as WeasyPrint makes it
            return original(style)
        if found is None:
            if len(kept) >= _DESCRIPTIONS_KEPT:
                kept.clear()
            found = kept[key] = original(style)
        return found

    get_font_description._folder_builder = True  # type: ignore[attr-defined]
    line_break.get_font_description = get_font_description
    return True


# --- plain values without the cascade's detours -----------------------------------------------


def _plain_values_taken_directly() -> bool:
    """Give WeasyPrint's computed styles the value of a property no rule sets straight
    from where it comes: the parent's computed value for an inherited property, the
    initial value for another (computed as WeasyPrint computes it where it must be,
    a border width say); say whether it was installed. WeasyPrint's
    ``ComputedStyle.__missing__`` takes every property through the whole of its
    cascade code (logical properties, pending values, math functions, then "already
    computed?") to end there for these, most of the properties a leaflet's elements
    are asked for. Every property with rules of its own (``float``, ``display``,
    ``position``, ``page``, the text decorations, custom properties), a physical
    property (``margin_top``, ``width``) of an element that sets any logical one
    (``margin-block-start``), and the root element's inherited ones still go the
    whole way."""
    import weasyprint.css as css
    from weasyprint.css.computed_values import COMPUTER_FUNCTIONS, PHYSICAL_FUNCTIONS
    from weasyprint.css.properties import INHERITED, INITIAL_NOT_COMPUTED, INITIAL_VALUES

    computed = getattr(css, "ComputedStyle", None)
    original = getattr(computed, "__missing__", None)
    if original is None:
        return False
    if getattr(original, "_folder_builder", False):
        return True
    special = frozenset({"float", "display", "position", "page"})
    # Every logical property a physical one may take its value from (in either
    # direction): a physical property goes the whole way where one of these is set.
    logical = frozenset(function(block="ttb", inline=direction)
                        for function in PHYSICAL_FUNCTIONS.values()
                        for direction in ("ltr", "rtl"))

    def __missing__(self, key):
        cascaded = self.cascaded
        if (key not in cascaded and key not in special and key[:2] != "__"
                and key[:16] != "text_decoration_"
                and (key not in PHYSICAL_FUNCTIONS or logical.isdisjoint(cascaded))):
            if key in INHERITED:
                parent = self.parent_style
                if parent is not None:
                    value = self[key] = parent[key]
                    return value
            else:
                value = INITIAL_VALUES[key]
                if key in INITIAL_NOT_COMPUTED and key in COMPUTER_FUNCTIONS:
                    value = COMPUTER_FUNCTIONS[key](self, key, value)
                self[key] = value
                return value
        return original(self, key)

    __missing__._folder_builder = True  # type: ignore[attr-defined]
    computed.__missing__ = __missing__
    return True


# --- the HTML parser keeps its patterns ----------------------------------------------------


class _CharacterPatterns(dict):
    """tinyhtml5's cache of the pattern ``chars_until`` scans with, keyed as it looks
    it up, by (characters, opposite): a missing pattern is built as tinyhtml5 builds
    it, and kept. tinyhtml5 itself stores it under (pattern, opposite), which it
    never looks up, so it builds the pattern on every scan."""

    def __missing__(self, key: tuple[object, bool]) -> re.Pattern[str]:
        characters, opposite = key
        escaped = "".join(f"\\x{ord(character):02x}" for character in characters)
        pattern = self[key] = re.compile(f"[{escaped}]+" if opposite else f"[^{escaped}]+")
        return pattern


def _parser_keeps_patterns() -> bool:
    """Give tinyhtml5's input stream a pattern cache that is found; say whether it
    was installed (not when the module no longer keeps one as a plain dict)."""
    from tinyhtml5 import inputstream

    cache = getattr(inputstream, "characters_until_regex", None)
    if isinstance(cache, _CharacterPatterns):
        return True
    if type(cache) is not dict or not hasattr(inputstream.HTMLUnicodeInputStream,
                                                "chars_until"):
        return False
    inputstream.characters_until_regex = _CharacterPatterns()
    return True


# --- no note styles where there are no notes -----------------------------------------------

#: The pseudo-elements only a footnote or a note has.
_NOTE_PSEUDO_ELEMENTS = frozenset({"footnote-call", "footnote-marker", "note-call",
                                   "note-marker", "note-callback"})
#: The user-agent stylesheets without their note pseudo-elements' rules, by the id of
#: the whole one (kept alive beside it).
_WITHOUT_NOTES: dict[int, tuple[object, object]] = {}
#: In a style attribute: a property that could make a footnote or a note, or a way to
#: spell one that a plain search would not see (an escape, a character reference).
_NOTE_SPELLING = re.compile(r"float|position|\\|&", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(
    r"""\sstyle\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_OWN_STYLESHEET = re.compile(r"<style\b|<link\b[^>]*stylesheet", re.IGNORECASE)
#: Where a cssselect2 matcher keeps its selectors: in lists, and in lists by key.
_SELECTOR_LISTS = ("lang_attr_selectors", "other_selectors")
_SELECTOR_MAPS = ("id_selectors", "class_selectors", "lower_local_name_selectors",
                  "namespace_selectors")


def _note_styles_only_for_notes(wp: ModuleType) -> bool:
    """Make the user-agent stylesheet without its note pseudo-elements' rules, for
    ``document``; say whether that could be done (cssselect2 keeps its selectors as it
    did when this was written, and the rules are there)."""
    import copy

    from weasyprint.html import UA_STYLESHEET

    matcher = getattr(UA_STYLESHEET, "matcher", None)
    if matcher is None or not all(isinstance(getattr(matcher, name, None), list)
                                  for name in _SELECTOR_LISTS) \
            or not all(isinstance(getattr(matcher, name, None), dict)
                       for name in _SELECTOR_MAPS):
        return False
    entries = list(_selector_entries(matcher))
    if not all(isinstance(entry, tuple) and len(entry) == 5 for entry in entries) or \
            not any(entry[3] in _NOTE_PSEUDO_ELEMENTS for entry in entries):
        return False

    def kept(found: list) -> list:
        return [entry for entry in found if entry[3] not in _NOTE_PSEUDO_ELEMENTS]

    trimmed = copy.copy(matcher)
    for name in _SELECTOR_LISTS:
        setattr(trimmed, name, kept(getattr(matcher, name)))
    for name in _SELECTOR_MAPS:
        setattr(trimmed, name, {key: kept(found) for key, found
                                in getattr(matcher, name).items()})
    sheet = copy.copy(UA_STYLESHEET)
    sheet.matcher = trimmed
    _WITHOUT_NOTES[id(UA_STYLESHEET)] = (UA_STYLESHEET, sheet)
    return True


def document(html: str, stylesheets: list, **options: object) -> object:
    """WeasyPrint's ``HTML`` for the ``html`` string, to be laid out with
    ``stylesheets``: where it can have no footnote and no note, with the user-agent
    stylesheet that does not style their pseudo-elements (see the module)."""
    wp = weasyprint()
    source = wp.HTML(string=html, **options)
    if _WITHOUT_NOTES and not _may_have_notes(html, stylesheets):
        whole = source._ua_stylesheets

        def without_notes(forms: bool = False) -> list:
            return [_WITHOUT_NOTES.get(id(sheet), (None, sheet))[1]
                    for sheet in whole(forms)]

        source._ua_stylesheets = without_notes
    return source


def _may_have_notes(html: str, stylesheets: list) -> bool:
    """Whether an element of ``html`` laid out with ``stylesheets`` could be floated as a
    footnote or positioned as a note. Read as WeasyPrint validated the stylesheets
    (escapes resolved; a value through var() is not known, so it could); in the HTML,
    a stylesheet of its own, or a style attribute that names float or position or
    could spell them otherwise, could."""
    from weasyprint.css.tokens import Pending

    if _OWN_STYLESHEET.search(html) or any(
            _NOTE_SPELLING.search(value) for value in _STYLE_ATTRIBUTE.findall(html)):
        return True
    for sheet in stylesheets:
        matcher = getattr(sheet, "matcher", None)
        if matcher is None:
            return True
        for entry in _selector_entries(matcher):
            declarations = entry[4][0]
            for name, value, _importance in declarations:
                if name not in ("float", "position"):
                    continue
                if isinstance(value, Pending) or value == "footnote" or (
                        isinstance(value, tuple) and value[:1] == ("note()",)):
                    return True
    return False


def _selector_entries(matcher: object) -> Iterator[tuple]:
    """Every selector a cssselect2 matcher keeps, as (test, specificity, order,
    pseudo-element, (declarations, layer))."""
    for name in _SELECTOR_LISTS:
        yield from getattr(matcher, name, ())
    for name in _SELECTOR_MAPS:
        for found in getattr(matcher, name, {}).values():
            yield from found
