"""The ``voice-guide`` command line. Only this module prints errors and sets exit codes.

    voice-guide [--keyboard | --voice] [options]   run the guide (voice when it can, else the keyboard, saying which)
    voice-guide questions [--json]                 list question ids and option ids (for answer files)
    voice-guide assess [FILE]                      answers as JSON (file or stdin) -> assessment as JSON
    voice-guide listen FILE.wav [--question ID]    recognize one recording -> transcript, match and decision as JSON
    voice-guide converse TURN.wav ...              a whole spoken conversation from recordings, one per turn
    voice-guide models list | fetch [NAME]         speech models known, and downloading one (the only network use)

Exit codes: 0 done; 1 input ended or stopped before the result; 2 bad usage or bad input; 3 content broken;
4 a model download failed; 130 interrupted (Ctrl-C), terminated (SIGTERM) or hung up (SIGHUP).

Signals: SIGINT always interrupts (its default handler is restored at start, since a guide started in the
background by a shell inherits SIGINT ignored); SIGTERM and SIGHUP stop the guide the same way, saying so, except
that a SIGHUP ignored on purpose (``nohup``) stays ignored. The kiosk handles them itself (voice_guide.kiosk).
Output that the terminal's encoding cannot show is replaced, never a crash.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO, TextIO, cast

from voice_guide import __version__
from voice_guide.answers import read_answers
from voice_guide.content import Condition, Content, load_content
from voice_guide.dialog import Dialog, Mode
from voice_guide.engines.base import Recognizer
from voice_guide.errors import AnswersError, ContentError, ModelFetchError, VoiceGuideError
from voice_guide.frontends.keyboard import KeyboardFrontend
from voice_guide.questionnaire import check_answers, state
from voice_guide.render import unavailable_text
from voice_guide.report import assessment_json
from voice_guide.session import Frontend, Outcome, run_session
from voice_guide.signals import taken
from voice_guide.speech.speaker import SilentSpeaker
from voice_guide.speech.stack import VoiceSettings, open_voice, speech_without_microphone
from voice_guide.understand import CONFIRM_BELOW, Understanding, listen_once

EXIT_OK = 0
EXIT_UNFINISHED = 1
EXIT_USAGE = 2
EXIT_CONTENT = 3
EXIT_FAILED = 4
EXIT_INTERRUPTED = 130

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice-guide",
        description="An offline guide for lower back pain after sex. It is not a diagnosis: in an emergency, "
        "call your local emergency number.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--prompts", type=Path, help="content folder (default: the guide's prompts/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log events to stderr")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--keyboard", action="store_true", help="answer by typing (no microphone needed)")
    mode.add_argument("--voice", action="store_true", help="answer by voice; fail if voice cannot be used")
    _add_screen_options(parser)
    add_voice_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    questions = sub.add_parser("questions", help="list every question id with its option ids")
    questions.add_argument("--json", action="store_true", help="print JSON instead of text")

    assess_parser = sub.add_parser("assess", help="read answers as JSON, print the assessment as JSON")
    assess_parser.add_argument(
        "file", nargs="?", default="-", help="JSON file of question id -> option id ('-' or none: stdin)"
    )

    listen = sub.add_parser("listen", help="recognize one WAV recording and print what the guide would decide")
    listen.add_argument("file", type=Path, help="a WAV file (16 kHz mono 16-bit is best; others are converted)")
    listen.add_argument("--question", help="the question it answers (default: the first question)")
    add_voice_options(listen, suppress=True)

    converse = sub.add_parser("converse", help="run a whole spoken conversation from WAV files, one per turn")
    converse.add_argument("files", type=Path, nargs="+", help="WAV files, in the order the answers are given")
    converse.add_argument("--json", action="store_true", help="print the turns and the assessment as JSON")
    add_voice_options(converse, suppress=True)

    models = sub.add_parser("models", help="speech models: list the known ones, or fetch one")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    models_sub.add_parser("list", help="models in the manifest, and which are installed")
    fetch = models_sub.add_parser("fetch", help="download, verify (SHA-256) and unpack a model into models/")
    fetch.add_argument("name", nargs="?", default=None, help="model name (default: the small English vosk model)")
    _add_kiosk_commands(sub)
    return parser


def add_voice_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """Voice options, accepted before the command and after it (``suppress`` keeps the first from being reset)."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("voice")
    group.add_argument(
        "--engine",
        choices=("auto", "vosk", "whisper", "pocketsphinx"),
        default=default("auto"),
        help="speech recognizer (auto: vosk when an English model is installed, else Whisper when its weights are, "
        "else pocketsphinx)",
    )
    group.add_argument("--model", type=Path, default=default(None), help="vosk or Whisper model folder")
    group.add_argument("--input-device", default=default(None), help="microphone (sounddevice name or number)")
    group.add_argument("--output-device", default=default(None), help="speaker (sounddevice name or number)")
    group.add_argument("--rate", type=int, default=default(175), help="speaking rate, words per minute (175)")
    group.add_argument("--volume", type=float, default=default(1.0), help="speech volume, 0 to 1 (1)")
    group.add_argument(
        "--tts",
        choices=("espeak", "piper"),
        default=default("espeak"),
        help="speech output: espeak (espeak-ng, light) or piper (a clearer neural voice; the piper extra)",
    )
    group.add_argument("--tts-voice", default=default(None), help="espeak-ng voice for speaking, e.g. en-gb")
    group.add_argument("--no-tones", action="store_true", default=default(False), help="no listening tones")
    group.add_argument(
        "--confirm-below",
        type=float,
        default=default(CONFIRM_BELOW),
        help=f"recognizer confidence under which answers are read back for confirmation ({CONFIRM_BELOW}); "
        "0 never reads back for doubt (also not for unexplained speech or a rival hypothesis)",
    )


