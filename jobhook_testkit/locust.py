"""Load: a Locust user that ends jobs, delivering their reports like the platform does.

Import this module only from a locustfile (extra ``[load]``): importing Locust
monkey-patches the standard library with gevent, so nothing else in jobhook_testkit
imports it. A locustfile needs one line and a class::

    from jobhook_testkit.locust import JobhookUser

    class JobsEnding(JobhookUser):
        pass

    $ locust -f locustfile.py --headless -u 50 -r 50 -t 30s --host http://127.0.0.1:8000 \\
        --jobhook-path /hooks/jobs --jobhook-auth "Bearer s3cret"

Each user delivers realistic reports (a mix of types and statuses from
:class:`~jobhook_testkit.factory.JobReportFactory`, every id fresh) back to back through
:class:`~jobhook_testkit.sender.FakeSender`: one attempt, a hard deadline, no retries. Each
delivery is one Locust request named by type and status (``export FAILURE``). A delivery
the receiver did not acknowledge (2xx) within the timeout is a failure: that notification
is lost. Locust's exit code is then 1, and a last line sums up what was lost.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from locust import User, constant, events, task
from locust.exception import LocustError
from locust.runners import Runner, WorkerRunner

from jobhook_testkit._lost import REQUEST_TYPE, LostNotification, LostTally
from jobhook_testkit.factory import JobReportFactory, _new_id
from jobhook_testkit.sender import MAX_TIMEOUT, FakeSender

if TYPE_CHECKING:
    from locust.argument_parser import LocustArgumentParser
    from locust.env import Environment

__all__ = ["JobhookUser", "LostNotification"]

_USER_NUMBERS = itertools.count()
_FRESH_IDS = random.SystemRandom()  # ids never repeat across users, workers or runs


def _webhook_path(text: str) -> str:
    if not text.startswith("/"):
        raise argparse.ArgumentTypeError(f"must start with '/', got {text!r}")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {MAX_TIMEOUT:g} seconds, got {text}"
        )
    return value


def _add_options(parser: LocustArgumentParser) -> None:
    parser.add_argument(
        "--jobhook-path", type=_webhook_path, default=None, metavar="PATH",
        env_var="LOCUST_JOBHOOK_PATH",
        help="path of the receiver's webhook on --host (default /)",
    )
    parser.add_argument(
        "--jobhook-auth", default=None, metavar="VALUE", env_var="LOCUST_JOBHOOK_AUTH",
        # Not in the web UI: its form would carry the value in the page (a masked field
        # is still in the page's source), and the UI listens on every interface.
        include_in_web_ui=False,
        help="the Authorization value sent with every report (never printed)",
    )
    parser.add_argument(
        "--jobhook-timeout", type=_seconds, default=None, metavar="SECONDS",
        env_var="LOCUST_JOBHOOK_TIMEOUT",
        help="the sender's hard deadline; no 2xx within it is a lost notification (default 5)",
    )
    parser.add_argument(
        "--jobhook-seed", type=int, default=None, metavar="S", env_var="LOCUST_JOBHOOK_SEED",
        help="seed of the reports' types, statuses and contents (ids are always fresh)",
    )


_TALLY = LostTally()
_RUNNER: list[Runner] = []


def _remember(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if runner is not None:
        _RUNNER[:] = [runner]
    options = environment.parsed_options
    headless = options is not None and getattr(options, "headless", False)
    ours = [cls for cls in environment.user_classes if issubclass(cls, JobhookUser)]
    if not (headless and ours) or isinstance(runner, WorkerRunner):
        return  # a worker gets the host from its master; the web UI asks for it
    # One clear line now, rather than a traceback for every user spawned.
    try:
        for cls in ours:
            _sender(environment.host, options, cls)
    except LocustError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def _on_request(request_type: str, name: str, exception: object = None, **_: Any) -> None:
    _TALLY.count(request_type, name, exception)


def _on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    _TALLY.merge_worker_report(data)


def _print_lost(exit_code: int, **_: Any) -> None:
    """After Locust's own tables: one line saying how many notifications were lost."""
    if not _RUNNER or isinstance(_RUNNER[0], WorkerRunner):
        return  # the master (or the single process) speaks for the whole run
    line = _TALLY.summary()
    if line:
        print(line, file=sys.stderr)


class JobhookUser(User):
    """Ends one job after another: delivers its report and reports the outcome to Locust.

    Configure on the command line (``--host`` is the receiver; ``--jobhook-path``,
    ``--jobhook-auth``, ``--jobhook-timeout``, ``--jobhook-seed``) or with the class
    attributes below in a subclass; the command line wins. ``wait_time`` is 0: ``-u 50``
    keeps 50 deliveries in flight, 50 jobs ending at once, for the whole run.
    """

    abstract = True
    wait_time = constant(0)
    path: ClassVar[str] = "/"
    auth: ClassVar[str | None] = None
    timeout: ClassVar[float] = 5.0
    seed: ClassVar[int | None] = None

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.sender = _sender(self.host, environment.parsed_options, type(self))
        seed = _option(environment.parsed_options, "jobhook_seed", self.seed)
        number = next(_USER_NUMBERS)
        self.factory = JobReportFactory(seed=None if seed is None else seed + number)

    @task
    def deliver_report(self) -> None:
        """Deliver one fresh report and fire Locust's request event with the outcome."""
        report = self.factory.build(id=_new_id(_FRESH_IDS))
        delivery = self.sender.deliver(report)
        exception = None if delivery.acknowledged else LostNotification.of(delivery)
        self.environment.events.request.fire(
            request_type=REQUEST_TYPE,
            name=f"{report['type']} {report['status']}",
            response_time=delivery.elapsed * 1000.0,
            response_length=len(delivery.body_excerpt),
            response=None,
            context={"report_id": report["id"]},
            exception=exception,
        )


def _sender(host: str | None, options: Any, cls: type[JobhookUser]) -> FakeSender:
    """The sender a user of ``cls`` delivers with; LocustError (one line) if misconfigured."""
    path = _option(options, "jobhook_path", cls.path)
    auth = _option(options, "jobhook_auth", cls.auth)
    timeout = _option(options, "jobhook_timeout", cls.timeout)
    if not host:
        raise LocustError(
            "jobhook: no receiver: pass --host http://HOST:PORT (the receiver's address; "
            "--jobhook-path for the webhook's path)"
        )
    if not isinstance(path, str) or not path.startswith("/"):
        raise LocustError(f"jobhook: the webhook path must start with '/', got {path!r}")
    try:
        return FakeSender(host.rstrip("/") + path, auth=auth, timeout=timeout)
    except (TypeError, ValueError) as exc:  # their messages never hold the auth value
        raise LocustError(f"jobhook: {exc}") from None


def _option(options: Any, name: str, default: Any) -> Any:
    value = getattr(options, name, None) if options is not None else None
    return default if value is None else value


# Locust's EventHook.add_listener is not annotated.
events.init_command_line_parser.add_listener(_add_options)  # type: ignore[no-untyped-call]
events.init.add_listener(_remember)  # type: ignore[no-untyped-call]
events.quit.add_listener(_print_lost)  # type: ignore[no-untyped-call]
events.request.add_listener(_on_request)  # type: ignore[no-untyped-call]
events.worker_report.add_listener(_on_worker_report)  # type: ignore[no-untyped-call]
