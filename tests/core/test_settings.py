"""Settings: validation, defaults, environment, and what is never shown."""

from __future__ import annotations

import pytest

from vision_integrations import Secret, VisionConfigError, VisionSettings

SECRET = "s3cr3t-value-for-tests"


def make(**changes: object) -> VisionSettings:
    values: dict[str, object] = {"client_id": "abc", "client_secret": SECRET}
    values.update(changes)
    return VisionSettings.create(**values)  # type: ignore[arg-type]


def test_us_defaults_are_the_vendor_urls() -> None:
    settings = make()
    assert settings.region == "us"
    assert settings.auth_url == "https://vision-auth.truepic.com/oauth/token"
    assert settings.audience == "https://vision-api.truepic.com"
    assert settings.api_base_url == "https://vision-api.truepic.com/v3"


def test_eu_without_urls_names_every_missing_setting() -> None:
    with pytest.raises(VisionConfigError) as caught:
        make(region="EU")
    assert caught.value.setting == "auth_url"
    message = str(caught.value)
    for name in ("VISION_AUTH_URL", "VISION_AUDIENCE", "VISION_API_BASE_URL"):
        assert name in message


def test_eu_with_its_urls_is_accepted() -> None:
    settings = make(
        region="eu",
        auth_url="https://auth.example.eu/oauth/token",
        audience="https://api.example.eu",
        api_base_url="https://api.example.eu/v3/",
    )
    assert settings.region == "eu"
    assert settings.api_base_url == "https://api.example.eu/v3"


def test_any_url_can_be_overridden_in_the_us() -> None:
    settings = make(audience="https://other-audience.example")
    assert settings.audience == "https://other-audience.example"
    assert settings.auth_url.startswith("https://vision-auth.truepic.com")


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"client_id": ""}, "client_id"),
        ({"client_id": None}, "client_id"),
        ({"client_secret": "  "}, "client_secret"),
        ({"region": "mars"}, "region"),
        ({"auth_url": "http://auth.example.com/token"}, "auth_url"),
        ({"api_base_url": "ftp://api.example.com"}, "api_base_url"),
        ({"api_base_url": "not a url"}, "api_base_url"),
        ({"read_timeout": 0}, "read_timeout"),
        ({"retry_budget": -1}, "retry_budget"),
    ],
)
def test_bad_values_name_the_setting(changes: dict[str, object], setting: str) -> None:
    with pytest.raises(VisionConfigError) as caught:
        make(**changes)
    assert caught.value.setting == setting
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/v3", "http://localhost/v3", "http://[::1]:9/v3"]
)
def test_plain_http_is_accepted_for_loopback_only(url: str) -> None:
    assert make(api_base_url=url).api_base_url == url


def test_a_password_in_a_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(VisionConfigError) as caught:
        make(auth_url="https://user:hunter22@auth.example.com/token")
    assert "hunter22" not in str(caught.value)


def test_from_env_reads_every_variable_and_overrides_win(tmp_path: object) -> None:
    env = {
        "VISION_CLIENT_ID": "from-env",
        "VISION_CLIENT_SECRET": SECRET,
        "VISION_REGION": "eu",
        "VISION_AUTH_URL": "https://a.example/oauth/token",
        "VISION_AUDIENCE": "https://aud.example",
        "VISION_API_BASE_URL": "https://api.example/v3",
        "VISION_CACHE_DIR": "/tmp/vision-test-cache",
        "VISION_FILE_CACHE": "off",
    }
    settings = VisionSettings.from_env(env, client_id="override", audience=None)
    assert settings.client_id == "override"
    assert settings.audience == "https://aud.example"
    assert settings.region == "eu"
    assert str(settings.cache_dir) == "/tmp/vision-test-cache"
    assert settings.file_cache is False


def test_from_env_with_nothing_set_names_the_client_id() -> None:
    with pytest.raises(VisionConfigError) as caught:
        VisionSettings.from_env({})
    assert caught.value.setting == "client_id"
    assert "VISION_CLIENT_ID" in str(caught.value)


def test_a_bad_file_cache_flag_is_refused() -> None:
    env = {"VISION_CLIENT_ID": "a", "VISION_CLIENT_SECRET": SECRET}
    with pytest.raises(VisionConfigError) as caught:
        VisionSettings.from_env({**env, "VISION_FILE_CACHE": "perhaps"})
    assert caught.value.setting == "file_cache"


def test_no_rendering_shows_the_secret() -> None:
    settings = make()
    assert isinstance(settings.client_secret, Secret)
    for text in (repr(settings), str(settings), repr(settings.client_secret)):
        assert SECRET not in text
    assert settings.client_secret.get_secret_value() == SECRET


def test_cache_key_follows_identity_not_secret() -> None:
    base = make()
    assert base.cache_key == make(client_secret="rotated-secret").cache_key
    assert base.cache_key != make(client_id="other").cache_key
    assert base.cache_key != make(audience="https://x.example").cache_key
    assert base.cache_key != make(auth_url="https://x.example/token").cache_key
    assert len(base.cache_key) == 32


def test_replace_validates_again() -> None:
    settings = make()
    assert settings.replace(client_id="next").client_id == "next"
    with pytest.raises(VisionConfigError):
        settings.replace(api_base_url="http://example.com")
