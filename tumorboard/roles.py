"""Roles are Django groups; board duties (coordinator, chair, member) are BoardMembership rows.

Access decisions live in each app's selectors (querysets scoped to the user) and are tested as
allowed/refused pairs.
"""

from django.contrib.auth.models import Group

COORDINATOR = "coordinator"
CHAIR = "chair"
SPECIALIST = "specialist"
PATIENT = "patient"
STAFF_ROLES = (COORDINATOR, CHAIR, SPECIALIST)
ALL_ROLES = (*STAFF_ROLES, PATIENT)


def user_roles(user) -> frozenset[str]:
    if not user or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_tumorboard_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        user._tumorboard_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_staff_member(user) -> bool:
    """Clinical staff of some board (not a patient, not an outsider)."""
    return user.is_authenticated and (user.is_superuser or has_role(user, *STAFF_ROLES))


def ensure_role_groups() -> dict[str, Group]:
    return {name: Group.objects.get_or_create(name=name)[0] for name in ALL_ROLES}


def roles_context(request):
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else frozenset()
    return {
        "user_roles": roles,
        "is_clinical_staff": bool(user and is_staff_member(user)),
        "is_coordinator": COORDINATOR in roles,
        "is_chair": CHAIR in roles,
        "is_patient": PATIENT in roles,
    }
