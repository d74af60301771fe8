"""Serve HTTP/1.1 on loopback and hand each request to a routing function.

The handler speaks keep-alive correctly (a Content-Length on every reply)
and stays quiet: access lines go to a debug logger, never to stderr. The
server tracks open connections so that stopping it closes them too, instead
of leaving idle keep-alive sockets answering after ``stop``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vision_integrations.testing.messages import Reply, Request, vision_error

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
CONTROL_PREFIX = "/_emulator/"

Route = Callable[[Request], Reply]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "VisionEmulator/1"
    # Idle keep-alive connections are dropped after this many seconds.
    timeout = 30
    # Headers and body leave in two writes; without TCP_NODELAY the body
    # would wait for the client's delayed ACK (about 40 ms a request).
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self._connection_used = False

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        body = self._read_body()
        if body is None:
            return
        path, _, query = self.path.partition("?")
        if not path.startswith(CONTROL_PREFIX) and not self._connection_used:
            self._connection_used = True
            self.server.on_connection()
        request = Request(
            method=self.command,
            path=path,
            query=query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        try:
            reply = self.server.route(request)
        except Exception:
            logger.exception("Vision emulator failed on %s %s", self.command, path)
            reply = vision_error(500, "Internal Server Error")
        self._send(reply)

    def _read_body(self) -> bytes | None:
        # A body we cannot delimit would desynchronise the keep-alive stream,
        # so such requests are refused and the connection closed.
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._refuse(411, "Length Required")
            return None
        raw_length = self.headers.get("Content-Length", "0")
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            self._refuse(400, "Invalid Content-Length")
            return None
        if length > MAX_BODY_BYTES:
            self._refuse(413, "Payload Too Large")
            return None
        return self.rfile.read(length) if length else b""

    def _refuse(self, status: int, message: str) -> None:
        self.close_connection = True
        self._send(vision_error(status, message, {"Connection": "close"}))

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds no token (tokens travel in headers only).
        logger.debug("%s %s", self.address_string(), format % args)


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Run one thread per connection and close them all on ``close_all``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        route: Route,
        on_connection: Callable[[], None],
    ) -> None:
        self.route = route
        self.on_connection = on_connection
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        """Shut every open connection so handler threads return promptly."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            # A socket its handler already closed raises; that is fine.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
