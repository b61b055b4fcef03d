"""The voice stack by stage: devices, microphone (and other listeners), endpointing, tones, playback, speech output,
and :mod:`voice_guide.speech.stack`, which builds it once. Audio libraries are imported lazily, so the keyboard mode
never needs them."""
