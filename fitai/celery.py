"""The Celery app, configured from Django settings under the `CELERY_` namespace.

django_guid's Celery integration (`DJANGO_GUID["INTEGRATIONS"]`) puts the request id into the
headers of every task sent to a broker, and the worker logs the task with it. Eager tasks (no
broker: local runs, the test suite) are sent nowhere, so `RequestIdTask` does the same for them.
"""

from celery import Celery, Task
from django_guid import get_guid, set_guid

from fitai.bootstrap import use_default_settings

REQUEST_ID_HEADER = "X-Request-ID"  # DJANGO_GUID["GUID_HEADER_NAME"]


class RequestIdTask(Task):
    """Runs an eager task under the id of the request that queued it, and leaves that id in place.

    django_guid sets an id when a task starts and clears it when it ends; an eager task runs inside
    the request, so without this its lines would carry a new id and the request's later lines none.
    """

    def apply(self, args=None, kwargs=None, **options):
        request_id = get_guid()
        if request_id:
            options["headers"] = {**(options.get("headers") or {}), REQUEST_ID_HEADER: request_id}
        try:
            return super().apply(args, kwargs, **options)
        finally:
            if request_id:
                set_guid(request_id)

    def __call__(self, *args, **kwargs):
        # Runs after django_guid's task_prerun, which cannot see an eager task's headers.
        request_id = (self.request.headers or {}).get(REQUEST_ID_HEADER) if self.request.is_eager else None
        if request_id:
            set_guid(request_id)
        return super().__call__(*args, **kwargs)


use_default_settings()
app = Celery("fitai", task_cls=RequestIdTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
