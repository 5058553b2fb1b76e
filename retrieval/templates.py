"""Answer templates: validated data loaded from `prompts/answer.yaml`."""

from __future__ import annotations

import string
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from provision_assistant.ingest.datafile import load_yaml_model

_ALLOWED = {
    "heading": {"question"},
    "follow_up": {"question"},
    "tier_guide": set(),
    "suggestion": {"text", "citation", "n"},
    "dead_links": set(),
    "cut_list": set(),
    "left_out": {"n"},
    "summary_block": {"text"},
    "model_fell_back": {"reason"},
    "citation": {"title", "council", "section", "page"},
    "council": {"council"},
    "page": {"page"},
    "area_checklist": {"area", "title"},
    "audit_offer": {"area", "title"},
    "not_covered": set(),
    "footer": set(),
}
_TIERS = {"universal", "targeted", "specialist", "none"}


class AnswerTemplates(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    heading: str
    follow_up: str
    tier_guide: str
    tier_headings: dict[str, str]
    suggestion: str
    dead_links: str
    cut_list: str
    left_out: str
    summary_block: str
    model_fell_back: str
    citation: str
    council: str
    page: str
    area_checklist: str
    audit_offer: str
    not_covered: str
    footer: str

    @model_validator(mode="after")
    def _placeholders(self) -> AnswerTemplates:
        check_placeholders(self, _ALLOWED)
        check_keys(self.tier_headings, _TIERS, "tier_headings")
        return self


def check_placeholders(templates: BaseModel, allowed: dict[str, set[str]]) -> None:
    """Fails when a template uses a placeholder its renderer does not fill."""
    for name, names in allowed.items():
        used = {
            field
            for _, field, _, _ in string.Formatter().parse(getattr(templates, name))
            if field is not None
        }
        if used - names:
            raise ValueError(f"template '{name}' uses unknown placeholder(s) {sorted(used - names)}")


def check_keys(mapping: dict, wanted: Iterable[str], name: str) -> None:
    """Fails when a table of templates lacks an entry its renderer looks up."""
    if missing := set(wanted) - set(mapping):
        raise ValueError(f"{name} is missing {sorted(missing)}")


def load_templates(prompts_dir: Path) -> AnswerTemplates:
    return load_yaml_model(Path(prompts_dir) / "answer.yaml", AnswerTemplates, what="the answer templates")
