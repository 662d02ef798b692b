"""The SQLite translation memory: keys, corrections, damage and locks, crash safety."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

import pytest
from conftest import wait_until

from publisher.document import ORIGIN_EDITED, ORIGIN_MEMORY, OutputError
from publisher.memory import FILENAME, TranslationMemory, normalize_text

REPO = Path(__file__).resolve().parents[1]
KEY = "test-model@1.0#" + "a" * 64
OTHER_KEY = "other-model@2.0#" + "b" * 64


def test_default_location_follows_cache_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(tmp_path / "cache"))
    mem = TranslationMemory.open_default()
    assert mem.path == tmp_path / "cache" / FILENAME
    mem.put_many(KEY, [("안녕하세요.", "Hello.")])
    assert (tmp_path / "cache" / FILENAME).exists()


def test_round_trip_and_normalised_source(tmp_path):
    mem = TranslationMemory(tmp_path / "tm.sqlite")
    assert mem.put_many(KEY, [("오픈AI가  서울에\n지사를 열었다. ", "OpenAI opened an office in Seoul.")]) == 1
    nfd = unicodedata.normalize("NFD", "오픈AI가 서울에 지사를 열었다.")
    hits = mem.get_many(KEY, [nfd, "없는 문장."])
    assert list(hits) == [(normalize_text(nfd), "")]
    hit = hits[(normalize_text(nfd), "")]
    assert hit.en == "OpenAI opened an office in Seoul." and hit.origin == ORIGIN_MEMORY


def test_key_includes_model_and_glossary(tmp_path):
    mem = TranslationMemory(tmp_path)
    mem.put_many(KEY, [("카카오가 발표했다.", "g1", "Kakao announced it.")])
    assert mem.get(KEY, "카카오가 발표했다.", "g1").en == "Kakao announced it."
    assert mem.get(KEY, "카카오가 발표했다.", "") is None
    assert mem.get(KEY, "카카오가 발표했다.", "g2") is None
    assert mem.get(OTHER_KEY, "카카오가 발표했다.", "g1") is None


def _an_editors_file(root: Path, rows: list[list[str]]) -> list[tuple[Path, Path]]:
    """An article and its corrections file (id, korean, machine_english, corrected_english rows): sync_memory's pairs."""
    article = root / "busan.txt"
    article.write_text("기사", encoding="utf-8")
    write_corrections_csv(root / "busan.corrections.csv", rows)
    return [(article, root / "busan.corrections.csv")]


def test_correction_wins_for_every_model_and_glossary(tmp_path):
    mem = TranslationMemory(tmp_path)
    mem.put_many(KEY, [("노조도 비슷한 입장이다.", "The union is similar position.")])
    pairs = _an_editors_file(tmp_path, [["p3.4", "노조도 비슷한 입장이다.", "", "The union takes a similar view."]])
    assert sync_memory(mem, pairs).updated == 1
    for key, gkey in ((KEY, ""), (OTHER_KEY, ""), (OTHER_KEY, "g9")):
        hit = mem.get(key, "노조도  비슷한 입장이다.", gkey)
        assert hit is not None and hit.origin == ORIGIN_EDITED and hit.en == "The union takes a similar view."
    [row] = mem.corrections()
    assert row["article"] == str((tmp_path / "busan.txt").resolve()) and row["segment_id"] == "p3.4"
    # The editor takes the row out of the file: the machine's English is back.
    _an_editors_file(tmp_path, [["p3.4", "노조도 비슷한 입장이다.", "", ""]])
    assert sync_memory(mem, pairs).updated == 1
    assert mem.get(KEY, "노조도 비슷한 입장이다.").origin == ORIGIN_MEMORY


def test_stats_and_clear_keep_corrections_by_default(tmp_path):
    mem = TranslationMemory(tmp_path)
    mem.put_many(KEY, [("가.", "A."), ("나.", "B.")])
    mem.put_many(OTHER_KEY, [("가.", "A!")])
    sync_memory(mem, _an_editors_file(tmp_path, [["p1.1", "다.", "", "C."]]))
    stats = mem.stats()
    assert stats["translations"] == 3 and stats["corrections"] == 1
    assert stats["models"] == {KEY: 2, OTHER_KEY: 1}
    assert stats["bytes"] > 0
    assert mem.clear() == {"translations": 3, "corrections": 0}
    assert mem.get(KEY, "가.") is None and mem.get(KEY, "다.").en == "C."
    assert mem.clear(corrections=True) == {"translations": 0, "corrections": 1}
    assert mem.stats()["corrections"] == 0


def test_stats_of_a_missing_file_do_not_create_it(tmp_path):
    mem = TranslationMemory(tmp_path / "sub" / "tm.sqlite")
    assert mem.stats()["translations"] == 0
    assert not (tmp_path / "sub" / "tm.sqlite").exists()


