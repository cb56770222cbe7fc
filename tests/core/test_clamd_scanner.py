"""The clamd INSTREAM client against a tiny fake clamd on a temporary UNIX socket."""
from __future__ import annotations

import socketserver
import struct
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.core import uploads
from portal.core.errors import ValidationFailed
from portal.core.models import Attachment, AuditEvent
from portal.core.scanner import ScannerUnavailable, clamd_scan
from portal.extensions import db
from tests.core import hostile
from tests.filings.builders import acting_as

SIGNATURE = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR"


class FakeClamd(socketserver.StreamRequestHandler):
    """Speaks the INSTREAM protocol: command, length-prefixed chunks, zero length, one NUL-ended reply."""

    def handle(self):
        command = b""
        while not command.endswith(b"\0"):
            command += self.rfile.read(1)
        assert command == b"zINSTREAM\0"
        received = b""
        while length := struct.unpack(">I", self.rfile.read(4))[0]:
            received += self.rfile.read(length)
        self.server.seen.append(received)
        verdict = b"stream: Eicar-Test-Signature FOUND\0" if SIGNATURE in received else b"stream: OK\0"
        self.wfile.write(verdict)


@pytest.fixture
def clamd():
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "clamd.ctl")
        server = socketserver.ThreadingUnixStreamServer(path, FakeClamd)
        server.seen = []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server, path
        finally:
            server.shutdown()
            server.server_close()


def test_clean_and_infected_streams(clamd):
    server, path = clamd
    assert clamd_scan(path, b"x" * 200_000) is None
    assert clamd_scan(path, b"%PDF-1.4 " + SIGNATURE) == "Eicar-Test-Signature"
    assert server.seen[0] == b"x" * 200_000  # sent in several chunks and put back together


def test_unreachable_daemon_is_an_error_not_a_pass(tmp_path):
    with pytest.raises(ScannerUnavailable):
        clamd_scan(str(tmp_path / "missing.sock"), b"data")


def test_infected_upload_is_refused_audited_and_not_stored(app, build, clamd):
    _server, path = clamd
    vendor = build.user("vendor")
    app.config["CLAMD_SOCKET"] = path
    try:
        with acting_as(vendor):
            with pytest.raises(ValidationFailed) as refused:
                uploads.save_upload(hostile.pdf_with(b"", b"(" + SIGNATURE + b")"), "a.pdf", owner_type="firm",
                                    owner_id=vendor.firm_id)
            assert "virus" in refused.value.field_errors["file"][0]
            assert db.session.scalar(select(func.count(Attachment.id))) == 0
            assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "upload.infected"))
            assert uploads.save_upload(hostile.PDF, "a.pdf", owner_type="firm", owner_id=vendor.firm_id)
        app.config["CLAMD_SOCKET"] = path + ".gone"
        with acting_as(vendor), pytest.raises(ValidationFailed):
            uploads.save_upload(hostile.PDF, "a.pdf", owner_type="firm", owner_id=vendor.firm_id)
    finally:
        app.config["CLAMD_SOCKET"] = None
