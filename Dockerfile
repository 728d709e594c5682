FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY civicledger ./civicledger
RUN pip install --no-cache-dir .
ENV CIVICLEDGER_ENV=production
EXPOSE 8000
CMD ["civicledger", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-projections"]
