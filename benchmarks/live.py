"""A whole consultation by voice, live, on a virtual microphone: how long it takes, and how quickly the guide answers.

``python -m benchmarks.live [--engine whisper] [--person uti] [--runs 1] [--tts-rate 175]``

A private PulseAudio server gives a real-time virtual microphone (a pipe source) and speaker (a null sink), as in
the live tests (tests/pulse.py). The real voice stack runs: the microphone with its endpointer, the recognizer, the
understanding step, the dialog, speech output (espeak-ng through the guide's own speaker) played to the null sink.
Only the person is synthetic: espeak-ng speaking, into the virtual microphone, what a person with the given answers
would say at each turn (the answer, said another way each time the same question is asked again: its text, its
synonyms, its place in the list; "yes" or "no" to a read-back, as is true; "no" to a command they did not give).

Printed: the talk time of the whole consultation (from the first word to the end of the result), the number of
turns and read-backs (and wrong ones), whether the result has the expected urgency, and per turn the gap from the end
of the person's speech (the last sample of the answer written into the microphone) to the start of the guide's next
words (its next playback), p50 and max; also the gap to the "got it" tone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

TESTS = Path(__file__).resolve().parent.parent / "tests"
if str(TESTS) not in sys.path:  # the virtual microphone and the synthetic voice live with the tests
    sys.path.insert(0, str(TESTS))

from pulse import PulseServer, pulse_server  # noqa: E402
from speech import synthesize  # noqa: E402

from voice_guide.content import Content, Question, load_content  # noqa: E402
from voice_guide.dialog import Dialog, Event, Mode, Result, State  # noqa: E402
from voice_guide.session import run_session  # noqa: E402
from voice_guide.speech.stack import VoiceSettings, open_voice_parts  # noqa: E402
from voice_guide.understand import Understanding  # noqa: E402
from voice_guide.urgency import Urgency  # noqa: E402

if TYPE_CHECKING:
    from voice_guide.pcm import Samples
    from voice_guide.speech.microphone import Completeness, Listener

PAD_MS = 300
"""Silence the synthetic voice has before and after its words (tests/speech.py)."""

PERSONS: dict[str, tuple[dict[str, str], Urgency]] = {
    # A woman with a mild urinary tract infection: pain or burning when she pees, nothing else, not pregnant.
    "uti": ({"body": "womb", "urinary": "pee"}, Urgency.SOON),
}
"""Answers by question id (option ids); every other question is answered "no" (or "not sure" where there is no
"no"), and the urgency the result should have."""


def option_for(question: Question, answers: dict[str, str]) -> str:
    """The person's option at ``question``: theirs if given, else "no" (or "not sure" where there is no "no")."""
    wanted = answers.get(question.id)
    ids = [o.id for o in question.options]
    if wanted in ids:
        return str(wanted)
    return "no" if "no" in ids else ("not_sure" if "not_sure" in ids else ids[0])


@dataclass
class Timeline:
    """What happened when, in one consultation (time.monotonic())."""

    speech_ends: list[float] = field(default_factory=list)
    """When the last word of each answer was written into the microphone."""
    plays: list[float] = field(default_factory=list)
    """When each playback of the guide's words started."""
    tones: list[float] = field(default_factory=list)
    """When each "got it" tone started."""
    read_backs: int = 0
    wrong_read_backs: int = 0
    said: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    """When the consultation started (progress lines on stderr count from it)."""


class Person:
    """Says, into the virtual microphone, what someone with ``answers`` would say at each turn, and listens through
    the guide's own ``microphone``."""

    def __init__(
        self,
        content: Content,
        pulse: PulseServer,
        dialog: Dialog,
        answers: dict[str, str],
        line: Timeline,
        microphone: Listener,
    ) -> None:
        self.microphone = microphone
        self.content = content
        self.pulse = pulse
        self.dialog = dialog
        self.answers = answers
        self.line = line
        self.tries: dict[str, int] = {}
        """How many times each question has been answered (asked again, the person rephrases)."""

    def _option_for(self, question: Question) -> str:
        return option_for(question, self.answers)

    def what_to_say(self) -> str:
        dialog = self.dialog
        if dialog.state is State.CONFIRMING_COMMAND:
            return "no"  # this person never gives a command
        if dialog.state is State.CHECKING:
            return "yes"
        if dialog.state is State.RESULT:
            return "stop"
        question = dialog.question
        if question is None:
            raise EOFError
        intended = question.option(self._option_for(question))
        if dialog.state is State.CONFIRMING_ANSWER and dialog.pending is not None:
            self.line.read_backs += 1
            right = dialog.pending.id == intended.id
            self.line.wrong_read_backs += not right
            return "yes" if right else "no"
        # Asked the same question again, a person says it another way: the option's text, then its synonyms, then
        # its place in the list ("the second one"), then round again.
        ways = [intended.text.lower(), *intended.synonyms]
        place = question.options.index(intended)
        if place < len(self.content.ordinals):
            ways += list(self.content.ordinals[place][:2])
        key = question.id
        self.tries[key] = self.tries.get(key, -1) + 1
        return ways[self.tries[key] % len(ways)]

    def listen(self, complete: Completeness | None = None) -> Samples | None:
        words = self.what_to_say()
        self.line.said.append(words)
        print(
            f"  {time.monotonic() - self.line.started:7.1f} s  {self.dialog.state.name.lower():<18} says {words!r}",
            file=sys.stderr,
            flush=True,
        )
        samples = synthesize(words)

        def speak() -> None:
            deadline = time.monotonic() + 5.0
            while not self.pulse.pactl("list", "short", "source-outputs").strip() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)  # a person answers a moment after the beep
            feed = self.pulse.feed(samples)
            if feed.wait(30):  # (not when the guide stopped listening before the person finished speaking)
                self.line.speech_ends.append(feed.finished_at - PAD_MS / 1000)

        threading.Thread(target=speak, daemon=True).start()
        return self.microphone.listen(complete)