def _device(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


def voice_settings(args: argparse.Namespace) -> VoiceSettings:
    """The VoiceSettings the command line asked for."""
    return VoiceSettings(
        engine=args.engine,
        model=args.model,
        input_device=_device(args.input_device),
        output_device=_device(args.output_device),
        rate=args.rate,
        volume=args.volume,
        voice=args.tts_voice,
        tts=args.tts,
        tones=not args.no_tones,
        confirm_below=args.confirm_below,
    )


def main(argv: Sequence[str] | None = None) -> int:
    with _signals_taken():
        _replace_unencodable_output()
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if args.command == "doctor":
        return _doctor(args)
    try:
        content = load_content(args.prompts)
    except ContentError as error:
        print(f"voice-guide: the guide's content is broken: {error}", file=sys.stderr)
        return EXIT_CONTENT
    try:
        if args.command == "questions":
            return _questions(content, as_json=args.json, out=sys.stdout)
        if args.command == "assess":
            return _assess(content, args.file)
        if args.command == "kiosk":
            return _kiosk(content, args)
        if args.command == "listen":
            return _listen(content, args)
        if args.command == "converse":
            return _converse(content, args)
        if args.command == "models":
            return _models(args)
        return _run(content, args)
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):  # after a hang-up the terminal may be gone
            print("\n" + content.phrase("interrupted"), file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except VoiceGuideError as error:
        print(f"voice-guide: {error}", file=sys.stderr)
        return EXIT_USAGE


def _questions(content: Content, *, as_json: bool, out: TextIO) -> int:
    def conditions(items: Sequence[Condition]) -> list[dict[str, Any]]:
        return [{"question": c.question, "any_of": sorted(c.any_of)} for c in items]

    if as_json:
        data = [
            {
                "id": q.id,
                "text": q.text,
                "red_flag": q.red_flag,
                "options": [
                    {"id": o.id, "text": o.text, **({"organs": sorted(o.organs)} if o.organs else {})}
                    for o in q.options
                ],
                "organs": sorted(q.organs),
                "always_confirm": q.always_confirm,
                "skip_when_as_urgent": q.skip_when_as_urgent,
                "ask_if": conditions(q.ask_if),
                "ask_if_any": conditions(q.ask_if_any),
                "unless": conditions(q.unless),
            }
            for q in content.questions
        ]
        json.dump(data, out, indent=2)
        out.write("\n")
        return EXIT_OK

    def described(items: Sequence[Condition], joiner: str) -> str:
        return joiner.join(f"{c.question} in ({', '.join(sorted(c.any_of))})" for c in items)

    for question in content.questions:
        options = ", ".join(o.id for o in question.options)
        notes = []
        if any(o.organs for o in question.options):
            organs = "; ".join(f"{o.id} = {', '.join(sorted(o.organs))}" for o in question.options)
            notes.append(f"[organs: {organs}]")
        if question.always_confirm:
            notes.append("[always read back]")
        if question.skip_when_as_urgent:
            notes.append("[may be left out when the advice is already urgent]")
        if question.ask_if:
            notes.append(f"[asked if {described(question.ask_if, ' and ')}]")
        if question.ask_if_any:
            notes.append(f"[asked if any of {described(question.ask_if_any, '; ')}]")
        if question.unless:
            notes.append(f"[not asked if {described(question.unless, '; ')}]")
        print(f"{question.id}: {options}" + "".join(f"   {n}" for n in notes), file=out)
        print(f"    {question.text}", file=out)
    return EXIT_OK


def _stdin_bytes() -> BinaryIO | None:
    """Standard input as bytes (a text stream without a binary buffer, as in tests, is encoded as UTF-8)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return cast(BinaryIO, buffer)
    if sys.stdin is None:
        return None
    return io.BytesIO(sys.stdin.read().encode("utf-8", errors="surrogateescape"))


def _assess(content: Content, file: str) -> int:
    try:
        answers = read_answers(file, _stdin_bytes() if file == "-" else None)
        check_answers(content, answers)
    except AnswersError as error:
        print(f"voice-guide assess: {error}", file=sys.stderr)
        return EXIT_USAGE
    assessment = state(content, answers).assessment
    json.dump(assessment_json(content, assessment), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_taken() -> Iterator[None]:
    """SIGINT interrupts even when inherited ignored (a background start); SIGTERM and SIGHUP stop the guide as
    SIGINT does, saying so (exit 130), unless SIGHUP is ignored on purpose (nohup). The handlers before are put
    back afterwards (for callers of :func:`main` in process). Only the main thread can take signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with taken(signal.default_int_handler, _terminate, _terminate):
        yield


def _replace_unencodable_output() -> None:
    """Characters the terminal's encoding cannot show (a Latin-1 locale, a typed U+FFFD) become "?", not a crash."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors in ("strict", "surrogateescape"):
            stream.reconfigure(errors="replace")


def _run(content: Content, args: argparse.Namespace) -> int:
    if args.screen:
        return _run_screen(content, args)
    keyboard = KeyboardFrontend(content, sys.stdin, sys.stdout)
    frontend: Frontend = keyboard
    if not args.keyboard:
        try:
            voice, notices = open_voice(content, voice_settings(args), sys.stdout)
        except VoiceGuideError as error:
            if args.voice:
                raise
            log.info("voice is not available: %s", error)
            keyboard.speaker = speech_without_microphone(voice_settings(args), content)  # speak while they type
            keyboard.notice(
                unavailable_text(content, error) or f"Using the keyboard: voice is not available ({error})."
            )
        else:
            for notice in notices:
                voice.notice(notice)
            keyboard.speaker = voice.speaker  # a microphone that fails later hands over to a keyboard that speaks
            frontend = voice
    understanding = Understanding(content, settings=voice_settings(args).understanding)
    dialog = Dialog(content, frontend.mode, understanding=understanding)
    result = run_session(dialog, frontend, keyboard if frontend is not keyboard else None)
    if result.outcome is Outcome.END_OF_INPUT:
        print(content.phrase("interrupted"), file=sys.stdout)
        return EXIT_UNFINISHED
    return EXIT_OK


def _recognizer(args: argparse.Namespace) -> Recognizer:
    from voice_guide.engines.loader import describe, load_recognizer

    recognizer = load_recognizer(args.engine, args.model)
    log.info("recognizer: %s", describe(recognizer))
    return recognizer


def _listen(content: Content, args: argparse.Namespace) -> int:
    from voice_guide.speech.microphone import WavFileListener

    question = content.questions[0]
    if args.question is not None:
        try:
            question = content.question(args.question)
        except KeyError:
            raise AnswersError(f"unknown question {args.question!r} (see 'voice-guide questions')") from None
    samples = WavFileListener([args.file]).listen()  # cut as the microphone would: no speech is a silent turn
    understanding = Understanding(content, settings=voice_settings(args).understanding)
    result = listen_once(_recognizer(args), understanding, samples, question)
    output = {"file": str(args.file), **result}
    json.dump(output, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def _converse(content: Content, args: argparse.Namespace) -> int:
    from voice_guide.frontends.voice import VoiceFrontend
    from voice_guide.speech.microphone import WavFileListener

    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        raise AnswersError(f"no such file: {', '.join(missing)}")
    out = None if args.json else sys.stdout
    frontend = VoiceFrontend(
        content=content,
        recognizer=_recognizer(args),
        listener=WavFileListener(args.files),
        speaker=SilentSpeaker(),
        out=out,
    )
    dialog = Dialog(
        content, Mode.VOICE, understanding=Understanding(content, settings=voice_settings(args).understanding)
    )
    result = run_session(dialog, frontend)
    assessment = dialog.assessment
    if args.json:
        data = {
            "outcome": result.outcome.value,
            "turns": [{"question": turn.question, "transcript": turn.transcript.text} for turn in frontend.turns],
            "answers": dialog.answers,
            "assessment": assessment_json(content, assessment) if assessment else None,
        }
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    return EXIT_OK if assessment is not None else EXIT_UNFINISHED


def _models(args: argparse.Namespace) -> int:
    from voice_guide import models

    try:
        manifest = models.load_manifest()
        if args.models_command == "list":
            for info in manifest.values():
                folder = models.MODELS_DIR / info.folder
                installed = (
                    models.is_whisper_model(folder) if info.engine == "whisper" else models.is_vosk_model(folder)
                )
                state = "installed" if installed else "not installed"
                print(f"{info.name}: {info.engine}, {info.language}, {info.size / 1e6:.0f} MB download, {state}")
            print("pocketsphinx (bundled English model): always installed")
            return EXIT_OK
        name = args.name or next(iter(manifest))
        path = models.fetch(name)
    except ModelFetchError as error:
        print(f"voice-guide models: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Installed {path}. The guide will use it from now on (--engine auto).")
    return EXIT_OK


# ---- kiosk and doctor (voice_guide/kiosk.py, voice_guide/doctor.py) ------------------------------------------------


def _add_kiosk_commands(sub: Any) -> None:
    kiosk = sub.add_parser("kiosk", help="serve one person after another (waiting room); forgets each person")
    kiosk.add_argument("--keyboard", dest="kiosk_keyboard", action="store_true", help="use the keyboard only")
    kiosk.add_argument(
        "--idle", type=float, default=60.0, metavar="SECONDS", help="keyboard: wait before 'are you still there?'"
    )
    kiosk.add_argument(
        "--idle-silences", type=int, default=3, metavar="N", help="voice: silent turns before 'are you still there?'"
    )
    kiosk.add_argument("--max-sessions", type=int, metavar="N", help="stop after N people (default: never)")
    kiosk.add_argument(
        "--screen", dest="kiosk_screen", action="store_true", help="the full-screen touch display (see README)"
    )
    doctor = sub.add_parser("doctor", help="check content, audio, speech and recognizer; exit 1 on any failure")
    doctor.add_argument(
        "--keyboard", dest="doctor_keyboard", action="store_true", help="keyboard-only kiosk: audio is not required"
    )


def _kiosk(content: Content, args: argparse.Namespace) -> int:
    from voice_guide.kiosk import Kiosk, KioskFailedError, KioskSettings, KioskStopped, station_factory, stop_on_sigterm

    keyboard_only = bool(args.keyboard or args.kiosk_keyboard)
    screen = _open_screen(content, args) if (args.screen or args.kiosk_screen) else None
    notice: str | None
    try:
        if screen is not None:
            from voice_guide.frontends.screen import screen_stations

            factory, notice = screen_stations(
                content, screen, keyboard=keyboard_only, idle_timeout=args.idle, settings=voice_settings(args)
            )
        else:
            factory, notice = station_factory(
                content,
                sys.stdin,
                sys.stdout,
                keyboard=keyboard_only,
                idle_timeout=args.idle,
                settings=voice_settings(args),
            )
        if notice:
            print(notice, file=sys.stdout, flush=True)
        settings = KioskSettings(voice_idle_silences=args.idle_silences, max_sessions=args.max_sessions)
        try:
            with stop_on_sigterm():
                understanding = Understanding(content, settings=voice_settings(args).understanding)
                Kiosk(content, factory, settings, understanding).run()
        except KioskStopped:
            # On its own line: the terminal may be waiting at "Your answer: ".
            print(file=sys.stdout, flush=True)
            print(f"voice-guide kiosk: {content.phrase('kiosk_stopped')}", file=sys.stderr)
            return EXIT_OK
        except KeyboardInterrupt:  # while waiting for a person (in a session it only ends that session)
            with contextlib.suppress(OSError):
                print(file=sys.stdout, flush=True)
                print(f"voice-guide kiosk: {content.phrase('kiosk_stopped')}", file=sys.stderr, flush=True)
            return EXIT_INTERRUPTED
        except KioskFailedError as error:
            print(f"voice-guide kiosk: {error}", file=sys.stderr)
            return EXIT_UNFINISHED
        return EXIT_OK
    finally:
        if screen is not None:
            screen.close()


# ---- the touch screen (voice_guide/frontends/screen.py) ------------------------------------------------------------


def _add_screen_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("screen")
    group.add_argument(
        "--screen",
        action="store_true",
        help="show the guide on a full-screen touch display (with --keyboard: no voice)",
    )
    group.add_argument(
        "--screen-size", metavar="WxH", help="a window of this size instead of the full screen (e.g. 1280x800)"
    )


def _open_screen(content: Content, args: argparse.Namespace) -> Any:
    from voice_guide.frontends.screen import ScreenUI, parse_size

    try:
        size = parse_size(args.screen_size) if args.screen_size else None
    except ValueError as error:
        raise AnswersError(f"--screen-size: {error}") from None
    screen = ScreenUI(content, size)
    screen.open()
    return screen


def _run_screen(content: Content, args: argparse.Namespace) -> int:
    from voice_guide.frontends.screen import screen_frontends

    screen = _open_screen(content, args)
    try:
        settings = None if args.keyboard else voice_settings(args)
        frontend, fallback, notice = screen_frontends(content, screen, settings, require_voice=args.voice)
        if notice:
            print(notice, file=sys.stdout, flush=True)
            frontend.notice(notice)
        understanding = Understanding(content, settings=voice_settings(args).understanding)
        result = run_session(Dialog(content, frontend.mode, understanding=understanding), frontend, fallback)
    finally:
        screen.close()
    if result.outcome is Outcome.END_OF_INPUT:
        print(content.phrase("interrupted"), file=sys.stdout)
        return EXIT_UNFINISHED
    return EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    from voice_guide.doctor import Status, run_checks

    keyboard_only = bool(args.keyboard or args.doctor_keyboard)
    results = run_checks(args.prompts, keyboard_only=keyboard_only, voice=voice_settings(args))
    for result in results:
        print(result.line())
    failed = sum(r.status is Status.FAIL for r in results)
    print(f"{failed} check(s) failed." if failed else "All checks passed.")
    return EXIT_UNFINISHED if failed else EXIT_OK
