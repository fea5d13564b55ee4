"""Write output so that a good PDF is never replaced by a broken one.

The bytes go to a temporary file beside the target and are renamed over it
only when complete: a failed or interrupted build leaves the previous PDF as
it was and no partial file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import FolderBuilderError, InputError


def write_atomic(target: Path, data: bytes) -> Path:
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{target.parent}: cannot create the output folder "
                         f"({exc.strerror})") from exc
    if target.is_dir():
        raise InputError(f"{target}: is a folder; give a file name for the PDF")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:  # a full disk, a read-only folder: the user's to fix
        Path(tmp).unlink(missing_ok=True)
        raise FolderBuilderError(f"{target}: cannot write the PDF ({exc.strerror or exc}); "
                                 "the previous file, if any, is unchanged") from exc
    except BaseException:  # interrupted (Ctrl-C): leave nothing half-written behind
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
