"""Ingest: documents → units → a new index generation, switched in when complete."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock
from tqdm import tqdm

from provision_assistant.ingest.errors import IngestError
from provision_assistant.ingest.generations import Generation, open_index
from provision_assistant.ingest.loaders import describe, find_documents, load_pages, read_manifest
from provision_assistant.ingest.model import DocumentInfo, Unit
from provision_assistant.ingest.settings import Settings
from provision_assistant.ingest.store import get_collection
from provision_assistant.ingest.units import (
    embedding_text,
    encode_phases,
    parse_document,
    parser_fingerprint,
    to_units,
)

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)
_PAGE = 500  # rows per Chroma read or write


@dataclass
class IngestReport:
    documents: int = 0
    added: int = 0
    updated: int = 0  # same words, new details (position, metadata)
    removed: int = 0
    kept: int = 0
    unchanged_documents: list[str] = field(default_factory=list)
    removed_documents: list[str] = field(default_factory=list)
    failures: list[IngestError] = field(default_factory=list)
    generation: str | None = None  # None when nothing changed

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class _Parsed:
    info: DocumentInfo
    digest: str
    units: list[Unit]


def unit_metadata(unit: Unit, info: DocumentInfo, digest: str) -> dict[str, str | int]:
    meta: dict[str, str | int] = {
        "document": unit.document,
        "title": unit.title,
        "short_title": info.citation_title,
        "area": unit.area,
        "theme": unit.theme,
        "section": unit.section,
        "tier": unit.tier.value,
        "kind": unit.kind.value,
        "position": unit.position,
        "phase": encode_phases(unit.phase),
        "local_authority": info.local_authority,
        "publisher": info.publisher,
        "doc_kind": info.kind,
        "source": info.path,
        "doc_hash": digest,
    }
    if info.url:
        meta["url"] = info.url
    if unit.page is not None:  # Chroma keeps no None values
        meta["page"] = unit.page
    if info.year is not None:
        meta["year"] = info.year
    return meta


def ingest(
    paths: Iterable[Path],
    settings: Settings,
    embeddings: Callable[[], Embeddings],
    *,
    progress: bool = False,
) -> IngestReport:
    """Bring the index in line with the documents under `paths`.

    `embeddings` is called only if some text needs embedding, so re-running on
    an unchanged corpus never loads the model.
    """
    paths = [Path(p) for p in paths]
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    # One ingest at a time from this machine (on a Chroma server, run ingests from one place).
    with FileLock(str(settings.index_dir / ".ingest.lock")):
        location = open_index(settings)
        report = IngestReport()
        parsed = _parse_all(paths, settings, report, progress)
        current = location.current()
        old = _read_index(current) if current else {}
        scope = [p.resolve() for p in paths]
        failed = {str(Path(f.path).resolve()) for f in report.failures}
        plan = _plan(parsed, old, scope, failed, report)
        if plan is None:
            log.info("index unchanged")
            return report
        keep_ids, new_units = plan
        generation = location.new_generation()
        try:
            _write_generation(
                generation, settings.embed_batch_size, old, keep_ids, new_units, embeddings, progress
            )
        except BaseException:
            location.discard(generation)
            raise
        location.switch_to(generation)
        report.generation = generation.name
        return report


def _parse_all(paths: list[Path], settings: Settings, report: IngestReport, progress: bool) -> list[_Parsed]:
    try:
        files = find_documents(paths)
    except IngestError as exc:
        report.failures.append(exc)
        return []
    manifests: dict[Path, dict] = {}
    parsed = []
    for path in tqdm(files, desc="Reading documents", unit="file", disable=not progress):
        try:
            if path.parent not in manifests:
                manifests[path.parent] = read_manifest(path.parent)
            entry = manifests[path.parent].get(path.name)
            pages = load_pages(path, max_bytes=settings.max_file_bytes, pdf_limits=settings.pdf_limits)
            info = describe(path.resolve(), pages, entry)
            digest = hashlib.sha256(
                f"{parser_fingerprint()}\x1f{sorted((entry or {}).items())}".encode() + path.read_bytes()
            ).hexdigest()[:20]
            units = to_units(info, parse_document(pages))
            if not units:
                raise IngestError(path, "no text could be extracted")
            parsed.append(_Parsed(info, digest, units))
        except IngestError as exc:
            log.warning("%s", exc)
            report.failures.append(exc)
    report.documents = len(parsed)
    return parsed


def _read_index(generation: Generation) -> dict[str, dict]:
    """Every stored unit: id → {metadata, document, embedding}."""
    client = generation.client()
    if generation.collection not in {c.name for c in client.list_collections()}:
        return {}  # never create anything inside the generation being served
    col = get_collection(client, generation.collection)
    rows: dict[str, dict] = {}
    total = col.count()
    for offset in range(0, total, _PAGE):
        got = col.get(limit=_PAGE, offset=offset, include=["metadatas", "documents", "embeddings"])
        for i, uid in enumerate(got["ids"]):
            rows[uid] = {
                "metadata": got["metadatas"][i],
                "document": got["documents"][i],
                "embedding": got["embeddings"][i],
            }
    return rows


def _plan(
    parsed: list[_Parsed], old: dict[str, dict], scope: list[Path], failed: set[str], report: IngestReport
) -> tuple[set[str], list[tuple[Unit, dict]]] | None:
    """Which stored units to keep and which units to add; None if nothing changes."""
    stored_docs: dict[str, tuple[str, str]] = {}  # source → (doc_hash, document id)
    for row in old.values():
        meta = row["metadata"]
        stored_docs[meta["source"]] = (meta["doc_hash"], meta["document"])
    seen_sources = {p.info.path for p in parsed}
    keep_ids = set(old)
    new_units: list[tuple[Unit, dict]] = []
    changed = False
    for doc in parsed:
        if stored_docs.get(doc.info.path, ("", ""))[0] == doc.digest:
            report.unchanged_documents.append(doc.info.id)
            continue
        changed = True
        # Replace exactly this document's units: drop its old ones, add the new.
        keep_ids -= {uid for uid, row in old.items() if row["metadata"]["source"] == doc.info.path}
        new_units.extend((u, unit_metadata(u, doc.info, doc.digest)) for u in doc.units)
    for source, (_, doc_id) in stored_docs.items():
        inside = any(Path(source).is_relative_to(s) for s in scope)
        if inside and source not in seen_sources and source not in failed:
            changed = True
            report.removed_documents.append(doc_id)
            keep_ids -= {uid for uid, row in old.items() if row["metadata"]["source"] == source}
    if not changed:
        return None
    report.kept = len(keep_ids)
    report.removed = len(set(old) - keep_ids - {u.id for u, _ in new_units})
    report.added = len({u.id for u, _ in new_units} - set(old))
    report.updated = len({u.id for u, _ in new_units} & set(old))
    return keep_ids, new_units


def _write_generation(
    generation: Generation,
    batch: int,
    old: dict[str, dict],
    keep_ids: set[str],
    new_units: list[tuple[Unit, dict]],
    embeddings: Callable[[], Embeddings],
    progress: bool,
) -> None:
    col = get_collection(generation.client(), generation.collection, create=True)
    kept = sorted(keep_ids)
    for start in range(0, len(kept), _PAGE):
        ids = kept[start : start + _PAGE]
        col.add(
            ids=ids,
            embeddings=[old[i]["embedding"] for i in ids],
            metadatas=[old[i]["metadata"] for i in ids],
            documents=[old[i]["document"] for i in ids],
        )
    # A unit whose words are unchanged keeps its vector; only new text is embedded.
    reuse = {u.id: old[u.id]["embedding"] for u, _ in new_units if u.id in old}
    to_embed = [(u, m) for u, m in new_units if u.id not in reuse]
    model = embeddings() if to_embed else None
    bar = tqdm(total=len(new_units), desc="Embedding units", unit="unit", disable=not progress)
    pending = [(u, m) for u, m in new_units if u.id in reuse] + to_embed
    for start in range(0, len(pending), batch):
        chunk = pending[start : start + batch]
        fresh = [u for u, _ in chunk if u.id not in reuse]
        vectors = {}
        if fresh:
            embedded = model.embed_documents([embedding_text(u) for u in fresh])
            vectors = dict(zip([u.id for u in fresh], embedded, strict=True))
        col.upsert(
            ids=[u.id for u, _ in chunk],
            embeddings=np.asarray([reuse.get(u.id, vectors.get(u.id)) for u, _ in chunk], dtype=np.float32),
            metadatas=[m for _, m in chunk],
            documents=[u.text for u, _ in chunk],
        )
        bar.update(len(chunk))
    bar.close()
