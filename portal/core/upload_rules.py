"""Upload type checks by content (magic bytes, OOXML package structure), never by name or client MIME,
and the checks that refuse files carrying anything active (scripts, macros, polyglots, bombs)."""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
import zlib

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.core.msgids import N_

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


# ---- Names -----------------------------------------------------------------------------------------------

MAX_NAME_LENGTH = 120


def clean_filename(name: str, kind: str | None = None) -> str:
    """The name a person gave the file, made safe to store, show and send back in Content-Disposition:
    no directory part, no control characters (NUL, CR, LF ...) and no invisible format characters (the
    bidi overrides U+202A-U+202E and U+2066-U+2069 that make "txt.exe" read as "exe.txt"), at most
    MAX_NAME_LENGTH characters with the extension kept. An empty result becomes "file.<kind>"."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[:MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    if not name or name.startswith("."):
        name = f"file.{EXTENSIONS[kind][0].lstrip('.')}" if kind in EXTENSIONS else "file"
    return name


# ---- Active content --------------------------------------------------------------------------------------
# Each check returns None for a clean file or the msgid saying why it is refused.

_MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|\?php)\b",
                     re.IGNORECASE)

# PDF name objects that run something, open something or carry another file.
_PDF_ACTIVE = frozenset({b"JS", b"JavaScript", b"Launch", b"OpenAction", b"AA", b"EmbeddedFile",
                         b"EmbeddedFiles", b"RichMedia", b"XFA", b"SubmitForm", b"ImportData"})
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"\bstream\r?\n")
# Inflating object streams is bounded: at most this many bytes out in all.
_PDF_MAX_INFLATED = 64 * 1024 * 1024


def _pdf_names(chunk: bytes) -> set[bytes]:
    return {_PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw) for raw in _PDF_NAME.findall(chunk)}


def _pdf_parts(data: bytes) -> tuple[bytes, list[bytes]]:
    """(the file with every stream body cut out, the inflated bodies of the FlateDecode object streams).
    Stream bodies (images, fonts, page content) are binary and never hold objects, so names that
    merely look like /JS inside them are not actions; object streams (/Type /ObjStm) hold objects."""
    structure: list[bytes] = []
    objects: list[bytes] = []
    budget = _PDF_MAX_INFLATED
    position = 0
    for match in _PDF_STREAM.finditer(data):
        if match.start() < position:
            continue  # "stream" inside a stream body already skipped
        end = data.find(b"endstream", match.end())
        if end == -1:
            break
        head = data[position:match.start()]
        structure.append(head)
        dictionary = head[head.rfind(b"obj"):] if b"obj" in head else head[-4096:]
        if b"/ObjStm" in dictionary and b"/FlateDecode" in dictionary and budget > 0:
            try:
                inflated = zlib.decompressobj().decompress(data[match.end():end], budget)
            except zlib.error:
                inflated = b""
            budget -= len(inflated)
            objects.append(inflated)
        position = end + len(b"endstream")
    structure.append(data[position:])
    return b"\n".join(structure), objects


def pdf_problem(data: bytes) -> str | None:
    """Refuse a PDF with JavaScript, launch/open actions, additional actions, embedded files, rich media
    or forms that submit (names with #xx escapes decoded), in the objects of the file or of its
    FlateDecode object streams; or with web page markup or another file's header outside its streams.
    Limit: object streams under other filters (LZW, ASCII85, ...) or past the inflate budget are not
    read; active content hidden only there is left to the virus scanner."""
    structure, objects = _pdf_parts(data)
    if _MARKUP.search(structure) or any(_MARKUP.search(chunk) for chunk in objects):
        return N_("The PDF file contains web page or script code.")
    if (structure.find(b"%PDF-", 1) != -1 or (b"PK\x03\x04" in structure and b"PK\x05\x06" in structure)
            or any(structure.find(header, 1) != -1 for header in (b"\x7fELF", b"MZ\x90\x00"))):
        return N_("The PDF file contains a second file format.")
    if _pdf_names(structure) & _PDF_ACTIVE or any(_pdf_names(chunk) & _PDF_ACTIVE for chunk in objects):
        return N_("The PDF file contains scripts, actions or embedded files.")
    return None


# Parts that make an Office file run code or show foreign content: macros, ActiveX, OLE objects,
# embedded packages, HTML/MHT chunks (altChunk), scripts and programs.
_OOXML_ACTIVE_PART = re.compile(
    r"(?:^|/)(?:vbaproject\.bin|vbadata\.xml|activex/|embeddings/|[^/]*\.(?:html?|xhtml|mht|mhtml|js|vbs|hta|"
    r"exe|dll|bin|ocx|jar|ps1|bat|cmd|scr|com|svg))", re.IGNORECASE)
_OOXML_ACTIVE_TYPE = re.compile(
    rb"macroEnabled|vbaProject|vbaData|activeX|oleObject|ms-office\.vba|text/html|application/xhtml|"
    rb"message/rfc822|multipart/related|x-javascript|text/javascript", re.IGNORECASE)
_OOXML_ACTIVE_REL = re.compile(rb"/(?:aFChunk|oleObject|package|activeXControl|control|vbaProject|"
                               rb"attachedTemplate|frame|subDocument)[\"']", re.IGNORECASE)
_OOXML_EXTERNAL = re.compile(rb"TargetMode\s*=\s*[\"']External[\"']", re.IGNORECASE)
_MAX_RELS_BYTES = 1 << 20


def zip_problem(data: bytes, *, max_unzipped_bytes: int, max_entries: int) -> str | None:
    """Refuse a zip package whose directory promises more than `max_unzipped_bytes` in all or more than
    `max_entries` entries: judged from the central directory alone, before any part is inflated.
    (zipfile never inflates a member past the size its directory entry declares.)"""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None  # not a readable zip: the type check refuses it
    if len(infos) > max_entries:
        return N_("The file holds too many parts to be an ordinary document.")
    if sum(info.file_size for info in infos) > max_unzipped_bytes:
        return N_("The file expands to more than the allowed size when unpacked.")
    return None


def ooxml_problem(data: bytes) -> str | None:
    """Refuse a DOCX/XLSX with macros, ActiveX, OLE or embedded packages, HTML parts, or relationships
    that point outside the file (TargetMode="External": remote templates, tracking images, links), or
    with a DOCTYPE/ENTITY in any XML part (entity expansion, external entities). Call zip_problem first:
    this inflates the XML parts, as far as the sizes its directory declares."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
            if any(_OOXML_ACTIVE_PART.search(info.filename) for info in infos):
                return N_("The document contains macros, embedded objects or web content.")
            for info in infos:
                name = info.filename.lower()
                if name.endswith((".xml", ".rels", ".vml")) and _has_dtd(package, info):
                    return N_("The document contains XML declarations (DOCTYPE or entities) that are not allowed.")
                if name == "[content_types].xml" or name.endswith(".rels"):
                    if info.file_size > _MAX_RELS_BYTES:
                        return N_("The document's structure is not that of an ordinary document.")
                    part = package.read(info)
                    if _OOXML_ACTIVE_TYPE.search(part) or _OOXML_ACTIVE_REL.search(part):
                        return N_("The document contains macros, embedded objects or web content.")
                    if _OOXML_EXTERNAL.search(part):
                        return N_("The document links to content outside the file.")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError):
        return N_("The document's structure is not that of an ordinary document.")
    return None


