"""Files only their owner may read, appearing whole: snapshots and --report files."""

from __future__ import annotations

import contextlib
import os
import tempfile


def write_private(path: str, data: bytes) -> None:
    """``path`` is afterwards either what it was or the complete new file, mode 0600: written to a temporary name
    in the same directory (mkstemp: 0600, O_EXCL), flushed to disk, then renamed over ``path``. A symlink at
    ``path`` is replaced, never followed."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".vcdoctor-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
