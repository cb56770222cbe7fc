"""Generic state-machine engine: a workflow is a table of transitions, and this decides what may happen."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from portal.core.msgids import N_


class Role(StrEnum):
    """Who may act on a workflow. Members are plain strings, so tables and callers may use either."""

    VENDOR = "vendor"  # a user of an outsourcing firm
    AGENCY = "agency"  # a user of an archive-holding agency (立档单位)
    REGULATOR = "regulator"
    LEAD = "lead"
    SYSTEM = "system"  # scheduled jobs, never a person
    SYSADMIN = "sysadmin"
    SECADMIN = "secadmin"
    AUDITOR = "auditor"


ROLES: frozenset[str] = frozenset(role.value for role in Role)


class WorkflowError(Exception):
    """Base of every workflow refusal; carries a msgid and its parameters so the UI can translate it.

    Every parameter value is itself a msgid (a label from a workflow table) or a code, so a
    translator is applied to the parameters as well as to the message.
    """

    msgid: str = ""

    def __init__(self, params: Mapping[str, str], *, workflow: str, state: str, action: str | None) -> None:
        self.params: dict[str, str] = dict(params)
        self.workflow = workflow
        self.state = state
        self.action = action
        super().__init__(self.msgid % self.params)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the caller's language, with translated parameters interpolated."""
        return gettext(self.msgid) % {key: gettext(value) for key, value in self.params.items()}


class InvalidTransition(WorkflowError):
    """The action does not exist in the workflow or is not possible from the current state."""

    msgid = N_("Action %(action)s is not possible while the %(object)s is %(state)s")


class ActionNotPermitted(WorkflowError):
    """The action is possible from the current state, but none of the actor's roles may take it."""

    msgid = N_("Your role does not allow the action %(action)s on this %(object)s")


class ReasonRequired(WorkflowError):
    """The action must be explained, and no (non-blank) reason was given."""

    msgid = N_("A reason is required for the action %(action)s")


class UnknownState(WorkflowError):
    """The current state is not one of the workflow's states: stored data is out of step with the table."""

    msgid = N_("The %(object)s is in an unknown state %(state)s")


