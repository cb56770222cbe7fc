"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""
import gc

from portal import create_app

app = create_app()

# What start-up made (modules, mappers, routes, templates' loader) lives as long as the worker: moved
# out of the collector's reach, each full collection walks only what requests made since.
gc.collect()
gc.freeze()
