"""Scoring pages: periods and their ranking, a firm's explained score, objections, rule sets, focus list,
negative list and the trend chart (server-side SVG)."""
from __future__ import annotations

import dataclasses
import re
import sys

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from portal.core import access, clock, docnumbers, localtime
from portal.core.context import current_actor
from portal.core.errors import NotFound, ValidationFailed
from portal.core.msgids import N_
from portal.core.pagination import paginate
from portal.core.workflows import FOCUS_PLAN, OBJECTION, SCORING_PERIOD
from portal.extensions import db
from portal.firms.models import Firm
from portal.home.panels import Panel, register
from portal.scoring import focus_plans
from portal.scoring import refs as refs_in_words
from portal.scoring import service as scoring
from portal.scoring.blueprint import bp
from portal.scoring.forms import (
    DecideObjectionForm,
    FocusPlanDecisionForm,
    FocusPlanForm,
    ImportRuleSetForm,
    LiftForm,
    NegativeListDecisionForm,
    ObjectionForm,
    OpenPeriodForm,
    rule_set_form,
)
from portal.scoring.models import FirmScore, NegativeListEntry, Objection, RuleSetVersion, ScoringPeriod
from portal.scoring.rules import APPLICATION_LABELS, KIND_LABELS, PARAMETER_LABELS, RuleSet
from portal.web.documents import document_for
from portal.web.forms import apply_service_errors
from portal.web.i18n import gettext as _
from portal.web.i18n import translate
from portal.web.params import int_arg
from portal.web.permissions import roles


@bp.app_template_global("evidence_links")
def evidence_links(refs) -> list:
    """Evidence in words (number, title on hover, link), for the `evidence` macro of templates/scoring/_result.html."""
    return refs_in_words.lookup(refs)


NEGATIVE_STATES = {"proposed": N_("proposed"), "listed": N_("listed"), "declined": N_("declined"),
                   "lifted": N_("lifted")}


@bp.app_template_global("scoring_state_label")
def _scoring_state_label(code: str) -> str:
    return SCORING_PERIOD.states.get(code, code)


@bp.app_template_global("objection_state_label")
def _objection_state_label(code: str) -> str:
    return OBJECTION.states.get(code, code)


@bp.app_template_global("negative_state_label")
def _negative_state_label(code: str) -> str:
    return NEGATIVE_STATES.get(code, code)


@bp.app_template_global("application_label")
def _application_label(code: str) -> str:
    return APPLICATION_LABELS.get(code, code)


@bp.app_template_global("parameter_label")
def _parameter_label(code: str) -> str:
    return PARAMETER_LABELS.get(code, N_("parameter"))


@bp.app_template_global("kind_label")
def _kind_label(code: str) -> str:
    return KIND_LABELS.get(code, code)


@bp.app_template_global("scoring_proposal_reasons")
def _proposal_reasons(entry) -> list:
    return scoring.proposal_reasons(entry)


@bp.app_template_global("render_message")
def _render_message(message) -> str:
    return message.render(translate)


# --- periods -----------------------------------------------------------------------------------------


@bp.route("/")
@roles("vendor", "regulator", "lead")
def index():
    actor = current_actor()
    if access.is_supervisor(actor):
        page = paginate(scoring.visible_periods(actor), int_arg("page", 1))
        return render_template("scoring/index.html", page=page, form=OpenPeriodForm(),
                               pending={p.id: scoring.pending_objections(p.id) for p in page.items},
                               default_changed=scoring.default_rule_set_changed())
    stmt = scoring.visible_scores(actor).add_columns(ScoringPeriod).order_by(ScoringPeriod.ends_on.desc(),
                                                                             ScoringPeriod.id.desc())
    rows = db.session.execute(stmt).all()
    return render_template("scoring/firm_index.html", rows=rows, scoring=scoring,
                           firm=db.session.get(Firm, actor.firm_id),
                           focus_listing=focus_plans.plan_requirement(actor.firm_id) if actor.firm_id else None)


