"""uvicorn serving an app on 127.0.0.1 and a free port, in a thread: the API's tests and the
scripted language model both run one."""

from __future__ import annotations

import threading
import time

import uvicorn


class ThreadedServer:
    """`with ThreadedServer(config) as url:` serves `config`'s app until the block ends."""

    def __init__(self, config: uvicorn.Config, path: str = "") -> None:
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.path = path  # appended to the base URL ("/v1")

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}{self.path}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
