"""Which apps are ASGI, which WSGI, which are factories: what every front relies on."""

from __future__ import annotations

from typing import Any

import pytest

from jobhook_testkit._app_loader import app_kind, resolve_app


async def bare(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
    pass


class AsgiObject:
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
        pass


class Asgi2:
    def __init__(self, scope: Any) -> None:  # pragma: no cover
        self.scope = scope

    async def __call__(self, receive: Any, send: Any) -> None:  # pragma: no cover
        pass


def asgi2_function(scope: Any) -> Any:  # pragma: no cover
    return bare


def wsgi(environ: Any, start_response: Any) -> list[bytes]:  # pragma: no cover
    return []


def _fastapi() -> Any:
    from fastapi import FastAPI

    return FastAPI()


def _starlette() -> Any:
    from starlette.applications import Starlette

    return Starlette()


def _django_asgi() -> Any:
    from django.core.handlers.asgi import ASGIHandler

    return ASGIHandler.__new__(ASGIHandler)  # no settings needed to tell its kind


def _flask() -> Any:
    from flask import Flask

    return Flask("x")


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda: bare, "asgi"),
        (AsgiObject, "asgi"),
        (_fastapi, "asgi"),
        (_starlette, "asgi"),
        (_django_asgi, "asgi"),
        (lambda: wsgi, "wsgi"),
        (_flask, "wsgi"),
    ],
    ids=["async-def", "async-call-object", "fastapi", "starlette", "django-asgi", "wsgi-function",
         "flask"],
)
def test_the_kind_of_an_app(make: Any, kind: str) -> None:
    assert app_kind(make()) == kind


@pytest.mark.parametrize("app", [Asgi2, asgi2_function], ids=["class", "function"])
def test_asgi2_apps_get_a_message_of_their_own(app: Any) -> None:
    with pytest.raises(TypeError, match=r"^is an ASGI 2 \(double-callable\) app: .*"
                       r"guarantee_single_callable\(app\)$"):
        app_kind(app)


def test_a_zero_argument_factory_is_called_and_its_product_judged() -> None:
    app, kind = resolve_app(_fastapi)
    assert kind == "asgi" and type(app).__name__ == "FastAPI"
    assert resolve_app(AsgiObject)[1] == "asgi"  # a class made without arguments
    assert resolve_app(bare) == (bare, "asgi")  # an app is not a factory
    assert resolve_app(wsgi) == (wsgi, "wsgi")

    with pytest.raises(TypeError, match=r"^what <lambda>\(\) returned is a int, not a WSGI or"):
        resolve_app(lambda: 42)
    with pytest.raises(TypeError, match=r"^the app is a str, not a WSGI or ASGI application"):
        resolve_app("http://example.com")
