"""The answer to a safeguarding concern. Pure: selections and the concern in, the answer JSON out.

It reads in this order: the route (999 first when the message says there is
danger now), the words that led to it, the documents' own safeguarding contacts
and services, then the provisions that answer the message. When the concern is
about someone at home, provisions that would involve or alert the family are
left out, and the answer says so: contacting home is the wrong step when
someone at home may be the one causing harm.
"""

from __future__ import annotations

from dataclasses import replace

from provision_assistant.retrieval.compose import citation, source_json, trim
from provision_assistant.retrieval.safeguarding import SafeguardingRules
from provision_assistant.retrieval.select import Pick, Selection
from provision_assistant.retrieval.templates import AnswerTemplates
from provision_assistant.retrieval.triage import Concern

MAX_CONTACTS = 5


def leave_out_family(selection: Selection, rules: SafeguardingRules) -> tuple[Selection, int]:
    """The selection without provisions that involve or alert the family, and how many went."""
    kept: dict[str, list[Pick]] = {}
    dropped = 0
    for tier, picks in selection.picks.items():
        # Judged on the words staff will see: a long passage is shown trimmed, and a statutory
        # service named past the cut does not excuse the call home before it.
        kept[tier] = [p for p in picks if not rules.involves_family(trim(p.text))]
        dropped += len(picks) - len(kept[tier])
    return replace(selection, picks=kept), dropped


def contact_picks(
    selection: Selection,
    rules: SafeguardingRules,
    about_home: bool,
    shown: set[str],
    limit: int = MAX_CONTACTS,
) -> list[Pick]:
    """From a search for the category's services: the suggestions that name a contact or service."""
    out = []
    for picks in selection.picks.values():
        for pick in picks:
            if pick.text in shown:
                continue
            text = trim(pick.text)  # as it will be shown
            if not rules.names_contact(text, provision=pick.shown.is_provision):
                continue
            if about_home and rules.involves_family(text):
                continue
            out.append(pick)
    # Best first across tiers: a pick's own rank is its place in the selection.
    return out[:limit]


def route_text(concern: Concern, rules: SafeguardingRules) -> str:
    route = rules.route if concern.certain else rules.possible_route
    return f"{rules.immediate}\n\n{route}" if concern.immediate else route


def why_text(concern: Concern, rules: SafeguardingRules) -> str:
    why = rules.why

    def quotes(evidence) -> str:
        return ", ".join(why.quote.format(words=e.words, what=e.what) for e in evidence)

    if concern.certain or not concern.evidence:
        line = why.certain.format(evidence=quotes(concern.evidence) or concern.category)
    else:
        words = ", ".join(f"“{e.words}”" for e in concern.evidence)
        line = why.possible.format(category=concern.category, evidence=words)
    if concern.danger:
        line += "\n\n" + why.danger.format(evidence=quotes(concern.danger))
    return line


def _contact_json(pick: Pick, templates: AnswerTemplates, council: str | None) -> dict:
    return {
        "tier": pick.shown.tier,
        "text": trim(pick.text),
        "citation": citation(pick.passages[0], templates, council),
        "source_ids": pick.ids,
        "unit_ids": pick.unit_ids,
    }


def compose_safeguarding(
    answer: dict,
    concern: Concern,
    contacts: list[Pick],
    left_out: int,
    rules: SafeguardingRules,
    templates: AnswerTemplates,
    council: str | None,
) -> dict:
    """`answer` (the provisions for the message, already without the family ones) led by the route."""
    route = route_text(concern, rules)
    why = why_text(concern, rules)
    contact_items = [_contact_json(p, templates, council) for p in contacts]
    parts = [route, why]
    if contact_items:
        lines = [
            f"- {item['text'].replace(chr(10), chr(10) + '  ')}\n  *Source: {item['citation']}*"
            for item in contact_items
        ]
        parts += [rules.contacts_heading, "\n".join(lines)]
    note = rules.left_out.format(n=left_out) if left_out else ""
    if answer.get("status") == "answered" or note:
        parts.append(rules.provisions_heading)
    if note:
        parts.append(note)
    if answer.get("status") == "answered":
        parts.append(answer["answer"])
    known = {s["id"] for s in answer.get("sources", [])}
    extra_sources = []
    for pick in contacts:
        for passage in pick.passages:
            if passage.id not in known:
                known.add(passage.id)
                extra_sources.append(source_json(passage, 0.0))
    return {
        **answer,
        "status": "safeguarding",
        "sources": [*answer.get("sources", []), *extra_sources],
        "safeguarding": {
            **concern.to_json(),
            "route": route,
            "why": why,
            "contacts_heading": rules.contacts_heading,
            "contacts": contact_items,
            "left_out": left_out,
            "left_out_note": note,
        },
        "answer": "\n\n".join(parts),
    }
