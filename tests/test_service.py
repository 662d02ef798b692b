"""The publishing service (issue 22), tested against the real `publisher service` process.

One service process per module (`--port 0`, the URL it prints, the test fixture model, a
temporary cache); every request loop is bounded and every wait is `wait_until` on the event
itself. English the fixture model writes is only compared with a `publisher brief` of the
same inbox on this machine, never with a fixed string.
"""

from __future__ import annotations

import hashlib
import difflib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURE_MODEL, REPO, FileOpens, wait_until

httpx = pytest.importorskip("httpx")

pytestmark = [pytest.mark.slow, pytest.mark.service, pytest.mark.fixture_model, pytest.mark.timeout(300), pytest.mark.isa_neutral]

ATOM = "{http://www.w3.org/2005/Atom}"

# Sentences of the fixture's training corpus (tests/fixture/corpus.tsv).
CORPUS = [
    line.split("\t")[0]
    for line in (REPO / "tests" / "fixture" / "corpus.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#") and "\t" in line
]


def article(i: int, slug: str | None = None, per: int = 3, **extra) -> dict:
    """A submission of ``per`` corpus sentences (title and body) that no other ``i`` shares: a
    sentence two articles shared would come from the translation memory in whichever build
    came second, and the comparison with one `publisher brief` is of the provenance too."""
    first = i * per
    assert first + per <= len(CORPUS), "the corpus has no unused sentences left"
    doc = {"title": CORPUS[first], "body": "\n\n".join(CORPUS[first + 1 : first + per]), "date": f"2026-11-{1 + i % 28:02d}",
           "byline": "한결", "source_url": f"https://news.example.kr/article/{i}"}
    if slug:
        doc["slug"] = slug
    return doc | extra


# -------------------------------------------------------------------- the running service


def service_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PUBLISHER_CACHE_DIR=str(root / "cache"), ARGOS_PACKAGES_DIR=str(root / "packages"), XDG_DATA_HOME=str(root / "data"),
        XDG_CACHE_HOME=str(root / "xdg-cache"), XDG_CONFIG_HOME=str(root / "config"),
        PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    env.pop("PUBLISHER_CONFIG", None)
    return env


class ServiceProcess:
    """`publisher service` in its own process group, on 127.0.0.1 and a free port."""

    def __init__(self, root: Path, config: str = "", model: Path = FIXTURE_MODEL):
        self.root = root
        self.inbox = root / "articles"
        self.out = root / "out"
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.env = service_env(root)
        (root / "publisher.toml").write_text(config, encoding="utf-8")
        self.model = model
        self.log = root / "service.log"
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.tokens: dict[str, str] = {}

    def token(self, name: str, *scopes: str) -> str:
        if name not in self.tokens:
            from publisher.cli import cli

            args = ["service", "--config", str(self.root / "publisher.toml"), "token", "add", name] + [a for s in scopes for a in ("--scope", s)]
            result = CliRunner(env={"PUBLISHER_CACHE_DIR": self.env["PUBLISHER_CACHE_DIR"]}).invoke(cli, args)
            assert result.exit_code == 0, result.output
            self.tokens[name] = result.output.strip()
        return self.tokens[name]

    def start(self, *extra: str) -> ServiceProcess:
        cmd = [sys.executable, "-m", "publisher.cli", "service", "--config", str(self.root / "publisher.toml"), "--inbox", str(self.inbox),
               "-o", str(self.out), "--model", str(self.model), "--port", "0", "--log-json", *extra]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.root, env=self.env, stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        line = self._first_line(timeout=60)
        m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert m, f"no URL in {line!r}; log: {self.log.read_text()[-2000:]}"
        self.url = m.group(1)
        return self

    def _first_line(self, timeout: float) -> str:
        box: list[str] = []
        t = threading.Thread(target=lambda: box.append(self.proc.stdout.readline().decode()), daemon=True)
        t.start()
        t.join(timeout)
        assert box, f"the service printed no URL within {timeout}s; log: {self.log.read_text()[-2000:]}"
        return box[0]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def health(self) -> dict:
        return httpx.get(self.url + "healthz", timeout=10).json()

    def builds(self) -> int:
        last = self.health()["last_build"]
        return last["builds_total"] if last else 0

    def idle(self, timeout: float = 90) -> dict:
        """Wait until no job is queued or running; the health answer then."""
        return wait_until(lambda: (h := self.health())["queue_depth"] == 0 and not h["building"] and h, timeout, "an idle queue")

    def job(self, token: str, job_id: str) -> dict:
        return self.client(token).get(f"/api/v1/jobs/{job_id}").json()

    def wait_jobs(self, token: str, ids, timeout: float = 120) -> dict[str, dict]:
        """Each job's state once the queue is idle (the health check is not rate-limited; job polls are)."""
        self.idle(timeout)
        with self.client(token) as c:
            return {i: c.get(f"/api/v1/jobs/{i}").json() for i in ids}

    def events(self) -> list[tuple]:
        db = sqlite3.connect(self.root / "cache" / "service" / "queue.sqlite")
        try:
            return db.execute("SELECT job, state, build FROM events ORDER BY rowid").fetchall()
        finally:
            db.close()

    def stop(self) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode if self.proc else 0

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()


