"""gunicorn settings for the web process (`make run`, the Procfile's `web:` line). See the README,
"Web server settings and flash crowds", for why each value is what it is.

The access log never names the client: no address (`%(h)s`), no X-Forwarded-For or other
header that carries one, no query string (receipt lookups and searches), no user agent. The
README promises that client addresses are never stored; the log is stored too.
"""
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = "127.0.0.1:5000"  # behind nginx; `--bind` on the command line overrides

# Processes: one per CPU. The work is Python (templates, forms) and holds the GIL, so a second
# process per core only adds memory and context switches; WEB_CONCURRENCY overrides (the usual
# name on PaaS hosts).
workers = _int("WEB_CONCURRENCY", os.cpu_count() or 1)

# Threads per process (gthread). More threads than WESTLAKE_MAX_IN_FLIGHT slots (4 by default,
# westlake_feedback/overload.py): a thread beyond the slots only waits up to IN_FLIGHT_WAIT for
# one and then answers 503 + Retry-After, so in a flash crowd the excess is turned away within
# a second instead of queueing in gunicorn for minutes. Keep-alive connections that sit idle do
# not hold a thread (gthread parks them in its poller).
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 32)
# Open connections per process, idle keep-alive ones included; beyond this gunicorn stops
# accepting and the kernel's listen backlog holds the rest.
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 1000)
backlog = 2048

# A worker that does not answer the master for 30 s is killed and replaced (a stuck request);
# the slowest legitimate request (an XLSX export of 100,000 comments) stays well under that.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a deploy), requests in flight get this long to finish. Each comment is one
# transaction, so one cut off is rolled back whole, never half-written.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
# Behind nginx (keepalive to upstream) or with browsers straight on: 5 s of idle keep-alive lets
# a citizen's form GET and its POST share one connection.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Each worker is replaced after about 100,000 requests, with jitter so that the workers do not all
# restart together: bounds the growth of any slow leak (caches, fragmentation). Not fewer: a cached
# page is answered in about a millisecond, so 2,000 requests replaced each worker every two seconds
# in a surge, and each replacement costs a second of CPU (importing the app) and its page cache.
max_requests = _int("GUNICORN_MAX_REQUESTS", 100_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 10_000)

accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
