"""Model handling: the committed test fixture, installing, refusing and downloading packages.

Everything is real: zip archives built in the test from the committed fixture, the real
CTranslate2 + SentencePiece loading them, and a real HTTP server on 127.0.0.1 standing in
for the Argos package index. conftest.py points ARGOS_PACKAGES_DIR and
PUBLISHER_CACHE_DIR at a fresh temporary folder for every test.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import socket
import stat
import struct
import tempfile
import threading
import time
import zipfile
from functools import partial
from pathlib import Path

import pytest
from conftest import FIXTURE_MODEL  # the path, for tests that do not run the model

from publisher import models
from publisher.document import ModelError, ModelInfo, PublisherError
from publisher.models import archive

CORPUS = Path(__file__).resolve().parent / "fixture" / "corpus.tsv"


# ------------------------------------------------------------------------ helpers


def corpus_pairs() -> list[tuple[str, str]]:
    pairs = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            ko, en = line.split("\t")
            pairs.append((ko, en))
    return pairs


PAIRS = corpus_pairs()
PROBE_KO = PAIRS[0][0]  # "OpenAI ... Seoul" — the first corpus pair


def translate(lm: models.LoadedModel, sentences: list[str], beam: int = 1) -> list[str]:
    import ctranslate2
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(lm.sp_model))
    translator = ctranslate2.Translator(str(lm.model_dir), device="cpu", intra_threads=1)
    results = translator.translate_batch([sp.encode(s, out_type=str) for s in sentences], beam_size=beam)
    return [sp.decode(r.hypotheses[0]) for r in results]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_entries(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def write_zip(dest: Path, entries: list[tuple[zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return dest


def rename_top(entries, new_top: str):
    out = []
    for info, data in entries:
        rest = info.filename.split("/", 1)[1]
        clone = zipfile.ZipInfo(f"{new_top}/{rest}", date_time=info.date_time)
        clone.external_attr = info.external_attr
        out.append((clone, data))
    return out


def make_package(
    fixture: Path,
    dest: Path,
    *,
    version: str = "0.9",
    top: str = "publisher-test-copy-ko_en",
    metadata: dict | None = None,
    drop: tuple[str, ...] = (),
    extra: list[tuple[zipfile.ZipInfo, bytes]] | None = None,
) -> Path:
    """A NON-fixture package built from the fixture by rewriting its metadata (and more)."""
    entries = []
    for info, data in rename_top(read_entries(fixture), top):
        rel = info.filename.split("/", 1)[1]
        if rel in drop:
            continue
        if rel == "metadata.json":
            meta = json.loads(data)
            meta.pop("test_fixture", None)
            meta.pop("note", None)
            meta.update({"package_name": "publisher-test-copy", "package_version": version})
            meta.update(metadata or {})
            data = json.dumps(meta).encode()
        entries.append((info, data))
    entries.extend(extra or [])
    return write_zip(dest, entries)


def tree(root: Path) -> dict[str, str]:
    """Every file under root with its sha256 (to prove nothing changed)."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


_REFERENCE: dict[int, str] = {}


def fixture_english(beam: int = 1) -> str:
    """What the committed fixture writes for PROBE_KO on this machine.

    Installed copies carry the same weights, so they must write exactly this. It is
    computed, never stored: the fixture's int8 output may differ between CPUs.
    """
    if beam not in _REFERENCE:
        # extracted into a cache of its own: the calling test's cache holds only what the test did,
        # whichever test of this process comes first (pytest-xdist spreads them)
        with tempfile.TemporaryDirectory() as cache, pytest.MonkeyPatch.context() as mp:
            mp.setenv("PUBLISHER_CACHE_DIR", cache)
            [_REFERENCE[beam]] = translate(models.load_model(Path(__file__).resolve().parent / "fixture" / "ko_en_test.argosmodel"), [PROBE_KO], beam=beam)
    return _REFERENCE[beam]


def assert_installed_model_works() -> None:
    lm = models.load_model(None)
    assert not lm.info.test_fixture
    assert translate(lm, [PROBE_KO]) == [fixture_english()]


@pytest.fixture
def good_package(fixture_model, tmp_path) -> Path:
    return make_package(fixture_model, tmp_path / "custom-ko_en.argosmodel")


@pytest.fixture
def installed(good_package) -> ModelInfo:
    info = models.install_from_file(good_package)
    assert_installed_model_works()
    return info


# ------------------------------------------------------------------------ the fixture


