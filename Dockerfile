# Allied Positions: the web application, served by gunicorn; static files by whitenoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so code changes don't reinstall them. Every package is pinned and hashed.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# The code stays owned by root: the app user can read it, not change it.
COPY . .

# Settings need a SECRET_KEY and a DATABASE_URL (without one they would start the embedded
# PostgreSQL server); collectstatic does not connect to the database.
RUN SECRET_KEY=build-only DATABASE_URL=postgresql://build@localhost/build \
    python manage.py collectstatic --noinput

USER app
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz/', timeout=4)"]

# Migrations are not run here: Compose runs them once, in the one-shot `migrate` service,
# before any web container starts (several web containers must not race to migrate).
# gunicorn takes its number of workers from WEB_CONCURRENCY. --no-control-socket: gunicorn 27
# would otherwise open a control socket under ~/.gunicorn/. Requests are logged by the app,
# with their request ids, so gunicorn keeps no access log of its own.
ENV WEB_CONCURRENCY=2
# --worker-tmp-dir: the workers' heartbeat files go to memory, so the container's file
# system can be read-only (docker-compose.yml mounts it so).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--no-control-socket", \
     "--worker-tmp-dir", "/dev/shm"]
