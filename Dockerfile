# The publisher as a container image: the wheel built in one stage, installed into a slim runtime image
# that runs as a non-root user. Two entry points: `web` (uvicorn, several workers, behind a proxy) and
# `worker` (a Celery worker); compose.yaml runs both with PostgreSQL and Redis.
# Not built in CI here (no container engine runs on the build machines); see README "Running in production".

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY publisher ./publisher
COPY workers ./workers
COPY templates ./templates
COPY examples ./examples
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PUBLISHER_DATA_DIR=/var/lib/publisher
RUN useradd --system --create-home --home-dir /var/lib/publisher --uid 10001 publisher
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY deploy/docker-entrypoint.sh /usr/local/bin/publisher-entrypoint
USER publisher
WORKDIR /var/lib/publisher
VOLUME ["/var/lib/publisher"]
EXPOSE 8000
ENTRYPOINT ["publisher-entrypoint"]
CMD ["web"]
