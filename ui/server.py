"""How uvicorn serves the app: one place, so that `provisions serve` and the tests serve alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provision_assistant.ingest.settings import Settings

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI


def server_config(app: FastAPI, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """uvicorn's configuration for these settings (`overrides`: e.g. port=0 in tests).

    X-Forwarded-For is believed only from PROVISIONS_TRUSTED_PROXIES. uvicorn's own default
    trusts 127.0.0.1, so behind nothing at all a client on the same machine could name any
    address it liked and escape the per-address rate limit.
    """
    import uvicorn

    trusted = settings.trusted_proxies
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "root_path": settings.base_path,  # behind a reverse proxy that keeps the prefix
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
        "log_level": "info",
    }
    return uvicorn.Config(app, **{**options, **overrides})
