"""The whole-school audit's checklist, coverage and gaps: pure logic, no model."""

from __future__ import annotations

import pytest

from provision_assistant.retrieval.audit import checklist, coverage_by, ranked_gaps, stale

pytestmark = pytest.mark.unit


def row(uid, tier, area="Attendance", position=0, phase=(), document="framework", kind="provision"):
    return {
        "id": uid,
        "document": document,
        "kind": kind,
        "area": area,
        "theme": "Theme",
        "tier": tier,
        "text": f"Provision {uid}.",
        "position": position,
        "phase": list(phase),
    }


ROWS = [
    row("u1", "universal", position=1),
    row("u2", "universal", position=2, area="Transition"),
    row("t1", "targeted", position=3),
    row("s1", "specialist", position=4, area="Transition"),
    row("ey", "targeted", position=5, phase=["early years"]),
    row("other", "universal", position=6, document="another"),
    row("prose", "none", position=7, kind="passage"),
]


def test_the_checklist_is_one_frameworks_provisions_for_the_phase_in_its_order():
    assert [i.id for i in checklist(ROWS, "framework", "secondary")] == ["u1", "u2", "t1", "s1"]
    assert [i.id for i in checklist(ROWS, "framework", None)] == ["u1", "u2", "t1", "s1", "ey"]


def test_coverage_counts_in_place_partly_and_not_yet_and_leaves_not_applicable_out():
    items = checklist(ROWS, "framework", "secondary")
    answers = {"u1": "in_place", "u2": "partly", "t1": "not_yet", "s1": "not_applicable"}
    by_tier = coverage_by(items, answers, "tier")
    assert list(by_tier) == ["universal", "targeted", "specialist"]
    assert by_tier["universal"].score == 0.75 and by_tier["targeted"].score == 0.0
    assert by_tier["specialist"].score is None and by_tier["specialist"].answered == 1
    by_area = coverage_by(items, answers, "area")
    assert (by_area["Attendance"].provisions, by_area["Attendance"].applicable) == (2, 2)
    with pytest.raises(ValueError, match="by area or by tier"):
        coverage_by(items, answers, "theme")


def test_gaps_rank_universal_first_then_not_yet_before_partly():
    items = checklist(ROWS, "framework", None)
    answers = {"u1": "partly", "u2": "not_yet", "t1": "not_yet", "ey": "partly", "s1": "in_place"}
    assert [(i.id, s) for i, s in ranked_gaps(items, answers)] == [
        ("u2", "not_yet"),
        ("u1", "partly"),
        ("t1", "not_yet"),
        ("ey", "partly"),
    ]


def test_an_answer_whose_provision_changed_or_went_is_stale():
    items = checklist(ROWS, "framework", None)
    assert stale(items, {"u1": "in_place", "gone": "partly"}) == ["gone"]


def test_an_audit_keeps_each_colleagues_answers_redacts_notes_and_needs_its_code(any_database):
    import threading

    from provision_assistant.ui.audit_store import AuditError, AuditStore

    store = AuditStore(any_database)
    audit, code = store.create("  Autumn   2026 ", "framework", "secondary")
    assert audit.name == "Autumn 2026" and store.open(audit.id, code) == audit
    with pytest.raises(AuditError, match="no audit with that id and access code"):
        store.open(audit.id, "wrong")
    with pytest.raises(AuditError, match="no audit with that id and access code"):
        store.open("missing", code)
    with pytest.raises(AuditError, match="status must be one of"):
        store.answer(audit, "u1", "done")
    store.answer(audit, "u1", "partly", "Jamie Smith in 8C has a card; we use it at lunch")
    # Two colleagues saving at once, many answers each: none is lost.
    writers = [
        threading.Thread(target=lambda p=p: [store.answer(audit, f"{p}{n}", "in_place") for n in range(25)])
        for p in ("a", "b")
    ]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    kept = AuditStore(any_database).answers(audit)
    assert len(kept) == 51 and kept["a24"].status == "in_place" and kept["b0"].status == "in_place"
    assert "Jamie" not in kept["u1"].note and "[name]" in kept["u1"].note
    store.answer(audit, "u1", "in_place")
    assert store.answers(audit)["u1"].status == "in_place"  # a later answer replaces the earlier


