"""The studio's messages: gettext catalogues, chosen by the content's language."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from conftest import CONTENT, FIXTURES, ROOT
from folder_builder.content import load_content
from folder_builder.impose import INSTRUCTION as CLI_INSTRUCTION
from folder_builder.web import i18n
from folder_builder.web.i18n import INSTRUCTION, N_, content_language, languages, say

WEB = ROOT / "src" / "folder_builder" / "web"


def source_messages() -> set[str]:
    """Every message id marked in the studio's code, extracted the way pybabel does."""
    method_map = [("web/**.py", "python"), ("department_file.py", "python"),
                  ("web/templates/**.j2", "jinja2")]
    found = extract_from_dir(ROOT / "src" / "folder_builder", method_map,
                             options_map={"web/templates/**.j2":
                                          {"extensions": "jinja2.ext.i18n"}},
                             keywords={"N_": None, "_": None, "gettext": None})
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def fields(text: str) -> set[str]:
    """The {fields} and %(fields)s of a message: a translation must keep them all."""
    braces = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return braces | set(re.findall(r"%\((\w+)\)s", text))


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_message_is_translated_with_the_same_fields(language):
    path = WEB / "locale" / language / "LC_MESSAGES" / "studio.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id: m.string for m in catalogue if m.id and not m.fuzzy}
    wanted = source_messages()
    assert len(wanted) > 30
    missing = sorted(wanted - translated.keys())
    assert not missing, f"{path}: not translated: {missing}"
    for msgid in wanted:
        assert translated[msgid].strip(), msgid
        assert fields(translated[msgid]) == fields(msgid), msgid


def test_danish_is_danish_and_english_is_english():
    assert languages() == ["da", "en"]
    assert say("da", INSTRUCTION) == "udskriv på begge sider, vend på den korte kant, fold og hæft"
    assert say("en", INSTRUCTION) == "print both sides, flip on short edge, fold, staple"
    assert say("da-DK", INSTRUCTION) == say("da", INSTRUCTION)
    assert say("fr", INSTRUCTION) == str(INSTRUCTION)  # no catalogue: the English ids
    message = N_("too many builds at once; try again in {seconds} s", seconds=3)
    assert str(message) == "too many builds at once; try again in 3 s"
    assert say("da", message) == "for mange opdateringer på én gang; prøv igen om 3 s"


def test_the_studio_speaks_the_contents_language():
    assert content_language(load_content(CONTENT)) == "da"
    english = load_content(FIXTURES / "english")
    assert content_language(english) == "en"
    from folder_builder.web.uploads import UploadError, check_upload

    with pytest.raises(UploadError) as raised:
        check_upload(b"%PDF-1.7")
    assert say(content_language(english), raised.value.say).startswith("a logo must be")
    assert say("da", raised.value.say).startswith("et logo skal være")


def test_the_cli_and_the_studio_give_the_same_instruction():
    assert str(INSTRUCTION) == CLI_INSTRUCTION


def test_catalogues_are_compiled_from_the_po_files_not_kept_compiled():
    assert not list(WEB.rglob("*.mo"))
    i18n.translations.cache_clear()
    catalogue = i18n.translations("da")
    assert catalogue.gettext("the file is empty") == "filen er tom"
    assert re.search(r"pybabel extract", Path(i18n.__file__).read_text())
