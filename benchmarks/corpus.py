"""What the benchmark says, at which question, and what it should be understood as.

The in-grammar part is generated from the content (``load_content``), so it follows every edit of ``prompts/``: each
distinct set of options on offer (the shared yes/no set, each question with its own options, and the confirmation
yes/no) contributes every option text and synonym; every ordinal is said once at a question with that many options;
every command word is said once. Utterances record the question they are asked at and the expected target (an option
id, or ``"command:<id>"``). The off-topic part is :data:`OFF_TOPIC` (sentences, half sentences, fillers) plus
synthetic non-speech (coughs, a throat-clear, a sigh: see :mod:`benchmarks.noise`), expected to be re-asked.

Which question a command or ordinal is said at is chosen by the text's hash, so the corpus is the same on every run
and on every machine. The tuning/report split is by voice (see :data:`benchmarks.voices.VOICES`): thresholds are
tuned on voices the reported figures never use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from voice_guide.content import Content, Option, normalize_phrase
from voice_guide.matcher import Matcher

CONFIRM_QUESTION = "(confirm)"
"""Question id used for the "I heard X. Is that right?" step (options: ``content.confirm_options``)."""

OFF_TOPIC: tuple[str, ...] = (
    "what time is it",
    "my back hurts",
    "I had a sandwich",
    "the weather is nice today",
    "can you call my sister",
    "turn on the lights",
    "where are my glasses",
    "I think that",
    "well the thing is",
    "hang on a second",
    "it started on Tuesday",
    "my doctor said",
    "how long will this take",
    "I'm not sure what you mean by",
    "who are you",
    "play some music",
    "the dog needs a walk",
    "can I have a glass of water",
    "I went to the shop",
    "it hurts when I",
    "what did you say about",
    "the pain is in my lower back",
    "my partner is here with me",
    "is this going to be expensive",
    "I took two paracetamol",
    "let me think about it",
    "sorry I was talking to someone else",
    "the kettle is boiling",
    "and then",
    "because",
    "um",
    "hmm",
    "uh well",
    "so basically",
    "what's for dinner",
    "open the window please",
    "I forgot my phone",
    "how do I spell that",
    "tell me a joke",
    "it was about three days ago",
    "I feel tired",
    "the bus was late",
    "seven eight nine ten",
    "blue green purple",
    # questions
    "is it serious",
    "do I need to go to hospital",
    "what does that mean",
    "are you a real doctor",
    # requests
    "could you turn the radio down",
    "pass me the remote",
    "can you wait a minute",
    # chatter
    "oh my goodness",
    "I'll be right back",
    "excuse me",
    "my husband thinks it's nothing",
    # half sentences
    "the thing is that",
    "when I was",
    "we were going to",
    "it might be the",
)
"""Speech that answers nothing: the guide must re-ask, not pick an option. Some hold a command or answer word
inside ("my back hurts", "I think that"), which a recognizer forced onto the grammar will hear as that word."""

NON_SPEECH: tuple[str, ...] = ("cough", "double cough", "throat clear", "sigh", "silence", "silence long")
"""Synthetic non-speech events (made by :func:`benchmarks.noise.non_speech`), also off-topic. "silence" (1 s) and
"silence long" (3 s) are no sound at all: once mixed, the condition's noise alone (the microphone floor when
clean): the noise-only and silence files that must never be taken as an answer."""


@dataclass(frozen=True)
class Utterance:
    """One thing said at one question."""

    text: str
    """What is spoken (as written in the content, or the off-topic sentence); a NON_SPEECH name for sounds."""
    question: str
    """Question id it is said at, or CONFIRM_QUESTION."""
    kind: str
    """"answer", "ordinal", "command", "confirm", "off_topic" or "non_speech"."""
    expected: str | None
    """Option id, or "command:<id>"; None for off-topic and non-speech (must be re-asked)."""

    @property
    def uid(self) -> str:
        """Stable id (a hash of question, kind and text)."""
        return hashlib.sha256(f"{self.question}|{self.kind}|{self.text}".encode()).hexdigest()[:12]

    @property
    def in_grammar(self) -> bool:
        return self.expected is not None


def options_at(content: Content, question: str) -> tuple[Option, ...]:
    """The options on offer at ``question`` (the confirmation options for CONFIRM_QUESTION)."""
    if question == CONFIRM_QUESTION:
        return content.confirm_options
    return content.question(question).options


def _pick(text: str, choices: Sequence[str]) -> str:
    index = int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(choices)
    return choices[index]


def build_corpus(content: Content) -> tuple[Utterance, ...]:
    """Every phrase that can be said at every distinct question grammar, commands and ordinals once, off-topic."""
    # Questions sharing an option set share a grammar: one of them stands for all (chosen by the phrase's hash).
    groups: dict[tuple[Option, ...], list[str]] = {}
    for question in content.questions:
        groups.setdefault(question.options, []).append(question.id)
    groups.setdefault(content.confirm_options, []).append(CONFIRM_QUESTION)

    utterances: list[Utterance] = []
    for options, questions in groups.items():
        kind = "confirm" if questions == [CONFIRM_QUESTION] else "answer"
        for option in options:
            for phrase in option.phrases:
                utterances.append(Utterance(phrase, _pick(phrase, questions), kind, option.id))
    every_question = [q for qs in groups.values() for q in qs]
    for position, words in enumerate(content.ordinals):
        eligible = [q for q in every_question if len(options_at(content, q)) > position]
        for word in words if eligible else ():
            asked_at = _pick(word, eligible)
            utterances.append(Utterance(word, asked_at, "ordinal", options_at(content, asked_at)[position].id))
    for command in content.commands:
        for word in command.words:
            utterances.append(Utterance(word, _pick(word, every_question), "command", f"command:{command.id}"))
    for text in OFF_TOPIC:
        utterances.append(Utterance(text, _pick(text, every_question), "off_topic", None))
    for sound in NON_SPEECH:
        utterances.append(Utterance(sound, _pick(sound, every_question), "non_speech", None))
    check_corpus(content, utterances)
    return tuple(utterances)


def check_corpus(content: Content, utterances: Sequence[Utterance]) -> None:
    """Every in-grammar utterance is a phrase the matcher offers at its question; every such phrase is said."""
    matcher = Matcher(content)
    said: dict[str, set[str]] = {}
    for utterance in utterances:
        if utterance.in_grammar:
            phrases = matcher.phrases(options_at(content, utterance.question))
            if normalize_phrase(utterance.text) not in phrases:
                raise ValueError(f"{utterance.text!r} cannot be said at {utterance.question}")
            said.setdefault(utterance.question, set()).add(normalize_phrase(utterance.text))
    everything = set().union(*said.values())
    for question in said:
        missing = set(matcher.phrases(options_at(content, question))) - everything
        if missing:
            raise ValueError(f"phrases never said in the corpus: {sorted(missing)}")


def sample(utterances: Sequence[Utterance], count: int, seed: str) -> tuple[Utterance, ...]:
    """A stable subset of ``count`` utterances, proportional by kind (ordered by a seeded hash of the uid)."""
    if count >= len(utterances):
        return tuple(utterances)
    ranked = sorted(utterances, key=lambda u: hashlib.sha256(f"{seed}|{u.uid}".encode()).hexdigest())
    by_kind: dict[str, list[Utterance]] = {}
    for utterance in ranked:
        by_kind.setdefault(utterance.kind, []).append(utterance)
    chosen: list[Utterance] = []
    for items in by_kind.values():
        chosen.extend(items[: max(1, round(count * len(items) / len(utterances)))])
    keep = {u.uid for u in chosen[:count]}
    return tuple(u for u in utterances if u.uid in keep)
