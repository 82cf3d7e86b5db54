"""The money demo on the cycle's demo engagements: terms, approved time, an accepted gain share."""

import random

from ecosys.engagements import settlement as maths
from ecosys.engagements.demo import demo_cycle
from ecosys.engagements.demo_money import demo_money
from ecosys.engagements.models import CommercialTerms, Settlement, TimeEntry


def test_demo_money_settles_the_closed_engagement(workspace):
    engagements = demo_cycle(workspace, rng=random.Random(5))
    made = demo_money(engagements, rng=random.Random(5))
    assert made["terms"] == 3
    assert CommercialTerms.objects.get(engagement=engagements["closed"]).model == "gain_share"
    assert TimeEntry.objects.filter(status="submitted").count() == 0
    assert made["time_entries"] == TimeEntry.objects.count() > 0
    gain = Settlement.objects.get(engagement=engagements["closed"])
    assert gain.model == "gain_share" and gain.status in ("issued", "accepted")
    assert maths.recompute(gain.inputs).total == gain.total
    assert sum(row["amount"] and 1 for row in gain.schedule) == 2
