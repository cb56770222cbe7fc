"""Closed vocabularies shared by models, forms and rules (codes are stable; labels are msgids)."""
from portal.core import workflows as wf
from portal.core.msgids import N_

# Roles. The three admin roles (三员分立) are mutually exclusive on one account.
VENDOR, AGENCY, REGULATOR, LEAD = "vendor", "agency", "regulator", "lead"
SYSADMIN, SECADMIN, AUDITOR = "sysadmin", "secadmin", "auditor"
ROLES = (VENDOR, AGENCY, REGULATOR, LEAD, SYSADMIN, SECADMIN, AUDITOR)
ADMIN_ROLES = (SYSADMIN, SECADMIN, AUDITOR)
SUPERVISOR_ROLES = (REGULATOR, LEAD)
# Roles that must hold a second factor when MFA_REQUIRED is on (等保三级: regulators, lead, three admins).
MFA_ROLES = (*SUPERVISOR_ROLES, *ADMIN_ROLES)
ROLE_LABELS = {
    VENDOR: N_("Firm user"),
    AGENCY: N_("Agency user"),
    REGULATOR: N_("Regulator"),
    LEAD: N_("Regulator lead"),
    SYSADMIN: N_("System administrator"),
    SECADMIN: N_("Security administrator"),
    AUDITOR: N_("Audit administrator"),
}

SERVICE_TYPES = {
    "arrangement": N_("Arrangement"),
    "digitisation": N_("Digitisation"),
    "storage": N_("Storage and custody"),
    "consulting": N_("Consulting"),
    "exploitation": N_("Exploitation"),
    "destruction": N_("Destruction"),
}

OFFICE_LEVELS = {"city": N_("City office"), "district": N_("District office")}

# Status vocabularies come from the workflow tables, so check constraints and transitions agree.
FIRM_STATUSES = wf.FIRM_REGISTRATION.state_codes
FILING_STATUSES = wf.PROJECT_FILING.state_codes
CHANGE_FILING_STATUSES = wf.CHANGE_FILING.state_codes
CHANGE_REQUEST_STATUSES = wf.CHANGE_REQUEST.state_codes
INSPECTION_STATUSES = wf.INSPECTION.state_codes
RECTIFICATION_STATUSES = wf.RECTIFICATION.state_codes
INCIDENT_STATUSES = wf.INCIDENT.state_codes
PERIOD_STATUSES = wf.SCORING_PERIOD.state_codes
OBJECTION_STATUSES = wf.OBJECTION.state_codes
FOCUS_PLAN_STATUSES = wf.FOCUS_PLAN.state_codes
OUTBOX_STATUSES = ("pending", "delivered", "dead")
GRADES = ("A", "B", "C", "D")
NOT_GRADED = "none"  # a filter's value for firms without a grade

STAFF_ROLES = {
    "project_manager": N_("Project manager"),
    "qa": N_("Quality assurance"),
    "operator": N_("Operator"),
    "other": N_("Other"),
}
CERTIFICATE_TYPES = {
    "business_licence": N_("Business licence"),
    "secrecy_qualification": N_("Secrecy qualification"),
    "iso9001": N_("ISO 9001"),
    "iso27001": N_("ISO 27001"),
    "other": N_("Other certificate"),
}
INCIDENT_TYPES = {
    "loss": N_("Loss"),
    "leak": N_("Leak"),
    "unauthorised_copy": N_("Unauthorised copy"),
    "tampering_destruction": N_("Tampering or destruction"),
    "device_media_violation": N_("Device or media violation"),
    "personnel_violation": N_("Personnel violation"),
    "other": N_("Other"),
}
VETO_INCIDENT_TYPES = ("loss", "leak", "unauthorised_copy", "tampering_destruction")
SEVERITIES = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High"), "critical": N_("Critical")}
QUANTITY_UNITS = {
    "volumes": N_("Volumes (卷)"),
    "items": N_("Items (件)"),
    "boxes": N_("Boxes (盒)"),
    "pages": N_("Pages, A4-equivalent (页)"),
    "records": N_("Records (条)"),
}
ATTACHMENT_KINDS = {
    "contract": N_("Contract"),
    "work_plan": N_("Work plan"),
    "commitment": N_("Confidentiality commitment"),
    "handback_sheet": N_("Hand-back sheet"),
    "certificate": N_("Certificate"),
    "evidence": N_("Evidence"),
    "photo": N_("Photo"),
    "management_system": N_("Management-system document"),
    "other": N_("Other"),
}
