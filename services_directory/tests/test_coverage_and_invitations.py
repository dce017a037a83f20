"""The coverage table command and the staff command that prepares providers' portal invitations."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from providers.models import Invitation
from services_directory.coverage import coverage
from services_directory.management.commands.directory_coverage import END, START
from services_directory.models import Organization
from services_directory.tests.test_programs import programs_file, record, write


@pytest.fixture
def loaded(taxonomy, tmp_path):
    # The full gazetteer: the 40 centres are placed by their gazetteer locality.
    call_command("load_gazetteer", stdout=io.StringIO())
    call_command("load_national_services", stdout=io.StringIO())
    data = programs_file(
        record(),  # Wagga Wagga NSW
        record(id="example-online", locations=[], online_area=["VIC"], delivery=["online"]),
        record(id="example-ended", status="ended", locations=[{"town": "Melbourne", "state": "VIC"}]),
    )
    call_command("load_programs", file=[write(tmp_path, data)], stdout=io.StringIO())


def test_coverage_counts_listed_programs_and_distances(loaded):
    result = coverage()
    states = {s.state: s for s in result.states}
    assert states["NSW"].in_person == 1 and states["NSW"].towns == 1
    assert states["VIC"].in_person == 0  # the ended Melbourne program is not counted
    assert states["VIC"].remote >= 1  # the online VIC program (and the national Brief Intervention Service)
    rows = {r.name: r for r in result.centres}
    assert len(result.centres) == 40
    assert rows["Wagga Wagga"].nearest_km == pytest.approx(0, abs=5)
    assert rows["Melbourne"].nearest_km > 150  # Wagga Wagga is the only in-person program
    assert rows["Melbourne"].remote_program
    assert 0 < result.within_reach < 40 and result.fraction == result.within_reach / 40


def test_the_command_writes_between_the_markers_only(loaded, tmp_path):
    doc = tmp_path / "directory.md"
    doc.write_text(f"# Before\n\n{START}\nold table\n{END}\n\n# After\n")
    out = io.StringIO()
    call_command("directory_coverage", doc=doc, stdout=out)
    text = doc.read_text()
    assert text.startswith("# Before") and text.endswith("# After\n") and "old table" not in text
    assert "| 28 | Wagga Wagga | NSW | Men's Behaviour Change Program | Wagga Wagga NSW | 0 |" in text
    assert "centres (" in out.getvalue()
    doc.write_text("no markers")
    with pytest.raises(CommandError, match="markers"):
        call_command("directory_coverage", doc=doc, stdout=io.StringIO())


def test_invitations_are_listed_then_sent_once_to_providers_with_an_email(loaded, settings):
    out = io.StringIO()
    call_command("prepare_listing_invitations", stdout=out)
    assert "Example Org\t2\tno e-mail" in out.getvalue()  # two listed programs; the ended one is not
    assert not Invitation.objects.exists()
    Organization.objects.filter(slug="example-org").update(email="intake@example.org")
    staff = get_user_model().objects.create_user(username="staff@example.org", password="x", is_staff=True)
    with pytest.raises(CommandError, match="--as"):
        call_command("prepare_listing_invitations", send=True, stdout=io.StringIO())
    for _ in range(2):
        call_command("prepare_listing_invitations", send=True, staff=staff.username, stdout=io.StringIO())
    invitation = Invitation.objects.get()
    assert invitation.email == "intake@example.org" and invitation.invited_by == staff
    out = io.StringIO()
    call_command("prepare_listing_invitations", stdout=out)
    assert "Example Org\t2\tinvitation pending" in out.getvalue()
