"""File-system helpers: atomic writes and the user cache folder.

An atomic write puts a temporary file beside the target, then renames it into place. It stays
ours (one line of why): the standard library has no atomic write and ``atomicwrites``, the
library that had one, is archived; this is the one copy every writer of the package uses.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file in ``path``'s folder, then ``os.replace`` it.

    A crash or Ctrl-C before the rename leaves the previous file untouched and no partial file
    under ``path``'s name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); give it the usual mode of a new file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return atomic_write(path, write)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return atomic_write(path, write)


def user_cache_root() -> Path:
    r"""The package's cache folder: ``$EVENTSTUDY_CACHE`` when set, else the platform's own.

    The platform folder comes from :func:`platformdirs.user_cache_path` (``~/.cache/eventstudy``
    on Linux or under ``$XDG_CACHE_HOME``, ``~/Library/Caches/eventstudy`` on macOS,
    ``%LOCALAPPDATA%\eventstudy\Cache`` on Windows).
    """
    value = os.environ.get("EVENTSTUDY_CACHE")
    if value:
        return Path(value).expanduser()
    import platformdirs  # only when the default folder is needed

    return platformdirs.user_cache_path("eventstudy", appauthor=False)
