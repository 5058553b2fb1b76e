"""Settings from PROVISIONS_* variables: lists, paths and clear messages for bad values."""

from __future__ import annotations

import pytest

from provision_assistant.ingest.settings import SettingsError, get_settings
from provision_assistant.ui.cli import main

pytestmark = pytest.mark.unit


def test_lists_read_as_commas_or_json(monkeypatch):
    monkeypatch.setenv("PROVISIONS_API_KEYS", " k1, k2 ,")
    monkeypatch.setenv("PROVISIONS_CORS_ORIGINS", '["https://intranet.example.sch.uk"]')
    settings = get_settings()
    assert settings.api_keys == ["k1", "k2"]
    assert settings.cors_origins == ["https://intranet.example.sch.uk"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PROVISIONS_PORT", "eighty", "PROVISIONS_PORT"),
        ("PROVISIONS_BASE_PATH", "provisions", "must start with '/'"),
        ("PROVISIONS_MIN_RELEVANCE", "2", "PROVISIONS_MIN_RELEVANCE"),
        ("PROVISIONS_CHROMA_URL", "chroma:8000", "PROVISIONS_CHROMA_URL must be an http:// or https://"),
    ],
)
def test_a_bad_value_is_named_and_stops_the_command(monkeypatch, capsys, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        get_settings()
    assert main(["catalogue"]) == 1
    assert message in capsys.readouterr().err