def test_corrupt_file_is_reported_bypassed_and_left_untouched(tmp_path, caplog):
    path = tmp_path / "tm.sqlite"
    garbage = os.urandom(8192)
    path.write_bytes(garbage)
    before = sorted(p.name for p in tmp_path.iterdir())
    mem = TranslationMemory(path)
    with caplog.at_level(logging.WARNING, logger="publisher.memory"):
        assert mem.get_many(KEY, ["가."]) == {}
        assert mem.put_many(KEY, [("가.", "A.")]) == 0
        assert mem.sync_corrections({"/in/a.corrections.csv": ("/in/a.txt", "f" * 64, [("가.", "A.", "p1.1")])}) is False
    assert mem.error and "not a database" in mem.error
    assert any("not a database" in r.getMessage() for r in caplog.records)
    assert "error" in mem.stats()
    with pytest.raises(OutputError, match="move the file aside"):
        mem.clear()
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_damaged_pages_are_bypassed_not_fatal(tmp_path):
    path = tmp_path / "tm.sqlite"
    mem = TranslationMemory(path)
    mem.put_many(KEY, [(f"문장 {i}.", f"Sentence {i}." * 20) for i in range(300)])
    mem.close()
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    # keep the header, scribble over the rest
    data[4096:] = os.urandom(len(data) - 4096)
    path.write_bytes(bytes(data))
    snapshot = path.read_bytes()
    mem = TranslationMemory(path)
    assert mem.get_many(KEY, [f"문장 {i}." for i in range(300)]) == {}
    assert mem.error
    assert path.read_bytes() == snapshot


def test_locked_database_is_reported_and_bypassed(tmp_path, caplog):
    path = tmp_path / "tm.sqlite"
    mem = TranslationMemory(path)
    mem.put_many(KEY, [("가.", "A.")])
    mem.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO meta(key, value) VALUES ('held', '1')")
    try:
        locked = TranslationMemory(path, busy_timeout_ms=200)
        with caplog.at_level(logging.WARNING, logger="publisher.memory"):
            t0 = time.monotonic()
            assert locked.get_many(KEY, ["가."]) == {}
            assert locked.put_many(KEY, [("나.", "B.")]) == 0
            assert time.monotonic() - t0 < 5
        assert locked.error and "locked" in locked.error
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    again = TranslationMemory(path)
    assert again.get(KEY, "가.").en == "A."


WRITER = textwrap.dedent(
    """
    import sys
    from publisher.memory import TranslationMemory
    mem = TranslationMemory(sys.argv[1])
    batch = 0
    while True:
        rows = [(f"문장 {batch}-{i}.", f"Sentence {batch}-{i}. " * 40) for i in range(400)]
        mem.put_many("{key}", rows)
        print(batch, flush=True)
        batch += 1
    """
).replace("{key}", KEY)


def test_rows_survive_a_writer_killed_mid_write(tmp_path):
    path = tmp_path / "tm.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    committed = -1
    try:
        while committed < 3:
            line = proc.stdout.readline()
            assert line, "writer died before committing"
            committed = int(line)
        # kill it as it writes the next transaction: when the write-ahead log changes again
        wal = Path(f"{path}-wal")
        seen = (wal.stat().st_size, wal.stat().st_mtime_ns)
        wait_until(lambda: (wal.stat().st_size, wal.stat().st_mtime_ns) != seen, 30, "the writer's next transaction")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    # every batch it reported as committed is there, complete
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    mem = TranslationMemory(path)
    for batch in range(committed + 1):
        sources = [f"문장 {batch}-{i}." for i in range(400)]
        assert len(mem.get_many(KEY, sources)) == 400, f"batch {batch} incomplete"
    total = mem.stats()["translations"]
    assert total % 400 == 0  # no half-written batch
    assert mem.error is None


