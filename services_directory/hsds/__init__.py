"""Open Referral HSDS 3.0: the official schemas, validation, the read-only API's JSON, import and export.

The schema files in `schema/` are the official HSDS 3.0 files (CC BY-SA 4.0, see schema/README.md).
"""
