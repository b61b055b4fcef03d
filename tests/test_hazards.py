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
    """H08 (emergency advice delayed by a long result): what to do is said in the first sentences, every time."""
    for result in results(content):
        urgency = content.urgency[result.assessment.urgency]
        spoken = spoken_text(content, result)
        head = " ".join(sentences(spoken)[:4])
        assert urgency.title in head
        assert urgency.action.split(".")[0] in head
        printed = [line for line in printed_lines(content, result) if line.strip()]
        assert printed[1].startswith(content.phrase("result_urgency", title=urgency.title))


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
    """H06 (advice read as a diagnosis): every result, spoken and printed, says so at its start and its end."""
    for result in results(content):
        spoken = spoken_text(content, result)
        assert spoken.startswith(content.phrase("result_intro"))
        assert spoken.endswith(content.phrase("result_not_diagnosis"))
        printed = "\n".join(printed_lines(content, result))
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
                continue  # the options are shown as a numbered list, the progress as "Question 2 of about 20."
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
