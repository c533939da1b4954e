# PyBossa settings for the Kubernetes reference deployment, read by
# configure_app() through PYBOSSA_SETTINGS (a Flask pyfile: plain Python).
# The password comes from Secret pybossa-db through the environment, never
# from this file, which is a ConfigMap anyone in the namespace can read.
import os

try:
    from urllib.parse import quote
except ImportError:  # PyBossa 2.x runs on Python 2
    from urllib import quote

HOST = '0.0.0.0'
PORT = 8080

SQLALCHEMY_DATABASE_URI = 'postgresql://pybossa:%s@postgres:5432/pybossa' % quote(
    os.environ['PYBOSSA_DB_PASSWORD'], safe='')

# Sessions and signed links must survive a pod being replaced: every replica
# needs the same keys, or a user is logged out by the rollout itself.
SECRET = os.environ['PYBOSSA_SECRET']
SECRET_KEY = os.environ['PYBOSSA_SECRET_KEY']
ITSDANGEROUSKEY = os.environ['PYBOSSA_ITSDANGEROUSKEY']

BRAND = 'PyBossa'
TITLE = 'PyBossa'
ENFORCE_PRIVACY = False
ACCOUNT_CONFIRMATION_DISABLED = True

# Uploads must be on storage every replica sees (docs/kubernetes.md,
# "Persistence"); /var/lib/pybossa/uploads is the volume "uploads".
UPLOAD_METHOD = 'local'
UPLOAD_FOLDER = '/var/lib/pybossa/uploads'

# Redis through Sentinel (redis.yaml), as PyBossa 2.x requires: its API's
# rate limiter counts every call there, and an API call fails when Redis
# cannot be reached. Caching stays off so that every request reaches the
# database: a schema mismatch cannot hide behind a cached page.
REDIS_SENTINEL = [('redis-sentinel', 26379)]
REDIS_MASTER = 'mymaster'
REDIS_DB = 0
REDIS_CACHE_ENABLED = False

# The API's rate limit is per client address (300 calls per 15 minutes by
# default). The kubelet's readiness probes and the probers call from a few
# addresses far more often than that, and a 429 would read as an outage, so
# the limit is out of reach here (docs/kubernetes.md, "Known limits").
LIMIT = 1000000000
PER = 60
