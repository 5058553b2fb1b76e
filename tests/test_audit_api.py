"""The whole-school audit's HTTP API on a real uvicorn server on a loopback port, read with httpx."""

from __future__ import annotations

import httpx
import pytest

from tests.test_api import serve

pytestmark = pytest.mark.integration


def test_the_audit_api_on_loopback_start_answer_summarise_and_refuse_bad_input(corpus_index, service):
    with serve(corpus_index, service) as base:
        documents = httpx.get(f"{base}/api/documents", timeout=30).json()
        framework = next(
            d["document"] for d in documents if d["document"].startswith("northumberland-belonging")
        )
        made = httpx.post(
            f"{base}/api/audits",
            json={"name": "Autumn 2026", "document": framework, "phase": "primary"},
            timeout=30,
        )
        assert made.status_code == 201
        audit = made.json()
        url, code = f"{base}/api/audits/{audit['id']}", {"X-Audit-Code": audit["code"]}
        items = httpx.get(url, headers=code, timeout=30).json()["items"]
        assert len(items) == audit["provisions"] > 100
        universal = next(i for i in items if i["tier"] == "universal")
        targeted = next(i for i in items if i["tier"] == "targeted")
        put = httpx.put(
            f"{url}/answers/{targeted['id']}", json={"status": "not_yet"}, headers=code, timeout=30
        )
        assert put.status_code == 200
        note = {"status": "partly", "note": "Jamie Smith's class uses it at lunch"}
        saved = httpx.put(f"{url}/answers/{universal['id']}", json=note, headers=code, timeout=30).json()
        assert "Jamie" not in saved["note"] and "[name]" in saved["note"]
        summary = httpx.get(f"{url}/summary", headers=code, timeout=30).json()
        assert [g["id"] for g in summary["gaps"]] == [universal["id"], targeted["id"]]  # Universal first
        assert (
            summary["by_tier"]["universal"]["answered"] == 1
            and summary["by_tier"]["universal"]["score"] == 0.5
        )
        # Bad input: a clear 4xx naming what was wrong.
        assert (
            httpx.put(f"{url}/answers/nope", json={"status": "not_yet"}, headers=code, timeout=30).status_code
            == 404
        )
        wrong = httpx.put(
            f"{url}/answers/{targeted['id']}", json={"status": "done"}, headers=code, timeout=30
        )
        assert wrong.status_code == 422 and "status" in wrong.text
        assert httpx.get(url, headers={"X-Audit-Code": "guess"}, timeout=30).status_code == 404
        other = httpx.post(f"{base}/api/audits", json={"name": "x", "document": framework}, timeout=30).json()
        assert httpx.get(f"{base}/api/audits/{other['id']}", headers=code, timeout=30).status_code == 404
        unknown = httpx.post(f"{base}/api/audits", json={"name": "x", "document": "nope"}, timeout=30)
        assert unknown.status_code == 422 and "no framework provisions" in unknown.text


def test_the_plan_exports_and_compares_over_http_and_colleagues_saving_at_once_lose_nothing(
    corpus_index, service, tmp_path
):
    import io
    import threading

    from pypdf import PdfReader

    from provision_assistant.ingest.units import plain_text
    from provision_assistant.ui.cli import main

    with serve(corpus_index, service) as base:
        framework = next(
            d["document"]
            for d in httpx.get(f"{base}/api/documents", timeout=30).json()
            if d["document"].startswith("northumberland-belonging")
        )

        def start(name):
            made = httpx.post(
                f"{base}/api/audits", json={"name": name, "document": framework, "phase": "secondary"}
            ).json()
            return f"{base}/api/audits/{made['id']}", made["id"], made["code"]

        spring, spring_id, spring_code = start("Spring 2026")
        autumn, autumn_id, autumn_code = start("Autumn 2026")
        items = httpx.get(spring, headers={"X-Audit-Code": spring_code}, timeout=30).json()["items"]
        attendance = [i for i in items if i["area"] == "Attendance Matters"][:6]
        transition = [i for i in items if i["area"] == "Transition"][:6]

        def save(url, code, chosen, status, **extra):
            for item in chosen:
                put = httpx.put(
                    f"{url}/answers/{item['id']}",
                    json={"status": status, **extra},
                    headers={"X-Audit-Code": code},
                    timeout=30,
                )
                assert put.status_code == 200, put.text

        save(spring, spring_code, attendance + transition, "not_yet")
        # Two colleagues on the autumn audit at once, an area each.
        colleagues = [
            threading.Thread(target=save, args=(autumn, autumn_code, attendance, "in_place")),
            threading.Thread(target=save, args=(autumn, autumn_code, transition, "partly")),
        ]
        for c in colleagues:
            c.start()
        for c in colleagues:
            c.join()
        save(autumn, autumn_code, transition[:1], "partly", in_plan=False)
        code = {"X-Audit-Code": autumn_code}
        answered = [i for i in httpx.get(autumn, headers=code, timeout=30).json()["items"] if "status" in i]
        assert len(answered) == 12  # nothing lost

        plan = httpx.get(f"{autumn}/plan", headers=code, timeout=30).json()
        assert [i["id"] for i in plan["items"]] == [
            t["id"]
            for t in sorted(
                transition[1:], key=lambda t: ("universal", "targeted", "specialist").index(t["tier"])
            )
        ]
        assert all(" › " in i["citation"] for i in plan["items"])

        pdf = httpx.get(f"{autumn}/export", params={"format": "pdf"}, headers=code, timeout=60)
        assert pdf.headers["content-type"] == "application/pdf"
        assert "attachment" in pdf.headers["content-disposition"]
        text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Action plan: Autumn 2026" in text
        first = " ".join(plain_text(plan["items"][0]["text"]).split())[:40]  # a link's words
        assert first in text and plan["items"][0]["citation"] in text
        markdown = httpx.get(f"{autumn}/export", headers=code, timeout=30)
        assert markdown.headers["content-type"].startswith("text/markdown") and "## Coverage" in markdown.text
        assert httpx.get(f"{autumn}/export", params={"format": "docx"}, headers=code).status_code == 422

        both = {**code, "X-Earlier-Audit-Code": spring_code}
        moved = httpx.get(f"{autumn}/compare", params={"earlier": spring_id}, headers=both, timeout=30).json()
        assert len(moved["better"]) == 12 and not moved["worse"]
        assert {m["id"] for m in moved["still_open"]} == {t["id"] for t in transition}
        assert moved["by_tier"]["universal"][0] == 0.0
        wrong = {**code, "X-Earlier-Audit-Code": "guess"}
        assert httpx.get(f"{autumn}/compare", params={"earlier": spring_id}, headers=wrong).status_code == 404

    # The command line, where the server runs: the same plan as CSV.
    out = tmp_path / "plan.csv"
    assert main(["audit", "export", autumn_id, "--format", "csv", "--output", str(out)], corpus_index) == 0
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("rank,tier,area") and len(plan["items"]) < len(rows)
    assert main(["audit", "export", "no-such-audit"], corpus_index) == 1
    nowhere = str(tmp_path / "missing" / "plan.md")
    assert main(["audit", "export", autumn_id, "--output", nowhere], corpus_index) == 1
