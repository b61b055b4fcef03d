"""Makes the screenshots of the touch screen shown in README (docs/screen-*.png).

    .venv/bin/python docs/screenshots.py        (needs the screen extra; no display: SDL's offscreen driver)

Each picture is the real screen front end driven through the real dialog, with the answers of a patient vignette
from tests/vignettes.toml for each urgency. Nothing of a person is in them: the vignettes are made up.
"""

from __future__ import annotations

import os
import sys
import time
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "offscreen"
os.environ.pop("DISPLAY", None)

import pygame

from voice_guide.content import Content, load_content
from voice_guide.dialog import Dialog, Event, Mode, State
from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.frontends.screen import (
    ScreenFrontend,
    ScreenUI,
)
from voice_guide.frontends.screen_layout import (
    Indicator,
    Local,
)
from voice_guide.speech.choice import VoiceChoice
from voice_guide.speech.speaker import EspeakSpeaker, SpeechSettings
from voice_guide.urgency import Urgency

DOCS = Path(__file__).resolve().parent
VIGNETTES = DOCS.parent / "tests" / "vignettes.toml"
SIZE = (1280, 800)


def save(ui: ScreenUI, name: str) -> None:
    drawn = ui.draws
    ui.wait_drawn(drawn - 1)
    time.sleep(0.3)  # let every pending change be drawn
    size, pixels = ui.pixels()
    pygame.image.save(pygame.image.frombytes(pixels, size, "RGB"), str(DOCS / f"screen-{name}.png"))
    print(f"docs/screen-{name}.png")


def answers_by_urgency() -> dict[Urgency, Mapping[str, str]]:
    with VIGNETTES.open("rb") as handle:
        vignettes = tomllib.load(handle)["vignette"]
    found: dict[Urgency, Mapping[str, str]] = {}
    for vignette in vignettes:
        found.setdefault(Urgency.from_key(vignette["urgency"]), vignette["answers"])
    return found


def answer(content: Content, dialog: Dialog, answers: Mapping[str, str]) -> list[Event]:
    """Feed the answers the dialog asks for; the events of the last one."""
    events: list[Event] = []
    while dialog.state is not State.RESULT:
        question = dialog.question
        if dialog.state is not State.ASKING or question is None:
            events = dialog.hear("yes")  # a read-back
        else:
            events = dialog.hear(question.option(answers[question.id]).text)
    return events


def session(ui: ScreenUI, content: Content, setup: Callable[[], None] | None = None) -> tuple[ScreenFrontend, Dialog]:
    ui.reset()
    if setup is not None:
        setup()
    frontend = ScreenFrontend(content, ui)
    dialog = Dialog(content, Mode.KEYBOARD)
    frontend.show(dialog.start())
    return frontend, dialog


def voice_choice() -> VoiceChoice:
    """The speech a voice session has (synthesis only: nothing is played)."""
    settings = SpeechSettings()
    return VoiceChoice(EspeakSpeaker(None, settings), None, settings)


def main() -> int:
    content = load_content()
    ui = ScreenUI(content, SIZE)
    ui.open()
    try:
        save(ui, "waiting")
        frontend, dialog = session(ui, content)
        save(ui, "question")
        frontend.show(dialog.hear("no"))
        ui.voice = True  # as with a microphone
        ui.speech = voice_choice()  # and speech: the voice button (with Piper installed)
        ui.set_status(Indicator.LISTENING)
        save(ui, "listening")
        ui.set_status(Indicator.IDLE)
        ui.set_heard("not sure")
        doubted = Transcript("maybe", 0.3, (Hypothesis("maybe", 0.3), Hypothesis("yes", 0.2)))
        frontend.show(dialog.hear_spoken(doubted))  # a doubted hearing is read back
        ui.voice = True
        ui.set_heard("maybe")
        save(ui, "read-back")
        ui.voice = False
        ui.speech = None
        for urgency, answers in sorted(answers_by_urgency().items(), reverse=True):
            frontend, dialog = session(ui, content)
            frontend.show(answer(content, dialog, answers))
            save(ui, f"result-{urgency.key.replace('_', '-')}")
            if urgency is Urgency.URGENT:
                ui._activate(Local("summary"))
                ui.notice("")
                save(ui, "summary")
                ui._activate(Local("next"))
                ui.notice("")
                save(ui, "summary-text")
        frontend, dialog = session(ui, content, lambda: ui._activate(Local("theme")))
        frontend.show(dialog.hear("no"))
        save(ui, "light")
        frontend, dialog = session(ui, content, lambda: [ui._activate(Local("larger")) for _ in range(3)])
        frontend.show(dialog.hear("no"))
        save(ui, "large-text")
    finally:
        ui.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
