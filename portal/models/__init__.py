"""Persistence models, one module per aggregate; importing this package registers them all."""
from portal.models.feedback import Feedback, FeedbackReply, FeedbackVersion, Incident  # noqa: F401
from portal.models.filing import (  # noqa: F401
    ChangeFiling,
    FilingNumberCounter,
    FirmChangeRequest,
    ProjectFiling,
    filing_staff,
)
from portal.models.gov import ApiToken, BreakerState, GovCallbackEvent, GovNonce, SsoState  # noqa: F401
from portal.models.org import Agency, Firm, RegulatorOffice  # noqa: F401
from portal.models.platform import (  # noqa: F401
    Attachment,
    AuditChainHead,
    AuditEvent,
    DataVersion,
    LocalRule,
    Notification,
    OutboxMessage,
    StateTransition,
)
from portal.models.roster import Certificate, StaffMember  # noqa: F401
from portal.models.scoring import (  # noqa: F401
    FirmScore,
    NegativeListEntry,
    Objection,
    ResultApplication,
    RuleSetVersion,
    ScoringPeriod,
)
from portal.models.supervision import (  # noqa: F401
    Alert,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionDraw,
    InspectionResult,
    LiaisonConfirmation,
    Notice,
    NoticeRecipient,
    PenaltyCase,
    RectificationOrder,
    RectificationResponse,
    Summons,
)
from portal.models.user import User, UserRole, UserSession  # noqa: F401
