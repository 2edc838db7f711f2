"""The one place that knows PDF: WeasyPrint renders the document's standalone HTML.

The stylesheet (templates/_parts/a4.css) names the Japanese fonts explicitly, with fallbacks: IPAex Mincho / Gothic
(Debian: fonts-ipaexfont), then Noto CJK JP (fonts-noto-cjk). Without any of them the glyphs come out as boxes, so
install one. With Debian's `libharfbuzz-subset0`, WeasyPrint subsets fonts with HarfBuzz (tens of ms a page) instead
of fontTools (seconds a page with Noto CJK). One FontConfiguration is built per process and reused.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration


@cache
def font_configuration() -> Any:
    """The process's FontConfiguration (building one scans the system fonts)."""
    return FontConfiguration()


def build_pdf(html: str) -> bytes:
    """An A4 PDF of a document rendered by our HTML templates (fonts embedded, subset)."""
    pdf: bytes = HTML(string=html).write_pdf(font_config=font_configuration())
    return pdf
