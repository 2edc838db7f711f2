"""A version's files: `documents/<fiscal year>/<kind>/<subject>/v<n>/<stem>.<format>` (a draft's in `…/draft/`),
relative to COUNCIL_HOME; the stem is readable Japanese, e.g. `令和8年度第1回県・市町村連携推進会議_開催通知.docx`.
The Markdown is always written: it is the mail body. One builder per format: Markdown and HTML through the templates
(council.documents.rendering), DOCX and PDF from the HTML."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from council.documents.contexts import DocumentContext
from council.documents.docx_builder import build_docx
from council.documents.pdf_builder import build_pdf
from council.documents.rendering import render_html, render_markdown
from council.documents.text import one_line
from council.errors import InputError
from council.files import write_atomically
from models.enums import DocumentKind

FORMATS = ("md", "html", "docx", "pdf")
DOCUMENTS_FOLDER = "documents"
DRAFT_FOLDER = "draft"
_UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
STEM_LIMIT = 100  # characters; a Japanese character is 3 bytes, most file systems allow 255 bytes


def normalise_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The requested formats in canonical order, always with md; an unknown one is an InputError."""
    wanted = {one_line(value).lower() for value in formats if one_line(value)}
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise InputError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}", field="format")
    return tuple(value for value in FORMATS if value in wanted or value == "md")


def file_stem(text: str) -> str:
    """A stem any file system accepts: no separators, reserved or control characters, bounded length."""
    stem = _UNSAFE_IN_NAMES.sub("_", one_line(text)).strip(" .")
    return stem[:STEM_LIMIT] or "document"


def version_directory(fiscal_year: int, kind: DocumentKind, subject: str, version: int | None) -> str:
    """The folder of version `version` (None: the draft), relative to COUNCIL_HOME."""
    leaf = DRAFT_FOLDER if version is None else f"v{version}"
    return f"{DOCUMENTS_FOLDER}/{fiscal_year}/{kind.value}/{subject}/{leaf}"


def render_bytes(context: DocumentContext, formats: Iterable[str]) -> dict[str, bytes]:
    """The document in each format (the HTML is built once and feeds DOCX and PDF)."""
    rendered: dict[str, bytes] = {}
    html: str | None = None
    for fmt in formats:
        if fmt == "md":
            rendered[fmt] = render_markdown(context).encode("utf-8")
            continue
        html = html if html is not None else render_html(context)
        rendered[fmt] = html.encode("utf-8") if fmt == "html" else build_docx(html, title=context.title)
        if fmt == "pdf":
            rendered[fmt] = build_pdf(html)
    return rendered


def write_version(
    home: Path, directory: str, context: DocumentContext, formats: tuple[str, ...], *, replace: bool
) -> dict[str, Path]:
    """Write the formats of one version. `replace` starts from an empty folder (a draft rendered again, or a version
    whose earlier attempt was rolled back); otherwise only the formats it does not have yet are added."""
    folder = home / directory
    if replace and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(context.file_stem)
    paths = {fmt: folder / f"{stem}.{fmt}" for fmt in formats}
    missing = [fmt for fmt, path in paths.items() if replace or not path.exists()]
    for fmt, data in render_bytes(context, missing).items():
        write_atomically(paths[fmt], data)
    return paths


def remove_folder(home: Path, directory: str) -> None:
    shutil.rmtree(home / directory, ignore_errors=True)


def version_files(home: Path, directory: str) -> Mapping[str, Path]:
    """The files of a stored version by format (what exists on disk)."""
    folder = home / directory
    if not folder.is_dir():
        return {}
    return {path.suffix.lstrip("."): path for path in sorted(folder.iterdir()) if path.suffix.lstrip(".") in FORMATS}