def run_once(content: Content, engine: str, person: str, rate: int) -> dict[str, Any]:
    answers, expected = PERSONS[person]
    line = Timeline()
    settings = VoiceSettings(engine=engine, rate=rate)
    with pulse_server() as pulse:
        parts = open_voice_parts(settings)
        for notice in parts.notices:
            print(notice, file=sys.stderr)
        frontend = parts.frontend(content, None)
        dialog = Dialog(content, Mode.VOICE, understanding=Understanding(content, settings=settings.understanding))
        frontend.listener = Person(content, pulse, dialog, answers, line, parts.listener)
        speaker = frontend.speaker
        player = getattr(speaker, "player", None)
        if player is not None:
            real_stream = player.play_stream

            def play_stream(chunks: Any, rate: int, stopping: threading.Event | None = None) -> bool:
                """Every playback (Player.play plays through play_stream too): when the guide starts speaking."""
                line.plays.append(time.monotonic())
                return bool(real_stream(chunks, rate, stopping))

            player.play_stream = play_stream
        cue = frontend.cue
        if cue is not None:

            def tone(which: str) -> None:
                if which == "stop":
                    line.tones.append(time.monotonic())
                cue(which)

            frontend.cue = tone
        results: list[Result] = []
        real_show = frontend.show

        def show(events: Sequence[Event]) -> None:
            results.extend(e for e in events if isinstance(e, Result))
            real_show(events)

        frontend.show = show  # type: ignore[method-assign]
        started = time.monotonic()
        outcome = run_session(dialog, frontend)
        elapsed = time.monotonic() - started
    gaps = [min((p for p in line.plays if p > end), default=float("nan")) - end for end in line.speech_ends]
    tone_gaps = [min((t for t in line.tones if t > end), default=float("nan")) - end for end in line.speech_ends]
    gaps = [g for g in gaps if g == g]  # the last answer ("stop") is followed by the goodbye
    urgency = results[-1].assessment.urgency if results else None
    return {
        "engine": engine,
        "person": person,
        "outcome": outcome.outcome.value,
        "talk_seconds": elapsed,
        "turns": len(line.said),
        "read_backs": line.read_backs,
        "wrong_read_backs": line.wrong_read_backs,
        "urgency": urgency.key if urgency is not None else None,
        "expected": expected.key,
        "gap_p50": _median(gaps),
        "gap_max": max(gaps) if gaps else float("nan"),
        "tone_gap_p50": _median([g for g in tone_gaps if g == g]),
        "said": line.said,
    }


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--person", default="uti", choices=sorted(PERSONS))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--tts-rate", type=int, default=175, help="the guide's speaking rate (words per minute)")
    args = parser.parse_args(argv)
    content = load_content()
    rows = [run_once(content, args.engine, args.person, args.tts_rate) for _ in range(args.runs)]
    header = f"{'engine':<14}{'outcome':<11}{'talk s':>8}{'turns':>7}{'reads':>7}{'wrong':>7}{'urgency':>10}"
    header += f"{'gap p50':>9}{'gap max':>9}{'tone p50':>10}"
    print(header)
    print("-" * len(header))
    for row in rows:
        urgency = f"{row['urgency']}{'' if row['urgency'] == row['expected'] else '(!)'}"
        print(
            f"{row['engine']:<14}{row['outcome']:<11}{row['talk_seconds']:>8.0f}{row['turns']:>7}{row['read_backs']:>7}"
            f"{row['wrong_read_backs']:>7}{urgency:>10}{row['gap_p50']:>9.2f}{row['gap_max']:>9.2f}"
            f"{row['tone_gap_p50']:>10.2f}"
        )
    print("said:", " | ".join(rows[-1]["said"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
