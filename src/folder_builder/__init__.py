"""folder-builder: content files + HTML/CSS layouts → print-ready PDF booklets."""

__version__ = "0.1.0"
