"""The dialog state machine, driven through the conversation harness: what the person says, what the guide says."""

from __future__ import annotations

import pytest
from conversation import converse, heard_until_result, run_conversation

from voice_guide.content import Content
from voice_guide.dialog import (
    Ask,
    ChangeRate,
    CheckAnswers,
    Confirm,
    ConfirmCommand,
    Dialog,
    End,
    Mode,
    OfferKeyboard,
    Result,
    Say,
    SayKind,
    State,
    SwitchToKeyboard,
)
from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.questionnaire import state
from voice_guide.urgency import Urgency

PROSTATE_PATH = {"body": "prostate", "pattern": "new"}
"""Answers (by option text) for a person with a prostate; every other question is answered "No"."""


def progress(content: Content, number: int, total: int) -> str:
    return content.phrase("progress", number=number, total=total)


def usual_total(content: Content) -> int:
    """ "Question 1 of about N": the questions someone answering the usual answers (mostly "no") is asked."""
    return state(content, {}).total


def readback(content: Content, question_id: str, answer: str) -> str:
    return content.phrase("readback", answer=answer, topic=content.question(question_id).topic)


# ---- starting and answering ------------------------------------------------------------------------------------


def test_start_greets_warns_and_asks_the_first_question(content: Content) -> None:
    first = content.questions[0]
    said = run_conversation(content, heard=[])
    assert said == [
        content.phrase("emergency_first"),  # the safety line comes first
        content.phrase("welcome"),
        content.phrase("disclaimer"),
        content.phrase("how_to_answer_keyboard"),
        progress(content, 1, usual_total(content)),
        first.text,
        "  1. Yes",
        "  2. No",
        "  3. Not sure",
    ]


def test_voice_start_reads_the_options_and_voice_instructions(content: Content) -> None:
    said = run_conversation(content, heard=[], mode=Mode.VOICE)
    assert content.phrase("how_to_answer_voice") in said
    assert said[-1].endswith(content.phrase("options_intro", options="Yes, No, or Not sure"))


def test_a_clear_answer_is_read_back_and_the_next_question_asked(content: Content) -> None:
    t = converse(content, heard=["no"])
    assert t.last[:3] == [
        readback(content, "rf_nerves", "No"),
        progress(content, 2, usual_total(content)),
        content.question("rf_sepsis").text,
    ]
    assert t.dialog.answers == {"rf_nerves": "no"}
    assert t.events[-1][0] == Say(readback(content, "rf_nerves", "No"), SayKind.READBACK)


def test_typed_number_answers(content: Content) -> None:
    t = converse(content, heard=["2", "3"])
    assert t.dialog.answers == {"rf_nerves": "no", "rf_sepsis": "not_sure"}


def test_unsure_answer_is_confirmed_then_yes_accepts_it(content: Content) -> None:
    t = converse(content, heard=["no", "noo"])
    assert t.last == [content.phrase("confirm", answer="No"), "  1. Yes", "  2. No"]
    assert t.dialog.state is State.CONFIRMING_ANSWER
    assert "rf_sepsis" not in t.dialog.answers

    t = converse(content, heard=["yes"], dialog=t.dialog)
    assert t.last[0] == readback(content, "rf_sepsis", "No")
    assert t.dialog.answers == {"rf_nerves": "no", "rf_sepsis": "no"}
    assert t.dialog.question == content.question("rf_chest")


def test_confirm_answered_by_typed_number(content: Content) -> None:
    t = converse(content, heard=["no", "noo", "1"])
    assert t.dialog.answers == {"rf_nerves": "no", "rf_sepsis": "no"}


def test_unsure_answer_is_confirmed_then_no_asks_again(content: Content) -> None:
    t = converse(content, heard=["no", "noo", "no"])
    assert t.last[0] == content.phrase("not_confirmed")
    assert content.question("rf_sepsis").text in t.last
    assert t.dialog.answers == {"rf_nerves": "no"}
    assert t.dialog.state is State.ASKING


