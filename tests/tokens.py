"""Looking into a link token as an attacker would: the token itself and everything its parts
decode to (URL-safe base64, then zlib, as Django's signing.dumps writes a payload)."""

import base64
import contextlib
import zlib


def token_decodings(token: str) -> list[str]:
    """The token, and each of its parts (and the whole) decoded, as latin-1 text."""
    found = [token]
    for part in [token, *token.split(":")]:
        part = part.lstrip(".")  # signing.dumps marks a compressed payload with a dot
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            continue
        found.append(raw.decode("latin-1"))
        with contextlib.suppress(zlib.error):
            found.append(zlib.decompress(raw).decode("latin-1"))
    return found
