"""A short summary for a clinician, to take away as text on screen or as a QR code scanned with one's own phone.

The summary says, in lines: what it is, the date, the urgency, the warning signs answered yes, the possible causes
the result showed, the answers (grouped: "No: numbness ...; blood in your pee"), and that it is not a diagnosis.
Every word comes from prompts/phrases.toml (keys ``summary_*``) and the questions' topics.

The QR code is made by segno and kept in memory only: :func:`qr_image` returns its pixels, and nothing is written to
disk or sent anywhere (the person's own phone reads it off the screen). It is cleared with the session: the screen
front end holds it only while the result is shown.

Size: naming every answer takes 700-1,500 bytes, and a QR code at error correction level M (about 15% of it may be
unreadable: glare, a finger on the screen) holds 666 bytes at version 20 (97x97 modules). :func:`summary_text`
therefore names the "No" answers only while the code fits :data:`QR_MAX_VERSION`, and otherwise counts them ("No: 17
other questions"), first those to questions that are not warning signs. Measured on the 44 vignettes of
tests/vignettes.toml: 43 fit version 14-20 (388-626 bytes); one person answering "not sure" to everything needs
version 25 (957 bytes), which is still read, as a denser code.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

import segno

from voice_guide.content import Content, Question
from voice_guide.triage import Assessment

log = logging.getLogger(__name__)

QR_ERROR = "m"
"""QR error correction level: M recovers about 15% of the modules (glare, a finger on the screen). L (7%) would give
smaller codes but fails sooner on a glossy screen; Q and H make the code much denser for the same text."""

QR_MAX_VERSION = 20
"""The largest QR version the summary may need: 97x97 modules, 666 bytes at level M. At 4 screen pixels a module
(the smallest a phone camera resolves reliably from about 30 cm) that is 420 px with its quiet zone, which fits the
smallest Raspberry Pi touch display (800x480) beside nothing else, and a 1280x800 display beside the text."""

QR_BORDER = 4
"""Quiet zone around the code, in modules (the QR standard's minimum)."""


@dataclass(frozen=True)
class QrImage:
    """A QR code's pixels, in memory only: one byte per pixel, 0 black, 255 white, rows top to bottom."""

    size: int
    """Width and height in pixels (quiet zone included)."""
    pixels: bytes
    """``size * size`` bytes."""
    version: int
    """The QR version segno chose (1-40; the code is ``17 + 4 * version`` modules wide)."""


def _join(content: Content, items: Sequence[str]) -> str:
    return "; ".join(items) if items else content.phrase("summary_none")


class Shorten(IntEnum):
    """How much of the "No" answers a summary lists by name (the rest it counts), from most to least detail."""

    NONE = 0
    """Every answer by name."""
    OTHER_NO = 1
    """'No' answers to questions that are not warning signs are counted, not named."""
    ALL_NO = 2
    """Every 'No' answer is counted, not named."""


def _answer_lines(content: Content, answers: Mapping[str, str], shorten: Shorten) -> list[str]:
    """'No: c; d', 'pain in your side: Yes', ...: answers grouped by their words, in the order the answers first
    appear; a group of one names its topic first. Warning signs answered yes are left out (they have their own
    line)."""
    groups: dict[str, list[str]] = {}
    counted = 0
    for question in _asked(content, answers):
        option = question.option(answers[question.id])
        if question.red_flag and option.id == "yes":
            continue
        if option.id == "no" and (shorten is Shorten.ALL_NO or (shorten is Shorten.OTHER_NO and not question.red_flag)):
            counted += 1
            continue
        groups.setdefault(option.text, []).append(question.topic)
    lines = [
        content.phrase("summary_answers", answer=answer, topics="; ".join(topics))
        if len(topics) > 1
        else content.phrase("summary_answer", topic=topics[0], answer=answer)
        for answer, topics in groups.items()
    ]
    if counted:
        lines.append(content.phrase("summary_other_no", count=counted))
    return lines


def _asked(content: Content, answers: Mapping[str, str]) -> list[Question]:
    return [q for q in content.questions if q.id in answers]


def summary_lines(
    content: Content,
    answers: Mapping[str, str],
    assessment: Assessment,
    on: datetime.date,
    shorten: Shorten = Shorten.NONE,
) -> list[str]:
    """The summary as lines (see the module docstring), naming the "No" answers as far as ``shorten`` allows."""
    phrase = content.phrase
    urgency = content.urgency[assessment.urgency]
    signs = [q.topic for q in _asked(content, answers) if q.red_flag and answers[q.id] == "yes"]
    causes = [] if assessment.emergency else [f.cause.name for f in assessment.top_causes]
    lines = [
        phrase("summary_title"),
        phrase("summary_date", date=on.isoformat()),
        phrase("summary_urgency", title=urgency.title),
        phrase("summary_warning_signs", signs=_join(content, signs)),
        phrase("summary_causes", causes=_join(content, causes)),
    ]
    if not assessment.complete:
        lines.append(phrase("summary_stopped_early"))
    lines += _answer_lines(content, answers, shorten)
    lines.append(phrase("summary_not_diagnosis"))
    return lines


def summary_text(content: Content, answers: Mapping[str, str], assessment: Assessment, on: datetime.date) -> str:
    """The summary as one text (lines joined by newlines): the most detailed that fits a QR code of at most
    QR_MAX_VERSION; if even the shortest does not, the shortest (its code is then denser)."""
    text = ""
    for shorten in Shorten:
        text = "\n".join(summary_lines(content, answers, assessment, on, shorten))
        if _fits(text):
            if shorten is not Shorten.NONE:
                log.info("summary shortened (%s) to fit an easy QR code", shorten.name)
            return text
    log.info("summary needs a QR code larger than version %d", QR_MAX_VERSION)
    return text


def _make(text: str) -> segno.QRCode:
    """The smallest QR code for ``text`` at error level QR_ERROR or better (segno raises the level when it fits
    the same version)."""
    return segno.make(text, error=QR_ERROR, micro=False, boost_error=True)


def qr_version(text: str) -> int:
    """The QR version ``text`` needs (1-40); raises segno.DataOverflowError when it is too long for any.

    The mask is fixed here (it never changes the version), which skips segno's evaluation of the eight masks: about
    4x faster (9 against 40 ms for 600 bytes on the development machine)."""
    return int(segno.make(text, error=QR_ERROR, micro=False, boost_error=True, mask=0).version)


def _fits(text: str) -> bool:
    try:
        return qr_version(text) <= QR_MAX_VERSION
    except segno.DataOverflowError:
        return False


def qr_image(text: str, scale: int) -> QrImage:
    """The QR code of ``text`` as pixels in memory, ``scale`` pixels a module, with a quiet zone."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    code = _make(text)
    rows = [
        bytes(0 if dark else 255 for dark in row for _ in range(scale))
        for row in code.matrix_iter(scale=1, border=QR_BORDER)
        for _ in range(scale)
    ]
    return QrImage(size=len(rows), pixels=b"".join(rows), version=int(code.version))