def test_unclear_answer_to_a_confirmation_asks_for_yes_or_no(content: Content) -> None:
    t = converse(content, heard=["no", "noo", "purple"])
    assert t.last[:3] == [
        content.phrase("not_understood_typed"),
        content.phrase("confirm_options"),
        content.phrase("confirm", answer="No"),
    ]
    assert t.dialog.state is State.CONFIRMING_ANSWER


def test_unclear_input_is_reasked_with_the_options_never_forced(content: Content) -> None:
    t = converse(content, heard=["purple"])
    assert t.last == [
        content.phrase("not_understood_typed"),  # typed answers get typing words, not hearing words
        progress(content, 1, usual_total(content)),
        content.questions[0].text,
        "  1. Yes",
        "  2. No",
        "  3. Not sure",
        content.phrase("number_hint", count=3),
    ]
    assert t.dialog.answers == {}


@pytest.mark.parametrize("heard", ["yes no", "what time is it"])
def test_unclear_input_by_voice_reads_the_options(content: Content, heard: str) -> None:
    t = converse(content, heard=[heard], mode=Mode.VOICE)
    assert t.last[0] == content.phrase("not_understood")
    assert t.last[1].endswith(content.phrase("options_intro", options="Yes, No, or Not sure"))
    assert t.dialog.answers == {}


def test_silence_is_told_apart_and_reasked(content: Content) -> None:
    t = converse(content, heard=[""], mode=Mode.VOICE)
    assert t.last[0] == content.phrase("no_input")
    assert t.last[1].startswith(progress(content, 1, usual_total(content)))
    assert t.dialog.answers == {}
    assert run_conversation(content, heard=["   "])[-7] == content.phrase("no_input_typed")


# ---- commands --------------------------------------------------------------------------------------------------


def test_repeat_asks_the_same_question_again(content: Content) -> None:
    t = converse(content, heard=["no", "repeat"])
    assert t.last[:2] == [progress(content, 2, usual_total(content)), content.question("rf_sepsis").text]
    assert t.dialog.answers == {"rf_nerves": "no"}


def test_repeat_while_confirming_repeats_the_confirmation(content: Content) -> None:
    t = converse(content, heard=["noo", "say that again"])
    assert t.last == [content.phrase("confirm", answer="No"), "  1. Yes", "  2. No"]


def test_help_explains_and_adds_the_question_s_own_help(content: Content) -> None:
    first = content.questions[0]
    assert first.help
    t = converse(content, heard=["help"])
    assert t.last[:4] == [content.phrase("help"), first.help, progress(content, 1, usual_total(content)), first.text]


def test_help_at_a_question_without_its_own_help(content: Content) -> None:
    vomiting = content.question("rf_chest")
    assert vomiting.help == ""
    heard = heard_until_result(content, PROSTATE_PATH)[: content.questions.index(vomiting)]
    t = converse(content, heard=[*heard, "what can I say"])
    assert t.dialog.question == vomiting
    assert t.last[0] == content.phrase("help")
    assert t.last[1] == progress(content, len(heard) + 1, usual_total(content))


def test_back_at_the_first_question_says_there_is_nothing_to_go_back_to(content: Content) -> None:
    t = converse(content, heard=["back"])
    assert t.last[:3] == [
        content.phrase("back_at_start"),
        progress(content, 1, usual_total(content)),
        content.questions[0].text,
    ]


def test_back_goes_to_the_previous_question_and_forgets_its_answer(content: Content) -> None:
    t = converse(content, heard=["no", "no", "go back"])
    assert t.last[:3] == [
        content.phrase("going_back", topic=content.question("rf_sepsis").topic),
        progress(content, 2, usual_total(content)),
        content.question("rf_sepsis").text,
    ]
    assert t.dialog.answers == {"rf_nerves": "no"}


def test_back_while_confirming_the_first_answer_cancels_the_confirmation(content: Content) -> None:
    """After "back", "No" answers the question; it is not taken as "no, that's not what I said"."""
    t = converse(content, heard=["noo", "back"])
    assert t.last[0] == content.phrase("back_at_start")
    assert t.dialog.state is State.ASKING
    t = converse(content, heard=["no"], dialog=t.dialog)
    assert t.dialog.answers == {"rf_nerves": "no"}


