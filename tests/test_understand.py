"""The understanding step: one decision (take, read back, ask again) with its reasons, for every kind of hearing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from voice_guide.content import Content
from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.speech.endpoint import EndpointSettings
from voice_guide.understand import (
    COMMAND_RULES,
    NOISY_BELOW_DB,
    PREFIX_END,
    QUICK_END,
    TAKE_AT,
    TAKE_REASSURING_AT,
    UNEXPLAINED_DOUBT,
    Action,
    Turn,
    Understanding,
    UnderstandingSettings,
    Why,
)


@pytest.fixture(scope="module")
def understanding(content: Content) -> Understanding:
    return Understanding(content)


@pytest.fixture(scope="module")
def fever(understanding: Understanding, content: Content) -> Turn:
    """A warning-sign question: "Do you have a high temperature, or are you shivering?"."""
    return understanding.asking(content.question("rf_fever"))


def heard(*phrases: str | float) -> tuple[Hypothesis, ...]:
    """Hypotheses from ("best", confidence, "next", ...)."""
    best, confidence, *rest = phrases
    return (Hypothesis(str(best), float(confidence)), *(Hypothesis(str(p)) for p in rest))


def scored(other: float, **posteriors: float) -> Transcript:
    """A calibrated engine's transcript: a posterior for each phrase, and for "something else"."""
    ranked = sorted(posteriors.items(), key=lambda item: -item[1])
    hypotheses = tuple(Hypothesis(phrase.replace("_", " "), p) for phrase, p in ranked)
    return Transcript(hypotheses[0].phrase, hypotheses[0].probability, hypotheses, other=other)


# ---- spoken, uncalibrated (pocketsphinx, vosk) -------------------------------------------------------------------


def test_a_clear_hearing_is_taken_and_nothing_usable_is_asked_again(understanding: Understanding, fever: Turn) -> None:
    yes = understanding.spoken(Transcript("yes", 0.9, heard("yes", 0.9)), fever)
    assert (yes.action, yes.option and yes.option.id, yes.why) == (Action.TAKE, "yes", (Why.CLEAR,))
    assert understanding.spoken(Transcript("go back", 0.9), fever).command == "back"
    assert understanding.spoken(Transcript(""), fever).why == (Why.NOTHING_HEARD,)
    two_things = understanding.spoken(Transcript("yes no", 0.9), fever)
    assert (two_things.action, two_things.why) == (Action.ASK_AGAIN, (Why.NOT_UNDERSTOOD,))


def test_speech_left_unexplained_by_the_phrase_puts_a_hearing_in_doubt(
    understanding: Understanding, fever: Turn
) -> None:
    explained = Transcript("yes", confidence=0.9, unexplained=0.0)
    left_over = Transcript("yes", confidence=0.9, unexplained=UNEXPLAINED_DOUBT + 0.1)
    assert understanding.spoken(explained, fever).action is Action.TAKE
    assert understanding.spoken(left_over, fever).action is Action.READ_BACK
    assert Why.UNEXPLAINED in understanding.spoken(left_over, fever).why
    # "my back hurts" heard as "back": a command that changes something is asked about, not obeyed at once.
    assert understanding.spoken(Transcript("back", confidence=0.9, unexplained=0.0), fever).action is Action.TAKE
    doubted_back = understanding.spoken(Transcript("back", confidence=0.9, unexplained=0.5), fever)
    assert (doubted_back.action, doubted_back.command) == (Action.READ_BACK, "back")
    assert understanding.spoken(Transcript("repeat", confidence=0.1), fever).action is Action.TAKE


