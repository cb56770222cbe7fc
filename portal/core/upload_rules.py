"""Upload type checks by content (magic bytes, OOXML package structure), never by name or client MIME."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "pdf": (".pdf",),
    "jpeg": (".jpg", ".jpeg"),
    "png": (".png",),
    "docx": (".docx",),
    "xlsx": (".xlsx",),
}

# Main-part content types of the plain (macro-free) OOXML formats; .docm/.xlsm use other types.
_OOXML_MAIN = {
    "docx": ("/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}
# [Content_Types].xml is a few KB; anything far bigger is not an honest Office file.
_MAX_CONTENT_TYPES_BYTES = 1 << 20
_OVERRIDE = re.compile(rb"<(?:\w+:)?Override\b([^>]*)>")
_ATTR = re.compile(rb'(\w+)\s*=\s*["\']([^"\']*)["\']')


def sniff(data: bytes) -> str | None:
    """One of the ALLOWED kinds judged from the bytes, or None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "png"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(data)
    return None


def _sniff_ooxml(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
            # OPC part names are case-insensitive.
            names = {i.filename.lower() for i in infos}
            info = next((i for i in infos if i.filename.lower() == "[content_types].xml"), None)
            if info is None or info.file_size > _MAX_CONTENT_TYPES_BYTES:
                return None
            content_types = package.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError):
        # RuntimeError: encrypted members; zlib.error / EOFError: corrupt or truncated compressed data.
        return None
    # Parsed with a regex rather than an XML parser: no DTDs or entities to expand from untrusted input.
    if b"<!DOCTYPE" in content_types or b"<!ENTITY" in content_types:
        return None
    overrides: dict[str, str] = {}
    for match in _OVERRIDE.finditer(content_types):
        attrs = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(match.group(1))}
        if "PartName" in attrs and "ContentType" in attrs:
            overrides[attrs["PartName"].lower()] = attrs["ContentType"]
    found = [
        kind for kind, (part, content_type) in _OOXML_MAIN.items()
        if part.lstrip("/") in names and overrides.get(part) == content_type
    ]
    return found[0] if len(found) == 1 else None


def extension_matches(filename: str, kind: str) -> bool:
    """Whether a file name's extension agrees with the sniffed kind (a PDF named .docx does not)."""
    return filename.lower().endswith(EXTENSIONS.get(kind, ()))