def test_going_back_from_the_result_and_changing_an_answer_changes_the_result(content: Content) -> None:
    heard = heard_until_result(content, PROSTATE_PATH)
    t = converse(content, heard=heard)
    before = t.dialog.assessment
    assert before is not None
    assert t.dialog.state is State.RESULT
    last = list(t.dialog.answers)[-1]
    assert last == "rf_lasting"

    t = converse(content, heard=["back"], dialog=t.dialog)
    assert t.last[0] == content.phrase("going_back", topic=content.question(last).topic)
    assert t.dialog.state is State.ASKING
    assert t.dialog.assessment is None

    t = converse(content, heard=["yes"], dialog=t.dialog)
    after = t.dialog.assessment
    assert after is not None
    assert "lasting_or_severe" not in [f.red_flag.id for f in before.red_flags]
    assert "lasting_or_severe" in [f.red_flag.id for f in after.red_flags]
    assert after.urgency is Urgency.SOON and before.urgency is Urgency.SELF_CARE
    assert any(line.startswith(content.urgency[Urgency.SOON].title) for line in t.last)


def test_back_twice_then_new_answers(content: Content) -> None:
    t = converse(content, heard=["no", "no", "back", "back", "not sure"])
    assert t.dialog.answers == {"rf_nerves": "not_sure"}


def test_start_over_forgets_every_answer(content: Content) -> None:
    t = converse(content, heard=["no", "no", "start over"])
    assert t.last[:3] == [
        content.phrase("restarted"),
        progress(content, 1, usual_total(content)),
        content.questions[0].text,
    ]
    assert t.dialog.answers == {}


def test_quit_before_the_result_ends_unfinished(content: Content) -> None:
    t = converse(content, heard=["no", "stop"])
    assert t.last == [content.phrase("goodbye")]
    assert t.events[-1][-1] == End(completed=False)
    assert t.dialog.state is State.ENDED
    assert t.dialog.answers == {}


def test_after_quitting_nothing_more_is_said(content: Content) -> None:
    t = converse(content, heard=["quit", "no", "repeat", ""])
    assert t.turns[2:] == [[], [], []]
    assert t.dialog.not_understood() == []
    assert t.dialog.state is State.ENDED


def test_quit_after_the_result_ends_completed(content: Content) -> None:
    t = converse(content, heard=[*heard_until_result(content, PROSTATE_PATH), "quit"])
    assert t.events[-1] == [Say(content.phrase("goodbye")), End(completed=True)]


@pytest.mark.parametrize(("word", "step", "phrase"), [("slower", -1, "slower"), ("speak faster", 1, "faster")])
def test_speech_rate_commands_in_voice_mode(content: Content, word: str, step: int, phrase: str) -> None:
    t = converse(content, heard=["no", word], mode=Mode.VOICE)
    assert t.events[-1][0] == ChangeRate(step)
    assert t.last[0] == content.phrase(phrase)
    assert t.last[1].startswith(progress(content, 2, usual_total(content)))
    assert t.dialog.answers == {"rf_nerves": "no"}


@pytest.mark.parametrize("word", ["slower", "faster"])
def test_speech_rate_commands_in_keyboard_mode_only_explain(content: Content, word: str) -> None:
    t = converse(content, heard=[word])
    assert not any(isinstance(e, ChangeRate) for e in t.events[-1])
    assert t.last[:2] == [content.phrase("rate_only_voice"), progress(content, 1, usual_total(content))]


def test_keyboard_command(content: Content) -> None:
    # Spoken, it is asked about first (other people's speech can sound like "let me type"); then it switches.
    t = converse(content, heard=["keyboard"], mode=Mode.VOICE)
    assert t.events[-1] == [ConfirmCommand(content.command("keyboard"))]
    assert converse(content, heard=["keyboard", "yes"], mode=Mode.VOICE).events[-1] == [SwitchToKeyboard()]
    assert converse(content, heard=["keyboard"]).last[0] == content.phrase("already_keyboard")


