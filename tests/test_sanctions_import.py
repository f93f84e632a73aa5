"""Importing sanctions lists (UN Security Council Consolidated List XML): versions, hostile files, the
command and the upload page (issue 16)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from participants import sanctions
from participants.models import SanctionsEntry, SanctionsHit, SanctionsList, ScreeningRun
from participants.sanctions import FICTIONAL_LIST, sanctions_list_import, sanctions_list_parse

from . import factories as f

pytestmark = pytest.mark.django_db

FICTIONAL = FICTIONAL_LIST.read_bytes()

ONE_PERSON = b"""<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-11-02T08:00:00.000Z"><INDIVIDUALS><INDIVIDUAL>
<DATAID>1</DATAID><FIRST_NAME>IVAN</FIRST_NAME><SECOND_NAME>ZENDAROV</SECOND_NAME>
<REFERENCE_NUMBER>QDi.702</REFERENCE_NUMBER><LISTED_ON>2014-11-20</LISTED_ON>
</INDIVIDUAL></INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>&lol4;</FIRST_NAME>
<REFERENCE_NUMBER>X.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE list [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>&secret;</FIRST_NAME>
<REFERENCE_NUMBER>X.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://evil.example/list.dtd">
<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>"""

HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "external entity": EXTERNAL_ENTITY,
    "external DTD": EXTERNAL_DTD,
    "truncated": FICTIONAL[: len(FICTIONAL) // 2],
    "wrong root": b"<SANCTIONS><INDIVIDUALS/></SANCTIONS>",
    "no entries": b"<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>",
    "not XML": b"\x89PNG\r\n\x1a\n\x00\x00",
    "empty": b"",
    "a reference twice": ONE_PERSON.replace(
        b"</INDIVIDUAL>",
        b"</INDIVIDUAL><INDIVIDUAL><FIRST_NAME>B</FIRST_NAME><REFERENCE_NUMBER>QDi.702</REFERENCE_NUMBER></INDIVIDUAL>",
    ),
}


@pytest.fixture
def imported(admin_user):
    return sanctions_list_import(data=FICTIONAL, file_name="fictional.xml", by=admin_user, screen=False)


def test_the_fictional_list_is_imported_with_individuals_entities_aliases_and_dates(imported):
    assert imported.is_current and imported.source == "UNSC"
    assert imported.generated_on == dt.date(2026, 10, 1)
    entries = SanctionsEntry.objects.filter(list_version=imported)
    assert imported.entry_count == entries.count() == 34
    assert entries.filter(kind=SanctionsEntry.Kind.ENTITY).count() == 4
    qarwani = entries.get(reference="QDi.701")
    assert qarwani.name == "MUHAMMAD ABDULLAH QARWANI"
    assert "Mohammed Abdallah al-Qarwani" in qarwani.aliases
    assert "محمد عبد الله القرواني" in qarwani.aliases  # the name in its original script
    assert qarwani.dates_of_birth == ["1968-03-14"] and qarwani.nationalities == ["YE"]
    assert qarwani.listed_on == dt.date(2009, 6, 2)
    assert entries.get(reference="QDi.702").dates_of_birth == ["1971"]  # the year alone
    assert entries.get(reference="QDi.704").dates_of_birth == ["1960/1964"]  # between two years
    assert entries.get(reference="QDi.704").nationalities == ["EG", "SA"]
    assert "Iwan Sendarow" in entries.get(reference="QDi.702").aliases
    assert "ЗЕНДАРОВ ЭКСПОРТ" in entries.get(reference="QDe.803").aliases


def test_importing_again_makes_a_new_current_version_and_keeps_the_old_with_its_hits(imported, admin_user):
    old_entry = SanctionsEntry.objects.get(list_version=imported, reference="QDi.702")
    hit = f.SanctionsHitFactory(entry=old_entry)
    newer = sanctions_list_import(data=ONE_PERSON, by=admin_user, screen=False)
    imported.refresh_from_db()
    assert newer.is_current and not imported.is_current
    assert SanctionsList.objects.filter(source="UNSC").count() == 2
    assert SanctionsEntry.objects.filter(list_version=imported).count() == 34  # the old entries are kept
    assert SanctionsEntry.objects.filter(list_version=newer).count() == 1
    hit.refresh_from_db()
    assert hit.entry.list_version == imported  # the hit still names the version it was found in


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_bad_or_hostile_file_is_refused_and_leaves_the_current_list_untouched(imported, admin_user, name):
    before = set(SanctionsEntry.objects.values_list("pk", "name"))
    with pytest.raises(ValidationError) as refused:
        sanctions_list_import(data=HOSTILE[name], by=admin_user)
    assert refused.value.messages and all(message.strip() for message in refused.value.messages)
    assert "lollol" not in " ".join(refused.value.messages) and "root:" not in " ".join(refused.value.messages)
    assert list(SanctionsList.objects.values_list("pk", "is_current")) == [(imported.pk, True)]
    assert set(SanctionsEntry.objects.values_list("pk", "name")) == before
    assert not ScreeningRun.objects.exists()


def test_an_entity_declaration_is_refused_by_name():
    with pytest.raises(ValidationError, match="DTD, entities or external references"):
        sanctions_list_parse(BILLION_LAUGHS)


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(sanctions, "MAX_LIST_BYTES", 100)
    with pytest.raises(ValidationError, match="larger than"):
        sanctions_list_parse(FICTIONAL)


def test_importing_screens_everyone_against_the_new_version(admin_user, django_capture_on_commit_callbacks):
    f.ParticipantFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = sanctions_list_import(data=FICTIONAL, by=admin_user)
    run = ScreeningRun.objects.get()
    assert run.participant is None and run.list_version == version and run.total == 3 and run.reason == "list_import"
    assert callbacks  # handed to Celery once committed


def test_the_command_imports_a_file_and_refuses_a_bad_one(tmp_path):
    good = tmp_path / "list.xml"
    good.write_bytes(FICTIONAL)
    call_command("import_sanctions_list", str(good), "--no-screening", stdout=open(tmp_path / "out", "w"))  # noqa: SIM115
    assert SanctionsList.objects.get().entry_count == 34
    bad = tmp_path / "bad.xml"
    bad.write_bytes(EXTERNAL_ENTITY)
    with pytest.raises(CommandError, match="DTD"):
        call_command("import_sanctions_list", str(bad))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_sanctions_list", str(tmp_path / "missing.xml"))
    assert SanctionsList.objects.count() == 1


def test_an_admin_uploads_a_list_on_the_sanctions_page(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("consolidated.xml", FICTIONAL, content_type="application/xml")
    response = client.post(reverse("participants:sanctions-lists"), {"source": "unsc", "file": upload})
    assert response.status_code == 302
    version = SanctionsList.objects.get()
    assert version.file_name == "consolidated.xml" and version.imported_by == admin_user and version.source == "UNSC"
    page = client.get(reverse("participants:sanctions-lists"))
    assert page.status_code == 200
    assert "consolidated.xml" in page.content.decode()


def test_a_hostile_upload_shows_the_refusal_and_changes_nothing(client, admin_user, imported):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("evil.xml", EXTERNAL_ENTITY, content_type="application/xml")
    response = client.post(reverse("participants:sanctions-lists"), {"source": "UNSC", "file": upload})
    assert response.status_code == 400
    assert "external references" in response.content.decode()
    assert list(SanctionsList.objects.values_list("pk", flat=True)) == [imported.pk]


def test_only_admins_may_upload_a_list(client, staff, cleared_staff):
    for user in (staff, cleared_staff):
        client.force_login(user)
        upload = SimpleUploadedFile("list.xml", FICTIONAL, content_type="application/xml")
        assert client.post(reverse("participants:sanctions-lists"), {"file": upload}).status_code == 404
    assert not SanctionsList.objects.exists()
    with pytest.raises(ValidationError):
        sanctions_list_import(data=FICTIONAL, by=cleared_staff)
    assert not SanctionsHit.objects.exists()


def test_the_same_file_imported_again_is_refused_and_the_current_version_stays(imported, admin_user):
    with pytest.raises(ValidationError, match="current version of the UNSC list already"):
        sanctions_list_import(data=FICTIONAL, file_name="again.xml", by=admin_user, screen=False)

    assert list(SanctionsList.objects.values_list("pk", "is_current")) == [(imported.pk, True)]
