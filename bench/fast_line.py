"""A fast stand-in for LINE's Messaging API, for the sending benchmark (not for tests).

    python bench/fast_line.py [--latency 0.05] [--port 8089]

A bare asyncio HTTP/1.1 server (keep-alive, no framework: thousands of requests a second for a
few per cent of a core, so the fake does not take the CPU the senders are measured on), run in
a process of its own. Push and multicast answer 200 with ``{"sentMessages": [...]}`` and an
``x-line-request-id`` ``latency`` seconds after the request arrived; a retry key it has
already accepted answers 409 with ``x-line-accepted-request-id``, as LINE does. The quota
endpoint says "no limit". It validates nothing (``bot.line_fake`` does that, slowly): it counts.

``GET /_stats`` answers what arrived: the arrival times (``time.time()``) of every accepted push
and multicast, how many calls repeated an accepted retry key (409s) and how many distinct keys
were accepted. ``POST /_reset`` forgets it all.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import time
import urllib.request
from typing import Any

_SENT = b'{"sentMessages":[{"id":"1","quoteToken":"q"}]}'
_NO_LIMIT = b'{"type":"none"}'
_REASONS = {200: b"OK", 404: b"Not Found", 409: b"Conflict"}


class _State:
    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.keys: dict[bytes, bytes] = {}
        self.repeats = 0
        self.next_id = 0


def _response(status: int, body: bytes, extra: bytes = b"") -> bytes:
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (status, _REASONS[status], len(body), extra)) + body


class _Connection(asyncio.Protocol):
    def __init__(self, state: _State, latency: float):
        self.state, self.latency = state, latency
        self.buffer = b""
        self.transport: Any = None
        self.loop = asyncio.get_running_loop()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            key = b""
            lines = head.split(b"\r\n")
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"x-line-retry-key":
                    key = value.strip()
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            method, path = lines[0].split(b" ")[:2]
            self._answer(method, path, key)

    def _answer(self, method: bytes, path: bytes, key: bytes) -> None:
        state = self.state
        if path in (b"/v2/bot/message/push", b"/v2/bot/message/multicast"):
            arrived = time.time()
            if key and key in state.keys:
                state.repeats += 1
                answer = _response(409, b'{"message":"The retry key is already accepted"}',
                                   b"x-line-accepted-request-id: %s\r\n" % state.keys[key])
            else:
                state.next_id += 1
                request_id = b"req-%012d" % state.next_id
                if key:
                    state.keys[key] = request_id
                state.arrivals.append(arrived)
                answer = _response(200, _SENT, b"x-line-request-id: %s\r\n" % request_id)
            self.loop.call_later(self.latency, self._write, answer)
        elif path == b"/v2/bot/message/quota":
            self._write(_response(200, _NO_LIMIT))
        elif path == b"/_stats":
            self._write(_response(200, json.dumps({
                "arrivals": state.arrivals, "repeats": state.repeats,
                "accepted_keys": len(state.keys)}).encode()))
        elif path == b"/_reset" and method == b"POST":
            state.__init__()  # type: ignore[misc]
            self._write(_response(200, b"{}"))
        else:
            self._write(_response(404, b'{"message":"Not found"}'))

    def _write(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)


def serve(latency: float, sock: socket.socket) -> None:
    async def main() -> None:
        state = _State()
        server = await asyncio.get_running_loop().create_server(
            lambda: _Connection(state, latency), sock=sock, backlog=4096)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class FastLine:
    """The fake in a child process: ``with FastLine(0.05) as fake: fake.base_url ...``."""

    def __init__(self, latency: float = 0.05):
        self.latency = latency
        self._process: multiprocessing.Process | None = None
        self.base_url = ""

    def start(self) -> FastLine:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        context = multiprocessing.get_context("fork")
        self._process = context.Process(target=serve, args=(self.latency, sock), daemon=True)
        self._process.start()
        sock.close()
        for _ in range(200):
            try:
                self.stats()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the fast fake LINE API did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(timeout=5)
            self._process = None

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.base_url + "/_stats", timeout=10) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        request = urllib.request.Request(self.base_url + "/_reset", data=b"", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def __enter__(self) -> FastLine:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most arrivals in any ``window`` seconds (a sliding window, not calendar seconds)."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--port", type=int, default=8089)
    args = parser.parse_args()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"fast fake LINE API on http://127.0.0.1:{sock.getsockname()[1]}, "
          f"latency {args.latency:g} s", flush=True)
    serve(args.latency, sock)


if __name__ == "__main__":
    main()
