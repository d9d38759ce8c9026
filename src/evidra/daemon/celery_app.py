"""The Celery application: the daemon sends scope tasks with it, `evidra worker` runs it.

No result backend: a worker reports a scope into the evidence database's staging
table, which is where the daemon waits for it (one moving part less, and a report
survives a broker restart). Tasks are acknowledged late, once the report is staged,
and each worker process holds one at a time: a worker killed mid-task leaves its task
unacknowledged, and the broker hands it to another worker (RabbitMQ as soon as the
connection drops, Redis after `daemon.redelivery_seconds`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

from evidra.config.loader import ConfigError
from evidra.config.settings import DaemonSettings, MessageSigning

if TYPE_CHECKING:
    from celery import Celery

TASK = "evidra.collect_scope"


def broker_url(settings: DaemonSettings) -> str:
    """`daemon.broker` with the password from `daemon.broker_password_env`, if named."""
    if not settings.broker:
        raise ConfigError("daemon.broker: needed with executor: celery")
    name = settings.broker_password_env
    if not name:
        return settings.broker
    password = os.environ.get(name)
    if not password:
        raise ConfigError(f"daemon.broker_password_env: the environment variable {name} is not set")
    parts = urlsplit(settings.broker)
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{quote(parts.username or '', safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def make_app(settings: DaemonSettings) -> Celery:
    from celery import Celery

    app = Celery("evidra", broker=broker_url(settings), set_as_current=False)
    app.conf.update(
        task_default_queue=settings.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,  # a pool process killed mid-task: requeue, not fail
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="auth" if settings.signing else "json",
        accept_content=["auth"] if settings.signing else ["json"],
        broker_connection_retry_on_startup=True,
        # Lost the broker mid-task: the task goes back to the queue, so stop working on it.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_hijack_root_logger=False,  # evidra's JSON logs
        broker_transport_options={
            # Redis: an unacknowledged task is redelivered after this long; look for
            # such tasks often enough for that to be the delay that counts.
            "visibility_timeout": settings.redelivery_seconds,
            "unacked_restore_interval": min(10, settings.redelivery_seconds),
            "unacked_restore_throttle": 1,
        },
    )
    if settings.signing is not None:
        _sign_messages(app, settings.signing)
    return app


def _sign_messages(app: Celery, signing: MessageSigning) -> None:
    """Celery's `auth` serializer: tasks are signed with this node's key and verified
    against the trusted certificates; an unsigned or wrongly signed task is refused
    before it runs. (It registers the serializer process-wide, as Celery does.)"""
    for key in ("key_file", "certificate_file"):
        if not os.path.isfile(getattr(signing, key)):
            raise ConfigError(f"daemon.signing.{key}: {getattr(signing, key)} is not a readable file")
    app.conf.update(
        security_key=signing.key_file,
        security_certificate=signing.certificate_file,
        security_cert_store=signing.cert_store,
        security_digest="sha256",
    )
    app.setup_security(allowed_serializers=["json"], serializer="json")  # auth wraps json
