"""Turning an :class:`~voice_guide.triage.Assessment` into words: paragraphs to speak or print, and JSON.

A result has two parts, so that a spoken result leads with what to do and offers the rest:

- :func:`short_paragraphs` - what to do: how urgent, the action, the warning signs found (with what to do about
  them at the result's level), the signs that would make it more urgent, and the notice about help after sex that
  was not wanted.
- :func:`detail_paragraphs` - the details: other warning signs to mention, the things that can cause pain like the
  person's (never "most likely": the scores are hand-set points, not probabilities), what may help, who can help,
  and the sources.

The result never contradicts itself: the banner is the assessment's urgency; red-flag advice is given only for
flags at that level (lower ones are named, with no advice of their own); causes say who can help, never when
(validated in content.py); a sign to watch for is given only when it asks for more than the banner and was not
already answered "yes". An emergency result says only what to do now: no causes, no self-care, no details.
The same paragraphs are printed and spoken; the printed form adds numbering and source addresses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from voice_guide.content import Cause, Content, SelfCare, Source, Watch
from voice_guide.triage import Assessment, CauseFinding, Reason, RedFlagFinding
from voice_guide.urgency import Urgency


def reasons_text(content: Content, reasons: Sequence[Reason]) -> str:
    """'yes to a high temperature or shivering, and you have pain when you pee'."""
    parts = [content.statement(r.question, r.option) for r in reasons]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])}, {content.phrase('and')} {parts[-1]}"


def _sources(sources: Sequence[Source]) -> str:
    return "; ".join(f"{s.name} <{s.url}>" for s in sources)


def _because(content: Content, reasons: Sequence[Reason]) -> str:
    return " " + content.phrase("result_because", reasons=reasons_text(content, reasons)) if reasons else ""


def _flag_text(content: Content, finding: RedFlagFinding, *, with_advice: bool) -> str:
    flag = finding.red_flag
    advice = f" {flag.advice[finding.level]}" if with_advice else ""
    return f"{flag.name}. {flag.explanation}{advice}{_because(content, finding.reasons)}"


def cause_texts(content: Content, cause: Cause, answers: Mapping[str, str]) -> tuple[str, str]:
    """(explanation, who can help) for this person's body: a variant written for the organs they may have, if any."""
    organs = content.organs(answers)
    for variant in cause.variants:
        if organs <= variant.only_organs:
            return variant.explanation or cause.explanation, variant.who_can_help or cause.who_can_help
    return cause.explanation, cause.who_can_help


def self_care(cause: Cause, answers: Mapping[str, str]) -> tuple[SelfCare, ...]:
    """The self-care that suits these answers (e.g. no ibuprofen for someone who could be pregnant)."""
    return tuple(s for s in cause.self_care if not any(c.holds(answers) for c in s.unless))


def watch_items(assessment: Assessment) -> tuple[Watch, ...]:
    """Signs that would make it more urgent: from the red flags and shown causes, each only when it asks for more
    than the result and its question was not answered "yes" (nothing conditional on an answer already given)."""
    items: list[Watch] = []
    seen: set[str] = set()
    sources = [f.red_flag.watch for f in assessment.red_flags] + [f.cause.watch for f in assessment.shown_causes]
    for group in sources:
        for item in group:
            if item.level <= assessment.urgency or item.text in seen:
                continue
            if item.question and assessment.answers.get(item.question) == "yes":
                continue
            seen.add(item.text)
            items.append(item)
    return tuple(sorted(items, key=lambda w: -w.level))


def short_paragraphs(content: Content, assessment: Assessment, *, spoken: bool) -> list[str]:
    """What to do: said first, in full, every time."""
    phrase = content.phrase
    urgency = content.urgency[assessment.urgency]
    banner = phrase("result_urgency", title=urgency.title) + " " + urgency.action
    top = [f for f in assessment.red_flags if f.level is assessment.urgency]
    if assessment.emergency:
        paragraphs = [banner]
        if top:
            paragraphs.append(phrase("result_red_flags"))
            paragraphs += [_flag_text(content, f, with_advice=True) for f in top]
        return paragraphs
    paragraphs = [phrase("result_intro", count=assessment.asked), banner]
    if top:
        paragraphs.append(phrase("result_red_flags"))
        for finding in top:
            paragraphs.append(_flag_text(content, finding, with_advice=True))
            if not spoken:
                paragraphs.append(f"{phrase('result_sources')} {_sources(finding.red_flag.sources)}")
    watch = watch_items(assessment)
    if watch:
        paragraphs.append(phrase("result_watch") + " " + " ".join(w.text for w in watch))
    paragraphs += [notice.text for notice in content.notices]
    return paragraphs


