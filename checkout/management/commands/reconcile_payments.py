import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from checkout.reconcile import reconcile_due_payments


class Command(BaseCommand):
    help = (
        "Settle pending PhonePe payments whose next check is due (booked, failed or "
        "refunded), retry refunds not yet sent, and follow open refunds. With --loop, "
        "keep doing so every few seconds until stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Run until stopped.")
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="Seconds between rounds with --loop.",
        )

    def handle(self, *args, loop=False, interval=5.0, **options):
        if interval <= 0:
            self.stderr.write("--interval must be positive.")
            return
        self._stop = False
        if loop:
            signal.signal(signal.SIGTERM, self._request_stop)
            self.stdout.write(
                f"Reconciling PhonePe payments every {interval:g} s (Ctrl-C stops)."
            )
        while True:
            close_old_connections()
            counts = reconcile_due_payments()
            if counts or not loop:
                summary = ", ".join(
                    f"{key}={value}" for key, value in sorted(counts.items())
                )
                self.stdout.write(f"Reconciled: {summary or 'nothing due'}")
            if not loop or self._stop:
                break
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                break

    def _request_stop(self, signum, frame):
        self._stop = True
