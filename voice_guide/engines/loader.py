"""Choosing and loading a speech recognizer.

``load_recognizer(engine, model)`` with engine:

- ``"vosk"``: the vosk model at ``model``, or found by :func:`voice_guide.models.find_vosk_model`; none -> error;
- ``"pocketsphinx"``: PyPI pocketsphinx's bundled English model (no download);
- ``"auto"``: vosk when a model is found (explicit path, ``VOICE_GUIDE_VOSK_MODEL``, ``models/``) and vosk loads,
  else pocketsphinx.

Engines are imported only when chosen. Every failure raises :class:`~voice_guide.errors.RecognizerError` with one
actionable line (what to install, which path was tried). ``describe(recognizer)`` says which engine and model run.
"""

from __future__ import annotations

import logging
from pathlib import Path

from voice_guide.engines.base import Recognizer
from voice_guide.errors import RecognizerError

logger = logging.getLogger(__name__)

ENGINES = ("auto", "vosk", "pocketsphinx")
"""Values accepted for ``engine``."""


def load_recognizer(engine: str = "auto", model: Path | None = None) -> Recognizer:
    """Load the recognizer ``engine`` ("vosk" | "pocketsphinx" | "auto"); ``model`` is a vosk model folder."""
    from voice_guide.models import find_vosk_model

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
    found = find_vosk_model(model)
    if found is not None:
        try:
            return _load_vosk(found)
        except RecognizerError as error:
            if model is not None:
                raise
            logger.warning("vosk could not be used (%s); falling back to pocketsphinx", error)
    else:
        logger.info("no vosk model found; using pocketsphinx")
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


def _load_vosk(path: Path) -> Recognizer:
    from voice_guide.engines.vosk import VoskRecognizer

    return VoskRecognizer(path)
