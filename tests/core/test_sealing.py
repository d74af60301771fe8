"""Sealed records: they open only for the identity and secret that made them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from vision_integrations import AccessToken, TokenSealer, VisionSettings

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
TOKEN = AccessToken(
    value="eyJhbGciOi.the-token-value.signature",
    expires_at=NOW + timedelta(hours=72),
    obtained_at=NOW,
)


def settings(**changes: str) -> VisionSettings:
    values = {"client_id": "client-a", "client_secret": "first-secret-value"}
    values.update(changes)
    return VisionSettings.create(**values)  # type: ignore[arg-type]


def test_a_record_opens_to_the_same_token() -> None:
    sealer = TokenSealer(settings())
    record = sealer.seal(TOKEN)
    assert record.startswith("vst1.")
    assert record.isascii()
    assert sealer.unseal(record) == TOKEN


def test_a_record_reveals_nothing_of_the_token_or_secret() -> None:
    record = TokenSealer(settings()).seal(TOKEN)
    assert "the-token-value" not in record
    assert "first-secret-value" not in record
    assert TokenSealer(settings()).seal(TOKEN) != record  # a fresh nonce each time


def test_another_identity_or_a_rotated_secret_cannot_open_it() -> None:
    record = TokenSealer(settings()).seal(TOKEN)
    assert TokenSealer(settings(client_id="client-b")).unseal(record) is None
    assert TokenSealer(settings(client_secret="rotated-secret")).unseal(record) is None
    eu = settings(
        region="eu",
        auth_url="https://auth.example.eu/oauth/token",
        audience="https://api.example.eu",
        api_base_url="https://api.example.eu/v3",
    )
    assert TokenSealer(eu).unseal(record) is None
    assert TokenSealer(settings(audience="https://x.example")).unseal(record) is None


def test_damaged_records_are_misses() -> None:
    sealer = TokenSealer(settings())
    record = sealer.seal(TOKEN)
    flipped = record[:-5] + ("A" if record[-5] != "A" else "B") + record[-4:]
    for damaged in (flipped, record[:20], "vst1.", "vst2." + record[5:], "", None):
        assert sealer.unseal(damaged) is None


@given(st.text(max_size=300))
def test_no_input_makes_unseal_raise(text: str) -> None:
    sealer = TokenSealer(settings())
    assert sealer.unseal(text) is None
    assert sealer.unseal("vst1." + text) is None
