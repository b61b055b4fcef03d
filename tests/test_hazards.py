"""Clinical-safety checks behind docs/HAZARD-LOG.md that no other test file makes.

Each test names the hazard it mitigates. ``test_every_test_cited_in_the_hazard_log_exists`` keeps the log honest.
"""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

from kiosk_helpers import rng, scripted_person

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Mode, Result
from voice_guide.frontends.voice import VoiceFrontend
from voice_guide.render import printed_lines, spoken_text
from voice_guide.session import run_session
from voice_guide.testing import EchoRecognizer, RecordingSpeaker, ScriptedListener
from voice_guide.urgency import Urgency

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 200
"""Scripted people per check: every urgency level occurs among them."""


def results(content: Content) -> list[Result]:
    found = []
    for seed in range(PEOPLE):
        person = scripted_person(content, rng(seed))
        found.append(Result(person.assessment))
    assert {r.assessment.urgency for r in found} == set(Urgency)
    return found


def words_of(text: str) -> str:
    """Lower-case words only (no digits, no punctuation): the same words printed or spoken compare equal."""
    return " ".join(re.findall(r"[a-z']+", text.lower()))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def test_urgency_and_action_come_first_in_every_result(content: Content) -> None:
    """H08 (emergency advice delayed by a long result): what to do is said in the first sentences, every time; an
    emergency result starts with it."""
    for result in results(content):
        urgency = content.urgency[result.assessment.urgency]
        spoken = spoken_text(content, result)
        head = " ".join(sentences(spoken)[:4])
        assert urgency.title in head
        assert urgency.action.split(".")[0] in head
        printed = [line for line in printed_lines(content, result) if line.strip()]
        first = 0 if result.assessment.emergency else 1
        assert printed[first].startswith(content.phrase("result_urgency", title=urgency.title))


def test_an_emergency_result_is_short_and_gives_no_causes(content: Content) -> None:
    """H08: in an emergency only the action and the warning signs are given, nothing to wait through."""
    emergencies = [r for r in results(content) if r.assessment.urgency is Urgency.EMERGENCY]
    assert emergencies
    for result in emergencies:
        spoken = spoken_text(content, result)
        assert content.phrase("result_causes") not in spoken
        action = content.urgency[Urgency.EMERGENCY].action
        assert len(spoken[: spoken.index(action) + len(action)].split()) < 60  # about 20 seconds of speech


def test_every_result_says_it_is_guidance_not_a_diagnosis(content: Content) -> None:
    """H06 (advice read as a diagnosis): every result that names causes says so at its start and its end; an
    emergency result names no cause at all (it says only what to do now)."""
    for result in results(content):
        spoken = spoken_text(content, result)
        printed = "\n".join(printed_lines(content, result))
        if result.assessment.emergency:
            assert not any(c.name in printed for c in content.causes)
            continue
        assert spoken.startswith(content.phrase("result_intro", count=result.assessment.asked))
        assert spoken.endswith(content.phrase("result_not_diagnosis"))
        assert content.phrase("result_not_diagnosis") in printed
    assert "not a diagnosis" in content.phrase("disclaimer")
    events = Dialog(content, Mode.VOICE).start()
    assert content.phrase("disclaimer") in [spoken_text(content, e) for e in events]


def test_everything_spoken_is_also_shown_as_text(content: Content) -> None:
    """H03 (speech not heard by a hard-of-hearing user): a voice session shows every spoken word on screen too."""
    person = scripted_person(content, rng(21))
    speaker = RecordingSpeaker()
    screen = io.StringIO()
    frontend = VoiceFrontend(
        content=content,
        recognizer=EchoRecognizer(),
        listener=ScriptedListener([text.lower() for text in person.said]),
        speaker=speaker,
        out=screen,
    )
    dialog = Dialog(content, Mode.VOICE)
    run_session(dialog, frontend)

    assert dialog.assessment == person.assessment
    shown = words_of(screen.getvalue())
    for utterance in speaker.said:
        for sentence in sentences(utterance):
            if sentence.startswith(("You can answer:", "Question ")):
                continue  # the options are shown as a numbered list, the progress as "Question 2 of about 16."
            if content.phrase("result_sources") in sentence:
                # Sources are spoken by name and printed with their addresses: every word is on screen.
                assert set(words_of(sentence).split()) <= set(shown.split()), sentence
            else:
                assert words_of(sentence) in shown, sentence


