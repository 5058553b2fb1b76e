"""The audit page in a real headless Chromium (Debian's), on a loopback server: start an audit,
mark provisions in two areas, see the chart and the ranked gaps, download the PDF plan."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pypdf import PdfReader

from tests.test_chat_browser import ARTEFACTS, site  # noqa: F401 (the module's server and browser)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
# Gradio puts a group's class on two nested elements: one provision is the outer one.
ITEM = ".audit-item:not(.audit-item .audit-item)"


def choose(page, dropdown: str, option: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def mark(page, n: int, status: str) -> None:
    """Give the nth provision shown a status and wait until the page says it is saved.

    Once in a whole test run, a click in the instant the area was drawn was never saved (the page
    said nothing): if nothing is said within 10 s, the status is given again, by way of another."""
    item = page.locator(ITEM).nth(n)
    words = " ".join(item.locator(".prose").first.inner_text().split("\n")[1].split())[:30]
    said = page.locator("#audit-saved").get_by_text(f"Saved: {status}: {words}")
    item.get_by_text(status, exact=True).click()
    try:
        said.wait_for(timeout=10_000)
    except PlaywrightTimeout:
        other = next(s for s in ("In place", "Not yet") if s != status)
        item.get_by_text(other, exact=True).click()
        item.get_by_text(status, exact=True).click()
        said.wait_for(timeout=30_000)


def test_an_audit_from_start_to_chart_gaps_and_pdf(site):  # noqa: F811
    url, browser = site
    page = browser.new_page(viewport={"width": 1280, "height": 1400}, accept_downloads=True)
    page.goto(url + "/audit", wait_until="domcontentloaded")
    page.locator("#audit-name input, #audit-name textarea").first.wait_for(timeout=60_000)
    page.locator("#audit-name textarea, #audit-name input").first.fill("Autumn 2026")
    choose(page, "#audit-phase", "primary")
    page.locator("#audit-start").click()
    page.locator("#audit-told").get_by_text("Audit started").wait_for(timeout=30_000)
    told = page.locator("#audit-told").inner_text()
    assert "Access code" in told and "provisions to go through" in told
    assert page.get_by_role("link", name="Chat", exact=True).is_visible()  # the way back to the chat

    page.locator(ITEM).first.wait_for(timeout=30_000)
    first_area = page.locator(ITEM).first.inner_text()
    mark(page, 0, "Not yet")
    mark(page, 1, "In place")
    mark(page, 2, "Partly in place")
    choose(page, "#audit-area", "Transition")
    page.wait_for_function(
        "first => document.querySelector('.audit-item')?.innerText !== first", arg=first_area, timeout=30_000
    )
    mark(page, 0, "Not yet")
    mark(page, 1, "Not applicable")

    page.locator("#audit-results").click()
    chart = page.locator("#audit-chart svg[role=img]")
    chart.wait_for(timeout=30_000)
    assert "Universal" in chart.text_content() and "Transition" in chart.text_content()
    gaps = page.locator("#audit-gaps")
    gaps.get_by_text("Actions, Universal first").wait_for(timeout=30_000)
    actions = gaps.inner_text().split("Actions, Universal first")[1]
    assert actions.count("Source:") == 3  # two "not yet" and one "partly"; in place and n/a are not gaps
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "audit-results.png"), full_page=True)

    with page.expect_download(timeout=60_000) as wait:
        page.locator("#audit-export").click()
        page.locator("#audit-file a").first.click(timeout=60_000)
    pdf = wait.value.path().read_bytes()
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Action plan: Autumn 2026" in text and text.count("Source:") == 3
    (ARTEFACTS / "audit-action-plan.pdf").write_bytes(pdf)
    page.close()

    # A colleague follows the link (it carries the id), types the code, and sees the answers so far.
    audit_id = re.search(r"Audit id: (\S+)", told).group(1)
    code = re.search(r"Access code: (\S+)", told).group(1)
    colleague = browser.new_page(viewport={"width": 1280, "height": 1400})
    colleague.goto(f"{url}/audit?audit={audit_id}", wait_until="domcontentloaded")
    colleague.get_by_text("Open an audit").click()
    colleague.wait_for_function(
        "id => document.querySelector('#audit-id textarea, #audit-id input')?.value === id",
        arg=audit_id,
        timeout=60_000,
    )
    colleague.locator("#audit-code input").fill(code)
    colleague.locator("#audit-open").click()
    second = colleague.locator(ITEM).nth(1)
    second.wait_for(timeout=30_000)
    assert second.get_by_label("In place", exact=True).is_checked()
    assert not second.get_by_label("Not yet", exact=True).is_checked()
    colleague.close()


def test_the_chats_checklist_offers_an_audit_set_up_for_its_framework_phase_and_area(site):  # noqa: F811
    from tests.test_chat_browser import ask, open_chat

    page = open_chat(site, 1280, 1400)
    ask(page, "what should a secondary school have in place for transition?")
    offer = page.locator("#answers a", has_text="Start an audit of Transition")
    offer.wait_for(timeout=60_000)
    assert "Universal" in page.locator("#answers").inner_text()
    with page.expect_popup(timeout=30_000) as opened:  # a new tab: the chat stays open
        offer.click()
    chat, page = page, opened.value
    assert "/audit?" in page.url
    page.locator("#audit-start").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('#audit-phase input')?.value === 'secondary'", timeout=30_000
    )
    page.locator("#audit-name textarea, #audit-name input").first.fill("Transition check")
    page.locator("#audit-start").click()
    page.locator(ITEM).first.wait_for(timeout=30_000)
    assert page.locator("#audit-area input").input_value() == "Transition"
    assert "Transition ›" in page.locator(ITEM).first.inner_text()
    page.close()
    chat.close()