def test_comparing_two_audits_says_what_moved_and_what_is_still_open():
    from provision_assistant.retrieval.audit import compare

    items = checklist(ROWS, "framework", None)
    earlier = {"u1": "not_yet", "u2": "partly", "t1": "in_place", "s1": "not_yet"}
    later = {"u1": "partly", "u2": "partly", "t1": "not_yet", "s1": "not_applicable", "ey": "not_yet"}
    moved = {kind: [c.item.id for c in changes] for kind, changes in compare(items, earlier, later).items()}
    # u1 rose from not yet to partly (still open); t1 fell; s1 became not applicable (no movement)
    assert moved == {"better": ["u1"], "worse": ["t1"], "still_open": ["u1", "u2"], "new": ["ey"]}


def test_an_older_audit_file_gains_the_new_columns_and_keeps_its_answers(tmp_path):
    import sqlite3

    from provision_assistant.ui.audit_store import AuditStore

    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:  # the tables as the first audits made them
        db.execute(
            "CREATE TABLE audits (id TEXT PRIMARY KEY, name TEXT NOT NULL, document TEXT NOT NULL,"
            " phase TEXT, code_hash TEXT NOT NULL, created TEXT NOT NULL)"
        )
        db.execute(
            "CREATE TABLE audit_answers (audit_id TEXT NOT NULL, unit_id TEXT NOT NULL, status TEXT"
            " NOT NULL, note TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (audit_id, unit_id))"
        )
        db.execute("INSERT INTO audits VALUES ('a1', 'Summer', 'framework', NULL, 'hash', '2026-06-01')")
        db.execute("INSERT INTO audit_answers VALUES ('a1', 'u1', 'partly', '', '2026-06-01')")
    store = AuditStore(f"sqlite:///{path}")
    [audit] = store.audits("a1")
    store.answer(audit, "u2", "not_yet", in_plan=False, wording="Provision u2.")
    kept = store.answers(audit)
    assert kept["u1"].status == "partly" and kept["u1"].in_plan
    assert not kept["u2"].in_plan and kept["u2"].wording == "Provision u2."


def test_after_a_re_ingest_an_audit_keeps_unchanged_answers_and_lists_changed_ones_to_check(tmp_path):
    """The framework parsed as the ingest parses it, before and after its council edits one provision
    and removes another: the other answers stand; the two come back with the words answered."""
    from provision_assistant.ingest.model import DocumentInfo, Page
    from provision_assistant.ingest.pipeline import unit_metadata
    from provision_assistant.ingest.units import parse_document, to_units
    from provision_assistant.retrieval.catalogue import unit_row
    from provision_assistant.retrieval.templates import load_templates
    from provision_assistant.ui.audit_book import AuditBook
    from provision_assistant.ui.audit_store import AuditStore
    from tests.conftest import FRAMEWORK, PACKAGE_ROOT

    info = DocumentInfo(id="framework", path=str(FRAMEWORK), title="Framework")

    def rows(text):
        units = to_units(info, parse_document([Page(text)]))
        return [unit_row(u.id, u.text, unit_metadata(u, info, "digest")) for u in units]

    quiet = "to access at lunchtimes and break times where pupils can eat"
    toolkit = "[Toolkit of advice](#) shared with parents.\n"
    before = FRAMEWORK.read_text(encoding="utf-8")
    after = before.replace(quiet, "to access at lunchtimes, break times and after school").replace(
        toolkit, ""
    )
    store, templates = (
        AuditStore(f"sqlite:///{tmp_path / 'f.sqlite3'}"),
        load_templates(PACKAGE_ROOT / "prompts"),
    )
    book = AuditBook(rows(before), store, templates)
    audit, _, listed = book.create("Summer 2026", "framework", None)
    for item in book.checklist("framework", None):
        book.answer(audit, item.id, "partly")
    plan = AuditBook(rows(after), store, templates).plan(audit)
    assert plan.provisions == listed - 1 and plan.answered == listed - 2
    assert sorted(s.wording.split("]")[0] for s in plan.stale) == [
        "[Designated quiet area",
        "[Toolkit of advice",
    ]
    assert quiet in next(s.wording for s in plan.stale if "quiet" in s.wording)
