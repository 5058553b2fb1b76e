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
