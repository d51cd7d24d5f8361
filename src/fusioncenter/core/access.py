"""The one access decision of the platform.

Two questions, answered from the same rules:

* `decide(user, action, record)`: may this user do this action to this record, and why (or why not)?
* `visible(user, queryset)`: which records of this queryset may this user see?

Views, the API, search, exports, feeds and notifications ask here and nowhere else. Deny by default:
an unknown action, an unknown record class, an inactive or locked account, or an anonymous caller
asking for anything but public, TLP:CLEAR, uncaveated information is refused. `require()` is the
checked form that views and services call: it raises `AccessDenied` and writes the audit entries
(denials, and every view of a law-enforcement-only or criminal-intelligence record).

The rules, in the order they are applied (all must pass; the privacy officer's oversight view is
the only short-cut, and it is audited like every other view):

1. Record class. public: anyone. partner: any signed-in user. law_enforcement: sworn law
   enforcement, the center's staff (analyst, supervisor, privacy officer) or the alert coordinator.
   criminal_intelligence (28 CFR 23): sworn law enforcement or the center's staff, with current
   28 CFR Part 23 training.
2. Caveats. LES: as law_enforcement. CUI: not to private-sector members unless shared to them.
3. TLP 2.0. CLEAR and GREEN: the community. AMBER: the owning organization, the staff of the
   record's center, explicit shares. AMBER+STRICT: the owning organization and explicit shares.
   RED: the author and users it was shared to by name.
4. Need-to-know, for criminal intelligence: established (author, explicit share, analyst or
   supervisor of the record's center, a recorded statement still in force) or stated with the
   request. It comes last, so `needs_statement` is only set when a statement would open the record.

One exception to rule 1: the author of a law-enforcement record may read it back (a liaison
officer who is not sworn sees the report they submitted, and its state) but not change it, pass it
on or receive it from others; an LES or CUI caveat added since closes it to them. Criminal
intelligence keeps its right-to-know rule (28 CFR 23.20(e)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from . import clock
from .markings import TLP, RecordClass
from .roles import CENTER_STAFF_ROLES, CENTER_WORKER_ROLES, Discipline, Role

if TYPE_CHECKING:
    from .models import MarkedRecord, User

VIEW = "view"
EDIT = "edit"
DELETE = "delete"
SHARE = "share"
EXPORT = "export"
RECEIVE = "receive"  # may this person be sent the record (dissemination recipient check)
ACTIONS = frozenset({VIEW, EDIT, DELETE, SHARE, EXPORT, RECEIVE})

SENSITIVE_CLASSES = frozenset({RecordClass.LAW_ENFORCEMENT, RecordClass.CRIMINAL_INTELLIGENCE})
NEED_TO_KNOW_DAYS = 30


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    needs_statement: bool = False  # a stated need-to-know would change the answer

    def __bool__(self) -> bool:
        return self.allowed


class AccessDenied(Exception):
    """Raised by `require`; carries the decision so callers can say why."""

    def __init__(self, decision: Decision):
        super().__init__(decision.reason)
        self.decision = decision


def allow(reason: str) -> Decision:
    return Decision(True, reason)


def deny(reason: str, needs_statement: bool = False) -> Decision:
    return Decision(False, reason, needs_statement)


# --- facts about the user -------------------------------------------------------------------------


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def has_law_enforcement_access(user: User) -> bool:
    """Right-to-know for law-enforcement-sensitive information: sworn, the center's staff, or the alert
    coordinator (who must read the law-enforcement-only alert requests that agencies file)."""
    return bool(user.sworn) or user.role in CENTER_STAFF_ROLES or user.role == Role.ALERT_COORDINATOR


def has_intelligence_right_to_know(user: User) -> bool:
    """Right-to-know for criminal intelligence (28 CFR 23.20(e), (f)): sworn, or the center's staff."""
    return bool(user.sworn) or user.role in CENTER_STAFF_ROLES


def user_center_id(user: User) -> int | None:
    if user.home_center_id:
        return user.home_center_id
    if user.organization_id:
        return user.organization.center_id
    return None


def _is_private_sector(user: User) -> bool:
    return bool(user.organization_id) and user.organization.discipline == Discipline.PRIVATE_SECTOR


def _account_problem(user: User) -> Decision | None:
    if not user.is_active:
        return deny("The account is disabled.")
    if user.locked_at is not None:
        return deny("The account is locked.")
    return None


# --- facts about the record -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Ties:
    """How a user is tied to a record: author, shares, a statement of need-to-know."""

    author: bool
    user_share: bool
    org_share: bool
    statement: bool


def _ties(user: User, record: MarkedRecord) -> _Ties:
    from .models import NeedToKnow, Share

    ct = ContentType.objects.get_for_model(type(record))
    oid = str(record.pk)
    shares = Share.objects.filter(content_type=ct, object_id=oid)
    return _Ties(
        author=record.created_by_id is not None and record.created_by_id == user.pk,
        user_share=shares.filter(user=user).exists(),
        org_share=bool(user.organization_id) and shares.filter(organization_id=user.organization_id).exists(),
        statement=NeedToKnow.objects.filter(
            content_type=ct, object_id=oid, user=user, expires_at__gt=clock.now()
        ).exists(),
    )


