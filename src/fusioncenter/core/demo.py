"""The core demo: clearly fictional partner organizations and one account of every role.

All demo accounts share one random password, printed once and kept in
FUSIONCENTER_DATA_DIR/demo-credentials.txt (readable by its owner only); each account enrols its
authenticator app by QR code at first sign-in.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TextIO

from django.conf import settings
from django.db import transaction

from . import clock, services
from .models import Center, County, Organization, User
from .roles import Discipline, Role

# (name, acronym, discipline, county)
ORGANIZATIONS = [
    ("Capitol City Police Department (demo)", "CCPD", Discipline.LE_LOCAL, "Dane"),
    ("Lakefront Police Department (demo)", "LFPD", Discipline.LE_LOCAL, "Milwaukee"),
    ("Northwoods County Sheriff's Office (demo)", "NCSO", Discipline.LE_LOCAL, "Oneida"),
    ("Fox River Tribal Police (demo)", "FRTP", Discipline.LE_TRIBAL, "Menominee"),
    ("State Patrol District 9 (demo)", "SP9", Discipline.LE_STATE, "Dane"),
    ("Federal Field Office Milwaukee (demo)", "FFO", Discipline.LE_FEDERAL, "Milwaukee"),
    ("Fox Valley Fire District (demo)", "FVFD", Discipline.FIRE, "Outagamie"),
    ("Southeast Public Health Consortium (demo)", "SEPHC", Discipline.PUBLIC_HEALTH, "Waukesha"),
    ("Badger Emergency Management Office (demo)", "BEMO", Discipline.EMERGENCY_MANAGEMENT, "Dane"),
    ("Prairie Correctional Institution (demo)", "PCI", Discipline.CORRECTIONS, "Dodge"),
    ("Guard Readiness Unit (demo)", "GRU", Discipline.MILITARY, "Monroe"),
    ("Great Lakes Power Cooperative (demo)", "GLPC", Discipline.PRIVATE_SECTOR, "Dane"),
    ("Department of Demo Transportation (demo)", "DDT", Discipline.OTHER_GOVERNMENT, "Dane"),
]

# (username, first, last, role, organization acronym or center code, sworn, trained, title)
ACCOUNTS = [
    ("analyst.wsic", "Avery", "Analyst", Role.ANALYST, "WSIC", False, True, "Intelligence Analyst"),
    ("analyst.stac", "Sam", "Analyst", Role.ANALYST, "STAC", False, True, "Intelligence Analyst"),
    ("supervisor.wsic", "Morgan", "Supervisor", Role.SUPERVISOR, "WSIC", True, True, "Supervisory Special Agent"),
    ("supervisor.stac", "Riley", "Supervisor", Role.SUPERVISOR, "STAC", True, True, "Lieutenant"),
    ("privacy.officer", "Pat", "Privacy", Role.PRIVACY_OFFICER, "WSIC", False, True, "Privacy Officer"),
    (
        "alert.coordinator",
        "Casey",
        "Coordinator",
        Role.ALERT_COORDINATOR,
        "WSIC",
        True,
        True,
        "AMBER Alert Coordinator",
    ),
    ("officer.capitol", "Jordan", "Officer", Role.PARTNER_OFFICER, "CCPD", True, True, "Detective"),
    ("officer.lakefront", "Taylor", "Officer", Role.PARTNER_OFFICER, "LFPD", True, True, "Sergeant"),
    ("officer.northwoods", "Quinn", "Deputy", Role.PARTNER_OFFICER, "NCSO", True, False, "Deputy"),
    ("member.utility", "Jamie", "Security", Role.PARTNER_MEMBER, "GLPC", False, False, "Corporate Security Manager"),
    ("member.health", "Drew", "Epidemiologist", Role.PARTNER_MEMBER, "SEPHC", False, False, "Epidemiologist"),
    ("liaison.fire", "Robin", "Liaison", Role.LIAISON_OFFICER, "FVFD", False, False, "Fire Liaison Officer"),
]


@transaction.atomic
def load(stdout: TextIO) -> None:
    if User.objects.filter(username="analyst.wsic").exists():
        stdout.write("    core demo already loaded\n")
        return
    centers = {c.code: c for c in Center.objects.all()}
    orgs: dict[str, Organization] = {}
    for org in Organization.objects.filter(is_fusion_center=True):
        orgs[org.center.code] = org
    for name, acronym, discipline, county_name in ORGANIZATIONS:
        county = County.objects.get(name=county_name)
        orgs[acronym] = services.save_organization(
            "system",
            name=name,
            acronym=acronym,
            discipline=discipline,
            county=county,
            center=county.center,
            phone="555-0100",
            email=f"contact@{acronym.lower()}.example",
        )
    password = "demo-" + "-".join(secrets.token_urlsafe(5) for _ in range(3))
    trained_on = clock.today() - dt.timedelta(days=90)
    for username, first, last, role, org_key, sworn, trained, title in ACCOUNTS:
        org = orgs[org_key]
        services.create_user(
            "system",
            username=username,
            password=password,
            role=role,
            organization=org,
            email=f"{username}@demo.example",
            first_name=first,
            last_name=last,
            sworn=sworn,
            cfr23_trained_on=trained_on if trained else None,
            home_center=centers.get(org_key) if org_key in centers else None,
            title=title,
            phone="555-0199",
        )
    creds = settings.DATA_DIR / "demo-credentials.txt"
    creds.write_text(
        "Demo accounts (fictional). Each enrols an authenticator app by QR code at first sign-in.\n"
        f"password for every demo account: {password}\n" + "".join(f"  {a[0]:22} {a[3].label}\n" for a in ACCOUNTS)
    )
    creds.chmod(0o600)
    stdout.write(
        f"    {len(ORGANIZATIONS)} fictional partner organizations, {len(ACCOUNTS)} demo accounts "
        f"(usernames: {', '.join(a[0] for a in ACCOUNTS)}).\n"
        f"    Demo password for all of them: {password}  (also in {creds})\n"
    )
