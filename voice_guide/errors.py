"""Every error the guide raises on purpose.

VoiceGuideError
├── ContentError          a file in prompts/ is missing, malformed or inconsistent (names file, key, problem)
├── AnswersError          answers given to `voice-guide assess` are malformed or do not fit the questionnaire
├── AudioError            no PortAudio, no input/output device, or a device went away
│   └── DeviceMissingError  no microphone, or no speaker, at all (``device`` says which)
├── RecognizerError       a speech recognizer or its model could not be loaded
├── SpeechError           no speech synthesizer (pyttsx3 / espeak-ng) could be used
├── AudioFileError        a WAV file given to `listen` cannot be used
└── ModelFetchError       `models fetch` could not download or verify a model
"""

from __future__ import annotations


class VoiceGuideError(Exception):
    """Base class: the message is written for the person running the guide."""


class ContentError(VoiceGuideError):
    """A content file is broken. The message names the file, the key and what is wrong."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        """The file under prompts/ (as given to the loader)."""
        self.key = key
        """Dotted path to the offending entry, e.g. ``question[3].options[1].id``."""
        self.problem = problem
        """What is wrong, in one sentence."""
        super().__init__(f"{file}: {key}: {problem}")


class AnswersError(VoiceGuideError):
    """Answers given for assessment are malformed or refer to unknown questions or options."""


class AudioError(VoiceGuideError):
    """Audio input or output cannot be used."""


class DeviceMissingError(AudioError):
    """There is no usable microphone or speaker. The message is for the log and ``voice-guide doctor``; what a
    person is told comes from prompts/ (phrases ``no_microphone`` / ``no_microphone_screen``), keyed by ``device``."""

    def __init__(self, device: str, message: str) -> None:
        super().__init__(message)
        self.device = device
        """"microphone" or "speaker"."""


class RecognizerError(VoiceGuideError):
    """A speech recognizer or its model could not be loaded."""


class SpeechError(VoiceGuideError):
    """Speech output cannot be produced."""


class AudioFileError(VoiceGuideError):
    """A WAV file cannot be used for recognition."""


class ModelFetchError(VoiceGuideError):
    """A speech model could not be downloaded or verified."""