def detail_paragraphs(content: Content, assessment: Assessment, *, spoken: bool) -> list[str]:
    """The details, offered after what to do. Empty for an emergency: nothing should delay getting help."""
    if assessment.emergency:
        return []
    phrase = content.phrase
    paragraphs: list[str] = []
    lower = [f for f in assessment.red_flags if f.level < assessment.urgency]
    if lower:
        paragraphs.append(phrase("result_other_flags"))
        for finding in lower:
            paragraphs.append(_flag_text(content, finding, with_advice=False))
            if not spoken:
                paragraphs.append(f"{phrase('result_sources')} {_sources(finding.red_flag.sources)}")
    shown = assessment.shown_causes
    if shown:
        paragraphs.append(phrase("result_causes"))
        for rank, cause_finding in enumerate(shown, start=1):
            paragraphs += _cause_paragraphs(content, assessment, cause_finding, rank, spoken=spoken)
    else:
        paragraphs.append(phrase("result_no_causes"))
    paragraphs += [notice.details for notice in content.notices]
    if not spoken:
        sources = [s for n in content.notices for s in n.sources]
        if sources:
            paragraphs.append(f"{phrase('result_sources')} {_sources(sources)}")
    paragraphs.append(phrase("result_not_diagnosis"))
    return paragraphs


def _cause_paragraphs(
    content: Content, assessment: Assessment, finding: CauseFinding, rank: int, *, spoken: bool
) -> list[str]:
    phrase = content.phrase
    cause = finding.cause
    explanation, who = cause_texts(content, cause, assessment.answers)
    head = cause.name if spoken else f"{rank}. {cause.name}"
    paragraphs = [f"{head}. {explanation}{_because(content, finding.reasons)}"]
    care = self_care(cause, assessment.answers)
    if care:
        paragraphs.append(f"{phrase('result_self_care')} " + " ".join(s.text for s in care))
    paragraphs.append(f"{phrase('result_who')} {who}")
    if not spoken:
        paragraphs.append(f"{phrase('result_sources')} {_sources(cause.sources)}")
    return paragraphs


def result_paragraphs(content: Content, assessment: Assessment, *, spoken: bool) -> list[str]:
    """The whole result: what to do, then the details."""
    return short_paragraphs(content, assessment, spoken=spoken) + detail_paragraphs(content, assessment, spoken=spoken)


def _reasons_json(reasons: Sequence[Reason]) -> list[dict[str, str]]:
    return [{"question": r.question.id, "answer": r.option.id} for r in reasons]


def _sources_json(sources: Sequence[Source]) -> list[dict[str, str]]:
    return [{"name": s.name, "url": s.url} for s in sources]


def assessment_json(content: Content, assessment: Assessment) -> dict[str, Any]:
    """The assessment as a JSON-ready dict (the output of ``voice-guide assess``)."""
    urgency = content.urgency[assessment.urgency]
    shown = {f.cause.id for f in assessment.shown_causes}
    return {
        "urgency": assessment.urgency.key,
        "urgency_title": urgency.title,
        "action": urgency.action,
        "complete": assessment.complete,
        "questions_asked": assessment.asked,
        "red_flags": [
            {
                "id": f.red_flag.id,
                "name": f.red_flag.name,
                "level": f.level.key,
                "reasons": _reasons_json(f.reasons),
                "explanation": f.red_flag.explanation,
                "advice": f.red_flag.advice[f.level] if f.level is assessment.urgency else "",
                "sources": _sources_json(f.red_flag.sources),
            }
            for f in assessment.red_flags
        ],
        "causes": [
            {
                "id": f.cause.id,
                "name": f.cause.name,
                "score": f.score,
                "level": f.cause.level.key,
                "shown": f.cause.id in shown,
                "reasons": _reasons_json(f.reasons),
                "because": reasons_text(content, f.reasons),
                "explanation": cause_texts(content, f.cause, assessment.answers)[0],
                "self_care": [s.text for s in self_care(f.cause, assessment.answers)],
                "who_can_help": cause_texts(content, f.cause, assessment.answers)[1],
                "sources": _sources_json(f.cause.sources),
            }
            for f in (assessment.causes if not assessment.emergency else ())
        ],
        "watch": [{"level": w.level.key, "text": w.text} for w in watch_items(assessment)],
        "notices": [] if assessment.emergency else [n.text for n in content.notices],
        "not_a_diagnosis": content.phrase("result_not_diagnosis"),
    }


__all__ = [
    "Urgency",
    "assessment_json",
    "cause_texts",
    "detail_paragraphs",
    "reasons_text",
    "result_paragraphs",
    "self_care",
    "short_paragraphs",
    "watch_items",
]