# --- the decision ---------------------------------------------------------------------------------


def decide(user: Any, action: str, record: MarkedRecord, *, need_to_know: str | None = None) -> Decision:
    """May `user` do `action` to `record`? Always returns a reason."""
    if action not in ACTIONS:
        return deny(f"Unknown action '{action}'.")
    if record.record_class not in RecordClass.values or record.tlp not in TLP.values:
        return deny("The record's class or marking is not recognised.")
    if not is_signed_in(user):
        if action == VIEW and _public(record):
            return allow("Public information.")
        return deny("Sign in to see this record.")
    problem = _account_problem(user)
    if problem is not None:
        return problem
    ties = _ties(user, record)
    if action == RECEIVE:
        # The sender states the need-to-know for a dissemination; the recipient needs the rest.
        return _view(user, record, ties, stated=True, receiving=True)
    seen = _view(user, record, ties, stated=bool(need_to_know and need_to_know.strip()))
    if action == VIEW or not seen:
        return seen
    if seen.reason == READ_BACK:
        return deny("The author may read back this law-enforcement record, not change it or pass it on.")
    if action == EDIT:
        if ties.author:
            return allow("Author of the record.")
        if user.role in CENTER_WORKER_ROLES and record.center_id and record.center_id == user_center_id(user):
            return allow(f"{user.get_role_display()} of the record's center.")
        return deny("Only the author or the analysts and supervisors of the record's center may change it.")
    if action == DELETE:
        if user.role == Role.PRIVACY_OFFICER:
            return allow("Privacy officer: purge authority.")
        if user.role == Role.SUPERVISOR and record.center_id and record.center_id == user_center_id(user):
            return allow("Supervisor of the record's center.")
        return deny("Only a supervisor of the record's center or the privacy officer may delete a record.")
    # SHARE and EXPORT: passing the record on.
    if record.tlp == TLP.RED and not ties.author:
        return deny("TLP:RED: only the author may pass this record on.")
    if record.record_class == RecordClass.CRIMINAL_INTELLIGENCE and not (need_to_know and need_to_know.strip()):
        return deny("Passing on criminal intelligence needs a stated need-to-know (28 CFR 23.20(e)).", True)
    if record.record_class in SENSITIVE_CLASSES and not has_law_enforcement_access(user):
        return deny("Only law enforcement and the center's staff may pass on law-enforcement information.")
    return allow(f"May {action}: {seen.reason}")


def _public(record: MarkedRecord) -> bool:
    return record.record_class == RecordClass.PUBLIC and record.tlp == TLP.CLEAR and not record.les and not record.cui


READ_BACK = "Author: reads back the law-enforcement record they wrote."


def _view(user: User, record: MarkedRecord, ties: _Ties, *, stated: bool, receiving: bool = False) -> Decision:
    if user.role == Role.PRIVACY_OFFICER and not receiving:
        return allow("Privacy officer: oversight of every record (audited).")
    le = has_law_enforcement_access(user)
    shared = ties.user_share or ties.org_share
    cls = record.record_class
    if cls == RecordClass.LAW_ENFORCEMENT and not le and ties.author and not receiving and not record.les \
            and not record.cui:
        return allow(READ_BACK)
    if cls in SENSITIVE_CLASSES and not le:
        return deny("Law-enforcement-only information: needs sworn law enforcement or the center's staff.")
    if cls == RecordClass.CRIMINAL_INTELLIGENCE and not has_intelligence_right_to_know(user):
        return deny("Criminal intelligence: needs sworn law enforcement or the center's staff (right to know).")
    if cls == RecordClass.CRIMINAL_INTELLIGENCE and not user.cfr23_training_current():
        return deny("Criminal intelligence needs current 28 CFR Part 23 training.")
    if record.les and not le:
        return deny("LES caveat: law enforcement and the center's staff only.")
    if record.cui and _is_private_sector(user) and not shared:
        return deny("CUI: not released to the private sector unless shared.")
    tlp = record.tlp
    same_org = bool(user.organization_id) and user.organization_id == record.owner_organization_id
    center_staff = (
        user.role in CENTER_STAFF_ROLES and record.center_id is not None and record.center_id == user_center_id(user)
    )
    if tlp == TLP.AMBER and not (same_org or center_staff or shared or ties.author):
        return deny("TLP:AMBER: the owning organization, its center and those it was shared with.")
    if tlp == TLP.AMBER_STRICT and not (same_org or shared or ties.author):
        return deny("TLP:AMBER+STRICT: the owning organization and those it was shared with.")
    if tlp == TLP.RED and not (ties.author or ties.user_share):
        return deny("TLP:RED: named recipients only.")
    if cls == RecordClass.CRIMINAL_INTELLIGENCE:
        center_worker = (
            user.role in CENTER_WORKER_ROLES
            and record.center_id is not None
            and record.center_id == user_center_id(user)
        )
        if not (ties.author or shared or center_worker or ties.statement or stated):
            return deny("Criminal intelligence: state your need to know for this record.", needs_statement=True)
    return allow(f"{RecordClass(cls).label}, TLP:{tlp}.")


