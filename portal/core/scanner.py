"""Virus scanning through a ClamAV daemon (clamd) on a UNIX socket, INSTREAM protocol, standard library only.

The daemon answers "stream: OK" for a clean file and "stream: <signature> FOUND" for an infected one."""
from __future__ import annotations

import socket
import struct

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """The daemon could not be reached or gave no verdict: the file is treated as unchecked."""


def clamd_scan(socket_path: str, data: bytes, timeout: float = 30.0) -> str | None:
    """None when clamd finds the bytes clean, the signature name when it finds them infected."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(socket_path)
            conn.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start:start + CHUNK]
                conn.sendall(struct.pack(">I", len(chunk)) + chunk)
            conn.sendall(struct.pack(">I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = conn.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ScannerUnavailable(str(exc)) from exc
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith(" OK"):
        return None
    if answer.endswith(" FOUND"):
        return answer.split(":", 1)[-1].removesuffix(" FOUND").strip() or "unknown"
    raise ScannerUnavailable(answer or "no answer")
