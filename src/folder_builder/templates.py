"""The one Jinja2 environment every product is rendered with.

StrictUndefined turns a misspelt variable into an error instead of a silent
blank on a printed page; autoescape makes a statement containing "<script>"
print as text. A user's ``--layouts`` folder is searched before the bundled
layouts, so overriding one partial does not mean copying them all.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from .addresses import addresses
from .cache import template_cache
from .errors import InputError
from .paths import BUNDLED_FONTS, BUNDLED_LAYOUTS

#: The @font-face rules of the project's fonts, loaded before the layouts' stylesheets.
FONTS_STYLESHEET = BUNDLED_FONTS / "fonts.css"
PRODUCT_TEMPLATE = "product.html.j2"
STYLESHEET = "style.css"
#: An optional stylesheet in a --layouts folder, loaded after style.css: restyle
#: without copying the whole stylesheet.
EXTRA_STYLESHEET = "extra.css"
#: The prefix that names a bundled template from a --layouts folder's template of the
#: same name: {% extends "bundled/product.html.j2" %}.
BUNDLED = "bundled"
#: Templates the build itself needs (the stand-in section), searched after the layouts:
#: not the designer's to edit.
INTERNAL_TEMPLATES = Path(__file__).resolve().parent / "internal"


def layout_dirs(user_layouts: Path | None) -> tuple[Path, ...]:
    """The layout folders, user's first; the user's folder must exist."""
    if user_layouts is None:
        return (BUNDLED_LAYOUTS,)
    user_layouts = Path(user_layouts)
    if not user_layouts.is_dir():
        raise InputError(f"{user_layouts}: the layouts folder does not exist")
    return (user_layouts.resolve(), BUNDLED_LAYOUTS)


def environment(dirs: tuple[Path, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            *(jinja2.FileSystemLoader(str(d)) for d in (*dirs, INTERNAL_TEMPLATES)),
            # "bundled/product.html.j2": the bundled template even where a --layouts
            # folder has one of the same name, so that it can extend it.
            jinja2.PrefixLoader({BUNDLED: jinja2.FileSystemLoader(str(BUNDLED_LAYOUTS))}),
        ]),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.do"],
        bytecode_cache=template_cache(),
    )
    env.filters["addresses"] = addresses
    from .contact import contact_parts

    env.globals["contact_parts"] = contact_parts  # the leaflet's contact line (contact.py)
    return env


def section_template(layout: str) -> str:
    return f"sections/{layout}.html.j2"


def stylesheets(dirs: tuple[Path, ...]) -> list[Path]:
    """Every stylesheet of a document in the order they apply: the fonts, the first
    style.css, every extra.css (the bundled layouts' first: a --layouts folder's
    wins), then the build's own rules for stand-in sections."""
    extra = [folder / EXTRA_STYLESHEET for folder in reversed(dirs)
             if (folder / EXTRA_STYLESHEET).is_file()]
    return [FONTS_STYLESHEET, find_file(dirs, STYLESHEET), *extra,
            INTERNAL_TEMPLATES / "stand-in.css"]


def find_file(dirs: tuple[Path, ...], name: str) -> Path:
    """The first ``name`` in the layout folders (for the stylesheet)."""
    for folder in dirs:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise InputError(f"no {name} in the layouts ({', '.join(map(str, dirs))})")
