"""Bad input, hostile files and faults: every case ends in a correct brief or one clear line.

Each case runs the real command (`publisher brief` with the test fixture model) on one
article in an inbox of its own, then checks the outcome it promises, that no traceback was
printed, that nothing half-written was left in ``out/`` and that no editor file changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURE_MODEL, REPO, wait_until
from publisher.cli import cli

# The fixture model runs here, but only what surrounds its English is asserted (encodings,
# escaping, file names, whole files): left out of the GENERIC pass (see the Makefile).
pytestmark = [pytest.mark.slow, pytest.mark.isa_neutral]

GOOD = (
    " date 2026-11-21 이미지 확대하기\n\n"
    '"시장이 직접 설명에 나섰다"\n\n'
    "글: 정다은 기자, daeun@example.com\n\n"
    "부산시가 새 항만 계획을 발표했습니다.계획에는 7억 원이 들어갑니다.시민들은 대체로 환영했습니다.\n"
)


def _run(tmp_path: Path, name: str, content: bytes | str, extra_files: dict[str, bytes] | None = None):
    inbox = tmp_path / "articles"
    inbox.mkdir(exist_ok=True)
    target = inbox / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    target.write_bytes(content)
    for fname, data in (extra_files or {}).items():
        (inbox / fname).write_bytes(data)
    before = _snapshot(inbox)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(target), "-o", str(out), "--model", str(FIXTURE_MODEL)])
    assert "Traceback" not in result.output + result.stderr
    assert _snapshot(inbox) == before, "an editor's file was changed"
    _assert_nothing_half_written(out)
    return result, out


def _snapshot(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def _assert_nothing_half_written(out: Path) -> None:
    if not out.exists():
        return
    for p in out.rglob("*"):
        if not p.is_file():
            continue
        assert not p.name.endswith(".tmp"), f"left-over temporary file {p}"
        data = p.read_bytes()
        if p.suffix == ".pdf":
            assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), p
        elif p.suffix == ".json":
            json.loads(data)
        elif p.suffix == ".html":
            assert data.rstrip().endswith(b"</html>"), p


def _error(result, *words):
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    err = [line for line in lines if line.startswith("Error: ")]
    assert err and all(line.startswith(("Error: ", "Warning: ")) for line in lines), result.stderr
    assert len(err) <= 2  # the article's own line, then the batch summary
    for w in words:
        assert w.lower() in result.stderr.lower(), result.stderr


def _brief(out: Path, slug: str) -> dict:
    return json.loads((out / slug / "brief.json").read_text(encoding="utf-8"))["data"]


def _all_text(brief: dict) -> str:
    return "".join(s["text"] for b in brief["article"]["blocks"] for s in b["segments"])


# ----------------------------------------------------------------------- refused inputs


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("empty.txt", b"", ["empty"]),
        ("blank.txt", b"  \n\t\r\n   \n", ["empty"]),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, ["binary"]),
        ("garbage.txt", bytes([0x80, 0xFF, 0xFE, 0x81, 0x00, 0x9F]) * 200, []),
        ("front.md", "---\ntitle: [unclosed\n  : : :\n---\n본문입니다.\n", ["front matter"]),
        ("nav.html", "<html><head><script>x()</script></head><body><nav>메뉴</nav></body></html>", ["article text"]),
    ],
    ids=lambda v: v if isinstance(v, str) and "." in v else None,
)
def test_unreadable_articles_are_refused_with_one_line(tmp_path, name, content, words):
    result, out = _run(tmp_path, name, content)
    _error(result, *words)
    assert not any(out.glob("*/brief.pdf"))


def test_a_huge_article_is_refused_before_any_work(tmp_path):
    result, out = _run(tmp_path, "huge.txt", ("가나다라마바사. " * 700_000)[: 10 * 1024 * 1024])
    _error(result, "MB")
    assert not any(out.glob("*/brief.pdf"))


def test_a_symlink_to_a_file_outside_the_inbox_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("비밀 문서입니다.", encoding="utf-8")
    inbox = tmp_path / "articles"
    inbox.mkdir()
    (inbox / "link.txt").symlink_to(secret)
    result = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(tmp_path / "out"), "--model", str(FIXTURE_MODEL)])
    _error(result, "outside")
    assert not (tmp_path / "out" / "link").exists()


def test_a_read_only_output_directory_is_one_line(tmp_path):
    if os.geteuid() == 0:
        # root ignores permission bits; an unwritable place for root is a path under a file
        out = tmp_path / "file-not-dir"
        out.write_text("x")
        out = out / "out"
    else:
        out = tmp_path / "out"
        out.mkdir()
        out.chmod(0o500)
    inbox = tmp_path / "articles"
    inbox.mkdir()
    (inbox / "a.txt").write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL)])
    _error(result, str(out))


# ------------------------------------------------------------- inputs that make a brief


def _ok(result, out, slug):
    assert result.exit_code == 0, result.stderr
    assert (out / slug / "brief.pdf").exists()
    return _brief(out, slug)


@pytest.mark.fixture_model
def test_cp949_article(tmp_path):
    result, out = _run(tmp_path, "legacy.txt", GOOD.encode("cp949"))
    assert "부산시가 새 항만 계획을 발표했습니다." in _all_text(_ok(result, out, "legacy"))


@pytest.mark.fixture_model
def test_utf16_article_with_bom(tmp_path):
    result, out = _run(tmp_path, "wide.txt", GOOD.encode("utf-16"))
    assert "시민들은 대체로 환영했습니다." in _all_text(_ok(result, out, "wide"))


@pytest.mark.fixture_model
def test_utf8_bom_and_crlf(tmp_path):
    result, out = _run(tmp_path, "bom.txt", b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    assert "\r" not in _all_text(_ok(result, out, "bom"))


@pytest.mark.fixture_model
def test_nfd_hangul_is_normalised(tmp_path):
    result, out = _run(tmp_path, "mac.txt", unicodedata.normalize("NFD", GOOD))
    text = _all_text(_ok(result, out, "mac"))
    assert "부산시가" in text and unicodedata.is_normalized("NFC", text)


@pytest.mark.fixture_model
def test_zero_width_characters_are_removed(tmp_path):
    result, out = _run(tmp_path, "zw.txt", GOOD.replace("부산시가", "부\u200b산\u200d시\ufeff가"))
    assert "부산시가" in _all_text(_ok(result, out, "zw"))


@pytest.mark.stress  # ten thousand words in one sentence: a size stress, not in make test-fast
@pytest.mark.fixture_model
def test_a_50000_character_sentence(tmp_path):
    long = "아주 긴 문장이 " + "계속되고 " * 10_000 + "끝납니다."
    assert len(long) >= 50_000
    result, out = _run(tmp_path, "long.txt", GOOD + long + "\n")
    brief = _ok(result, out, "long")
    assert "".join(_all_text(brief).split()).count("계속되고") == 10_000


@pytest.mark.parametrize(
    "payload",
    ["<script>window.__pwned=1</script>", '<img src=x onerror="window.__pwned=1">', '<a href="javascript:alert(1)">링크</a>'],
)
@pytest.mark.fixture_model
def test_markup_in_the_text_is_escaped(tmp_path, payload):
    result, out = _run(tmp_path, "xss.txt", GOOD + f"이 문장에는 {payload} 표시가 있습니다.\n")
    _ok(result, out, "xss")
    for page in ("brief.html", "editor.html"):
        html = (out / "xss" / page).read_text(encoding="utf-8")
        assert payload not in html
        assert "window.__pwned" in html or "javascript:" in html  # shown, escaped
    index = (out / "index.html").read_text(encoding="utf-8")
    assert payload not in index


@pytest.mark.fixture_model
def test_template_syntax_in_the_text_prints_literally(tmp_path):
    result, out = _run(tmp_path, "tpl.txt", GOOD + "수식 {{ 7*7 }} 과 {% raw %} 표시가 그대로 보입니다.\n")
    _ok(result, out, "tpl")
    html = (out / "tpl" / "brief.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in html and "{% raw %}" in html
    assert ">49<" not in html


@pytest.mark.fixture_model
def test_a_footnote_reference_without_definition_is_reported(tmp_path):
    result, out = _run(tmp_path, "fn.txt", GOOD + "정의가 없는 각주[9]가 있습니다.\n")
    brief = _ok(result, out, "fn")
    assert any("[9]" in n or "9" in n for n in brief["article"]["notes"])


@pytest.mark.fixture_model
def test_duplicate_footnote_numbers_are_reported(tmp_path):
    text = "[1] 첫 정의입니다.\n\n[1] 같은 번호의 두 번째 정의입니다.\n\n" + GOOD + "각주[1]를 봅니다.\n"
    result, out = _run(tmp_path, "dup.txt", text)
    brief = _ok(result, out, "dup")
    assert any("duplicate" in n.lower() for n in brief["article"]["notes"])
    assert "두 번째 정의" in _all_text(brief)  # nothing lost


@pytest.mark.fixture_model
def test_an_unclosed_caption_is_kept_as_text(tmp_path):
    result, out = _run(tmp_path, "cap.txt", GOOD + "\n<닫히지 않은 사진 설명입니다\n")
    brief = _ok(result, out, "cap")
    assert "닫히지 않은 사진 설명입니다" in _all_text(brief)


@pytest.mark.parametrize(
    "title, name",
    [("../../etc/passwd", "t1.md"), ("/absolute/path", "t2.md"), ("nul\x00byte", "t3.md")],
)
@pytest.mark.fixture_model
def test_a_hostile_title_cannot_escape_out(tmp_path, title, name):
    fm = json.dumps(title.replace("\x00", "\\0"))
    result, out = _run(tmp_path, name, f"---\ntitle: {fm}\n---\n{GOOD}")
    assert result.exit_code == 0, result.stderr
    written = [p.resolve() for p in out.rglob("*")]
    assert all(str(p).startswith(str(out.resolve())) for p in written)
    assert not (tmp_path / "etc").exists()


@pytest.mark.fixture_model
def test_a_hostile_file_name_cannot_escape_out(tmp_path):
    result, out = _run(tmp_path, "..한글 & <b>.txt", GOOD)
    assert result.exit_code == 0, result.stderr
    assert all(str(p.resolve()).startswith(str(out.resolve())) for p in out.rglob("*"))


# ------------------------------------------------------------------------------ faults


# A build of articles/ changes 14 (with --force over a finished one) to 29 (into an empty out/) files
# and folders in out/, the first being its lock: a kill lands from just after the lock to past the end.
WRITES_PER_BUILD = 16


def _entries(out: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file and folder under out/, as far as a build in progress lets it be read."""
    found = {}
    for folder, dirs, files in os.walk(out):
        for name in dirs + files:
            try:
                st = os.lstat(os.path.join(folder, name))
            except OSError:  # renamed or removed by the build meanwhile
                continue
            found[os.path.join(folder, name)] = (st.st_mtime_ns, st.st_size)
    return found


