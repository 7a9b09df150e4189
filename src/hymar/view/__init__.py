"""`hymar view`: scored rollouts (or a demo folder) as one self-contained HTML page.

The page needs no server and no network: styles, script, charts (inline SVG) and images (base64 data
URIs) are all in the one file, so it works opened from disk or attached to an issue.
"""

from hymar.view.rollouts import Rollout, load_rollouts
from hymar.view.page import rollouts_page, write_rollouts_page

__all__ = ["Rollout", "load_rollouts", "rollouts_page", "write_rollouts_page"]
