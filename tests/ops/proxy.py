"""A TCP proxy in front of PostgreSQL that can lose one answer: armed with a marker, it forwards the client's
message holding the marker to the server and then, instead of passing the server's answer back, closes both
connections. The server has done the work (an autocommit append has committed) but the client never hears
of it: an in-doubt commit, made on demand, on a real server."""

from __future__ import annotations

import contextlib
import socket
import threading


class AnswerLosingProxy:
    def __init__(self, upstream: tuple[str, int], port: int) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", port))
        self.port = port
        self.armed: bytes | None = None
        self.unless: bytes | None = None
        self.cuts = 0
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def lose_next_answer_to(self, marker: bytes, *, unless: bytes | None = None) -> None:
        self.armed, self.unless = marker, unless

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):
            self.listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            host, port = self.upstream
            if host.startswith("/"):  # a server on a Unix socket (the embedded one)
                server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                server.connect(f"{host}/.s.PGSQL.{port}")
            else:
                server = socket.create_connection(self.upstream)
            state = {"cut": False}
            threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, state: dict[str, bool]) -> None:
        with contextlib.suppress(OSError):
            while chunk := client.recv(65536):
                marker = self.armed
                if marker is not None and marker in chunk and not (self.unless and self.unless in chunk):
                    self.armed = None
                    state["cut"] = True
                server.sendall(chunk)
        _close(client, server)

    def _down(self, server: socket.socket, client: socket.socket, state: dict[str, bool]) -> None:
        with contextlib.suppress(OSError):
            while chunk := server.recv(65536):
                if state["cut"]:  # the answer to the marked message: dropped, and the connection with it
                    self.cuts += 1
                    break
                client.sendall(chunk)
        _close(client, server)


def _close(*sockets: socket.socket) -> None:
    for s in sockets:
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            s.close()
