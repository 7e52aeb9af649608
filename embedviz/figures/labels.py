"""Where text labels can go on a 2D scatter without covering each other.

Plotly draws every label it is given, so a map of thousands of words labelled naively is a black
smear. :func:`place_labels` chooses which words get a label: it goes through the candidates in
priority order (most frequent first), estimates each label's box on the page from its number of
characters and the plot's scale (data units per pixel), and skips a label whose box would overlap
one already placed. The more frequent of two colliding words therefore always wins.

Boxes are estimates (an average character width, not the font's metrics), padded a little so that
labels that do not collide on paper do not touch on screen either.

>>> scale = Scale.fit(coords, width=900, height=600)                  # doctest: +SKIP
>>> shown = place_labels(coords, words, scale, limit=40)              # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple

import numpy as np

#: Average width of a character and height of a line, as multiples of the font size (sans-serif).
CHAR_WIDTH = 0.62
LINE_HEIGHT = 1.25
#: Space kept around each label, in pixels.
PADDING = 2.0
#: Distance between a point and the bottom of its label ("top center" placement), in pixels.
OFFSET = 4.0


class Box(NamedTuple):
    """A rectangle in data coordinates."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: "Box") -> bool:
        """True if the two boxes share more than an edge."""
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1


@dataclass(frozen=True)
class Scale:
    """Data units per pixel on each axis, and the font size labels are drawn with (pixels)."""

    x_per_pixel: float
    y_per_pixel: float
    font_size: float = 11.0

    @classmethod
    def fit(cls, x_range, y_range, width: float, height: float, font_size: float = 11.0) -> "Scale":
        """The scale of a plot area ``width`` × ``height`` pixels showing ``x_range`` × ``y_range``."""
        if width <= 0 or height <= 0:
            raise ValueError("a plot needs a positive width and height")
        x_span = float(x_range[1] - x_range[0]) or 1.0
        y_span = float(y_range[1] - y_range[0]) or 1.0
        return cls(x_span / width, y_span / height, font_size)

    def box(self, x: float, y: float, text: str) -> Box:
        """The box of ``text`` drawn centred above the point (``x``, ``y``) (plotly "top center")."""
        half = (len(text) * CHAR_WIDTH * self.font_size / 2 + PADDING) * self.x_per_pixel
        bottom = y + (OFFSET - PADDING) * self.y_per_pixel
        top = y + (OFFSET + LINE_HEIGHT * self.font_size + PADDING) * self.y_per_pixel
        return Box(x - half, bottom, x + half, top)


class _Grid:
    """Placed boxes bucketed by cell, so a collision test looks at a few boxes, not all of them."""

    def __init__(self, cell_x: float, cell_y: float):
        self.cell_x, self.cell_y = cell_x, cell_y
        self.cells: dict[tuple[int, int], list[Box]] = {}

    def _cells(self, box: Box):
        for i in range(int(np.floor(box.x0 / self.cell_x)), int(np.floor(box.x1 / self.cell_x)) + 1):
            for j in range(int(np.floor(box.y0 / self.cell_y)), int(np.floor(box.y1 / self.cell_y)) + 1):
                yield i, j

    def collides(self, box: Box) -> bool:
        return any(box.overlaps(other) for cell in self._cells(box) for other in self.cells.get(cell, ()))

    def add(self, box: Box) -> None:
        for cell in self._cells(box):
            self.cells.setdefault(cell, []).append(box)


def place_labels(points, texts, scale: Scale, limit: int | None = None, order: Iterable[int] | None = None,
                 placed: Iterable[Box] = (), within=None) -> list[int]:
    """Indices of the points whose labels fit, in the order they were placed.

    ``points`` is an (n, 2) array and ``texts`` the n labels. Candidates are tried in ``order``
    (default: index order, which for a vocabulary is frequency order) and a label is kept unless its
    box overlaps a box kept before it or one of the boxes in ``placed`` (labels already on the
    figure). At most ``limit`` labels are kept (None: as many as fit). ``within``, a pair of
    ranges ``((x0, x1), (y0, y1))``, leaves out points outside the visible area and labels that
    would run over its edge (they would be cut).
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] < 2 or len(points) != len(texts):
        raise ValueError("place_labels needs an (n, 2) array of points and one text per point")
    if limit is not None and limit <= 0:
        return []
    grid = _Grid(max(scale.x_per_pixel * 80, 1e-12), max(scale.y_per_pixel * 20, 1e-12))
    for box in placed:
        grid.add(box)
    if order is None:
        order = range(len(points))
    kept: list[int] = []
    for i in order:
        x, y = points[i, 0], points[i, 1]
        if within is not None and not (within[0][0] <= x <= within[0][1]
                                       and within[1][0] <= y <= within[1][1]):
            continue
        box = scale.box(x, y, str(texts[i]))
        # a label running over the edge of the visible area would be cut: leave it out
        if within is not None and not (within[0][0] <= box.x0 and box.x1 <= within[0][1]
                                       and within[1][0] <= box.y0 and box.y1 <= within[1][1]):
            continue
        if grid.collides(box):
            continue
        grid.add(box)
        kept.append(int(i))
        if limit is not None and len(kept) >= limit:
            break
    return kept


def boxes(points, texts, scale: Scale, indices: Iterable[int]) -> list[Box]:
    """The boxes of the labels of ``indices`` (to pass as ``placed``, or to check a placement)."""
    return [scale.box(float(points[i][0]), float(points[i][1]), str(texts[i])) for i in indices]
