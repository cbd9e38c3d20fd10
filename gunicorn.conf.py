"""Production app-server settings: `gunicorn -c gunicorn.conf.py config.wsgi`.

Every value comes from the environment so each deployment sizes its own servers. The worker
timeout is the ceiling every outbound call of one request must stay well inside (Stripe's
timeout times its tries, the database, mail never on the request path); `core.checks` refuses
settings where Stripe's budget reaches it.
"""

import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# Seconds a worker may spend on one request before the arbiter kills it.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Worker recycling is off by default: at 2000 requests, under a spike of ~1,000 req/s per server
# a worker restarted every few seconds and the restarts were the p99 (570-930 ms against 14-19
# ms without; `make bench`, docs/benchmarks.md). Set WEB_MAX_REQUESTS (e.g. 100000) only to
# contain a leak you have seen.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", "0"))
# Access logs carry no query strings (a confirmation token or session id must never be logged)
# and no client address (personal data).
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
