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


# Korean numerals: 영 일 이 삼 사 오 육 칠 팔 구; a number ending in 0 ends in 십/백/천/만/영.
_DIGIT_FINAL = {"0": True, "1": True, "2": False, "3": True, "4": False, "5": False,
                "6": True, "7": True, "8": True, "9": False}


def josa(word: str, after_final: str, after_vowel: str) -> str:
    """``word`` with the Korean particle its last sound takes: ``josa("36,864", "은", "는")`` is
    "36,864는" (…사), ``josa("128", "은", "는")`` "128은" (…팔). A word that ends in anything
    else (a Latin letter, a symbol) gets both forms, "ReLU은(는)"; 로/으로 follows ㄹ like a vowel."""
    last = word.rstrip()[-1:] if word.strip() else ""
    if last and "가" <= last <= "힣":
        final = (ord(last) - 0xAC00) % 28
        has = final != 0 and not (after_vowel == "로" and final == 8)   # ㄹ + 로
    elif last in _DIGIT_FINAL:
        has = _DIGIT_FINAL[last] and not (after_vowel == "로" and last in "178")
    else:
        return f"{word}{after_final}({after_vowel})"
    return word + (after_final if has else after_vowel)


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
