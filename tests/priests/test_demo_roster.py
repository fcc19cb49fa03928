"""The demo roster: 12 priests in 3 cities and 5 languages, 2 online-only, not staff."""

import pytest
from django.core.management import call_command

from priests import services
from priests.models import Priest, ServiceArea


@pytest.mark.django_db
def test_demo_roster_is_realistic_and_idempotent(capsys):
    call_command("load_demo_data")
    call_command("load_demo_priests")
    call_command("load_demo_priests")
    priests = Priest.objects.select_related("user")
    assert priests.count() == 12
    cities = set(
        ServiceArea.objects.filter(kind="city").values_list("value", flat=True)
    )
    assert cities == {"Bengaluru", "Pune", "Hyderabad"}
    languages = {code for p in priests for code in p.languages}
    assert languages == {"hi", "en", "ta", "te", "mr"}
    online_only = [p for p in priests if {a.kind for a in p.areas.all()} == {"online"}]
    assert len(online_only) == 2
    for priest in priests:
        assert not priest.user.is_staff
        assert services.is_priest(priest.user)
        assert priest.availability.count() == 6 * 6  # six days, six slots
        assert priest.user.check_password("priest12345")
