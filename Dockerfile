# syntax=docker/dockerfile:1
# FitAI: one image for every role (docker-compose.yml picks the command):
#   gunicorn -c deploy/gunicorn.conf.py                          HTTP, WSGI (the default command)
#   daphne -b 0.0.0.0 -p 8001 --proxy-headers fitai.asgi:application   WebSockets under /ws/
#   celery -A fitai worker --queues <queue>  /  celery -A fitai beat   background work
# No secret is baked in: SECRET_KEY, database and broker URLs come from the environment at run time.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the virtualenv, with pip and its caches left behind ---------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Every pinned package ships manylinux wheels (psycopg[binary], numpy, scipy, Pillow, argon2):
# no compiler is needed, here or in the final image.
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

# --- runtime --------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/var/lib/fitai/media

# A system user without a login shell; the code stays root-owned and read-only to it. The only
# writable places are /var/lib/fitai (media on local disk, beat's schedule) and /tmp.
RUN groupadd --system --gid 10001 fitai \
    && useradd --system --uid 10001 --gid fitai --home-dir /var/lib/fitai --shell /usr/sbin/nologin fitai \
    && install -d -o fitai -g fitai -m 0750 /var/lib/fitai /var/lib/fitai/media /var/lib/fitai/beat

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . .

# Hashed, compressed static files for whitenoise. Production settings refuse to load without
# SECRET_KEY and ALLOWED_HOSTS, so this one step gets throwaway values that exist only in it:
# nothing signed at build time outlives the build, and no ENV line carries them into the image.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q /app \
    && rm -rf /app/var

USER fitai:fitai
EXPOSE 8000 8001
# The web role's probe; compose gives the other roles their own (deploy/healthcheck.py).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "deploy/healthcheck.py", "http", "http://127.0.0.1:8000/health/live"]
STOPSIGNAL SIGTERM
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
