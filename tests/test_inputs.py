"""Every input surface decoded and bounded: typed bytes in any locale, long lines, ``assess`` input and WAV headers.

Each bad input gets one plain message and loses nothing; none crashes (no traceback) or hangs. The CLI runs here are
given :data:`HANG` seconds: a run that takes longer is a hang, not a slow machine (the guide answers a whole scripted
conversation in about a second). Property tests of the same surfaces are in ``test_fuzz_*.py``.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import sys
import threading
import tracemalloc
import wave
from pathlib import Path

import pytest
from conftest import cli_command, cli_env
from conversation import heard_until_result

from voice_guide import cli
from voice_guide.answers import EXCERPT_CHARS, MAX_BYTES, MAX_DEPTH, parse_answers
from voice_guide.content import Content
from voice_guide.dialog import Dialog, Mode, State
from voice_guide.errors import AnswersError, AudioFileError
from voice_guide.frontends.keyboard import MAX_LINE_BYTES, PROMPT, KeyboardFrontend, LineReader, printable
from voice_guide.matcher import MAX_ANSWER_CHARS, Matcher, NoMatch
from voice_guide.session import Typed

REPO = Path(__file__).resolve().parent.parent
HANG = 10.0
"""Seconds after which a CLI run counts as hung (issue 11: zero hangs over 10 s)."""

PROMPTS = REPO / "prompts"
PROSTATE_PATH = {"body": "prostate", "pattern": "new"}
"""A whole questionnaire (as in test_cli_keyboard)."""


def run(args: list[str], stdin: bytes, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The real CLI with raw bytes on stdin, within HANG seconds."""
    return subprocess.run(
        cli_command(args), input=stdin, capture_output=True, env=env or cli_env(), timeout=HANG, check=False
    )


