"""Workforce ecosystem engagements (article 000), in three parts:

- ``cycle``: customer working groups, initiatives, themes, offerings, engagements, metrics,
  baseline, tracking and final measurements, benefit results, outcome reports;
- ``workforce``: the skills taxonomy and inventory, availability, engagement roles,
  assignments and staffing runs;
- ``money``: commercial terms, time entries, settlements, joint ventures.
"""

from .cycle import *  # noqa: F403
from .money import *  # noqa: F403
from .workforce import *  # noqa: F403
