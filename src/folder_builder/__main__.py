"""``python -m folder_builder`` does what the ``folder-builder`` command does."""

import sys

from .cli import main

sys.exit(main())