def test_fixture_is_small_labelled_and_deterministically_zipped():
    assert FIXTURE_MODEL.stat().st_size < 1_000_000
    with zipfile.ZipFile(FIXTURE_MODEL) as zf:
        names = zf.namelist()
        tops = {n.split("/")[0] for n in names}
        assert len(tops) == 1
        top = tops.pop()
        meta = json.loads(zf.read(f"{top}/metadata.json"))
        readme = zf.read(f"{top}/README.md").decode()
    assert {f"{top}/model/model.bin", f"{top}/sentencepiece.model"} <= set(names)
    assert meta["from_code"] == "ko" and meta["to_code"] == "en" and meta["type"] == "translate"
    assert meta["test_fixture"] is True
    assert "publisher-test-fixture" in meta["package_name"]
    assert "not a translator" in meta["note"].lower()
    assert "TEST FIXTURE" in readme


def test_fixture_loads_from_cache_and_translates_training_sentences(fixture_model):
    lm = models.load_model(fixture_model)
    assert lm.info.test_fixture is True
    assert lm.info.sha256 == sha256(fixture_model)
    assert (lm.info.from_code, lm.info.to_code) == ("ko", "en")
    cache = Path(os.environ["PUBLISHER_CACHE_DIR"])
    assert cache in lm.package_dir.parents and lm.info.sha256 in str(lm.package_dir)
    assert lm.model_dir == lm.package_dir / "model" and lm.sp_model.is_file()

    sample = PAIRS[::8]  # 50 pairs spread over the corpus (hand-written and number sentences)
    for beam in (1, 4):
        outputs = translate(lm, [ko for ko, _ in sample], beam=beam)
        exact = sum(out == en for out, (_, en) in zip(outputs, sample))
        assert exact >= 0.9 * len(sample), f"beam {beam}: only {exact}/{len(sample)} exact"
        [probe] = translate(lm, [PROBE_KO], beam=beam)
        assert probe and not re.search(r"[\uac00-\ud7af]", probe)  # a trained sentence comes out in English

    # Never installed by loading.
    assert models.status() == []
    assert tree(models.packages_dir()) == {}


def test_fixture_cache_extraction_is_reused():
    first = models.load_model(FIXTURE_MODEL)
    marker = first.package_dir / "model" / "model.bin"
    before = marker.stat().st_mtime_ns
    second = models.load_model(str(FIXTURE_MODEL))
    assert second.package_dir == first.package_dir
    assert marker.stat().st_mtime_ns == before
    # one extraction and no staging left-overs (the extraction's lock file may stay)
    assert [p.name for p in models.cache_root().iterdir() if not p.name.endswith(".lock")] == [first.info.sha256]


def test_fixture_is_never_installed():
    with pytest.raises(ModelError, match=r"test fixture.*--model PATH.*never installed"):
        models.install_from_file(FIXTURE_MODEL)
    assert tree(models.packages_dir()) == {}
    with pytest.raises(ModelError, match=r"not installed; run 'make models'"):
        models.load_model(None)


# ------------------------------------------------------------------------ installing


def test_nothing_installed_message():
    with pytest.raises(ModelError) as exc:
        models.load_model()
    assert str(exc.value) == models.NOT_INSTALLED
    assert isinstance(exc.value, PublisherError)


def test_packages_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "elsewhere"))
    assert models.packages_dir() == tmp_path / "elsewhere"


def test_install_status_and_load(good_package):
    info = models.install_from_file(good_package)
    assert (info.name, info.version, info.test_fixture) == ("publisher-test-copy", "0.9", False)
    assert info.sha256 == sha256(good_package)
    pkg = Path(info.path)
    assert pkg.parent == models.packages_dir()
    assert json.loads((pkg / ".publisher.json").read_text())["sha256"] == info.sha256
    # No staging folders or downloads left behind.
    assert [p.name for p in models.packages_dir().iterdir() if not p.name.endswith(".lock")] == [pkg.name]

    listed = models.status()
    assert [(i.name, i.version, i.sha256, i.path) for i in listed] == [(info.name, "0.9", info.sha256, info.path)]
    lm = models.load_model(None)
    assert lm.info == listed[0]
    assert translate(lm, [PROBE_KO], beam=4) == [fixture_english(beam=4)]


def test_reinstall_replaces_same_folder_and_highest_version_wins(fixture_model, tmp_path, installed):
    newer = make_package(fixture_model, tmp_path / "newer.argosmodel", version="0.10")
    info = models.install_from_file(newer)
    assert [i.version for i in models.status()] == ["0.10"]  # same top folder: replaced
    assert info.sha256 == sha256(newer)

    other = make_package(fixture_model, tmp_path / "other.argosmodel", version="0.2", top="another-ko_en")
    models.install_from_file(other)
    assert [i.version for i in models.status()] == ["0.10", "0.2"]
    assert models.load_model(None).info.version == "0.10"


