"""Pictures of every document as printed, for review: scripts/preview-documents OUT_DIR [--home DIR] [--fy 2026].

Without --home it simulates the fiscal year (`council init` + `council simulate`, about two minutes) in
OUT_DIR/council-home; with --home it reads the documents an earlier simulation (or real use) left there. For the
current version of every document it writes, under OUT_DIR:

- files/<kind>--<subject>.pdf and .docx (as issued), forms/survey-<fy>-<code>.xlsx (two respondents' forms);
- libreoffice/…pdf: the DOCX and the forms printed by LibreOffice (one soffice run);
- png/<kind>--<subject>.pdf-<page>.png (WeasyPrint's PDF), .docx-<page>.png (LibreOffice's print of the DOCX),
  png/survey-<fy>-<code>.xlsx-<page>.png;
- index.md: pages and fonts of each, and any date, time or range that a printed line breaks;
- fontconfig-mincho.conf: the rules that make desktop LibreOffice print ＭＳ 明朝 in a Mincho face on a machine with
  only the IPAex fonts (copy it to ~/.config/fontconfig/conf.d/).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from council.documents.layout import no_break_units
from council.documents.printing import (
    MINCHO_FONTCONFIG,
    broken_across_lines,
    convert_to_pdf,
    font_names,
    page_texts,
    to_png,
)
from council.resources import data_dir
from council.survey.forms import FormRespondent, form_bytes, form_file_name
from council.survey.taxonomy import TAXONOMY_FILE, load_taxonomy

FORM_RESPONDENTS = (FormRespondent("062014", "山形市"), FormRespondent("dept-kikaku", "みらい企画創造部"))
_TAGS = re.compile(r"<[^>]+>")


def _run(command: list[str], env: dict[str, str]) -> None:
    print("$", " ".join(command), flush=True)
    subprocess.run(command, env=env, check=True)


def _simulate(home: Path, fiscal_year: int) -> None:
    if home.exists():
        shutil.rmtree(home)
    env = {**os.environ, "COUNCIL_HOME": str(home)}
    env.pop("COUNCIL_DATABASE_URL", None)
    council = str(Path(sys.executable).with_name("council"))
    _run([council, "init"], env)
    _run([council, "simulate", "--fy", str(fiscal_year)], env)


def _current_versions(documents: Path) -> dict[str, Path]:
    """'<kind>--<subject>' → the folder of its latest issued version (documents/<fy>/<kind>/<subject>/v<n>), else
    of its draft (…/draft: the 案 as it stands)."""
    current: dict[str, Path] = {}
    for subject in sorted(path for path in documents.glob("*/*") if path.is_dir()):
        versions = sorted(subject.glob("v*"), key=lambda path: int(path.name[1:]) if path.name[1:].isdigit() else 0)
        if versions:
            current[f"{subject.parent.name}--{subject.name}"] = versions[-1]
        elif (subject / "draft").is_dir():
            current[f"{subject.parent.name}--{subject.name}--draft"] = subject / "draft"
    return current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--home", type=Path, help="a COUNCIL_HOME with documents (default: simulate a fresh one)")
    parser.add_argument("--fy", type=int, default=2026)
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    out: Path = args.out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    home = args.home.resolve() if args.home else out / "council-home"
    if args.home is None:
        _simulate(home, args.fy)
    versions = _current_versions(home / "documents" / str(args.fy))
    if not versions:
        print(f"preview-documents: no documents of fiscal year {args.fy} under {home}", file=sys.stderr)
        return 2
    for folder in ("files", "forms", "libreoffice", "png"):
        shutil.rmtree(out / folder, ignore_errors=True)
        (out / folder).mkdir()

    units: dict[str, list[str]] = {}
    for name, folder in versions.items():
        for suffix in (".pdf", ".docx"):
            source = next(folder.glob(f"*{suffix}"), None)
            if source is not None:
                shutil.copyfile(source, out / "files" / f"{name}{suffix}")
        html = next(folder.glob("*.html"), None)
        text = _TAGS.sub("", html.read_text(encoding="utf-8").split("<body>", 1)[-1]) if html else ""
        units[name] = no_break_units(text)
    stamp = datetime(args.fy, 4, 1, tzinfo=UTC)
    forms = []
    taxonomy = load_taxonomy(data_dir("reference") / TAXONOMY_FILE)
    for respondent in FORM_RESPONDENTS:
        path = out / "forms" / form_file_name(args.fy, respondent)
        path.write_bytes(form_bytes(args.fy, respondent, taxonomy, stamp=stamp))
        forms.append(path)

    docx = sorted((out / "files").glob("*.docx"))
    printed = convert_to_pdf(
        [*docx, *forms], out / "libreoffice", work_dir=out / ".libreoffice-work", environment=dict(os.environ)
    )
    rows = ["| document | format | pages | fonts | broken across lines |", "|---|---|---|---|---|"]
    sources = [(pdf.stem, "pdf", pdf) for pdf in sorted((out / "files").glob("*.pdf"))]
    sources += [(pdf.stem, "docx" if pdf.stem in units else "xlsx", pdf) for pdf in printed]
    for name, fmt, pdf in sorted(sources):
        pictures = to_png(pdf, out / "png" / f"{name}.{fmt}", dpi=args.dpi)
        broken = broken_across_lines(units.get(name, []), page_texts(pdf))
        rows.append(f"| {name} | {fmt} | {len(pictures)} | {', '.join(font_names(pdf))} | {'、'.join(broken) or '—'} |")
        print(f"{name}.{fmt}: {len(pictures)} page(s){'; BROKEN: ' + '、'.join(broken) if broken else ''}")
    (out / "index.md").write_text(
        f"# Documents of fiscal year {args.fy} as printed\n\nFrom {home}. Pictures in png/.\n\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    (out / "fontconfig-mincho.conf").write_text(MINCHO_FONTCONFIG, encoding="utf-8")
    print(f"preview-documents: {len(sources)} prints, pictures in {out / 'png'}, summary in {out / 'index.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
