"""What an answer file is, from its first bytes rather than its name: the xlsx form (a zip archive), CSV text, or
something we can name to say what to send instead (a password-protected workbook, an old .xls, a PDF, UTF-16 text)."""

from __future__ import annotations

from council.errors import InputError
from council.survey.readers.form import FileFormat

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# Microsoft's compound file (OLE2): Excel 97–2003 workbooks, and OOXML workbooks encrypted with a password, whose
# zip is stored inside it as the stream 'EncryptedPackage' (MS-OFFCRYPTO 2.3.4).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
PDF_MAGIC = b"%PDF-"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SEND_INSTEAD = "send the survey form (.xlsx) or a CSV"


def sniff(file_name: str, data: bytes) -> FileFormat:
    """'xlsx' for a zip archive, 'csv' for anything that may be text; whatever else raises InputError. The readers
    check the rest (a zip that is not a workbook, text in neither encoding)."""
    if not data:
        raise InputError("the file is empty", file=file_name)
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise InputError(
                "the workbook is password-protected: remove the password (ファイル → 情報 → ブックの保護 → "
                "パスワードを使用して暗号化, then clear it) and send it again",
                file=file_name,
            )
        raise InputError(
            "is an Excel 97–2003 workbook (.xls) or another old Office file: save it as an Excel workbook (.xlsx)",
            file=file_name,
        )
    if data.startswith(PDF_MAGIC):
        raise InputError(f"is a PDF document: {SEND_INSTEAD}", file=file_name)
    if data.startswith(UTF16_BOMS):
        raise InputError(
            "is UTF-16 text (Excel's 'Unicode text'): save it as 'CSV UTF-8 (comma delimited)'", file=file_name
        )
    return "csv"
