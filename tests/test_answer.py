"""Answers from the real corpus, with the real model and a real index."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from provision_assistant.ingest.errors import InvalidQuestionError
from provision_assistant.ui.cli import main

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CANTEEN = "Year 8 pupil anxious about the canteen"


def test_canteen_question_suggests_the_quiet_area_as_targeted_with_its_citation(service):
    answer = service.ask(CANTEEN)
    assert answer.status == "answered" and answer.phase == "secondary"
    quiet = [s for s in answer.suggestions if "Designated quiet area" in s.text]
    assert [s.tier for s in quiet] == ["targeted"]
    source = next(src for src in answer.sources if src.id == quiet[0].source_ids[0])
    assert source.section == "School Climate and Safety › The sensory environment"
    assert source.title.startswith("Belonging and Attending Framework")
    citation = "Belonging and Attending Framework (Northumberland) — School Climate and Safety › The sensory"
    assert citation in answer.answer


def test_out_of_scope_question_is_not_covered(service):
    answer = service.ask("how do I reset my SIMS password")
    assert answer.status == "not_covered"
    assert answer.suggestions == []
    assert "do not cover" in answer.answer


@pytest.mark.parametrize(
    "question",
    [CANTEEN, "reception child won't separate from mum at the door", "KS3 pupil being bullied online"],
)
def test_answer_shape_and_every_suggestion_quotes_its_source(service, question):
    answer = service.ask(question)
    sources = {s.id: s for s in answer.sources}
    scores = [s.score for s in answer.sources]
    assert scores == sorted(scores, reverse=True)
    order = {"universal": 0, "targeted": 1, "specialist": 2, "none": 3}
    tiers = [order[s.tier] for s in answer.suggestions]
    assert tiers == sorted(tiers)
    for suggestion in answer.suggestions:
        for sid in suggestion.source_ids:
            assert suggestion.text in sources[sid].text  # quoted, never rewritten
        source = sources[suggestion.source_ids[0]]
        assert suggestion.unit_ids[0] in source.units
        if source.kind != "theme":
            assert source.tier == suggestion.tier


def test_no_early_years_provisions_for_a_year_8_pupil(service):
    answer = service.ask("Year 8 pupil struggling with transition and friendships")
    shown = {sid for s in answer.suggestions for sid in s.source_ids}
    phases = [src.phase for src in answer.sources if src.id in shown]
    assert phases and all(not p or "secondary" in p for p in phases)


def test_ask_json_reads_questions_from_stdin_one_per_line(corpus_index):
    env = {**os.environ, "PROVISIONS_INDEX_DIR": str(corpus_index.index_dir)}
    run = subprocess.run(
        [sys.executable, "-m", "provision_assistant.ui.cli", "ask", "--json"],
        input=f"{CANTEEN}\n\nhow do I reset my SIMS password\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [a["status"] for a in lines] == ["answered", "not_covered"]


def test_catalogue_json_lists_every_unit_with_its_metadata(corpus_index, capsys):
    assert main(["catalogue", "--json"], settings=corpus_index) == 0
    units = json.loads(capsys.readouterr().out)
    assert all(set(u) >= {"text", "document", "area", "theme", "tier", "page"} for u in units)
    framework = [u for u in units if u["document"].startswith("northumberland-belonging")]
    assert len({u["area"] for u in framework if u["tier"] != "none"}) == 11
    assert any(u["tier"] == "targeted" and "Designated quiet area" in u["text"] for u in framework)


def test_ask_before_any_ingest_says_what_to_do(settings, capsys):
    assert main(["ask", CANTEEN], settings=settings) == 2
    assert "run `provisions ingest` first" in capsys.readouterr().err


def test_cli_ingest_names_the_bad_file_exits_non_zero_and_keeps_the_rest(settings, tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ok.md").write_text("# Breakfast club\n\nA breakfast club helps pupils arrive calm.", "utf-8")
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00 not utf-8 \x81")
    assert main(["ingest", "--quiet", str(folder)], settings=settings) == 1
    err = capsys.readouterr().err
    assert "bad.txt: is not UTF-8 text" in err
    assert main(["catalogue", "--json"], settings=settings) == 0
    assert [u["document"] for u in json.loads(capsys.readouterr().out)] == ["ok"]


@pytest.mark.parametrize("name", ["ELSA", "Qwell", "SORTED", "Blob Tree", "PACE"])
def test_exact_names_are_found_by_the_keyword_side(service, name):
    answer = service.ask(f"what is {name}?")
    assert any(name.casefold() in s.text.casefold() for s in answer.suggestions), name


def test_a_council_named_in_the_question_ranks_its_own_documents_first(service):
    answer = service.ask("what should every classroom have as standard in W&F?")
    first = answer.sources[0]
    assert first.local_authority == "Westmorland and Furness"
    # Another council's suggestions stay where they answer, labelled with their council.
    elsewhere = service.ask(CANTEEN, council="Westmorland and Furness")
    assert elsewhere.suggestions and "(Northumberland)" in elsewhere.answer
    mine = service.ask(
        "what should every classroom have as standard in W&F?", council="Westmorland and Furness"
    )
    assert "(Westmorland and Furness)" not in mine.answer


def test_an_unknown_council_is_refused_with_the_known_ones_named(service):
    with pytest.raises(InvalidQuestionError, match=r"Northumberland, Westmorland and Furness.*'Kent'"):
        service.ask(CANTEEN, council="Kent")


def test_ask_takes_phase_and_council_and_names_a_bad_council(corpus_index, capsys):
    assert (
        main(["ask", "--json", "--phase", "primary", "--council", "Northumberland", CANTEEN], corpus_index)
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["phase"] == "primary" and "(Northumberland)" not in answer["answer"]
    assert main(["ask", "--council", "Kent", CANTEEN], settings=corpus_index) == 1
    assert "council must be one the documents name" in capsys.readouterr().err


def test_for_what_can_we_do_questions_provisions_outrank_the_long_toolkit(service):
    questions = [
        "KS3 pupil being bullied online",
        "y4 boy keeps getting left out at break",
        "yr 9 girl not coming in since half term, anxious",
        "reception child won't separate from mum at the door",
    ]
    for question in questions:
        top = service.ask(question).sources
        assert top[0].kind == "theme", (question, [s.document for s in top])


def test_with_a_council_chosen_its_documents_come_first_when_they_cover_the_question(service):
    """Issue 13: with Westmorland and Furness chosen, national toolkits came before its own strategy."""
    answer = service.ask(
        "how can we improve belonging for pupils with SEND", council="Westmorland and Furness"
    )
    assert answer.sources[0].local_authority == "Westmorland and Furness"
    tiers = [s.tier for s in answer.suggestions]
    for tier in set(tiers):
        councils = [s.citation for s in answer.suggestions if s.tier == tier]
        own = ["Westmorland and Furness" in c for c in councils]
        assert own == sorted(own, reverse=True)  # the council's own first within each tier


def test_a_question_counting_a_list_gets_the_passage_that_counts_it_first(service):
    """Issue 13: the README's own lookup returned graduated-response bullets, not the six priorities."""
    answer = service.ask("what are Westmorland and Furness's six priorities?")
    assert "six strategic priorities" in answer.suggestions[0].text
    assert "Culture" in answer.sources[0].text and answer.lead == "none"
    assert answer.answer.index("six strategic priorities") < answer.answer.index("Source:")


@pytest.mark.parametrize(
    "question",
    [
        CANTEEN,
        "how do I reset my SIMS password",
        "what are Westmorland and Furness's six priorities?",
        "a Y5 pupil just told me her stepdad hits her with a belt and she's scared to go home tonight",
    ],
    ids=["answered", "not-covered", "lookup", "safeguarding"],
)
def test_every_kind_of_answer_keeps_the_typed_contract(service, question):
    """Issue 13: the answer is one typed model (retrieval/answer_model.py) that the API documents."""
    from provision_assistant.retrieval.answer_model import Answer

    answer = service.ask(question)
    assert isinstance(answer, Answer)
    # What a client reads back from the JSON is the same answer, field for field.
    assert Answer.model_validate(answer.to_json()) == answer
