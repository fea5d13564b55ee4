"""folder-builder: content files + HTML/CSS layouts → print-ready PDF booklets.

``Session`` is the public API: a warm build session (see session.py).
"""

from .session import Result, Session

__version__ = "0.1.0"
__all__ = ["Result", "Session", "__version__"]
