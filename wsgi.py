"""WSGI entry point for production: ``gunicorn wsgi:app``."""

from kb.web import create_app

app = create_app()
