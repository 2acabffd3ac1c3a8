"""Import a WSGI app from ``MODULE:ATTR`` the way ``flask --app`` and ``uvicorn`` do.

* ``MODULE`` is a dotted module name (found from the current directory, which goes on
  the import path) or a file path ending in ``.py`` (its package root goes on the path);
* ``ATTR`` names the app or a zero-argument factory (``create_app``); ``ATTR()`` also
  works. Without ``ATTR``: ``app``, ``application``, then ``create_app``, ``make_app``.

Every failure is an :class:`AppLoadError` whose message is one clear line.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["AppLoadError", "load_app"]

_APP_NAMES = ("app", "application")
_FACTORY_NAMES = ("create_app", "make_app")


class AppLoadError(Exception):
    """The app could not be loaded; the message says why in one line."""


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
    if inspect.isfunction(obj):
        return inspect.iscoroutinefunction(obj)
    return callable(obj) and inspect.iscoroutinefunction(type(obj).__call__)


def _is_factory(obj: Any) -> bool:
    if inspect.isclass(obj):
        return True
    if not (inspect.isfunction(obj) or inspect.ismethod(obj)):
        return False
    try:
        inspect.signature(obj).bind()
    except TypeError:
        return False  # it needs arguments: a WSGI function (environ, start_response)
    return True


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
    """Import and return the WSGI application that ``spec`` (``MODULE[:ATTR]``) names."""
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
    if _is_asgi(obj):
        raise AppLoadError(
            f"{spec!r} is an ASGI app; --app serves WSGI apps. Serve it with an ASGI "
            "server (e.g. uvicorn) and pass its URL instead"
        )
    if not callable(obj):
        raise AppLoadError(f"{spec!r} is a {type(obj).__name__}, not a WSGI application")
    return obj
