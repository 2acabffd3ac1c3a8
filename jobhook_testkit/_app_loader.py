"""Import a WSGI or ASGI app from ``MODULE:ATTR`` the way ``flask --app`` and ``uvicorn`` do,
and tell which kind an app is (:func:`app_kind`), so that every front serves it rightly.

* ``MODULE`` is a dotted module name (found from the current directory, which goes on
  the import path) or a file path ending in ``.py`` (its package root goes on the path);
* ``ATTR`` names the app or a zero-argument factory (``create_app``); ``ATTR()`` also
  works. Without ``ATTR``: ``app``, ``application``, then ``create_app``, ``make_app``.

Every failure is an :class:`AppLoadError` whose message is one clear line.

An ASGI 3 app is a coroutine function ``app(scope, receive, send)`` or an object whose
``__call__`` is one (FastAPI, Starlette, Quart, Django's ``get_asgi_application()``). Any
other callable is taken for a WSGI app (WSGI has no marker), except the ASGI 2
"double-callable" form, ``app(scope)`` returning the coroutine function, which gets a
message of its own.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from jobhook_testkit.server import LiveServer

__all__ = ["AppLoadError", "LifespanError", "app_kind", "load_app", "resolve_app", "start_server"]

AppKind = Literal["wsgi", "asgi"]

_APP_NAMES = ("app", "application")
_FACTORY_NAMES = ("create_app", "make_app")


class AppLoadError(Exception):
    """The app could not be loaded; the message says why in one line."""


class LifespanError(RuntimeError):
    """An ASGI app's lifespan startup or shutdown failed; the message says how."""


def _module_name(module: str, cwd: Path) -> tuple[str, Path | None]:
    """Put the right directory on ``sys.path``; return the name to import and its file."""
    if module.endswith(".py") or "/" in module or os.sep in module:
        path = (cwd / module).resolve()
        if path.suffix != ".py":
            path = path.with_suffix(".py") if not path.is_dir() else path / "__init__.py"
        if not path.is_file():
            raise AppLoadError(f"no such file: {module}")
        names = [] if path.name == "__init__.py" else [path.stem]
        directory = path.parent
        while (directory / "__init__.py").is_file():
            names.insert(0, directory.name)
            directory = directory.parent
        root = str(directory)
        if not names:
            raise AppLoadError(f"cannot import {module}: not inside a package")
        expected: Path | None = path
    else:
        root = str(cwd)
        names = [module]
        expected = None
    if root not in sys.path:
        sys.path.insert(0, root)
    return ".".join(names), expected


def _check_origin(module: Any, expected: Path | None, spec: str) -> None:
    """A file named like a module already imported (json.py...) must not load that one."""
    origin = getattr(module, "__file__", None)
    if expected is None or origin is None or Path(origin).resolve() == expected:
        return
    raise AppLoadError(
        f"{spec!r}: importing it as {module.__name__!r} gave {origin} instead (a module "
        f"of that name was already imported); rename {expected.name}"
    )


def _import(name: str, spec: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise AppLoadError(
                f"cannot import {name!r} (from {spec!r}): no module named {exc.name!r}; "
                "run from the directory that holds it, or give a path to the .py file"
            ) from None
        raise AppLoadError(f"importing {name!r} failed: {exc}") from None
    except SystemExit as exc:  # exit codes are ours to give: 2, with the reason
        raise AppLoadError(f"importing {name!r} called {_exit_call(exc)}") from None
    except Exception as exc:
        raise AppLoadError(
            f"importing {name!r} raised {type(exc).__name__}: {exc}"
        ) from None


def _exit_call(exc: SystemExit) -> str:
    return "sys.exit()" if exc.code is None else f"sys.exit({exc.code!r})"


def _is_asgi(obj: Any) -> bool:
    """An ASGI 3 application: ``await app(scope, receive, send)``."""
    if inspect.isclass(obj):  # instances made by (scope, receive, send) and awaited
        return hasattr(obj, "__await__")
    if inspect.iscoroutinefunction(obj):
        return True
    call = inspect.getattr_static(type(obj), "__call__", None)
    return callable(obj) and inspect.iscoroutinefunction(call)


def _is_asgi2(obj: Any) -> bool:
    """An ASGI 2 "double callable": ``app(scope)`` gives ``await instance(receive, send)``."""
    if inspect.isclass(obj):  # instances are called (receive, send), not (scope, ...)
        call = inspect.getattr_static(obj, "__call__", None)
        if not inspect.iscoroutinefunction(call):
            return False
        try:
            return len(inspect.signature(call).parameters) == 3  # self, receive, send
        except (TypeError, ValueError):
            return False
    if not inspect.isfunction(obj):
        return False
    names = list(inspect.signature(obj).parameters)
    return names == ["scope"]


ASGI2_MESSAGE = (
    "is an ASGI 2 (double-callable) app: app(scope) returning a coroutine; ASGI 3 is "
    "needed. Wrap it: asgiref.compatibility.guarantee_single_callable(app)"
)


def app_kind(obj: Any) -> AppKind:
    """``"asgi"`` for an ASGI 3 app, ``"wsgi"`` for any other callable.

    Raises ``TypeError`` (the message continues the object's name: ``"'x' " + message``)
    for an ASGI 2 app or something that is not callable at all.
    """
    if _is_asgi(obj):
        return "asgi"
    if _is_asgi2(obj):
        raise TypeError(ASGI2_MESSAGE)
    if not callable(obj) or isinstance(obj, str | bytes):
        raise TypeError(f"is a {type(obj).__name__}, not a WSGI or ASGI application")
    return "wsgi"


def _is_factory(obj: Any) -> bool:
    """A zero-argument callable that makes the app (``create_app``, an app class)."""
    if _is_asgi(obj) or _is_asgi2(obj):
        return False
    if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismethod(obj)):
        return False
    try:
        inspect.signature(obj).bind()
    except TypeError:
        return False  # it needs arguments: a WSGI function (environ, start_response)
    except ValueError:  # no signature to inspect (a builtin class): call it to see
        return inspect.isclass(obj)
    return True


