"""The clinician summary: what it says, how short it is, and its QR code read back by a real decoder (zxing-cpp)."""

from __future__ import annotations

import builtins
import datetime
import io
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest
from test_vignettes import VIGNETTES, Vignette

from voice_guide.content import Content, load_content
from voice_guide.questionnaire import state
from voice_guide.summary import (
    QR_BORDER,
    QR_MAX_VERSION,
    QrImage,
    Shorten,
    qr_image,
    qr_version,
    summary_lines,
    summary_text,
)
from voice_guide.triage import Assessment

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (the QR decoder) is not installed")

DAY = datetime.date(2025, 12, 1)


def assessed(content: Content, answers: Mapping[str, str]) -> Assessment:
    return state(content, answers).assessment


def decode(image: QrImage) -> list[str]:
    """Every QR code zxing-cpp finds in the image, as text."""
    pixels = np.frombuffer(image.pixels, dtype=np.uint8).reshape(image.size, image.size)
    return [found.text for found in zxingcpp.read_barcodes(pixels, formats=zxingcpp.BarcodeFormat.QRCode)]


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v.id for v in VIGNETTES])
def test_the_qr_code_reads_back_as_exactly_the_summary(content: Content, vignette: Vignette) -> None:
    answers = vignette.answers
    text = summary_text(content, answers, assessed(content, answers), DAY)
    image = qr_image(text, scale=2)
    assert decode(image) == [text]
    assert image.version == qr_version(text)
    assert image.size == (17 + 4 * image.version + 2 * QR_BORDER) * 2


def test_the_summary_says_urgency_warning_signs_causes_answers_date_and_not_a_diagnosis(content: Content) -> None:
    vignette = next(v for v in VIGNETTES if v.id == "kidney_infection")
    assessment = assessed(content, vignette.answers)
    lines = summary_text(content, vignette.answers, assessment, DAY).split("\n")

    assert lines[0] == content.phrase("summary_title")
    assert content.phrase("summary_date", date="2025-12-01") in lines
    assert content.phrase("summary_urgency", title=content.urgency[assessment.urgency].title) in lines
    assert lines[-1] == content.phrase("summary_not_diagnosis")
    warning_line = next(line for line in lines if line.startswith(content.phrase("summary_warning_signs", signs="")))
    said_yes = [q for q in content.questions if q.red_flag and vignette.answers.get(q.id) == "yes"]
    assert said_yes, "the vignette should have a warning sign answered yes"
    assert all(q.topic in warning_line for q in said_yes)
    causes_line = next(line for line in lines if line.startswith(content.phrase("summary_causes", causes="")))
    assert assessment.top_causes
    assert all(f.cause.name in causes_line for f in assessment.top_causes)
    # Every answer is there: a warning sign answered yes on its line, any other answer named with its topic, and
    # the "No" answers left unnamed (the summary was long) counted.
    body = "\n".join(lines[5:-1])
    others = [q for q in content.questions if q.id in vignette.answers and q not in said_yes]
    unnamed = [q for q in others if q.topic not in body]
    assert unnamed, "this vignette's summary is long enough to count some answers"
    assert all(vignette.answers[q.id] == "no" for q in unnamed)
    assert content.phrase("summary_other_no", count=len(unnamed)) in lines


def test_every_answer_is_named_when_the_summary_is_short(content: Content) -> None:
    answers = {"rf_nerves": "no", "rf_sepsis": "yes"}  # an emergency stop at the second question
    assessment = assessed(content, answers)
    lines = summary_lines(content, answers, assessment, DAY)
    assert summary_text(content, answers, assessment, DAY) == "\n".join(lines)
    numbness = content.question("rf_nerves")
    assert content.phrase("summary_answer", topic=numbness.topic, answer="No") in lines
    assert content.phrase("summary_stopped_early") in lines
    assert content.phrase("summary_causes", causes=content.phrase("summary_none")) in lines


def test_long_summaries_count_the_no_answers_so_the_code_stays_small(content: Content) -> None:
    fitting = 0
    for vignette in VIGNETTES:
        assessment = assessed(content, vignette.answers)
        text = summary_text(content, vignette.answers, assessment, DAY)
        shortest = "\n".join(summary_lines(content, vignette.answers, assessment, DAY, Shorten.ALL_NO))
        if qr_version(text) <= QR_MAX_VERSION:
            fitting += 1
        else:  # only when even the shortest form is too long
            assert text == shortest
    assert fitting >= 0.9 * len(VIGNETTES)


def test_a_translated_summary_with_any_characters_reads_back_exactly(prompts_copy: Path) -> None:
    phrases = prompts_copy / "phrases.toml"
    text = phrases.read_text(encoding="utf-8").replace(
        'summary_title = "Back pain', 'summary_title = "R\u00fcckenschmerzen \u2013 \u8170\u75db \u2013 back pain', 1
    )
    phrases.write_text(text, encoding="utf-8")
    content = load_content(prompts_copy)
    answers = {"rf_nerves": "yes"}
    summary = summary_text(content, answers, assessed(content, answers), DAY)
    assert "\u8170\u75db" in summary
    assert decode(qr_image(summary, scale=3)) == [summary]


def test_the_code_is_made_in_memory_without_opening_any_file(content: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError(f"a file was opened: {args!r}")

    answers = {"rf_nerves": "yes"}
    text = summary_text(content, answers, assessed(content, answers), DAY)
    qr_image(text, scale=1)  # segno's first use imports its modules (files are read then)
    for target, name in ((builtins, "open"), (io, "open"), (os, "open")):
        monkeypatch.setattr(target, name, refused)
    image = qr_image(text, scale=4)
    monkeypatch.undo()
    assert decode(image) == [text]
    quiet = image.pixels[: QR_BORDER * 4 * image.size]
    assert set(quiet) == {255}  # the quiet zone is white


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scale"):
        qr_image("x", scale=0)
