"""The bare Django project the benchmark compares OkPuja's pages with.

One view, one indexed read (a service by its unique slug, in OkPuja's own
table), one one-line template: what any Django page costs at least on this
machine, database and gunicorn configuration. Same DATABASE_URL and
persistent connections as OkPuja; no middleware, sessions or auth.
"""

import os
from pathlib import Path

import dj_database_url

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret-key")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.bare.urls"
WSGI_APPLICATION = "bench.bare.wsgi.application"
INSTALLED_APPS = []
MIDDLEWARE = []
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
    }
]
DATABASES = {
    "default": dj_database_url.config(
        default="sqlite:///bench.sqlite3", conn_max_age=60, conn_health_checks=True
    )
}
USE_TZ = True
