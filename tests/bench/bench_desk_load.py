"""Cold first load of the desk: start `publisher desk` on a fresh inbox and a fresh cache,
then time the first GET / and the first GET of the article's review page.

    cd /tmp && PYTHONPATH=/path/to/worktree /path/to/worktree/.venv/bin/python /path/to/worktree/tests/bench/bench_desk_load.py [ARTICLE]

(run from outside the worktree, or the current directory's publisher/ shadows PYTHONPATH; the
first line printed says which publisher ran)

ARTICLE defaults to the shared article (/work/shared/articles/openai-seoul-office.ko.txt).
Prints: seconds until the desk listens, first GET /, first review page, second review page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FIXTURE_MODEL = REPO / "tests" / "fixture" / "ko_en_test.argosmodel"
SHARED = Path("/work/shared/articles/openai-seoul-office.ko.txt")


def get(url: str) -> tuple[float, str]:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as resp:
        body = resp.read().decode("utf-8")
    return time.perf_counter() - t, body


def main(article: Path) -> None:
    if not article.exists():
        print(f"skipped: {article} is not here (the shared article lives on team machines only)")
        return
    root = Path(tempfile.mkdtemp(prefix="bench-desk-"))
    try:
        inbox = root / "articles"
        inbox.mkdir()
        shutil.copy(article, inbox / article.name)
        env = {**os.environ, "PUBLISHER_CACHE_DIR": str(root / "cache"), "ARGOS_PACKAGES_DIR": str(root / "packages")}
        exe = [sys.executable, "-c", "from publisher.cli import main; main()"]
        cmd = [*exe, "desk", str(inbox), "-o", str(root / "out"), "--model", str(FIXTURE_MODEL), "--port", "0"]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root)  # PYTHONPATH decides which publisher runs
        found, lines = threading.Event(), []

        def reader():
            for line in proc.stdout:
                lines.append(line)
                if "http://" in line:
                    found.set()

        threading.Thread(target=reader, daemon=True).start()
        try:
            while not found.wait(0.5):
                if proc.poll() is not None or time.perf_counter() - t0 > 300:
                    raise SystemExit(f"no URL: {''.join(lines)} {proc.stderr.read()}")
            if False:
                raise SystemExit(f"no URL: {''.join(lines)} {proc.stderr.read()}")
            listening = time.perf_counter() - t0
            url = re.search(r"http://127\.0\.0\.1:\d+/", "".join(lines)).group(0)
            home, body = get(url)
            slug = re.search(r'href="/a/([^"]+)"', body).group(1)
            first, _ = get(url + "a/" + slug)
            second, _ = get(url + "a/" + slug)
            probe = "import publisher, sys; print(publisher.__file__)"
            which = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=root).stdout.strip()
            print(f"article: {article.name}; publisher from {which}")
            print(f"desk listening after start: {listening:.2f} s")
            print(f"first GET / (desk page):    {home:.2f} s")
            print(f"first review page:          {first:.2f} s")
            print(f"second review page:         {second:.2f} s")
        finally:
            proc.terminate()
            proc.wait(15)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED)
