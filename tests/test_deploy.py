"""The deployment recipe (ui/deploy) agrees with the code it deploys: no setting it names is
unknown, the versions are those CI tested, and nginx passes traffic to the replicas compose runs.
(nginx.conf itself is run for real in test_replicas.)"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import pytest
import yaml

from provision_assistant.ingest.settings import PACKAGE_ROOT, Settings

pytestmark = pytest.mark.unit
DEPLOY = PACKAGE_ROOT / "ui" / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _replicas(compose: dict) -> dict[str, dict]:
    return {name: s for name, s in compose["services"].items() if s.get("command") == ["provisions", "serve"]}


def test_every_setting_the_recipe_names_exists(compose):
    named = {
        key
        for service in compose["services"].values()
        for key in (service.get("environment") or {})
        if key.startswith("PROVISIONS_")
    }
    fields = {f"PROVISIONS_{name.upper()}" for name in Settings.model_fields}
    assert named and named <= fields, sorted(named - fields)


def test_two_alike_replicas_on_the_server_index_and_database_behind_nginx(compose):
    replicas = _replicas(compose)
    assert sorted(replicas) == ["app1", "app2"] and replicas["app1"] == replicas["app2"]
    env = replicas["app1"]["environment"]
    assert env["PROVISIONS_CHROMA_URL"] == "http://chroma:8000"
    assert env["PROVISIONS_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["PROVISIONS_SHARED_RATE_LIMIT"] == "true"
    # X-Forwarded-For is believed from nginx's address, and from no other.
    nginx = compose["services"]["nginx"]["networks"]["provisions"]["ipv4_address"]
    assert env["PROVISIONS_TRUSTED_PROXIES"] == nginx
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstreams = set(re.findall(r"server (\w+):(\d+)", site))
    assert upstreams == {(name, env["PROVISIONS_PORT"]) for name in replicas}


def test_each_long_running_service_has_a_health_check(compose):
    for name, service in compose["services"].items():
        if name != "ingest":  # runs once and stops; the replicas wait for it to succeed
            assert "healthcheck" in service, name
    for replica in _replicas(compose).values():
        assert replica["depends_on"]["ingest"] == {"condition": "service_completed_successfully"}


def test_the_images_are_the_versions_ci_tested(compose):
    assert compose["services"]["chroma"]["image"] == f"chromadb/chroma:{version('chromadb')}"
    project = tomllib.loads((PACKAGE_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    torch = next(d for d in project["project"]["dependencies"] if d.startswith("torch"))
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert f'"{torch}"' in dockerfile and "-c constraints.txt" in dockerfile
