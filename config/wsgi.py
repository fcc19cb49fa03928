import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_wsgi_application()

# Repeated confirm-page status polls are answered from kept responses once
# checked (checkout/fast_poll.py); every other request is Django's.
from checkout.fast_poll import FastPoll  # noqa: E402

application = FastPoll(django_application)
