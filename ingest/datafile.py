"""YAML data files read into validated models, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from provision_assistant.ingest.errors import ProvisionsError

Model = TypeVar("Model", bound=BaseModel)


def load_yaml_model(
    path: Path,
    model: type[Model],
    *,
    what: str,
    error: type[ProvisionsError] = ProvisionsError,
    empty: object = None,
) -> Model:
    """`path` read as `model`; an empty file reads as `empty` when one is given."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from exc
    try:
        return model.model_validate(empty if raw is None and empty is not None else raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        place = f"{where}: " if where else ""
        raise error(f"{path}: {place}{first['msg']} ({exc.error_count()} error(s) in {what})") from exc