@bp.route("/periods", methods=["POST"])
@roles("lead")
def open_period():
    form = OpenPeriodForm()
    if form.validate_on_submit():
        try:
            period = scoring.open_period(form.label.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Period %(label)s is open. Run it to compute the draft scores.", label=period.label), "success")
            return redirect(url_for("scoring.period", period_id=period.id))
    page = paginate(scoring.visible_periods(), 1)
    return render_template("scoring/index.html", page=page, form=form,
                           pending={p.id: scoring.pending_objections(p.id) for p in page.items},
                           default_changed=scoring.default_rule_set_changed()), 422


@bp.route("/periods/<int:period_id>")
@roles("regulator", "lead")
def period(period_id: int):
    period = scoring.get_period(period_id)
    rows = scoring.ranking(period.id)
    rule_set = db.session.get(RuleSetVersion, period.rule_set_id)
    objections = db.session.execute(
        select(Objection, FirmScore, Firm).join(FirmScore, FirmScore.id == Objection.firm_score_id)
        .join(Firm, Firm.id == FirmScore.firm_id)
        .where(FirmScore.period_id == period.id, FirmScore.id.in_(scoring.visible_scores()
                                                                  .with_only_columns(FirmScore.id)))
        .order_by(Objection.submitted_at, Objection.id)
    ).all()
    return render_template("scoring/period.html", period=period, rows=rows, rule_set=rule_set,
                           objections=objections, scoring=scoring, today=clock.today())


@bp.route("/periods/<int:period_id>/run", methods=["POST"])
@roles("lead")
def run(period_id: int):
    try:
        summary = scoring.run_period(period_id, request.form.get("version"),
                                     before_end=request.form.get("before_end") == "y")
    except ValidationFailed as exc:
        for messages in exc.field_errors.values():
            for message in messages:
                flash(translate(*message) if isinstance(message, tuple) else translate(message), "error")
        return redirect(url_for("scoring.period", period_id=period_id))
    flash(_("Computed %(firms)s firms: %(rated)s rated, %(not_rated)s not rated, %(changed)s changed.",
            firms=summary.firms, rated=summary.rated, not_rated=summary.not_rated, changed=summary.changed),
          "success")
    return redirect(url_for("scoring.period", period_id=period_id))


@bp.route("/periods/<int:period_id>/publish", methods=["POST"])
@roles("lead")
def publish(period_id: int):
    period = scoring.publish_period(period_id, request.form.get("version"))
    flash(_("Published to the firms. Objections are open until %(deadline)s.",
            deadline=period.objection_deadline.isoformat()), "success")
    return redirect(url_for("scoring.period", period_id=period_id))


@bp.route("/periods/<int:period_id>/finalise", methods=["POST"])
@roles("lead")
def finalise(period_id: int):
    scoring.finalise_period(period_id, request.form.get("version"))
    flash(_("The period is final; grades are public."), "success")
    return redirect(url_for("scoring.period", period_id=period_id))


@bp.route("/periods/<int:period_id>/apply", methods=["POST"])
@roles("lead")
def apply(period_id: int):
    scoring.apply_period(period_id, request.form.get("version"))
    flash(_("The results are applied."), "success")
    return redirect(url_for("scoring.period", period_id=period_id))


@bp.route("/finalise-due", methods=["POST"])
@roles("lead")
def finalise_due():
    done = scoring.finalise_due()
    if done:
        flash(_("Finalised and applied: %(periods)s.", periods=", ".join(done)), "success")
    else:
        flash(_("No period is due."), "info")
    return redirect(url_for("scoring.index"))


# --- a firm's score ----------------------------------------------------------------------------------


def _objection_form(score: FirmScore, result) -> ObjectionForm:
    form = ObjectionForm()
    # WTForms' {value: label} shorthand keeps the order of the score page.
    choices = {i.code: _(i.name) for d in result.dimensions for i in d.indicators}
    choices.update({d.code: _(d.name) for d in result.deductions})
    choices.update({v.code: _(v.name) for v in result.vetoes})
    form.indicator_code.choices = choices
    return form


def _render_score(score: FirmScore, objection_form=None, decide_forms=None, status=200):
    actor = current_actor()
    period = db.session.get(ScoringPeriod, score.period_id)
    firm = db.session.get(Firm, score.firm_id)
    original = scoring.original_result(score)
    # Without an amendment the score in force is the original: parse its JSON once (read-only here).
    current = original if score.amended_result is None else scoring.result_of(score)
    objections = list(db.session.scalars(scoring.visible_objections(actor)
                                         .where(Objection.firm_score_id == score.id)))
    can_object = ("vendor" in actor.roles and actor.firm_id == score.firm_id and period.status == "published"
                  and (period.objection_deadline is None or clock.today() <= period.objection_deadline))
    objection_form = objection_form or (_objection_form(score, original) if can_object else None)
    decide_forms = decide_forms or {}
    if "lead" in actor.roles and period.status == "published":
        for o in objections:
            if o.status == "submitted" and o.id not in decide_forms:
                decide_forms[o.id] = DecideObjectionForm(prefix=f"o{o.id}", formdata=None)
    applications = scoring.applications_of(firm.id) if access.is_supervisor(actor) or \
        actor.firm_id == firm.id else []
    refs_in_words.preload(refs_in_words.result_refs(original, current))
    return render_template("scoring/score.html", score=score, period=period, firm=firm, result=current,
                           original=original, amended=score.amended_result is not None, objections=objections,
                           objection_form=objection_form, decide_forms=decide_forms,
                           applications=[a for a in applications if a.period_id == period.id],
                           trend=scoring.firm_trend(firm.id), scoring=scoring), status


@bp.route("/scores/<int:score_id>")
@roles("vendor", "regulator", "lead")
def score(score_id: int):
    return _render_score(scoring.get_score(score_id))


@bp.route("/scores/<int:score_id>/objections", methods=["POST"])
@roles("vendor")
def object_to(score_id: int):
    score = scoring.get_score(score_id)
    form = _objection_form(score, scoring.original_result(score))
    if form.validate_on_submit():
        upload = None
        if form.attachment.data and getattr(form.attachment.data, "filename", ""):
            upload = (form.attachment.data.read(), form.attachment.data.filename)
        try:
            scoring.submit_objection(score.id, form.indicator_code.data, form.reason.data, upload)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Your objection is submitted; the lead will decide it with a written reason."), "success")
            return redirect(url_for("scoring.score", score_id=score.id))
    return _render_score(score, objection_form=form, status=422)


@bp.route("/objections/<int:objection_id>/decide", methods=["POST"])
@roles("lead")
def decide(objection_id: int):
    objection = scoring.get_objection(objection_id)
    form = DecideObjectionForm(prefix=f"o{objection.id}")
    if form.validate_on_submit():
        try:
            scoring.decide_objection(objection.id, form.action.data, form.reason.data,
                                     numerator=form.numerator.data, count=form.count.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The objection is decided."), "success")
            return redirect(url_for("scoring.score", score_id=objection.firm_score_id))
    score = scoring.get_score(objection.firm_score_id)
    return _render_score(score, decide_forms={objection.id: form}, status=422)


@bp.route("/objections/<int:objection_id>/decision")
@roles("vendor", "regulator", "lead")
def objection_decision(objection_id: int):
    """复核决定书: the printable decision on a decided objection."""
    objection = scoring.get_objection(objection_id)
    if objection.decided_at is None:
        raise NotFound()
    score = scoring.get_score(objection.firm_score_id)
    period = db.session.get(ScoringPeriod, score.period_id)
    firm = db.session.get(Firm, score.firm_id)
    document = document_for(docnumbers.OBJECTION, objection.id, localtime.local_date(objection.decided_at))
    return render_template("scoring/objection_decision.html", document=document, objection=objection,
                           score=score, period=period, firm=firm)


def _pygal():
    """pygal, imported on first use, without the import hook it installs on sys.meta_path.

    The hook (for pygal's optional map plugins, unused here) lacks find_spec, so any later import that
    reaches it raises an ImportWarning, which breaks unrelated imports (six.moves) in the process.
    """
    import pygal
    from pygal.style import Style

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal, Style


SCRIPT_RE = re.compile(r"<script\b.*?</script>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'"


@bp.route("/firms/<int:firm_id>/trend.svg")
@roles("vendor", "regulator", "lead")
def trend_chart(firm_id: int):
    """The firm's totals across periods as an SVG image (pygal, no script, no CDN)."""
    pygal, Style = _pygal()

    points = scoring.firm_trend(firm_id)
    if not points:
        raise NotFound()
    style = Style(background="white", plot_background="white", colors=("#b3261e",), font_family="sans-serif")
    chart = pygal.Line(width=640, height=260, style=style, show_legend=False, range=(0, 100), js=[],
                       disable_xml_declaration=True, show_dots=True, dots_size=4, x_label_rotation=0,
                       title=_("Score by period"))
    chart.x_labels = [label for label, _t, _g in points]
    chart.add(_("Score"), [
        {"value": float(total) if total is not None else None, "label": grade or _("not rated")}
        for _label, total, grade in points
    ])
    # pygal always embeds a small config script for its (unused) interactive layer and credit comments
    # with links: drop both, so the image carries no script and no outside address.
    svg = SCRIPT_RE.sub("", chart.render(is_unicode=True))
    response = Response(svg, mimetype="image/svg+xml")
    # The SVG is its own document: its embedded styles are allowed, scripts are not.
    response.headers["Content-Security-Policy"] = CHART_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- rule sets ---------------------------------------------------------------------------------------


@bp.route("/rule-sets")
@roles("regulator", "lead")
def rule_sets():
    # On a database without a stored rule set the built-in default is shown, unsaved: a GET writes nothing.
    rows = scoring.list_rule_sets() or [scoring.current_rule_set()]
    return render_template("scoring/rule_sets.html", rows=rows)


@bp.route("/rule-sets/<int:rule_set_id>")
@roles("regulator", "lead")
def rule_set(rule_set_id: int):
    row = scoring.get_rule_set(rule_set_id)
    return render_template("scoring/rule_set.html", row=row, rule_set=scoring.rule_set_of(row))


@bp.route("/rule-sets/<int:rule_set_id>.json")
@roles("regulator", "lead")
def export_rule_set(rule_set_id: int):
    row = scoring.get_rule_set(rule_set_id)
    response = Response(scoring.export_rule_set(row), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="rule-set-{row.id}.json"'
    return response


def _edited(base: RuleSet, form) -> RuleSet:
    dims = tuple(dataclasses.replace(d, weight=form[f"weight_{d.code}"].data,
                                     min_evidence=form[f"min_{d.code}"].data) for d in base.dimensions)
    bands = tuple(dataclasses.replace(b, minimum=form[f"band_{b.grade}_min"].data,
                                      maximum=form[f"band_{b.grade}_max"].data) for b in base.bands)
    return dataclasses.replace(base, version=form.label.data.strip(), dimensions=dims, bands=bands)


@bp.route("/rule-sets/new", methods=["GET", "POST"])
@roles("lead")
def new_rule_set():
    base_row = scoring.get_rule_set(int_arg("from")) if request.args.get("from") \
        else scoring.current_rule_set()
    base = scoring.rule_set_of(base_row)
    form = rule_set_form(base, formdata=request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                row = scoring.save_rule_set(_edited(base, form))
            except ValidationFailed as exc:
                apply_service_errors(form, exc)
            else:
                flash(_("Rule set %(label)s is saved and current; new periods use it.", label=row.label),
                      "success")
                return redirect(url_for("scoring.rule_set", rule_set_id=row.id))
        status = 422
    else:
        form.label.data = ""
    return render_template("scoring/rule_set_edit.html", form=form, base=base, base_row=base_row), status


@bp.route("/rule-sets/import", methods=["GET", "POST"])
@roles("lead")
def import_rule_set():
    form = ImportRuleSetForm()
    if form.validate_on_submit():
        body = form.body.data or ""
        if form.file.data and getattr(form.file.data, "filename", ""):
            body = form.file.data.read().decode("utf-8", errors="replace")
        try:
            row = scoring.save_rule_set(scoring.parse_rule_set(body))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Rule set %(label)s is imported and current.", label=row.label), "success")
            return redirect(url_for("scoring.rule_set", rule_set_id=row.id))
        return render_template("scoring/rule_set_import.html", form=form), 422
    return render_template("scoring/rule_set_import.html", form=form)


@bp.route("/rule-sets/<int:rule_set_id>/current", methods=["POST"])
@roles("lead")
def make_current(rule_set_id: int):
    row = scoring.make_current(rule_set_id)
    flash(_("Rule set %(label)s is now current.", label=row.label), "success")
    return redirect(url_for("scoring.rule_sets"))


# --- results: focus list and negative list -----------------------------------------------------------


@bp.route("/focus")
@roles("regulator", "lead")
def focus():
    rows = scoring.focus_firms()
    return render_template("scoring/focus.html", rows=rows,
                           plans=focus_plans.latest_plans([firm.id for firm, _app in rows]),
                           plan_states=FOCUS_PLAN.states)


@bp.route("/focus/plan", methods=["GET", "POST"])
@roles("vendor")
def focus_plan_submit():
    """The firm's page: what is required, its plan and its state, and the form while one may be sent."""
    actor = current_actor()
    listing = focus_plans.plan_requirement(actor.firm_id)
    plan = focus_plans.plan_for(listing.id) if listing else None
    form = FocusPlanForm()
    if request.method == "GET":
        form.version.data = plan.version_id if plan else ""
        form.plan_text.data = plan.plan_text if plan else ""
    elif form.validate_on_submit():
        upload = None
        if form.attachment.data and getattr(form.attachment.data, "filename", ""):
            upload = (form.attachment.data.read(), form.attachment.data.filename)
        try:
            plan = focus_plans.submit_plan(form.plan_text.data or "", upload, form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Your rectification plan is submitted; the regulator will accept it or return it."), "success")
            return redirect(url_for("scoring.focus_plan_detail", plan_id=plan.id))
    return render_template("scoring/focus_plan_submit.html", listing=listing, plan=plan, form=form,
                           plan_states=FOCUS_PLAN.states,
                           can_send=listing is not None and (plan is None or plan.status == "returned")), \
        422 if request.method == "POST" else 200


@bp.route("/focus/plans/<int:plan_id>")
@roles("vendor", "regulator", "lead")
def focus_plan_detail(plan_id: int):
    actor = current_actor()
    plan = focus_plans.get_plan(actor, plan_id)
    return _render_focus_plan(actor, plan, FocusPlanDecisionForm(version=plan.version_id))


def _render_focus_plan(actor, plan, form, status: int = 200):
    from portal.core.timeline import timeline

    actions = ([t.action for t in FOCUS_PLAN.allowed_actions(plan.status, actor.roles)]
               if access.is_supervisor(actor) else [])
    return render_template("scoring/focus_plan.html", plan=plan, firm=db.session.get(Firm, plan.firm_id),
                           files=focus_plans.files_of(plan.id), steps=timeline("focus_plan", plan.id),
                           actions=actions, form=form, plan_states=FOCUS_PLAN.states), status


@bp.route("/focus/plans/<int:plan_id>/decide", methods=["POST"])
@roles("regulator")
def focus_plan_decide(plan_id: int):
    actor = current_actor()
    plan = focus_plans.get_plan(actor, plan_id)
    form = FocusPlanDecisionForm()
    action = request.form.get("action", "")
    if form.validate_on_submit():
        try:
            focus_plans.decide_plan(plan.id, action, form.reason.data or "", form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The plan is accepted.") if action == "accept" else _("The plan is returned to the firm."),
                  "success")
            return redirect(url_for("scoring.focus_plan_detail", plan_id=plan.id))
    return _render_focus_plan(actor, plan, form, 422)


@bp.route("/negative-list")
@roles("regulator", "lead")
def negative_list():
    entries = db.session.execute(scoring.visible_negative_list().add_columns(Firm)).all()
    return render_template("scoring/negative_list.html", entries=entries, decide_form=NegativeListDecisionForm(),
                           lift_form=LiftForm(), forms={})


@bp.route("/negative-list/<int:entry_id>/decide", methods=["POST"])
@roles("lead")
def decide_negative(entry_id: int):
    form = NegativeListDecisionForm()
    if form.validate_on_submit():
        try:
            scoring.decide_negative_list(entry_id, form.decision.data, form.reason.data, form.ends_on.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The decision is recorded."), "success")
            return redirect(url_for("scoring.negative_list"))
    entries = db.session.execute(scoring.visible_negative_list().add_columns(Firm)).all()
    return render_template("scoring/negative_list.html", entries=entries, decide_form=NegativeListDecisionForm(),
                           lift_form=LiftForm(), forms={entry_id: form}), 422


@bp.route("/negative-list/<int:entry_id>/decision")
@roles("regulator", "lead")
def negative_list_decision(entry_id: int):
    """负面清单决定书: the printable decision that put a firm on the negative list."""
    row = db.session.execute(scoring.visible_negative_list().add_columns(Firm)
                             .where(NegativeListEntry.id == entry_id)).first()
    if row is None or row[0].decided_at is None or row[0].status not in ("listed", "lifted"):
        raise NotFound()
    entry, firm = row
    document = document_for(docnumbers.NEGATIVE_LIST, entry.id, localtime.local_date(entry.decided_at))
    return render_template("scoring/negative_list_decision.html", document=document, entry=entry, firm=firm)


@bp.route("/negative-list/<int:entry_id>/lift", methods=["POST"])
@roles("lead")
def lift_negative(entry_id: int):
    form = LiftForm()
    if form.validate_on_submit():
        try:
            scoring.lift_negative_list(entry_id, form.reason.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The firm is reinstated."), "success")
            return redirect(url_for("scoring.negative_list"))
    entries = db.session.execute(scoring.visible_negative_list().add_columns(Firm)).all()
    return render_template("scoring/negative_list.html", entries=entries, decide_form=NegativeListDecisionForm(),
                           lift_form=form, forms={}, lift_error=entry_id), 422


# --- home panels -------------------------------------------------------------------------------------


@register
def scoring_panels(user) -> list[Panel]:
    if not user.is_authenticated:
        return []
    if user.has_role("lead"):
        waiting = db.session.scalar(select(func.count(Objection.id)).where(Objection.status == "submitted")) or 0
        proposals = db.session.scalar(
            select(func.count(NegativeListEntry.id))
            .where(NegativeListEntry.status == "proposed")) or 0
        return [Panel(_("Scoring"), [(_("Objections waiting for a decision"), waiting, url_for("scoring.index")),
                                     (_("Negative-list proposals"), proposals, url_for("scoring.negative_list"))])]
    if user.has_role("vendor") and user.firm_id:
        firm = db.session.get(Firm, user.firm_id)
        items = [(_("Published grade"), firm.grade or "-", url_for("scoring.index"))]
        listing = focus_plans.plan_requirement(firm.id)
        if listing is not None:
            plan = focus_plans.plan_for(listing.id)
            state = _(FOCUS_PLAN.states[plan.status]) if plan else _("to submit")
            items.append((_("Focus supervision: rectification plan"), state, url_for("scoring.focus_plan_submit")))
        return [Panel(_("Scoring"), items)]
    return []

