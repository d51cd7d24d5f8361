"""Every change to a report: intake, routing, the vetting workflow, transfers, links and merges,
extraction decisions and exports (disseminations).

Pages and the API only parse input and call these functions. Each function checks access, writes
the change and its audit entry in one transaction, and raises `ValidationError` (naming the field
and the rule), `PermissionDenied` or `AccessDenied`. A report arrives as a plain dict (the keys
of the API's `ReportIn` schema) so the public form, the partner form and the API share one set of
rules. Modules: `intake`, `workflow`, `related`, `sharing`; `common` holds what they share.
"""

from .common import (  # noqa: F401
    MAX_SUBJECTS,
    MAX_VEHICLES,
    MIN_REASON,
    SUBMIT_ROLES,
    WORKER_ROLES,
    RateLimited,
    get_for,
    is_worker,
)
from .intake import PublicResult, check_rate, submit_partner, submit_public  # noqa: F401
from .related import Related, link, merge, related, unlink, unmerge  # noqa: F401
from .sharing import (  # noqa: F401
    FORMATS,
    PRIVACY,
    attachment_for,
    decide_suggestion,
    disseminations,
    export,
    run_extraction,
)
from .workflow import RULES, Rule, allowed_actions, transfer, transition  # noqa: F401
