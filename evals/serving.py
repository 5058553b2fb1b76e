"""Run the real `provisions serve` in a subprocess, for benchmarks.

Benchmarks that measure the HTTP API should see what staff see: one uvicorn
process started from the command line, loading the model and index itself,
rather than an app object in the benchmark's own process sharing its GIL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

# Nothing the server loads may reach the internet; only 127.0.0.1 is allowed.
OFFLINE = {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def resident_mb(pid: int | str = "self") -> float:
    """A process's resident memory now (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass(frozen=True)
class Served:
    base: str  # the server's base URL
    pid: int


@contextlib.contextmanager
def serving(
    env: dict[str, str] | None = None,
    *,
    timeout: float = 180.0,
    log_path: Path | None = None,
    verbose: bool = False,
) -> Iterator[Served]:
    """Start the server, wait until `/healthz` says ready, yield its address and process, then stop it.

    The server's output goes to `log_path` when given (kept for the caller to read),
    otherwise to a temporary file; `verbose` runs `provisions -v serve`.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    flags = ["-v"] if verbose else []
    command = [
        sys.executable,
        "-m",
        "provision_assistant.ui.cli",
        *flags,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with tempfile.TemporaryDirectory(prefix="provisions-serve-") as tmp:
        log_path = log_path or Path(tmp) / "server.log"
        # A file rather than a pipe: nobody reads a pipe while we wait, so it could fill and block the server.
        with log_path.open("wb") as out:
            full_env = {**os.environ, **OFFLINE, **(env or {})}
            proc = subprocess.Popen(command, env=full_env, stdout=out, stderr=out)
        log.info("started server pid %d on %s, log at %s", proc.pid, base, log_path)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}:\n{_tail(log_path)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{_tail(log_path)}")
                # Not listening yet, or not JSON yet. trust_env=False: no proxy may carry loopback traffic.
                with contextlib.suppress(httpx.TransportError, ValueError):
                    status = httpx.get(f"{base}/healthz", timeout=5, trust_env=False).json().get("status")
                    if status == "ready":
                        break
                    if status == "error":  # loading failed; waiting longer will not help
                        raise RuntimeError(f"server could not load:\n{_tail(log_path)}")
                time.sleep(0.25)
            log.info("server ready at %s", base)
            yield Served(base, proc.pid)
        finally:
            _stop(proc)
            log.debug("server log:\n%s", _tail(log_path))


@contextlib.contextmanager
def running_chroma(path: Path, *, timeout: float = 60.0, log_path: Path | None = None) -> Iterator[str]:
    """A Chroma server (`chroma run`, from the chromadb package) storing in `path` on a free
    loopback port: yields its URL once it answers its heartbeat, then stops it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    chroma = Path(sys.executable).with_name("chroma")
    command = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    log_path = log_path or Path(path).with_name(f"{Path(path).name}-chroma.log")
    with log_path.open("wb") as out:
        proc = subprocess.Popen(command, env={**os.environ, **OFFLINE}, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/api/v2/heartbeat", timeout=2, trust_env=False).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Chroma server did not start:\n{_tail(log_path)}")
            time.sleep(0.2)
        yield base
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Ask a server to stop; kill it if it has not within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        log.warning("pid %d did not stop within 15 s; killing it", proc.pid)
        proc.kill()
        proc.wait()
