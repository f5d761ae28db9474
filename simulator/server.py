"""The production WSGI server behind ``ozsim serve``.

One process, many threads: every tenant's world lives in this process's memory, so the
server must not fork workers. See README "Choosing the server" for the measurements.
"""
from __future__ import annotations


def run(app, host: str, port: int, threads: int = 8) -> None:
    from waitress import serve
    serve(app, host=host, port=port, threads=threads, ident="ozmap-simulator",
          channel_timeout=240, connection_limit=1000, asyncore_use_poll=True)