class WorkflowTableError(ValueError):
    """A workflow table is inconsistent; raised by ``Workflow.check_table`` with every problem found."""

    def __init__(self, workflow: str, problems: Sequence[str]) -> None:
        self.workflow = workflow
        self.problems = tuple(problems)
        super().__init__(f"workflow {workflow}: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Transition:
    """One row of a transition table: ``action`` moves any of ``from_states`` to ``to_state``."""

    action: str
    from_states: tuple[str, ...]
    to_state: str
    roles: tuple[str, ...]
    reason_required: bool
    label: str


class Workflow:
    """A named state machine: its states (code → label msgid), its initial state and its transitions.

    ``object_label`` names the thing moving through the workflow in messages ("firm registration").
    An action code may appear in several transitions only if their ``from_states`` do not overlap, so
    that (state, action) always picks at most one transition.
    """

    def __init__(
        self,
        name: str,
        object_label: str,
        states: Mapping[str, str],
        initial: str,
        transitions: Iterable[Transition],
    ) -> None:
        self.name = name
        self.object_label = object_label
        self.states: Mapping[str, str] = MappingProxyType(dict(states))
        self.initial = initial
        self.transitions: tuple[Transition, ...] = tuple(transitions)
        index: dict[tuple[str, str], Transition] = {}
        for transition in self.transitions:
            for state in transition.from_states:
                # The first row wins on a clash; check_table reports the clash as a table error.
                index.setdefault((state, transition.action), transition)
        self._index = index

    def __repr__(self) -> str:
        return f"<Workflow {self.name}>"

    @property
    def state_codes(self) -> tuple[str, ...]:
        """The state codes in table order, e.g. for a database check constraint."""
        return tuple(self.states)

    @property
    def action_codes(self) -> tuple[str, ...]:
        """Every action code of the workflow, each once, in table order."""
        return tuple(dict.fromkeys(transition.action for transition in self.transitions))

    @property
    def terminal_states(self) -> tuple[str, ...]:
        """States no transition leaves."""
        left = {state for transition in self.transitions for state in transition.from_states}
        return tuple(state for state in self.states if state not in left)

    def state_label(self, state: str) -> str:
        """The label msgid of a state; raises UnknownState for a code the workflow does not have."""
        self._require_state(state)
        return self.states[state]

    def transitions_from(self, state: str) -> list[Transition]:
        """Transitions possible from ``state`` for anyone, in table order."""
        self._require_state(state)
        return [t for t in self.transitions if state in t.from_states]

    def allowed_actions(self, state: str, roles: Iterable[str] | str) -> list[Transition]:
        """Transitions possible from ``state`` that at least one of ``roles`` may take, in table order."""
        held = _role_set(roles)
        return [t for t in self.transitions_from(state) if held.intersection(t.roles)]

    def resolve(
        self, state: str, action: str, roles: Iterable[str] | str, reason: str | None = None
    ) -> Transition:
        """The transition ``action`` takes from ``state``, after checking roles and reason.

        Checks run in this order so the most fundamental refusal is reported: state known, action
        possible from the state (InvalidTransition), role allowed (ActionNotPermitted), reason given
        when required (ReasonRequired).
        """
        self._require_state(state)
        transition = self._index.get((state, action))
        if transition is None:
            label = self._action_label(action)
            raise InvalidTransition(
                {"action": label, "object": self.object_label, "state": self.states[state]},
                workflow=self.name,
                state=state,
                action=action,
            )
        if not _role_set(roles).intersection(transition.roles):
            raise ActionNotPermitted(
                {"action": transition.label, "object": self.object_label},
                workflow=self.name,
                state=state,
                action=action,
            )
        if transition.reason_required and not (reason and reason.strip()):
            raise ReasonRequired({"action": transition.label}, workflow=self.name, state=state, action=action)
        return transition

    def apply(self, state: str, action: str, roles: Iterable[str] | str, reason: str | None = None) -> str:
        """The state after ``action`` from ``state``; raises a WorkflowError subclass when refused."""
        return self.resolve(state, action, roles, reason).to_state

    def check_table(self) -> None:
        """Raise WorkflowTableError listing every inconsistency of the table; return quietly if none."""
        problems: list[str] = []
        if self.initial not in self.states:
            problems.append(f"initial state {self.initial!r} is not declared")
        for code, label in self.states.items():
            if not label:
                problems.append(f"state {code!r} has no label")
        seen: dict[tuple[str, str], Transition] = {}
        for transition in self.transitions:
            name = f"action {transition.action!r}"
            if not transition.label:
                problems.append(f"{name} has no label")
            if not transition.from_states:
                problems.append(f"{name} has no from-state")
            if transition.to_state not in self.states:
                problems.append(f"{name} goes to undeclared state {transition.to_state!r}")
            if not transition.roles:
                problems.append(f"{name} allows no role")
            for role in transition.roles:
                if role not in ROLES:
                    problems.append(f"{name} names unknown role {role!r}")
            for state in transition.from_states:
                if state not in self.states:
                    problems.append(f"{name} starts from undeclared state {state!r}")
                if (state, transition.action) in seen:
                    problems.append(f"{name} is defined twice from state {state!r}")
                seen[(state, transition.action)] = transition
        unreachable = [state for state in self.states if state not in self._reachable()]
        if unreachable:
            problems.append(f"states not reachable from {self.initial!r}: {', '.join(unreachable)}")
        if problems:
            raise WorkflowTableError(self.name, problems)

    def _reachable(self) -> set[str]:
        reached = {self.initial}
        frontier = [self.initial]
        while frontier:
            state = frontier.pop()
            for transition in self.transitions:
                if state in transition.from_states and transition.to_state not in reached:
                    reached.add(transition.to_state)
                    frontier.append(transition.to_state)
        return reached

    def _action_label(self, action: str) -> str:
        for transition in self.transitions:
            if transition.action == action:
                return transition.label
        return action

    def _require_state(self, state: str) -> None:
        if state not in self.states:
            raise UnknownState(
                {"object": self.object_label, "state": state}, workflow=self.name, state=state, action=None
            )


def _role_set(roles: Iterable[str] | str) -> frozenset[str]:
    # A bare string is one role, not an iterable of one-letter roles.
    if isinstance(roles, str):
        return frozenset((roles,))
    return frozenset(roles)


@dataclass(frozen=True)
class Step:
    """One step of a stepper: a state, its label msgid and where the object stands against it."""

    state: str
    label: str
    position: str  # "done", "current" or "todo"


def main_path(workflow: Workflow, until: str | None = None) -> tuple[str, ...]:
    """The states an object passes through when all goes well, read from the transition table: from the
    initial state, the first transition (in table order) to a new state that a person takes without
    having to give a reason; where only reasoned transitions leave, the first one into a final state.
    Stops at ``until`` when given (a firm's life goes on after its registration is approved)."""
    path, state = [workflow.initial], workflow.initial
    final = set(workflow.terminal_states)
    while state != until:
        leaving = [t for t in workflow.transitions_from(state)
                   if t.to_state not in path and set(t.roles) != {Role.SYSTEM}]
        step = next((t for t in leaving if not t.reason_required), None) or next(
            (t for t in leaving if t.to_state in final), None)
        if step is None:
            break
        state = step.to_state
        path.append(state)
    return tuple(path)


def progress(workflow: Workflow, state: str, until: str | None = None) -> tuple[Step, ...]:
    """The main path with each step done, current or still to come. A state off the path (returned,
    rejected ...) is shown as the current step right after the last path state that leads to it."""
    path = main_path(workflow, until)
    if state in path:
        at = path.index(state)
        return tuple(Step(s, workflow.states[s], "done" if i < at else "current" if i == at else "todo")
                     for i, s in enumerate(path))
    sources = [i for i, s in enumerate(path)
               if any(t.to_state == state for t in workflow.transitions_from(s))]
    upto = max(sources) if sources else -1
    return (*(Step(s, workflow.states[s], "done") for s in path[:upto + 1]),
            Step(state, workflow.states.get(state, state), "current"))
