"""The editor's desk without a browser: the corrections edits it makes, the review the
pipeline gives it, and the real `publisher desk` over HTTP (security, port 0, the lock).

The browser journeys are in test_desk_browser.py, the load check in test_desk_load.py.
"""

from __future__ import annotations

import csv
import re
import io
import threading
import time

import pytest
from click.testing import CliRunner
from conftest import FIXTURE_MODEL, FileOpens
from desk_support import (
    seeded_desk,
    FLAGGED_EN,
    FLAGGED_KO,
    STORED,
    corrections_rows,
    http,
    make_inbox,
    page_tokens,
    seed_memory,
)

from publisher.document import InputError
from publisher.cli import cli
from publisher.building import BuildSettings, corrections_path
from publisher.corrections import COLUMNS, CorrectionConflict, edit_correction, edit_corrections, export_csv, read_table
from publisher.fsutil import MISSING, fingerprint

# One worker: one running desk (desk_env) for the module. The English the desk shows is stored
# in the memory beforehand (desk_support.seeded_desk): nothing the fixture writes is asserted,
# so the module is left out of the GENERIC pass.
pytestmark = [pytest.mark.xdist_group("desk-http"), pytest.mark.isa_neutral]

# ----------------------------------------------------------------- corrections edits


def _edit(path, seg_id, korean, english, base=None, loaded=None):
    return edit_correction(
        path,
        seg_id=seg_id,
        korean=korean,
        machine_english=f"machine {seg_id}",
        english=english,
        base_version=read_table(path).version if base is None else base,
        loaded=loaded,
    )


def test_first_save_creates_the_export_format_with_only_the_corrected_row(tmp_path):
    path = tmp_path / "a.corrections.csv"
    version = _edit(path, "p1.1", "첫 문장입니다.", "The first sentence.")
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    assert version == fingerprint(path)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [list(COLUMNS), ["p1.1", "첫 문장입니다.", "machine p1.1", "The first sentence."]]
    # The build reads it like any exported file.
    assert [(c.korean, c.english) for c in read_table(path).corrections] == [("첫 문장입니다.", "The first sentence.")]


def test_saving_into_an_exported_file_keeps_every_other_row_and_column(tmp_path):
    from publisher.document import BODY, Article, Block, Segment

    segs = tuple(Segment(id=f"p1.{i}", text=t, en=f"m{i}") for i, t in enumerate(["가 문장.", "나 문장.", "다 문장."], 1))
    art = Article(slug="x", source="x", blocks=(Block("p1", BODY, "", segments=segs),))
    path = tmp_path / "x.corrections.csv"
    text = export_csv(art).replace("corrected_english\r\n", "corrected_english,note\r\n", 1)  # an editor's own column
    path.write_text(text, encoding="utf-8")
    _edit(path, "p1.2", "나 문장.", "Sentence B.")
    table = read_table(path)
    assert table.header == (*COLUMNS, "note")
    assert [r.id for r in table.rows] == ["p1.1", "p1.2", "p1.3"]
    assert [r.corrected_english for r in table.rows] == ["", "Sentence B.", ""]
    assert [len(r.cells) for r in table.rows] == [4, 5, 4]  # the editor's short rows stay short
    # Saving again replaces the row's English, never adds a second row.
    _edit(path, "p1.2", "나 문장.", "Sentence B, again.")
    assert [r.corrected_english for r in read_table(path).rows] == ["", "Sentence B, again.", ""]


def test_revert_removes_the_row_and_a_revert_of_nothing_leaves_the_file_alone(tmp_path):
    path = tmp_path / "a.corrections.csv"
    _edit(path, "p1.1", "첫 문장입니다.", "One.")
    _edit(path, "p1.2", "둘째 문장입니다.", "Two.")
    _edit(path, "p1.1", "첫 문장입니다.", None)
    assert [(r["id"], r["corrected_english"]) for r in corrections_rows(path)] == [("p1.2", "Two.")]
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    time.sleep(0.01)  # a time gap, not a wait: a rewrite would now show a new mtime
    _edit(path, "p1.1", "첫 문장입니다.", None)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_change_on_disk_is_a_conflict_naming_the_rows_and_nothing_is_written(tmp_path):
    path = tmp_path / "a.corrections.csv"
    base = _edit(path, "p1.1", "첫 문장입니다.", "One.")
    loaded = read_table(path).corrected_by_korean()
    # Behind the page's back: a spreadsheet changes p1.1 and adds p1.3.
    behind = "\ufeffid,korean,machine_english,corrected_english\r\np1.1,첫 문장입니다.,m,One (spreadsheet).\r\np1.3,셋째 문장입니다.,m,Three.\r\n"
    path.write_bytes(behind.encode("utf-8"))
    with pytest.raises(CorrectionConflict) as info:
        _edit(path, "p1.2", "둘째 문장입니다.", "Two (desk).", base=base, loaded=loaded)
    conflict = info.value
    assert path.read_bytes() == behind.encode("utf-8"), "a conflict must not touch the file"
    assert conflict.version == fingerprint(path)
    assert {(r["id"], r["on_disk"], r["loaded"]) for r in conflict.rows} == {
        ("p1.1", "One (spreadsheet).", "One."),
        ("p1.3", "Three.", None),
    }
    assert "p1.1" in str(conflict) and "p1.3" in str(conflict)
    # With the version now on disk the desk's change goes in, beside the spreadsheet's.
    _edit(path, "p1.2", "둘째 문장입니다.", "Two (desk).", base=conflict.version)
    assert {r["id"]: r["corrected_english"] for r in corrections_rows(path)} == {
        "p1.1": "One (spreadsheet).",
        "p1.3": "Three.",
        "p1.2": "Two (desk).",
    }


