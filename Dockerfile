FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 10001 bot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY content ./content
RUN pip install --no-cache-dir -e .

RUN mkdir -p /data && chown bot:bot /data
VOLUME ["/data"]
ENV BOT_DATA_DIR=/data
USER bot

# Settings: mount a file and set BOT_SETTINGS=/path/to/settings.yaml (data_dir: /data).
CMD ["python", "-m", "bot", "run"]