def test_two_processes_can_write_at_once(tmp_path):
    path = tmp_path / "tm.sqlite"
    code = textwrap.dedent(
        """
        import sys
        from publisher.memory import TranslationMemory
        mem = TranslationMemory(sys.argv[1])
        for b in range(20):
            assert mem.put_many("k", [(f"{sys.argv[2]} {b} {i}.", "x") for i in range(50)]) == 50, mem.error
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path), name], env={**os.environ, "PYTHONPATH": str(REPO)})
        for name in ("가", "나")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert TranslationMemory(path).stats()["translations"] == 2 * 20 * 50


def test_reading_needs_no_write_lock(tmp_path):
    """A build that only reads is not held up by another build's long write."""
    path = tmp_path / "tm.sqlite"
    mem = TranslationMemory(path)
    mem.put_many(KEY, [("가.", "A.")])
    mem.close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a write transaction in progress (WAL: readers go on)
    writer.execute("INSERT INTO meta(key, value) VALUES ('busy', '1')")
    try:
        reader = TranslationMemory(path, busy_timeout_ms=200)
        assert reader.get(KEY, "가.").en == "A."
        assert reader.error is None
        assert reader.put_many(KEY, [("나.", "B.")]) == 0  # the write waits, then is skipped
        assert reader.error and "locked" in reader.error
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# ------------------------------------------------------------------ corrections derived from the files

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_corrections_csv

from publisher.corrections import SyncResult, read_table, sync_memory

SENTENCES = ["가 문장입니다.", "나 문장입니다.", "다 문장입니다.", "라 문장입니다."]
ENGLISH = ["A.", "B.", "Another.", "=Formula?"]


def _write_corrections(path: Path, rows: dict[str, str]) -> None:
    write_corrections_csv(path, (["", ko, "", en] for ko, en in rows.items()))


def _truth(inbox: Path) -> set[tuple[str, str, str]]:
    """(file, source, en) for every correction row in a file whose article exists."""
    rows = set()
    for cfile in inbox.glob("*.corrections.csv"):
        article = cfile.with_name(cfile.name.replace(".corrections.csv", ".txt"))
        if article.exists():
            rows |= {(str(cfile.resolve()), normalize_text(c.korean), c.english) for c in read_table(cfile).corrections}
    return rows


def _pairs(inbox: Path):
    from publisher.building import corrections_path

    return [(p, corrections_path(p)) for p in sorted(inbox.glob("*.txt"))]


def test_sync_replaces_a_files_rows_and_forgets_what_is_gone(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    a, b = inbox / "a.txt", inbox / "b.txt"
    a.write_text("x", encoding="utf-8")
    b.write_text("y", encoding="utf-8")
    _write_corrections(inbox / "a.corrections.csv", {SENTENCES[0]: "A.", SENTENCES[1]: "B."})
    _write_corrections(inbox / "b.corrections.csv", {SENTENCES[0]: "Also A."})
    mem = TranslationMemory(tmp_path / "tm.sqlite")
    r = sync_memory(mem, _pairs(inbox))
    assert r.updated == 2 and r.forgotten == 0
    assert {(x["source"], x["en"]) for x in mem.corrections()} == {(SENTENCES[0], "A."), (SENTENCES[1], "B."), (SENTENCES[0], "Also A.")}
    # a.corrections.csv sorts first, so it wins for other articles
    assert mem.editor_corrections(SENTENCES) == {SENTENCES[0]: "A.", SENTENCES[1]: "B."}
    # nothing changed: nothing rewritten
    assert sync_memory(mem, _pairs(inbox)).updated == 0
    # a row deleted from a file
    _write_corrections(inbox / "a.corrections.csv", {SENTENCES[1]: "B."})
    assert sync_memory(mem, _pairs(inbox)).updated == 1
    assert mem.editor_corrections(SENTENCES) == {SENTENCES[0]: "Also A.", SENTENCES[1]: "B."}
    # a run that names only a.txt still withdraws b's rows once b's article is deleted
    b.unlink()
    assert sync_memory(mem, _pairs(inbox)[:1]).forgotten == 1
    assert mem.editor_corrections(SENTENCES) == {SENTENCES[1]: "B."}
    # the file deleted
    (inbox / "a.corrections.csv").unlink()
    sync_memory(mem, [])
    assert mem.corrections() == [] and mem.correction_files() == {}


def test_a_broken_corrections_file_withdraws_its_rows(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text("x", encoding="utf-8")
    _write_corrections(inbox / "a.corrections.csv", {SENTENCES[0]: "A."})
    mem = TranslationMemory(tmp_path / "tm.sqlite")
    sync_memory(mem, _pairs(inbox))
    (inbox / "a.corrections.csv").write_bytes(b"\xff\xfe\x00garbage")
    r = sync_memory(mem, _pairs(inbox))
    assert r.forgotten == 1 and "not UTF-8" in r.errors[0]
    assert mem.editor_corrections(SENTENCES) == {}


def test_an_unreadable_corrections_file_is_forgotten_and_reading_it_names_the_problem(tmp_path):
    from publisher.document import InputError

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text("x", encoding="utf-8")
    cfile = inbox / "a.corrections.csv"
    _write_corrections(cfile, {SENTENCES[0]: "A."})
    mem = TranslationMemory(tmp_path / "tm.sqlite")
    sync_memory(mem, _pairs(inbox))
    cfile.unlink()
    cfile.mkdir()  # cannot be read, even by root: its fingerprint is MISSING, as for no file
    assert sync_memory(mem, _pairs(inbox)) == SyncResult(updated=0, forgotten=1)
    assert mem.editor_corrections(SENTENCES) == {} and mem.correction_files() == {}
    with pytest.raises(InputError, match="cannot read corrections file"):
        read_table(cfile)  # what preparing the article reports


def test_a_version_1_store_is_upgraded_and_its_corrections_dropped(tmp_path):
    path = tmp_path / "tm.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE translations (model_key TEXT NOT NULL, glossary_key TEXT NOT NULL, source TEXT NOT NULL, en TEXT NOT NULL, created REAL NOT NULL, PRIMARY KEY (model_key, glossary_key, source)) WITHOUT ROWID;"
        "CREATE TABLE corrections (source TEXT PRIMARY KEY, en TEXT NOT NULL, machine_en TEXT, article TEXT, segment_id TEXT, created REAL NOT NULL) WITHOUT ROWID;"
        f"INSERT INTO translations VALUES ('{KEY}', '', '가.', 'A.', 0);"
        "INSERT INTO corrections VALUES ('가.', 'Old edit.', NULL, '/gone/a.txt', 'p1.1', 0);"
    )
    conn.commit()
    conn.close()
    mem = TranslationMemory(path)
    assert mem.get(KEY, "가.").en == "A."  # machine translations kept, the stale edit gone
    assert mem.corrections() == []


# Editor actions on a small inbox: (action, article index, sentence index, english index).
_ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["set_row", "delete_row", "delete_file", "delete_article", "add_article", "sync_subset"]),
        st.integers(0, 2),
        st.integers(0, len(SENTENCES) - 1),
        st.integers(0, len(ENGLISH) - 1),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=_ACTIONS)
