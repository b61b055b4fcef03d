"""Understanding: what was heard or typed at one turn of the dialog becomes one :class:`Decision`.

This is the one place that decides whether to trust a hearing. The dialog, ``voice-guide listen``, ``converse``,
the kiosk, the screen and the benchmark all call it, so what is measured is what the person gets.

A decision is one of three actions, with its meaning and the reasons behind it:

- **TAKE**: take the answer, or carry out the command;
- **READ_BACK**: ask first: "I heard: yes. Is that right?", or "Do you want to stop now ...?";
- **ASK_AGAIN**: nothing usable was heard: say so and ask the question again.

**Spoken** (a recognizer's :class:`~voice_guide.engines.base.Transcript`), in order:

1. No hypothesis, or the speech gate found no speech: ask again.
2. The best hypothesis is matched to the options and commands on offer (:class:`~voice_guide.matcher.Matcher`);
   no match (off-topic words, or two different answers at once): ask again.
3. *Doubts.* Where the engine gives a posterior over the candidates and "something else" (``Transcript.other``
   is set: a *calibrated* engine such as Whisper), the posterior of each meaning is the sum over the hypotheses that
   mean it: when "something else" is more likely than the best meaning, ask again; when the best meaning's posterior
   is below what taking it requires (:data:`TAKE_AT`, or :data:`TAKE_REASSURING_AT` for an answer that rules out a
   warning sign), it is in doubt. Where the engine gives only a confidence (pocketsphinx's lattice posterior, vosk's
   word confidences), the hearing is in doubt below ``confirm_below`` or when one of the next hypotheses means
   something else. For every engine, speech the phrase does not explain (``Transcript.unexplained``), a very noisy
   room (``Transcript.snr_db``) and a fuzzy match put the hearing in doubt.
4. *Commands* follow :data:`COMMAND_RULES`: repeat and help are obeyed however doubtful (they only ask again);
   stop and start over (which lose the answers) and keyboard (which leaves voice) are always asked about, and need
   a clear yes, in every state including a read-back, except stop after the result; any other command is asked
   about when in doubt.
5. *Answers*: a doubtful answer is read back. At a warning-sign question, the answer that raises no warning sign
   (usually "no") needs more certainty (asymmetric safety: a wrong "no" can miss an emergency, a wrong "yes" only
   over-triages). A question marked ``always_confirm`` is always read back. An answer *spoken* by its place in the
   list ("the first one", "three") is always read back, with the option's own words: the place words are short and
   sound alike ("first" / "fifth", "three" / "true" / "free", "one" / "won"), the answer's words are not in what was
   said, so nothing else checks them, and the person may misremember the order. To "Is that right?" a "yes" must be
   clear (a doubtful yes asks again), while a "no" is taken (the question is then simply asked again).

**Typed** text has its own rules: no acoustic doubts; typed numbers pick options; a fuzzy match (a typo, or an
answer inside a longer sentence) is read back; commands are carried out at once (typing is deliberate).

The thresholds are decision costs, not fitted scores: a read-back costs the person one short turn, a wrong answer
can change the advice. Taking at a posterior of 0.9 accepts at most a 1 in 10 chance of a wrong answer where a
read-back would have caught it, which is worth it when a wrong answer costs about ten read-backs; a reassuring
answer at a warning-sign question is taken at 0.98 (a wrong one costs about fifty).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, overload

from voice_guide.content import Content, Option, Question, normalize_phrase
from voice_guide.engines.base import Recognizer, Transcript
from voice_guide.matcher import CommandMatch, Fit, Match, Matcher, OptionMatch
from voice_guide.pcm import SAMPLE_RATE

if TYPE_CHECKING:
    from voice_guide.pcm import Samples

CONFIRM_BELOW = 0.4
"""Default confidence under which an uncalibrated engine's hearing is in doubt (``--confirm-below``). Measured on
pocketsphinx with five synthesized voices answering a yes/no question (245 utterances): at 0.4, 71% of right answers
are taken without confirming and 5 of 9 wrong ones are read back instead; at 0.5 nearly every answer would need
confirming, since pocketsphinx's posteriors cluster just under 0.5. See BENCHMARKS.md for the full measurements."""

