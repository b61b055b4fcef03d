"""voice-guide: an offline, voice-accessible guide for lower back pain after sex.

It asks a short questionnaire by voice or keyboard, checks red flags first, and explains what may be going on and
what to do. It is not a diagnosis. Nothing leaves the device.
"""

__version__ = "0.1.0"