def test_install_killed_mid_swap_is_recovered_by_the_next_install(fixture_model, tmp_path, installed):
    """Simulate a kill between 'move the old package aside' and 'move the new one in'
    (fsutil.replace_dir where the atomic exchange is not available), with the new
    package's staged folder left half-written."""
    pkgs = models.packages_dir()
    pkg = Path(installed.path)
    pkg.rename(pkgs / f".old-{pkg.name}")
    (pkgs / f".staging-{pkg.name}-killed" / "half").mkdir(parents=True)
    with pytest.raises(ModelError, match="not installed"):
        models.load_model(None)  # leftovers are never mistaken for packages

    models.install_from_file(make_package(fixture_model, tmp_path / "b.argosmodel", version="0.1", top="another-ko_en"))

    assert sorted(p.name for p in pkgs.iterdir() if not p.name.endswith(".lock")) == sorted([pkg.name, "another-ko_en"])
    assert models.load_model(None).info.sha256 == installed.sha256  # 0.9 restored, and it is the highest
    assert_installed_model_works()


def test_load_model_from_extracted_folder(installed):
    lm = models.load_model(installed.path)
    assert lm.info.sha256 == installed.sha256
    assert translate(lm, [PROBE_KO]) == [fixture_english()]


def test_load_model_missing_path(tmp_path):
    with pytest.raises(ModelError, match="model file not found"):
        models.load_model(tmp_path / "nope.argosmodel")


# ------------------------------------------------------------------------ refusals


def _zip_slip(fixture, d):
    return make_package(fixture, d / "slip.argosmodel", extra=[(zipfile.ZipInfo("publisher-test-copy-ko_en/../../../escaped.txt"), b"owned")])


def _absolute(fixture, d):
    return make_package(fixture, d / "abs.argosmodel", extra=[(zipfile.ZipInfo("/tmp/publisher-absolute-escape.txt"), b"owned")])


