"""The crisis contacts shown on every page, read from the contact registry (services_directory.contacts).

No number is written here: the registry reads the repository's data files, so the crisis line, the
GP pages, the printouts and the directory always agree. The names below are kept for the context
processor and templates that used them before the registry existed.
"""

from services_directory.contacts import Contact, contact

CrisisContact = Contact  # the old name of the type


def crisis_line() -> Contact:
    return contact(key="mensline")


def emergency() -> Contact:
    return contact(key="emergency")


def mens_referral_service() -> Contact:
    return contact(key="mens-referral-service")


CRISIS_LINE = crisis_line()
EMERGENCY = emergency()
MENS_REFERRAL_SERVICE = mens_referral_service()
