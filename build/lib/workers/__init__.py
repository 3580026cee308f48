"""Celery workers: the app (workers.app) and thin tasks (workers.tasks) that pass ids into publisher."""