# --- the same rules as a queryset filter ----------------------------------------------------------


def visible(user: Any, queryset: QuerySet, action: str = VIEW) -> QuerySet:
    """Filter `queryset` (of a MarkedRecord model) to what `user` may see, in the database.

    Mirrors `_view` rule by rule; tests check the two agree on every cell of the access matrix.
    Records that need a stated need-to-know are left out until one is recorded.
    """
    from .models import NeedToKnow, Share

    if action != VIEW:
        return queryset.none()
    if not is_signed_in(user):
        return queryset.filter(record_class=RecordClass.PUBLIC, tlp=TLP.CLEAR, les=False, cui="")
    if _account_problem(user) is not None:
        return queryset.none()
    if user.role == Role.PRIVACY_OFFICER:
        return queryset
    ct = ContentType.objects.get_for_model(queryset.model)
    oid = Cast(OuterRef("pk"), output_field=CharField())
    shares = Share.objects.filter(content_type=ct, object_id=oid)
    user_share = Exists(shares.filter(user=user))
    org_share = Exists(shares.filter(organization_id=user.organization_id)) if user.organization_id else Q(pk__in=[])
    statement = Exists(NeedToKnow.objects.filter(content_type=ct, object_id=oid, user=user, expires_at__gt=clock.now()))
    author = Q(created_by=user)
    shared = Q(user_share) | Q(org_share)
    center_id = user_center_id(user)
    nothing = Q(pk__in=[])
    center_worker = Q(center_id=center_id) if (user.role in CENTER_WORKER_ROLES and center_id) else nothing
    center_staff = Q(center_id=center_id) if (user.role in CENTER_STAFF_ROLES and center_id) else nothing
    same_org = Q(owner_organization_id=user.organization_id) if user.organization_id else nothing

    le = has_law_enforcement_access(user)
    by_class = Q(record_class__in=[RecordClass.PUBLIC, RecordClass.PARTNER])
    read_back = nothing if le else Q(record_class=RecordClass.LAW_ENFORCEMENT, les=False, cui="") & author
    if le:
        by_class |= Q(record_class=RecordClass.LAW_ENFORCEMENT)
        if has_intelligence_right_to_know(user) and user.cfr23_training_current():
            by_class |= Q(record_class=RecordClass.CRIMINAL_INTELLIGENCE) & (
                author | shared | center_worker | Q(statement)
            )
    caveats = Q()
    if not le:
        caveats &= Q(les=False)
    if _is_private_sector(user):
        caveats &= Q(cui="") | shared
    by_tlp = (
        Q(tlp__in=[TLP.CLEAR, TLP.GREEN])
        | (Q(tlp=TLP.AMBER) & (same_org | center_staff | shared | author))
        | (Q(tlp=TLP.AMBER_STRICT) & (same_org | shared | author))
        | (Q(tlp=TLP.RED) & (author | Q(user_share)))
    )
    return queryset.filter((by_class & caveats & by_tlp) | read_back)


# --- the checked form: decide, audit, raise ------------------------------------------------------


def require(
    user: Any,
    action: str,
    record: MarkedRecord,
    *,
    need_to_know: str | None = None,
    source_address: str | None = None,
) -> Decision:
    """Decide, write the audit entries the CJIS and 28 CFR 23 rules ask for, and raise if refused.

    Audited here: every refusal, and every view of a law-enforcement-only, criminal-intelligence or
    LES record. Changes are audited by the service that makes them, in the same transaction.

    A stated need-to-know that opens a criminal-intelligence record is kept for NEED_TO_KNOW_DAYS,
    so the analyst is not asked again on every page, and so the privacy officer can read it.
    """
    from . import audit
    from .models import NeedToKnow

    decision = decide(user, action, record, need_to_know=need_to_know)
    actor = user if is_signed_in(user) else None
    if not decision:
        audit.record(
            actor,
            f"{action}_denied",
            record,
            outcome="denied",
            source_address=source_address,
            detail={"reason": decision.reason},
        )
        raise AccessDenied(decision)
    if (
        action == VIEW
        and need_to_know
        and record.record_class == RecordClass.CRIMINAL_INTELLIGENCE
        and decision.allowed
        and actor is not None
    ):
        NeedToKnow.objects.create(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=str(record.pk),
            user=actor,
            statement=need_to_know.strip()[:1000],
            expires_at=clock.now() + dt.timedelta(days=NEED_TO_KNOW_DAYS),
        )
    if action == VIEW and (record.record_class in SENSITIVE_CLASSES or record.les):
        audit.record(
            actor,
            action,
            record,
            source_address=source_address,
            detail={"class": record.record_class, "tlp": record.tlp},
        )
    return decision
