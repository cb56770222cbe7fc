"""The shared ways to put codes into words: timeline steps, audit actions and details, evidence references and
draw candidates. Each names what it shows in the reader's language and reads names in batch queries."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal.core import audit_labels, timeline
from portal.core.workflows import WORKFLOWS
from tests.querycount import recording

PORTAL = Path(__file__).resolve().parents[2] / "portal"
RECORDERS = {"record", "record_and_commit", "record_transition"}


def _calls():
    for path in sorted(PORTAL.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in RECORDERS:
                    yield path.relative_to(PORTAL).as_posix(), node


def test_every_audit_action_recorded_in_the_code_has_a_label():
    missing = []
    for where, call in _calls():
        if getattr(call.func, "attr", getattr(call.func, "id", "")) == "record_transition":
            if len(call.args) >= 3 and all(isinstance(a, ast.Constant) for a in (call.args[0], call.args[2])):
                object_type, action = call.args[0].value, call.args[2].value
                if timeline.action_label(object_type, action) == "Update":
                    missing.append(f"{where}:{call.lineno}: step {object_type}.{action}")
            continue
        if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
            code = call.args[0].value
            if audit_labels.action_label(code) == ("Other action",):
                missing.append(f"{where}:{call.lineno}: audit {code}")
    assert not missing, "name these in portal/core/audit_labels.ACTION_LABELS or the workflow table:\n" + \
        "\n".join(missing)


def test_every_audit_object_type_written_in_the_code_has_a_label():
    types = {(where, call.lineno, arg.value) for where, call in _calls()
             if getattr(call.func, "attr", getattr(call.func, "id", "")) != "record_transition"
             for arg in call.args[1:2] + [kw.value for kw in call.keywords if kw.arg == "object_type"]
             if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}
    missing = sorted(f"{w}:{n}: {t}" for w, n, t in types if t not in audit_labels.OBJECT_LABELS)
    assert not missing, "label these in portal/core/audit_labels.OBJECT_LABELS:\n" + "\n".join(missing)


def test_every_audit_detail_key_written_in_the_code_has_a_label():
    keys = {(where, call.lineno, k.value) for where, call in _calls() for kw in call.keywords
            if kw.arg in ("detail", "audit_detail") and isinstance(kw.value, ast.Dict)
            for k in kw.value.keys if isinstance(k, ast.Constant)}
    missing = sorted(f"{w}:{n}: {k}" for w, n, k in keys if k not in audit_labels.DETAIL_LABELS)
    assert not missing, "label these in portal/core/audit_labels.DETAIL_LABELS:\n" + "\n".join(missing)


def test_every_workflow_step_and_every_site_weekly_decision_is_named():
    from portal.sitechecks.rules import COUNTERSIGN_DECISIONS

    for object_type, name in timeline.WORKFLOW_OF.items():
        for transition in WORKFLOWS[name].transitions:
            assert audit_labels.action_label(f"{object_type}.{transition.action}")[1] == transition.label
    for decision in COUNTERSIGN_DECISIONS:
        assert audit_labels.action_label(f"site_weekly.{decision}") != ("Other action",)


def test_audit_detail_is_label_value_pairs_in_words():
    words = {"Yes": "是", "From": "原状态", "To": "新状态", "Roles": "角色", "Regulator lead": "监管负责人",
             "Regulator": "监管人员", "submitted": "已提交", "under review": "审核中", "Reason": "原因"}
    pairs = audit_labels.describe_detail(
        '{"from": "submitted", "to": "under_review", "roles": ["lead", "regulator"], "reason": "补正"}',
        "project_filing", lambda s: words.get(s, s))
    assert pairs == [("原状态", "已提交"), ("新状态", "审核中"), ("角色", "监管负责人、监管人员"), ("原因", "补正")]
    assert audit_labels.describe_detail({"negative_list_proposed": False}, None, str) == \
        [("Proposed for the negative list", "No")]
    assert audit_labels.role_names("lead,regulator", str) == "Regulator lead、Regulator"


def test_timeline_steps_name_the_action_and_the_person(app, build):
    from portal.core.context import Actor, reset_actor, set_actor
    from portal.core.workflows import PROJECT_FILING
    from portal.extensions import db

    filing = build.filing(status="draft")
    user = build.user("vendor", firm_id=filing.firm_id)
    token = set_actor(Actor(user_id=user.id, username=user.username, roles=("vendor",)))
    try:
        timeline.record_transition("project_filing", filing, "create", None, "draft")
        timeline.record_transition("project_filing", filing, "submit", "draft", "submitted")
    finally:
        reset_actor(token)
    timeline.record_transition("project_filing", filing, "submit", "draft", "submitted")  # a scheduled job
    db.session.commit()
    filing_id = filing.id
    with recording() as log:
        steps = timeline.steps("project_filing", filing_id)
    assert log.count == 1
    submit = next(t for t in PROJECT_FILING.transitions if t.action == "submit")
    assert [s.action_label for s in steps] == ["Create", submit.label, submit.label]
    assert [s.actor for s in steps[:2]] == [user.display_name] * 2 and user.username not in user.display_name
    assert steps[2].actor_is_system and not steps[0].actor_is_system
    assert steps[1].from_label == PROJECT_FILING.states["draft"]
    assert steps[1].to_label == PROJECT_FILING.states["submitted"]


def test_evidence_is_resolved_to_project_numbers_in_one_query_per_kind(app, build):
    from portal.scoring import refs

    firm = build.firm()
    filings = [build.filing(firm=firm) for _ in range(4)]
    wanted = [f"filing:{f.id}" for f in filings] + ["penalty:3", "filing:999999"]
    with app.test_request_context("/"):
        with recording() as log:
            resolved = refs.resolve(wanted)
    assert log.count == 1  # filings only: one query, whatever their number
    assert [resolved[f"filing:{f.id}"].number for f in filings] == [f.number for f in filings]
    assert resolved[f"filing:{filings[0].id}"].title == filings[0].title
    assert resolved[f"filing:{filings[0].id}"].href == f"/filings/{filings[0].id}"
    assert resolved["penalty:3"] == refs.Ref(None, "Penalty case", "", "")
    assert resolved["filing:999999"].href is None  # gone: named, not linked


@pytest.mark.parametrize("lang, absent", [("zh_CN", "Filing #"), ("en", "Filing #")])
def test_the_evidence_macro_shows_the_number_and_the_title_on_hover(app, build, lang, absent):
    from flask import session

    from portal.web.i18n import remember_requested_language

    filing = build.filing(title="泸州市档案馆数字化项目")
    with app.test_request_context(f"/?lang={lang}"):
        session["lang"] = lang
        remember_requested_language()
        html = app.jinja_env.from_string('{% from "scoring/_result.html" import evidence %}{{ evidence(refs) }}') \
            .render(refs=[f"filing:{filing.id}", "penalty:1"])
    assert f'<a href="/filings/{filing.id}" title="泸州市档案馆数字化项目">{filing.number}</a>' in html
    assert absent not in html and f"#{filing.id}" not in html


def test_draw_candidates_are_named(app, build):
    from portal.supervision.inspections import candidate_names

    firms = [build.firm(name=f"泸州第{i}档案服务公司") for i in range(3)]
    filing = build.filing(firm=firms[0])
    keys = [f"firm:{f.id}" for f in firms] + [f"filing:{filing.id}", "firm:x"]
    with recording() as log:
        names = candidate_names(keys)
    assert log.count == 2  # one query per kind
    assert [names[f"firm:{f.id}"] for f in firms] == [f.name for f in firms]
    assert names[f"filing:{filing.id}"] == f"{filing.number} {filing.title}"


def test_score_page_names_its_evidence_in_a_constant_number_of_queries(client, build, login):
    """However much evidence a score shows, the page resolves it with one query per kind."""
    import json
    from datetime import date

    from portal.extensions import db
    from portal.scoring import service as scoring
    from tests.querycount import assert_constant_queries
    from tests.scoring.builders import Q3, ScoringBuilder, as_user

    lead = build.user("regulator", "lead")
    sb = ScoringBuilder(build)
    firm = build.firm()
    sb.liaison(firm)
    project = sb.project(firm)
    sb.feedback(firm, project, (4, 4, 3, 5, 4))
    sb.inspection(firm, ("pass", "fail"))
    sb.rectification(firm, deadline=date(2026, 8, 20), closed=date(2026, 8, 10))
    with as_user(lead):
        period = scoring.open_period(Q3)
        scoring.run_period(period.id)
    score = db.session.scalar(select_score(firm.id))
    login(lead)

    def add_evidence(n: int):  # evidence of every kind behind the first indicator, n of each
        more = [f"filing:{sb.project(firm).id}" for _ in range(n)]
        more += [f"inspection:{sb.inspection(firm, ('pass',)).id}" for _ in range(n)]
        more += [f"feedback:{sb.feedback(firm, sb.project(firm)).id}" for _ in range(n)]
        more += [f"incident:{sb.incident(firm, 'loss').id}" for _ in range(n)]
        more += [f"rectification:{sb.rectification(firm).id}" for _ in range(n)] + [f"penalty:{n}"]
        data = json.loads(score.result)
        data["dimensions"][0]["indicators"][0]["refs"] += more
        score.result = json.dumps(data)
        db.session.commit()

    add_evidence(1)
    grow = lambda: add_evidence(4)  # noqa: E731
    assert_constant_queries(client, f"/scoring/scores/{score.id}", grow=grow)
    html = client.get(f"/scoring/scores/{score.id}").get_data(as_text=True)
    assert f">{project.number}</a>" in html and f"Filing #{project.id}" not in html


def select_score(firm_id: int):
    from sqlalchemy import select

    from portal.scoring.models import FirmScore

    return select(FirmScore).where(FirmScore.firm_id == firm_id)


def test_a_negative_list_proposal_gives_its_reason_in_the_readers_language(app):
    import json

    from flask import session

    from portal.core.messages import Message
    from portal.scoring.models import NegativeListEntry
    from portal.scoring.service import proposal_reasons
    from portal.web.i18n import remember_requested_language, translate

    reason = Message.of("Grade %(grade)s in %(count)s periods running: proposed for the negative list, "
                        "for the lead to decide.", grade="D", count=2)
    stored = NegativeListEntry(proposal_reason=json.dumps([reason.to_dict()]))
    legacy = NegativeListEntry(proposal_reason="连续两期 D 级")
    with app.test_request_context("/?lang=zh_CN"):
        session["lang"] = "zh_CN"
        remember_requested_language()
        shown = [m.render(translate) for m in proposal_reasons(stored)]
    assert len(shown) == 1 and "D" in shown[0] and "periods running" not in shown[0] and "负面清单" in shown[0]
    assert [m.render(translate) for m in proposal_reasons(legacy)] == ["连续两期 D 级"]


def test_a_persons_name_is_headed_xingming_in_the_staff_workbook(app):
    from flask import session

    from portal.firms.roster import LABELS
    from portal.web.i18n import remember_requested_language, translate

    with app.test_request_context("/?lang=zh_CN"):
        session["lang"] = "zh_CN"
        remember_requested_language()
        assert translate(LABELS["name"]) == "姓名"  # 名称 names a thing, not a person


def test_a_rectification_order_from_an_inspection_is_prefilled_in_the_readers_language(client, build, login):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.supervision.models import ChecklistItem
    from tests.scoring.builders import ScoringBuilder

    regulator = build.user("regulator")
    firm = build.firm()
    inspection = ScoringBuilder(build).inspection(firm, ("fail",))
    item = db.session.scalar(select(ChecklistItem).where(ChecklistItem.template_id == inspection.template_id))
    item.text = "A visitor log and daily sign-in sheet are kept"  # a checklist item's text is a msgid
    db.session.commit()
    login(regulator)
    html = client.get(f"/supervision/rectifications/new?inspection_id={inspection.id}&lang=zh_CN").get_data(as_text=True)
    assert "S0 建有来访登记簿和每日签到表" in html and "visitor log" not in html
