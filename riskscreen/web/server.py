"""Run the web app with uvicorn: check the port, warn about non-loopback hosts, open a browser."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import webbrowser

from riskscreen.errors import RiskscreenError
from riskscreen.web.app import DEFAULT_MAX_UPLOAD_BYTES, WebConfig, create_app
from riskscreen.web.guard import loopback_hosts

__all__ = ["is_loopback", "non_loopback_warning", "serve"]

DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.0/8, ::1, 'localhost')."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def non_loopback_warning(host: str) -> str:
    """The warning printed when the server is reachable from other machines."""
    return (f"warning: --host {host} makes this page reachable from other computers on the "
            "network: anyone who can reach it can upload files and read the results. Use it only "
            "on a network you trust, and stop the server when you are done.")


def allowed_hosts(host: str) -> set[str]:
    """Host header values to accept: the bound name, plus this machine's names when bound to
    every interface (0.0.0.0 / ::)."""
    names = loopback_hosts(host)
    if host.strip("[]") in ("0.0.0.0", "::"):
        names |= loopback_hosts("127.0.0.1")
        for name in {socket.gethostname(), socket.getfqdn()}:
            names.add(name.lower())
            try:
                names |= {info[4][0] for info in socket.getaddrinfo(name, None)}
            except OSError:
                pass
    return names


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise RiskscreenError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); another program may be "
                "using the port: choose another with --port") from None


def serve(host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, open_browser: bool = True,
          max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, echo=print) -> None:
    """Serve the web page until Ctrl+C; uploads are deleted when it stops."""
    import uvicorn

    if not is_loopback(host):
        echo(non_loopback_warning(host))
    _check_port(host, port)
    config = WebConfig(host=host, port=port, max_upload_bytes=max_upload_bytes,
                       allowed_hosts=allowed_hosts(host))
    app = create_app(config)
    shown = "127.0.0.1" if host.strip("[]") in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    server = uvicorn.Server(uvicorn.Config(app, host=host.strip("[]"), port=port,
                                           log_level="warning", access_log=False))

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            echo(f"riskscreen is running at {url}  (press Ctrl+C to stop)")
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
