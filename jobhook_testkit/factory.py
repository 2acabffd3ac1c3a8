"""Realistic job reports: :class:`JobReportFactory`, the Faker provider, the edge cases.

A factory owns one private Faker instance seeded from its own seed (never Faker's global
seed), so two factories with the same seed build the same reports in the same order.
Faker is imported when the first report is built (or at construction when a locale is
given, so an unknown locale fails at once); importing this module is cheap.

Faker supplies what it is good at (company names, in the locale's language); ids,
numbers and times come from the same seeded ``random.Random``, which is what keeps
``build()`` fast.
"""

from __future__ import annotations

import string
from base64 import urlsafe_b64encode
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from random import Random
from time import gmtime, strftime
from typing import TYPE_CHECKING, Any

from jobhook_testkit._edge_cases import EdgeCase, edge_case, edge_case_names, edge_cases
from jobhook_testkit._seeds import new_seed

if TYPE_CHECKING:
    from faker import Faker
    from faker.providers import BaseProvider

    class JobReportProvider(BaseProvider):
        """Faker provider: ``fake.add_provider(JobReportProvider)``, then ``fake.job_report()``."""

        def job_report(self, **overrides: Any) -> dict[str, Any]: ...


__all__ = [
    "EdgeCase",
    "JobReportFactory",
    "JobReportProvider",
    "edge_case",
    "edge_case_names",
    "edge_cases",
]

FIELDS = (
    "id", "type", "status", "created_at", "updated_at", "total_operations",
    "total_succeeded", "total_failed", "definition_id", "definition_name",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_YEAR_10000 = 253_402_300_800  # seconds since the epoch
_MIN_MICROS = -62_135_596_800_000_000  # 0001-01-01T00:00:00Z
_MAX_MICROS = _YEAR_10000 * 1_000_000 - 1  # 9999-12-31T23:59:59.999999Z
# Jobs created between 2019-01-01 and 2026-07-01 (microseconds since the epoch).
_CREATED_RANGE = (1_546_300_800_000_000, 1_782_864_000_000_000)
_UNITS = {0: 1_000_000, 3: 1_000, 6: 1}  # fractional digits -> microseconds per unit
_MAX_RECORDS_TIMED = 10**12
_MAX_DURATION_S = 24 * 3600.0
_POOL_SIZE = 6  # definitions a factory remembers, so batches repeat them like real traffic

# What administrators call their definitions, per language. {Kind} is capitalised,
# {kind} is not; {dest} is a system, {company} comes from Faker in the factory's locale.
_KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"profiles": ("user", "users", "profile", "customer profiles", "members"),
           "events": ("user events", "events", "login events", "activity"),
           "consents": ("consent", "consents", "marketing consents", "opt-ins")},
    "fr": {"profiles": ("utilisateurs", "profils", "clients", "comptes"),
           "events": ("événements", "événements utilisateurs", "connexions"),
           "consents": ("consentements", "opt-in marketing", "consentements RGPD")},
    "de": {"profiles": ("Benutzer", "Profile", "Kunden", "Kundenprofile"),
           "events": ("Ereignisse", "Benutzerereignisse", "Logins"),
           "consents": ("Einwilligungen", "Marketing-Einwilligungen", "Opt-ins")},
    "es": {"profiles": ("usuarios", "perfiles", "clientes"),
           "events": ("eventos", "eventos de usuario", "inicios de sesión"),
           "consents": ("consentimientos", "consentimientos RGPD")},
    "ja": {"profiles": ("ユーザー", "会員", "顧客プロフィール"),
           "events": ("イベント", "ログイン履歴"),
           "consents": ("同意", "マーケティング同意")},
}
_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"export": ("{Kind} export", "Daily {kind} export", "{Kind} export to {dest}",
                      "Nightly {kind} → {dest}", "{Kind} export ({company})",
                      "export_{slug}_daily"),
           "import": ("{Kind} import", "Import {kind} from {dest}",
                      "{Kind} import – {company}", "Migration: {kind} from {company}",
                      "import_{slug}")},
    "fr": {"export": ("Export {kind}", "Export quotidien des {kind}", "Export {kind} vers {dest}",
                      "Export des {kind} – {company}"),
           "import": ("Import {kind}", "Import des {kind} depuis {dest}",
                      "Reprise des {kind} ({company})")},
    "de": {"export": ("{Kind}-Export", "Täglicher Export: {Kind}", "Export {Kind} nach {dest}",
                      "{Kind}-Export ({company})"),
           "import": ("{Kind}-Import", "Import {Kind} aus {dest}", "Migration {Kind} – {company}")},
    "es": {"export": ("Exportación de {kind}", "Exportación diaria de {kind}",
                      "Exportar {kind} a {dest}", "Exportación {kind} – {company}"),
           "import": ("Importación de {kind}", "Importar {kind} desde {dest}",
                      "Migración de {kind} ({company})")},
    "ja": {"export": ("{kind}エクスポート", "{kind}の日次エクスポート",
                      "{dest}への{kind}エクスポート", "{company} {kind}エクスポート"),
           "import": ("{kind}インポート", "{dest}から{kind}をインポート", "{company} {kind}移行")},
}
_SLUGS = {"profiles": "profiles", "events": "events", "consents": "consents"}
_DESTINATIONS = ("S3", "SFTP", "BigQuery", "Snowflake", "Salesforce", "Braze", "CRM",
                 "HubSpot", "Mailchimp", "Data Lake")