# -------------------------------------------------------------------- what is published


def brief_docs(out: Path) -> dict[str, dict]:
    """As tests/test_ray.py (which imports Ray, so it is not imported here): brief.json less its
    time, and less the folder the model was unpacked into (each run here has its own cache)."""
    docs = {}
    for p in sorted(out.glob("*/brief.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        doc["data"].pop("generated")
        doc["data"]["model"].pop("path")
        docs[p.parent.name] = doc
    return docs


def feed_without_times(out: Path) -> bytes:
    root = ET.parse(out / "feed.xml").getroot()
    for link in root.iter(f"{ATOM}link"):
        if link.get("rel") == "enclosure":
            link.attrib.pop("length")
    for parent in root.iter():
        for child in list(parent):
            if child.tag == f"{ATOM}updated":
                parent.remove(child)
    return ET.tostring(root)


def assert_same_publication(reference: Path, out: Path) -> None:
    """tests/test_ray.py's check: the briefs (less their time), the index and the feed are equal."""
    ref_docs, docs = brief_docs(reference), brief_docs(out)
    assert docs.keys() == ref_docs.keys()
    for slug in ref_docs:
        assert docs[slug] == ref_docs[slug], slug
    # less each PDF's size: a PDF carries its generation time, so the same brief built twice can
    # differ by a few bytes and, at a boundary, by the one KB the index shows
    ours, theirs = (re.sub(r'<span class="size">\([^)]*\)</span>', "", (d / "index.html").read_text(encoding="utf-8")).splitlines() for d in (out, reference))
    assert ours == theirs, "\n".join(difflib.unified_diff(theirs, ours, "publisher brief", "service", n=1, lineterm=""))[:3000]
    assert feed_without_times(out) == feed_without_times(reference)


def index_slugs(out: Path, page: str = "index.html") -> set[str]:
    return set(re.findall(r'href="([^"/]+)/brief\.html"', (out / page).read_text(encoding="utf-8")))


def feed_slugs(out: Path) -> set[str]:
    root = ET.parse(out / "feed.xml").getroot()
    return {e.find(f"{ATOM}id").text.rsplit(":", 1)[1] for e in root.findall(f"{ATOM}entry")}


def assert_whole(out: Path, inbox: Path) -> None:
    """out/ is exactly the inbox's briefs, with no build leftovers (as test_integrity checks)."""
    from publisher.building.inbox import expand_articles
    from publisher.read import slug_for_path

    slugs = {slug_for_path(p) for p in expand_articles([inbox])}
    folders = {p.parent.name for p in out.glob("*/brief.json")}
    assert folders == slugs
    listed = set().union(*(index_slugs(out, page.name) for page in out.glob("index*.html")))  # 50 to a page
    assert listed == slugs
    assert feed_slugs(out) <= slugs and len(feed_slugs(out)) == min(len(slugs), 100)  # the newest 100
    assert not list(out.rglob(".*.tmp")) and not [p for p in out.iterdir() if p.name.startswith(".staging")]
    for slug in slugs:
        assert (out / slug / "brief.pdf").read_bytes().startswith(b"%PDF") and (out / slug / "brief.html").is_file()


def reference_build(svc: ServiceProcess, out: Path) -> None:
    """`publisher brief` of the service's inbox (it only reads it) into another folder, run as
    the service runs: in the newsroom folder, with its publisher.toml, but with a cache of its
    own (a fresh translation memory: every segment's origin is the model's, as in the
    service's first build of it)."""
    cmd = [sys.executable, "-m", "publisher.cli", "--config", str(svc.root / "publisher.toml"), "brief", str(svc.inbox), "-o", str(out),
           "--model", str(svc.model)]
    result = subprocess.run(cmd, cwd=svc.root, env=service_env(out.parent / "reference-state"), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr


def disk_state(*folders: Path) -> dict[str, str]:
    state = {}
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and p.name != ".publisher.lock":
                state[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return state


# -------------------------------------------------------------------- the tests

CONFIG = """
[service]
debounce = 1.0
rate_limit = 120
"""


@pytest.fixture
def new_service(tmp_path):
    """``new_service(config) -> ServiceProcess`` in tmp_path; killed (process group) after the test whatever happened."""
    made: list[ServiceProcess] = []

    def make(config: str = CONFIG, **kw) -> ServiceProcess:
        made.append(ServiceProcess(tmp_path, config, **kw))
        return made[-1]

    yield make
    for s in made:
        s.kill()


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    s = ServiceProcess(tmp_path_factory.mktemp("service"), CONFIG)
    s.token("cms", "submit", "takedown", "read")
    s.token("reader", "read")
    s.start()
    try:
        yield s
    finally:
        code = s.stop()
    assert code == 0, s.log.read_text()[-3000:]


def test_concurrent_clients_each_article_published_once_and_as_publisher_brief_builds_it(svc, tmp_path):
    svc.idle()
    token = svc.token("cms")
    n = 4
    # 20 clients at once: the 4 articles, and 16 retries of them under the same Idempotency-Key.
    requests = [(i % n, f"key-{i % n}") for i in range(20)]

    def post(req):
        i, key = req
        with svc.client(token) as c:
            r = c.post("/api/v1/articles", json=article(i), headers={"Idempotency-Key": key})
            return i, r.status_code, r.json()

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(post, requests))
    assert {status for _, status, _ in answers} == {202}
    by_article: dict[int, set[str]] = {}
    for i, _, body in answers:
        by_article.setdefault(i, set()).add(body["job"])
        assert body["url"] == f"/{body['slug']}/brief.html"
    assert all(len(jobs) == 1 for jobs in by_article.values()), "a retried POST made a second job"
    jobs = {next(iter(j)) for j in by_article.values()}
    states = svc.wait_jobs(token, jobs)
    assert {s["state"] for s in states.values()} == {"published"}, states
    published = [job for job, state, _ in svc.events() if state == "published" and job in jobs]
    assert sorted(published) == sorted(jobs)  # each exactly once
    svc.idle()
    assert_whole(svc.out, svc.inbox)
    # The same inbox through `publisher brief`: the same briefs, index and feed.
    reference_build(svc, tmp_path / "reference")
    assert_same_publication(tmp_path / "reference", svc.out)
    listed = svc.client(token).get("/api/v1/briefs").json()
    assert {b["slug"] for b in listed} == set(brief_docs(svc.out))
    assert svc.client(token).get("/api/v1/briefs", params={"since": "2999-01-01T00:00:00Z"}).json() == []


def test_refusals_change_nothing_on_disk(svc):
    svc.idle()
    before = disk_state(svc.inbox, svc.out)
    cms, reader = svc.token("cms"), svc.token("reader")
    post = lambda client, **kw: client.post("/api/v1/articles", **kw)  # noqa: E731
    assert post(svc.client(), json=article(1)).status_code == 401
    assert post(svc.client("pub_not-a-token"), json=article(1)).status_code == 401
    assert post(svc.client(reader), json=article(1)).status_code == 403
    assert svc.client(reader).delete("/api/v1/articles/anything").status_code == 403
    big = b'{"title": "big", "body": "' + b"a" * (11 * 1024 * 1024) + b'"}'
    assert post(svc.client(cms), content=big, headers={"content-type": "application/json"}).status_code == 413
    r = post(svc.client(cms), content=b'{"title": "x", "body": ', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    r = post(svc.client(cms), json={"body": "본문"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "title"]
    r = post(svc.client(cms), json=article(1, slug="../x"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "slug"]
    # The rate limit (120 a minute): a bounded burst from one token meets 429.
    codes = []
    with svc.client(reader) as c:
        for _ in range(200):
            codes.append(c.get("/api/v1/jobs/0").status_code)
            if codes[-1] == 429:
                break
    assert codes[-1] == 429 and set(codes[:-1]) == {404}
    assert disk_state(svc.inbox, svc.out) == before
    assert svc.health()["queue_depth"] == 0


def test_takedown_through_the_api_and_a_file_deleted_from_the_inbox(svc):
    svc.idle()
    token = svc.token("cms")
    if len(index_slugs(svc.out)) < 2:  # (run alone: the concurrent test published none yet)
        jobs = [svc.client(token).post("/api/v1/articles", json=article(96 + k)).json()["job"] for k in range(2)]
        svc.wait_jobs(token, jobs)
    slugs = sorted(index_slugs(svc.out))
    assert len(slugs) >= 2
    gone, deleted = slugs[0], slugs[1]
    r = svc.client(token).delete(f"/api/v1/articles/{gone}")
    assert r.status_code == 202
    assert svc.wait_jobs(token, [r.json()["job"]])[r.json()["job"]]["state"] == "published"
    assert not (svc.out / gone).exists() and gone not in index_slugs(svc.out) and gone not in feed_slugs(svc.out)
    assert not [p for p in svc.inbox.iterdir() if p.name.startswith(gone)]
    assert svc.client(token).delete(f"/api/v1/articles/{gone}").status_code == 404
    # An editor deletes a file by hand: the watcher unpublishes it.
    next(p for p in svc.inbox.iterdir() if p.name.startswith(deleted + ".")).unlink()
    wait_until(lambda: not (svc.out / deleted).exists(), 60, "the deleted article's brief to leave out/")
    svc.idle()
    assert deleted not in index_slugs(svc.out) and deleted not in feed_slugs(svc.out)
    assert_whole(svc.out, svc.inbox)


def test_a_burst_of_50_saves_gives_one_build_and_a_bad_file_fails_alone(svc):
    svc.idle()
    builds = svc.builds()
    # 50 saves, as an editor's tools make them: five new articles, each saved ten times, and
    # one file that is no text at all.
    for _save in range(10):
        for i in range(5):
            a = article(100 + i)
            (svc.inbox / f"burst-{i}.ko.txt").write_text(f"---\ntitle: {a['title']}\ndate: {a['date']}\n---\n{a['body']}\n", encoding="utf-8")
    (svc.inbox / "broken.ko.txt").write_bytes(b"\xff\xfe\x00\xd8" * 64)
    wait_until(lambda: svc.builds() > builds, 60, "a build")
    health = svc.idle()
    assert health["last_build"]["builds_total"] == builds + 1
    assert health["last_build"]["built"] == 5 and health["last_build"]["failed"] == 1
    for i in range(5):
        assert (svc.out / f"burst-{i}" / "brief.json").is_file()
    # The failure is the inbox job's reason, and it names the file; the API keeps accepting.
    token = svc.token("cms")
    r = svc.client(token).post("/api/v1/articles", json=article(90))
    state = svc.wait_jobs(token, [r.json()["job"]])[r.json()["job"]]
    assert state["state"] == "published"
    (svc.inbox / "broken.ko.txt").unlink()
    wait_until(lambda: svc.builds() > builds + 2 or None, 60, "the build after the bad file left")
    svc.idle()


def test_the_service_waits_for_out_s_lock_as_publisher_brief_does(svc):
    """A build by hand holds out/.publisher.lock: the service's build waits for it, then publishes."""
    from filelock import FileLock

    svc.idle()
    token = svc.token("cms")
    lock = FileLock(str(svc.out / ".publisher.lock"))
    with FileOpens(svc.out / ".publisher.lock") as opens:
        lock.acquire(timeout=10)
        try:
            answer = svc.client(token).post("/api/v1/articles", json=article(97)).json()
            opens.wait(2, timeout=60, what="the service's build reaching the lock")  # ours, then the service's
            assert svc.client(token).get(f"/api/v1/jobs/{answer['job']}").json()["state"] == "running"
            assert not (svc.out / answer["slug"]).exists()
        finally:
            lock.release()
    assert svc.wait_jobs(token, [answer["job"]])[answer["job"]]["state"] == "published"
    assert (svc.out / answer["slug"] / "brief.json").is_file()


def test_operations_openapi_metrics_healthz_logs_and_tokens(svc):
    job = svc.client(svc.token("cms")).post("/api/v1/articles", json=article(95)).json()["job"]
    assert svc.wait_jobs(svc.token("cms"), [job])[job]["state"] == "published"
    spec = httpx.get(svc.url + "openapi.json", timeout=10).json()
    assert {"/api/v1/articles", "/api/v1/articles/{slug}", "/api/v1/jobs/{job_id}", "/api/v1/briefs", "/healthz", "/metrics"} <= set(spec["paths"])
    assert "title" in spec["components"]["schemas"]["ArticleIn"]["required"]
    docs = httpx.get(svc.url + "docs", timeout=10)
    assert docs.status_code == 200
    # the page's Swagger UI comes from the service itself, never from a CDN
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(a.startswith("/docs-assets/") for a in assets), assets
    for asset in assets:
        assert httpx.get(svc.url + asset.lstrip("/"), timeout=10).status_code == 200
    metrics = httpx.get(svc.url + "metrics", timeout=10).text
    published = re.search(r'^publisher_jobs\{state="published"\} (\d+)', metrics, re.M)
    assert published and int(published.group(1)) >= 2
    assert re.search(r"^publisher_build_seconds_count [1-9]", metrics, re.M)
    assert re.search(r"^publisher_segments_translated_total [1-9]", metrics, re.M)
    assert svc.client().get("/api/v1/briefs").status_code == 401
    assert re.search(r'^publisher_api_refusals_total\{status="401"\} [1-9]', httpx.get(svc.url + "metrics", timeout=10).text, re.M)
    health = svc.health()
    assert health["status"] == "ok" and "queue_depth" in health and health["last_build"]["state"] in ("published", "failed")
    lines = svc.log_lines()
    events = [json.loads(line) for line in lines if line.startswith("{")]
    assert events and len(events) == len([l for l in lines if l.strip() and not l.startswith("/")])  # JSON lines, one per event
    assert any("accepted job" in e["message"] for e in events)
    # Tokens: listed without the token itself, revoked at once in the running service.
    from publisher.cli import cli

    runner = CliRunner(env={"PUBLISHER_CACHE_DIR": svc.env["PUBLISHER_CACHE_DIR"]})
    config = ["service", "--config", str(svc.root / "publisher.toml"), "token"]
    listed = runner.invoke(cli, config + ["list"])
    assert listed.exit_code == 0 and "cms\tread,submit,takedown" in listed.output and svc.token("cms") not in listed.output
    stored = (svc.root / "cache" / "service" / "tokens.json").read_text()
    assert svc.token("reader") not in stored and hashlib.sha256(svc.token("reader").encode()).hexdigest() in stored
    assert svc.client(svc.token("reader")).get("/api/v1/briefs").status_code == 200
    assert runner.invoke(cli, config + ["revoke", "reader"]).exit_code == 0
    assert svc.client(svc.token("reader")).get("/api/v1/briefs").status_code == 401
    bad = runner.invoke(cli, config + ["add", "x/../y", "--scope", "read"])
    assert bad.exit_code != 0 and bad.output.startswith("Error: token name")


def test_help_stays_fast_and_imports_no_web_stack():
    code = "import sys, publisher.cli; print(sorted(m for m in ('fastapi', 'uvicorn', 'pydantic', 'prometheus_client', 'watchfiles') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=service_env(Path("/tmp")), check=True).stdout
    assert out.strip() == "[]"


def test_a_model_that_cannot_be_loaded_is_one_error_line_before_anything_listens(tmp_path):
    s = ServiceProcess(tmp_path, "", model=tmp_path / "missing.argosmodel")
    cmd = [sys.executable, "-m", "publisher.cli", "service", "--inbox", str(s.inbox), "-o", str(s.out), "--model", str(s.model), "--port", "0"]
    result = subprocess.run(cmd, cwd=tmp_path, env=s.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.startswith("Error: model file not found") and "Traceback" not in result.stderr
