"""A small HTTP server on 127.0.0.1 that stands in for a hub's API, with scriptable faults."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    base_url: str

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name) or self.query.get(name + "[]")
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        return self.query.get(name, []) + self.query.get(name + "[]", [])

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        try:
            return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()
        except UnicodeEncodeError:  # a lone surrogate: escaped, as a JavaScript server's JSON.stringify sends it
            return json.dumps(self.body, separators=(",", ":")).encode()


@dataclass
class Fault:
    """One misbehaviour, served `times` times to requests whose path starts with `path`.

    kind: "status" (answer `status` with `headers`/`body`), "truncate" (cut the real body in
    half), "reset" (close the connection without answering), "delay" (sleep `seconds` first),
    "mutate" (pass the real JSON body through `mutate`), "kill" (call `on_hit`, then answer),
    "headers" (the real answer with `headers` added or replaced, e.g. a Link to another host),
    "trickle" (the real headers, then the body one byte every `seconds`, as a stalled network would),
    "rewrite" (pass the real body's bytes through `rewrite`: what no JSON encoder writes, e.g. a key named twice).
    `after` lets that many matching requests through before the fault starts.
    """

    kind: str
    path: str = "/"
    times: int = 1
    after: int = 0
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    seconds: float = 0.0
    mutate: Callable[[Any], Any] | None = None
    rewrite: Callable[[bytes], bytes] | None = None
    on_hit: Callable[[], None] | None = None

    def matches(self, path: str) -> bool:
        return self.times > 0 and path.startswith(self.path)


Route = tuple[str, re.Pattern, Callable[..., Reply]]


class StandIn:
    """Serves `routes` on a free loopback port until stopped; use as a context manager."""

    def __init__(self, routes: list[tuple[str, str, Callable[..., Reply]]], port: int = 0, host: str = LOOPBACK):
        self.routes: list[Route] = [(m, re.compile(p + r"\Z"), h) for m, p, h in routes]
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        self.connections: set = set()  # open client sockets, cut when the stand-in stops (an outage)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "StandIn":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection, as an outage would."""
        self.stopped.set()
        self._server.shutdown()
        self._server.server_close()
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> "StandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def add_fault(self, kind: str, **options) -> Fault:
        fault = Fault(kind, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def requests_to(self, path_prefix: str) -> list[Request]:
        return [r for r in self.log if r.path.startswith(path_prefix)]

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if not fault.matches(path):
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    return None
                fault.times -= 1
                return fault
        return None

    def dispatch(self, request: Request) -> Reply:
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                return handler(request, *match.groups())
        return Reply(404, {"error": f"no route for {request.method} {request.path}"})


def _handler_for(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        disable_nagle_algorithm = True  # small answers go out at once, not after a 40 ms delayed ACK

        def log_message(self, *args) -> None:  # the test output stays readable
            pass

        def setup(self) -> None:
            super().setup()
            stand_in.connections.add(self.connection)

        def finish(self) -> None:
            stand_in.connections.discard(self.connection)
            with contextlib.suppress(OSError):
                super().finish()

        def do_GET(self) -> None:
            self._serve()

        do_PUT = do_POST = do_HEAD = do_GET

        def _serve(self) -> None:
            request = self._parse()
            stand_in.log.append(request)
            fault = stand_in.take_fault(request.path)
            if fault and fault.kind == "reset":
                self.close_connection = True
                self.connection.close()
                return
            if fault and fault.on_hit:  # "kill", or any fault that must also tell the test it was served
                fault.on_hit()
            if fault and fault.kind == "delay":
                time.sleep(fault.seconds)
            if fault and fault.kind == "status":
                body = fault.body if fault.body is not None else {"error": f"simulated HTTP {fault.status}"}
                reply = Reply(fault.status, body, dict(fault.headers))
            else:
                reply = stand_in.dispatch(request)
            body = reply.encoded()
            if fault and fault.kind == "mutate" and fault.mutate:
                body = json.dumps(fault.mutate(json.loads(body))).encode()
            if fault and fault.kind == "rewrite" and fault.rewrite:
                body = fault.rewrite(body)
            if fault and fault.kind == "truncate":
                body = body[: len(body) // 2]
            if fault and fault.kind == "headers":
                reply.headers.update(fault.headers)
            self._send(reply, body, fault.seconds if fault and fault.kind == "trickle" else 0)

        def _parse(self) -> Request:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            host = "http://{}:{}".format(*self.server.server_address[:2])
            return Request(
                self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"", host,
            )

        def _send(self, reply: Reply, body: bytes, trickle: float = 0) -> None:
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD" and trickle:
                    self._trickle(body, trickle)
                elif self.command != "HEAD":
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing left to tell it

        def _trickle(self, body: bytes, seconds: float) -> None:
            for position in range(len(body)):
                self.wfile.write(body[position:position + 1])
                self.wfile.flush()
                if stand_in.stopped.wait(seconds):
                    return

    return Handler
