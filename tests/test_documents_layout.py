"""Print marks on the HTML (council.documents.layout), the column widths they give tables, and how the DOCX builder
honours them: no-break spans, hanging item labels, repeated header rows, kept tables, the contact box, the fonts."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from council.documents.docx_builder import EAST_ASIAN_FONT, TEXT_WIDTH, WORD_JOINER, build_docx
from council.documents.layout import KEEP_ROWS, item_label, mark_print_layout, no_break_units
from council.documents.rendering import environment
from council.documents.table_widths import Extent, cell_extent, column_widths

CSS = str(environment().globals["a4_css"])


def _page(body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n<title>7月1日（水）</title>\n'
        f"<style>\n{CSS}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("第1回会議 7月1日（水）", ["第1回", "7月1日（水）"]),
        ("新たな連携テーマの検討（8月3日～9月30日）", ["8月3日～9月30日"]),
        ("令和8年7月8日（水）14時00分～16時00分", ["令和8年7月8日（水）14時00分～16時00分"]),
        ("県・市町村行政懇談会 10月15日（木） 13時30分", ["10月15日（木） 13時30分"]),
        (
            "令和8年5月29日～令和8年6月23日（※県庁内各部局等は4月10日～4月22日）",
            ["令和8年5月29日～令和8年6月23日", "4月10日～4月22日"],
        ),
        ("令和8年度県と市町村…の提出について（再依頼）", ["令和8年度", "（再依頼）"]),
        ("①若者の定着・回帰関係（移住定住、空き家対策、Uターン等）*", ["）*"]),
        ("※「*」を付している。", ["「*」"]),
        ("市第12号", ["市第12号"]),
        ("（移住定住、空き家対策、Uターン等）", []),  # a long bracketed text may break
    ],
)
def test_dates_times_ranges_and_short_brackets_are_no_break_units(text: str, units: list[str]) -> None:
    assert no_break_units(text) == units


def test_marks_go_into_the_body_text_only_and_keep_its_escaping() -> None:
    page = _page("<p>A&amp;B &lt;script&gt; 7月1日（水）&#39;x&#39;</p>")
    marked = mark_print_layout(page)
    assert "<title>7月1日（水）</title>" in marked  # <head> untouched
    assert marked.count('<span class="nobr">') == 1
    assert '<p>A&amp;B &lt;script&gt; <span class="nobr">7月1日（水）</span>&#39;x&#39;</p>' in marked
    assert mark_print_layout(marked.replace('<span class="nobr">', "").replace("</span>", "")) == marked


def test_item_labels_hang_their_continuation_lines() -> None:
    marked = mark_print_layout(_page('<p class="indent-1">(1) 実施時期　令和8年5月29日</p><p class="right">(2) 右</p>'))
    assert '<p class="indent-1 item hang-4"><span class="label">(1)</span>実施時期　' in marked
    assert '<p class="right">(2) 右</p>' in marked  # right-aligned lines are no items
    assert item_label("1　日時") is not None
    assert item_label("・ICTの活用") is not None
    assert item_label("（回答団体数：市町村 35）") is None
    assert item_label("(1) ") is None  # a label with nothing after it


def test_a_short_table_is_kept_and_its_caption_leads_it() -> None:
    short = "".join("<tr><td>x</td></tr>" for _ in range(KEEP_ROWS))
    long = "".join("<tr><td>x</td></tr>" for _ in range(KEEP_ROWS + 1))
    marked = mark_print_layout(
        _page(f'<p class="gap">（1）表</p>\n<table class="grid">{short}</table><table class="grid">{long}</table>')
    )
    assert '<p class="gap item hang-5 lead">' in marked
    assert '<table class="grid keep">' in marked
    assert marked.count('<table class="grid keep">') == 1


def test_columns_are_sized_to_their_content_like_a_browser() -> None:
    month = cell_extent([[("4月", True)]])
    assert month == Extent(month.minimum, month.maximum)
    rows = [
        [Extent(2, 2), Extent(4, 30), Extent(6, 15)],
        [Extent(2, 2), Extent(8, 20), Extent(3, 10)],
    ]
    widths = column_widths(rows, 44.5, padding=1, fixed={0: 3})
    assert widths[0] == 3  # a fixed column keeps its width
    assert sum(widths) == pytest.approx(44.5)
    assert widths[1] > widths[2] > widths[0]  # the wider content gets the wider column
    assert widths[1] >= 9  # never below the widest unit that cannot break
    assert widths[2] >= 7
    # Room to spare: every column at its widest line, the rest shared out.
    assert column_widths([[Extent(1, 5), Extent(1, 10)]], 44.5, padding=1)[1] > 10
    # A no-break span is one unit; other Japanese text breaks anywhere.
    assert cell_extent([[("新たな連携テーマ（", False), ("8月3日～9月30日", True), ("）", False)]]).minimum > 6
    assert cell_extent([[("新たな連携テーマ", False)]]).minimum == 1


TABLE_PAGE = _page(
    '<h1>令和8年度 年間スケジュール</h1>\n<p class="right">令和8年6月15日現在</p>\n<table class="grid">\n'
    "<thead><tr><th></th><th>県・市町村連携推進会議 関係</th><th>その他</th></tr></thead>\n<tbody>\n"
    '<tr><td class="month">10月</td><td>↓（新たな連携テーマに係る具体的な連携方策の検討）</td>'
    "<td>県・市町村行政懇談会 10月15日（木）</td></tr>\n"
    '<tr><td class="month">11月</td><td>予算計上（必要に応じて）（11月2日～1月29日）</td><td></td></tr>\n'
    "</tbody>\n</table>\n"
    '<p class="indent-1">※県各部局等から関連する回答があったものには「*」を付している。</p>\n'
    '<p class="gap">1　日時　令和8年7月8日（水）14時00分～16時00分</p>\n'
    '<div class="contact">\n<p>担当：市町村課</p>\n<p>電話：023-000-0000</p>\n</div>\n'
)


@pytest.fixture(scope="module")
def table_docx() -> docx.document.Document:
    data = build_docx(mark_print_layout(TABLE_PAGE), title="年間スケジュール（案）")
    return docx.Document(io.BytesIO(data))


def test_docx_tables_have_content_widths_repeated_headers_and_rows_that_do_not_split(
    table_docx: docx.document.Document,
) -> None:
    schedule, _contact = table_docx.tables
    grid = [int(col.get(qn("w:w"))) for col in schedule._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(set(grid)) == 3, grid  # no longer three equal columns
    assert sum(grid) == pytest.approx(TEXT_WIDTH.twips, abs=3)
    assert grid[0] < grid[2] < grid[1]
    assert schedule._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    rows = schedule._tbl.findall(qn("w:tr"))
    assert rows[0].trPr.find(qn("w:tblHeader")) is not None
    assert all(row.trPr.find(qn("w:tblHeader")) is None for row in rows[1:])
    assert all(row.trPr.find(qn("w:cantSplit")) is not None for row in rows)
    # A short table is kept on one page: every row but the last keeps with the next.
    keeps = [all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs) for row in schedule.rows]
    assert keeps == [True, True, False]


def test_docx_keeps_dates_whole_with_word_joiners(table_docx: docx.document.Document) -> None:
    cells = [p for table in table_docx.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    texts = [run.text for paragraph in cells for run in paragraph.runs]
    texts += [run.text for paragraph in table_docx.paragraphs for run in paragraph.runs]
    assert WORD_JOINER.join("10月15日（木）") in texts
    assert WORD_JOINER.join("11月2日～1月29日") in texts
    assert WORD_JOINER.join("令和8年7月8日（水）14時00分～16時00分") in texts
    title = next(p for p in table_docx.paragraphs if "年間スケジュール" in p.text)
    assert title.paragraph_format.keep_with_next


def test_docx_item_labels_hang_with_a_tab(table_docx: docx.document.Document) -> None:
    when = next(p for p in table_docx.paragraphs if p.text.startswith("1\t"))
    fmt = when.paragraph_format
    assert fmt.first_line_indent is not None
    assert fmt.first_line_indent < 0
    assert fmt.left_indent == -fmt.first_line_indent
    assert [stop.position for stop in fmt.tab_stops] == [fmt.left_indent]
    note = next(p for p in table_docx.paragraphs if p.text.startswith("※"))
    assert "\t" not in note.text  # 「※」 fills its 1-em hang: the text follows it directly
    assert (note.paragraph_format.left_indent.pt, note.paragraph_format.first_line_indent.pt) == (21, -10.5)


def test_docx_contact_box_sits_at_the_right_margin(table_docx: docx.document.Document) -> None:
    contact = table_docx.tables[1]
    assert contact._tbl.tblPr.find(qn("w:jc")).get(qn("w:val")) == "right"
    (width,) = [int(col.get(qn("w:w"))) for col in contact._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert 80 < width / 56.7 < 90  # about 85 mm, as in the PDF — not the page width


def test_docx_names_a_mincho_fallback_chain_and_no_automatic_spacing() -> None:
    data = build_docx(mark_print_layout(TABLE_PAGE), title="t")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        fonts = archive.read("word/fontTable.xml").decode("utf-8")
        styles = archive.read("word/styles.xml").decode("utf-8")
    entry = fonts.split(f'<w:font w:name="{EAST_ASIAN_FONT}">', 1)[1].split("</w:font>", 1)[0]
    assert '<w:altName w:val="MS Mincho,IPAex明朝,IPAexMincho,IPA明朝,IPAMincho,Noto Serif CJK JP"/>' in entry
    assert '<w:family w:val="roman"/>' in entry
    assert '<w:charset w:val="80"/>' in entry
    normal = styles.split('w:styleId="Normal"', 1)[1].split("</w:style>", 1)[0]
    assert '<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>' in normal
