"""Image transfer routes: commit, save, load, search, push, distribution."""

from __future__ import annotations

from werkzeug.wrappers import Response

from ..routing import Router

router = Router()
