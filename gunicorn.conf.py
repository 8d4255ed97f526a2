"""gunicorn settings for the web process (`make run`, the Procfile's `web:` line).

The access log never names the client: no address (`%(h)s`), no X-Forwarded-For or other
header that carries one, no query string (receipt lookups and searches), no user agent. The
README promises that client addresses are never stored; the log is stored too.
"""
bind = "127.0.0.1:5000"
workers = 2
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
