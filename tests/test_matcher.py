"""The matcher: every phrase in prompts/ matches back to its own target, and unclear input is never forced onto an
option (typos and long sentences are confirmed, mixed or off-topic input is re-asked)."""

from __future__ import annotations

import pytest

from voice_guide.content import Content, Option, Question
from voice_guide.matcher import CommandMatch, Fit, Matcher, NoMatch, OptionMatch


@pytest.fixture(scope="module")
def matcher(content: Content) -> Matcher:
    return Matcher(content)


@pytest.fixture
def yes_no(content: Content) -> tuple[Option, ...]:
    return content.question("rf_nerves").options


def _option_sets(content: Content) -> list[tuple[str, tuple[Option, ...]]]:
    """Every list of options the person can be offered: each question's, and the confirm set."""
    return [(q.id, q.options) for q in content.questions] + [("(confirm)", content.confirm_options)]


def _accepted_option(match: object) -> str:
    """The option id of an accepted option match, or a description of what the match was instead."""
    if isinstance(match, OptionMatch) and match.fit is Fit.CLOSE:
        return match.option.id
    return repr(match)


# ---- expand the grammar and check it (STYLE.md item 12) ----------------------------------------------------------


def test_every_option_phrase_and_synonym_is_accepted_as_its_own_option(content: Content, matcher: Matcher) -> None:
    wrong = []
    checked = 0
    for where, options in _option_sets(content):
        for option in options:
            for phrase in option.phrases:
                checked += 1
                got = _accepted_option(matcher.match(phrase, options))
                if got != option.id:
                    wrong.append(f"{where}: {phrase!r} -> {got} (expected {option.id})")
    assert checked > 100
    assert wrong == []


def test_every_ordinal_picks_its_option(content: Content, matcher: Matcher) -> None:
    wrong = []
    for where, options in _option_sets(content):
        for option, words in zip(options, content.ordinals, strict=False):
            for word in words:
                got = _accepted_option(matcher.match(word, options))
                if got != option.id:
                    wrong.append(f"{where}: {word!r} -> {got} (expected {option.id})")
    assert wrong == []


def test_every_command_word_is_its_command_at_every_question(content: Content, matcher: Matcher) -> None:
    wrong = []
    for where, options in _option_sets(content):
        for command in content.commands:
            for word in command.words:
                match = matcher.match(word, options)
                if not (isinstance(match, CommandMatch) and match.command == command.id):
                    wrong.append(f"{where}: {word!r} -> {match!r} (expected command {command.id})")
    assert wrong == []


def test_an_ordinal_beyond_the_options_is_never_accepted(content: Content, matcher: Matcher) -> None:
    """ "The fifth one" of three options sounds like "the first one": at most it is confirmed, never taken."""
    yes_no = content.question("rf_blood_urine").options
    assert len(yes_no) == 3
    assert _accepted_option(matcher.match("the fifth one", yes_no)) not in {o.id for o in yes_no}


def test_phrases_for_grammars_cover_options_ordinals_and_commands(content: Content, matcher: Matcher) -> None:
    phrases = matcher.phrases(content.question("body").options)
    assert {"womb", "i have both", "neither", "the fifth one", "go back", "start over"} <= set(phrases)
    assert len(phrases) == len(set(phrases))


# ---- typed digits ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "option_id"), [("1", "yes"), ("2", "no"), (" 3 ", "not_sure"), ("2.", "no"),
                                                  ("3)", "not_sure"), ("02", "no")])  # fmt: skip
def test_typed_digits_pick_the_option(matcher: Matcher, yes_no: tuple[Option, ...], typed: str, option_id: str) -> None:
    match = matcher.match(typed, yes_no)
    assert isinstance(match, OptionMatch)
    assert (match.option.id, match.fit) == (option_id, Fit.CLOSE)


@pytest.mark.parametrize("typed", ["0", "4", "99", "123", "-1", "1 2"])
def test_typed_numbers_that_are_not_options_are_reasked(
    matcher: Matcher, yes_no: tuple[Option, ...], typed: str
) -> None:
    assert isinstance(matcher.match(typed, yes_no), NoMatch)


def test_digits_count_only_when_allowed(matcher: Matcher, yes_no: tuple[Option, ...]) -> None:
    """A voice recognizer never types digits: "2" heard by voice is not option 2."""
    assert isinstance(matcher.match("2", yes_no, allow_digits=False), NoMatch)


def test_digits_follow_the_question_s_own_options(content: Content, matcher: Matcher) -> None:
    body: Question = content.question("body")
    match = matcher.match("5", body.options)
    assert isinstance(match, OptionMatch)
    assert match.option.id == "not_sure"


# ---- typos and mishearings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("heard", "option_id"), [("yse", "yes"), ("yess", "yes"), ("noo", "no"),
                                                  ("nott sure", "not_sure"), ("Not sure.", "not_sure"),
                                                  ("YES!", "yes"), ("i dont know", "not_sure")])  # fmt: skip
