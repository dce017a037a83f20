"""Backup codes stored before this release as they were given out are replaced by their keyed hash
(providers.services.backup_code_digest), so they keep working and no code is left in the database.

The hash is written out here rather than imported: a migration keeps doing what it did when later
code changes. Going back leaves the hashes (the codes cannot be recovered): people then make new codes.
"""

import base64
import re

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

PLAIN_CODE = re.compile(r"[a-z2-7]{8}")  # django-otp's static tokens: 8 characters of base32


def hash_plain_backup_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all():
        if PLAIN_CODE.fullmatch(token.token):
            mac = salted_hmac(
                "providers.backup-code", token.token, secret=settings.SECRET_KEY, algorithm="sha256"
            )
            token.token = base64.b32encode(mac.digest()).decode()[:16].lower()
            token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0001_initial"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_plain_backup_codes, migrations.RunPython.noop)]
