"""Property tests of the dialog (voice_guide/dialog.py with its understanding step): any sequence of typed answers,
spoken transcripts (with any confidences and rival hypotheses), silences and commands, by keyboard or voice, never
raises, never takes or changes an answer without reading it back, never forgets an answer it read back except in
the ways a person asks for, and always ends in a result or a clean stop once the person answers.

An answer read back ("No: numbness ...", a READBACK event) may later disappear only when the session ends (stop),
starts over (every answer gone, question 1 asked), the question is asked again in the same turn (go back, or "no"
to the check of the warning signs), or the question no longer applies after a changed answer. Each property runs a
few seconds."""

from __future__ import annotations

from fuzzing import fuzz
from hypothesis import given
from hypothesis import strategies as st

from voice_guide.content import COMMAND_IDS, Content, load_content
from voice_guide.dialog import Ask, Dialog, End, Event, Mode, Result, Say, SayKind, State, SwitchToKeyboard
from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.questionnaire import state

FUZZ = fuzz(100)

CONTENT: Content = load_content()
COMMAND_WORDS = sorted({w for c in CONTENT.commands for w in c.words})
OPTION_TEXTS = sorted(
    {o.text for q in CONTENT.questions for o in q.options} | {o.text for o in CONTENT.confirm_options}
)
STEPS = 60
"""Random turns per example (a whole questionnaire takes about 30)."""

probability = st.none() | st.floats(0.0, 1.0)


def draw_turn(data: st.DataObject, dialog: Dialog) -> tuple[str, object]:
    """One turn: what kind of input, and the input."""
    phrases = list(dialog.phrases()) or ["yes"]
    kind = data.draw(st.sampled_from(["typed", "typed", "spoken", "spoken", "silence", "unrecognized", "command"]))
    if kind == "typed":
        text = data.draw(
            st.sampled_from(phrases)
            | st.sampled_from(OPTION_TEXTS)
            | st.sampled_from(COMMAND_WORDS)
            | st.integers(0, 6).map(str)
            | st.text(max_size=30)
        )
        return kind, text
    if kind == "spoken":
        best = data.draw(st.sampled_from(phrases) | st.just(""))
        rivals = data.draw(st.lists(st.sampled_from(phrases), max_size=3, unique=True))
        hypotheses = tuple(
            Hypothesis(p, data.draw(probability)) for p in ([best] if best else []) + [r for r in rivals if r != best]
        )
        transcript = Transcript(
            best,
            data.draw(probability),
            hypotheses,
            other=data.draw(probability),
            speech=data.draw(probability),
            unexplained=data.draw(probability),
            snr_db=data.draw(st.none() | st.floats(-10, 80)),
        )
        return kind, transcript
    if kind == "command":
        return kind, data.draw(st.sampled_from(COMMAND_IDS))
    return kind, None


def act(dialog: Dialog, kind: str, value: object) -> list[Event]:
    if kind == "typed":
        assert isinstance(value, str)
        return dialog.hear(value)
    if kind == "spoken":
        assert isinstance(value, Transcript)
        return dialog.hear_spoken(value)
    if kind == "command":
        assert isinstance(value, str)
        return dialog.command(value)
    if kind == "silence":
        return dialog.silence()
    return dialog.not_understood()


def check_turn(dialog: Dialog, before: dict[str, str], events: list[Event]) -> None:
    """The answers changed only as the module docstring allows, and any result is the result of these answers."""
    after = dialog.answers
    read_back = sum(isinstance(e, Say) and e.kind is SayKind.READBACK for e in events)
    taken = {q for q, o in after.items() if before.get(q) != o}
    assert len(taken) == read_back, f"answers taken {taken} with {read_back} read-backs"
    asked_again = {e.question.id for e in events if isinstance(e, Ask)}
    ended = dialog.state is State.ENDED or any(isinstance(e, End) for e in events)
    restarted = not after and any(isinstance(e, Ask) and e.number == 1 for e in events)
    for question_id in set(before) - set(after):
        no_longer_applies = read_back > 0 and not CONTENT.question(question_id).applies(after)
        assert ended or restarted or question_id in asked_again or no_longer_applies, (
            f"forgot {question_id}={before[question_id]} (events: {events})"
        )
    for event in events:
        if isinstance(event, Result):
            expected = state(CONTENT, after).assessment
            assert event.assessment == expected


def step(dialog: Dialog, kind: str, value: object) -> None:
    before = dialog.answers
    events = act(dialog, kind, value)
    check_turn(dialog, before, events)
    if dialog.state is State.ENDED and kind != "command":  # (a command is a front end's own key: no longer offered)
        assert act(dialog, kind, value) == []  # nothing is heard after the end
    if any(isinstance(e, SwitchToKeyboard) for e in events):  # what the session loop does
        resumed = dialog.resume(dialog.answers, Mode.KEYBOARD)
        assert dialog.answers == before or dialog.answers == {k: v for k, v in before.items() if k in dialog.answers}
        check_turn(dialog, dialog.answers, resumed)


def finish(dialog: Dialog) -> None:
    """Answer as a cooperative person would (the first option, yes to every question asked back): the dialog must
    reach the result or the end within a bounded number of turns."""
    for _ in range(4 * len(CONTENT.questions) + 20):
        if dialog.state in (State.RESULT, State.ENDED):
            return
        if dialog.state is State.ASKING and dialog.question is not None:
            step(dialog, "typed", dialog.question.options[0].text)
        else:
            step(dialog, "typed", "yes")
    raise AssertionError(f"no result or end; state {dialog.state}, answers {dialog.answers}")


@FUZZ
@given(st.data(), st.sampled_from(list(Mode)))
def test_any_turns_keep_every_read_back_answer_and_end_in_a_result_or_a_stop(data: st.DataObject, mode: Mode) -> None:
    dialog = Dialog(CONTENT, mode)
    check_turn(dialog, {}, dialog.start())
    for _ in range(data.draw(st.integers(0, STEPS), label="turns")):
        kind, value = draw_turn(data, dialog)
        step(dialog, kind, value)
    finish(dialog)
    if dialog.state is State.RESULT:
        assert dialog.assessment is not None


@FUZZ
@given(st.data())
def test_any_turns_after_the_result_keep_the_answers_until_stop(data: st.DataObject) -> None:
    dialog = Dialog(CONTENT, data.draw(st.sampled_from(list(Mode))))
    dialog.start()
    finish(dialog)
    for _ in range(data.draw(st.integers(0, 20))):
        kind, value = draw_turn(data, dialog)
        step(dialog, kind, value)
    finish(dialog)
