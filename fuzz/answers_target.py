"""Coverage-guided fuzz target (atheris / libFuzzer) for the answers JSON of ``voice-guide assess``
(voice_guide/answers.py, then the questionnaire's check and the triage, as the CLI runs them).

Any bytes must give an assessment or raise AnswersError with one printable line of under 300 characters; anything
else is a finding.

    python fuzz/answers_target.py -max_total_time=60 NEW_CORPUS_DIR fuzz/corpus/answers
"""

from __future__ import annotations

import json
import sys

import atheris

with atheris.instrument_imports():
    from voice_guide.answers import parse_answers
    from voice_guide.content import load_content
    from voice_guide.errors import AnswersError
    from voice_guide.questionnaire import check_answers, state
    from voice_guide.report import assessment_json

CONTENT = load_content()


def test_one_input(data: bytes) -> None:
    try:
        answers = parse_answers(data, "fuzz.json")
        check_answers(CONTENT, answers)
    except AnswersError as error:
        message = str(error)
        if not message.isprintable() or len(message) >= 300:
            raise AssertionError(f"unclear message: {message[:300]!r}") from None
        return
    result = state(CONTENT, answers).assessment
    json.dumps(assessment_json(CONTENT, result))


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
