"""gunicorn settings for production and the benchmarks: `gunicorn tumorboard.wsgi:application`.

gunicorn reads this file from the working directory. The app is preloaded in the master and warmed
(URL patterns and their views imported, templates compiled, translations and the static manifest
loaded: `tumorboard.health.warm_up`), so every forked worker starts warm and no user waits for a
cold worker. What is loaded is then frozen out of the garbage collector's scans (gc.freeze), so a
worker's collections look only at what requests create. Each worker then opens its database
connection before it takes a request.

Environment (all optional): GUNICORN_BIND (0.0.0.0:8000), WEB_CONCURRENCY (workers, 3),
GUNICORN_THREADS (1), GUNICORN_TIMEOUT (30 s), GUNICORN_LOG_LEVEL (info), GUNICORN_PRELOAD and
GUNICORN_WARMUP (true; the cold-start benchmark turns them off to measure the difference),
GUNICORN_READY_FILE (a path each worker appends its pid to once it is ready: bench/endpoints.py
--cold-start waits on it).
"""

import gc
import os


def _flag(name: str, default: bool = True) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
preload_app = _flag("GUNICORN_PRELOAD")
warm_up_workers = _flag("GUNICORN_WARMUP")
ready_file = os.environ.get("GUNICORN_READY_FILE", "")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No runtime control socket (gunicorn >= 25): one shared default path would clash between servers.
control_socket_disable = True
accesslog = None  # access logs would carry URLs; the app logs what it needs without patient data
# If an operator turns the access log on (--access-logfile), it has no request line, path or query:
# feed, summary-link and invitation URLs carry their secret token in the path.
access_log_format = '%(h)s %(t)s "%(m)s" %(s)s %(B)s %(M)sms "%(a)s"'


def _freeze_loaded_objects() -> None:
    """Move every object loaded so far (Django, the apps, their modules and templates) out of
    the garbage collector's reach (gc.freeze, as the Python docs advise before fork()). The
    collector then scans only what requests create: a full collection over the whole loaded app
    took 100-300 ms and set the single-client p95 of the list and meeting APIs (issue 12); and
    the workers keep sharing the master's pages instead of copying them when the collector
    touches them."""
    gc.collect()
    gc.freeze()


def when_ready(server):
    """Master, after the preloaded app is imported and before workers fork: warm it once, and
    freeze what is loaded."""
    if preload_app and warm_up_workers:
        from tumorboard.health import warm_up

        server.log.info("warmed up: %s", warm_up())
    if preload_app:
        _freeze_loaded_objects()


def post_worker_init(worker):
    """Worker, app loaded: warm it if the master could not, open this worker's own connection."""
    if warm_up_workers:
        from django.db import connection

        from tumorboard.health import warm_up

        if not preload_app:
            warm_up()
            _freeze_loaded_objects()
        try:
            connection.ensure_connection()
        except Exception as exc:  # the database may be down: the first request will say so
            worker.log.warning("no database connection at start: %s", exc.__class__.__name__)
    if ready_file:
        with open(ready_file, "a") as ready:
            ready.write(f"{worker.pid}\n")