_PREFIXES = ("[PROD] ", "[staging] ", "TEST - ", "(old) ", "v2 ")


def _language(locale: str | None) -> str:
    language = (locale or "en").replace("-", "_").split("_")[0].lower()
    return language if language in _TEMPLATES else "en"


def _new_id(rng: Random) -> str:
    """A 20-character URL-safe id starting with a letter, like the platform's."""
    # 120 random bits in URL-safe base64 are 20 uniform characters of [A-Za-z0-9-_].
    text = urlsafe_b64encode(rng.getrandbits(120).to_bytes(15, "big")).decode("ascii")
    first = "A" if rng.random() < 0.9 else rng.choice(string.ascii_letters)
    return first + text[1:]


def _format_time(micros: int, digits: int) -> str:
    """RFC 3339 UTC with 0, 3 or 6 fractional digits (0 also when the fraction is zero)."""
    seconds, fraction = divmod(micros, 1_000_000)
    if 0 <= seconds < _YEAR_10000:
        text = strftime("%Y-%m-%dT%H:%M:%S", gmtime(seconds))
    else:  # before 1970 (only from a caller's override): gmtime is not portable there
        moment = _EPOCH + timedelta(seconds=seconds)
        text = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}"
    if digits == 3:
        fraction //= 1000
    if digits == 0 or fraction == 0:
        return text + "Z"
    return f"{text}.{fraction:0{digits}d}Z"


def _truncate(micros: int, digits: int) -> int:
    unit = _UNITS[digits]
    return micros - micros % unit


def _exact_digits(micros: int) -> int:
    return 0 if micros % 1_000_000 == 0 else 3 if micros % 1_000 == 0 else 6


def _time_pair(
    created: int, updated: int, start_digits: int, end_digits: int,
    fixed: Mapping[str, Any],
) -> tuple[str, str]:
    """Format created/updated at the given precisions without putting the end first.

    A time the caller fixed is kept exact (the fixed string replaces ours anyway); only
    generated times are truncated to their precision.
    """
    # Keep derived times representable: a fixed time near year 1 or 9999 plus or minus a
    # duration would otherwise overflow.
    created = min(max(created, _MIN_MICROS), _MAX_MICROS)
    updated = min(max(updated, created), _MAX_MICROS)
    start = created if "created_at" in fixed else _truncate(created, start_digits)
    if "updated_at" in fixed:
        return _format_time(start, start_digits), ""
    end = _truncate(updated, end_digits)
    if end < start:  # a coarser precision must not put the end before the start
        end, end_digits = start, _exact_digits(start)
    return _format_time(start, start_digits), _format_time(end, end_digits)


def _parse_time(value: object) -> int | None:
    """Microseconds since the epoch for an RFC 3339 string, or None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    micros: int = (moment - _EPOCH) // timedelta(microseconds=1)
    return micros


def _count(value: object) -> int | None:
    """An override that constrains the other counts: a non-negative int, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


