# Production-like image: the same pinned dependencies as CI (requirements.lock).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml requirements.lock ./
COPY tumorboard ./tumorboard
COPY cases ./cases
COPY recommendations ./recommendations
COPY scheduling ./scheduling
COPY templates ./templates
COPY static ./static
COPY manage.py gunicorn.conf.py ./
RUN pip install --no-cache-dir -c requirements.lock . \
    && DEBUG=true SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system --home /app tumorboard && chown -R tumorboard /app
USER tumorboard
EXPOSE 8000
# gunicorn.conf.py: preloaded and warmed app, workers from WEB_CONCURRENCY (3), bind 0.0.0.0:8000.
CMD ["gunicorn", "tumorboard.wsgi:application", "-c", "gunicorn.conf.py"]
