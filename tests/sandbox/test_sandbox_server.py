"""The sandbox's HTTP plumbing, in-process (the other sandbox tests use a process)."""

import socket
import threading
import urllib.error
import urllib.request

from phonepe_sandbox.config import Config
from phonepe_sandbox.server import SandboxServer


def test_responses_leave_without_waiting_for_the_clients_delayed_ack():
    # Headers and body are two writes: with Nagle's algorithm on, the body
    # waited for the ACK of the headers, which a keep-alive client delays by
    # up to 40 ms, so every API call took ~44 ms on loopback.
    server = SandboxServer(Config(port=0, quiet=True, webhook_url=""))
    nodelay = []

    def finish_request(request, client_address):
        SandboxServer.finish_request(server, request, client_address)
        nodelay.append(request.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    server.finish_request = finish_request
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"{server.root_url}/livez", timeout=5) as r:
            r.read()
    except urllib.error.HTTPError as exc:  # any answer will do
        exc.close()
    finally:
        server.shutdown()
        server.server_close()
    assert nodelay and all(nodelay), nodelay
