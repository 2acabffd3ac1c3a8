"""Many jobs ending at once: does the receiver acknowledge every notification in time?

    locust -f examples/load/locustfile.py --headless -u 50 -r 50 -t 30s \
        --host http://127.0.0.1:8000 --jobhook-path /hooks/jobs --jobhook-auth "Bearer s3cret"

-u is how many jobs end at the same moment (deliveries in flight); every delivery the
receiver does not acknowledge (2xx) within --jobhook-timeout (default 5 s) is counted as a
failure, because the platform never retries: that notification is lost. Needs the [load]
extra (pip install 'jobhook-testkit[load]').
"""

from jobhook_testkit.locust import JobhookUser


class JobsEnding(JobhookUser):
    """Realistic export and import reports, SUCCESS and FAILURE, fresh ids, back to back."""
