"""Writing files that readers may open at any moment (outbox mail, feeds, documents, archived inputs)."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

# What a plain `open(path, "w")` asks for: the process's umask then decides (0644 under the usual 022), so files
# meant for a web server or another account are readable by them, and an administrator who wants them private
# sets a stricter umask.
DEFAULT_MODE = 0o666
PUBLIC_MODE = 0o644  # public output (static feeds): never group- or world-writable, whatever the umask allows


def write_atomically(path: Path, data: bytes, *, mode: int = DEFAULT_MODE) -> None:
    """Write `data` to `path` so that a reader sees the old file or the whole new one, never half of one: a unique
    temporary file in the same folder, flushed to disk, then renamed over `path`.

    The file is created with `mode` minus the umask, as `open()` would (tempfile.mkstemp would make it 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
        except FileExistsError:  # pragma: no cover - 64 random bits colliding
            continue
        break
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux: /proc/self/status)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: the classic read-by-setting, put back at once
    os.umask(mask)
    return mask


def ensure_mode(path: Path, mode: int = DEFAULT_MODE) -> None:
    """Give an existing file the permissions `write_atomically` would give it now (`mode` minus the umask): files
    written 0600 by earlier versions, and kept because their bytes did not change, become readable as intended."""
    wanted = mode & ~current_umask()
    if stat.S_IMODE(path.stat().st_mode) != wanted:
        os.chmod(path, wanted)