def test_a_close_alternative_that_means_something_else_puts_a_hearing_in_doubt(
    understanding: Understanding, fever: Turn
) -> None:
    def action(*alternatives: str) -> Action:
        return understanding.spoken(Transcript("it does", 0.9, heard("it does", 0.9, *alternatives)), fever).action

    assert action() is Action.TAKE
    assert action("yeah") is Action.TAKE  # another way of saying the same answer
    assert action("repeat") is Action.TAKE  # a command that only asks again changes nothing
    assert action("it doesnt") is Action.READ_BACK  # "I heard: Yes. Is that right?"
    assert action("yeah", "go back") is Action.READ_BACK
    assert action("yeah", "sort of", "it doesnt") is Action.TAKE  # only the closest alternatives are rivals


def test_in_a_noisy_room_every_answer_is_read_back(understanding: Understanding, fever: Turn) -> None:
    quiet = Transcript("yes", confidence=0.9, snr_db=NOISY_BELOW_DB + 20)
    noisy = Transcript("yes", confidence=0.9, snr_db=NOISY_BELOW_DB - 5)
    assert understanding.spoken(quiet, fever).action is Action.TAKE
    assert understanding.spoken(noisy, fever).why == (Why.NOISY,)


def test_a_reassuring_answer_at_a_warning_sign_needs_more(understanding: Understanding, fever: Turn) -> None:
    """Asymmetric safety: "no" at a warning-sign question is read back where "yes" would be taken."""
    assert understanding.spoken(Transcript("yes", 0.45, heard("yes", 0.45)), fever).action is Action.TAKE
    no = understanding.spoken(Transcript("no", 0.45, heard("no", 0.45)), fever)
    assert (no.action, no.why) == (Action.READ_BACK, (Why.REASSURING,))
    # Every next hypothesis is a rival there, not only the closest two.
    far_rival = understanding.spoken(Transcript("no", 0.9, heard("no", 0.9, "nope", "nah", "yes")), fever)
    assert far_rival.action is Action.READ_BACK
    # At a question that is not a warning sign, "no" is an answer like any other.
    pattern = understanding.asking(understanding.content.question("side_pain"))
    assert understanding.spoken(Transcript("no", 0.45, heard("no", 0.45)), pattern).action is Action.TAKE


def test_reassuring_options_are_the_ones_no_red_flag_rule_names(understanding: Understanding, content: Content) -> None:
    for question in content.questions:
        if not question.red_flag:
            continue
        named = {
            o for f in content.red_flags for r in f.rules for c in r.when if c.question == question.id for o in c.any_of
        }
        for option in question.options:
            assert understanding.is_reassuring(question.id, option.id) == (option.id not in named), (
                question.id,
                option.id,
            )
    assert understanding.is_reassuring("rf_nerves", "no") and not understanding.is_reassuring("rf_nerves", "not_sure")


def test_confirm_below_zero_turns_acoustic_doubts_off(content: Content, fever: Turn) -> None:
    scripted = Understanding(content, settings=UnderstandingSettings(confirm_below=0))
    assert scripted.spoken(Transcript("no", 0.01, unexplained=0.9, snr_db=1.0), fever).action is Action.TAKE
    # ...but not the rules that keep answers safe: stop is still asked about.
    assert scripted.spoken(Transcript("stop", 1.0), fever).action is Action.READ_BACK


# ---- spoken, calibrated (posteriors over the candidates and "something else") --------------------------------------


def test_calibrated_posteriors_add_up_per_meaning(understanding: Understanding, fever: Turn) -> None:
    # "yes" and "yeah" both mean yes: 0.6 + 0.35 = 0.95 >= TAKE_AT.
    both = understanding.spoken(scored(0.02, yes=0.6, yeah=0.35, no=0.03), fever)
    assert both.action is Action.TAKE and both.probability == pytest.approx(0.95)
    assert TAKE_AT <= 0.95
    split = understanding.spoken(scored(0.05, yes=0.6, no=0.35), fever)
    assert (split.action, split.why) == (Action.READ_BACK, (Why.LOW_CONFIDENCE,))


def test_something_else_more_likely_than_any_meaning_is_asked_again(understanding: Understanding, fever: Turn) -> None:
    off_topic = understanding.spoken(scored(0.7, yes=0.2, no=0.1), fever)
    assert (off_topic.action, off_topic.why) == (Action.ASK_AGAIN, (Why.SOMETHING_ELSE,))