def test_typos_are_accepted_or_confirmed_never_turned_into_another_option(
    matcher: Matcher, yes_no: tuple[Option, ...], heard: str, option_id: str
) -> None:
    match = matcher.match(heard, yes_no)
    assert isinstance(match, OptionMatch)
    assert match.option.id == option_id
    assert match.fit in (Fit.CLOSE, Fit.ROUGH)


def test_a_typo_of_a_short_word_is_confirmed_not_accepted(matcher: Matcher, yes_no: tuple[Option, ...]) -> None:
    match = matcher.match("yse", yes_no)
    assert isinstance(match, OptionMatch)
    assert (match.option.id, match.fit) == ("yes", Fit.ROUGH)


def test_a_misspelt_option_of_a_multi_option_question(content: Content, matcher: Matcher) -> None:
    match = matcher.match("hysterectmy", content.question("body").options)
    assert isinstance(match, OptionMatch)
    assert match.option.id == "neither"


# ---- long sentences ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("heard", "option_id"), [("well I suppose the answer would be yes", "yes"),
                                                  ("no thanks", "no"), ("yes please", "yes"),
                                                  ("hmm let me think, not sure really", "not_sure")])  # fmt: skip
def test_a_phrase_inside_a_long_sentence_is_confirmed_not_accepted(
    matcher: Matcher, yes_no: tuple[Option, ...], heard: str, option_id: str
) -> None:
    match = matcher.match(heard, yes_no)
    assert isinstance(match, OptionMatch)
    assert (match.option.id, match.fit) == (option_id, Fit.ROUGH)


def test_a_command_inside_a_sentence_is_not_carried_out(matcher: Matcher, yes_no: tuple[Option, ...]) -> None:
    """Commands are never confirmed: a half-heard one is re-asked rather than acted on."""
    assert isinstance(matcher.match("my back hurts", yes_no), NoMatch)
    assert isinstance(matcher.match("I will stop by the shop later today", yes_no), NoMatch)


def test_a_longer_phrase_wins_over_a_word_inside_it(content: Content, matcher: Matcher) -> None:
    """ "I don't know" contains the "no" synonym "I don't", but means not sure."""
    match = matcher.match("I don't know", content.question("rf_fever").options)
    assert isinstance(match, OptionMatch)
    assert (match.option.id, match.fit) == ("not_sure", Fit.CLOSE)


# ---- ambiguous, off-topic and empty input ------------------------------------------------------------------------


@pytest.mark.parametrize("heard", ["yes no", "no yes", "yeah no", "nope yes", "yes not sure", "not sure, yes",
                                   "maybe no", "yes go back"])  # fmt: skip
def test_ambiguous_input_is_reasked(matcher: Matcher, yes_no: tuple[Option, ...], heard: str) -> None:
    assert isinstance(matcher.match(heard, yes_no), NoMatch)


def test_two_options_of_a_multi_option_question_are_reasked(content: Content, matcher: Matcher) -> None:
    assert isinstance(matcher.match("womb neither", content.question("body").options), NoMatch)
    assert isinstance(matcher.match("at the start, no, deep inside", content.question("penetration").options), NoMatch)


@pytest.mark.parametrize(("heard", "option_id"), [("well I don't know", "not_sure"),
                                                  ("I'm not sure really", "not_sure"),
                                                  ("the second one please", "no")])  # fmt: skip
def test_a_phrase_inside_a_longer_phrase_does_not_make_it_ambiguous(
    matcher: Matcher, yes_no: tuple[Option, ...], heard: str, option_id: str
) -> None:
    """ "I don't know" holds the "no" phrase "I don't", and "the second one" holds the ordinal "one"."""
    match = matcher.match(heard, yes_no)
    assert isinstance(match, OptionMatch)
    assert match.option.id == option_id


def test_the_same_answer_said_twice_is_not_ambiguous(matcher: Matcher, yes_no: tuple[Option, ...]) -> None:
    match = matcher.match("no, not really", yes_no)
    assert isinstance(match, OptionMatch)
    assert match.option.id == "no"


@pytest.mark.parametrize("heard", ["what time is it", "my back hurts", "purple", "the weather is nice today",
                                   "uh", "hmm"])  # fmt: skip
def test_off_topic_input_is_no_match(matcher: Matcher, yes_no: tuple[Option, ...], heard: str) -> None:
    assert isinstance(matcher.match(heard, yes_no), NoMatch)


@pytest.mark.parametrize("heard", ["", "   ", "\t\n", "?!", "..."])
def test_empty_input_is_no_match_with_score_zero(matcher: Matcher, yes_no: tuple[Option, ...], heard: str) -> None:
    assert matcher.match(heard, yes_no) == NoMatch(0.0, "")


def test_no_match_reports_the_closest_phrase(matcher: Matcher, yes_no: tuple[Option, ...]) -> None:
    match = matcher.match("my back hurts", yes_no)
    assert isinstance(match, NoMatch)
    assert match.best_phrase == "back"
    assert 0 < match.best_score < 100
