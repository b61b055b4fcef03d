"""Property tests of the matcher (voice_guide/matcher.py): whatever is typed or heard, a match or no match comes back,
never an exception, never an option that is not on offer; the linear "inside a longer phrase" check decides exactly
as the quadratic one it replaced. Each property runs a few seconds (FUZZ)."""

from __future__ import annotations

from typing import Any, cast

from fuzzing import fuzz
from hypothesis import given
from hypothesis import strategies as st

from voice_guide.content import COMMAND_IDS, Content, Option, load_content, normalize_phrase
from voice_guide.matcher import MAX_ANSWER_CHARS, CommandMatch, Fit, Matcher, NoMatch, OptionMatch, _not_inside_longer

FUZZ = fuzz(300)
"""A few seconds per property on a loaded 2-core machine."""

CONTENT: Content = load_content()
MATCHER = Matcher(CONTENT)
OPTION_SETS: list[tuple[Option, ...]] = [q.options for q in CONTENT.questions] + [CONTENT.confirm_options]
PHRASES = sorted({p for options in OPTION_SETS for o in options for p in o.phrases})
MATCHER_PHRASES = frozenset(normalize_phrase(p) for p in PHRASES)
"""Every option phrase, normalized."""
WORDS = sorted({w for p in PHRASES for w in normalize_phrase(p).split()})

options_on_offer = st.sampled_from(OPTION_SETS)
typed = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join),
    st.lists(st.sampled_from(PHRASES), min_size=1, max_size=4).map(" ".join),
    st.tuples(st.text(max_size=20), st.sampled_from(PHRASES), st.text(max_size=20)).map("".join),
    st.integers(-5, 120).map(str),
)


def check(match: object, options: tuple[Option, ...]) -> None:
    assert isinstance(match, OptionMatch | CommandMatch | NoMatch)
    if isinstance(match, OptionMatch):
        assert match.option in options
        assert 0.0 <= match.score <= 100.0
        assert match.fit in (Fit.CLOSE, Fit.ROUGH)
    if isinstance(match, CommandMatch):
        assert match.command in COMMAND_IDS
    if isinstance(match, NoMatch):
        assert 0.0 <= match.best_score <= 100.0


@FUZZ
@given(text=typed, options=options_on_offer, digits=st.booleans())
def test_anything_typed_or_heard_gets_a_match_or_no_match(text: str, options: tuple[Option, ...], digits: bool) -> None:
    match = MATCHER.match(text, options, allow_digits=digits)
    check(match, options)
    assert isinstance(match, NoMatch) or len(text) <= MAX_ANSWER_CHARS


@FUZZ
@given(text=st.text(min_size=MAX_ANSWER_CHARS + 1, max_size=5 * MAX_ANSWER_CHARS), options=options_on_offer)
def test_anything_longer_than_an_answer_is_refused_unmatched(text: str, options: tuple[Option, ...]) -> None:
    match = MATCHER.match(text, options)
    assert isinstance(match, NoMatch) and match.too_long


_FULL_FORMS = {"i am": "im", "do not": "dont", "does not": "doesnt", "it is": "its", "i have": "ive"}
"""Contractions written in full, as two phrases joined may spell one ("i am" + "not sure")."""


def _contracted(text: str) -> str:
    padded = f" {text} "
    for full, short in _FULL_FORMS.items():
        padded = padded.replace(f" {full} ", f" {short} ")
    return padded.strip()


@FUZZ
@given(options=options_on_offer, data=st.data())
def test_two_different_answers_at_once_are_never_a_close_fit(options: tuple[Option, ...], data: st.DataObject) -> None:
    """ "yes no": the person said two things, so neither is taken without asking."""
    first, second = data.draw(st.lists(st.sampled_from(options), min_size=2, max_size=2, unique=True))
    a = normalize_phrase(data.draw(st.sampled_from(first.phrases)))
    b = normalize_phrase(data.draw(st.sampled_from(second.phrases)))
    if f" {a} " in f" {b} " or f" {b} " in f" {a} ":
        return  # one phrase inside the other ("no" in "no i dont"): not two separate answers
    if _contracted(f"{a} {b}") in MATCHER_PHRASES:
        return  # one answer said in full ("i am" + "not sure" is "I'm not sure"): not two answers
    if set(a.split()) & set(b.split()):
        return  # options that refine each other ("deep inside", "deep in some positions"): a rule of its own
    match = MATCHER.match(f"{a} {b}", options, allow_digits=False)
    check(match, options)
    assert not (isinstance(match, OptionMatch) and match.fit is Fit.CLOSE), (a, b, match)


def quadratic(found: list[tuple[int, int, str]]) -> set[str]:
    """The containment rule as it was written before it was made linear (kept here as the specification)."""
    return {
        target
        for start, end, target in found
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in found)
    }


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(1, 5), st.sampled_from("abcde")).map(
            lambda t: (t[0], t[0] + t[1], t[2])
        ),
        max_size=40,
    )
)
def test_the_linear_containment_check_decides_as_the_quadratic_one(found: list[tuple[int, int, str]]) -> None:
    linear: set[object] = set(_not_inside_longer(cast(Any, found)))  # targets are opaque keys here
    assert linear == quadratic(found)
