"""Markdown and standalone HTML from a context, through the Jinja2 templates in templates/.

HTML templates (`*.html.j2`) are autoescaped; Markdown templates escape database text with the `md` filter. The
A4 stylesheet is a static file inserted as markup (autoescape would break the quoted font names inside <style>).
The rendered HTML gets its print marks (no-break dates, hanging item labels, table captions) from
council.documents.layout, in this one place, so templates carry wording only.
"""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from council.documents.contexts import DocumentContext
from council.documents.layout import mark_print_layout
from council.documents.text import markdown_escape
from council.resources import data_dir

CSS_FILE = "_parts/a4.css"
_TRAILING_SPACES = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")


def _autoescape(template_name: str | None) -> bool:
    return template_name is not None and template_name.endswith(".html.j2")


@cache
def environment() -> Environment:
    """The templates' environment, built when first asked for."""
    folder = data_dir("templates")
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = lambda value: markdown_escape(str(value))
    css = (folder / CSS_FILE).read_text(encoding="utf-8")
    if "</" in css:
        raise ValueError(f"{CSS_FILE} must not contain '</' (it is inserted into <style>)")
    env.globals["a4_css"] = Markup(css)
    return env


def render_markdown(context: DocumentContext) -> str:
    """The document as Markdown (mail body, Prefect artifact): no trailing spaces, single blank lines."""
    text = environment().get_template(f"{context.kind.value}.md.j2").render(doc=context)
    text = _BLANK_RUNS.sub("\n\n", _TRAILING_SPACES.sub("", text))
    return text.strip("\n") + "\n"


def render_html(context: DocumentContext) -> str:
    """The document as one standalone HTML page (lang="ja", A4 print CSS inline, every value escaped, print marks)."""
    html = environment().get_template(f"{context.kind.value}.html.j2").render(doc=context)
    html = _BLANK_RUNS.sub("\n\n", _TRAILING_SPACES.sub("", html)).strip("\n") + "\n"
    return mark_print_layout(html)