REASSURING_CONFIRM_BELOW = 0.5
"""For an uncalibrated engine, the confidence under which an answer that rules out a warning sign is read back: a
deliberate safety margin above CONFIRM_BELOW (asymmetric safety, see the module docstring); every next hypothesis,
not only the first RIVALS_CHECKED, is checked for a rival there too."""

TAKE_AT = 0.9
"""Posterior of the best meaning at which a calibrated engine's answer or command is taken without asking (a wrong
answer costing about ten read-backs; see the module docstring)."""

TAKE_REASSURING_AT = 0.98
"""Posterior at which a calibrated engine's answer that rules out a warning sign is taken (a wrong one costing about
fifty read-backs: it can miss an emergency)."""

SPEECH_GATE = 0.5
"""Speech-gate probability (``Transcript.speech``) under which the audio counts as holding no speech."""

UNEXPLAINED_DOUBT = 0.15
"""Share of the loud frames left outside the recognized words (Transcript.unexplained) above which a hearing is in
doubt: an answer is read back, a command other than repeat or help is asked about. Chosen on the benchmark's tune
voices (pocketsphinx; with SphinxSettings.max_unexplained): of what was accepted before, on clean audio it doubts or
rejects 20 of 46 off-topic utterances and 3 of 11 wrong answers, and doubts 5 of 229 right ones; at 10 dB white noise
18 of 35 off-topic, 18 of 47 wrong and 3 of 112 right. See BENCHMARKS.md for the figures on the report voices."""

RIVALS_CHECKED = 2
"""How many of an uncalibrated engine's next-best hypotheses are checked for a rival: one that means a different
answer or a command that changes something. A rival puts the hearing in doubt. Chosen on the benchmark's tune voices
(pocketsphinx): checking 2 turned 23 of 46 wrong accepts in babble, 5 of 7 in white noise and 2 of 3 on clean audio
into read-backs, while 9 of 143 right answers on clean audio were read back too (checking 1 caught fewer; 3 no
more)."""

NOISY_BELOW_DB = 20.0
"""Estimated signal-to-noise ratio (Transcript.snr_db) under which every hearing is in doubt: in a room this noisy
a grammar decoder finds phrases in other people's speech, with posteriors as high as right answers have. Chosen on
the benchmark's tune voices: below 20 dB lay, of what was accepted, 9 of 11 wrong answers at 10 dB babble and all at
5 dB, and no answer in clean audio or at 20 dB white noise or babble (medians 58, 25 and 28 dB); right answers in
10 dB babble and white noise are read back too (18 of 22, and all 33)."""


QUICK_END = 0.3
"""Seconds of silence that end an answer which is complete as it is: where a turn usually ends in conversation."""

PREFIX_END = 0.5
"""Seconds of silence that end a complete answer whose words could still go on into something else ("no" into "no
idea"), or that rules out a warning sign: a pause this long inside a short phrase is rare, while a hesitation
("I don't ... know") can be longer, and is then read back ("No: ...") and checked before the result."""


class Action(Enum):
    """What the dialog does with what was heard."""

    TAKE = "take"
    """Take the answer, or carry out the command."""
    READ_BACK = "read_back"
    """Ask first: "I heard: yes. Is that right?" or "Do you want to stop now ...?"."""
    ASK_AGAIN = "ask_again"
    """Nothing usable was heard: say so and ask again."""