def test_the_memory_never_returns_a_correction_whose_row_is_gone(tmp_path_factory, actions):
    root = tmp_path_factory.mktemp("sync")
    inbox = root / "in"
    inbox.mkdir()
    mem = TranslationMemory(root / "tm.sqlite")
    files: dict[int, dict[str, str]] = {}
    for i in range(3):
        (inbox / f"a{i}.txt").write_text("기사", encoding="utf-8")
    for action, i, s, e in actions:
        article = inbox / f"a{i}.txt"
        cfile = inbox / f"a{i}.corrections.csv"
        if action == "set_row":
            files.setdefault(i, {})[SENTENCES[s]] = ENGLISH[e]
            _write_corrections(cfile, files[i])
        elif action == "delete_row" and i in files:
            files[i].pop(SENTENCES[s], None)
            _write_corrections(cfile, files[i])
        elif action == "delete_file" and cfile.exists():
            cfile.unlink()
            files.pop(i, None)
        elif action == "delete_article" and article.exists():
            article.unlink()
        elif action == "add_article":
            article.write_text("기사", encoding="utf-8")
        pairs = _pairs(inbox)
        # a run may name only some of the articles: the others are still checked
        sync_memory(mem, pairs[:1] if action == "sync_subset" else pairs)
        truth = _truth(inbox)
        stored = {(r["file"], r["source"], r["en"]) for r in mem.corrections()}
        assert stored == truth
        hits = mem.get_many(KEY, SENTENCES)
        for (src, _), hit in hits.items():
            if hit.origin == ORIGIN_EDITED:
                assert any(src == t_src and hit.en == t_en for _, t_src, t_en in truth)
        edited = {src for (src, _), hit in hits.items() if hit.origin == ORIGIN_EDITED}
        assert edited == {t_src for _, t_src, _ in truth}
        # the winner is the file whose path sorts first
        for src, en in mem.editor_corrections(SENTENCES).items():
            assert en == min((f, t_en) for f, t_src, t_en in truth if t_src == src)[1]


def test_lookups_find_rows_by_primary_key_not_by_scanning_the_table(tmp_path):
    """At archive scale (millions of segments) a scan per lookup is fatal: check the query plan."""
    mem = TranslationMemory(tmp_path / FILENAME)
    mem.put_many("m@1#aa", [("첫 문장입니다.", "", "One."), ("둘째 문장입니다.", "g1", "Two.")])
    statements = []
    conn = mem._connect()
    conn.set_trace_callback(statements.append)
    hits = mem.get_many("m@1#aa", [("첫 문장입니다.", ""), ("둘째 문장입니다.", "g1"), ("없는 문장입니다.", "")])
    conn.set_trace_callback(None)
    assert {k: h.en for k, h in hits.items()} == {("첫 문장입니다.", ""): "One.", ("둘째 문장입니다.", "g1"): "Two."}
    lookups = [s for s in statements if "FROM translations" in s]
    assert lookups
    for sql in lookups:
        plan = " ".join(str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
        # the whole key, not just its model prefix (which reads every row of that model)
        assert "PRIMARY KEY (model_key=? AND glossary_key=? AND source=?)" in plan, plan
    mem.close()
