"""The one Jinja2 environment every product is rendered with.

StrictUndefined turns a misspelt variable into an error instead of a silent
blank on a printed page; autoescape makes a statement containing "<script>"
print as text. A user's ``--layouts`` folder is searched before the bundled
layouts, so overriding one partial does not mean copying them all.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from .cache import template_cache
from .errors import InputError
from .paths import BUNDLED_LAYOUTS

PRODUCT_TEMPLATE = "product.html.j2"
STYLESHEET = "style.css"


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
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs]),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.do"],
        bytecode_cache=template_cache(),
    )
    from .contact import contact_parts

    env.globals["contact_parts"] = contact_parts  # the leaflet's contact line (contact.py)
    return env


def section_template(layout: str) -> str:
    return f"sections/{layout}.html.j2"


def find_file(dirs: tuple[Path, ...], name: str) -> Path:
    """The first ``name`` in the layout folders (for the stylesheet)."""
    for folder in dirs:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise InputError(f"no {name} in the layouts ({', '.join(map(str, dirs))})")
