"""One table of audit action labels, and the audit detail in words (label: value pairs), for the audit page
and its export. Workflow actions ("inspection.plan") are named from the workflow tables."""
from __future__ import annotations

import json
from collections.abc import Callable

from portal.core.constants import ROLE_LABELS
from portal.core.msgids import N_

ACTION_LABELS = {
    "account.created": N_("Account created"), "account.disabled": N_("Account disabled"),
    "account.enabled": N_("Account enabled"), "account.locked": N_("Account locked"),
    "account.unlocked": N_("Account unlocked"), "agency.created": N_("Agency created"),
    "agency.updated": N_("Agency updated"), "alert.acknowledge": N_("Alert acknowledged"),
    "alerts.scan": N_("Alert scan"), "api_token.created": N_("API token created"),
    "api_token.revoked": N_("API token revoked"), "attachment.denied": N_("Attachment access refused"),
    "attachment.download": N_("Attachment downloaded"), "attachment.purge_orphans": N_("Orphan attachments purged"),
    "audit.export": N_("Audit log exported"), "audit.verify": N_("Audit chain verified"),
    "certificate.create": N_("Certificate added"), "certificate.delete": N_("Certificate deleted"),
    "certificate.update": N_("Certificate updated"), "checklist.new_version": N_("Checklist new version"),
    "feedback.edit": N_("Feedback edited"), "feedback.reminder": N_("Feedback reminder"),
    "feedback.reply": N_("Feedback reply"), "feedback.submit": N_("Feedback submitted"),
    "firm.approval_override": N_("Firm approval override"), "firm.document_added": N_("Firm document added"),
    "firm.export": N_("Firms exported"), "firm.grade": N_("Grade recorded"), "firm.update": N_("Firm updated"),
    "firm.verification": N_("Firm verification"), "gov.callback": N_("Government platform callback"),
    "inspection.draw": N_("Random inspection draw"), "inspection.draw_rerun": N_("Random inspection draw repeated"),
    "inspection.publish": N_("Inspection results published"), "liaison.confirm": N_("Liaison confirmed"),
    "login.failure": N_("Sign-in failed"), "login.password_ok": N_("Password accepted"),
    "login.success": N_("Signed in"), "logout": N_("Signed out"), "mfa.enrol": N_("Second factor set up"),
    "mfa.recovery_code_used": N_("Recovery code used"), "mfa.replay": N_("Second factor code replayed"),
    "mfa.reset": N_("Second factor reset"), "mfa.verify": N_("Second factor verified"),
    "negative_list.decline": N_("Negative-list proposal declined"),
    "negative_list.propose": N_("Proposed for the negative list"),
    "notice.acknowledge": N_("Notice acknowledged"), "notice.publish": N_("Notice published"),
    "notice.remind": N_("Notice reminder"), "objection.submit": N_("Objection submitted"),
    "office.created": N_("Office created"), "office.updated": N_("Office updated"),
    "outbox.dead_letter": N_("Message given up"), "outbox.replay": N_("Message sent again"),
    "password.change": N_("Password changed"), "password.expired": N_("Password expired"),
    "password.reset": N_("Password reset"), "penalty.record": N_("Penalty recorded"),
    "personal_data.reveal": N_("Personal data revealed"), "project_filing.delete_draft": N_("Draft filing deleted"),
    "rectification.summons": N_("Summons recorded"), "role.change": N_("Roles changed"),
    "rule.change": N_("Local rule changed"), "rule_set.create": N_("Rule set created"),
    "rule_set.make_current": N_("Rule set made current"), "scoring.apply": N_("Grade consequences applied"),
    "scoring_period.open": N_("Scoring period opened"), "session.ended": N_("Session ended"),
    "site_weekly.confirmed": N_("Weekly check countersigned"), "site_weekly.disputed": N_("Weekly check disputed"),
    "sitechecks.remind": N_("Site check reminder"), "sso.link_refused": N_("Single sign-on link refused"),
    "sso.linked": N_("Single sign-on linked"), "sso.state": N_("Single sign-on state refused"),
    "sso.ticket_refused": N_("Single sign-on ticket refused"), "staff.create": N_("Staff added"),
    "staff.export": N_("Staff exported"), "staff.import": N_("Staff imported"), "staff.left": N_("Staff left"),
    "staff.update": N_("Staff updated"), "upload.infected": N_("Infected upload refused"),
    "upload.refused": N_("Upload refused"), "upload.stored": N_("Upload stored"),
    "document.number": N_("Document number assigned"), "followup.reminder": N_("Follow-up reminder sent"),
    "rule_set.default_update": N_("Default rule set updated"), "notice.reminder": N_("Notice deadline reminder sent"),
}
# What a workflow's audit rows ("<object type>.<action>") are about.
OBJECT_LABELS = {
    "firm": N_("Firm registration"), "project_filing": N_("Project filing"), "change_filing": N_("Change filing"),
    "inspection": N_("Inspection"), "rectification": N_("Rectification order"), "incident": N_("Incident"),
    "scoring_period": N_("Scoring period"), "objection": N_("Objection"), "change_request": N_("Change request"),
    "audit_event": N_("Audit log"), "user": N_("Account"), "user_account": N_("Account"), "agency": N_("Agency"),
    "office": N_("Office"), "feedback": N_("Feedback"), "staff": N_("Staff"), "attachment": N_("Attachment"),
    "notice": N_("Notice"), "alert": N_("Alert"), "penalty": N_("Penalty case"), "rule_set": N_("Rule set"),
    "certificate": N_("Certificate"), "checklist_template": N_("Checklist"), "gov_callback": N_("Platform callback"),
    "inspection_draw": N_("Random draw"), "local_rule": N_("Local rule"), "negative_list_entry": N_("Negative list"),
    "outbox_message": N_("Platform message"), "penalty_case": N_("Penalty case"),
    "regulator_office": N_("Office"), "rule_set_version": N_("Rule set"), "security_event": N_("Security event"),
    "site_monthly_inspection": N_("Monthly self-inspection"), "site_patrol": N_("Daily patrol"),
    "site_weekly_check": N_("Weekly check"), "sso": N_("Single sign-on"), "staff_member": N_("Staff"),
    "summons": N_("Summons"), "receipt": N_("Filing receipt"),
}
DETAIL_LABELS = {
    "from": N_("From"), "to": N_("To"), "reason": N_("Reason"), "actions": N_("Consequences"),
    "candidates": N_("Candidates"), "changed": N_("Changed"), "chosen": N_("Chosen"), "closed": N_("Closed"),
    "draw_id": N_("Draw"), "failed": N_("Failed"), "firm_id": N_("Firm"), "firms": N_("Firms"),
    "grade": N_("Grade"), "incident": N_("Incident"), "indicator": N_("Indicator"), "inspectors": N_("Inspectors"),
    "kind": N_("Kind"), "label": N_("Period"), "period": N_("Period"), "n": N_("Number"),
    "negative_list_proposed": N_("Proposed for the negative list"), "new": N_("New value"), "old": N_("Old value"),
    "number": N_("Number"), "order": N_("Rectification order"), "objection_deadline": N_("Objection deadline"),
    "quarter": N_("Quarter"), "raised": N_("Raised"), "rated": N_("Rated"), "recipients": N_("Recipients"),
    "roles": N_("Roles"), "rule_set": N_("Rule set"), "score": N_("Score"), "seed": N_("Random seed"),
    "self_registration": N_("Self-registration"), "target": N_("Target"), "transitions": N_("Transitions"),
    "triggered_by": N_("Triggered by"), "username": N_("Username"), "rows": N_("Rows"),
    "first_bad_seq": N_("First broken sequence number"), "problem": N_("Problem"), "filename": N_("File name"),
    "rule": N_("Rule"), "value": N_("Value"), "count": N_("Count"), "amount": N_("Amount"),
    "account_type": N_("Account type"), "activated": N_("Activated"), "after": N_("After"),
    "applied": N_("Applied"), "attachment": N_("Attachment"), "basis": N_("Basis"), "before": N_("Before"),
    "blockers": N_("Blocking problems"), "by": N_("By"), "change_request": N_("Change request"),
    "code": N_("Code"), "current": N_("Current"), "date": N_("Date"), "detected": N_("Detected"),
    "district_code": N_("District"), "entry": N_("Entry"), "error": N_("Error"), "expired": N_("Expired"),
    "field": N_("Field"), "fields": N_("Fields"), "files_without_row": N_("Files without a record"),
    "filing": N_("Project filing"), "filing_id": N_("Project filing"), "fingerprint": N_("Fingerprint"),
    "firm": N_("Firm"), "first_user": N_("First account"), "grace_days": N_("Grace days"),
    "had_factor": N_("Had a second factor"), "id_number": N_("ID number"), "in_order": N_("In order"),
    "key": N_("Key"), "level": N_("Level"), "matches": N_("Matches"), "max_age_days": N_("Maximum age (days)"),
    "media_used": N_("Media used"), "method": N_("Method"), "mfa": N_("Second factor"), "month": N_("Month"),
    "name": N_("Name"), "note": N_("Note"), "owner_id": N_("Owner"), "owner_type": N_("Owner type"),
    "platform_user_id": N_("Platform user"), "problems": N_("Problems"), "recovery_codes": N_("Recovery codes"),
    "reply": N_("Reply"), "service_type": N_("Service type"), "session": N_("Session"), "severity": N_("Severity"),
    "sha256": N_("Checksum"), "signature": N_("Signature"), "sites": N_("Sites"), "size": N_("Size"),
    "staff": N_("Staff"), "status": N_("Status"), "title": N_("Title"), "token_id": N_("Token"),
    "type": N_("Type"), "until": N_("Until"), "uscc": N_("Unified social credit code"), "valid": N_("Valid"),
    "valid_until": N_("Valid until"), "verification": N_("Verification"), "version": N_("Version"),
    "veto": N_("Veto"), "visitors": N_("Visitors"), "week": N_("Week"),
    "with_application": N_("With an application"), "reasons": N_("Reasons"),
    "stage": N_("Reminder stage"), "deadline": N_("Deadline"), "feedback": N_("Feedback"),
    "revised": N_("Revised"), "before_end": N_("Scored before the period ended"),
    "ack_deadline": N_("Acknowledge by"), "agencies": N_("Agencies"), "audience": N_("Audience"),
    "agency_id": N_("Agency"), "late": N_("Late"),
}
# Reasons recorded as codes (sign-in refusals, ended sessions).
REASON_VALUES = {
    "unknown_user": N_("unknown user"), "locked": N_("locked"), "disabled": N_("disabled"),
    "session_limit": N_("too many sessions: the oldest was ended"), "logout": N_("signed out"),
    "revoked_by_secadmin": N_("ended by the security administrator"), "ended_by_user": N_("ended by the user"),
    "firm registration approved": N_("firm registration approved"),
}
METHOD_VALUES = {"sso": N_("single sign-on"), "password": N_("password")}
MFA_VALUES = {"pending": N_("pending")}
# Audit rows not made by a person with an account.
ACTOR_NAMES = {"system": N_("System"), "anonymous": N_("Not signed in")}
# Values that are codes of a known vocabulary, by detail key.
KIND_VALUES = {"planned": N_("planned"), "random": N_("random")}
TRIGGER_VALUES = {"regulator": N_("Regulator"), "system": N_("System")}
TARGET_VALUES = {"firm": N_("Firm")}


