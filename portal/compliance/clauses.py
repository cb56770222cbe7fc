"""The legal and standards basis (DESIGN.md §2), one entry per duty the portal implements.

Each clause names what carries it in the code (``module:attribute`` references, checked to exist by the
report, or ``checklist:<code>`` items of portal/supervision/checklists.py). Tests prove a clause with
``@pytest.mark.clause("<id>")``; ``flask compliance report`` joins the two and fails on a clause no test proves.
Local rules (the bureau's own choices, not law) are listed from portal/core/local_rules.KNOWN_RULES with their
current setting, under the ids ``LOCAL-<key>``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    id: str
    source: str
    duty: str
    implemented_by: tuple[str, ...]


ARCHIVES_LAW = "《档案法》(2020)"
REGULATIONS = "《档案法实施条例》(2024)"
DAT68 = "DA/T 68.2-2020"
SECURITY_2014 = "《档案数字化外包安全管理规范》(2014)"
SITE_RULES = "数字化外包场所通行要求 / common site rules"
ACCEPTANCE = "验收惯例 / acceptance practice"

CLAUSES: tuple[Clause, ...] = (
    Clause("AL24", f"{ARCHIVES_LAW} 第二十四条",
           "委托须签订协议，约定服务范围、质量标准和技术标准，委托方监督受托方 / outsourcing agreement fixing scope, "
           "quality and technical standards; the client supervises the firm",
           ("portal.filings.fields:FIELDS", "portal.filings.models:ProjectFiling.contract_scope",
            "portal.filings.models:ProjectFiling.quality_standard",
            "portal.filings.models:ProjectFiling.technical_standard")),
    Clause("AL42", f"{ARCHIVES_LAW} 第四十二条",
           "检查内容：责任制度，库房设施设备，人员管理，收集整理保管利用，信息化与信息安全 / what an inspection covers",
           ("checklist:A42-1", "checklist:A42-2", "checklist:A42-3", "checklist:A42-4", "checklist:A42-5",
            "portal.supervision.inspections:record_results")),
    Clause("AL45", f"{ARCHIVES_LAW} 第四十五条",
           "责令限期整改 / hidden dangers rectified by a deadline",
           ("portal.supervision.rectification:issue_from_inspection",
            "portal.supervision.rectification:verify")),
    Clause("AL48", f"{ARCHIVES_LAW} 第四十八条、第四十九条",
           "丢失、泄露、擅自复制、篡改、损毁档案：警告并处二万元以上二十万元以下罚款 / warning and a fine of CNY "
           "20,000–200,000",
           ("portal.supervision.penalties:FINE_MIN", "portal.supervision.penalties:FINE_MAX",
            "portal.supervision.penalties:check_amount")),
    Clause("IR28", f"{REGULATIONS} 第二十八条",
           "受托方为经营范围涵盖该服务的企业法人，具备场所、设备、专业人员和安全管理制度 / eligible firm",
           ("portal.firms.models:Firm.business_scope", "portal.firms.models:Firm.premises_area",
            "portal.firms.models:Firm.equipment_summary", "portal.firms.models:Firm.management_systems",
            "portal.firms.service:approval_blockers")),
    Clause("IR51", f"{REGULATIONS} 第五十一条",
           "约谈并责令限期改正；处罚信息公开 / summons talk, correction by a deadline, penalties published",
           ("portal.supervision.rectification:escalate", "portal.supervision.rectification:add_penalty")),
    Clause("DAT68-plan", f"{DAT68} §5",
           "书面工作方案（目标、范围、流程、软硬件、人员分工、技术指标、验收依据、安全措施、进度、风险控制）/ "
           "written work plan",
           ("portal.filings.models:ProjectFiling.plan_goals", "portal.filings.models:ProjectFiling.plan_security",
            "checklist:D5-1")),
    Clause("DAT68-contract", f"{DAT68} §5", "每名工作人员签订劳动合同 / every worker has a labour contract",
           ("portal.firms.models:StaffMember.contract_date", "checklist:D5-2")),
    Clause("DAT68-confidentiality", f"{DAT68} §5", "每名工作人员签署保密承诺 / signed confidentiality commitment",
           ("portal.firms.models:StaffMember.commitment_date", "checklist:D5-3")),
    Clause("DAT68-training", f"{DAT68} §5", "上岗前不少于5天培训并考核 / at least 5 days of training with an assessment",
           ("portal.firms.models:StaffMember.training_days", "portal.filings.submission:MIN_TRAINING_DAYS",
            "checklist:D5-4")),
    Clause("DAT68-visitors", f"{DAT68} §5", "工作现场来访人员管理 / visitor management on site", ("checklist:D5-5",)),
    Clause("DAT68-credit", f"{DAT68} §6", "信用评价与质量监督 / credit evaluation and quality supervision",
           ("portal.scoring.rules:score_firm",)),
    Clause("SEC2014-vetting", SECURITY_2014, "审查受托方资质、记录、人员、设备、软件、失泄密情况 / vet the firm",
           ("portal.firms.verification:verify_firm",)),
    Clause("SEC2014-agreement", SECURITY_2014, "签订安全保密协议 / security-confidentiality agreement",
           ("checklist:S-7",)),
    Clause("SEC2014-media", SECURITY_2014, "存储介质管控 / storage media controlled", ("checklist:S-2",)),
    Clause("SEC2014-project-file", SECURITY_2014, "建立项目全过程档案 / a file recording the whole project",
           ("portal.core.timeline:record_transition",)),
    Clause("SITE-no-internet", SITE_RULES, "加工设备不得连接互联网 / no internet on processing machines",
           ("checklist:S-1", "portal.sitechecks.models:SitePatrol.internet_isolated")),
    Clause("SITE-media-logged", SITE_RULES, "使用经批准的专用介质并登记 / approved dedicated media, logged",
           ("checklist:S-2", "portal.sitechecks.models:SitePatrol.media_log_ref", "portal.sitechecks.rules:patrol_in_order")),
    Clause("SITE-video", SITE_RULES, "视频监控全覆盖并留存 / full video coverage with retention", ("checklist:S-3", "portal.sitechecks.models:SitePatrol.video_running")),
    Clause("SITE-no-personal-devices", SITE_RULES, "禁止携带个人设备 / no personal devices", ("checklist:S-5", "portal.sitechecks.models:SitePatrol.no_personal_devices")),
    Clause("SITE-signin-visitors", SITE_RULES, "来访登记与每日签到 / visitor log and daily sign-in",
           ("checklist:S-4", "portal.sitechecks.models:SitePatrol.staff_ids", "portal.sitechecks.models:SitePatrol.visitor_names",
            "portal.sitechecks.queries:missed_sites")),
    Clause("SITE-wipe", SITE_RULES, "数据移交清除、介质离场检查 / data wiped and media checked before leaving",
           ("checklist:S-8",)),
    Clause("ACCEPT-sampling", ACCEPTANCE, "抽检比例不低于5%、合格率不低于95%，不合格出具整改意见 / acceptance sampling",
           ("portal.filings.service:record_acceptance", "portal.filings.rules:acceptance_meets_rule")),
)

BY_ID = {clause.id: clause for clause in CLAUSES}
