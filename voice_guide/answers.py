"""Reading answers as JSON (``voice-guide assess``): bounded before parsing, strict, and quoted only in short.

The input is ``{"question id": "option id", ...}``. Whatever arrives, :func:`parse_answers` either returns that
mapping or raises :class:`~voice_guide.errors.AnswersError` with one line that says what is wrong:

- more than :data:`MAX_BYTES` bytes (only that much is ever read), nesting deeper than :data:`MAX_DEPTH`, or a
  number longer than :data:`MAX_NUMBER_CHARS` characters are refused *before* the JSON parser sees them, so no input
  can exhaust memory, the parser's recursion or Python's integer-string limit;
- bytes that are not UTF-8 (a byte-order mark is allowed), ``NaN`` / ``Infinity`` (not JSON), and a key given twice
  (JSON parsers silently keep the last) are refused;
- an error message quotes at most :data:`EXCERPT_CHARS` characters of any key or value, with every control and
  non-ASCII character escaped, so it never carries a long value or a terminal escape sequence.

Whether the ids are known and the set is complete is checked afterwards, by the questionnaire (``check_answers``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, BinaryIO

from voice_guide.errors import AnswersError

MAX_BYTES = 64 * 1024
"""The most bytes of answers read. A complete set of answers is under 2 KB (26 questions of about 40 bytes each,
pretty-printed); this leaves room for any formatting while bounding what is parsed."""

MAX_DEPTH = 8
"""The deepest nesting of arrays and objects parsed. Answers are one flat object (depth 1); a little nesting is
parsed so that its error names the key whose value is not a string, deeper input is refused unparsed (Python's
JSON parser recurses, and overflows its stack near 1,000 levels)."""

MAX_NUMBER_CHARS = 32
"""The longest number parsed (characters). No answer is a number; this only keeps a 5,000-digit number from
reaching Python's integer-string limit, and still names the key whose value is not a string."""

MAX_ID_CHARS = 64
"""The longest key or option id considered at all (the content's ids are under 30 characters): a longer one is
refused as not an id, quoted in short."""

EXCERPT_CHARS = 40
"""The most characters of a key or value quoted in an error message."""

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
"""A JSON string (or an unterminated one up to the end): skipped when measuring the nesting depth."""


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``value`` as JSON, escaped (``ensure_ascii``: no control or non-ASCII character), at most ``limit``
    characters (then "...")."""
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):  # pragma: no cover - only JSON-decoded values are quoted
        text = ascii(value)
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


def quote(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` quoted as Python would (``'rf_fever'``), with every non-ASCII or control character escaped, cut to
    ``limit`` characters (then "...")."""
    return ascii(text[:limit]) + ("..." if len(text) > limit else "")


def _plain(name: str, limit: int = 200) -> str:
    """A file name for a message: escaped as in :func:`quote`, without the quotes."""
    text = ascii(name)[1:-1]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_answers(file: str, stdin: BinaryIO | None) -> dict[str, str]:
    """Read and parse answers from ``file`` ("-": ``stdin``), reading at most MAX_BYTES + 1 bytes."""
    name = "standard input" if file == "-" else file
    try:
        if file == "-":
            if stdin is None:
                raise AnswersError("standard input cannot be read")
            data = stdin.read(MAX_BYTES + 1)
        else:
            with Path(file).open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise AnswersError(f"cannot read {_plain(name)}: {error.strerror}") from None
    return parse_answers(data, name)


def parse_answers(data: bytes, name: str = "answers") -> dict[str, str]:
    """The answers in ``data`` (JSON bytes) as question id -> option id; AnswersError with one line if unusable."""
    if len(data) > MAX_BYTES:
        raise AnswersError(
            f"answers are too long: more than {MAX_BYTES // 1024} KiB (a complete set of answers is under 2 KB)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AnswersError(
            f"answers are not UTF-8 text: byte 0x{data[error.start]:02x} at position {error.start} "
            f"of {_plain(name)} cannot be read as UTF-8"
        ) from None
    depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise AnswersError(
            f"answers are nested {depth} levels deep; they must be one JSON object of question id -> option id"
        )
    try:
        parsed: Any = json.loads(
            text, object_pairs_hook=_unique_keys, parse_int=_int, parse_float=_float, parse_constant=_constant
        )
    except json.JSONDecodeError as error:
        raise AnswersError(f"answers are not valid JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise AnswersError("answers must be a JSON object of question id -> option id")
    for key, value in parsed.items():
        if len(key) > MAX_ID_CHARS:
            raise AnswersError(f"unknown question {quote(key)} (see 'voice-guide questions')")
        if not isinstance(value, str):
            raise AnswersError(f"the answer to {quote(key)} must be an option id (a string), not {excerpt(value)}")
        if len(value) > MAX_ID_CHARS:
            raise AnswersError(f"the answer to {quote(key)} is not an option id: {excerpt(value)}")
    return parsed


def nesting_depth(data: bytes) -> int:
    """The deepest nesting of ``[`` and ``{`` in JSON ``data``, outside strings (linear in the input)."""
    depth = deepest = 0
    for token in re.findall(rb"[\[\]{}]", _STRING.sub(b"", data)):
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise AnswersError(f"{quote(key)} is given twice; give each question one answer")
        result[key] = value
    return result


def _checked(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise AnswersError(
            f"a number of {len(text)} characters is in the answers; an answer is an option id (a string)"
        )
    return text


def _int(text: str) -> int:
    return int(_checked(text))


def _float(text: str) -> float:
    return float(_checked(text))


def _constant(text: str) -> object:
    raise AnswersError(f"answers are not valid JSON: {text} is not a JSON value")
