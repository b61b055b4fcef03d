"""The ordered urgency scale shared by content, triage and output."""

from __future__ import annotations

from enum import IntEnum


class Urgency(IntEnum):
    """How soon to get help. Higher is more urgent, so ``max()`` picks the most urgent."""

    SELF_CARE = 0
    """Look after yourself at home; get help if it does not settle."""
    SOON = 1
    """Book an appointment with a GP, sexual health clinic or pharmacist."""
    URGENT = 2
    """See a doctor today (urgent GP appointment, urgent care or a 24-hour helpline such as NHS 111)."""
    EMERGENCY = 3
    """Call the local emergency number or go to an emergency department now."""

    @property
    def key(self) -> str:
        """The name used in content files and JSON output, e.g. ``"self_care"``."""
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str) -> Urgency:
        """Parse a content/JSON key; raises ``KeyError`` for unknown keys."""
        return cls[key.upper()]