def test_a_free_decode_that_reads_as_the_same_answer_is_evidence_for_it(
    understanding: Understanding, content: Content
) -> None:
    """Whisper scores "something else" on its own free decode: "at womb" for "a womb" is the same answer in other
    letters, so its mass counts for that answer; a phrase inside a longer free decode, or another answer, does not."""
    body = understanding.asking(content.question("body"))
    womb = scored(0.9, a_womb=0.08, penis=0.02)
    assert understanding.spoken(womb, body).why == (Why.SOMETHING_ELSE,)  # no free decode: as before
    agreeing = understanding.spoken(replace(womb, free_text="at womb"), body)
    assert agreeing.action is not Action.ASK_AGAIN and agreeing.option is not None and agreeing.option.id == "womb"
    assert agreeing.probability == pytest.approx(0.98)
    for free in ("the womb was late today, I think", "a penis", "what time is it"):
        assert understanding.spoken(replace(womb, free_text=free), body).why == (Why.SOMETHING_ELSE,), free


def test_calibrated_reassuring_answer_needs_its_own_bar(understanding: Understanding, fever: Turn) -> None:
    middling = understanding.spoken(scored(0.02, no=0.95, yes=0.03), fever)
    assert middling.action is Action.READ_BACK and Why.REASSURING in middling.why
    assert TAKE_REASSURING_AT > 0.95
    sure = understanding.spoken(scored(0.005, no=0.99, yes=0.005), fever)
    assert sure.action is Action.TAKE


def test_the_speech_gate_asks_again_whatever_was_decoded(understanding: Understanding, fever: Turn) -> None:
    noise = Transcript("yes", 0.99, heard("yes", 0.99), other=0.0, speech=0.1)
    assert understanding.spoken(noise, fever).why == (Why.NO_SPEECH,)


# ---- commands ----------------------------------------------------------------------------------------------------


def test_every_command_has_a_rule_and_stop_start_over_and_keyboard_are_always_asked(
    understanding: Understanding, content: Content, fever: Turn
) -> None:
    assert set(COMMAND_RULES) == {c.id for c in content.commands}
    for command in content.commands:
        decision = understanding.spoken(Transcript(command.words[0], 1.0), fever)
        rule = COMMAND_RULES[command.id]
        asked = rule.loses_answers or rule.leaves_voice
        assert decision.command == command.id
        assert decision.action is (Action.READ_BACK if asked else Action.TAKE), command.id
        # Typed, every command acts at once.
        assert understanding.typed(command.words[0], fever).action is Action.TAKE


def test_stop_is_asked_about_at_a_read_back_too(understanding: Understanding, content: Content) -> None:
    confirming = understanding.confirming(content.question("rf_fever"))
    assert understanding.spoken(Transcript("quit", 1.0), confirming).action is Action.READ_BACK
    after = understanding.at_result()
    assert understanding.spoken(Transcript("stop", 1.0), after).action is Action.TAKE  # the answers have served
    assert understanding.spoken(Transcript("start over", 1.0), after).action is Action.READ_BACK


# ---- confirmations -----------------------------------------------------------------------------------------------


def test_a_yes_to_a_read_back_must_be_clear_and_a_no_is_taken(understanding: Understanding, content: Content) -> None:
    confirming = understanding.confirming(content.question("rf_fever"))
    assert understanding.spoken(Transcript("correct", 0.9), confirming).action is Action.TAKE
    unclear = understanding.spoken(Transcript("yes", 0.1), confirming)
    assert (unclear.action, unclear.why[0]) == (Action.ASK_AGAIN, Why.UNCLEAR_YES)
    assert understanding.spoken(Transcript("wrong", 0.1), confirming).action is Action.TAKE


# ---- typed -------------------------------------------------------------------------------------------------------


