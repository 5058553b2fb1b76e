"""Read source files into pages of text. The only module here that opens documents."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml

from provision_assistant.ingest.errors import IngestError
from provision_assistant.ingest.model import DocumentInfo, Page
from provision_assistant.ingest.pdf_text import PdfLimits, read_pdf_pages

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".pdf")
# Files that describe the corpus rather than belong to it.
_NOT_DOCUMENTS = re.compile(r"^(readme|notice|licen[cs]e|manifest)\b", re.IGNORECASE)
MANIFEST = "manifest.yaml"


def find_documents(paths: list[Path]) -> list[Path]:
    """Every supported file under the given files and folders, in a stable order."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.is_file() and _is_document(p))
        elif path.is_file():
            found.add(path)
        else:
            raise IngestError(path, "no such file or folder")
    return sorted(found)


def _is_document(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED and not _NOT_DOCUMENTS.match(path.name)


def load_pages(path: Path, *, max_bytes: int, pdf_limits: PdfLimits | None = None) -> list[Page]:
    """The text of one file: one Page per PDF page, or one unnumbered Page.

    A PDF is read in a child process within `pdf_limits` (time and memory).
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(path, f"unsupported file type {suffix or '(none)'}; use .txt, .md or .pdf")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror})") from exc
    if size == 0:
        raise IngestError(path, "the file is empty")
    if size > max_bytes:
        raise IngestError(path, f"the file is {size:,} bytes, over the limit of {max_bytes:,}")
    pages = _read_pdf(path, pdf_limits or PdfLimits()) if suffix == ".pdf" else [Page(_read_text(path))]
    if not any(p.text.strip() for p in pages):
        raise IngestError(path, "no text could be extracted (empty, or a scanned PDF without a text layer)")
    return pages


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            path, f"is not UTF-8 text (byte {exc.start}); save it as UTF-8 and ingest again"
        ) from exc
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror})") from exc


def _read_pdf(path: Path, limits: PdfLimits) -> list[Page]:
    try:
        texts = read_pdf_pages(path, limits)
    except ValueError as exc:
        raise IngestError(path, str(exc)) from exc
    return [Page(text, number) for number, text in enumerate(texts, 1)]


def read_manifest(folder: Path) -> dict[str, dict]:
    """Entries of `manifest.yaml` in a folder, keyed by file name ({} without one)."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise IngestError(path, f"is not valid YAML ({exc})") from exc
    documents = data.get("documents", {}) if isinstance(data, dict) else None
    if not isinstance(documents, dict):
        raise IngestError(path, "must have a 'documents' mapping of file name to details")
    return documents


def describe(path: Path, pages: list[Page], entry: dict | None) -> DocumentInfo:
    """Document details from its manifest entry, or sensible defaults from the file."""
    entry = entry or {}
    unknown = set(entry) - {"title", "short_title", "publisher", "local_authority", "year", "kind", "url"}
    if unknown:
        raise IngestError(path, f"manifest entry has unknown field(s): {', '.join(sorted(unknown))}")
    url = str(entry.get("url") or "").strip()
    if url and not re.fullmatch(r"https?://\S+", url):
        raise IngestError(path, f"manifest entry's url must be an http(s) address, not {url!r}")
    year = entry.get("year") or _year_from_name(path.stem)
    return DocumentInfo(
        id=_slug(path.stem),
        path=str(path),
        title=str(
            entry.get("title") or _title_from_text(pages) or path.stem.replace("-", " ").replace("_", " ")
        ),
        publisher=str(entry.get("publisher", "Unknown publisher")),
        local_authority=str(entry.get("local_authority", "Unknown")),
        year=int(year) if year else None,
        kind=str(entry.get("kind", "document")),
        short_title=str(entry.get("short_title", "")),
        url=url,
    )


def _slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "document"


def _year_from_name(stem: str) -> int | None:
    m = re.search(r"(?<!\d)(19|20)\d\d(?!\d)", stem)
    return int(m.group()) if m else None


def _title_from_text(pages: list[Page]) -> str | None:
    for line in (pages[0].text if pages else "").splitlines():
        line = line.strip().lstrip("#").strip(" *")
        if len(line) >= 4:
            return line[:150]
    return None
