"""A TCP server on 127.0.0.1 that accepts connections and never answers: a hung Redis or PostgreSQL.

A refused connection fails at once; a hung one only fails when a timeout says so. This is the
dependency issue 19 (item 6) tested with.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def hung_tcp_server(port: int) -> Iterator[str]:
    """Listen on 127.0.0.1:`port`, accept everything, read and drop, never write. Yields "host:port"."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            conn.setblocking(False)
            held.append(conn)  # kept open, never answered
            for other in held:
                with contextlib.suppress(OSError):
                    other.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        listener.close()
