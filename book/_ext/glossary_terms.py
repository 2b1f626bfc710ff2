"""The glossary's concepts, read from its source (book/glossary.md's ``{glossary}`` block).

Each entry of the block is one concept: its term lines (unindented, one after the other), then
its indented definition. The first term line is the English term that names the concept; the
first term line with Hangul in it is the Korean term the book uses for it (the glossary lists
the preferred term first, then the variants the slides use). Used by the Korean search (its
nouns) and by the translation checks (scripts/translation.py: one Korean term per concept).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HANGUL = re.compile("[\uac00-\ud7a3]")
GLOSSARY = Path("book") / "glossary.md"


@dataclass(frozen=True)
class Concept:
    terms: tuple[str, ...]      # as the glossary lists them, the English term first

    @property
    def name(self) -> str:
        return self.terms[0]

    @property
    def korean(self) -> tuple[str, ...]:
        return tuple(t for t in self.terms if HANGUL.search(t))

    @property
    def preferred(self) -> str | None:
        """The Korean term the book uses; None where the glossary gives no Korean term."""
        return self.korean[0] if self.korean else None


def read_glossary(path: Path) -> list[Concept]:
    """The concepts of the first ``{glossary}`` block of a MyST file, in order."""
    text = Path(path).read_text(encoding="utf-8")
    block = re.search(r"^(`{3,}|:{3,})\{glossary\}[^\n]*\n(.*?)^\1\s*$", text, re.S | re.M)
    if block is None:
        raise ValueError(f"{path}: no {{glossary}} block found")
    concepts, terms, in_definition = [], [], False
    for line in block.group(2).splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            in_definition = True
            continue
        if line.startswith(":"):        # an option of the directive (:sorted:)
            continue
        if in_definition and terms:
            concepts.append(Concept(tuple(terms)))
            terms = []
        in_definition = False
        terms.append(line.strip())
    if terms:
        concepts.append(Concept(tuple(terms)))
    return concepts
