"""Sealed answers: what the package ships of an answer that cannot be computed, until a teacher
releases it.

A multiple-choice letter or a number read off a paper's table cannot be computed from the
models, and the solution notes explain the answers. Both ship sealed: encrypted and
authenticated under the assignment's release key, which is not in the package. The teacher
publishes the key after the deadline; ``hw.release(KEY)`` then opens the solutions in a
notebook, and ``cnncourse grade --release KEY`` scores the sealed items.

The construction uses the standard library only (HMAC-SHA-256), deterministic so that sealing
the same text twice gives the same bytes (the package's data files are generated and compared
with a test): the nonce is a MAC of the item's name and its text, the key stream is HMAC in
counter mode, and a MAC over nonce and cipher text authenticates both. Without the key a sealed
letter is 32 bytes that say nothing about which of the four letters it is.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

_NONCE, _TAG = 16, 16


class WrongKey(ValueError):
    """A release key that does not open this assignment's sealed items."""


def _key(secret: str) -> bytes:
    if not isinstance(secret, str) or not secret.strip():
        raise WrongKey("a release key is a non-empty string, as your teacher published it")
    return hashlib.sha256(secret.strip().encode("utf-8")).digest()


def _mac(key: bytes, label: bytes, *parts: bytes) -> bytes:
    mac = hmac.new(key, label, hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(4, "big") + part)
    return mac.digest()


def _stream(key: bytes, nonce: bytes, n: int) -> bytes:
    blocks = (_mac(key, b"stream", nonce, i.to_bytes(4, "big")) for i in range((n + 31) // 32))
    return b"".join(blocks)[:n]


def seal(secret: str, name: str, value: Any) -> str:
    """``value`` (anything JSON can hold) sealed under ``secret`` for the item ``name``."""
    key = _key(secret)
    plain = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    nonce = _mac(key, b"nonce", name.encode("utf-8"), plain)[:_NONCE]
    cipher = bytes(a ^ b for a, b in zip(plain, _stream(key, nonce, len(plain))))
    tag = _mac(key, b"tag", name.encode("utf-8"), nonce, cipher)[:_TAG]
    return base64.b64encode(nonce + tag + cipher).decode("ascii")


def unseal(secret: str, name: str, token: str) -> Any:
    """The value sealed in ``token`` for the item ``name``; :class:`WrongKey` if ``secret`` is not
    the key it was sealed with (or the token was changed)."""
    key = _key(secret)
    try:
        raw = base64.b64decode(token.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError, AttributeError):
        raise WrongKey(f"the sealed item {name!r} is damaged") from None
    nonce, tag, cipher = raw[:_NONCE], raw[_NONCE:_NONCE + _TAG], raw[_NONCE + _TAG:]
    if not hmac.compare_digest(tag, _mac(key, b"tag", name.encode("utf-8"), nonce, cipher)[:_TAG]):
        raise WrongKey("this key does not open the sealed answers")
    plain = bytes(a ^ b for a, b in zip(cipher, _stream(key, nonce, len(cipher))))
    return json.loads(plain.decode("utf-8"))