# ---- the hazard log cites only tests that exist --------------------------------------------------------------


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_test_cited_in_the_hazard_log_exists() -> None:
    log = (ROOT / "docs" / "HAZARD-LOG.md").read_text(encoding="utf-8")
    cited = re.findall(r"(tests/test_\w+\.py)::(test_\w+)", log)
    assert len(cited) > 20
    missing = [f"{file}::{name}" for file, name in cited if name not in defined_tests(ROOT / file)]
    assert missing == []


def test_every_hazard_has_status_owner_tests_and_an_acceptable_residual_risk() -> None:
    """The log keeps DCB0129's shape: each hazard has a status, an owner, at least one test and a residual risk of 3 or
    less, and the summary table lists every hazard with the same risks as its section."""
    log = (ROOT / "docs" / "HAZARD-LOG.md").read_text(encoding="utf-8")
    sections = re.split(r"\n### (?=H\d\d )", log)[1:]
    assert len(sections) >= 20
    for section in sections:
        hazard = section[:3]
        for field in ("Status", "Owner", "Cause", "Effect", "Initial risk", "Tests", "Residual risk"):
            assert f"- **{field}.**" in section, (hazard, field)
        assert "::test_" in section, hazard
        residual = re.search(r"- \*\*Residual risk\.\*\* [^=]*= \*\*(\d)\*\*", section)
        assert residual is not None, hazard
        assert int(residual.group(1)) <= 3, hazard
        row = re.search(rf"^\| {hazard} \|.*\| (\d) \([^)]*\) \| (\d) \(", log, re.MULTILINE)
        assert row is not None, hazard
        initial = re.search(r"- \*\*Initial risk\.\*\* [^=]*= \*\*(\d)\*\*", section)
        assert initial is not None and row.group(1) == initial.group(1), hazard
        assert row.group(2) == residual.group(1), hazard
    for role in ("Clinical safety officer", "Version and review history", "Severity", "Likelihood"):
        assert role in log


# ---- self-care that harms, body misclassification, safeguarding (issue 9) ------------------------------------------


def test_no_ibuprofen_for_someone_who_could_be_pregnant_or_has_a_kidney_infection(content: Content) -> None:
    """H17 (self-care advice that harms): ibuprofen is left out for anyone who could be pregnant, and the kidney
    infection advice says not to take it."""
    from voice_guide.questionnaire import state
    from voice_guide.report import self_care

    for pregnant in ("yes", "not_sure"):
        fixed = {"body": "womb", "rf_pregnant": pregnant, "back": "move", "penetration": "deep"}
        answers: dict[str, str] = {}
        while (question := state(content, answers).next_question) is not None:
            answers[question.id] = fixed.get(question.id, question.usual_option)
        assessment = state(content, answers).assessment
        for finding in assessment.shown_causes:
            advice = " ".join(s.text for s in self_care(finding.cause, answers))
            assert "ibuprofen" not in advice.lower() or "do not take ibuprofen" in advice.lower(), finding.cause.id
    kidney = next(c for c in content.causes if c.id == "kidney_infection")
    assert any("Do not take ibuprofen" in s.text for s in kidney.self_care)


def test_every_non_emergency_result_signposts_help_after_unwanted_sex(content: Content) -> None:
    """H18 (safeguarding): the notice is in every result but an emergency, whatever was answered, so nobody can tell
    from the result what happened; it asks nothing."""
    notice = content.notices[0]
    for result in results(content):
        spoken = spoken_text(content, result)
        assert (notice.text in spoken) is (not result.assessment.emergency)
