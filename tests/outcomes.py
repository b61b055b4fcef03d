"""What became of a spoken phrase at a question: the tally the recognition tests keep (tests/test_voice_e2e.py for
pocketsphinx, tests/test_whisper.py for Whisper)."""

from __future__ import annotations

from voice_guide.content import Content, Option, Question


def distinct_option_sets(content: Content) -> list[Question]:
    """One question per distinct set of options (the yes/no questions all share one)."""
    seen: dict[tuple[Option, ...], Question] = {}
    for question in content.questions:
        seen.setdefault(question.options, question)
    return list(seen.values())


def expected_targets(content: Content, question: Question) -> list[tuple[str, str]]:
    """(phrase to say, expected option id or "command:<id>") for everything that can be said at ``question``."""
    targets = [(phrase, option.id) for option in question.options for phrase in option.phrases]
    for index, option in enumerate(question.options):
        if index < len(content.ordinals):
            targets += [(word, option.id) for word in content.ordinals[index]]
    targets += [(word, f"command:{command.id}") for command in content.commands for word in command.words]
    return targets


REASKING_COMMANDS = ("command:repeat", "command:help")
"""Commands that only ask the question again: hearing one by mistake costs a turn, nothing more."""


def outcome(result: dict[str, object], expected: str) -> str:
    """take-right, read_back-right, ask_again, read_back-wrong or take-wrong (the harmful one)."""
    match = result["match"]
    if result["decision"] == "ask_again" or not isinstance(match, dict):
        return "ask_again"
    got = match.get("option") or f"command:{match.get('command')}"
    if got != expected and got in REASKING_COMMANDS:
        return "ask_again"
    right = "right" if got == expected else "wrong"
    return f"{result['decision']}-{right}"
