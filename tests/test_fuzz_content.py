"""Property tests of the content loader (``load_content(dir)``, voice_guide/content.py): whatever an editor does to a
file in prompts/ (a key added, misspelt or removed, a value of the wrong type, a line lost, a half-saved file, stray
bytes), the guide either loads the content or stops with a ContentError naming the file, never another exception.

The mutations work on the text of whatever files and keys prompts/ holds, so the test does not need to know the
content's schema and keeps working as keys are added. Each property runs a few seconds."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from fuzzing import fuzz
from hypothesis import given
from hypothesis import strategies as st

from voice_guide.content import default_prompts_dir, load_content
from voice_guide.errors import ContentError

FUZZ = fuzz(60)
"""Loading the content takes about 30 ms: 60 examples keep each property to a few seconds."""

PROMPTS = default_prompts_dir()
FILES = sorted(p.name for p in PROMPTS.glob("*.toml"))
KEY_LINE = re.compile(r"^(\s*)([A-Za-z0-9_]+)(\s*=\s*)(.*)$")

toml_values = st.sampled_from(
    ['""', '"   "', "0", "-1", "3.5", "true", "[]", '["a", 1]', "[1, 2]", "{}", '{ x = "y" }', '"x"', '"{unknown}"']
)


def loaded_or_refused(folder: Path, changed: str) -> None:
    try:
        load_content(folder)
    except ContentError as error:
        assert error.file in FILES, error
        assert str(error).startswith(f"{error.file}: "), error
        assert error.problem.strip(), error
    # any other exception fails the test: that is what it is for


def edit(data: st.DataObject, transform: str) -> None:
    """Copy prompts/ to a temporary folder, change one file by ``transform``, and load it."""
    name = data.draw(st.sampled_from(FILES), label="file")
    text = (PROMPTS / name).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    keyed = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
    if transform == "type" and keyed:  # a value of another type (a number where text belongs, ...)
        i = data.draw(st.sampled_from(keyed), label="line")
        indent, key, equals, _ = KEY_LINE.match(lines[i]).groups()  # type: ignore[union-attr]
        lines[i] = f"{indent}{key}{equals}{data.draw(toml_values, label='value')}\n"
    elif transform == "typo" and keyed:  # a misspelt key
        i = data.draw(st.sampled_from(keyed), label="line")
        indent, key, equals, value = KEY_LINE.match(lines[i]).groups()  # type: ignore[union-attr]
        at = data.draw(st.integers(0, len(key) - 1), label="at")
        typo = key[:at] + data.draw(st.sampled_from(["", "x", key[at] * 2]), label="typo") + key[at + 1 :]
        lines[i] = f"{indent}{typo or 'k'}{equals}{value}\n"
    elif transform == "unknown":  # a key the loader does not know, after a random line
        i = data.draw(st.integers(0, len(lines)), label="line")
        lines.insert(
            i, f"{data.draw(st.from_regex(r'[a-z][a-z_]{0,12}', fullmatch=True))} = {data.draw(toml_values)}\n"
        )
    elif transform == "delete" and lines:
        del lines[data.draw(st.integers(0, len(lines) - 1), label="line")]
    elif transform == "truncate":  # a half-saved file
        text = text[: data.draw(st.integers(0, len(text)), label="cut")]
        lines = [text]
    elif transform == "bytes":
        at = data.draw(st.integers(0, len(text)), label="at")
        lines = [text[:at], data.draw(st.binary(min_size=1, max_size=8)).decode("latin-1"), text[at:]]
    with tempfile.TemporaryDirectory(prefix="voice-guide-content-") as folder:
        target = Path(folder) / "prompts"
        shutil.copytree(PROMPTS, target)
        if transform == "bytes":
            (target / name).write_bytes("".join(lines).encode("latin-1", errors="replace"))
        else:
            (target / name).write_text("".join(lines), encoding="utf-8")
        loaded_or_refused(target, name)


@FUZZ
@given(st.data())
def test_a_value_of_another_type_is_loaded_or_refused_naming_the_file(data: st.DataObject) -> None:
    edit(data, "type")


@FUZZ
@given(st.data())
def test_a_misspelt_key_is_loaded_or_refused_naming_the_file(data: st.DataObject) -> None:
    edit(data, "typo")


@FUZZ
@given(st.data())
def test_an_unknown_key_is_loaded_or_refused_naming_the_file(data: st.DataObject) -> None:
    edit(data, "unknown")


@FUZZ
@given(st.data(), st.sampled_from(["delete", "truncate", "bytes"]))
def test_a_lost_line_a_half_saved_file_or_stray_bytes_are_refused_naming_the_file(
    data: st.DataObject, transform: str
) -> None:
    edit(data, transform)


def test_the_content_as_shipped_loads() -> None:
    load_content(PROMPTS)
    assert FILES  # the mutations have files to work on
