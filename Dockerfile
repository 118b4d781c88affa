# The image of deploy/compose.yml (cites-emploi-assistant:latest): every service of the
# assistant (Rasa servers, action server, migrations, reminder and alert senders) runs from it,
# each with its own `command`. Build from the repository root:
#   docker build -t cites-emploi-assistant:latest .
# or `docker compose -f deploy/compose.yml build` (deploy/README.md).
#
# Python 3.11, dependencies from requirements/requirements.lock only, installed as the Makefile's
# `setup` does (rasa 3.6 declares Python <3.11: README, "Dependencies"). The model is trained
# here, at build time, so every container of one image serves the same model.

# --- Dependencies: a virtual environment built with a compiler at hand (one locked package,
# multidict 5.2.0, has no cp311 wheel and is built from source). Only the venv is kept.
FROM python:3.11-slim AS dependencies

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
COPY requirements/requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --no-deps --ignore-requires-python -r /tmp/requirements.lock

# --- The application.
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RASA_TELEMETRY_ENABLED=false \
    TZ=Europe/Paris

# The time zones (the code reads Europe/Paris through zoneinfo, and nothing in the lock ships
# them); a user without privileges, its home only for the caches libraries write.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --user-group app

COPY --from=dependencies /opt/venv /opt/venv

WORKDIR /app

# The project's packages are used in place from /app (PYTHONPATH), not installed: the code finds
# knowledge/, domain.yml, alembic.ini and credentials.yml next to itself (`Path(__file__)`), which
# a copy in site-packages would not. `pip install -e .` (the Makefile) amounts to the same.

# What training reads (the Makefile's MODEL_INPUTS): train before copying the rest, so that a
# change of the knowledge base or of a channel does not retrain.
COPY config.yml domain.yml pyproject.toml ./
COPY bot/ bot/
RUN rasa train --config config.yml --domain domain.yml --data bot/data \
        --out models --fixed-model-name cites-emploi \
    && rm -rf .rasa /root/.rasa /root/.config /root/.cache \
    && test -f models/cites-emploi.tar.gz

COPY channels/ channels/
COPY console/ console/
COPY knowledge/ knowledge/
COPY endpoints.yml credentials.yml alembic.ini ./
COPY deploy/endpoints.production.yml deploy/endpoints.production.yml

# The code and the model stay root's (read-only to the services); `var/` is the only writable
# folder (the default SQLite file when DATABASE_URL is unset, the console's work files).
RUN mkdir -p var && chown app:app var

USER app

EXPOSE 5005 5055

# compose.yml gives each service its command; alone, the image serves the model.
CMD ["python", "-m", "bot.server", "run", "--model", "models/cites-emploi.tar.gz", \
     "--endpoints", "endpoints.yml", "--credentials", "credentials.yml", "--port", "5005"]
