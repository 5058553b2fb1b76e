"""Every stored unit with its metadata, for browsing and for checking the parser."""

from __future__ import annotations

from collections.abc import Iterable

from provision_assistant.ingest.generations import open_index
from provision_assistant.ingest.settings import Settings
from provision_assistant.ingest.store import get_collection
from provision_assistant.ingest.units import decode_phases
from provision_assistant.retrieval.candidate import Candidate

_FIELDS = ("document", "title", "area", "theme", "section", "tier", "kind", "position", "local_authority")
FILTERS = ("document", "area", "theme", "tier")


def unit_row(uid: str, text: str, meta: dict) -> dict:
    row = {"id": uid, "text": text, **{f: meta.get(f, "") for f in _FIELDS}}
    row["page"] = meta.get("page")
    row["phase"] = decode_phases(meta.get("phase"))
    return row


def catalogue_rows(units: Iterable[Candidate], **filters: str | None) -> list[dict]:
    """Units as catalogue rows in document order, keeping those that match every filter given."""
    wanted = {k: v.casefold() for k, v in filters.items() if v}
    unknown = set(wanted) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown catalogue filter(s): {', '.join(sorted(unknown))}")
    rows = [unit_row(u.id, u.text, u.metadata) for u in units]
    rows = [r for r in rows if all(str(r[k]).casefold() == v for k, v in wanted.items())]
    rows.sort(key=lambda r: (r["document"], r["position"]))
    return rows


def documents(rows: Iterable[dict]) -> list[dict]:
    """One line per document: its title, council and how many provisions and passages it holds."""
    out: dict[str, dict] = {}
    for row in rows:
        doc = out.setdefault(
            row["document"],
            {
                "document": row["document"],
                "title": row["title"],
                "local_authority": row["local_authority"],
                "provisions": 0,
                "passages": 0,
            },
        )
        doc["provisions" if row["kind"] == "provision" else "passages"] += 1
    return sorted(out.values(), key=lambda d: d["document"])


def read_catalogue(settings: Settings) -> list[dict]:
    generation = open_index(settings).require_current()
    collection = get_collection(generation.client(), generation.collection)
    got = collection.get(include=["metadatas", "documents"])
    units = [
        Candidate(uid, text, 0.0, meta)
        for uid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    ]
    return catalogue_rows(units)
