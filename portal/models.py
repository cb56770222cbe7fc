"""Importing this module registers every feature's tables (for create_all, Alembic and the cache).

Each feature owns its models in `portal/<feature>/models.py`; this is only the list of them."""
from portal.api import models as api_models  # noqa: F401
from portal.auth import models as auth_models  # noqa: F401
from portal.core import models as core_models  # noqa: F401
from portal.feedback import models as feedback_models  # noqa: F401
from portal.filings import models as filings_models  # noqa: F401
from portal.firms import models as firms_models  # noqa: F401
from portal.followups import models as followups_models  # noqa: F401
from portal.incidents import models as incidents_models  # noqa: F401
from portal.integrations import models as integrations_models  # noqa: F401
from portal.orgs import models as orgs_models  # noqa: F401
from portal.scoring import models as scoring_models  # noqa: F401
from portal.sitechecks import models as sitechecks_models  # noqa: F401
from portal.supervision import models as supervision_models  # noqa: F401
