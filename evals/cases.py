"""Gold cases: what a good answer to each question contains, kept as YAML data.

A cases file is YAML with a top-level `cases:` list. Evaluators add their own
files (or point `provisions eval --cases` at one) without touching code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from provision_assistant.ingest.datafile import load_yaml_model
from provision_assistant.ingest.errors import IngestError, ProvisionsError
from provision_assistant.ingest.loaders import load_pages
from provision_assistant.ingest.units import MARKDOWN_LINK

Kind = Literal["recommend", "lookup", "out_of_scope", "safeguarding"]
Status = Literal["answered", "not_covered", "safeguarding"]
PhaseName = Literal["early years", "primary", "secondary", "any"]
TierName = Literal["universal", "targeted", "specialist", "none"]

# A folder of cases may hold graded judgements of what answers showed (evals/qrels.py).
QRELS_FILE = "qrels.yaml"

DEFAULT_STATUS: dict[str, str] = {
    "recommend": "answered",
    "lookup": "answered",
    "out_of_scope": "not_covered",
    "safeguarding": "safeguarding",
}

_MD_STRONG = re.compile(r"\*\*|__")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalise(text: str) -> str:
    """Text as compared with a quote: Markdown links and bold reduced to words; case, spacing ignored."""
    text = unicodedata.normalize("NFKC", text)
    text = _MD_STRONG.sub("", MARKDOWN_LINK.sub(r"\1", text)).translate(_QUOTES)
    return " ".join(text.casefold().split())


class EvalDataError(ProvisionsError):
    """A cases or gates file that cannot be read or does not validate."""


class Quote(BaseModel):
    """One provision, identified by a short exact quote from its document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quote: str = Field(min_length=12, max_length=400)
    document: str = Field(min_length=1, description="file name in the corpus folder")
    tier: TierName = "none"
    note: str = ""

    @property
    def key(self) -> str:
        return normalise(self.quote)


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,80}$")
    kind: Kind
    question: str = Field(min_length=3, max_length=1000)
    phase: PhaseName = "any"
    area: str = ""
    status: Status | None = None
    expected: tuple[Quote, ...] = ()
    avoid: tuple[Quote, ...] = ()
    note: str = ""

    @field_validator("question")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.status is None:
            object.__setattr__(self, "status", DEFAULT_STATUS[self.kind])
        if self.kind in ("recommend", "lookup") and not self.expected:
            raise ValueError(f"a {self.kind} case needs at least one expected provision")
        if self.kind == "out_of_scope" and self.expected:
            raise ValueError("an out_of_scope case expects nothing from the documents")
        return self


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: list[Case]


def load_cases(paths: Iterable[Path]) -> list[Case]:
    """Every case in the given YAML files (or folders of them), ids unique across all."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.name != QRELS_FILE)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise EvalDataError(f"{path}: no such cases file or folder")
    cases: list[Case] = []
    seen: dict[str, Path] = {}
    for file in files:
        parsed = load_yaml_model(file, CaseFile, what="the cases", error=EvalDataError)
        for case in parsed.cases:
            if case.id in seen:
                raise EvalDataError(f"{file}: case id {case.id!r} is already used in {seen[case.id]}")
            seen[case.id] = file
            cases.append(case)
    if not cases:
        raise EvalDataError(f"no cases found in {', '.join(str(p) for p in paths)}")
    return cases


def recorded_sums(checksums: Path) -> dict[str, str]:
    """A `sha256sum` file as name → digest (blank lines and # comments skipped)."""
    recorded = {}
    for line in checksums.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            recorded[name.strip().lstrip("*")] = digest
    return recorded


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_frozen(paths: Iterable[Path]) -> None:
    """Refuse a frozen set (a folder with SHA256SUMS) whose files changed since their hashes were recorded."""
    for path in paths:
        sums = (path if path.is_dir() else path.parent) / "SHA256SUMS"
        if not sums.is_file():
            continue
        for name, digest in recorded_sums(sums).items():
            file = sums.parent / name
            actual = file_sha256(file) if file.is_file() else "missing"
            if actual != digest:
                raise EvalDataError(
                    f"{file}: changed since its SHA-256 was recorded in {sums} (a frozen set is never "
                    "edited: move it to development data and write a fresh one)"
                )


def missing_quotes(cases: Sequence[Case], corpus_dir: Path) -> list[str]:
    """A message for every expected or avoided quote that is not in its document, word for word."""
    texts: dict[str, str | None] = {}
    problems = []
    for case in cases:
        for label, quotes in (("expected", case.expected), ("avoid", case.avoid)):
            for quote in quotes:
                if quote.document not in texts:
                    texts[quote.document] = _document_text(corpus_dir / quote.document)
                text = texts[quote.document]
                if text is None:
                    problems.append(
                        f"{case.id}: {label}: no readable document {quote.document!r} in {corpus_dir}"
                    )
                elif quote.key not in text:
                    problems.append(f"{case.id}: {label}: not found in {quote.document}: {quote.quote!r}")
    return problems


def _document_text(path: Path) -> str | None:
    try:
        pages = load_pages(path, max_bytes=1 << 30)
    except IngestError:
        return None
    return normalise("\n".join(page.text for page in pages))
