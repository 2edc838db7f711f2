"""Writing files that readers may open at any moment (outbox mail, feeds, documents, archived inputs)."""

from __future__ import annotations

import os
import secrets
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
