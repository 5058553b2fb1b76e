"""Issue 13: `pip install .` (not editable) works, and the distribution claims one import name.

The wheel is built from a copy of the tracked files and installed without its dependencies into a
fresh virtual environment that borrows them from this one (a .pth line: this environment's
editable install is not read, only its site-packages folder), then run from an empty folder,
so nothing of the checkout can be found by accident.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from provision_assistant.ingest.settings import PACKAGE_ROOT, Settings
from provision_assistant.retrieval.templates import load_templates
from tests.pdfs import SCHOOL_POLICY_PAGES, make_pdf

TOP_LEVEL = ("evals", "ingest", "retrieval", "ui")
# `from ingest.x import y` still works in a checkout (its root is on the path) but makes a second
# copy of the module beside provision_assistant.ingest.x, and fails once installed.
BARE_IMPORT = re.compile(rf"^\s*(from|import) ({'|'.join(TOP_LEVEL)})\b", re.MULTILINE)


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the built wheel installed; returns its bin folder."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"
    tracked = run(["git", "ls-files", "-z"], cwd=PACKAGE_ROOT).stdout.split("\0")
    for name in filter(None, tracked):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PACKAGE_ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip"]
    run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", root / "dist", source])
    (wheel,) = (root / "dist").glob("provision_assistant-*.whl")
    venv = root / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    target = venv / "bin" / "python"
    run([*pip, "--python", target, "install", "--quiet", "--no-deps", "--no-index", wheel])
    site = run([target, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    (Path(site) / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def env_for(home: Path) -> dict[str, str]:
    """Offline, a fresh home (where the index goes by default), and this checkout's cache: the
    trained classifier and judge are keyed by their examples and the model, the same here."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("PROVISIONS_")}
    return {
        **keep,
        "HOME": str(home),
        "XDG_DATA_HOME": "",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "PROVISIONS_CACHE_DIR": str(Settings().cache_dir),
    }


@pytest.mark.unit
def test_the_code_imports_itself_by_its_installed_name_only():
    files = [p for folder in (*TOP_LEVEL, "tests") for p in (PACKAGE_ROOT / folder).rglob("*.py")]
    assert len(files) > 50
    assert [str(p) for p in files if BARE_IMPORT.search(p.read_text(encoding="utf-8"))] == []


@pytest.mark.integration
@pytest.mark.slow
def test_the_installed_package_claims_only_its_own_import_name(installed, tmp_path):
    probe = (
        "import importlib.util as u, json, provision_assistant.ui.cli as cli;"
        f"print(json.dumps([cli.__file__, [n for n in {TOP_LEVEL!r} if u.find_spec(n)]]))"
    )
    where, claimed = json.loads(run([installed / "python", "-c", probe], cwd=tmp_path).stdout)
    assert Path(where).is_relative_to(installed.parent) and claimed == []


@pytest.mark.integration
@pytest.mark.slow
def test_the_installed_package_reads_its_own_prompts_corpus_and_eval_data(installed, tmp_path):
    home, folder, elsewhere = tmp_path / "home", tmp_path / "school-docs", tmp_path / "cwd"
    for path in (home, folder, elsewhere):
        path.mkdir()
    env = env_for(home)
    provisions = installed / "provisions"
    # The frozen test set and the bundled corpus it quotes, as package data.
    checked = run([provisions, "eval", "--check-cases"], cwd=elsewhere, env=env).stdout
    assert "116 case(s); every quote is in its document." in checked
    # A school's own PDF (read in a child process of the installed package), indexed under the
    # user's data folder, then answered with the packaged templates and safeguarding rules.
    make_pdf(folder / "lunchtime-policy.pdf", SCHOOL_POLICY_PAGES)
    run([provisions, "ingest", "--quiet", folder], cwd=elsewhere, env=env)
    assert (home / ".local" / "share" / "provision-assistant" / "index").is_dir()
    assert not list(installed.parent.glob("lib/*/site-packages/provision_assistant/data"))
    question = "pupil overwhelmed in the dining hall"
    answer = json.loads(run([provisions, "ask", "--json", question], cwd=elsewhere, env=env).stdout)
    assert answer["status"] == "answered" and "lunchtime-policy" in answer["sources"][0]["document"]
    heading = load_templates(PACKAGE_ROOT / "prompts").heading.format(question=question)
    assert answer["answer"].startswith(heading)


@pytest.mark.integration
@pytest.mark.slow
def test_the_installed_package_migrates_its_database_with_the_migrations_it_carries(installed, tmp_path):
    from provision_assistant.ui.migrate import head

    env = {**env_for(tmp_path / "home"), "PROVISIONS_FEEDBACK_FILE": str(tmp_path / "feedback.sqlite3")}
    upgraded = run([installed / "provisions", "db", "upgrade"], cwd=tmp_path, env=env).stdout
    assert f"Upgraded from revision none to {head()}" in upgraded
