"""The ``voice-guide`` command line. Only this module prints errors and sets exit codes.

    voice-guide [--keyboard | --voice] [options]   run the guide (voice when it can, else the keyboard, saying which)
    voice-guide questions [--json]                 list question ids and option ids (for answer files)
    voice-guide assess [FILE]                      answers as JSON (file or stdin) -> assessment as JSON

Exit codes: 0 done; 1 input ended or stopped before the result; 2 bad usage or bad input; 3 content broken;
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from voice_guide import __version__
from voice_guide.content import Content, load_content
from voice_guide.dialog import Dialog, Mode
from voice_guide.errors import AnswersError, ContentError, VoiceGuideError
from voice_guide.flow import check_answers, emergency_reached
from voice_guide.keyboard import KeyboardFrontend
from voice_guide.report import assessment_json
from voice_guide.session import Outcome, run_session
from voice_guide.triage import assess

EXIT_OK = 0
EXIT_UNFINISHED = 1
EXIT_USAGE = 2
EXIT_CONTENT = 3
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    questions = sub.add_parser("questions", help="list every question id with its option ids")
    questions.add_argument("--json", action="store_true", help="print JSON instead of text")

    assess_parser = sub.add_parser("assess", help="read answers as JSON, print the assessment as JSON")
    assess_parser.add_argument(
        "file", nargs="?", default="-", help="JSON file of question id -> option id ('-' or none: stdin)"
    )
    _add_kiosk_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
        return _run(content, args)
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        print("\n" + content.phrase("interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except VoiceGuideError as error:
        print(f"voice-guide: {error}", file=sys.stderr)
        return EXIT_USAGE


def _questions(content: Content, *, as_json: bool, out: TextIO) -> int:
    if as_json:
        data = [
            {
                "id": q.id,
                "text": q.text,
                "red_flag": q.red_flag,
                "options": [{"id": o.id, "text": o.text} for o in q.options],
                "ask_if": [{"question": c.question, "any_of": sorted(c.any_of)} for c in q.ask_if],
            }
            for q in content.questions
        ]
        json.dump(data, out, indent=2)
        out.write("\n")
        return EXIT_OK
    for question in content.questions:
        options = ", ".join(o.id for o in question.options)
        condition = " and ".join(f"{c.question} in ({', '.join(sorted(c.any_of))})" for c in question.ask_if)
        print(f"{question.id}: {options}" + (f"   [asked if {condition}]" if condition else ""), file=out)
        print(f"    {question.text}", file=out)
    return EXIT_OK


def _read_answers(file: str) -> dict[str, str]:
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except OSError as error:
        raise AnswersError(f"cannot read {file}: {error.strerror}") from None
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise AnswersError(f"answers are not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise AnswersError("answers must be a JSON object of question id -> option id")
    for key, value in data.items():
        if not isinstance(value, str):
            raise AnswersError(f"the answer to {key!r} must be an option id (a string), not {json.dumps(value)}")
    return data


def _assess(content: Content, file: str) -> int:
    try:
        answers = _read_answers(file)
        check_answers(content, answers)
    except AnswersError as error:
        print(f"voice-guide assess: {error}", file=sys.stderr)
        return EXIT_USAGE
    assessment = assess(content, answers, complete=not emergency_reached(content, answers))
    json.dump(assessment_json(content, assessment), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run(content: Content, args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    keyboard = KeyboardFrontend(content, sys.stdin, sys.stdout)
    if args.voice:
        raise VoiceGuideError("voice mode is not available in this version; use --keyboard")
    if not args.keyboard:
        keyboard.notice("Using the keyboard: voice mode is not available in this version.")
    dialog = Dialog(content, Mode.KEYBOARD)
    result = run_session(dialog, keyboard)
    if result.outcome is Outcome.END_OF_INPUT:
        print(content.phrase("interrupted"), file=sys.stdout)
        return EXIT_UNFINISHED
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
    doctor = sub.add_parser("doctor", help="check content, audio, speech and recognizer; exit 1 on any failure")
    doctor.add_argument(
        "--keyboard", dest="doctor_keyboard", action="store_true", help="keyboard-only kiosk: audio is not required"
    )


def _kiosk(content: Content, args: argparse.Namespace) -> int:
    from voice_guide.kiosk import Kiosk, KioskFailedError, KioskSettings, KioskStopped, station_factory, stop_on_sigterm

    keyboard_only = bool(args.keyboard or args.kiosk_keyboard)
    factory, notice = station_factory(content, sys.stdin, sys.stdout, keyboard=keyboard_only, idle_timeout=args.idle)
    if notice:
        print(notice, file=sys.stdout, flush=True)
    settings = KioskSettings(voice_idle_silences=args.idle_silences, max_sessions=args.max_sessions)
    try:
        with stop_on_sigterm():
            Kiosk(content, factory, settings).run()
    except KioskStopped:
        print(f"voice-guide kiosk: {content.phrase('kiosk_stopped')}", file=sys.stderr)
        return EXIT_OK
    except KioskFailedError as error:
        print(f"voice-guide kiosk: {error}", file=sys.stderr)
        return EXIT_UNFINISHED
    return EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    from voice_guide.doctor import Status, run_checks

    results = run_checks(args.prompts, keyboard_only=bool(args.keyboard or args.doctor_keyboard))
    for result in results:
        print(result.line())
    failed = sum(r.status is Status.FAIL for r in results)
    print(f"{failed} check(s) failed." if failed else "All checks passed.")
    return EXIT_UNFINISHED if failed else EXIT_OK
