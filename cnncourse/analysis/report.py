"""Plain-text tables for the CLI and the notebooks (no pandas needed)."""
from __future__ import annotations


def format_table(rows: list[dict], columns: list[tuple[str, str, str]], title: str | None = None) -> str:
    """Render ``rows`` as an aligned text table.

    ``columns`` lists (key, header, format) with a ``str.format`` spec such as ``"{:,}"`` or
    ``"{:.2f}"``; a missing or ``None`` value prints as ``—``.
    """
    cells = [[header for _, header, _ in columns]]
    for row in rows:
        line = []
        for key, _, fmt in columns:
            value = row.get(key)
            line.append("—" if value is None else fmt.format(value))
        cells.append(line)
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    # numbers right-aligned, text left-aligned, as in the papers' tables
    numeric = [all(isinstance(row.get(key), (int, float)) or row.get(key) is None for row in rows)
               for key, _, _ in columns]

    def render(line):
        return "  ".join(c.rjust(w) if num else c.ljust(w)
                         for c, w, num in zip(line, widths, numeric)).rstrip()

    out = [title] if title else []
    out += [render(cells[0]), "  ".join("-" * w for w in widths)] + [render(r) for r in cells[1:]]
    return "\n".join(out)
