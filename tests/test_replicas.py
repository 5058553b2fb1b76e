"""Two app processes behind nginx (the deployment recipe's own nginx.conf), over one Chroma server
and one PostgreSQL, all real and on loopback (issue 16): the same answers, feedback from both
kept, and an ingest while both serve with no failed request."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from provision_assistant.evals.serving import Served, free_port, serving
from provision_assistant.ingest.pipeline import ingest
from provision_assistant.ingest.settings import PACKAGE_ROOT, Settings
from provision_assistant.ui.feedback import FeedbackStore
from tests.conftest import CORPUS
from tests.pdfs import SCHOOL_POLICY_PAGES, make_pdf
from tests.test_reload import BREAKFAST, Asker, _wait_for_index

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NGINX_CONF = PACKAGE_ROOT / "ui" / "deploy" / "nginx.conf"
QUESTIONS = (
    "pupil anxious about coming into school after a long absence",
    "lunchtime clubs for a child who is alone at lunch",
)


class Nginx:
    """nginx with the recipe's site, its upstreams pointed at the replicas on loopback."""

    def __init__(self, replicas: list[Served], folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        site = NGINX_CONF.read_text(encoding="utf-8").replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        for n, replica in enumerate(replicas, start=1):
            site = site.replace(f"server app{n}:8000", f"server {replica.base.removeprefix('http://')}")
        assert "app1" not in site and "app2" not in site
        folder.mkdir()
        (folder / "site.conf").write_text(site, encoding="utf-8")
        temp = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi"))
        (folder / "nginx.conf").write_text(
            f"user root; worker_processes 1; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
            f"events {{}}\nhttp {{ access_log off; {temp} uwsgi_temp_path {folder}/uwsgi;"
            f" scgi_temp_path {folder}/scgi; include {folder}/site.conf; }}\n",
            encoding="utf-8",
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        conf = ["-p", str(self.folder), "-c", str(self.folder / "nginx.conf")]
        subprocess.run([nginx, *conf, "-t"], check=True, capture_output=True)
        self.process = subprocess.Popen([nginx, *conf, "-g", "daemon off;"])
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{self.base}/nginx-health", timeout=1).raise_for_status()
                return self.base
            except httpx.TransportError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def test_two_replicas_behind_nginx_share_the_index_and_the_database(
    tmp_path,
    chroma_url,
    postgres_database,
    embeddings,
):
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.skip("nginx is not installed (./run test installs Debian's)")
    settings = Settings(
        index_dir=tmp_path / "index",
        corpus_dir=tmp_path / "corpus",
        chroma_url=chroma_url,
        collection="replicas",
        database_url=postgres_database,
    )
    settings.corpus_dir.mkdir()
    shutil.copy(CORPUS / "ncb-belonging-matters-programme-2025.txt", settings.corpus_dir)
    make_pdf(settings.corpus_dir / "lunchtime-policy.pdf", SCHOOL_POLICY_PAGES)
    ingest([settings.corpus_dir], settings, lambda: embeddings)

    env = {
        "PROVISIONS_INDEX_DIR": str(settings.index_dir),
        "PROVISIONS_CORPUS_DIR": str(settings.corpus_dir),
        "PROVISIONS_CHROMA_URL": settings.chroma_url,
        "PROVISIONS_COLLECTION": settings.collection,
        "PROVISIONS_DATABASE_URL": settings.database,
        "PROVISIONS_SHARED_RATE_LIMIT": "true",
        "PROVISIONS_RATE_LIMIT": "1000000/minute",
        "PROVISIONS_RELOAD_SECONDS": "0.2",
        "PROVISIONS_TRUSTED_PROXIES": "127.0.0.1",
    }
    with (
        serving(env, log_path=tmp_path / "app1.log") as one,
        serving(env, log_path=tmp_path / "app2.log") as two,
        Nginx([one, two], tmp_path / "nginx") as front,
    ):
        # The same answers from either replica, and through the proxy.
        for question in QUESTIONS:
            answers = [
                httpx.post(f"{base}/api/ask", json={"question": question}, timeout=60).json()
                for base in (one.base, two.base, front)
            ]
            assert answers[0] == answers[1] == answers[2]

        # Feedback given to each replica is kept in the one database.
        given = [
            httpx.post(
                f"{base}/api/feedback",
                json={"question": f"question {n}", "answer": "an answer", "helpful": n % 2 == 0},
                timeout=30,
            )
            for n, base in enumerate((one.base, two.base, front, front))
        ]
        assert [r.status_code for r in given] == [201] * 4
        kept = {row["id"]: row["question"] for row in FeedbackStore(settings.database).all()}
        assert {kept[r.json()["id"]] for r in given} == {f"question {n}" for n in range(4)}

        # An ingest while both serve: no failed request, and both move to the new index.
        with Asker(front) as through_proxy, Asker(one.base) as to_one, Asker(two.base) as to_two:
            (settings.corpus_dir / "breakfast.md").write_text(BREAKFAST, encoding="utf-8")
            second = ingest([settings.corpus_dir], settings, lambda: embeddings).generation
            _wait_for_index(one.base, second, timeout=60)
            _wait_for_index(two.base, second, timeout=60)
            time.sleep(0.5)  # a few answers from the new index
    for asker in (through_proxy, to_one, to_two):
        assert asker.seen and {status for status, _ in asker.seen} == {200}
        assert "breakfast" in asker.seen[-1][1]
