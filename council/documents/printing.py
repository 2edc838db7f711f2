"""Documents as a reader prints them: LibreOffice (headless) turns DOCX and the survey's xlsx into PDF, poppler turns
PDF into text (`pdftotext -layout`), fonts (`pdffonts`) and pictures (`pdftoppm`).

For scripts/preview-documents and the print tests. Needs `soffice` (Debian: libreoffice-writer-nogui,
libreoffice-calc-nogui) and poppler-utils; every function takes the paths and the environment it works with.

LibreOffice asks fontconfig for the fonts a document names. Our DOCX name ＭＳ 明朝 (what Word on Japanese Windows
has); fontconfig's own rules map it to IPA明朝 or, with fonts-noto-cjk, Noto Serif CJK JP, but not to IPAex明朝 —
on a machine with only the IPAex fonts LibreOffice prints the letter in IPAexゴシック and its Latin in DejaVu Serif.
MINCHO_FONTCONFIG names the Mincho chain for ＭＳ 明朝 and for Japanese serif text; conversions here use it, and an
administrator can install the same rules for desktop LibreOffice (scripts/preview-documents writes them out).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

MINCHO_CHAIN = ("IPAexMincho", "IPAMincho", "Noto Serif CJK JP")
MS_MINCHO_NAMES = ("ＭＳ 明朝", "MS Mincho", "ＭＳ Ｐ明朝", "MS PMincho")
SYSTEM_FONTCONFIG = Path("/etc/fonts/fonts.conf")
WORD_JOINER = "\u2060"
_WHITESPACE = re.compile(r"\s+")


class PrintToolMissingError(RuntimeError):
    """A program this module runs is not installed."""


def mincho_fontconfig() -> str:
    """fontconfig rules: ＭＳ 明朝 (and its other names) and Japanese serif text print in the first Mincho installed."""
    accept = "".join(f"<family>{family}</family>" for family in MINCHO_CHAIN)
    aliases = "\n".join(
        f'  <alias binding="same"><family>{name}</family><accept>{accept}</accept></alias>' for name in MS_MINCHO_NAMES
    )
    prepend = "".join(f"<string>{family}</string>" for family in MINCHO_CHAIN)
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f"{aliases}\n"
        '  <match target="pattern">\n'
        '    <test name="lang" compare="contains"><string>ja</string></test>\n'
        '    <test name="family"><string>serif</string></test>\n'
        f'    <edit name="family" mode="prepend">{prepend}</edit>\n'
        "  </match>\n</fontconfig>\n"
    )


MINCHO_FONTCONFIG = mincho_fontconfig()


def _require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise PrintToolMissingError(
            f"{program} is not installed (scripts/bootstrap installs LibreOffice and poppler-utils as root)"
        )
    return path


def _fontconfig_file(work_dir: Path) -> Path:
    """A fonts.conf that reads the system's configuration, then the Mincho rules."""
    rules = work_dir / "mincho.conf"
    rules.write_text(MINCHO_FONTCONFIG, encoding="utf-8")
    config = work_dir / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{SYSTEM_FONTCONFIG}</include>\n'
        f"  <include>{rules}</include>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return config


def convert_to_pdf(
    sources: Sequence[Path], out_dir: Path, *, work_dir: Path, environment: Mapping[str, str], timeout: float = 300
) -> list[Path]:
    """PDFs of `sources` (DOCX, xlsx …) printed by LibreOffice, in one `soffice` run with its own profile under
    `work_dir` (LibreOffice takes seconds to start). Returns the PDFs in the order of `sources`; their names must
    differ in more than the extension."""
    return convert(sources, out_dir, to="pdf", work_dir=work_dir, environment=environment, timeout=timeout)


def convert(
    sources: Sequence[Path],
    out_dir: Path,
    *,
    to: str,
    work_dir: Path,
    environment: Mapping[str, str],
    timeout: float = 300,
) -> list[Path]:
    """`sources` opened and saved by LibreOffice as `to` (pdf, xlsx, docx …) in `out_dir`, in one `soffice` run."""
    soffice = _require("soffice")
    if not sources:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    env = {**environment, "FONTCONFIG_FILE": str(_fontconfig_file(work_dir)), "HOME": str(work_dir)}
    profile = (work_dir / "libreoffice-profile").resolve().as_uri()
    command = [
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        to,
        "--outdir",
        str(out_dir),
        *(str(source) for source in sources),
    ]
    results = [out_dir / f"{source.stem}.{to}" for source in sources]
    for result in results:
        result.unlink(missing_ok=True)  # soffice reports no failure per file: only what it writes tells
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    missing = [result.name for result in results if not result.is_file()]
    if completed.returncode != 0 or missing:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        last = detail[-1] if detail else "no output"
        raise RuntimeError(f"soffice did not convert {missing or 'everything'}: {last}")
    return results


def page_texts(pdf: Path) -> list[str]:
    """The text of every page, laid out as printed (`pdftotext -layout`)."""
    completed = subprocess.run(
        [_require("pdftotext"), "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    pages = completed.stdout.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def font_names(pdf: Path) -> list[str]:
    """The fonts a PDF embeds, without their subset prefix (`pdffonts`)."""
    completed = subprocess.run([_require("pdffonts"), str(pdf)], capture_output=True, text=True, check=True, timeout=60)
    names = [line.split()[0] for line in completed.stdout.splitlines()[2:] if line.strip()]
    return sorted({name.split("+", 1)[-1] for name in names})


def to_png(pdf: Path, prefix: Path, *, dpi: int = 100) -> list[Path]:
    """One PNG per page: `<prefix>-1.png` … (`pdftoppm`)."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    command = [_require("pdftoppm"), "-r", str(dpi), "-png", str(pdf), str(prefix)]
    subprocess.run(command, capture_output=True, check=True, timeout=120)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))


def broken_across_lines(units: Iterable[str], pages: Sequence[str]) -> list[str]:
    """The `units` (dates, times, ranges …) that no printed line holds whole: those broken across lines (or pages).

    Spaces are ignored on both sides (pdftotext renders a gap as one or more spaces), and so are word joiners."""
    lines = {_WHITESPACE.sub("", line).replace(WORD_JOINER, "") for page in pages for line in page.splitlines()}
    broken = []
    for unit in dict.fromkeys(units):
        wanted = _WHITESPACE.sub("", unit)
        if wanted and not any(wanted in line for line in lines):
            broken.append(unit)
    return broken
