"""Reading a CSV file a person prepared (the regional table, the 先進事例 catalogue): UTF-8 (with or without BOM),
a header naming the columns, at most MAX_BYTES; every problem an InputError naming the file, the row and the column.
Text cells may not hold control characters (they end up in HTML, file names and mail bodies)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from council.delivery.message import header_text_problem
from council.errors import InputError

MAX_BYTES = 1_000_000
MAX_ROWS = 2_000


def read_csv_rows(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """The rows with their 1-based line numbers (the header is line 1), cells trimmed; unknown columns refused."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"larger than {MAX_BYTES // 1_000_000} MB", file=str(path))
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a CSV file", file=str(path)) from None
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text ({error.reason})", file=str(path)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise InputError("the file is empty: a header line is needed", file=str(path)) from None
    except csv.Error as error:
        raise InputError(f"not CSV ({error})", file=str(path), row=1) from None
    missing = [column for column in required if column not in header]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", file=str(path), row=1)
    unknown = [column for column in header if column not in required + optional]
    if unknown:
        allowed = ", ".join(required + optional)
        raise InputError(f"unknown column {unknown[0]!r} (allowed: {allowed})", file=str(path), row=1)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise InputError(f"{len(cells)} cells for {len(header)} columns", file=str(path), row=line)
            row = {column: (cells[index].strip() if index < len(cells) else "") for index, column in enumerate(header)}
            for column, value in row.items():
                problem = header_text_problem(value)
                if problem:
                    raise InputError(problem, file=str(path), row=line, field=column)
            rows.append((line, row))
            if len(rows) > MAX_ROWS:
                raise InputError(f"more than {MAX_ROWS} rows", file=str(path), row=line)
    except csv.Error as error:
        raise InputError(f"not CSV ({error})", file=str(path), row=reader.line_num) from None
    return rows
