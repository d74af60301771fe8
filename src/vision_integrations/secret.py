"""A wrapper that keeps a secret string out of reprs, logs and tracebacks."""

from __future__ import annotations

import hmac

__all__ = ["Secret"]


class Secret:
    """Hold a secret string; show it only when asked for by name.

    `str()` and `repr()` give a fixed mask, so the value cannot reach a log or
    an error message by accident. Compare secrets in constant time.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """Return the secret itself, for the one place that must send it."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        # Pickling must keep the value (processes hand settings to workers);
        # the mask only protects text renderings.
        return (Secret, (self._value,))
