from django.db import connection
from django.http import Http404
from django.shortcuts import render
from django.urls import path


def service(request, slug):
    """One indexed read (storefront_service.slug is unique) and a one-line template."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM storefront_service WHERE slug = %s", [slug])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    return render(request, "bare.html", {"title": row[0]})


urlpatterns = [path("bare/<slug:slug>/", service)]