# ---- keyboard: any bytes, any locale -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def locales(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Environments for the locales to test, each checked to be in effect: C (which Python coerces to C.UTF-8),
    C with that coercion and UTF-8 mode turned off (an ASCII terminal), C.UTF-8, and, compiled with localedef into a
    private LOCPATH, en_GB.UTF-8 (Raspberry Pi OS's default) and en_GB.ISO-8859-1 (a Latin-1 terminal)."""
    base = cli_env()
    base.pop("PYTHONIOENCODING")  # the terminal's own encoding, as a person's shell has it
    for key in ("LC_ALL", "LC_CTYPE", "LANGUAGE"):
        base.pop(key, None)
    found = {
        "C": base | {"LANG": "C"},
        "C-ascii": base | {"LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
        "C.UTF-8": base | {"LANG": "C.UTF-8"},
    }
    in_effect = {"C": "C.UTF-8", "C-ascii": "C"}
    if shutil.which("localedef") is None:
        pytest.skip("localedef is not installed (apt install locales): cannot build en_GB locales")
    folder = tmp_path_factory.mktemp("locales")
    for name, charmap in (("en_GB.UTF-8", "UTF-8"), ("en_GB.ISO-8859-1", "ISO-8859-1")):
        made = subprocess.run(
            ["localedef", "-i", "en_GB", "-f", charmap, str(folder / name)], capture_output=True, check=False
        )
        if made.returncode not in (0, 1):  # 1: warnings only
            pytest.skip(f"localedef cannot build {name}: {made.stderr.decode(errors='replace')}")
        found[name] = base | {"LANG": name, "LOCPATH": str(folder)}
    for name, env in found.items():
        probe = subprocess.run(
            [sys.executable, "-c", "import locale; print(locale.setlocale(locale.LC_CTYPE, ''))"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        wanted = in_effect.get(name, name)
        assert probe.stdout.strip() == wanted, f"{name} is not in effect: {probe.stdout} {probe.stderr}"
    return found


GARBAGE = [
    b"q\xffz\xc3",  # invalid UTF-8 inside a word
    b"\x80\x81\xfe\xfe",  # nothing but invalid bytes
    b"\xe2\x82",  # a truncated multi-byte character
    b"\x1b[2J\x1b]0;owned\x07",  # terminal escape sequences
    b"\x00\x00\x00",  # NUL bytes
    bytes(random.Random(11).randrange(256) for _ in range(300)),  # noqa: S311 - test data.replace(b"\n", b" "),  # random bytes, over the cap
]


@pytest.mark.parametrize("locale", ["C", "C-ascii", "C.UTF-8", "en_GB.UTF-8", "en_GB.ISO-8859-1"])
def test_any_bytes_typed_in_any_locale_are_read_and_the_result_is_reached(
    content: Content, locales: dict[str, dict[str, str]], locale: str
) -> None:
    heard = heard_until_result(content, PROSTATE_PATH)
    typed = b"".join(line + b"\n" for line in GARBAGE) + "".join(f"{line}\n" for line in heard).encode()

    done = run(["--keyboard"], typed, env=locales[locale])

    out, err = done.stdout.decode("utf-8", errors="replace"), done.stderr.decode("utf-8", errors="replace")
    assert done.returncode == 0, err
    assert "Traceback" not in err and err == ""
    assert content.phrases["result_intro"].split("{count}")[0] in out
    assert out.count(content.phrase("not_understood_typed")) >= 4  # garbage is re-asked, never taken as an answer
    assert content.phrase("too_long", limit=MAX_ANSWER_CHARS) in out  # the 300 random bytes
    assert b"\x1b" not in done.stdout  # typed escape sequences are not echoed to the terminal


def test_a_long_line_is_refused_with_a_message_and_the_next_line_answers(content: Content) -> None:
    stdout = io.StringIO()
    frontend = KeyboardFrontend(content, io.StringIO("no " * 400_000 + "\nno\n"), stdout, echo=True)
    dialog = Dialog(content, Mode.KEYBOARD)
    dialog.start()

    assert frontend.listen(dialog) == Typed("no")

    printed = stdout.getvalue()
    assert printed.count(PROMPT) == 2
    assert content.phrase("too_long", limit=MAX_ANSWER_CHARS) in printed
    assert len(printed) < 2 * MAX_ANSWER_CHARS + 500  # the echo is cut too


@pytest.mark.parametrize("size", [MAX_ANSWER_CHARS, MAX_ANSWER_CHARS + 1])
def test_the_answer_length_cap_is_exact(content: Content, size: int) -> None:
    line = ("no " * size)[:size]
    stdout = io.StringIO()
    frontend = KeyboardFrontend(content, io.StringIO(line + "\n"), stdout, echo=False)
    heard = frontend.listen(Dialog(content, Mode.KEYBOARD))
    refused = content.phrase("too_long", limit=MAX_ANSWER_CHARS) in stdout.getvalue()
    assert refused is (size > MAX_ANSWER_CHARS)
    assert heard == (Typed(line) if size <= MAX_ANSWER_CHARS else None)  # refused, then the input ended


def test_a_huge_line_on_a_pipe_is_read_in_bounded_memory_and_what_follows_is_kept() -> None:
    """A 64 MB line with no break in it, then two short lines: memory stays near MAX_LINE_BYTES."""
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            chunk = b"x" * 65536
            for _ in range(1024):
                pipe.write(chunk)
            pipe.write(b"\nyes\nno")

    writer = threading.Thread(target=write)
    writer.start()
    with os.fdopen(read_end, "r") as stream:
        reader = LineReader(stream)
        tracemalloc.start()
        try:
            first = reader.readline(HANG)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        lines = [reader.readline(HANG), reader.readline(HANG), reader.readline(HANG)]
    writer.join(HANG)
    assert first == "x" * MAX_LINE_BYTES
    assert peak < 32 * MAX_LINE_BYTES  # not the 64 MB
    assert lines == ["yes", "no", None]


def test_a_huge_line_from_a_stream_without_a_descriptor_is_cut() -> None:
    reader = LineReader(io.StringIO("y" * (3 * MAX_LINE_BYTES) + "\nyes\n"))
    assert reader.readline(None) == "y" * MAX_LINE_BYTES
    assert reader.readline(None) == "yes"
    assert reader.readline(None) is None


def test_a_cli_run_with_a_megabyte_line_answers_at_once(content: Content) -> None:
    """Issue 11: a 1 MB line of "no no no ..." was still matching after 30 s."""
    heard = heard_until_result(content, PROSTATE_PATH)
    typed = ("no " * 350_000)[:1_000_000] + "\n" + "".join(f"{line}\n" for line in heard)
    done = run(["--keyboard"], typed.encode())
    assert done.returncode == 0, done.stderr
    assert content.phrase("too_long", limit=MAX_ANSWER_CHARS).encode() in done.stdout
    assert content.phrases["result_intro"].split("{count}")[0].encode() in done.stdout


def test_the_matcher_refuses_an_over_long_input_without_matching_it(content: Content) -> None:
    matcher = Matcher(content)
    options = content.question("rf_nerves").options
    refused = matcher.match("no " * 400_000, options)
    assert isinstance(refused, NoMatch) and refused.too_long
    longest = matcher.match(("no " * MAX_ANSWER_CHARS)[:MAX_ANSWER_CHARS], options)
    assert not isinstance(longest, NoMatch) or not longest.too_long


def test_printable_replaces_control_characters_only() -> None:
    assert printable("a\x1b[2Jb\x07c\x9bd\te") == "a\ufffd[2Jb\ufffdc\ufffdd\te"
    assert printable("Ünïcödé ✓") == "Ünïcödé ✓"


def test_a_dialog_keeps_its_answers_through_garbage(content: Content) -> None:
    """Garbage between answers never changes or drops an answer already given."""
    dialog = Dialog(content, Mode.KEYBOARD)
    dialog.start()
    dialog.hear("no")
    before = dialog.answers
    for line in GARBAGE:
        dialog.hear(line.decode("utf-8", errors="replace"))
    assert dialog.answers == before
    assert dialog.state is State.ASKING


# ---- assess --------------------------------------------------------------------------------------------------------


BAD_ANSWERS: list[tuple[str, bytes, str]] = [
    ("deep_array", b"[" * 30_000 + b"]" * 30_000, "nested 30000 levels deep"),
    ("deep_object", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "nested 10000 levels deep"),
    ("deep_unclosed", b"[" * 60_000, "nested 60000 levels deep"),
    ("long_number", b'{"rf_nerves": ' + b"9" * 5000 + b"}", "a number of 5000 characters"),
    ("long_float", b'{"rf_nerves": 0.' + b"1" * 5000 + b"}", "a number of 5002 characters"),
    ("nan", b'{"rf_nerves": NaN}', "NaN is not a JSON value"),
    ("infinity", b'{"rf_nerves": -Infinity}', "-Infinity is not a JSON value"),
    ("invalid_utf8", b'{"rf_nerves": "n\xffo"}', "byte 0xff at position 16"),
    ("utf16", '{"rf_nerves": "no"}'.encode("utf-16"), "not UTF-8 text"),
    ("duplicate", b'{"rf_nerves": "no", "rf_nerves": "yes"}', "'rf_nerves' is given twice"),
    ("duplicate_nested", b'{"rf_nerves": {"a": 1, "a": 2}}', "'a' is given twice"),
    ("too_big", b'{"rf_nerves": "' + b"x" * MAX_BYTES + b'"}', "answers are too long"),
    ("long_value", b'{"rf_nerves": "' + b"x" * 1000 + b'"}', "is not an option id"),
    ("long_key", b'{"' + b"k" * 1000 + b'": "no"}', "unknown question 'kkkk"),
    ("escape_key", b'{"\\u001b[2J": "no"}', "unknown question '\\x1b[2J'"),
    ("escape_value", b'{"rf_nerves": "\\u001b[2J"}', "has no option '\\x1b[2J'"),
    ("nested_value", b'{"rf_nerves": [[["no"]]]}', 'not [[["no"]]]'),
]


@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in BAD_ANSWERS], ids=[n for n, _, _ in BAD_ANSWERS])
def test_assess_refuses_bad_input_in_one_short_escaped_line(
    data: bytes, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answers.json"
    path.write_bytes(data)
    assert cli.main(["--prompts", str(PROMPTS), "assess", str(path)]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("voice-guide assess: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1
    assert len(captured.err) < 300  # never the input echoed back
    assert captured.err.isascii() and "\x1b" not in captured.err


def test_assess_on_stdin_in_en_gb_utf8_refuses_invalid_utf8(locales: dict[str, dict[str, str]]) -> None:
    done = run(["assess"], b'{"rf_nerves": "\xc3\x28"}', env=locales["en_GB.UTF-8"])
    assert done.returncode == 2
    assert done.stderr.decode() == (
        "voice-guide assess: answers are not UTF-8 text: byte 0xc3 at position 15 of standard input cannot be "
        "read as UTF-8\n"
    )


def test_assess_on_an_endless_input_reads_only_its_bound() -> None:
    done = subprocess.run(
        cli_command(["assess", "/dev/zero"]), capture_output=True, env=cli_env(), timeout=HANG, check=False
    )
    assert done.returncode == 2
    assert b"answers are too long" in done.stderr


def test_a_fifty_megabyte_string_is_not_echoed(tmp_path: Path) -> None:
    """Issue 11: a 50 MB string value was echoed whole into the error message."""
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.write(b'{"rf_nerves": "')
        handle.write(b"x" * 50_000_000)
        handle.write(b'"}')
    done = subprocess.run(
        cli_command(["assess", str(path)]), capture_output=True, env=cli_env(), timeout=HANG, check=False
    )
    assert done.returncode == 2
    assert len(done.stderr) < 300


def test_a_byte_order_mark_is_allowed_and_answers_parse(content: Content) -> None:
    assert parse_answers(b'\xef\xbb\xbf{"rf_nerves": "no"}') == {"rf_nerves": "no"}


def test_nesting_up_to_the_limit_is_parsed_to_name_the_key() -> None:
    data = b'{"rf_nerves": ' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}"
    with pytest.raises(AnswersError, match="the answer to 'rf_nerves' must be an option id"):
        parse_answers(data)
    with pytest.raises(AnswersError, match=f"nested {MAX_DEPTH + 1} levels"):
        parse_answers(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '{"rf_nerves": "' + "[{" * 100 + '\\"[[["}'
    with pytest.raises(AnswersError, match="is not an option id") as raised:
        parse_answers(text.encode())
    assert len(str(raised.value)) < 2 * EXCERPT_CHARS + 60


# ---- WAV headers ---------------------------------------------------------------------------------------------------


def wav_bytes(*, rate: int = 16_000, channels: int = 1, width: int = 2, frames: int = 1600) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(bytes(range(256)) * (frames * channels * width // 256 + 1))
    return buffer.getvalue()


def claims(data: bytes, frames: int) -> bytes:
    """The WAV ``data`` with its header's data size changed to claim ``frames`` frames of 16-bit mono."""
    patched = bytearray(data)
    patched[40:44] = (frames * 2).to_bytes(4, "little")
    return bytes(patched)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (wav_bytes(rate=8_000)[:24] + (1).to_bytes(4, "little") + wav_bytes()[28:], "sample rate of 1 Hz"),
        (wav_bytes(rate=1_000_000), "sample rate of 1000000 Hz"),
        (wav_bytes(channels=9), "has 9 channels"),
        (claims(wav_bytes(), 16_000 * 3600), "is 60 minutes long"),
        (wav_bytes(rate=192_000, channels=8, width=4, frames=192_000 * 12), "MB of audio"),
        (b"RIFF\xff\xff\xff\xffWAVEfmt " + b"\xff" * 40, "not a usable WAV file"),
        (b"", "not a usable WAV file"),
    ],
    ids=["1_hz", "1_mhz", "9_channels", "an_hour", "too_many_bytes", "bad_header", "empty"],
)
def test_wav_headers_out_of_bounds_are_refused_before_reading(data: bytes, message: str) -> None:
    pytest.importorskip("numpy")
    from voice_guide.wav import decode_wav

    with pytest.raises(AudioFileError, match=message):
        decode_wav(data, "answer.wav")


def test_a_huge_sparse_wav_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A 4 GB file whose header claims all of it: refused from its header (reading it would take minutes)."""
    pytest.importorskip("numpy")
    from voice_guide.wav import read_wav

    path = tmp_path / "huge.wav"
    with path.open("wb") as handle:
        handle.write(claims(wav_bytes(frames=0), 2_000_000_000))
        handle.truncate(4_000_000_000)
    with pytest.raises(AudioFileError, match="minutes long"):
        read_wav(path)


def test_listen_on_a_device_file_is_a_clear_error() -> None:
    pytest.importorskip("numpy")
    done = run(["listen", "/dev/zero", "--engine", "pocketsphinx"], b"")
    assert done.returncode == 2
    assert done.stderr.decode().startswith("voice-guide: /dev/zero is not a usable WAV file")
    assert b"Traceback" not in done.stderr
