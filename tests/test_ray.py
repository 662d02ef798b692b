"""`publisher brief --ray`: the same build on a real Ray runtime (no mocks of Ray).

One small Ray instance (2 CPUs) serves the whole module and is shut down at its end; the
multi-node test lives in test_ray_cluster.py. English is never asserted: Ray outputs are
compared with a local build's on the same machine, and the fixture model's own output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import ray
from click.testing import CliRunner
from conftest import FIXTURE_MODEL, REPO, wait_until

from publisher.document import ModelError
from publisher.cli import cli
from publisher.building import BuildSettings, build
from publisher.ray import RayExecutor, RayOptions
from publisher.ray.pool import TranslationPool
from publisher.ray.shipping import package_blob, unpack_package
from publisher.ray.window import SharedTexts
from publisher.feed import ATOM_NS

# one Ray at a time on this machine (address 'auto' finds whichever is running): the Ray modules share a worker
pytestmark = [pytest.mark.slow, pytest.mark.ray, pytest.mark.xdist_group("ray"), pytest.mark.timeout(600)]

SAMPLES = sorted(p for p in (REPO / "articles").iterdir() if p.suffix in (".txt", ".md"))


@pytest.fixture(scope="module")
def ray_local(tmp_path_factory):
    """A 2-CPU Ray on this machine; its workers get their own cache folder (never the user's)."""
    state = tmp_path_factory.mktemp("ray-workers")
    saved = os.environ.get("PUBLISHER_CACHE_DIR")
    os.environ["PUBLISHER_CACHE_DIR"] = str(state / "cache")
    try:
        ray.init(address="local", num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False)
    finally:
        if saved is None:
            os.environ.pop("PUBLISHER_CACHE_DIR", None)
        else:
            os.environ["PUBLISHER_CACHE_DIR"] = saved
    yield ray
    ray.shutdown()


def variant(text: str, i: int) -> str:
    """A sample article with every number in its body shifted by i (mostly new sentences), and
    its date moved by i days: the index orders briefs of the same date by generation time, a
    timestamp, so distinct dates make the index comparable byte for byte."""
    head = ""
    if text.startswith("---"):
        end = text.index("\n---", 3) + 4
        head, text = text[:end], text[end:]
        head = re.sub(r"(?m)^(date: \d{4}-\d{2}-)(\d{2})$", lambda m: f"{m[1]}{int(m[2]) + i:02d}", head)
    return head + re.sub(r"\d+", lambda m: str(int(m.group()) + i), text)


def make_inbox(root: Path, generated: int = 2) -> Path:
    """The sample articles, their glossary, and ``generated`` number-shifted copies of each."""
    inbox = root / "inbox"
    inbox.mkdir()
    for src in SAMPLES:
        shutil.copy(src, inbox / src.name)
        stem = src.name.split(".")[0]
        for i in range(1, generated + 1):
            (inbox / f"{stem}-v{i}{''.join(src.suffixes)}").write_text(variant(src.read_text(encoding="utf-8"), i), encoding="utf-8")
    shutil.copy(REPO / "articles" / "glossary.csv", inbox / "glossary.csv")
    return inbox


def settings(out: Path, **kw) -> BuildSettings:
    return BuildSettings(out_dir=out, model=str(FIXTURE_MODEL), **kw)


def ray_build(paths, settings: BuildSettings, options: RayOptions, progress=None):
    """The build skeleton with the Ray executor, as `publisher brief --ray` runs it."""
    kwargs = {"progress": progress} if progress is not None else {}
    return build(paths, settings, executor=RayExecutor(options), **kwargs)


def brief_docs(out: Path) -> dict[str, dict]:
    docs = {}
    for p in sorted(out.glob("*/brief.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        doc["data"].pop("generated")  # a timestamp: the only field that may differ
        docs[p.parent.name] = doc
    return docs


def feed_without_times(out: Path) -> bytes:
    """The feed less its timestamps: <updated>, and the PDFs' byte lengths (a PDF prints its
    generation time, whose digits change its size by a few bytes)."""
    root = ET.parse(out / "feed.xml").getroot()
    for link in root.iter(f"{{{ATOM_NS}}}link"):
        if link.get("rel") == "enclosure":
            assert abs(int(link.attrib.pop("length")) - (out / link.get("href")).stat().st_size) == 0
    for parent in root.iter():
        for child in list(parent):
            if child.tag == f"{{{ATOM_NS}}}updated":
                parent.remove(child)
    return ET.tostring(root)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process on this machine has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def assert_same_publication(local: Path, ray: Path) -> None:
    """A Ray build's briefs (less their generation time), index and feed equal a local build's."""
    local_docs, ray_docs = brief_docs(local), brief_docs(ray)
    assert ray_docs.keys() == local_docs.keys()
    for slug in local_docs:
        assert ray_docs[slug] == local_docs[slug], slug
    assert index_without_sizes(ray) == index_without_sizes(local)
    assert feed_without_times(ray) == feed_without_times(local)


def index_without_sizes(out: Path) -> list[str]:
    """The index page's lines, less each PDF's size: a PDF carries its generation time, so two
    builds of the same brief can differ by a few bytes and, at a boundary, by one KB shown."""
    text = (out / "index.html").read_text(encoding="utf-8")
    return re.sub(r'<span class="size">\([^)]*\)</span>', '<span class="size"></span>', text).splitlines()


def memory_file() -> Path:
    return Path(os.environ["PUBLISHER_CACHE_DIR"]) / "tm.sqlite"


@pytest.mark.fixture_model
def test_ray_build_gives_the_same_briefs_index_and_feed_as_a_local_build(ray_local, tmp_path):
    inbox = make_inbox(tmp_path, generated=2)
    local = build([inbox], settings(tmp_path / "local"))
    assert local.failed == [] and len(local.built) == 3 * len(SAMPLES)
    memory_file().unlink()  # the Ray build must translate everything itself, not reuse the local run's memory
    report = ray_build([inbox], settings(tmp_path / "ray"), RayOptions(actors=2, threads=1, batch_articles=2))
    assert report.failed == []
    assert sorted(report.built) == sorted(local.built)
    # Each new sentence went to the model once, as in the local build's single batch, although
    # 4 batches were in flight and the variants share their sentences without numbers.
    assert report.translation["translated"] == local.translation["translated"] > 0
    assert_same_publication(tmp_path / "local", tmp_path / "ray")
    for slug in local.built:  # every file of every brief is there, and the PDFs are real
        assert (tmp_path / "ray" / slug / "brief.pdf").read_bytes().startswith(b"%PDF")
        assert (tmp_path / "ray" / slug / "brief.html").is_file() and (tmp_path / "ray" / slug / "editor.html").is_file()
    assert not list((tmp_path / "ray").rglob(".*.tmp"))


@pytest.mark.fixture_model
def test_a_rerun_skips_finished_briefs_and_a_forced_one_translates_nothing(ray_local, tmp_path):
    inbox = make_inbox(tmp_path, generated=0)
    first = ray_build([inbox], settings(tmp_path / "out"), RayOptions(actors=1, threads=1))
    assert first.translation["translated"] > 0 and len(first.built) == len(SAMPLES)
    again = ray_build([inbox], settings(tmp_path / "out"), RayOptions(actors=1, threads=1))
    assert again.built == [] and sorted(again.skipped) == sorted(first.built)
    forced = ray_build([inbox], settings(tmp_path / "out", force=True), RayOptions(actors=2, threads=1))
    assert sorted(forced.built) == sorted(first.built)
    assert forced.translation.get("translated", 0) == 0 and forced.translation.get("model_calls", 0) == 0
    assert forced.translation["from_memory"] == first.translation["translated_segments"]


@pytest.mark.fixture_model
def test_one_bad_article_is_reported_like_a_local_build_and_the_others_are_published(ray_local, tmp_path):
    inbox = make_inbox(tmp_path, generated=0)
    (inbox / "broken.md").write_text("---\ntitle: [unclosed\n---\n본문입니다.\n", encoding="utf-8")
    (inbox / "empty.txt").write_text("   \n", encoding="utf-8")
    local = build([inbox], settings(tmp_path / "local"))
    result = CliRunner().invoke(
        cli, ["brief", str(inbox), "-o", str(tmp_path / "ray"), "--model", str(FIXTURE_MODEL), "--ray", "local", "--threads", "1"]
    )
    assert result.exit_code == 1, result.output
    assert len(local.failed) == 2 and len(local.built) == len(SAMPLES)
    for path, message in local.failed:
        assert f"Error: {path}: {message}" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("Error: 2 article(s) failed:")
    assert "Traceback" not in result.output + result.stderr
    assert sorted(p.parent.name for p in (tmp_path / "ray").glob("*/brief.json")) == sorted(local.built)
    assert re.search(r"\d+/\d+ articles, [\d.]+ articles/min", result.stderr)  # progress without a terminal


@pytest.mark.fixture_model
def test_a_killed_translation_actor_is_replaced_and_its_batch_retried(ray_local, tmp_path):
    from publisher.models import load_model
    from publisher.decoding import TranslateSettings
    from publisher.engine import CT2Engine, TranslationStats

    model = load_model(FIXTURE_MODEL)
    corpus = [line.split("\t")[0] for line in (REPO / "tests/fixture/corpus.tsv").read_text(encoding="utf-8").splitlines() if "\t" in line and not line.startswith("#")]
    texts = corpus * 10  # a few seconds of work for one thread
    pool = TranslationPool(model, None, RayOptions(actors=1, threads=1))
    try:
        actor = pool.actors[0]
        pid, _ = ray.get(actor.where.remote())
        cpu = cpu_seconds(pid)
        ref = actor.translate.remote(texts, pool.package)
        wait_until(lambda: cpu_seconds(pid) - cpu >= 0.5, 60, "the actor at work on the batch (half a CPU second)")
        ready, _ = ray.wait([ref], timeout=0)
        assert not ready, "the batch finished before the actor could be killed; make it larger"
        os.kill(pid, signal.SIGKILL)
        english, worker_pid = ray.get(ref, timeout=180)
        assert worker_pid != pid  # a new incarnation did the batch again
        assert ray.get(actor.where.remote())[0] == worker_pid
        expected = CT2Engine(model, TranslateSettings(intra_threads=1)).translate_texts(texts, TranslationStats())
        assert english == expected
        assert pool.translate(corpus[:5]) == expected[:5]  # the pool goes on with the replacement
    finally:
        pool.close()


def test_model_bytes_are_checked_against_their_sha256_on_the_node(tmp_path):
    from publisher.models import load_model

    blob = package_blob(load_model(FIXTURE_MODEL).package_dir)
    import hashlib

    digest = hashlib.sha256(blob).hexdigest()
    assert package_blob(load_model(FIXTURE_MODEL).package_dir) == blob  # deterministic: one digest per model
    damaged = bytearray(blob)
    damaged[len(damaged) // 2] ^= 0xFF
    with pytest.raises(ModelError, match="damaged"):
        unpack_package(bytes(damaged), digest, tmp_path / "node")
    package = unpack_package(blob, digest, tmp_path / "node")
    assert (package / "model" / "model.bin").is_file() and (package / "sentencepiece.model").is_file()
    assert unpack_package(blob, digest, tmp_path / "node") == package  # once per node


def test_ray_options_need_ray_and_are_refused_without_it(tmp_path):
    result = CliRunner().invoke(cli, ["brief", str(tmp_path), "--actors", "2"])
    assert result.exit_code == 2 and "Error: --actors and --in-flight only apply with --ray ADDRESS" in result.stderr


def test_shared_texts_send_each_text_once_and_retry_a_failed_one():
    import threading

    shared = SharedTexts(keep=4)
    sent: list[list[str]] = []
    release = threading.Event()

    def slow_send(texts):
        sent.append(list(texts))
        release.wait(10)
        return [t.upper() for t in texts]

    results = {}
    first = threading.Thread(target=lambda: results.setdefault(1, shared.translate(["a", "b"], slow_send)))
    first.start()
    wait_until(lambda: sent, 10, "the first batch sent")
    second = threading.Thread(target=lambda: results.setdefault(2, shared.translate(["b", "c"], lambda t: sent.append(list(t)) or [x.upper() for x in t])))
    second.start()
    wait_until(lambda: len(sent) >= 2, 10, "the second batch sent")
    assert sent == [["a", "b"], ["c"]]  # "b" is being translated by the first batch: not sent again
    assert second.is_alive()  # ... and the second batch waits for it
    release.set()
    first.join(10), second.join(10)
    assert results == {1: (["A", "B"], 2), 2: (["B", "C"], 1)}

    def broken(texts):
        raise RuntimeError("actor lost")

    with pytest.raises(RuntimeError):
        shared.translate(["d"], broken)
    assert shared.translate(["d", "a"], lambda t: [x.upper() for x in t]) == (["D", "A"], 1)  # failed: tried again
    shared.translate(["e", "f", "g"], lambda t: [x.upper() for x in t])
    assert shared.translate(["b"], lambda t: ["new"]) == (["new"], 1)  # only the last `keep` texts are remembered