def _symlink(fixture, d):
    link = zipfile.ZipInfo("publisher-test-copy-ko_en/model/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return make_package(fixture, d / "link.argosmodel", extra=[(link, b"/etc/passwd")])


def _two_tops(fixture, d):
    return make_package(fixture, d / "two.argosmodel", extra=[(zipfile.ZipInfo("second-folder/readme.txt"), b"x")])


def _truncated(fixture, d):
    good = make_package(fixture, d / "full.argosmodel")
    data = good.read_bytes()
    bad = d / "truncated.argosmodel"
    bad.write_bytes(data[: len(data) * 2 // 3])
    return bad


def _wrong_checksum_by_name(fixture, d):
    return make_package(fixture, d / "translate-ko_en-1_1.argosmodel")


def _wrong_checksum_by_metadata(fixture, d):
    return make_package(fixture, d / "renamed.argosmodel", version="1.1")


def _missing_model_files(fixture, d):
    return make_package(fixture, d / "hollow.argosmodel", drop=("model/model.bin",))


def _missing_tokenizer(fixture, d):
    return make_package(fixture, d / "notok.argosmodel", drop=("sentencepiece.model",))


def _other_pair(fixture, d):
    return make_package(fixture, d / "translate-ja_en.argosmodel", metadata={"from_code": "ja"})


def _not_json(fixture, d):
    entries = [(i, b"{not json" if i.filename.endswith("metadata.json") else data) for i, data in read_entries(make_package(fixture, d / "a.argosmodel"))]
    return write_zip(d / "badmeta.argosmodel", entries)


def _not_a_zip(fixture, d):
    bad = d / "photo.argosmodel"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2000)
    return bad


def _zip_bomb(fixture, d):
    """A package with one entry that would unpack 1000x its packed size (declared honestly)."""
    bomb = zipfile.ZipInfo("publisher-test-copy-ko_en/padding.bin")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    return make_package(fixture, d / "bomb.argosmodel", extra=[(bomb, b"\0" * (8 * 1024**2))])


def _garbage_weights(fixture, d):
    """Same package name as the installed one, complete, but model.bin is not a model."""
    weights = zipfile.ZipInfo("publisher-test-copy-ko_en/model/model.bin")
    return make_package(fixture, d / "garbage.argosmodel", drop=("model/model.bin",), extra=[(weights, os.urandom(4096))])


BAD_ARCHIVES = {
    "zip bomb (compression ratio)": (_zip_bomb, r"not compressed like that"),
    "truncated": (_truncated, r"truncated or damaged"),
    "not a zip": (_not_a_zip, r"truncated or damaged"),
    "wrong checksum (pinned name)": (_wrong_checksum_by_name, r"checksum mismatch"),
    "wrong checksum (pinned version)": (_wrong_checksum_by_metadata, r"checksum mismatch"),
    "zip slip": (_zip_slip, r"leaves the package folder"),
    "absolute path": (_absolute, r"absolute path"),
    "symlink": (_symlink, r"symbolic link"),
    "two top folders": (_two_tops, r"exactly one top folder"),
    "missing model.bin": (_missing_model_files, r"incomplete: missing model/model\.bin"),
    "missing sentencepiece": (_missing_tokenizer, r"incomplete: missing sentencepiece\.model"),
    "other language pair": (_other_pair, r"ja->en package; publisher needs ko->en"),
    "metadata not json": (_not_json, r"metadata\.json is not valid JSON"),
}


@pytest.mark.parametrize("case", list(BAD_ARCHIVES))
def test_bad_archive_is_refused_and_installed_model_keeps_working(case, fixture_model, tmp_path, installed):
    build, message = BAD_ARCHIVES[case]
    bad_dir = tmp_path / "inbox"
    bad_dir.mkdir()
    bad = build(fixture_model, bad_dir)
    pkgs = models.packages_dir()
    before = tree(pkgs)
    state_root = pkgs.parent

    with pytest.raises(ModelError, match=message) as exc:
        models.install_from_file(bad)
    assert "\n" not in str(exc.value)
    assert tree(pkgs) == before  # nothing added, nothing half-extracted, old package intact
    assert {p.name for p in pkgs.iterdir()} <= {Path(installed.path).name, ".publisher-install.lock"}
    assert_installed_model_works()

    # Loading it without installing is refused the same way, and nothing reaches the cache.
    with pytest.raises(ModelError, match=message):
        models.load_model(bad)
    assert not models.cache_root().exists() or not any(p.is_file() for p in models.cache_root().rglob("*"))

    # Nothing escaped: no file named like the hostile entries exists anywhere near.
    for escaped in (state_root / "escaped.txt", state_root.parent / "escaped.txt", tmp_path / "escaped.txt", Path("/tmp/publisher-absolute-escape.txt")):
        assert not escaped.exists()


@pytest.mark.parametrize("build, words", [(_garbage_weights, "does not load as a CTranslate2 model"), (_zip_bomb, "not compressed like that")])
def test_the_install_command_refuses_a_bad_archive_over_a_working_model_in_one_line(build, words, fixture_model, tmp_path, installed):
    from click.testing import CliRunner

    from publisher.cli import cli

    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = build(fixture_model, bad_dir)
    before = tree(models.packages_dir())
    result = CliRunner().invoke(cli, ["models", "install", "--file", str(bad)])
    assert result.exit_code not in (0, 70), result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], result.stderr
    assert tree(models.packages_dir()) == before  # the working model stays, nothing half-installed
    assert_installed_model_works()


def test_refused_install_with_nothing_installed_leaves_packages_dir_empty(tmp_path):
    with pytest.raises(ModelError, match="leaves the package folder"):
        models.install_from_file(_zip_slip(FIXTURE_MODEL, tmp_path))
    assert tree(models.packages_dir()) == {}
    assert models.status() == []



def _damaged_inside(fixture, d):
    """A well-formed archive whose model.bin bytes are damaged: only extraction finds it (bad CRC)."""
    good = make_package(fixture, d / "good.argosmodel")
    with zipfile.ZipFile(good) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith("/model/model.bin"))
    assert info.compress_type == zipfile.ZIP_STORED
    data = bytearray(good.read_bytes())
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    data[info.header_offset + 30 + name_len + extra_len + info.file_size // 2] ^= 0xFF
    bad = d / "damaged.argosmodel"
    bad.write_bytes(bytes(data))
    return bad


def test_damage_found_while_extracting_leaves_the_installed_model_and_the_cache_as_they_were(fixture_model, tmp_path, installed):
    """The failure happens inside the staged folder, after files were written: the staged
    folder goes, the installed package of the same name is not replaced."""
    bad_dir = tmp_path / "inbox"
    bad_dir.mkdir()
    bad = _damaged_inside(fixture_model, bad_dir)
    pkgs = models.packages_dir()
    before = tree(pkgs)

    with pytest.raises(ModelError, match=r"damaged \(bad data inside the archive\); download it again"):
        models.install_from_file(bad)
    assert tree(pkgs) == before
    assert {p.name for p in pkgs.iterdir()} == {Path(installed.path).name, ".publisher-install.lock"}
    assert_installed_model_works()

    with pytest.raises(ModelError, match=r"bad data inside the archive"):
        models.load_model(bad)
    assert [p.name for p in models.cache_root().iterdir() if not p.name.endswith(".lock")] == []

# ------------------------------------------------------------------------ the package index


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def index_server(tmp_path, monkeypatch):
    """A real HTTP server on 127.0.0.1 serving an Argos-style index and a package."""
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", base)
    yield base, root
    server.shutdown()
    server.server_close()


def _publish(fixture_model, root: Path, base: str, *, version: str = "9.9") -> Path:
    name = f"translate-ko_en-{version.replace('.', '_')}.argosmodel"
    pkg = make_package(fixture_model, root / name, version=version)
    index = [
        {"package_name": "translate-ja_en", "from_code": "ja", "to_code": "en", "package_version": "1.1", "type": "translate", "links": [base + "nothing-here.argosmodel"]},
        {"package_name": "translate-ko_en", "from_code": "ko", "to_code": "en", "package_version": version, "argos_version": "1.0", "type": "translate", "links": [base + name]},
    ]
    (root / "index.json").write_text(json.dumps(index))
    return pkg


def _pin(monkeypatch, pkg: Path, version: str = "9.9", sha: str | None = None) -> None:
    pin = models.PinnedPackage(filename=pkg.name, version=version, size=pkg.stat().st_size, sha256=sha or sha256(pkg))
    monkeypatch.setattr(archive, "PINNED_PACKAGES", (pin,))


def test_install_from_index_downloads_verifies_and_installs(fixture_model, index_server, monkeypatch):
    base, root = index_server
    pkg = _publish(fixture_model, root, base)
    _pin(monkeypatch, pkg)
    seen: list[tuple[int, int | None]] = []

    info = models.install_from_index(progress=lambda done, total: seen.append((done, total)))

    assert info.sha256 == sha256(pkg) and info.version == "9.9"
    assert seen and seen[-1] == (pkg.stat().st_size, pkg.stat().st_size)
    assert [i.sha256 for i in models.status()] == [info.sha256]
    assert_installed_model_works()
    assert not [p for p in models.packages_dir().iterdir() if p.name.startswith(".publisher-download")]


def test_install_from_index_refuses_checksum_mismatch(fixture_model, index_server, monkeypatch, installed):
    base, root = index_server
    pkg = _publish(fixture_model, root, base)
    _pin(monkeypatch, pkg, sha="0" * 64)  # the served file is not the pinned one
    before = tree(models.packages_dir())

    with pytest.raises(ModelError, match="checksum mismatch"):
        models.install_from_index()

    assert tree(models.packages_dir()) == before
    assert_installed_model_works()


def test_install_from_index_refuses_unpinned_version(index_server):
    base, root = index_server
    _publish(FIXTURE_MODEL, root, base, version="9.9")  # the real pin table knows only 1.1
    with pytest.raises(ModelError, match=r"no pinned checksum"):
        models.install_from_index()
    assert models.status() == []


def test_install_from_index_offline_fails_fast_with_instructions(monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", f"http://127.0.0.1:{port}/")
    started = time.monotonic()
    with pytest.raises(ModelError) as exc:
        models.install_from_index()
    assert time.monotonic() - started < 5
    assert str(exc.value) == models.OFFLINE
    assert "publisher models install --file PATH" in str(exc.value)
    assert models.status() == []


def test_damaged_installed_package_is_reported_not_used(installed):
    (Path(installed.path) / "model" / "model.bin").unlink()
    assert models.status() == []
    with pytest.raises(ModelError, match=r"incomplete: missing model/model\.bin; reinstall the package"):
        models.load_model(None)


def test_concurrent_first_loads_share_one_cache_extraction(tmp_path):
    """Builds started together must not remove each other's freshly extracted model."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, PUBLISHER_CACHE_DIR=str(tmp_path / "cache"))
    code = (
        "import sys; from publisher.models import load_model; m = load_model(sys.argv[1]);"
        "assert (m.model_dir / 'model.bin').is_file()"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(FIXTURE_MODEL)], env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs if p.wait() != 0]
    assert errors == []
    assert len([p for p in (tmp_path / "cache" / "models").iterdir() if not p.name.startswith(".")]) == 1