@pytest.mark.parametrize(("word", "command"), [("stop", "quit"), ("start over", "restart")])
def test_spoken_commands_that_lose_the_answers_are_asked_about_even_when_clear(
    content: Content, word: str, command: str
) -> None:
    t = converse(content, heard=["no", word], mode=Mode.VOICE)
    assert t.events[-1] == [ConfirmCommand(content.command(command))]
    assert t.dialog.answers == {"rf_nerves": "no"}
    # Typed, they act at once: typing is deliberate.
    typed = converse(content, heard=["no", word])
    assert not any(isinstance(e, ConfirmCommand) for e in typed.events[-1])
    assert typed.dialog.answers == {}


def test_a_clear_stop_after_the_result_ends_at_once(content: Content) -> None:
    dialog = voice_dialog(content)
    for answer in ("no", "no", "no", "yes"):  # an emergency: the result comes at once
        dialog.hear(answer)
    assert isinstance(dialog.hear("stop")[-1], End)


# ---- progress --------------------------------------------------------------------------------------------------


def test_progress_counts_up_and_the_total_shrinks_when_answers_rule_questions_out(content: Content) -> None:
    heard = heard_until_result(content, PROSTATE_PATH)
    t = converse(content, heard=heard)
    asks = [e for e in t.all_events() if isinstance(e, Ask)]
    answered = len(t.dialog.answers)
    assert [a.number for a in asks] == list(range(1, answered + 1))
    assert asks[0].total == usual_total(content)
    assert asks[-1].total == answered
    body = next(i for i, a in enumerate(asks) if a.question.id == "body")
    assert asks[body + 1].total < asks[body].total
    assert all(a.total >= a.number for a in asks)


# ---- repeated failures, emergencies ----------------------------------------------------------------------------


def test_voice_offers_the_keyboard_after_three_failures_in_a_row(content: Content) -> None:
    t = converse(content, heard=["purple", "", "what time is it"], mode=Mode.VOICE)
    offers = [[isinstance(e, OfferKeyboard) for e in turn] for turn in t.events[1:]]
    assert [any(turn) for turn in offers] == [False, False, True]
    assert t.last[-1] == content.phrase("offer_keyboard")


def test_a_good_answer_resets_the_failure_count(content: Content) -> None:
    t = converse(content, heard=["purple", "purple", "no", "purple"], mode=Mode.VOICE)
    assert not any(isinstance(e, OfferKeyboard) for e in t.all_events())


def test_the_keyboard_is_not_offered_in_keyboard_mode(content: Content) -> None:
    t = converse(content, heard=["purple"] * 5)
    assert not any(isinstance(e, OfferKeyboard) for e in t.all_events())


def test_an_emergency_answer_stops_the_questions_at_once(content: Content) -> None:
    t = converse(content, heard=["yes"])
    assert t.events[-1][1] == Say(content.phrase("emergency_stop"), SayKind.WARNING)
    result = next(e for e in t.events[-1] if isinstance(e, Result))
    assert result.assessment.urgency is Urgency.EMERGENCY
    assert result.assessment.complete is False
    assert not any(isinstance(e, Ask) for e in t.events[-1])
    assert t.dialog.state is State.RESULT
    assert content.urgency[Urgency.EMERGENCY].title + "." in " ".join(t.last)


def test_at_the_result_answers_and_silence_point_to_the_commands(content: Content) -> None:
    t = converse(content, heard=["yes", "no", ""])
    assert t.turns[2:] == [[content.phrase("result_after")], [content.phrase("result_after")]]


def test_repeat_at_the_result_gives_it_again(content: Content) -> None:
    t = converse(content, heard=["yes", "repeat"])
    assert isinstance(t.events[-1][0], Result)


# ---- switching front ends and the next person ------------------------------------------------------------------


