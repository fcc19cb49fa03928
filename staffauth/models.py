"""Failed admin sign-ins, kept in the database so every web process sees them."""

from django.db import models


class FailedLogin(models.Model):
    """One failed admin sign-in: who tried (lower-cased) and from where."""

    username_lower = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["username_lower", "created_at"]),
            models.Index(fields=["ip", "created_at"]),
        ]

    def __str__(self):
        return f"{self.username_lower} from {self.ip} at {self.created_at:%Y-%m-%d %H:%M:%S}"
