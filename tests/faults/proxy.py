"""A small TCP fault proxy the tests control: pass, cut, refuse, hang or slow a connection.

Tests point the app at `proxy.port` instead of the real server (PostgreSQL, Redis, the SMTP
sink, the Stripe emulator) and inject faults without touching the shared servers:

- `cut()`: resets every open connection and every new one (the server went away);
- `refuse()`: the same for new connections only, leaving open ones alone;
- `hang()`: accepts connections and never answers; open connections stop forwarding;
- `slow(seconds)`: forwards every chunk after a delay;
- `restore()`: forwards normally again.
"""

import contextlib
import socket
import struct
import threading
import time


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a crashed server or a cut cable looks to the client.

    close() alone is not enough: a pump thread blocked in recv() on this socket keeps the
    connection alive in the kernel until that call returns, so the peer waiting for a reply
    would wait for ever on a half-open connection (a task worker hung that way after a cut).
    shutdown(SHUT_RD) wakes the reader first; the close then sends the reset.
    """
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        sock.close()


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, *, name: str = ""):
        self.target = (target_host, target_port)
        self.name = name or f"{target_host}:{target_port}"
        self.mode = "pass"
        self.delay = 0.0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True, name=f"proxy-{name}").start()

    # --- Controls ----------------------------------------------------------------------------

    def _set(self, mode: str, delay: float = 0.0, *, drop_open: bool = False) -> None:
        with self._lock:
            self.mode, self.delay = mode, delay
            doomed = list(self._sockets) if drop_open else []
            if drop_open:
                self._sockets.clear()
        for sock in doomed:
            _reset(sock)
        print(f"[fault] {self.name}: {mode}{f' {delay:g}s' if delay else ''}")  # noqa: T201

    def cut(self) -> None:
        self._set("cut", drop_open=True)

    def refuse(self) -> None:
        self._set("cut")

    def hang(self) -> None:
        self._set("hang")

    def slow(self, seconds: float) -> None:
        self._set("slow", seconds)

    def restore(self) -> None:
        # Connections that hung are dropped: their half-forwarded bytes cannot be resumed.
        self._set("pass", drop_open=self.mode == "hang")

    def close(self) -> None:
        self._closed = True
        self._set("cut", drop_open=True)
        with contextlib.suppress(OSError):
            self._listener.close()

    # --- Forwarding --------------------------------------------------------------------------

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._sockets.update(socks)

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            mode = self.mode
            if mode == "cut":
                _reset(client)
                continue
            if mode == "hang":
                self._track(client)
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            self._track(client, upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _swallow(self, client: socket.socket) -> None:
        """A hung server: reads whatever comes and never says a word."""
        with contextlib.suppress(OSError):
            while client.recv(65536):
                pass

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.mode == "hang" and not self._closed:
                    time.sleep(0.05)  # Hold the bytes: the other side waits for an answer.
                if self.mode == "slow":
                    time.sleep(self.delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
