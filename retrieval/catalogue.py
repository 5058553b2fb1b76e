"""Every stored unit with its metadata, for browsing and for checking the parser."""

from __future__ import annotations

from ingest.settings import Settings
from ingest.store import IndexLocation, get_collection, persistent_client
from ingest.units import decode_phases

_FIELDS = ("document", "title", "area", "theme", "section", "tier", "kind", "position", "local_authority")


def read_catalogue(settings: Settings) -> list[dict]:
    generation = IndexLocation(settings.index_dir).require_current()
    collection = get_collection(persistent_client(generation), settings.collection)
    got = collection.get(include=["metadatas", "documents"])
    units = []
    for uid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        unit = {"id": uid, "text": text, **{f: meta.get(f, "") for f in _FIELDS}}
        unit["page"] = meta.get("page")
        unit["phase"] = decode_phases(meta.get("phase"))
        units.append(unit)
    units.sort(key=lambda u: (u["document"], u["position"]))
    return units
