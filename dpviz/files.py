"""Writing a file so that no reader ever sees half of it.

>>> import tempfile
>>> from pathlib import Path
>>> p = Path(tempfile.mkdtemp()) / "a.html"
>>> write_atomic(p, "<p>hi</p>"); p.read_text()
'<p>hi</p>'
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` through a temporary file in its folder,
    renamed into place: readers see the old file or the whole new one, and a failure leaves no
    temporary file behind. The file gets an ordinary file's permissions (the umask's), so that a
    web server can read it, not the owner-only ones of a temporary file.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "b.bin"
    >>> write_atomic(p, b"\\x00\\x01"); p.read_bytes()
    b'\\x00\\x01'
    """
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".dpviz-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
