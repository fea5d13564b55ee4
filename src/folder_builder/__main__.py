"""``python -m folder_builder`` does what the ``folder-builder`` command does."""

from .cli import run

run()
