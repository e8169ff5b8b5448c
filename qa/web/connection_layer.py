"""The outermost ASGI layer of a `qa serve` worker: a cap on open connections (503), a timeout for request bodies
(408), and an even share of clients between the workers.

    app = ConnectionLayer(create_app(), Connections(loads, slot), max_connections=1000, body_timeout_s=10)

**The even share.** All workers accept from one listening socket. Linux gives a burst of new connections to the
worker whose event loop wakes first, and it takes every connection waiting (32 clients connecting at once went
32 / 0 in 24 tries of 30); a socket per worker (`SO_REUSEPORT`) spreads them by a hash of the addresses, 16 / 16
to 23 / 9. Each keep-alive client's questions stay with its worker, so the worker with more has the longer
queue. So a worker holding two or more connections more than the least loaded one asks one client at a time to
reconnect (`Connection: close` on an answer, which every HTTP/1.1 client honours), and the client's next
connection goes to a worker that is waiting for work: 32 clients end up 16 / 16 within a fraction of a second
of questions, and a worker that replaced a dead one gets its share the same way.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from qa.web.connections import PUBLISH_S, Connections

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

RECOUNT_S = 2.5 * PUBLISH_S
RECOUNTS = 4
"""A request over the cap is counted again `RECOUNTS` times, `RECOUNT_S` apart, before it is refused: on a busy
machine the worker that held a client's previous connection may take a while to close it and publish its count."""
_BODY_HEADERS = (b"content-length", b"transfer-encoding")


class ConnectionLayer:
    """The outermost ASGI layer of a worker: the connection cap (503), the body timeout (408), the even share
    of clients between workers, and the bookkeeping the guard needs (which connections the app is answering)."""

    def __init__(self, app: ASGIApp, connections: Connections, max_connections: int, body_timeout_s: float) -> None:
        self.app, self.connections = app, connections
        self.max_connections, self.body_timeout_s = max_connections, body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._lifespan_receive(receive), self._lifespan_send(send))
            return
        client = scope.get("client")
        if scope["type"] != "http" or not client:
            await self.app(scope, receive, send)
            return
        peer = (str(client[0]), int(client[1]))
        connections = self.connections
        connections.arrived(peer)
        try:
            if connections.total() > self.max_connections and await self._still_over():
                await _answer(send, 503, f"the server holds its limit of {self.max_connections} open connections; "
                                         "try again in a moment", (b"retry-after", b"1"))
                return
            reply = _Reply(send, connections)
            if any(name in _BODY_HEADERS for name, _ in scope["headers"]):
                receive = self._body_in_time(receive, reply)
            await self.app(scope, receive, reply.send)
        finally:
            connections.finished(peer)

    async def _still_over(self) -> bool:
        """Whether the server is still over its cap a moment later: a connection another worker closed (or asked
        to reconnect, the client being this one) shows in its published count only at its next publication."""
        for _ in range(RECOUNTS):
            await asyncio.sleep(RECOUNT_S)
            if self.connections.total() <= self.max_connections:
                return False
        return True

    def _body_in_time(self, receive: Receive, reply: _Reply) -> Receive:
        """`receive`, answering 408 (and telling the app the client left) when the body is not complete within
        the body timeout of the request's head."""
        deadline = asyncio.get_running_loop().time() + self.body_timeout_s
        complete = expired = False

        async def receive_in_time() -> Message:
            nonlocal complete, expired
            if complete:
                return await receive()
            if expired:
                return {"type": "http.disconnect"}
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                expired = True
                await reply.refuse(408, f"the request body did not arrive within {self.body_timeout_s:g} s")
                return {"type": "http.disconnect"}
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        return receive_in_time

    def _lifespan_receive(self, receive: Receive) -> Receive:
        async def on_receive() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                self.connections.stop_serving()
            return message

        return on_receive

    def _lifespan_send(self, send: Send) -> Send:
        async def on_send(message: Message) -> None:
            await send(message)
            if message["type"] == "lifespan.startup.complete":
                self.connections.start_serving()

        return on_send


class _Reply:
    """The app's `send` for one request: adds `Connection: close` when the worker sheds the connection, and
    drops what the app sends after this layer answered for it (408)."""

    __slots__ = ("_send", "connections", "started", "answered")

    def __init__(self, send: Send, connections: Connections) -> None:
        self._send, self.connections = send, connections
        self.started = self.answered = False

    async def send(self, message: Message) -> None:
        if self.answered:
            return
        if message["type"] == "http.response.start":
            self.started = True
            if self.connections.should_shed():
                message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
        await self._send(message)

    async def refuse(self, status: int, detail: str) -> None:
        """Answer `status` now, unless the app has started its response; the connection is then closed."""
        if self.started:
            return
        self.started = self.answered = True
        await _answer(self._send, status, detail)


async def _answer(send: Send, status: int, detail: str, *headers: tuple[bytes, bytes]) -> None:
    """A JSON error answer `{"detail": ...}` after which the server closes the connection."""
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": body})