def test_the_desk_never_writes_through_a_symlink(tmp_path):
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("precious", encoding="utf-8")
    link = tmp_path / "a.corrections.csv"
    link.symlink_to(elsewhere)
    with pytest.raises(InputError, match="symlink"):
        _edit(link, "p1.1", "첫 문장입니다.", "One.", base=MISSING)
    assert elsewhere.read_text(encoding="utf-8") == "precious"


# ------------------------------------------------------------------- pipeline review


@pytest.mark.slow
def test_review_shows_the_machine_english_even_where_the_memory_holds_a_correction(tmp_path):  # the memory holds every sentence: no model run
    from conftest import write_corrections_csv

    from publisher.corrections import sync_memory
    from publisher.memory import TranslationMemory
    from publisher.building.review import open_review_translator, review_article

    inbox = make_inbox(tmp_path)
    article = inbox / "village-bus.md"
    ids = seed_memory(article, STORED, inbox / "glossary.csv")
    flagged_id = next(i for i, ko in ids.items() if ko == FLAGGED_KO)
    # Another article's editor corrected the same sentence, and an earlier build took it into the memory.
    other = inbox / "rates.md"
    write_corrections_csv(corrections_path(other), [["p9.9", FLAGGED_KO, "", "An earlier correction."]])
    with TranslationMemory.open_default() as mem:
        assert sync_memory(mem, [(other, corrections_path(other))]).updated == 1
        assert mem.editor_corrections([FLAGGED_KO]) == {FLAGGED_KO: "An earlier correction."}
    settings = BuildSettings(out_dir=tmp_path / "out", model=str(FIXTURE_MODEL))
    translator = open_review_translator(settings, [article])
    review = review_article(article, settings, translator)
    segs = {s.id: s for _, s in review.article.iter_segments()}
    assert segs[flagged_id].en == FLAGGED_EN and segs[flagged_id].flags == ("hangul",)
    assert review.flagged == 1 and review.corrected == {} and not review.built and not review.up_to_date
    edit_correction(
        corrections_path(article), seg_id=flagged_id, korean=FLAGGED_KO, machine_english=FLAGGED_EN, english="Fixed.", base_version=MISSING
    )
    review = review_article(article, settings, translator)
    assert review.corrected == {flagged_id: "Fixed."} and review.flagged == 0 and review.corrections == 1


# ----------------------------------------------------------------------- the command


