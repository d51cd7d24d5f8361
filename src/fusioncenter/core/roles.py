"""Roles, disciplines and the groups of roles the access rules speak of.

Identifiers are stable: the command line, the API and the access matrix use them as written.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    ANALYST = "analyst", "Intelligence analyst"
    SUPERVISOR = "supervisor", "Supervisor"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    ALERT_COORDINATOR = "alert_coordinator", "Alert coordinator"
    PARTNER_OFFICER = "partner_officer", "Partner officer (sworn law enforcement)"
    PARTNER_MEMBER = "partner_member", "Partner member"
    LIAISON_OFFICER = "liaison_officer", "Liaison officer (TLO/FLO)"


class Discipline(models.TextChoices):
    LE_FEDERAL = "le_federal", "Law enforcement: federal"
    LE_STATE = "le_state", "Law enforcement: state"
    LE_LOCAL = "le_local", "Law enforcement: local"
    LE_TRIBAL = "le_tribal", "Law enforcement: tribal"
    EMERGENCY_MANAGEMENT = "emergency_management", "Emergency management"
    FIRE = "fire", "Fire service"
    PUBLIC_HEALTH = "public_health", "Public health"
    CORRECTIONS = "corrections", "Corrections"
    MILITARY = "military", "Military"
    PRIVATE_SECTOR = "private_sector", "Private sector"
    OTHER_GOVERNMENT = "other_government", "Other government"


LAW_ENFORCEMENT_DISCIPLINES = frozenset(
    {Discipline.LE_FEDERAL, Discipline.LE_STATE, Discipline.LE_LOCAL, Discipline.LE_TRIBAL}
)

# The fusion center's own staff: they hold law-enforcement-sensitive information by position.
CENTER_STAFF_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.PRIVACY_OFFICER})
# Roles that work records of their center's queue.
CENTER_WORKER_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR})