class Why(Enum):
    """A reason behind a decision (several may hold)."""

    NOTHING_HEARD = "nothing_heard"
    """The recognizer had no hypothesis (or nothing was typed)."""
    NO_SPEECH = "no_speech"
    """The speech gate found no speech in the audio."""
    NOT_UNDERSTOOD = "not_understood"
    """The words match nothing that can be said here, or two different things were said at once."""
    SOMETHING_ELSE = "something_else"
    """It is more likely that something else was said than any phrase that can be said here."""
    FUZZY = "fuzzy"
    """The words only roughly match (a typo, a mishearing, or an answer inside a longer sentence)."""
    LOW_CONFIDENCE = "low_confidence"
    """The recognizer is not sure enough."""
    RIVAL = "rival"
    """A close hypothesis means something else."""
    UNEXPLAINED = "unexplained_speech"
    """Much of the speech lies outside the recognized words."""
    NOISY = "noisy_room"
    """The room is very noisy."""
    REASSURING = "reassuring_at_warning_sign"
    """An answer that rules out a warning sign, which needs more certainty."""
    ALWAYS_CONFIRMED = "always_confirmed"
    """This question's answer is always read back."""
    LOSES_ANSWERS = "loses_answers"
    """The command would forget every answer (or end the guide)."""
    LEAVES_VOICE = "leaves_voice"
    """The command would switch from speaking to typing."""
    BY_PLACE = "by_place_in_list"
    """The answer was spoken by its place in the list ("the first one"), which sounds like other places."""
    UNCLEAR_YES = "unclear_yes"
    """A "yes" to "is that right?" must be clear."""
    CLEAR = "clear"
    """Heard clearly."""


class Expecting(Enum):
    """What kind of answer the current turn expects."""

    ANSWER = "answer"
    """An answer to a question (its options)."""
    CONFIRMATION = "confirmation"
    """Yes or no: "Is that right?", "Do you want to ...?"."""
    NOTHING = "nothing"
    """Only commands (the result is being given)."""


@dataclass(frozen=True)
class Turn:
    """What can be said now: the context a hearing is understood in."""

    expecting: Expecting
    options: tuple[Option, ...]
    """The answers on offer (besides the commands): the question's options, or yes and no."""
    question: Question | None = None
    """The question being asked (ANSWER) or whose answer is being confirmed (CONFIRMATION), if any."""

    @property
    def after_result(self) -> bool:
        """Whether the result has been given."""
        return self.expecting is Expecting.NOTHING


@dataclass(frozen=True)
class CommandRule:
    """How a command is treated when it is heard: what needs asking about first."""

    harmless: bool = False
    """It only asks the question again (repeat, help): obeyed however doubtful."""
    loses_answers: bool = False
    """It forgets every answer or ends the guide: spoken, it is always asked about and needs a clear yes."""
    leaves_voice: bool = False
    """It switches from speaking to typing: spoken, it is always asked about."""


COMMAND_RULES: dict[str, CommandRule] = {
    "repeat": CommandRule(harmless=True),
    "help": CommandRule(harmless=True),
    "slower": CommandRule(),
    "faster": CommandRule(),
    "back": CommandRule(),
    "restart": CommandRule(loses_answers=True),
    "quit": CommandRule(loses_answers=True),
    "keyboard": CommandRule(leaves_voice=True),
}
"""The rule of every command (content.COMMAND_IDS). In babble the benchmark heard "let me type" and "I want to type"
in other people's speech with posteriors near 1, and "correct" was heard as "quit" at a read-back: hence stop, start
over and keyboard are asked about however clearly they were heard."""


@dataclass(frozen=True)
class Decision:
    """What to do with one hearing, and why."""

    action: Action
    option: Option | None = None
    """The answer meant (TAKE / READ_BACK of an answer), else None."""
    command: str | None = None
    """The command meant (one of content.COMMAND_IDS), else None."""
    heard: str = ""
    """The words heard or typed (the best hypothesis), for read-backs and diagnostics."""
    why: tuple[Why, ...] = ()
    """The reasons, most important first."""
    probability: float | None = None
    """The posterior of the meaning, where a calibrated engine gives one."""
    match: Match | None = field(default=None, compare=False)
    """The matcher's result for the words (diagnostics)."""

    def as_json(self) -> dict[str, Any]:
        """The decision as JSON-ready data (``voice-guide listen``)."""
        meaning: dict[str, str] | None = None
        if self.option is not None:
            meaning = {"option": self.option.id, "text": self.option.text}
        elif self.command is not None:
            meaning = {"command": self.command}
        score = margin = None
        if isinstance(self.match, OptionMatch | CommandMatch):
            score, margin = round(self.match.score, 1), round(self.match.margin, 1)
        return {
            "decision": self.action.value,
            "match": meaning,
            "why": [w.value for w in self.why],
            "probability": None if self.probability is None else round(self.probability, 4),
            "score": score,
            "margin": margin,
        }


