"""``/downloads``: the files ``ecokg build`` writes into the ``dist`` folder (dumps, VoID, checksums)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from ecokg.rdf.formats import media_type_of_file
from ecokg.web.context import ctx
from ecokg.web.pages import _page

bp = Blueprint("downloads", __name__)

HINT = "Run `ecokg build` to write the dumps into the dist folder ({dist})."

def content_type(name: str) -> str | None:
    """The Content-Type of a built file, from the one format table (by its name or last suffix)."""
    media = media_type_of_file(name)
    if media is None:
        return None
    return media if media.startswith("application/gzip") or media.endswith("zip") else f"{media}; charset=utf-8"


def _dist() -> Path:
    return Path(ctx().settings.dist)


def _checksums(dist: Path) -> dict[str, str]:
    sums = dist / "SHA256SUMS"
    out: dict[str, str] = {}
    if sums.is_file():
        for line in sums.read_text(errors="replace").splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2:
                out[parts[1].lstrip("*").strip()] = parts[0]
    return out


def _servable(name: str) -> bool:
    """Top-level files only: not the on-disk store (``store/``), not hidden files."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _files(dist: Path) -> list[dict]:
    if not dist.is_dir():
        return []
    sums = _checksums(dist)
    out = []
    for p in sorted(dist.iterdir()):
        if not p.is_file() or not _servable(p.name):
            continue
        rel = p.name
        st = p.stat()
        out.append({"name": rel, "size": st.st_size, "sha256": sums.get(rel),
                    "modified": datetime.fromtimestamp(st.st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")})
    return out


@bp.app_context_processor
def _built_files():
    """``built(name)`` in every template: whether the build folder holds that file (pages link the tables only
    when they are there)."""
    return {"built": lambda name: _servable(name) and (_dist() / name).is_file()}


@bp.get("/downloads")
@bp.get("/downloads/")
def index():
    dist = _dist()
    files = _files(dist)
    return _page("downloads.html", files=files, hint=HINT.format(dist=dist))


@bp.get("/downloads/<path:name>")
def file(name: str):
    dist = _dist()
    if not _servable(name) or safe_join(str(dist), name) is None:  # "..", sub-folders, absolute paths
        return Response("404 Not Found: no such file.\n", status=404, content_type="text/plain; charset=utf-8")
    if not dist.is_dir():
        return Response(f"404 Not Found: nothing has been built yet. {HINT.format(dist=dist)}\n", status=404,
                        content_type="text/plain; charset=utf-8")
    try:
        resp = send_from_directory(dist.resolve(), name, conditional=True, etag=True, max_age=300)
    except NotFound:
        return Response(f"404 Not Found: no file {name!r} in the build. {HINT.format(dist=dist)}\n", status=404,
                        content_type="text/plain; charset=utf-8")
    ctype = content_type(name)
    if ctype:
        resp.headers["Content-Type"] = ctype
    if name == "SHA256SUMS":
        resp.headers["Content-Type"] = "text/plain; charset=utf-8"
    return resp
