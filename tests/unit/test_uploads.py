"""Upload type sniffing by content."""

import io
import struct
import zipfile
import zlib

import pytest
from openpyxl import Workbook

from portal.core.upload_rules import ALLOWED, sniff

DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="{main}"/>'
    "</Types>"
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
DOCX_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>外包项目报备</w:t></w:r></w:p></w:body></w:document>"
)


def make_zip(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def make_docx(main_type: str = DOCX_MAIN, **extra: str) -> bytes:
    return make_zip({
        "[Content_Types].xml": DOCX_CONTENT_TYPES.format(main=main_type),
        "_rels/.rels": DOCX_RELS,
        "word/document.xml": DOCX_DOCUMENT,
        **extra,
    })


def make_xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["项目", "卷"])
    workbook.active.append(["LZWB-2026-0001", 120])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def test_pdf_jpeg_png():
    assert sniff(PDF) == "pdf"
    assert sniff(JPEG) == "jpeg"
    assert sniff(b"\xff\xd8\xff\xe1\x00\x16Exif\x00\x00") == "jpeg"
    assert sniff(make_png()) == "png"


def test_real_docx_and_xlsx():
    assert sniff(make_docx()) == "docx"
    assert sniff(make_xlsx()) == "xlsx"


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",  # HTML renamed .pdf
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program cannot be run in DOS mode",
        b"\x7fELF\x02\x01\x01",
        b"",
        b"%PD",
        b"GIF89a\x01\x00\x01\x00",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,  # legacy .doc / .xls (OLE)
        b"PK\x03\x04 truncated zip",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 8,  # PNG signature without an IHDR chunk
        b" %PDF-1.4 with leading junk",
    ],
)
def test_other_content_is_refused(data):
    assert sniff(data) is None


def test_plain_zip_is_refused():
    assert sniff(make_zip({"readme.txt": "hello", "data/a.csv": "1,2"})) is None


def test_zip_with_content_types_but_no_main_part_is_refused():
    data = make_zip({"[Content_Types].xml": DOCX_CONTENT_TYPES.format(main=DOCX_MAIN)})
    assert sniff(data) is None


def test_main_part_without_content_types_is_refused():
    assert sniff(make_zip({"word/document.xml": DOCX_DOCUMENT})) is None


def test_macro_enabled_document_is_refused():
    macro = "application/vnd.ms-word.document.macroEnabled.main+xml"
    assert sniff(make_docx(main_type=macro, **{"word/vbaProject.bin": "x"})) is None


def test_content_types_with_entities_is_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">]>' + DOCX_CONTENT_TYPES.format(main=DOCX_MAIN)
    data = make_zip({"[Content_Types].xml": bomb, "word/document.xml": DOCX_DOCUMENT})
    assert sniff(data) is None


def test_docx_renamed_zip_of_html_is_refused():
    assert sniff(make_zip({"[Content_Types].xml": "<html></html>", "word/document.xml": "<html/>"})) is None


def test_allowed_mime_types():
    assert set(ALLOWED) == {"pdf", "jpeg", "png", "docx", "xlsx"}
    assert ALLOWED["pdf"] == "application/pdf"
    assert ALLOWED["docx"].endswith("wordprocessingml.document")
    assert ALLOWED["xlsx"].endswith("spreadsheetml.sheet")


def test_corrupt_compressed_member_is_refused():
    data = bytearray(make_docx())
    start = data.index(b"[Content_Types].xml") + len("[Content_Types].xml")
    data[start:start + 40] = b"\xff" * 40  # garble the deflate stream of the first member
    assert sniff(bytes(data)) is None


def test_oversized_content_types_is_refused():
    padding = " " * (1 << 20)
    data = make_zip({
        "[Content_Types].xml": DOCX_CONTENT_TYPES.format(main=DOCX_MAIN) + padding,
        "word/document.xml": DOCX_DOCUMENT,
    })
    assert sniff(data) is None
