"""fastcopy.large_send_buffer on the two transports a warehouse connection uses (no database: the
helper only reads the connection's socket, so a connected socket pair of each family stands in)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from oversight import fastcopy


@contextmanager
def connected(family: socket.AddressFamily) -> Iterator[socket.socket]:
    if family == socket.AF_UNIX:
        client, server = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        with socket.create_server(("127.0.0.1", 0)) as listener:
            client = socket.create_connection(listener.getsockname())
            server, _ = listener.accept()
    with client, server:
        yield client


def sndbuf(sock: socket.socket) -> int:
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)


def test_a_unix_socket_gets_the_large_buffer_during_the_copy_and_its_own_after() -> None:
    with connected(socket.AF_UNIX) as sock:
        before = sndbuf(sock)
        assert before < fastcopy.SEND_BUFFER
        with fastcopy.large_send_buffer(SimpleNamespace(pgconn=SimpleNamespace(socket=sock.fileno()))):
            assert sndbuf(sock) >= min(fastcopy.SEND_BUFFER, _wmem_max())  # Linux reports double
        assert sndbuf(sock) == before


def test_a_tcp_socket_is_left_to_the_kernels_autotuning() -> None:
    with connected(socket.AF_INET) as sock:
        before = sndbuf(sock)
        with fastcopy.large_send_buffer(SimpleNamespace(pgconn=SimpleNamespace(socket=sock.fileno()))):
            assert sndbuf(sock) == before
        assert sndbuf(sock) == before


def _wmem_max() -> int:
    try:
        with open("/proc/sys/net/core/wmem_max") as handle:
            return int(handle.read())
    except OSError:
        return fastcopy.SEND_BUFFER
