"""The one "did you mean" of folder-builder: the nearest known name to a wrong one.

Every place that looks a name up — a field of a YAML mapping, a role, a
perspective, a statement, a section, a department, a layout, a product, a
variant — says what it did not find and the nearest name it knows, in the same
words, through these functions. A person who typed ``notat:`` reads "did you
mean 'notes'?", whichever file or command it was in.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: How alike two names must be to be offered (difflib's ratio, the default of
#: ``get_close_matches``).
CUTOFF = 0.6
#: How much each letter two names begin with in common counts, up to PREFIX letters
#: (as Jaro-Winkler weighs it): people misspell the end of a word more often than
#: its start, so ``notat`` is nearer ``notes`` than ``contact``.
PREFIX_WEIGHT = 0.1
PREFIX = 4


def nearest(wanted: object, known: Iterable[object]) -> str | None:
    """The known name most like ``wanted``, or None when none is alike enough.
    Names are compared as text without regard to case, so a number key is
    compared by its digits and ``Heading`` finds ``heading``."""
    target = str(wanted).casefold()
    best, best_score = None, 0.0
    for name in dict.fromkeys(str(name) for name in known):
        candidate = name.casefold()
        ratio = difflib.SequenceMatcher(None, target, candidate).ratio()
        if ratio < CUTOFF:
            continue
        prefix = next((i for i, (a, b) in enumerate(zip(target[:PREFIX], candidate[:PREFIX],
                                                        strict=False)) if a != b),
                      min(len(target), len(candidate), PREFIX))
        score = ratio + prefix * PREFIX_WEIGHT * (1 - ratio)
        if score > best_score:
            best, best_score = name, score
    return best


def did_you_mean(wanted: object, known: Iterable[object], *, suffix: str = "") -> str:
    """`` (did you mean 'NAME'?)`` for the nearest known name (``suffix`` added to
    it, e.g. ``.yaml`` for a file named after an id), or "" when there is none."""
    guess = nearest(wanted, known)
    return f" (did you mean '{guess}{suffix}'?)" if guess is not None else ""


def unknown(kind: str, wanted: object, known: Iterable[object]) -> str:
    """The message for a name that is not one of ``known``:
    ``unknown role 'faeles' (did you mean 'faelles'?); known: faelles, chef``."""
    names = [str(name) for name in known]
    return f"unknown {kind} '{wanted}'{did_you_mean(wanted, names)}; known: {', '.join(names)}"
