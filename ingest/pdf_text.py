"""The text of a PDF, read in a child process with a time limit and a memory cap.

A PDF is untrusted input: a damaged or hostile file can make pypdf loop for
hours or inflate a stream until the machine runs out of memory. Read in a child
process, the worst it can do is be stopped, and the ingest goes on with the
next file. The parent and child speak JSON over the child's standard output:

    python -m provision_assistant.ingest.pdf_text FILE
    →   {"pages": ["text of page 1", ...]} or {"error": "why"}
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PdfLimits:
    seconds: float = 120.0
    memory_bytes: int = 1 << 30

    def __post_init__(self) -> None:
        if self.seconds <= 0 or self.memory_bytes < (64 << 20):
            raise ValueError("a PDF needs more than 0 seconds and at least 64 MiB to be read")


def read_pdf_pages(path: Path, limits: PdfLimits) -> list[str]:
    """Each page's text, or ValueError with a reason a person can act on."""

    def cap_memory() -> None:  # runs in the child, before Python starts
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))

    try:
        done = subprocess.run(
            [sys.executable, "-m", "provision_assistant.ingest.pdf_text", str(path)],
            capture_output=True,
            timeout=limits.seconds,
            preexec_fn=cap_memory,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # run() has already killed the child
        raise ValueError(
            f"reading it took longer than {limits.seconds:g} seconds, so it was stopped; "
            "the PDF may be damaged (PROVISIONS_PDF_TIMEOUT_SECONDS raises the limit)"
        ) from exc
    try:
        reply = json.loads(done.stdout)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        # No reply at all: killed by a signal, or out of memory before it could answer.
        log.warning("PDF reader for %s ended with %s: %s", path, done.returncode, done.stderr[-500:])
        raise ValueError(_over_memory(limits))
    if reply.get("out_of_memory"):
        raise ValueError(_over_memory(limits))
    if "error" in reply:
        raise ValueError(str(reply["error"]))
    return [str(text) for text in reply["pages"]]


def _over_memory(limits: PdfLimits) -> str:
    return (
        f"reading it needed more than {limits.memory_bytes >> 20} MiB of memory, so it was stopped; "
        "the PDF may be damaged or hostile (PROVISIONS_PDF_MEMORY_MB raises the limit)"
    )


def _extract(path: str) -> dict:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            return {"error": "the PDF is encrypted; save an unprotected copy and ingest that"}
        return {"pages": [page.extract_text() or "" for page in reader.pages]}
    except LimitReachedError as exc:
        return {"error": f"a part of it inflates past the reader's safety limit, so it was refused ({exc})"}
    except MemoryError:
        return {"out_of_memory": True}
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError) as exc:
        # pypdf reports damaged files with all of these; the file, not this code, is at fault.
        return {"error": f"is not a readable PDF ({type(exc).__name__}: {exc})"}


def main(argv: list[str] | None = None) -> int:
    (path,) = argv if argv is not None else sys.argv[1:]
    logging.disable(logging.WARNING)  # pypdf's warnings about damaged files would swamp stderr
    sys.stdout.write(json.dumps(_extract(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
