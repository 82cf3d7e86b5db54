"""Exit bundle API: exports, imports, status and download."""

from ninja import Router

router = Router(tags=["portability"])