def _has_dtd(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether an XML part declares a DTD or entities; read in pieces, never held whole."""
    tail = b""
    with package.open(info) as part:
        while piece := part.read(1 << 20):
            window = (tail + piece).upper()
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                return True
            tail = piece[-16:]
    return False


class ImageRefused(ValueError):
    """An image that cannot be decoded safely; args[0] is the msgid."""


_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG"}


def reencode_image(data: bytes, kind: str, *, max_pixels: int) -> bytes:
    """Decode the image (at most `max_pixels`, checked from the header before any pixel is decoded) and
    encode it again in the same format without metadata, so whatever rode along after or inside the
    image (an HTML or PHP tail, EXIF with a location) is not stored. EXIF orientation is applied first."""
    fmt = _PIL_FORMATS[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageRefused(N_("The image has more pixels than allowed."))
                image.load()
                image = ImageOps.exif_transpose(image)
                if fmt == "JPEG" and image.mode not in ("L", "RGB", "CMYK"):
                    image = image.convert("RGB")
                out = io.BytesIO()
                if fmt == "JPEG":
                    image.save(out, format=fmt, quality=90, optimize=True)
                else:
                    image.save(out, format=fmt, optimize=True)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(N_("The image has more pixels than allowed.")) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, zlib.error):
        raise ImageRefused(N_("The image could not be read.")) from None
    return out.getvalue()


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
