# The CivicLedger image: the API (`civicledger serve`) and the projection worker (`civicledger worker`).
# Dependencies at the versions the test suite last ran with (constraints.txt); runs as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY constraints.txt pyproject.toml README.md ./
COPY civicledger ./civicledger
RUN pip install -c constraints.txt . \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/civicledger --create-home civicledger

USER civicledger
ENV CIVICLEDGER_ENV=production CIVICLEDGER_DATA_DIR=/var/lib/civicledger
EXPOSE 8000
# Ready = the database answers and every read model runs within its lag (compose overrides it for the worker).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-m", "civicledger.ops.health", "--url", "http://127.0.0.1:8000/readyz"]
CMD ["civicledger", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-projections"]
