"""The staff chat in a real headless Chromium (Debian's), driven by Playwright, on a loopback server."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from provision_assistant.ingest.settings import PACKAGE_ROOT
from tests.test_api import CANTEEN, DISCLOSURE, serve

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = PACKAGE_ROOT / "test-artefacts"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def site(corpus_index, service):
    """The real server and Debian's chromium: (base URL, browser)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (./run test installs it where it can)")
    from playwright.sync_api import sync_playwright

    with serve(corpus_index, service) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        yield url, browser
        browser.close()


def open_chat(site, width: int, height: int):
    url, browser = site
    page = browser.new_page(viewport={"width": width, "height": height})
    # Never wait for network idle on a Gradio page: it keeps a connection open.
    page.goto(url + "/", wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(timeout=60_000)
    return page


@pytest.fixture(scope="module")
def page(site):
    page = open_chat(site, 1280, 1400)
    yield page
    page.close()


def ask(page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def test_the_canteen_question_shows_its_tiers_in_order_and_a_citation_opens_to_its_passage(page):
    assert "don't type pupils' names" in page.locator("#intro").inner_text()
    ask(page, CANTEEN)
    answers = page.locator("#answers")
    answers.get_by_text("Specialist: individual and multi-agency support").wait_for(timeout=60_000)
    text = answers.inner_text()
    assert text.index("Targeted: for identified pupils") < text.index("Specialist: individual")
    assert "Designated quiet area" in text
    # Its flattened links ("[...](#)") are words with a note, not links to the top of the page.
    assert answers.locator("a[href='#']").count() == 0
    assert "words in italics are links in the source document" in text
    citation = answers.locator("details summary", has_text="The sensory environment").first
    citation.click()
    opened = answers.locator("details[open]").first
    opened.wait_for(timeout=10_000)
    assert "School Climate and Safety › The sensory environment" in opened.inner_text()
    assert "UNIVERSAL" in opened.inner_text()  # the whole theme, every tier
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "chat-canteen.png"), full_page=True)


def test_a_follow_up_keeps_the_pupil_in_context(page, service):
    from provision_assistant.retrieval.conversation import read_conversation

    follow_up = "and what about at home?"
    with_context = {s.text for s in service.ask(read_conversation([CANTEEN, follow_up]).question).suggestions}
    alone = {s.text for s in service.ask(follow_up).suggestions}
    # Words shown only when the pupil's question is kept, as the page shows them (links as text).
    marker = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", sorted(with_context - alone)[0])[:50]
    bots = page.locator("#answers [data-testid='bot']")
    if bots.count() == 0:
        ask(page, CANTEEN)
        page.locator("#answers").get_by_text("Specialist: individual").first.wait_for(timeout=60_000)
    before = bots.count()
    ask(page, follow_up)
    page.wait_for_function(
        "([n, text]) => { const b = document.querySelectorAll(\"#answers [data-testid='bot']\");"
        " return b.length > n && b[b.length - 1].innerText.includes(text); }",
        arg=[before, marker],
        timeout=60_000,
    )
    assert marker in bots.last.inner_text()
    assert f"Read as a follow-up to: {CANTEEN}" in bots.last.inner_text()


def test_thumbs_up_stores_the_feedback_with_its_reason(page, corpus_index):
    from provision_assistant.ui.feedback import FeedbackStore

    store = FeedbackStore(corpus_index.database)
    before = len(store.all())
    page.locator("#feedback-reason textarea").fill("the quiet area idea helped")
    page.locator("#answers [data-testid='bot']").last.hover()
    page.locator("#answers button[aria-label='Like']").last.click()
    page.wait_for_function(
        "() => document.querySelector('#feedback-reason textarea').value === ''", timeout=20_000
    )
    rows = store.all()
    assert len(rows) == before + 1
    assert rows[-1]["channel"] == "chat" and rows[-1]["helpful"] == 1
    assert rows[-1]["reason"] == "the quiet area idea helped" and rows[-1]["answer"]


def test_the_last_answer_saves_as_a_support_plan(page):
    page.locator("#export").click()
    link = page.locator("#plan a[href]").first
    link.wait_for(timeout=20_000)
    plan = page.request.get(link.get_attribute("href")).text()
    assert plan.startswith("# Support plan ideas") and "*Source: " in plan


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_route_is_in_view_when_a_disclosure_answer_completes(site, service, width, height):
    """The issue's case: the route was 600 px (desktop) and 2,400 px (phone) above the visible area."""
    from provision_assistant.ui.chat_render import load_chat_templates

    chat = load_chat_templates(PACKAGE_ROOT / "prompts")
    page = open_chat(site, width, height)
    ask(page, DISCLOSURE)
    last = page.locator("#answers [data-testid='bot']").last
    last.get_by_text(chat.footer.strip("*").split(";")[0]).wait_for(timeout=60_000)  # the answer is complete
    page.wait_for_timeout(1600)  # past the page script's settling time: what staff see now stays

    pin = page.locator("#route-pin")
    box = pin.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, box
    assert "call 999 now" in pin.inner_text()
    # The answer is shown from its start: its first line (the route) is visible below the pin.
    first = last.get_by_text("Immediate danger: call 999 now").first.bounding_box()
    assert first is not None and box["y"] + box["height"] - 2 <= first["y"] <= height - first["height"], first
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"chat-safeguarding-{width}px.png"))  # what the teacher sees

    text = last.inner_text()
    assert text.index("Immediate danger") < text.index("Why this route") < text.index("Safeguarding contacts")
    assert "liaison for parent" not in text and "Home-school link book" not in text
    page.locator("#route-pin-dismiss").click()
    pin.wait_for(state="hidden", timeout=10_000)
    page.close()


def test_markup_typed_into_a_question_is_shown_as_text_and_fetches_nothing(site):
    """Issue 13: an <img> typed into the box was rendered, and its request fired."""
    page = open_chat(site, 1280, 900)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url) if "probe-13" in request.url else None)
    ask(page, '<img src="/probe-13.png"> Year 8 pupil anxious about the canteen')
    user = page.locator("#answers [data-testid='user']").last
    user.get_by_text('<img src="/probe-13.png">', exact=False).wait_for(timeout=30_000)
    page.locator("#answers [data-testid='bot']").last.get_by_text("Specialist: individual").wait_for(
        timeout=60_000
    )
    assert fetched == []
    assert page.locator("#answers img[src*='probe-13']").count() == 0
    page.close()


def test_the_first_screen_shows_examples_as_questions_and_no_empty_plan_box(site):
    """Issue 13: the examples were a table with "any / (not set)" columns, the "Answers" label sat on
    the panel's first line, and the empty support-plan box took half the screen."""
    page = open_chat(site, 1280, 900)
    answers = page.locator("#answers")
    example = answers.get_by_role("button", name=re.compile("canteen", re.IGNORECASE)).first
    example.wait_for(timeout=30_000)
    assert page.get_by_text("(not set)").filter(visible=True).count() <= 1  # the council box alone
    assert page.locator("table").filter(has_text="(not set)").count() == 0
    assert (
        page.locator("#answers label, #answers [data-testid='block-label']").filter(visible=True).count() == 0
    )
    assert not page.locator("#plan").is_visible()
    page.locator("#export").click()  # no answer yet: a warning, still no box
    page.wait_for_timeout(500)
    assert not page.locator("#plan").is_visible()
    page.close()
