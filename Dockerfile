# The image a service runs. BASE is any image with Python 3.11+ and `useradd`: the official
# python:3.12-slim by default; CI builds it on a Debian bookworm base made from Debian's
# packages (tests/e2e/container.sh). The project goes into a virtual environment at
# /opt/venv, which works the same on both (Debian's own Python refuses system-wide pip
# installs, PEP 668).
ARG BASE=python:3.12-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
WORKDIR /app

RUN useradd --create-home --uid 10001 bot && python3 -m venv /opt/venv
# The dependencies first, in a layer of their own that a change to the code doesn't rebuild.
COPY pyproject.toml ./
RUN python -c "import tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print(*project['dependencies'], sep='\n')" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY README.md ./
COPY bot ./bot
COPY flows ./flows
COPY content ./content
RUN pip install --no-cache-dir --no-deps -e .

RUN mkdir -p /data && chown bot:bot /data
VOLUME ["/data"]
ENV BOT_DATA_DIR=/data
USER bot

# Settings: mount a file and set BOT_SETTINGS=/path/to/settings.yaml (data_dir: /data).
CMD ["python", "-m", "bot", "run"]
