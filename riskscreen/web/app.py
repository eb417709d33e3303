"""`create_app()`: the Starlette application behind `riskscreen serve`.

Pages call the library only: `read_suppliers` + `detect_columns` for the column page,
`run_screen` in a worker thread for screening, `write_outputs` for downloads,
`lookup.explain` for explanations. The web layer adds sessions, uploads and HTML.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from riskscreen.background import Background, warm_model
from riskscreen.web import views
from riskscreen.web.guard import Guard, loopback_hosts
from riskscreen.web.store import UploadStore

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "WebConfig", "create_app"]

HERE = Path(__file__).parent
DEFAULT_MAX_UPLOAD_BYTES = 50_000_000


def _load_resources() -> tuple[Any, Any, Any]:
    """Reference tables, warm model and watchlists: loaded once, shared by every screening.
    A one-row screening then builds the matchers' indexes, so the first upload is warm too."""
    import polars as pl

    # lazy: the library (polars, openpyxl …) loads in the background after the first page is
    # sent, so `riskscreen serve` answers quickly (bench/web_serve.py)
    from riskscreen.pipeline import run_screen
    from riskscreen.reference import load_reference
    from riskscreen.watchlists import load_watchlists

    reference, model, watchlists = load_reference(), warm_model(), load_watchlists()
    probe = pl.DataFrame({"Supplier": ["Acme Textiles Ltd"], "Country": ["China"],
                          "Product": ["cotton"]})
    run_screen(probe, reference=reference, model=model, watchlists=watchlists)
    return reference, model, watchlists


@dataclass
class WebConfig:
    """What the app needs to know about where it runs and how much it accepts."""

    host: str = "127.0.0.1"
    port: int = 8765
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_age_s: float = 3600.0
    workers: int = 2
    max_table_rows: int = 2000  # flagged / review rows shown on the page; the downloads hold all
    allowed_hosts: set[str] = field(default_factory=set)


class WebState:
    """Shared state of one running app: config, uploads, workers, secret, loaded resources."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.secret = secrets.token_bytes(32)
        self.store: UploadStore
        self.pool: ThreadPoolExecutor
        self._closed = True
        self.open()
        self._resources: Background | None = None
        self._lock = threading.Lock()
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True, lstrip_blocks=True,
        )

    def start_loading(self) -> None:
        """Begin loading reference, model and watchlists in the background (idempotent)."""
        with self._lock:
            if self._resources is None:
                self._resources = Background(_load_resources)

    def resources(self) -> tuple[Any, Any, Any]:
        """(reference, model, watchlists), waiting for the background load if needed."""
        self.start_loading()
        assert self._resources is not None
        return self._resources.result()

    def open(self) -> None:
        """Create the upload store and worker pool (again, after `close`)."""
        if self._closed:
            self.store = UploadStore(self.config.max_upload_bytes, self.config.max_age_s)
            self.pool = ThreadPoolExecutor(max_workers=self.config.workers,
                                           thread_name_prefix="riskscreen-screen")
            self._closed = False

    def close(self) -> None:
        """Stop the workers and delete every upload (server shutdown)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.store.close()
        self._closed = True


def create_app(config: WebConfig | None = None, *, preload: bool = False) -> Starlette:
    """The ASGI app. `config.allowed_hosts` defaults to the bound host (plus 'localhost' and
    '127.0.0.1' for loopback); requests with any other Host header are refused. Reference,
    model and watchlists load in the background once the first page is sent (at startup with
    `preload`)."""

    config = config or WebConfig()
    if not config.allowed_hosts:
        config.allowed_hosts = loopback_hosts(config.host)
    state = WebState(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.open()
        if preload:
            state.start_loading()
        sweeper = threading.Event()

        def sweep() -> None:
            while not sweeper.wait(60):
                state.store.sweep()

        threading.Thread(target=sweep, daemon=True, name="riskscreen-sweep").start()
        try:
            yield
        finally:
            sweeper.set()
            state.close()

    routes = [
        Route("/", views.upload_page, methods=["GET"]),
        Route("/upload", views.upload, methods=["POST"]),
        Route("/u/{uid}/columns", views.columns_page, methods=["GET"]),
        Route("/u/{uid}/sheet", views.change_sheet, methods=["POST"]),
        Route("/u/{uid}/screen", views.start_screen, methods=["POST"]),
        Route("/u/{uid}/progress", views.progress_page, methods=["GET"]),
        Route("/u/{uid}/status", views.status, methods=["GET"]),
        Route("/u/{uid}/results", views.results_page, methods=["GET"]),
        Route("/u/{uid}/row/{row_id:int}", views.row_page, methods=["GET"]),
        Route("/u/{uid}/download/{kind}", views.download, methods=["GET"]),
        Route("/u/{uid}/delete", views.delete, methods=["POST"]),
        Route("/explain", views.explain_page, methods=["GET"]),
        Route("/about", views.about_page, methods=["GET"]),
        Route("/tiers.css", views.tiers_css, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={Exception: views.server_error, 404: views.not_found,
                                        405: views.not_found})
    app.state.web = state
    app.add_middleware(Guard, allowed_hosts=config.allowed_hosts)
    return app