def test_desk_help_and_a_missing_web_stack_is_one_clear_line(monkeypatch):
    result = CliRunner().invoke(cli, ["desk", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "127.0.0.1" in result.output
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    result = CliRunner().invoke(cli, ["desk", "articles", "--port", "0"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("Error: the desk needs uvicorn; install them with")


def test_desk_without_a_model_fails_before_listening(tmp_path):
    inbox = make_inbox(tmp_path)
    result = CliRunner().invoke(cli, ["desk", str(inbox), "-o", str(tmp_path / "out"), "--model", str(tmp_path / "none.argosmodel"), "--port", "0"])
    assert result.exit_code == 3
    assert result.output.strip().startswith("Error: model file not found")
    assert "http://" not in result.output


def test_save_all_writes_every_row_in_one_write_or_none_on_a_conflict(tmp_path):
    path = tmp_path / "a.corrections.csv"
    base = _edit(path, "p1.1", "첫 문장입니다.", "One.")
    loaded = read_table(path).corrected_by_korean()
    edits = [("p1.2", "둘째 문장입니다.", "m2", "Two."), ("p1.1", "첫 문장입니다.", "m1", None), ("p1.3", "셋째 문장입니다.", "m3", "Three.")]
    version = edit_corrections(path, edits, base_version=base, loaded=loaded)
    assert version == fingerprint(path)
    assert {r["id"]: r["corrected_english"] for r in corrections_rows(path)} == {"p1.2": "Two.", "p1.3": "Three."}
    # Someone else writes: the next save-all is refused whole, the file untouched.
    before = path.read_bytes()
    path.write_bytes(before + "p1.4,넷째 문장입니다.,m4,Four.\r\n".encode("utf-8"))
    changed = path.read_bytes()
    with pytest.raises(CorrectionConflict) as info:
        edit_corrections(path, [("p1.2", "둘째 문장입니다.", "m2", "Two again.")], base_version=version)
    assert path.read_bytes() == changed and info.value.version == fingerprint(path)
    # Nothing to change: no write at all.
    now = fingerprint(path)
    assert edit_corrections(path, [("p1.2", "둘째 문장입니다.", "m2", "Two.")], base_version=now) == now


@pytest.fixture(scope="module")
def desk_env(fixture_model, tmp_path_factory):
    """A running desk on a seeded inbox (module scope: one start for the HTTP tests); it runs
    the fixture model for what the memory does not hold."""
    with seeded_desk(tmp_path_factory.mktemp("desk-http")) as desk:
        yield desk


@pytest.mark.slow
def test_desk_page_lists_the_inbox_with_state(desk_env):
    status, html = http(desk_env["url"])
    assert status == 200
    for slug in ("village-bus", "hostile", "rates"):
        assert f'data-slug="{slug}"' in html
    # The page comes at once; an article not reviewed yet gets its state from its own row URL.
    row = html.split('data-slug="village-bus"')[1].split("</tr>")[0]
    if 'class="flagged-count"' not in row:
        assert 'hx-get="/a/village-bus/entry"' in row
        status, row = http(desk_env["url"] + "a/village-bus/entry")
        assert status == 200
    assert "not built" in row and 'class="flagged-count">1<' in row and 'class="corrections-count">0' in row


@pytest.mark.slow
def test_an_article_linked_from_outside_the_inbox_is_refused(desk_env, tmp_path):
    outside = tmp_path / "private.md"
    outside.write_text("---\ntitle: 비밀\n---\n이것은 밖에 있는 글이다.\n", encoding="utf-8")
    link = desk_env["inbox"] / "leak.md"
    link.symlink_to(outside)
    try:
        status, html = http(desk_env["url"])
        assert status == 200
        row = html.partition("leak.md")[2].split("</tr>")[0]
        assert "cannot be read" in row and "symlink" in row
        assert "이것은 밖에 있는 글이다" not in html
        assert http(desk_env["url"] + "a/leak")[0] == 404
    finally:
        link.unlink()


@pytest.mark.slow
def test_post_without_csrf_token_or_from_a_foreign_host_is_refused_and_changes_nothing(desk_env):
    url, inbox = desk_env["url"], desk_env["inbox"]
    status, html = http(url + "a/village-bus")
    token, base = page_tokens(html)
    target = corrections_path(inbox / "village-bus.md")
    assert not target.exists()
    seg = next(i for i, ko in desk_env["ids"].items() if ko == FLAGGED_KO)
    form = {"seg": seg, "english": "Injected.", "base": base}
    port = url.rsplit(":", 1)[1].strip("/")
    attempts = [
        ("no token", form, {}),
        ("wrong token", {**form, "csrf": "x" * 43}, {}),
        ("foreign Host", {**form, "csrf": token}, {"Host": f"evil.example:{port}"}),
        ("foreign Host, token in header", form, {"Host": "attacker.example", "X-CSRF-Token": token}),
        ("foreign Origin", {**form, "csrf": token}, {"Origin": "http://evil.example"}),
    ]
    for what, data, headers in attempts:
        for action in ("save", "revert", "republish"):
            status, body = http(url + f"a/village-bus/{action}", data=data, headers=headers)
            assert status == 403, (what, action, status, body)
    assert not target.exists(), "a refused request wrote the corrections file"
    assert not (desk_env["out"] / "village-bus").exists(), "a refused request rebuilt the brief"
    # A GET from a rebinding host is refused too (it would read the articles).
    assert http(url + "a/village-bus", headers={"Host": "evil.example"})[0] == 403
    # The real token in the form field works: the refusals above were about the token and Host.
    status, body = http(url + "a/village-bus/save", data={**form, "csrf": token})
    assert status == 200, body
    assert [r["corrected_english"] for r in corrections_rows(target)] == ["Injected."]
    token, base = page_tokens(http(url + "a/village-bus")[1])
    assert http(url + "a/village-bus/revert", data={"seg": seg, "base": base}, headers={"X-CSRF-Token": token})[0] == 200
    assert corrections_rows(target) == []


@pytest.mark.slow
def test_article_text_is_escaped_on_the_review_page(desk_env):
    status, html = http(desk_env["url"] + "a/hostile")
    assert status == 200
    assert "<script>window" not in html and "<img src=x" not in html and "<img src=y" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "&lt;script&gt;window.__pwned = 3&lt;/script&gt;" in html


@pytest.mark.slow
def test_paths_never_come_from_the_client(desk_env):
    url = desk_env["url"]
    token, base = page_tokens(http(url + "a/village-bus")[1])
    for slug in ("..%2F..%2Fetc%2Fpasswd", "glossary", "village-bus.md", "nope"):
        status, _ = http(url + f"a/{slug}/save", data={"seg": "p1.1", "english": "x", "base": base}, headers={"X-CSRF-Token": token})
        assert status == 404, slug
    status, body = http(url + "a/village-bus/save", data={"seg": "../../x", "english": "x", "base": base}, headers={"X-CSRF-Token": token})
    assert status == 422 and "no segment" in body
    written = {p.name for p in desk_env["inbox"].iterdir()} - {"glossary.csv", "hostile.md", "library.md", "rates.md", "village-bus.md"}
    assert written <= {"village-bus.corrections.csv"}, written  # only a corrections file of an inbox article


@pytest.mark.slow
def test_out_is_served_without_following_symlinks_out_of_it(desk_env, tmp_path):
    out = desk_env["out"]
    out.mkdir(exist_ok=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (out / "leak.txt").symlink_to(secret)
    (out / "inside.txt").write_text("fine", encoding="utf-8")
    (out / "alias.txt").symlink_to(out / "inside.txt")
    try:
        assert http(desk_env["url"] + "out/leak.txt")[0] == 404
        assert http(desk_env["url"] + "out/inside.txt") == (200, "fine")
        assert http(desk_env["url"] + "out/alias.txt") == (200, "fine")
    finally:
        for name in ("leak.txt", "inside.txt", "alias.txt"):
            (out / name).unlink()


def test_serve_does_not_follow_symlinks_out_of_out(tmp_path):
    import urllib.request

    from publisher.serve import make_server

    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (out / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (out / "ok.txt").write_text("ok", encoding="utf-8")
    server = make_server(out, 0)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        assert urllib.request.urlopen(base + "ok.txt", timeout=10).read() == b"ok"
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(base + "leak.txt", timeout=10)
        assert info.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_republish_waits_for_the_same_lock_as_make_brief(desk_env):
    from filelock import FileLock

    url, out = desk_env["url"], desk_env["out"]
    token, _ = page_tokens(http(url + "a/rates")[1])
    out.mkdir(exist_ok=True)
    lock = FileLock(str(out / ".publisher.lock"))
    lock.acquire()
    result = {}
    t = threading.Thread(target=lambda: result.update(r=http(url + "a/rates/republish", data={"focus": ""}, headers={"X-CSRF-Token": token})))
    try:
        with FileOpens(out / ".publisher.lock") as opens:
            t.start()
            # the desk opens the lock file on each try: a second open means it is polling the held lock
            opens.wait(2, timeout=60, what="the desk trying the out/ lock twice")
        assert t.is_alive(), "republish did not wait for the out/ lock a build holds"
        assert not (out / "rates" / "brief.pdf").exists()
    finally:
        lock.release()
    t.join(120)
    status, body = result["r"]
    assert status == 200, body
    assert (out / "rates" / "brief.pdf").is_file() and 'class="fresh-brief"' in body


@pytest.mark.slow
def test_save_all_over_http_is_all_or_nothing(desk_env):
    url, inbox = desk_env["url"], desk_env["inbox"]
    target = corrections_path(inbox / "hostile.md")
    if target.exists():
        target.unlink()
    token, base = page_tokens(http(url + "a/hostile")[1])
    # One empty row: nothing is written, the reply says which row.
    status, body = http(url + "a/hostile/save-all", data={"base": base, "en.t.1": "A strange notice, again", "en.p1.1": "  "}, headers={"X-CSRF-Token": token})
    assert status == 422 and "p1.1" in body and not target.exists()
    status, _ = http(url + "a/hostile/save-all", data={"base": base, "en.t.1": "x"})
    assert status == 403 and not target.exists()
    status, body = http(url + "a/hostile/save-all", data={"base": base, "en.t.1": "A strange notice, again", "en.p1.1": "Residents saw odd markup."}, headers={"X-CSRF-Token": token})
    assert status == 200 and "Saved 2 rows" in body
    assert {r["id"]: r["corrected_english"] for r in corrections_rows(target)} == {"t.1": "A strange notice, again", "p1.1": "Residents saw odd markup."}
    assert body.count('hx-swap-oob="true"') >= 2 and 'badge edited' in body and "badge flag" not in body
    # The same base again: the file changed since, a conflict, nothing written.
    before = target.read_bytes()
    status, body = http(url + "a/hostile/save-all", data={"base": base, "en.t.1": "Other"}, headers={"X-CSRF-Token": token})
    assert status == 409 and target.read_bytes() == before
    target.unlink()


def test_review_rows_follow_the_reading_order(tmp_path):
    """Title, then the text with its caption and quote where they stand in the file, footnotes last,
    whatever order the reader put the blocks in."""
    from publisher.desk.rows import reading_order
    from publisher.document import Article, Block, Segment

    source = tmp_path / "a.txt"
    source.write_text("제목입니다\n\n첫 문장입니다. 둘째 문장입니다.\n\n<사진 설명입니다>\n\n\"인용입니다\"\n\n셋째 문장입니다.\n\n[1] 각주입니다.\n", encoding="utf-8")

    def block(id, kind, *texts, number=None):
        return Block(id, kind, " ".join(texts), segments=tuple(Segment(f"{id}.{i}", t) for i, t in enumerate(texts, 1)), number=number)

    blocks = (
        block("fn1", "footnote", "각주입니다.", number=1),
        block("c1", "caption", "사진 설명입니다"),
        block("t", "title", "제목입니다"),
        block("p1", "body", "첫 문장입니다.", "둘째 문장입니다.", "셋째 문장입니다."),
        block("q1", "pullquote", "인용입니다"),
    )
    article = Article(slug="a", source=str(source), blocks=blocks)
    assert [s.id for _, s in reading_order(article)] == ["t.1", "p1.1", "p1.2", "c1.1", "q1.1", "p1.3", "fn1.1"]
    # Without the file: the blocks' own order, title first and footnotes last.
    gone = Article(slug="a", source=str(tmp_path / "gone.txt"), blocks=blocks)
    assert [s.id for _, s in reading_order(gone)] == ["t.1", "c1.1", "p1.1", "p1.2", "p1.3", "q1.1", "fn1.1"]


@pytest.mark.slow
def test_the_desk_edits_the_staff_list_of_byline_names(desk_env):
    url, inbox = desk_env["url"], desk_env["inbox"]
    staff = inbox / "staff.csv"
    status, page = http(url + "names")
    assert status == 200
    row = page.split('data-name="한결"', 1)[1].split("</tr>", 1)[0]
    assert 'class="now">Han Gyeol<' in row  # the rule
    token, _ = page_tokens(http(url + "a/village-bus")[1])
    base = re.search(r'name="base" value="([^"]*)"', page).group(1)
    folder = re.search(r'name="folder" value="([^"]*)"', page).group(1)
    try:
        status, page = http(url + "names/save", data={"folder": folder, "base": base, "en.한결": "Han Kyeol"}, headers={"X-CSRF-Token": token})
        assert status == 200 and 'class="now">Han Kyeol<' in page  # after the redirect to /names
        assert staff.read_text(encoding="utf-8-sig").splitlines() == ["ko,en", "한결,Han Kyeol"]
        before = staff.read_bytes()
        status, _ = http(url + "names/save", data={"folder": folder, "base": base, "en.한결": "Other"}, headers={"X-CSRF-Token": token})
        assert status == 409 and staff.read_bytes() == before, "a stale page must not overwrite the list"
        status, _ = http(url + "names/save", data={"folder": folder, "base": base, "en.한결": "x"})
        assert status == 403
    finally:
        staff.unlink(missing_ok=True)


@pytest.mark.slow
def test_a_glossary_changed_while_the_desk_runs_is_used_on_the_next_page(desk_env):
    glossary = desk_env["inbox"] / "glossary.csv"
    before = glossary.read_bytes()
    try:
        assert '<mark class="term" title="glossary: district office">구청</mark>' not in http(desk_env["url"] + "a/village-bus")[1]
        glossary.write_bytes(before + "구청,district office,\n".encode("utf-8"))
        status, page = http(desk_env["url"] + "a/village-bus")
        assert status == 200 and '<mark class="term" title="glossary: district office">구청</mark>' in page
    finally:
        glossary.write_bytes(before)
