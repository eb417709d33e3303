"""`riskscreen serve`: a local web page over the library, for people who never open a terminal.

Needs the `web` extra (`pip install 'riskscreen[web]'`: Starlette, Jinja2, uvicorn,
python-multipart). `create_app()` builds the ASGI app; `serve()` runs it with uvicorn.
"""

from __future__ import annotations

from riskscreen.lazy import lazy_getattr

__all__ = ["WebConfig", "create_app", "serve"]

_LAZY = {
    "WebConfig": ("riskscreen.web.app", "WebConfig"),
    "create_app": ("riskscreen.web.app", "create_app"),
    "serve": ("riskscreen.web.server", "serve"),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
