"""The language of the assignments' messages: English or Korean (한국어).

Every message a student or a teacher reads (reports, hints, feedback files, the hand-in line)
exists in both languages, written side by side where it is made: ``tr("wrong", "틀림")``
returns the one of the language in force. The language is chosen once per report — the
language of the student's comments, or the one asked for (``check(answers, lang="ko")``,
``cnncourse grade --lang ko``) — and is in force while the report is made and shown
(:func:`language`). Question texts, hints and solutions are data (``questions/*.json``), with
``{"en": ..., "ko": ...}`` pairs that :func:`pick` reads.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Iterable, Iterator, Optional

LANGS = ("en", "ko")
_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("cnncourse_lang", default="en")


def current() -> str:
    return _CURRENT.get()


def tr(en: str, ko: str) -> str:
    """``ko`` when Korean is in force, else ``en``."""
    return ko if _CURRENT.get() == "ko" else en


def pick(texts: dict) -> str:
    """One language of a ``{"en": ..., "ko": ...}`` pair from the question data."""
    return texts.get(_CURRENT.get()) or texts["en"]


@contextmanager
def language(lang: Optional[str]) -> Iterator[str]:
    """Put ``lang`` in force for the messages made inside the block (None: leave it as is)."""
    if lang is None:
        yield _CURRENT.get()
        return
    token = _CURRENT.set(checked(lang))
    try:
        yield lang
    finally:
        _CURRENT.reset(token)


def checked(lang) -> str:
    """``lang`` when it is one of :data:`LANGS`, else a ValueError naming them."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'en' (English) or 'ko' (한국어); got {lang!r}")
    return lang


def _hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or "\u3131" <= ch <= "\u318e"


def detect(texts: Iterable) -> Optional[str]:
    """'ko' when the strings in ``texts`` hold more Hangul than Latin letters, 'en' when they
    hold Latin letters and less Hangul, None when they hold neither (or are not strings)."""
    hangul = latin = 0
    for text in texts:
        if not isinstance(text, str):
            continue
        for ch in text[:2000]:  # a comment is at most 1,000 characters; enough to tell
            if _hangul(ch):
                hangul += 1
            elif "a" <= ch.lower() <= "z":
                latin += 1
    if not hangul and not latin:
        return None
    # A Korean comment names PyTorch's layers in Latin letters ("3×3 conv로 채널 192개"): one
    # Hangul syllable carries about as much as three Latin letters.
    return "ko" if 3 * hangul >= latin else "en"