def test_an_answer_spoken_by_its_place_in_the_list_is_read_back_with_its_words(
    understanding: Understanding, content: Content, fever: Turn
) -> None:
    """ "the first one" and "the fifth one", "three" and "true" sound alike (Whisper heard espeak's "the fifth one" as
    "the first one" and "true" as "three", each with a posterior above TAKE_AT), and the option's words were never
    said: by voice a place is always read back, however sure the recognizer; typed, a place is taken as it is."""
    back = understanding.asking(content.question("back"))
    assert len(back.options) >= 5
    sure = understanding.spoken(scored(0.001, the_first_one=0.999), back)
    assert (sure.action, sure.option, sure.why) == (Action.READ_BACK, back.options[0], (Why.BY_PLACE,))
    bare = understanding.spoken(Transcript("three", 0.95, heard("three", 0.95)), fever)
    assert (bare.action, bare.option and bare.option.id, bare.why) == (Action.READ_BACK, "not_sure", (Why.BY_PLACE,))
    words = understanding.spoken(scored(0.001, not_sure=0.999), fever)
    assert words.action is Action.TAKE  # the same answer in its own words is taken
    assert understanding.typed("the first one", back).action is Action.TAKE
    assert understanding.typed("3", fever).action is Action.TAKE
    off = UnderstandingSettings(confirm_below=0.0)  # acoustic doubts off (a trusted transcript, e.g. converse)
    assert Understanding(content, settings=off).spoken(scored(0.001, the_first_one=0.999), back).action is Action.TAKE


def test_typed_rules(understanding: Understanding, content: Content, fever: Turn) -> None:
    assert understanding.typed("2", fever).option == content.question("rf_fever").option("no")
    assert understanding.typed("yse", fever).action is Action.READ_BACK  # a typo is read back
    assert understanding.typed("purple", fever).action is Action.ASK_AGAIN
    assert understanding.typed("  ", fever).why == (Why.NOTHING_HEARD,)
    body = understanding.asking(content.question("body"))
    assert content.question("body").always_confirm
    assert understanding.typed("womb", body).why == (Why.ALWAYS_CONFIRMED,)
    confirming = understanding.confirming(content.question("rf_fever"))
    assert understanding.typed("1", confirming).option == content.confirm_options[0]
    assert understanding.typed("yess", confirming).action is Action.ASK_AGAIN  # a rough yes is not a clear yes


def test_decision_as_json(understanding: Understanding, fever: Turn) -> None:
    data = understanding.spoken(Transcript("yes", 0.9), fever).as_json()
    assert data["decision"] == "take" and data["match"] == {"option": "yes", "text": "Yes"} and data["why"] == ["clear"]


def test_the_end_of_an_answer_is_decided_from_what_was_said(
    understanding: Understanding, content: Content, fever: Turn
) -> None:
    """At a short pause: a complete answer ends the turn soon; one that could still go on into something else, or
    that rules a warning sign out, a little later; anything that would be read back or asked again, not yet."""
    assert understanding.end_after(Transcript("yes", 0.9, heard("yes", 0.9)), fever) == QUICK_END
    assert understanding.end_after(Transcript("not sure", 0.9, heard("not sure", 0.9)), fever) == QUICK_END
    assert understanding.end_after(Transcript("no", 0.9, heard("no", 0.9)), fever) == PREFIX_END  # reassuring
    peeing = understanding.asking(content.question("side_pain"))
    assert understanding.end_after(Transcript("no", 0.9, heard("no", 0.9)), peeing) == PREFIX_END  # "no idea"
    assert understanding.end_after(Transcript("yeah", 0.9, heard("yeah", 0.9)), peeing) == QUICK_END
    assert understanding.end_after(Transcript("yes", 0.1, heard("yes", 0.1)), fever) is None  # would be read back
    assert understanding.end_after(Transcript(""), fever) is None
    assert QUICK_END < PREFIX_END < EndpointSettings().end_silence