def test_resume_keeps_the_answers_and_asks_the_current_question_again(content: Content) -> None:
    """The voice -> keyboard fallback: answers given by voice are kept, and the guide does not greet again."""
    t = converse(content, heard=["no", "no"], mode=Mode.VOICE)
    events = t.dialog.resume(t.dialog.answers, Mode.KEYBOARD)
    assert t.dialog.mode is Mode.KEYBOARD
    assert t.dialog.answers == {"rf_nerves": "no", "rf_sepsis": "no"}
    assert events[0] == Say(content.phrase("how_to_answer_keyboard"))
    assert Say(content.phrase("welcome")) not in events
    ask = events[-1]
    assert isinstance(ask, Ask)
    assert (ask.question.id, ask.number) == ("rf_chest", 3)
    t = converse(content, heard=["2"], dialog=t.dialog)
    assert t.dialog.answers["rf_chest"] == "no"


def test_resume_while_confirming_asks_the_question_again(content: Content) -> None:
    t = converse(content, heard=["noo"], mode=Mode.VOICE)
    events = t.dialog.resume(t.dialog.answers, Mode.KEYBOARD)
    assert t.dialog.state is State.ASKING
    assert not any(isinstance(e, Confirm) for e in events)


def test_reset_forgets_everything(content: Content) -> None:
    t = converse(content, heard=heard_until_result(content, PROSTATE_PATH))
    assert t.dialog.assessment is not None
    t.dialog.reset()
    assert t.dialog.answers == {}
    assert t.dialog.assessment is None
    assert t.dialog.question is None
    assert t.dialog.state is State.ASKING
    events = t.dialog.start()
    assert events[0] == Say(content.phrase("emergency_first"), SayKind.WARNING)
    assert isinstance(events[-1], Ask)
    assert events[-1].number == 1


# ---- what the recognizer doubts it heard ------------------------------------------------------------------------


def voice_dialog(content: Content) -> Dialog:
    dialog = Dialog(content, Mode.VOICE)
    dialog.start()
    return dialog


def doubtful(text: str) -> Transcript:
    """A hearing the recognizer is unsure of (an uncalibrated engine's low confidence)."""
    return Transcript(text, 0.1, (Hypothesis(text, 0.1),))


def test_a_doubted_answer_is_read_back_not_taken(content: Content) -> None:
    dialog = voice_dialog(content)
    events = dialog.hear_spoken(doubtful("yes"))
    assert events == [Confirm(content.questions[0], content.questions[0].option("yes"))]
    assert dialog.answers == {}
    dialog.hear("yes")
    assert dialog.answers == {"rf_nerves": "yes"}


def test_a_doubted_stop_is_asked_about_and_yes_stops(content: Content) -> None:
    dialog = voice_dialog(content)
    dialog.hear("no")
    events = dialog.hear_spoken(doubtful("stop"))
    assert events == [ConfirmCommand(content.command("quit"))]
    assert dialog.state is State.CONFIRMING_COMMAND and dialog.pending_command == "quit" and dialog.pending is None
    assert dialog.answers == {"rf_nerves": "no"}  # nothing is lost while asking
    events = dialog.hear("yes")
    assert isinstance(events[-1], End)
    assert dialog.answers == {}


def test_no_to_a_doubted_command_changes_nothing_and_asks_the_question_again(content: Content) -> None:
    dialog = voice_dialog(content)
    dialog.hear("no")
    assert dialog.hear_spoken(doubtful("go back")) == [ConfirmCommand(content.command("back"))]
    events = dialog.hear("no")
    assert events[0] == Say(content.phrase("not_confirmed_command"))
    assert isinstance(events[1], Ask) and events[1].question.id == "rf_sepsis"
    assert dialog.state is State.ASKING and dialog.answers == {"rf_nerves": "no"}


