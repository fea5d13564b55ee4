"""The studio's own words, in the language of the content (gettext, with Babel).

The studio's chrome (labels, buttons, warnings, refusals) is not content of the
booklet, so it does not come from ``content/``; it is kept in gettext
catalogues beside this module, ``locale/<lang>/LC_MESSAGES/studio.po``, one per
language, Danish and English provided. The language is the content's
``language`` (publication.yaml): a Danish department head reads Danish, the
English test fixture gets English. A language without a catalogue gets the
message ids, which are English.

The catalogues are compiled when first used, in memory, from the ``.po`` files
(Babel's ``read_po`` and ``write_mo``): no compiled ``.mo`` file is kept in the
repository or has to be remembered at set-up. Editing a ``.po`` file takes
effect at the next start of the studio.

Messages that code raises are written ``N_("text with {fields}", field=value)``:
a ``Message`` that reads as English in logs and on the command line and is
translated where the studio shows it (``say(language, message)``). Extracting
and updating the catalogues (README, "The studio's messages"):

    pybabel extract -F src/folder_builder/web/babel.cfg -k N_ -o /tmp/studio.pot src
    pybabel update -i /tmp/studio.pot -d src/folder_builder/web/locale -D studio
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "studio"


@dataclass(frozen=True)
class Message:
    """A message id and the values of its ``{fields}``."""

    msgid: str
    fields: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.msgid.format(**self.fields)

    def translate(self, language: str) -> str:
        # A field may be a Message itself (a section's name inside a fit message), or a
        # Number, written the language's way (4,5 in Danish).
        fields = {key: value.translate(language) if isinstance(value, Message | Number)
                  else value for key, value in self.fields.items()}
        return translations(language).gettext(self.msgid).format(**fields)


class Number(float):
    """A number with decimals that a message shows as its language writes it (a plain
    float keeps the format its message gives it, "{ppi:.0f}")."""

    def translate(self, language: str) -> str:
        from babel.core import UnknownLocaleError
        from babel.numbers import format_decimal

        try:
            return format_decimal(float(self), locale=primary(language))
        except (UnknownLocaleError, ValueError):
            return f"{float(self):g}"


def N_(msgid: str, /, **fields: object) -> Message:
    """Mark ``msgid`` for the catalogue; translated when shown."""
    return Message(msgid, MappingProxyType(dict(fields)))


def primary(language: str) -> str:
    """``da`` for ``da``, ``da-DK`` or ``da_DK``."""
    return language.replace("_", "-").split("-", 1)[0].casefold()


def languages() -> list[str]:
    """The languages that have a catalogue."""
    return sorted(p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language`` (or of its primary subtag), compiled in memory
    from its .po file; NullTranslations (the English ids) for a language without one."""
    code = primary(language)
    path = LOCALE / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def say(language: str, message: Message | str, /, **fields: object) -> str:
    """``message`` in ``language``: a Message, or a message id and its fields."""
    if isinstance(message, Message):
        return message.translate(language)
    text = translations(language).gettext(message)
    # Text that is not a message id (a loader's message) may hold braces of its own.
    return text.format(**fields) if fields else text


def install(env, language: str) -> None:
    """Give a Jinja2 environment (with the ``jinja2.ext.i18n`` extension) the
    catalogue of ``language``: templates then write ``{{ _("Save") }}``."""
    env.install_gettext_translations(translations(language), newstyle=True)


#: The office-printer edition's one-line instruction, shown beside its download
#: (the same words as impose.INSTRUCTION, which the command line prints).
INSTRUCTION = N_("print both sides, flip on short edge, fold, staple")
#: Shown beside a raster logo whose effective resolution is below uploads.LOW_PPI.
LOW_RESOLUTION = N_("{ppi:.0f} ppi at its printed size ({width:.0f} × {height:.0f} mm): "
                    "below {limit} ppi it prints visibly soft; upload a larger image or an "
                    "SVG")


def content_language(content) -> str:
    """The language the studio speaks for ``content``: its publication's language."""
    return content.publication.language
