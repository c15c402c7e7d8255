"""The listening socket of ``sandbox up``, bound before anything else is done (issue 10, "The first run").

Binding first means a port already in use is reported in one line before the data directory or any
database is created; the bound socket is then handed to uvicorn, so nothing can take the port in between.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

ANY_HOST = ("0.0.0.0", "::", "")


class ListenError(OSError):
    """The socket cannot be bound; the message names the option to change, in one line."""


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening), or :class:`ListenError`."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ListenError(f"Cannot listen on host {host!r} ({exc}): pass --host an address of this machine, "
                          "e.g. --host 127.0.0.1.") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a restart may reuse the port at once
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if host in ANY_HOST else 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ListenError(refusal(host, port, exc)) from None
    sock.set_inheritable(True)
    return sock


def refusal(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return f"Port {port} is already in use on {host}: stop what listens there, or choose another port with --port."
    if exc.errno == errno.EACCES:
        return f"Not allowed to listen on {where} (ports below 1024 need privileges): choose another with --port."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"Cannot listen on {where}: {host} is not an address of this machine; pass --host, e.g. 127.0.0.1."
    return f"Cannot listen on {where} ({exc.strerror or exc}): choose another --port or --host."


def default_public_url(host: str, port: int) -> str:
    """``http://HOST:PORT``; an any-address host gives the loopback one (a client cannot reach 0.0.0.0)."""
    if host in ANY_HOST:
        host = "127.0.0.1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a host name
    return f"http://{host}:{port}"


def address_of(sock: socket.socket) -> str:
    """``host:port`` (``[host]:port`` for IPv6) the socket is bound to."""
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