def action_label(code: str) -> tuple[str, ...]:
    """Msgids naming an audit action: one label, or (object label, action label) for a workflow step."""
    if code in ACTION_LABELS:
        return (ACTION_LABELS[code],)
    object_type, _sep, action = code.partition(".")
    from portal.core.timeline import WORKFLOW_OF
    from portal.core.timeline import action_label as step_label

    if object_type in WORKFLOW_OF and action:
        return (OBJECT_LABELS.get(object_type, N_("Record")), step_label(object_type, action))
    return (N_("Other action"),)


def describe_action(code: str, gettext: Callable[[str], str]) -> str:
    return " · ".join(gettext(part) for part in action_label(code))


def role_names(roles: str | None, gettext: Callable[[str], str]) -> str:
    """"lead,regulator" → the role names in the reader's language."""
    codes = [code for code in (roles or "").split(",") if code]
    return "、".join(gettext(ROLE_LABELS[c]) if c in ROLE_LABELS else gettext(TRIGGER_VALUES.get(c, N_("System")))
                    for c in codes)


def _value(key: str, value, object_type: str | None, gettext: Callable[[str], str],
           extra: Callable[[str, object], str | None] | None) -> str:
    if extra is not None:
        shown = extra(key, value)
        if shown is not None:
            return shown
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list | tuple):
        return "、".join(_value(key, v, object_type, gettext, extra) for v in value) or "—"
    if isinstance(value, dict) and "msgid" in value:  # a message kept to be read in each reader's language
        from portal.core.messages import Message

        return Message.from_dict(value).render(gettext)
    if isinstance(value, dict):
        return "；".join(f"{gettext(DETAIL_LABELS.get(k, N_('Other')))}: {_value(k, v, object_type, gettext, extra)}"
                        for k, v in value.items())
    if key in ("from", "to") and isinstance(value, str):
        from portal.core.timeline import WORKFLOW_OF
        from portal.core.workflows import WORKFLOWS

        workflow = WORKFLOWS.get(WORKFLOW_OF.get(object_type or "", ""))
        if workflow is not None and value in workflow.states:
            return gettext(workflow.states[value])
    if key == "roles":
        return role_names(value, gettext)
    vocabulary = {"kind": KIND_VALUES, "triggered_by": TRIGGER_VALUES, "target": TARGET_VALUES,
                  "reason": REASON_VALUES, "method": METHOD_VALUES, "mfa": MFA_VALUES}.get(key, {})
    if value in vocabulary:
        return gettext(vocabulary[value])
    if key == "district_code" and isinstance(value, str):
        from portal.web.templating import district_label

        return district_label(value)
    return str(value)


def describe_detail(detail, object_type: str | None, gettext: Callable[[str], str],
                    extra: Callable[[str, object], str | None] | None = None) -> list[tuple[str, str]]:
    """The detail as (label, value) pairs in words; `extra` names values a feature knows (e.g. scoring actions)."""
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            pass
    if detail in (None, "", {}):
        return []
    if not isinstance(detail, dict):
        return [(gettext("Detail"), str(detail))]
    return [(gettext(DETAIL_LABELS.get(key, N_("Other"))), _value(key, value, object_type, gettext, extra))
            for key, value in detail.items()]
