"""``ConnectionReset``: a WSGI response that answers nothing and drops the connection.

WSGI gives an application no handle on its connection, so how the connection is dropped
depends on the server:

* servers that hand the application their socket — werkzeug (``werkzeug.socket``), gunicorn
  (``gunicorn.socket``) and waitress (the channel behind ``waitress.client_disconnected``,
  reached through attributes that are checked, not assumed) — get a real TCP reset before a
  single byte is sent: on Linux the socket is disconnected with ``connect(AF_UNSPEC)``, which
  aborts an established connection with an RST; elsewhere it is shut down (a FIN). The server
  then fails to write its answer and closes the connection quietly.
* granian (``ozsim serve``) keeps its sockets in Rust. There the response is a streamed body
  behind a ``Content-Length`` its HTTP layer cannot send, so it closes the connection without
  writing anything: the client sees the connection closed with no answer — a FIN, not an RST.

Either way the client gets no answer: Python's ``requests`` raises ``ConnectionError``
("Connection aborted."), Node's ``http`` (the official SDK's axios) ``ECONNRESET``. In-process
transports, which have no connection at all, see ``reset`` in the answer's ``X-Ozsim-Fault``
and raise their own connection error (``ozsim.wire.local``).
"""
from __future__ import annotations

import ctypes
import functools
import socket

from flask import Response

from ..wire.local import FAULT


class _SockaddrUnspec(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("data", ctypes.c_char * 14)]


@functools.cache
def _libc():
    """The C library already loaded in this process (no search, no subprocess); None where
    there is none to call — then a shutdown instead of a reset."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):
        return None


def connection_socket(environ) -> socket.socket | None:
    """The socket of the request's connection, when the server gives it away."""
    for key in ("werkzeug.socket", "gunicorn.socket"):
        if isinstance(environ.get(key), socket.socket):
            return environ[key]
    channel = getattr(environ.get("waitress.client_disconnected"), "__self__", None)
    sock = getattr(channel, "socket", None)
    return sock if isinstance(sock, socket.socket) else None


def reset(sock: socket.socket) -> None:
    """Abort the connection: an RST where the system can (Linux), else a shutdown."""
    libc = _libc()
    if libc is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        unspec = _SockaddrUnspec(socket.AF_UNSPEC)
        if libc.connect(sock.fileno(), ctypes.byref(unspec), ctypes.sizeof(unspec)) == 0:
            return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Unsendable:
    """A streamed body (an iterator, not a list): granian then hands the head to its HTTP
    layer before any body, and that layer refuses the ``Content-Length`` it carries."""

    def __iter__(self):
        return self

    def __next__(self):
        raise StopIteration

    def close(self) -> None:
        pass


class ConnectionReset(Response):
    """Answer nothing: drop the connection (see the module)."""

    def __init__(self, label: str = "reset"):
        super().__init__(status=500)
        self.headers[FAULT] = label

    def __call__(self, environ, start_response):
        headers = [(k, v) for k, v in self.headers.items() if k.lower() != "content-length"]
        sock = connection_socket(environ)
        if sock is not None:
            reset(sock)
            start_response("500 Connection Reset", headers + [("Content-Length", "0")])
            return []
        start_response("500 Connection Reset", headers + [("Content-Length", "none")])
        return _Unsendable()
