from django.conf import settings

from content.crisis import CRISIS_LINE, EMERGENCY, MENS_REFERRAL_SERVICE


def site(request=None) -> dict:
    """Values every page's chrome needs. It touches no database, so error pages can use it too."""
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "discreet_titles": settings.DISCREET_TITLES,
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "demo_mode": settings.DEMO,
        "crisis_line": CRISIS_LINE,
        "emergency": EMERGENCY,
        "mens_referral_service": MENS_REFERRAL_SERVICE,
    }