@dataclass(frozen=True)
class UnderstandingSettings:
    """How readily hearings are trusted (the command line's ``--confirm-below``)."""

    confirm_below: float = CONFIRM_BELOW
    """Confidence under which an uncalibrated engine's hearing is in doubt. 0 turns every acoustic doubt off, for
    scripted conversations whose turns must stay in step (fuzzy matches and the always-asked commands remain)."""

    @property
    def doubts(self) -> bool:
        """Whether acoustic doubts are considered at all."""
        return self.confirm_below > 0


class Understanding:
    """Turns hearings into decisions for one content; holds no state about anyone."""

    def __init__(
        self, content: Content, matcher: Matcher | None = None, settings: UnderstandingSettings | None = None
    ) -> None:
        self.content = content
        self.matcher = matcher or Matcher(content)
        self.settings = settings or UnderstandingSettings()
        self._reassuring = _reassuring_options(content)
        self._by_place = frozenset(normalize_phrase(word) for words in content.ordinals for word in words)
        """Every phrase that picks an option by its place ("the second one", "two")."""
        self._meaning_cache: dict[tuple[Option, ...], dict[str, str | None]] = {}

    # ---- turns ---------------------------------------------------------------------------------------------------

    def asking(self, question: Question) -> Turn:
        """The turn at which ``question`` is asked."""
        return Turn(Expecting.ANSWER, question.options, question)

    def confirming(self, question: Question | None = None) -> Turn:
        """The turn at which a yes or no is wanted (a read-back of an answer to ``question``, or a command)."""
        return Turn(Expecting.CONFIRMATION, self.content.confirm_options, question)

    def at_result(self) -> Turn:
        """The turn after the result is given (only commands)."""
        return Turn(Expecting.NOTHING, ())

    def phrases(self, turn: Turn) -> tuple[str, ...]:
        """What can be said at ``turn``: the grammar a recognizer is constrained to."""
        return self.matcher.phrases(turn.options)

    # ---- deciding ------------------------------------------------------------------------------------------------

    def typed(self, text: str, turn: Turn) -> Decision:
        """Decide what typed ``text`` means at ``turn``."""
        if not text.strip():
            return Decision(Action.ASK_AGAIN, heard=text, why=(Why.NOTHING_HEARD,))
        match = self.matcher.match(text, turn.options, allow_digits=True)
        if isinstance(match, CommandMatch):
            return Decision(Action.TAKE, command=match.command, heard=text, why=(Why.CLEAR,), match=match)
        if not isinstance(match, OptionMatch):
            return Decision(Action.ASK_AGAIN, heard=text, why=(Why.NOT_UNDERSTOOD,), match=match)
        doubts = (Why.FUZZY,) if match.fit is Fit.ROUGH else ()
        return self._answer(match.option, doubts, turn, text, None, match)

    def spoken(self, transcript: Transcript, turn: Turn) -> Decision:
        """Decide what a recognizer's ``transcript`` means at ``turn``."""
        heard = transcript.text
        if transcript.speech is not None and transcript.speech < SPEECH_GATE:
            return Decision(Action.ASK_AGAIN, heard=heard, why=(Why.NO_SPEECH,))
        if not heard:
            return Decision(Action.ASK_AGAIN, why=(Why.NOTHING_HEARD,))
        match = self.matcher.match(heard, turn.options, allow_digits=False)
        if not isinstance(match, OptionMatch | CommandMatch):
            return Decision(Action.ASK_AGAIN, heard=heard, why=(Why.NOT_UNDERSTOOD,), match=match)
        meaning = _meaning(match)
        reassuring = isinstance(match, OptionMatch) and self._is_reassuring(match.option, turn)
        probability: float | None = None
        doubts: list[Why] = []
        if transcript.other is not None:  # calibrated: posteriors over the candidates and "something else"
            meanings = self._posteriors(transcript, turn)
            probability = meanings.get(meaning, 0.0)
            other = transcript.other
            if other and self._free_decode_means(transcript, turn) == meaning:
                probability, other = probability + other, 0.0
            if other >= probability:
                return Decision(
                    Action.ASK_AGAIN, heard=heard, why=(Why.SOMETHING_ELSE,), probability=probability, match=match
                )
            if self.settings.doubts and probability < (TAKE_REASSURING_AT if reassuring else TAKE_AT):
                doubts.append(Why.REASSURING if reassuring else Why.LOW_CONFIDENCE)
        elif self.settings.doubts:
            floor = REASSURING_CONFIRM_BELOW if reassuring else self.settings.confirm_below
            if transcript.confidence is not None and transcript.confidence < floor:
                doubts.append(Why.REASSURING if reassuring else Why.LOW_CONFIDENCE)
            checked = transcript.alternatives if reassuring else transcript.alternatives[:RIVALS_CHECKED]
            if any(self._rival(alternative, meaning, turn) for alternative in checked):
                doubts.append(Why.RIVAL)
        if self.settings.doubts:
            if isinstance(match, OptionMatch) and normalize_phrase(match.phrase) in self._by_place:
                doubts.append(Why.BY_PLACE)
            if transcript.unexplained is not None and transcript.unexplained > UNEXPLAINED_DOUBT:
                doubts.append(Why.UNEXPLAINED)
            if transcript.snr_db is not None and transcript.snr_db < NOISY_BELOW_DB:
                doubts.append(Why.NOISY)
        if isinstance(match, CommandMatch):
            return self._command(match.command, tuple(doubts), turn, heard, probability, match, spoken=True)
        if match.fit is Fit.ROUGH:
            doubts.append(Why.FUZZY)
        return self._answer(match.option, tuple(doubts), turn, heard, probability, match)

    # ---- internals -----------------------------------------------------------------------------------------------

    def _answer(
        self,
        option: Option,
        doubts: tuple[Why, ...],
        turn: Turn,
        heard: str,
        probability: float | None,
        match: Match,
    ) -> Decision:
        def decision(action: Action, *why: Why) -> Decision:
            return Decision(action, option=option, heard=heard, why=why, probability=probability, match=match)

        if turn.expecting is Expecting.CONFIRMATION:
            if option.id == "yes" and doubts:
                return Decision(
                    Action.ASK_AGAIN, heard=heard, why=(Why.UNCLEAR_YES, *doubts), probability=probability, match=match
                )
            return decision(Action.TAKE, *(doubts or (Why.CLEAR,)))
        if doubts:
            return decision(Action.READ_BACK, *doubts)
        if turn.question is not None and turn.question.always_confirm:
            return decision(Action.READ_BACK, Why.ALWAYS_CONFIRMED)
        return decision(Action.TAKE, Why.CLEAR)

    def _command(
        self,
        command: str,
        doubts: tuple[Why, ...],
        turn: Turn,
        heard: str,
        probability: float | None,
        match: Match,
        *,
        spoken: bool,
    ) -> Decision:
        rule = COMMAND_RULES[command]

        def decision(action: Action, *why: Why) -> Decision:
            return Decision(action, command=command, heard=heard, why=why, probability=probability, match=match)

        if rule.harmless or not spoken:
            return decision(Action.TAKE, *(doubts or (Why.CLEAR,)))
        stop_after_result = command == "quit" and turn.after_result
        if rule.loses_answers and not stop_after_result:
            return decision(Action.READ_BACK, Why.LOSES_ANSWERS, *doubts)
        if rule.leaves_voice:
            return decision(Action.READ_BACK, Why.LEAVES_VOICE, *doubts)
        if doubts:
            return decision(Action.READ_BACK, *doubts)
        return decision(Action.TAKE, Why.CLEAR)

    def end_after(self, transcript: Transcript, turn: Turn) -> float | None:
        """How long a pause ends the answer heard so far: the end of an answer is decided from what was said.

        None when it is not a complete answer yet (it would be read back or asked again): the microphone then waits
        for its full end silence (0.7 s), as the person may still be speaking. QUICK_END (0.3 s) when it would be
        taken as it is. PREFIX_END (0.5 s) when it would be taken but its words begin a longer phrase on offer that
        means something else ("no" of "no idea", "I don't" of "I don't know"), and, at a warning-sign question, for
        an answer that rules the warning sign out (a wrong "no" there is the costly mistake)."""
        decision = self.spoken(transcript, turn)
        if decision.action is not Action.TAKE or not isinstance(decision.match, OptionMatch | CommandMatch):
            return None
        if isinstance(decision.match, OptionMatch) and self._is_reassuring(decision.match.option, turn):
            return PREFIX_END
        meaning = _meaning(decision.match)
        words = transcript.text.split()
        for phrase, other in self._meanings(turn).items():
            longer = phrase.split()
            if len(longer) > len(words) and longer[: len(words)] == words and other != meaning:
                return PREFIX_END
        return QUICK_END

    def _meanings(self, turn: Turn) -> dict[str, str | None]:
        """What each phrase that can be said at ``turn`` means (cached per set of options)."""
        key = turn.options
        if key not in self._meaning_cache:
            self._meaning_cache[key] = {
                phrase: _meaning(self.matcher.match(phrase, turn.options, allow_digits=False))
                for phrase in self.phrases(turn)
            }
        return self._meaning_cache[key]

    def is_reassuring(self, question_id: str, option_id: str) -> bool:
        """Whether ``option_id`` answers warning-sign question ``question_id`` in a way that raises no warning sign
        on its own (usually "no"): such an answer needs more certainty by voice, and is checked before the result."""
        return option_id in self._reassuring.get(question_id, frozenset())

    def _is_reassuring(self, option: Option, turn: Turn) -> bool:
        question = turn.question
        return (
            turn.expecting is Expecting.ANSWER and question is not None and self.is_reassuring(question.id, option.id)
        )

    def _posteriors(self, transcript: Transcript, turn: Turn) -> dict[str, float]:
        """The posterior of each meaning: the sum over the hypotheses that mean it."""
        meanings: dict[str, float] = {}
        for hypothesis in transcript.hypotheses:
            if hypothesis.probability is None:
                continue
            meaning = _meaning(self.matcher.match(hypothesis.phrase, turn.options, allow_digits=False))
            if meaning is not None:
                meanings[meaning] = meanings.get(meaning, 0.0) + hypothesis.probability
        return meanings

    def _free_decode_means(self, transcript: Transcript, turn: Turn) -> str | None:
        """What the recognizer's own unconstrained words mean here, when they are an answer or command *as a whole*
        (a close fit through the matcher, word for word), else None.

        "Something else" is scored on that free decode. When the free decode reads as the same meaning as the best
        phrase ("at womb" for "a womb", "Not sure." for "not sure"), two decodes agree and its mass is evidence for
        the meaning, not against it. It must read as the phrase word for word: a phrase inside a longer free decode
        ("the first one's late", "start it" for "start") stays something else.

        Measured offline on the benchmark's recorded Whisper hearings (tune voices, clean / white 10 dB / babble
        10 dB, 25 utterances a voice): right answers 62.5 / 38.3 / 35.0% -> 66.7 / 40.0 / 37.5%, with accept-wrong
        and off-topic asked again unchanged; the report voices moved alike (74.4 / 48.1 / 42.5% -> 77.5 / 50.0 /
        44.4%). Allowing extra words (any close fit) gained a little more and let Whisper's "Start it" for a spoken
        "stop it" start a waiting kiosk."""
        if not transcript.free_text:
            return None
        match = self.matcher.match(transcript.free_text, turn.options, allow_digits=False)
        if not isinstance(match, OptionMatch | CommandMatch):
            return None
        if isinstance(match, OptionMatch) and match.fit is not Fit.CLOSE:  # a command only ever matches closely
            return None
        if len(normalize_phrase(transcript.free_text).split()) != len(match.phrase.split()):
            return None  # more or fewer words than the phrase ("start it" for "start"): not the same answer
        return _meaning(match)

    def _rival(self, alternative: str, meaning: str, turn: Turn) -> bool:
        """Whether an alternative hypothesis means something else that matters (an answer, or a command that
        changes something)."""
        rival = _meaning(self.matcher.match(alternative, turn.options, allow_digits=False))
        if rival is None or rival == meaning:
            return False
        return not (rival.startswith("command:") and COMMAND_RULES[rival.removeprefix("command:")].harmless)


