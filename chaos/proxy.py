"""A TCP proxy between every service and RabbitMQ, in plain OS threads, that the chaos run
uses to break the services' broker connections in the ways a network does.

``reset()`` closes every connection (the services see the broker drop them); ``delay(s)``
adds ``s`` seconds to every chunk either way; ``stall()`` keeps accepting and reading but
forwards nothing until ``flow()``. New connections are accepted throughout.
"""
import socket
import threading
import time

from shared.testing import through_port


class BrokerProxy:
    def __init__(self, target=("127.0.0.1", 5672)):
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._flowing = threading.Event()
        self._flowing.set()
        self.latency = 0.0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def uri(self, amqp_uri: str) -> str:
        """``amqp_uri`` (same credentials and vhost) through this proxy."""
        return through_port(amqp_uri, self.port)

    def reset(self) -> None:
        with self._lock:
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            _shut(sock)

    def delay(self, seconds: float) -> None:
        self.latency = seconds

    def stall(self) -> None:
        self._flowing.clear()

    def flow(self) -> None:
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self.flow()
        self.reset()
        _shut(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _shut(client)  # the broker is down: so it looks to the client too
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                if self.latency:
                    time.sleep(self.latency)
                sink.sendall(data)
        except OSError:
            pass
        _shut(source)
        _shut(sink)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
