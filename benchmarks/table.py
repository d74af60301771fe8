"""One benchmark's figures, printable as a table and serialisable as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Cell = str | int | float | None


@dataclass
class Table:
    """The rows one benchmark produced, with notes on how to read them."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: Cell) -> None:
        """Append a row; it must have one cell per column."""
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.name}: {len(cells)} cells for {self.columns}")
        self.rows.append(list(cells))

    def render(self) -> str:
        """Return the table as aligned text, notes underneath."""
        shown = [[_show(cell) for cell in row] for row in self.rows]
        widths = [
            max([len(title), *(len(row[i]) for row in shown)])
            for i, title in enumerate(self.columns)
        ]
        rule = "  ".join("-" * width for width in widths)
        lines = [self.title, "=" * len(self.title)]
        lines.append(
            "  ".join(t.ljust(w) for t, w in zip(self.columns, widths, strict=True))
        )
        lines.append(rule)
        for row in shown:
            # Numbers read best right-aligned, words left-aligned.
            lines.append(
                "  ".join(
                    cell.rjust(w) if _numeric(cell) else cell.ljust(w)
                    for cell, w in zip(row, widths, strict=True)
                ).rstrip()
            )
        lines.extend(f"  * {note}" for note in self.notes)
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        """Return the figures as a JSON-ready dict, one object per row."""
        return {
            "title": self.title,
            "columns": self.columns,
            "rows": [dict(zip(self.columns, row, strict=True)) for row in self.rows],
            "notes": self.notes,
        }


def _show(cell: Cell) -> str:
    if cell is None:
        return "-"
    if isinstance(cell, float):
        return f"{cell:.3g}" if abs(cell) < 100 else f"{cell:.0f}"
    return str(cell)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
