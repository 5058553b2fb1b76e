"""Real PDFs made for tests, with fpdf2 (writing) and pypdf (encrypting)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter


def make_pdf(path: Path, pages: list[str]) -> Path:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        for paragraph in text.split("\n\n"):
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(4)
    pdf.output(str(path))
    return path


def encrypt_pdf(source: Path, target: Path, password: str = "secret") -> Path:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(password)
    with target.open("wb") as fh:
        writer.write(fh)
    return target


SCHOOL_POLICY_PAGES = [
    "Lunchtime Support Policy\n\nThis policy describes how the school supports pupils at lunchtime.",
    "Quiet dining\n\nPupils who find the dining hall overwhelming may eat in the library with a "
    "member of staff, and a lunchtime buddy is offered to any pupil who asks.",
    "Review\n\nThe policy is reviewed every year by the governing body.",
]
