"""Where the bundled content, layouts and fonts live.

In a checkout (the usual editable install) they are the top-level folders of
the repository; in a wheel they are packed under ``folder_builder/_bundled``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    packed = _PACKAGE / "_bundled" / name
    if packed.is_dir():
        return packed
    return _PACKAGE.parent.parent / name


BUNDLED_CONTENT = _bundled("content")
BUNDLED_LAYOUTS = _bundled("layouts")
BUNDLED_FONTS = _bundled("fonts")

#: The default CMYK output profile of the print PDF (see layouts/colour/README.md).
DEFAULT_PROFILE = BUNDLED_LAYOUTS / "colour" / "FOGRA39-folder-builder.icc"
