"""Turning an :class:`~voice_guide.triage.Assessment` into words: paragraphs to speak or print, and JSON.

The same paragraphs are printed and spoken; the printed form adds numbering and source addresses, which are not
read aloud.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voice_guide.content import Content, Source
from voice_guide.triage import Assessment, Reason


def reasons_text(content: Content, reasons: Sequence[Reason]) -> str:
    """'yes to a high temperature or shivering, and not sure to blood in your pee'."""
    parts = [content.phrase("reason_said", answer=r.option.text.lower(), topic=r.question.topic) for r in reasons]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])}, {content.phrase('and')} {parts[-1]}"


def _sources(sources: Sequence[Source], *, spoken: bool) -> str:
    if spoken:
        return "; ".join(s.name for s in sources)
    return "; ".join(f"{s.name} <{s.url}>" for s in sources)


def result_paragraphs(content: Content, assessment: Assessment, *, spoken: bool) -> list[str]:
    """The result as a list of paragraphs, most important first.

    In an emergency only the action and the warning signs are given: nothing should delay getting help.
    """
    phrase = content.phrase
    urgency = content.urgency[assessment.urgency]
    paragraphs = [
        phrase("result_intro"),
        phrase("result_urgency", title=urgency.title) + " " + urgency.action,
    ]
    if assessment.red_flags:
        paragraphs.append(phrase("result_red_flags"))
        for finding in assessment.red_flags:
            flag = finding.red_flag
            text = f"{flag.name}. {flag.explanation} {flag.advice}"
            if finding.reasons:
                text += " " + phrase("result_because", reasons=reasons_text(content, finding.reasons))
            paragraphs.append(text)
            if not spoken:
                paragraphs.append(f"{phrase('result_sources')} {_sources(flag.sources, spoken=False)}")
    if not assessment.emergency:
        if assessment.top_causes:
            paragraphs.append(phrase("result_causes"))
            for rank, cause_finding in enumerate(assessment.top_causes, start=1):
                cause = cause_finding.cause
                head = cause.name if spoken else f"{rank}. {cause.name}"
                because = phrase("result_because", reasons=reasons_text(content, cause_finding.reasons))
                paragraphs.append(f"{head}. {cause.explanation} {because}")
                paragraphs.append(f"{phrase('result_self_care')} " + " ".join(cause.self_care))
                paragraphs.append(f"{phrase('result_get_help')} {cause.get_help}")
                paragraphs.append(f"{phrase('result_sources')} {_sources(cause.sources, spoken=spoken)}")
        else:
            paragraphs.append(phrase("result_no_causes"))
    paragraphs.append(phrase("result_not_diagnosis"))
    return paragraphs


def _reasons_json(reasons: Sequence[Reason]) -> list[dict[str, str]]:
    return [{"question": r.question.id, "answer": r.option.id} for r in reasons]


def _sources_json(sources: Sequence[Source]) -> list[dict[str, str]]:
    return [{"name": s.name, "url": s.url} for s in sources]


def assessment_json(content: Content, assessment: Assessment) -> dict[str, Any]:
    """The assessment as a JSON-ready dict (the output of ``voice-guide assess``)."""
    urgency = content.urgency[assessment.urgency]
    return {
        "urgency": assessment.urgency.key,
        "urgency_title": urgency.title,
        "action": urgency.action,
        "complete": assessment.complete,
        "red_flags": [
            {
                "id": f.red_flag.id,
                "name": f.red_flag.name,
                "level": f.level.key,
                "reasons": _reasons_json(f.reasons),
                "explanation": f.red_flag.explanation,
                "advice": f.red_flag.advice,
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
                "reasons": _reasons_json(f.reasons),
                "because": reasons_text(content, f.reasons),
                "explanation": f.cause.explanation,
                "self_care": list(f.cause.self_care),
                "get_help": f.cause.get_help,
                "sources": _sources_json(f.cause.sources),
            }
            for f in assessment.causes
        ],
        "not_a_diagnosis": content.phrase("result_not_diagnosis"),
    }