def test_losing_the_answers_needs_a_clear_yes(content: Content) -> None:
    """A doubtful "yes" to "Do you want to start again?" is not enough: the guide asks once more."""
    dialog = voice_dialog(content)
    dialog.hear("no")
    dialog.hear("start over")
    events = dialog.hear_spoken(doubtful("yes"))
    assert dialog.state is State.CONFIRMING_COMMAND and dialog.answers == {"rf_nerves": "no"}
    problem = Say(content.phrase("not_understood"), SayKind.PROBLEM)
    assert events[:2] == [problem, Say(content.phrase("confirm_options"))]
    assert ConfirmCommand(content.command("restart")) in events
    dialog.hear("yes")
    assert (dialog.answers, dialog.state) == ({}, State.ASKING)


def test_stop_heard_at_a_read_back_is_asked_about_and_no_returns_to_the_read_back(content: Content) -> None:
    """In live runs "correct" was heard as "quit" at a read-back, and the guide ended and forgot every answer."""
    dialog = voice_dialog(content)
    dialog.hear("no")
    dialog.hear_spoken(doubtful("yes"))  # read back: "I heard: yes. Is that right?"
    assert dialog.state is State.CONFIRMING_ANSWER
    events = dialog.hear("quit")
    assert events == [ConfirmCommand(content.command("quit"))]
    events = dialog.hear("no")
    assert events == [
        Say(content.phrase("not_confirmed_command")),
        Confirm(content.question("rf_sepsis"), content.question("rf_sepsis").option("yes")),
    ]
    assert dialog.state is State.CONFIRMING_ANSWER and dialog.answers == {"rf_nerves": "no"}
    dialog.hear("correct")
    assert dialog.answers == {"rf_nerves": "no", "rf_sepsis": "yes"}


@pytest.mark.parametrize("yes", ["correct", "that's right", "yep", "yes it is", "exactly"])
@pytest.mark.parametrize("no", ["wrong", "no it isn't", "that's wrong", "nope", "not right"])
def test_a_read_back_understands_the_ways_people_say_yes_and_no(content: Content, yes: str, no: str) -> None:
    dialog = voice_dialog(content)
    dialog.hear_spoken(doubtful("yes"))
    dialog.hear(no)
    assert dialog.state is State.ASKING and dialog.answers == {}
    dialog.hear_spoken(doubtful("yes"))
    dialog.hear(yes)
    assert dialog.answers == {"rf_nerves": "yes"}


def test_a_doubted_repeat_or_help_is_simply_obeyed(content: Content) -> None:
    dialog = voice_dialog(content)
    events = dialog.hear_spoken(doubtful("repeat"))
    assert isinstance(events[-1], Ask) and events[-1].question.id == "rf_nerves"
    assert not any(isinstance(e, ConfirmCommand) for e in events)


def test_while_a_command_is_asked_about(content: Content) -> None:
    dialog = voice_dialog(content)
    dialog.hear("no")
    dialog.hear_spoken(doubtful("go back"))
    # Silence or mumbling asks again; the text view lists the yes / no options.
    events = dialog.silence()
    assert ConfirmCommand(content.command("back")) in events
    assert dialog.pending_command == "back"
    # Another command, clear enough to be taken, replaces the one asked about.
    events = dialog.hear("faster")
    assert dialog.state is State.ASKING and dialog.pending_command is None
    assert dialog.answers == {"rf_nerves": "no"} and dialog.question is not None
    assert dialog.question.id == "rf_sepsis"


def test_a_doubted_stop_after_the_result_is_asked_about_too(content: Content) -> None:
    dialog = voice_dialog(content)
    dialog.hear("no")
    dialog.hear("no")
    dialog.hear("no")
    dialog.hear("yes")  # sudden severe one-sided pain: an emergency, the result comes at once
    assert dialog.state is State.RESULT
    assert dialog.hear_spoken(doubtful("stop")) == [ConfirmCommand(content.command("quit"))]
    events = dialog.hear("no")
    assert events == [Say(content.phrase("not_confirmed_command")), Say(content.phrase("result_after"))]
    assert dialog.state is State.RESULT
    assert isinstance(dialog.hear("stop")[-1], End)


