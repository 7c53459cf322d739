# One image for every service and the migration command:
#   docker run IMAGE serve booking | migrate booking
# (no default command: without one it prints the usage and exits 78)
# Built by `make images` where a Docker engine runs; linted by hadolint in `make lint`.

FROM python:3.12.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/salon
COPY requirements.txt /tmp/requirements.txt
# requirements.txt is the one place versions live; its test and tooling part (after the
# marker line) stays out of the image.
RUN sed '/^# --- test and tooling/,$d' /tmp/requirements.txt > /tmp/runtime.txt \
    && /opt/salon/bin/pip install -r /tmp/runtime.txt

FROM python:3.12.12-slim-bookworm
ENV PATH=/opt/salon/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/var/lib/salon
RUN groupadd --system --gid 10001 salon \
    && useradd --system --uid 10001 --gid salon --no-create-home --home-dir /nonexistent salon \
    && mkdir -p /var/lib/salon \
    && chown salon:salon /var/lib/salon
COPY --from=build /opt/salon /opt/salon
WORKDIR /app
COPY --chown=root:root shared/ shared/
COPY --chown=root:root services/ services/
# Compiled now: the root filesystem is read-only at run time, and a pod must not spend its
# start (or an operator's `kubectl exec ... manage`) compiling.
RUN python -m compileall -q /app
# Numeric user, so Kubernetes can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000 9100
ENTRYPOINT ["python", "-m", "shared.entrypoint"]
