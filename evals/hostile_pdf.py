"""A hostile PDF made byte by byte, for the bad-file tests and the ingest-while-serving benchmark."""

from __future__ import annotations

from pathlib import Path


def bomb_pdf(path: Path, inflated_bytes: int = 200_000_000) -> Path:
    """A small PDF whose one page's text stream inflates to `inflated_bytes`: a decompression bomb.

    Written byte by byte, because no PDF library will willingly make one.
    """
    import zlib

    packer = zlib.compressobj(9)
    block = b" " * 1_000_000
    parts = [packer.compress(b"BT /F1 12 Tf 72 720 Td (Lunchtime policy) Tj ET\n")]
    parts += [packer.compress(block) for _ in range(inflated_bytes // len(block))]
    stream = b"".join(parts) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path
