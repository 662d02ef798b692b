"""The service's HTTP API (FastAPI): request models, routes, and the gate in front of them.

The gate (:class:`Gate`, plain ASGI) runs before any route reads a byte of the body: the
bearer token (401), its scope for the route (403), the per-token rate limit (429), then the
body limit on ``Content-Length`` and again while the body streams in (413). The routes only
write into the inbox (a file name the service derives) and the queue; the build runs on the
worker, so accepting an article never waits on translation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, Header, HTTPException, Path as PathParam, Query, Request, Security
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import __version__
from ..document import PublisherError
from ..urls import BadURL, check_http_url
from .inbox import SlugTaken, Submission, check_slug, derive_slug
from .queue import SUBMIT, TAKEDOWN, DuplicateKey

log = logging.getLogger(__name__)

SLUG_PATTERN = r"^[a-z0-9\uac00-\ud7a3]+(?:-[a-z0-9\uac00-\ud7a3]+)*$"


# -------------------------------------------------------------------- request and answer models


class ArticleIn(BaseModel):
    """A Korean article from the CMS."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=500, description="The Korean title.")
    body: str = Field(min_length=1, description="The article text: plain text (one paragraph per line) or HTML, as `format` says.")
    format: Literal["text", "html"] = Field("text", description="What `body` is.")
    date: dt.date | None = Field(None, description="Publication date, YYYY-MM-DD.")
    byline: str | None = Field(None, max_length=200, description="The author's name.")
    source_url: str | None = Field(None, max_length=2000, description="The article's address on the Korean site.")
    slug: str | None = Field(None, max_length=80, description="The brief's folder name; default: derived from source_url (or the title and date).")

    @field_validator("source_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value:
            try:
                check_http_url(value)
            except BadURL as exc:
                raise ValueError(str(exc)) from None
        return value or None

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        return check_slug(value) if value else None

    @field_validator("title", "byline")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return " ".join(value.split()) if value else value


class Accepted(BaseModel):
    job: str = Field(description="The job id: GET /api/v1/jobs/{job}")
    slug: str
    url: str = Field(description="Where the brief will be published")
    state: str


class JobOut(BaseModel):
    id: str
    kind: str
    slug: str | None
    state: Literal["queued", "running", "published", "failed"]
    reason: str | None
    attempts: int
    created: str
    updated: str
    build: int | None


class BriefOut(BaseModel):
    slug: str
    title: str | None
    date: str | None
    url: str
    published: str


# -------------------------------------------------------------------- the gate


def _scope_for(method: str, path: str) -> str | None:
    if path.startswith("/api/v1/articles"):
        return {"POST": "submit", "PUT": "submit", "DELETE": "takedown"}.get(method, "read")
    if path.startswith("/api/v1/poll"):
        return "submit"
    return "read"


class Gate:
    """Token, scope, rate limit and body size, checked in that order before the app runs."""

    def __init__(self, app, service):
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        try:
            return await self._gate(scope, receive, send)
        finally:
            self.service.metrics.api_seconds.labels(scope["method"]).observe(time.perf_counter() - started)

    async def _gate(self, scope, receive, send):
        svc = self.service
        headers = {k.lower(): v for k, v in scope["headers"]}
        token = svc.tokens.check(headers.get(b"authorization", b"").decode("latin-1"))
        if token is None:
            return await self._refuse(send, receive, 401, "a valid API token is needed: Authorization: Bearer <token> ('publisher service token add')",
                                      {"www-authenticate": "Bearer"})
        need = _scope_for(scope["method"], scope["path"])
        if need not in token.scopes:
            return await self._refuse(send, receive, 403, f"the token {token.name!r} lacks the scope {need!r}")
        wait = svc.limiter.allow(token.name)
        if wait:
            return await self._refuse(send, receive, 429, "too many requests for this token; slow down", {"retry-after": str(max(1, round(wait)))})
        limit = svc.max_body
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            return await self._refuse(send, receive, 400, "bad Content-Length")
        if declared > limit:
            return await self._refuse(send, receive, 413, f"the body is larger than {limit} bytes")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                return await self._refuse(send, receive, 413, f"the body is larger than {limit} bytes")
            chunks.append(body)
            if not message.get("more_body"):
                break
        whole = b"".join(chunks)
        scope.setdefault("state", {})["token"] = token.name
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    async def _refuse(self, send, receive, status: int, detail: str, extra: dict | None = None) -> None:
        self.service.metrics.refused(status)
        log.info("refused %d: %s", status, detail)
        if status == 413:  # read (and drop) what the client is still sending, so it hears the answer
            drained = 0
            while drained < 8 * self.service.max_body:
                message = await receive()
                if message["type"] != "http.request":
                    break
                drained += len(message.get("body", b""))
                if not message.get("more_body"):
                    break
        body = json.dumps({"detail": detail}).encode("utf-8")
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
        if status == 413:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


# -------------------------------------------------------------------- the app


def _offline_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs with Swagger UI's files from the swagger-ui-bundle package, so
    that it works where the service runs: a newsroom's server with no way out to a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="publisher service: API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js", swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


def create_app(service) -> FastAPI:
    app = FastAPI(
        title="publisher service",
        version=__version__,
        summary="Korean articles in, bilingual English briefs out: submit, follow, take down.",
        docs_url=None,  # served below from the packaged Swagger UI: the default page loads it from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    _offline_docs(app)
    bearer = HTTPBearer(auto_error=False, description="A token from 'publisher service token add NAME --scope ...'")
    auth = [Security(bearer)]  # the gate checks the token; this names it in the OpenAPI schema

    @app.post("/api/v1/articles", status_code=202, response_model=Accepted, dependencies=auth, tags=["articles"],
              responses={409: {"description": "The slug belongs to an editor's file, or the Idempotency-Key was used for another request"}})
    def submit(article: ArticleIn, request: Request,
               idempotency_key: str | None = Header(None, max_length=200, description="A retried POST with the same key gets the first answer")):
        """Queue a Korean article for publication; answers at once (202), before any translation."""
        owner = request.scope["state"]["token"]
        digest = hashlib.sha256(article.model_dump_json().encode("utf-8")).hexdigest()
        sub = Submission(
            title=article.title, body=article.body, format=article.format, date=article.date.isoformat() if article.date else None,
            byline=article.byline, source_url=article.source_url, slug=article.slug,
        )
        try:
            slug = derive_slug(sub)
        except ValueError as exc:  # (a client slug was checked by the model already)
            raise HTTPException(422, str(exc)) from None
        with service.inbox.lock(slug):
            if idempotency_key:
                stored = service.queue.answer(owner, idempotency_key)
                if stored is not None:
                    return _replay(stored, digest)
            try:
                path = service.inbox.write(sub, slug)
            except SlugTaken as exc:
                raise HTTPException(409, str(exc)) from None
            except PublisherError as exc:
                raise HTTPException(503, str(exc)) from None

            def answer(job):
                return 202, Accepted(job=job.id, slug=slug, url=service.brief_url(slug), state=job.state).model_dump()

            try:
                job = service.queue.add(SUBMIT, slug, idempotency=(owner, idempotency_key, digest) if idempotency_key else None, answer=answer)
            except DuplicateKey:  # the same key, sent at the same moment with another article
                return _replay(service.queue.answer(owner, idempotency_key), digest)
        service.worker.wake.set()
        log.info("accepted job %s: %s -> %s", job.id, path.name, slug)
        return JSONResponse(answer(job)[1], status_code=202)

    @app.delete("/api/v1/articles/{slug}", status_code=202, response_model=Accepted, dependencies=auth, tags=["articles"])
    def takedown(slug: str = PathParam(max_length=80, pattern=SLUG_PATTERN)):
        """Take an article down: its file leaves the inbox, its brief leaves out/, the index and the feed."""
        with service.inbox.lock(slug):
            removed = service.inbox.remove(slug)
            if not removed and not (service.out_dir / slug / "brief.json").is_file():
                raise HTTPException(404, f"no article or brief with the slug {slug!r}")
            job = service.queue.add(TAKEDOWN, slug)
        service.worker.wake.set()
        log.info("takedown job %s: %s (%d file(s) left the inbox)", job.id, slug, len(removed))
        return JSONResponse(Accepted(job=job.id, slug=slug, url=service.brief_url(slug), state=job.state).model_dump(), status_code=202)

    @app.get("/api/v1/jobs/{job_id}", response_model=JobOut, dependencies=auth, tags=["jobs"])
    def job(job_id: str = PathParam(max_length=64, pattern=r"^[0-9a-f]+$")):
        """A job's state: queued, running, published, or failed with the reason."""
        found = service.queue.get(job_id)
        if found is None:
            raise HTTPException(404, f"no job {job_id}")
        return found.as_dict()

    @app.get("/api/v1/briefs", response_model=list[BriefOut], dependencies=auth, tags=["briefs"])
    def briefs(since: dt.datetime | dt.date | None = Query(None, description="Only briefs published at or after this time (ISO 8601)")):
        """The published briefs, newest first."""
        return service.list_briefs(since)

    @app.post("/api/v1/poll", dependencies=auth, tags=["feeds"])
    def poll():
        """Run a poll of the configured feeds now (each feed is still asked at most once per its interval)."""
        return service.poll_now()

    @app.get("/healthz", tags=["operations"])
    def healthz():
        """200 while the service runs: the queue depth and the last build."""
        return {"status": "ok", "queue_depth": service.queue.depth(), "building": service.worker.busy, "last_build": service.queue.last_build()}

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics():
        """Prometheus text format."""
        from .metrics import CONTENT_TYPE

        return Response(service.metrics.text(), media_type=CONTENT_TYPE)

    return app


def _replay(stored, digest: str) -> JSONResponse:
    """The first answer to this Idempotency-Key, if it was for the same article."""
    first_digest, status, body = stored
    if first_digest != digest:
        raise HTTPException(409, "this Idempotency-Key was used for a different article")
    return JSONResponse(body, status_code=status, headers={"idempotent-replay": "true"})


def brief_entries(out_dir: Path, since, url_for) -> list[dict]:
    """Every published brief under ``out_dir`` (from its brief.json), newest first."""
    if isinstance(since, dt.datetime) and since.tzinfo is None:
        since = since.replace(tzinfo=dt.timezone.utc)
    elif isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = dt.datetime(since.year, since.month, since.day, tzinfo=dt.timezone.utc)
    rows = []
    try:
        folders = [p for p in out_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []
    for folder in folders:
        doc = folder / "brief.json"
        try:
            stamp = dt.datetime.fromtimestamp(doc.stat().st_mtime, dt.timezone.utc)
            if since is not None and stamp < since:
                continue
            data = json.loads(doc.read_text(encoding="utf-8"))["data"]
        except (OSError, ValueError, KeyError):
            continue
        article = data.get("article", {})
        rows.append({"slug": folder.name, "title": _title(article), "date": article.get("date"), "url": url_for(folder.name),
                     "published": stamp.strftime("%Y-%m-%dT%H:%M:%SZ")})
    rows.sort(key=lambda r: (r["published"], r["slug"]), reverse=True)
    return rows


def _title(article: dict) -> str | None:
    if article.get("title"):
        return article["title"]
    blocks = article.get("blocks") or []
    return blocks[0].get("text") if blocks and blocks[0].get("kind") == "title" else None