@pytest.mark.stress
@pytest.mark.fixture_model
def test_kill_during_builds_never_leaves_a_truncated_output(tmp_path):
    """SIGKILL the build at random moments; out/ holds only whole files; the next run completes."""
    inbox = tmp_path / "articles"
    inbox.mkdir()
    for p in (REPO / "articles").iterdir():
        if p.suffix in (".txt", ".md"):
            (inbox / p.name).write_bytes(p.read_bytes())
    out = tmp_path / "out"
    exe = str(Path(sys.executable).with_name("publisher"))
    cmd = [exe, "brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL), "--force"]
    rng = random.Random(20261128)
    for _ in range(3):  # three moments of the seeded random ones; each round is a whole --force build
        before = _entries(out)
        writes = rng.randint(1, WRITES_PER_BUILD)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # a random moment of its writing: once that many files and folders in out/ are new or changed
        wait_until(lambda: proc.poll() is not None or len(_entries(out).items() - before.items()) >= writes, 600, f"{writes} writes into out/")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for p in out.rglob("*"):
            if p.is_file() and not p.name.endswith(".tmp") and not p.name.startswith("."):
                data = p.read_bytes()
                if p.suffix == ".pdf":
                    assert data.rstrip().endswith(b"%%EOF"), p
                elif p.suffix == ".json":
                    json.loads(data)
                elif p.suffix == ".html":
                    assert data.rstrip().endswith(b"</html>"), p
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    _assert_nothing_half_written(out)


@pytest.mark.fixture_model
def test_the_whole_pipeline_runs_in_a_network_namespace_with_no_interfaces(tmp_path):
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("unshare --net needs root (CI runs as root); the in-process socket-blocked test covers this here")
    inbox = tmp_path / "articles"
    inbox.mkdir()
    (inbox / "a.txt").write_text(GOOD, encoding="utf-8")
    exe = str(Path(sys.executable).with_name("publisher"))
    done = subprocess.run(
        ["unshare", "--net", exe, "brief", str(inbox), "-o", str(tmp_path / "out"), "--model", str(FIXTURE_MODEL)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "a" / "brief.pdf").exists()
