"""Office files (DOCX, XLSX) are zip archives stamped with the time they were written: the same document written
twice differs. `reproducible` rewrites an archive with fixed entry times, so equal content gives equal bytes — an
issued document rendered again from its facts is byte for byte the file that was sent."""

from __future__ import annotations

import io
import zipfile

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def reproducible(archive: bytes) -> bytes:
    """The same archive with every entry dated FIXED_TIME, in the same order, deflated."""
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()
