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


class FreezableProxy:
    """A TCP proxy to a real server that can be frozen: from then on it forwards nothing, keeps every
    connection open and answers no new one. A database that was fine and then hung."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port, self.target = port, target
        self.frozen = threading.Event()
        self.stop = threading.Event()
        self.sockets: list[socket.socket] = []

    def freeze(self) -> None:
        self.frozen.set()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(0.1)
        while not self.stop.is_set():
            if self.frozen.is_set():
                self.stop.wait(0.1)
                continue
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            try:
                sink.sendall(data)
            except OSError:
                return

    def serve(self, listener: socket.socket) -> None:
        while not self.stop.is_set():
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            self.sockets.append(client)
            if self.frozen.is_set():
                continue  # accepted, never answered
            upstream = socket.create_connection(self.target)
            self.sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()


@contextlib.contextmanager
def freezable_proxy(port: int, target: tuple[str, int]) -> Iterator[FreezableProxy]:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    listener.settimeout(0.2)
    proxy = FreezableProxy(port, target)
    thread = threading.Thread(target=proxy.serve, args=(listener,), daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.stop.set()
        thread.join(timeout=2)
        for conn in proxy.sockets:
            conn.close()
        listener.close()