class _Builder:
    """The generation logic shared by the factory and the Faker provider."""

    def __init__(
        self, company: Callable[[], str], rng: Random, language: str, *, pool: bool
    ) -> None:
        self._company = company
        self._rng = rng
        self._language = language
        # A factory remembers a few definitions so batches repeat them, like real traffic;
        # the stateless provider does not (reseeding Faker must replay the same reports).
        self._pool: dict[str, list[tuple[str, str]]] | None = (
            {"export": [], "import": []} if pool else None
        )

    def report(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        rng = self._rng
        job_type = overrides.get("type")
        if job_type not in ("export", "import"):
            job_type = "export" if rng.random() < 0.75 else "import"
        status = overrides.get("status")
        if status not in ("SUCCESS", "FAILURE", "RUNNING"):
            status = "SUCCESS" if rng.random() < 0.8 else "FAILURE"
        operations, succeeded, failed = self._counts(status, overrides)
        created_at, updated_at = self._times(operations, overrides)
        definition_id, definition_name = self._definition(job_type)
        report: dict[str, Any] = {
            "id": _new_id(rng),
            "type": job_type,
            "status": status,
            "created_at": created_at,
            "updated_at": updated_at,
            "total_operations": operations,
            "total_succeeded": succeeded,
            "total_failed": failed,
            "definition_id": definition_id,
            "definition_name": definition_name,
        }
        report.update(overrides)
        return report

    def _operations(self, status: str) -> int:
        rng = self._rng
        if rng.random() < (0.3 if status == "FAILURE" else 0.06):
            return 0
        # Log-uniform: most jobs are small, a long tail reaches millions of records.
        return int(10 ** rng.uniform(0.0, 6.8))

    def _failed(self, status: str, operations: int) -> int:
        rng = self._rng
        if operations == 0:
            return 0
        if status == "FAILURE":
            return operations if rng.random() < 0.4 else rng.randint(1, operations)
        if rng.random() < 0.65:
            return 0
        return rng.randint(1, max(1, operations // 20))

    def _counts(self, status: str, overrides: Mapping[str, Any]) -> tuple[int, int, int]:
        operations = _count(overrides.get("total_operations"))
        succeeded = _count(overrides.get("total_succeeded"))
        failed = _count(overrides.get("total_failed"))
        if operations is not None:
            if failed is None and succeeded is None:
                failed = self._failed(status, operations)
            if failed is None:
                failed = max(0, operations - (succeeded or 0))
            if succeeded is None:
                succeeded = max(0, operations - failed)
            return operations, succeeded, failed
        guess = self._operations(status)
        if failed is None:
            failed = self._failed(status, guess)
        if succeeded is None:
            succeeded = max(0, guess - failed)
        return succeeded + failed, succeeded, failed

    def _times(self, operations: int, overrides: Mapping[str, Any]) -> tuple[str, str]:
        rng = self._rng
        # Seconds for tiny jobs to hours for large exports: overhead + records / rate.
        rate = 10 ** rng.uniform(2.5, 4.5)
        # Capped, so an overridden count of any size (10**400 overflowed float division)
        # still gives a job of hours, not one ending in year 9999. Generated counts stay
        # far below the cap: they take at most ~6 hours.
        records = min(operations, _MAX_RECORDS_TIMED)
        seconds = min(max(1.0, rng.uniform(0.5, 20.0) + records / rate), _MAX_DURATION_S)
        duration = int(seconds * 1_000_000)
        created = _parse_time(overrides.get("created_at"))
        updated = _parse_time(overrides.get("updated_at"))
        if created is None:
            created = (updated - duration if updated is not None
                       else rng.randrange(*_CREATED_RANGE))
        if updated is None:
            updated = created + duration
        # The platform prints milliseconds, sometimes microseconds, and no fraction at all
        # when the instant falls on a whole second.
        digits = 3 if rng.random() < 0.85 else 6
        start_digits = 0 if rng.random() < 0.1 else digits
        end_digits = 0 if rng.random() < 0.1 else digits
        return _time_pair(created, updated, start_digits, end_digits, overrides)

    def _definition(self, job_type: str) -> tuple[str, str]:
        rng = self._rng
        if self._pool is None:
            return _new_id(rng), self._name(job_type)
        pool = self._pool[job_type]
        # Reuse grows likelier as the pool fills: new definitions first, then repeats.
        if pool and rng.random() < 0.9 * len(pool) / _POOL_SIZE:
            return rng.choice(pool)
        definition = (_new_id(rng), self._name(job_type))
        if len(pool) >= _POOL_SIZE:
            pool.pop(0)
        pool.append(definition)
        return definition

    def _name(self, job_type: str) -> str:
        rng = self._rng
        # Administrators outside English-speaking countries still often name things in
        # English.
        language = self._language if rng.random() < 0.75 else "en"
        kinds = ("profiles", "consents") if job_type == "import" else tuple(_SLUGS)
        kind_key = rng.choice(kinds)
        kind = rng.choice(_KINDS[language][kind_key])
        template = rng.choice(_TEMPLATES[language][job_type])
        name = template.format(
            kind=kind,
            Kind=kind[:1].upper() + kind[1:],
            slug=_SLUGS[kind_key],
            dest=rng.choice(_DESTINATIONS),
            company=self._company() if "{company}" in template else "",
        )
        if rng.random() < 0.08:
            name = rng.choice(_PREFIXES) + name
        return name


class JobReportFactory:
    """Builds realistic, schema-valid job reports, reproducibly from a seed.

    ``JobReportFactory(seed=1234).build()`` returns the same report on every machine;
    ``seed=None`` picks a random seed (readable afterwards as ``.seed``). ``locale`` is a
    Faker locale such as ``"fr_FR"`` or ``"ja_JP"``: definition names are then mostly in
    that language. A factory is not thread-safe; use one per thread.
    """

    def __init__(self, seed: int | None = None, locale: str | None = None) -> None:
        if locale is not None and not isinstance(locale, str):
            # Faker takes a list of locales; one factory writes names in one language.
            raise TypeError(
                f"locale must be one Faker locale name such as 'fr_FR', got {locale!r}"
            )
        self.seed: int = new_seed() if seed is None else seed
        self.locale = locale
        # One stream for everything: ids, numbers and times are drawn here directly, and
        # the private Faker instance draws from it too, so the seed fixes every field.
        self._rng = Random(self.seed)
        self._faker: Faker | None = None
        self._builder = _Builder(self._company, self._rng, _language(locale), pool=True)
        if locale is not None:
            self._make_faker()  # an unknown locale fails here, not in the middle of a build

    def __repr__(self) -> str:
        return f"JobReportFactory(seed={self.seed!r}, locale={self.locale!r})"

    def _make_faker(self) -> Faker:
        from faker import Faker

        try:
            fake = Faker(self.locale)
        except AttributeError:  # Faker's own error for an unknown locale
            raise ValueError(f"unknown Faker locale {self.locale!r}") from None
        # Private to this factory; Faker's global seed is untouched. (Faker's stub lacks
        # the property the runtime proxy has.)
        fake.random = self._rng  # type: ignore[attr-defined]
        self._faker = fake
        self._builder._company = fake.company  # skip the proxy lookup from now on
        return fake

    def _company(self) -> str:
        # Only the first company name gets here: _make_faker() replaces this callable.
        return str(self.faker.company())

    @property
    def faker(self) -> Faker:
        """This factory's private Faker instance, sharing its seeded random stream.

        Created when first needed (Faker is only imported then).
        """
        return self._faker if self._faker is not None else self._make_faker()

    def build(self, *, validate: bool = False, **overrides: Any) -> dict[str, Any]:
        """One report. ``overrides`` replace (or add) fields as given, even invalid ones.

        The other fields are made consistent with the overrides where they can be:
        ``build(status="FAILURE")`` gets failure-like counts, ``build(total_operations=10)``
        gets succeeded and failed counts that add up to 10, a given ``created_at`` gets an
        ``updated_at`` after it. With ``validate=True`` a report that breaks the schema
        raises :class:`~jobhook_testkit.schema.ContractViolationError` instead.
        """
        report = self._builder.report(overrides)
        if validate:
            from jobhook_testkit.schema import assert_valid

            __tracebackhide__ = True
            assert_valid(report)
        return report

    def build_batch(self, n: int, **overrides: Any) -> list[dict[str, Any]]:
        """``n`` reports with distinct ids (definitions repeat, as in real traffic)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        if "id" in overrides and n > 1:
            raise ValueError("build_batch() makes reports with distinct ids: do not override id")
        reports: list[dict[str, Any]] = []
        seen: set[str] = set()
        while len(reports) < n:
            report = self.build(**overrides)
            if report["id"] not in seen:
                seen.add(report["id"])
                reports.append(report)
        return reports

    def success(self, **overrides: Any) -> dict[str, Any]:
        """A ``SUCCESS`` report (which may still have failed records)."""
        return self.build(**{"status": "SUCCESS", **overrides})

    def failure(self, **overrides: Any) -> dict[str, Any]:
        """A ``FAILURE`` report: zero operations, some or all records failed."""
        return self.build(**{"status": "FAILURE", **overrides})


def _provider_class() -> type[BaseProvider]:
    from faker.providers import BaseProvider

    class JobReportProvider(BaseProvider):
        """Faker provider: ``fake.add_provider(JobReportProvider)``, then ``fake.job_report()``.

        Uses the Faker instance's own ``random``, so ``fake.seed_instance(n)`` makes the
        reports reproducible; the definition names follow the instance's locale.
        """

        _jobhook_builder: _Builder | None = None

        def job_report(self, **overrides: Any) -> dict[str, Any]:
            """A realistic, schema-valid job report; ``overrides`` as in ``build()``."""
            generator = self.generator
            builder = self._jobhook_builder
            if builder is None or builder._rng is not generator.random:
                company = generator.provider("faker.providers.company")
                language = _language(getattr(company, "__lang__", None))
                builder = _Builder(generator.company, generator.random, language, pool=False)
                self._jobhook_builder = builder
            return builder.report(overrides)

    JobReportProvider.__module__ = __name__
    return JobReportProvider


def __getattr__(name: str) -> Any:
    # JobReportProvider subclasses Faker's BaseProvider, so it is defined on first use.
    if name == "JobReportProvider":
        cls = _provider_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
