"""Checks on rendered pixels, without OCR: WCAG 2.2 contrast, where the ink is, and whether a rendering is on screen.

Images are numpy arrays of shape (height, width, 3), uint8 RGB (``rgb(image)`` converts a Pillow image).

- Contrast (WCAG 2.2, 1.4.3 and 1.4.11): the relative luminance of the sRGB colours, and (L1 + 0.05) / (L2 + 0.05).
  Text needs 4.5:1 (3:1 when large: 24 px, or 18.7 px bold), user-interface components and their boundaries 3:1.
- A region's *background* is its most common colour; its *ink* is, among the colours that cover at least a few per
  cent of the other pixels, the one farthest in contrast from the background: the core colour of anti-aliased text,
  whose soft edges are many colours each covering few pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from PIL.Image import Image

Pixels = npt.NDArray[np.uint8]
Colour = tuple[int, int, int]
Box = tuple[int, int, int, int]
"""(left, top, width, height)."""

TEXT = 4.5
"""WCAG 2.2 AA minimum contrast for text (1.4.3)."""
LARGE_TEXT = 3.0
"""WCAG 2.2 AA minimum contrast for large text (1.4.3) and user-interface components (1.4.11)."""
TARGET = 44
"""The minimum touch target, px (WCAG 2.2 2.5.5 AAA; 2.5.8 AA asks 24)."""


def rgb(image: Image) -> Pixels:
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def luminance(colour: Sequence[int]) -> float:
    """WCAG relative luminance of an sRGB colour (0 black .. 1 white)."""
    channels = []
    for value in colour[:3]:
        c = value / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: Sequence[int], b: Sequence[int]) -> float:
    """WCAG contrast ratio of two colours, 1..21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def crop(pixels: Pixels, box: Box) -> Pixels:
    left, top, width, height = box
    return pixels[top : top + height, left : left + width]


def _colours(region: Pixels) -> tuple[Any, Any]:
    """The distinct colours (rows of 3) and how many pixels have each. Packs RGB into one integer: np.unique on
    rows (axis=0) is some 50 times slower."""
    flat = region.reshape(-1, 3).astype(np.uint32)
    packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    colours = np.stack([(values >> 16) & 255, (values >> 8) & 255, values & 255], axis=1)
    return colours, counts


def background(region: Pixels) -> Colour:
    """The most common colour."""
    colours, counts = _colours(region)
    top = colours[int(np.argmax(counts))]
    return (int(top[0]), int(top[1]), int(top[2]))


def ink(region: Pixels, min_share: float = 0.03) -> Colour | None:
    """The text's core colour (see the module docstring), None when the region is one colour."""
    bg = background(region)
    colours, counts = _colours(region)
    keep = ~np.all(colours == np.array(bg), axis=1)
    colours, counts = colours[keep], counts[keep]
    total = int(counts.sum())
    if total == 0:
        return None
    common = colours[counts >= min_share * total]
    if len(common) == 0:
        common = colours[[int(np.argmax(counts))]]
    best = max(common, key=lambda c: contrast(c, bg))
    return (int(best[0]), int(best[1]), int(best[2]))


def text_contrast(region: Pixels) -> float:
    """Contrast between a text region's ink and its background (1.0 when there is no ink)."""
    colour = ink(region)
    return 1.0 if colour is None else contrast(colour, background(region))


def ink_box(region: Pixels, bg: Colour | None = None, tolerance: int = 40) -> Box | None:
    """Bounding box of the pixels that differ from the background by more than ``tolerance`` in some channel."""
    bg = background(region) if bg is None else bg
    differs = np.abs(region.astype(np.int16) - np.array(bg, dtype=np.int16)).max(axis=2) > tolerance
    rows = np.flatnonzero(differs.any(axis=1))
    cols = np.flatnonzero(differs.any(axis=0))
    if len(rows) == 0:
        return None
    return (int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


def shows(screen: Pixels, rendering: Pixels, at: tuple[int, int], tolerance: int = 8) -> bool:
    """Whether ``rendering`` (e.g. the expected text, drawn by the toolkit on its own) is on ``screen`` at ``at``:
    every pixel within ``tolerance`` per channel."""
    x, y = at
    height, width = rendering.shape[:2]
    if y + height > screen.shape[0] or x + width > screen.shape[1]:
        return False
    area = screen[y : y + height, x : x + width].astype(np.int16)
    return bool(np.abs(area - rendering.astype(np.int16)).max() <= tolerance)


def count_colour(region: Pixels, colour: Colour, tolerance: int = 10) -> int:
    """How many pixels are within ``tolerance`` of ``colour``."""
    return int((np.abs(region.astype(np.int16) - np.array(colour, dtype=np.int16)).max(axis=2) <= tolerance).sum())