def resolve_app(obj: Any) -> tuple[Any, AppKind]:
    """The app ``obj`` is, or makes when it is a zero-argument factory, and its kind.

    Raises ``TypeError`` for what cannot be served (one line; see :func:`app_kind`). What
    a factory raises propagates.
    """
    if _is_factory(obj):
        made = obj()
        try:
            return made, app_kind(made)
        except TypeError as exc:
            name = getattr(obj, "__name__", "the factory")
            raise TypeError(f"what {name}() returned {exc}") from None
    try:
        return obj, app_kind(obj)
    except TypeError as exc:
        raise TypeError(f"the app {exc}") from None


def start_server(app: Any) -> LiveServer:
    """Serve ``app`` (WSGI, ASGI, or a zero-argument factory of either) on an ephemeral
    127.0.0.1 port: Werkzeug for WSGI, uvicorn for ASGI (lifespan included). Started."""
    if not callable(app) or isinstance(app, str | bytes):
        raise TypeError(
            "target must be a URL or a WSGI or ASGI application (or a zero-argument "
            f"factory of one), got {type(app).__name__}"
        )
    app, kind = resolve_app(app)
    if kind == "asgi":
        from jobhook_testkit._asgi_server import AsgiLiveServer

        return AsgiLiveServer(app).start()
    from jobhook_testkit.server import LiveServer

    return LiveServer(app).start()


def _needs_arguments(obj: Any) -> bool:
    try:
        inspect.signature(obj).bind()
    except TypeError:
        return True
    except ValueError:  # no signature to inspect (a builtin): blame the call
        return True
    return False


def _resolve(module: Any, attr: str, spec: str) -> Any:
    obj = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AppLoadError(
                f"{module.__name__!r} has no attribute {attr!r} (from {spec!r})"
            ) from None
    return obj


def load_app(spec: str, *, cwd: str | os.PathLike[str] | None = None) -> Any:
    """Import and return the WSGI or ASGI application that ``spec`` (``MODULE[:ATTR]``)
    names, calling it first when it is a zero-argument factory."""
    module_part, sep, attr = spec.strip().rpartition(":")
    if not sep:
        module_part, attr = attr, ""
    if not module_part:
        raise AppLoadError(f"expected MODULE:ATTR or path/to/file.py:ATTR, got {spec!r}")
    base = Path(cwd) if cwd is not None else Path.cwd()
    name, expected = _module_name(module_part, base)
    module = _import(name, spec)
    _check_origin(module, expected, spec)
    call = attr.endswith("()")
    attr = attr.removesuffix("()")
    if attr:
        obj = _resolve(module, attr, spec)
    else:
        found = [n for n in (*_APP_NAMES, *_FACTORY_NAMES) if hasattr(module, n)]
        if not found:
            raise AppLoadError(
                f"{module.__name__!r} has no 'app', 'application', 'create_app' or "
                f"'make_app'; name the app: {module_part}:ATTR"
            )
        attr = found[0]
        obj = getattr(module, attr)
    if call or _is_factory(obj):
        try:
            obj = obj()
        except TypeError as exc:
            if _needs_arguments(obj):
                raise AppLoadError(f"cannot call {attr}() without arguments: {exc}") from None
            raise AppLoadError(f"{attr}() raised TypeError: {exc}") from None
        except SystemExit as exc:
            raise AppLoadError(f"{attr}() called {_exit_call(exc)}") from None
        except Exception as exc:
            raise AppLoadError(f"{attr}() raised {type(exc).__name__}: {exc}") from None
    try:
        app_kind(obj)
    except TypeError as exc:
        raise AppLoadError(f"{spec!r} {exc}") from None
    return obj