@overload
def _meaning(match: OptionMatch | CommandMatch) -> str: ...
@overload
def _meaning(match: Match) -> str | None: ...
def _meaning(match: Match) -> str | None:
    """What a match means, for comparing hypotheses: "option:<id>", "command:<id>", or None."""
    if isinstance(match, OptionMatch):
        return f"option:{match.option.id}"
    if isinstance(match, CommandMatch):
        return f"command:{match.command}"
    return None


def _reassuring_options(content: Content) -> dict[str, frozenset[str]]:
    """For each warning-sign question, the options that raise no warning sign on their own: the answers that need
    more certainty by voice (usually "no")."""
    raising: dict[str, set[str]] = {}
    for red_flag in content.red_flags:
        for rule in red_flag.rules:
            for condition in rule.when:
                raising.setdefault(condition.question, set()).update(condition.any_of)
    return {
        question.id: frozenset(o.id for o in question.options if o.id not in raising.get(question.id, set()))
        for question in content.questions
        if question.red_flag
    }


def listen_once(
    recognizer: Recognizer, understanding: Understanding, samples: Samples | None, question: Question
) -> dict[str, Any]:
    """Recognize one utterance as an answer to ``question``: what ``voice-guide listen`` prints (JSON-ready).
    ``samples`` None is a recording with no speech in it (asked again, as the dialog would after silence)."""
    turn = understanding.asking(question)
    started = time.perf_counter()
    if samples is None:
        transcript = Transcript("")
        decision = Decision(Action.ASK_AGAIN, why=(Why.NO_SPEECH,))
    else:
        transcript = recognizer.recognize(samples, understanding.phrases(turn))
        decision = understanding.spoken(transcript, turn)
    elapsed = time.perf_counter() - started
    return {
        "question": question.id,
        "engine": recognizer.name,
        **transcript_json(transcript),
        **decision.as_json(),
        "audio_seconds": round(len(samples) / SAMPLE_RATE, 3) if samples is not None else 0.0,
        "decode_ms": round(elapsed * 1000, 1),
    }


def transcript_json(transcript: Transcript) -> dict[str, Any]:
    """What a recognizer heard, as JSON-ready data."""

    def rounded(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return {
        "transcript": transcript.text,
        "confidence": rounded(transcript.confidence, 4),
        "hypotheses": [
            {"phrase": h.phrase, "probability": rounded(h.probability, 4)} for h in transcript.hypotheses[:10]
        ],
        "other": rounded(transcript.other, 4),
        "speech": rounded(transcript.speech, 3),
        "unexplained": rounded(transcript.unexplained, 3),
        "snr_db": rounded(transcript.snr_db, 1),
    }
