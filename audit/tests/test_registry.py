"""Every URL the app serves is classified: it writes the read log, or it is exempt (with a
reason), or it is a known gap. A new view in none of them fails here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from audit import registry
from tests.permission_matrix import MATRIX


def _url_names(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def test_every_url_name_is_classified_once():
    served = set(_url_names())
    recorded, exempt, gaps = set(registry.RECORDED), set(registry.EXEMPT), set(registry.NOT_YET)
    assert not recorded & exempt and not recorded & gaps and not exempt & gaps
    assert served - (recorded | exempt | gaps) == set(), "classify these in audit/registry.py"
    assert (recorded | exempt | gaps) - served == set(), "gone: remove from audit/registry.py"


def test_views_exempt_as_writes_answer_no_get():
    """A view exempt because it only writes must not also show something on GET."""
    writes = {n for n, reason in registry.EXEMPT.items() if reason.startswith("a write")}
    shown = {name for (name, method) in MATRIX if method == "GET"}
    assert writes & shown == set()