def test_a_speed_change_at_the_result_does_not_read_the_whole_result_again(content: Content) -> None:
    """ "Stop" at the result was heard as "slow down" and the 90-second result was read again."""
    dialog = voice_dialog(content)
    for answer in ("no", "no", "no", "yes"):
        dialog.hear(answer)
    events = dialog.hear("slow down")
    assert events == [ChangeRate(-1), Say(content.phrase("slower")), Say(content.phrase("result_after"))]
    assert isinstance(dialog.hear("repeat")[0], Result)  # repeat still gives it again


def test_every_command_has_an_action_to_ask_about(content: Content) -> None:
    for command in content.commands:
        question = content.phrase("confirm_command", action=command.action)
        assert question.startswith("Do you want to ") and command.action in question


# ---- warning signs: a doubtful "no" is read back, and every "no" is checked before the result --------------------


def test_a_doubtful_no_at_a_warning_sign_question_is_read_back(content: Content) -> None:
    """A posterior that is enough to take a "yes" (which only over-triages) is not enough for a "no" (which could
    miss an emergency)."""
    dialog = voice_dialog(content)
    middling = Transcript("no", 0.45, (Hypothesis("no", 0.45),))  # above CONFIRM_BELOW, below the bar for "no"
    assert dialog.hear_spoken(middling) == [Confirm(content.questions[0], content.questions[0].option("no"))]
    dialog.hear("no")  # "no, that is not what I said": the question again
    events = dialog.hear_spoken(Transcript("yes", 0.45, (Hypothesis("yes", 0.45),)))
    assert dialog.answers == {"rf_nerves": "yes"} and isinstance(events[-2], Result)


def test_before_the_result_every_no_to_a_warning_sign_is_read_back_in_one_sentence(content: Content) -> None:
    heard = heard_until_result(content, PROSTATE_PATH)
    t = converse(content, heard=[h.lower() for h in heard], mode=Mode.VOICE)
    check = t.events[-1][-1]
    assert isinstance(check, CheckAnswers)
    assert t.dialog.state is State.CHECKING and t.dialog.assessment is None
    red_flag_questions = [q for q in content.questions if q.red_flag and q.id in t.dialog.answers]
    assert list(check.questions) == [q for q in red_flag_questions if t.dialog.answers[q.id] == "no"]
    assert t.last[-1].startswith(content.phrase("check_answers", topics="")[:20])
    assert check.questions[0].topic in t.last[-1] and check.questions[-1].topic in t.last[-1]
    t = converse(content, heard=["yes"], dialog=t.dialog)
    assert t.dialog.state is State.RESULT and any(isinstance(e, Result) for e in t.events[-1])


def test_no_to_the_check_asks_those_questions_again_keeping_the_other_answers(content: Content) -> None:
    heard = heard_until_result(content, PROSTATE_PATH)
    t = converse(content, heard=[h.lower() for h in heard], mode=Mode.VOICE)
    others = {k: v for k, v in t.dialog.answers.items() if not content.question(k).red_flag}
    t = converse(content, heard=["no"], dialog=t.dialog)
    assert t.last[0] == content.phrase("check_again")
    assert t.dialog.question == content.questions[0]
    assert others.items() <= t.dialog.answers.items()
    t = converse(content, heard=["yes"], dialog=t.dialog)  # numbness after all: an emergency
    assert t.dialog.assessment is not None and t.dialog.assessment.urgency is Urgency.EMERGENCY


def test_typed_answers_are_not_checked_again(content: Content) -> None:
    t = converse(content, heard=heard_until_result(content, PROSTATE_PATH))
    assert t.dialog.state is State.RESULT
    assert not any(isinstance(e, CheckAnswers) for e in t.all_events())


def test_the_body_answer_is_always_read_back(content: Content) -> None:
    body = content.question("body")
    dialog = Dialog(content, Mode.KEYBOARD)
    dialog.start()
    while dialog.question != body:
        dialog.hear("no")
    assert dialog.hear("I have a penis") == [Confirm(body, body.option("penis"))]
    assert dialog.answers.get("body") is None
    dialog.hear("yes")
    assert dialog.answers["body"] == "penis"
