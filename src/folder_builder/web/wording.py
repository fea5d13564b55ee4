"""Every word the web app itself says, in one catalogue.

The app's own chrome (buttons, headings, status lines) is not content of the
booklet, so it does not come from ``content/``; it is kept out of the templates
and the Python code all the same, in ``wording.da.yaml`` beside this module, so
that a translation (the studio adds a gettext catalogue later) replaces one file.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

import yaml

_HERE = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "da"


@functools.cache
def catalogue(language: str = DEFAULT_LANGUAGE) -> Mapping[str, str]:
    """The app's words in ``language``: message key -> text (``str.format`` fields)."""
    with (_HERE / f"wording.{language}.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {str(key): str(value) for key, value in data.items()}


def say(key: str, /, **fields: object) -> str:
    """The text of ``key`` with its fields filled in; an unknown key is a bug, so it
    raises KeyError rather than showing a blank to the user."""
    return catalogue()[key].format(**fields)
