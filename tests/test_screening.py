"""Sanctions screening (issue 16): matching hard cases, runs and their progress, hits and their resolution."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from config.celery_app import app as celery_app
from participants import screening, services
from participants import tasks as participant_tasks
from participants.models import SanctionsEntry, SanctionsHit, ScreeningRun, VettingCaseEvent
from participants.sanctions import FICTIONAL_LIST, sanctions_hit_resolve, sanctions_list_import, sanctions_list_parse
from participants.screening import ScreeningIndex, screening_run_process, screening_run_request

from . import factories as f

FICTIONAL = FICTIONAL_LIST.read_bytes()
_EDITIONS = itertools.count(2)


def next_edition():
    """The fictional list as a later edition would publish it (another ``dateGenerated``): the same file
    imported twice is refused."""
    day = next(_EDITIONS)
    return FICTIONAL.replace(b'dateGenerated="2026-10-01', f'dateGenerated="2026-10-{day:02d}'.encode())


@pytest.fixture(scope="module")
def index():
    entries = sanctions_list_parse(FICTIONAL)["entries"]
    return ScreeningIndex([dict(entry, pk=entry["reference"]) for entry in entries])


def best(index, name, born=None, nationality=""):
    matches = index.screen(name, born, nationality)
    return matches[0] if matches else None


# --- matching --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Muhammad Abdullah Qarwani",
        "Mohammed Abdullah Qarwani",
        "Mohamed Abdallah Qarwani",
        "Qarwani Muhammad Abdullah",  # reordered
        "Мухаммед Абдулла Карвани",  # Cyrillic
        "محمد عبدالله القرواني",  # Arabic, with the article
        "محمد عبد الله القرواني",
        "MOHAMED  al-QARWANI",
    ],
)
def test_transliterations_and_spellings_of_one_name_meet(index, name):
    match = best(index, name)
    assert match is not None and match.entry_id == "QDi.701", name


def test_word_order_does_not_count(index):
    assert best(index, "Zendarov Ivan Petrovich").explanation["name"] == 100


def test_accents_do_not_count(index):
    match = best(index, "Francois Xavier Lefevre Dumontier")
    assert match.entry_id == "QDi.703" and match.explanation["name"] == 100
    assert best(index, "José Maria Echevarria Quilca").entry_id == "QDi.722"


def test_a_name_matches_an_alias(index):
    match = best(index, "Jelena Gruschewaja")
    assert match.entry_id == "QDi.726" and match.explanation["matched"] == "alias"
    assert match.matched_name == "Jelena Gruschewaja"


def test_a_cyrillic_name_matches_the_latin_entry(index):
    assert best(index, "Светлана Кротова").entry_id == "QDi.705"


def test_a_near_namesake_born_in_another_year_scores_below_the_threshold(index):
    namesake = index.screen("Ivan Petrovich Zendarov", dt.date(1990, 5, 1), "RU")
    assert namesake == []
    scored = index.screen("Ivan Petrovich Zendarov", dt.date(1990, 5, 1), "RU", cutoff=0)[0]
    assert scored.explanation["date_of_birth"] == {"points": -25, "reason": "different"}
    assert scored.score < screening.threshold()


def test_the_same_date_of_birth_and_nationality_raise_the_score(index):
    plain = best(index, "Svetlana Krotova")
    sharpened = best(index, "Svetlana Krotova", dt.date(1982, 7, 1), "BY")
    assert sharpened.score > plain.score
    assert sharpened.explanation["date_of_birth"]["reason"] == "same_date"
    assert sharpened.explanation["nationality"] == {"points": 5, "reason": "same"}


def test_a_birth_year_within_the_lists_range_counts(index):
    match = best(index, "Omar Farouq Bassiouni Zahrani", dt.date(1962, 1, 1))
    assert match.explanation["date_of_birth"]["reason"] == "in_range"


@pytest.mark.parametrize(
    "name", ["Ahmed Hassan", "Maria Lopez", "Ivan Petrov", "Olga Ivanova", "Anna Schmidt", "Participant Person 7"]
)
def test_unrelated_names_are_not_hits(index, name):
    assert index.screen(name) == []


def test_one_shared_first_name_is_no_hit(index):
    assert index.screen("Muhammad Lindqvist") == []


def test_the_explanation_reads_as_sentences():
    lines = screening.explanation_lines(
        {"name": 92.0, "matched": "alias", "date_of_birth": {"points": -25, "reason": "different"}}
    )
    assert len(lines) == 2 and "92.0" in lines[0] and "-25" in lines[1]
    assert screening.explanation_lines("garbage") == []


# --- runs ------------------------------------------------------------------------------------------


@pytest.fixture
def listed(db, admin_user):
    return sanctions_list_import(data=FICTIONAL, by=admin_user, screen=False)


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_a_run_screens_everyone_in_chunks_and_records_its_progress(listed, monkeypatch):
    monkeypatch.setattr(screening, "CHUNK_SIZE", 2)
    qarwani = f.ParticipantFactory(full_name="Mohammed Qarwani", nationality="YE", date_of_birth=dt.date(1968, 3, 14))
    f.ParticipantFactory.create_batch(4)
    run = screening_run_request(reason="test")
    assert run.status == ScreeningRun.Status.QUEUED and run.total == 5 and run.done == 0
    run = screening_run_process(run.pk)
    assert run.status == ScreeningRun.Status.DONE and run.done == 5 and run.hits_found == 1 and run.finished_at
    hit = SanctionsHit.objects.get()
    assert hit.participant == qarwani and hit.entry.reference == "QDi.701" and hit.entry.list_version == listed
    assert hit.status == SanctionsHit.Status.OPEN and hit.screening == run
    assert hit.matched_name and hit.explanation["date_of_birth"]["reason"] == "same_date"
    assert screening_run_process(run.pk) is None  # done: nothing to do twice


def test_creating_a_participant_screens_them(listed, admin_user, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = services.participant_create(by=admin_user, full_name="Iwan Sendarow", languages=["ru"])
    run = ScreeningRun.objects.get(participant=person)
    assert run.status == ScreeningRun.Status.DONE and run.reason == "created"
    assert person.sanctions_hits.get().entry.reference == "QDi.702"


def test_a_new_name_screens_again_and_other_changes_do_not(
    listed, admin_user, eager_celery, django_capture_on_commit_callbacks
):
    person = f.ParticipantFactory(full_name="Anna Lindqvist")
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_update(participant=person, by=admin_user, title="Professor")
    assert not ScreeningRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_update(participant=person, by=admin_user, full_name="Khaled Yusuf Mansouri")
    assert ScreeningRun.objects.get().reason == "changed"
    assert person.sanctions_hits.get(status="open").entry.reference == "QDi.707"
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_update(participant=person, by=admin_user, full_name="Anna Lindqvist")
    assert person.sanctions_hits.get().status == SanctionsHit.Status.SUPERSEDED  # no longer matched


def test_no_run_is_asked_for_before_a_list_is_imported(db, admin_user):
    services.participant_create(by=admin_user, full_name="Mohammed Qarwani", languages=["en"])
    assert not ScreeningRun.objects.exists()


def test_a_new_list_version_supersedes_the_old_open_hits_and_keeps_resolved_ones(listed, admin_user):
    open_person = f.ParticipantFactory(full_name="Mohammed Qarwani")
    cleared_person = f.ParticipantFactory(full_name="Svetlana Krotova")
    screening_run_process(screening_run_request().pk)
    cleared = cleared_person.sanctions_hits.get()
    sanctions_hit_resolve(hit=cleared, decision="clear", note="Born 1950, another person.", by=admin_user)
    newer = sanctions_list_import(data=next_edition(), by=admin_user, screen=False)
    run = screening_run_process(screening_run_request().pk)
    assert run.list_version == newer
    old, new = open_person.sanctions_hits.order_by("pk")
    assert old.status == SanctionsHit.Status.SUPERSEDED and old.resolved_at and old.entry.list_version == listed
    assert new.status == SanctionsHit.Status.OPEN and new.entry.list_version == newer and new.screening == run
    cleared.refresh_from_db()
    assert cleared.status == SanctionsHit.Status.CLEARED  # a decision is history: it stays


def test_a_hit_of_an_entry_kept_by_hand_is_not_superseded(listed):
    person = f.ParticipantFactory(full_name="Anna Lindqvist")
    hand = f.SanctionsHitFactory(participant=person, entry=f.SanctionsEntryFactory())
    screening_run_process(screening_run_request().pk)
    hand.refresh_from_db()
    assert hand.status == SanctionsHit.Status.OPEN


def test_the_progress_partial_polls_until_the_run_is_done(client, admin_user, listed):
    f.ParticipantFactory()
    run = screening_run_request()
    client.force_login(admin_user)
    url = reverse("participants:screening-progress", args=[run.pk])
    waiting = client.get(url).content.decode()
    assert "data-hx-get" in waiting and "0 of 1" in waiting
    screening_run_process(run.pk)
    done = client.get(url).content.decode()
    assert "data-hx-get" not in done and "1 of 1" in done


def test_others_do_not_see_screening_runs(client, staff, cleared_staff, listed):
    run = screening_run_request()
    for user in (staff, cleared_staff):
        client.force_login(user)
        assert client.get(reverse("participants:screening-progress", args=[run.pk])).status_code == 404


# --- resolving hits --------------------------------------------------------------------------------


@pytest.fixture
def hit(listed):
    person = f.ParticipantFactory(full_name="Mohammed Qarwani")
    screening_run_process(screening_run_request().pk)
    return person.sanctions_hits.get()


def resolve(client, hit, **data):
    return client.post(reverse("participants:sanctions-hit-resolve", args=[hit.pk]), data)


def test_clearing_a_hit_needs_a_reason(client, admin_user, hit):
    client.force_login(admin_user)
    resolve(client, hit, decision="clear", note="  ")
    hit.refresh_from_db()
    assert hit.status == SanctionsHit.Status.OPEN
    response = resolve(client, hit, decision="clear", note="Different date of birth; passport seen.")
    assert response.status_code == 302
    hit.refresh_from_db()
    assert hit.status == SanctionsHit.Status.CLEARED and hit.resolved_by == admin_user and hit.resolved_at
    assert hit.note == "Different date of birth; passport seen."


def test_confirming_a_hit_is_recorded_in_the_open_vetting_case(client, admin_user, hit):
    case = f.VettingCaseFactory(participant=hit.participant)
    client.force_login(admin_user)
    resolve(client, hit, decision="confirm", note="")
    hit.refresh_from_db()
    assert hit.status == SanctionsHit.Status.CONFIRMED and hit.resolved_by == admin_user
    event = VettingCaseEvent.objects.get(case=case)
    assert event.action == "sanctions_hit_confirmed" and event.actor == admin_user


def test_a_resolved_hit_is_not_resolved_again(admin_user, hit):
    sanctions_hit_resolve(hit=hit, decision="confirm", by=admin_user)
    with pytest.raises(ValidationError, match="already resolved"):
        sanctions_hit_resolve(hit=hit, decision="clear", note="Oops", by=admin_user)


def test_only_admins_resolve_hits(client, staff, cleared_staff, facilitator_user, hit):
    for user in (staff, cleared_staff, facilitator_user):
        client.force_login(user)
        assert resolve(client, hit, decision="clear", note="Not them").status_code == 404
        with pytest.raises(ValidationError):
            sanctions_hit_resolve(hit=hit, decision="clear", note="Not them", by=user)
    hit.refresh_from_db()
    assert hit.status == SanctionsHit.Status.OPEN


def test_resolving_returns_to_the_page_it_came_from_on_this_site_only(client, admin_user, hit):
    client.force_login(admin_user)
    response = resolve(client, hit, decision="confirm", next="https://evil.example/")
    assert response["Location"] == hit.participant.get_absolute_url()


# --- the case's panel ------------------------------------------------------------------------------


def render_panel(user, case):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load sanctions %}{% case_sanctions_hits case %}")
    return template.render(Context({"request": request, "case": case, "csrf_token": "token"}))


def test_the_case_panel_shows_the_hits_entry_and_forms_to_admins_only(admin_user, cleared_staff, hit):
    case = f.VettingCaseFactory(participant=hit.participant)
    shown = render_panel(admin_user, case)
    assert "QDi.701" in shown and "MUHAMMAD ABDULLAH QARWANI" in shown and "Yemen" in shown
    assert reverse("participants:sanctions-hit-resolve", args=[hit.pk]) in shown
    assert "1 of 1 screened" in shown
    hidden = render_panel(cleared_staff, case)
    assert "QDi.701" not in hidden and "sanctions-hit-resolve" not in hidden


def test_list_entries_keep_their_version_after_a_new_import(admin_user, hit):
    sanctions_list_import(data=next_edition(), by=admin_user, screen=False)
    assert SanctionsEntry.objects.filter(reference="QDi.701").count() == 2
    hit.refresh_from_db()
    assert not hit.entry.list_version.is_current


def test_the_vetting_case_page_shows_the_hit_with_its_forms(client, admin_user, hit):
    case = f.VettingCaseFactory(participant=hit.participant)
    client.force_login(admin_user)
    page = client.get(reverse("participants:vetting-case", args=[case.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "QDi.701" in content and reverse("participants:sanctions-hit-resolve", args=[hit.pk]) in content


# --- a new list version keeps the admins' decisions ----------------------------------------------


@pytest.fixture
def decided(listed, admin_user):
    """Svetlana Krotova's hit of QDi.705 cleared as a false positive, in the first version of the list."""
    person = f.ParticipantFactory(full_name="Svetlana Krotova", nationality="")
    screening_run_process(screening_run_request().pk)
    hit = person.sanctions_hits.get()
    return sanctions_hit_resolve(hit=hit, decision="clear", note="Born 1950 in Minsk; passport seen.", by=admin_user)


def screen_a_new_version(admin_user, data=None):
    version = sanctions_list_import(data=data or next_edition(), by=admin_user, screen=False)
    screening_run_process(screening_run_request().pk)
    return version


def newest_hit(person):
    return person.sanctions_hits.select_related("entry__list_version").order_by("-pk").first()


def test_a_cleared_hit_stays_cleared_in_a_new_version_of_the_list(decided, listed, admin_user):
    newer = screen_a_new_version(admin_user)
    hit = newest_hit(decided.participant)
    assert hit.pk != decided.pk and hit.entry.list_version == newer and hit.entry.reference == "QDi.705"
    assert hit.status == SanctionsHit.Status.CLEARED
    assert hit.note == "Born 1950 in Minsk; passport seen."
    assert hit.resolved_by == admin_user and hit.resolved_at == decided.resolved_at
    assert hit.explanation["carried_over"]["hit"] == decided.pk
    assert hit.explanation["carried_over"]["version"] == listed.pk
    assert not decided.participant.sanctions_hits.filter(status=SanctionsHit.Status.OPEN).exists()


def test_a_confirmed_hit_stays_confirmed_in_a_new_version_of_the_list(listed, admin_user):
    person = f.ParticipantFactory(full_name="Mohammed Qarwani")
    screening_run_process(screening_run_request().pk)
    sanctions_hit_resolve(hit=person.sanctions_hits.get(), decision="confirm", by=admin_user)
    screen_a_new_version(admin_user)
    assert newest_hit(person).status == SanctionsHit.Status.CONFIRMED


def test_a_decision_carried_over_is_shown_on_the_case_and_in_its_history(client, decided, admin_user):
    case = f.VettingCaseFactory(participant=decided.participant)
    screen_a_new_version(admin_user)
    assert "Decision carried over from the UNSC list version" in render_panel(admin_user, case)
    client.force_login(admin_user)
    page = client.get(reverse("participants:vetting-case", args=[case.pk]))
    history = page.context["history"]
    assert history[0].action == "Sanctions hit: the earlier decision carried over to a new list version"
    assert history[0].actor is None
    assert {change.text for change in history[0].changes} >= {"QDi.705", "Cleared (not the same person)"}


def test_a_hit_is_open_again_when_the_persons_screened_details_changed_since_the_decision(decided, admin_user):
    person = decided.participant
    services.participant_update(participant=person, by=admin_user, date_of_birth=dt.date(1982, 7, 1))
    screen_a_new_version(admin_user)
    hit = newest_hit(person)
    assert hit.pk != decided.pk and hit.status == SanctionsHit.Status.OPEN and "carried_over" not in hit.explanation


def test_a_decided_hit_is_open_again_when_the_persons_details_change_under_the_same_list(decided, admin_user):
    person = decided.participant
    case = f.VettingCaseFactory(participant=person)
    services.participant_update(participant=person, by=admin_user, date_of_birth=dt.date(1982, 7, 1))
    screening_run_process(ScreeningRun.objects.get(participant=person, reason="changed").pk)
    hit = person.sanctions_hits.get()
    assert hit.pk == decided.pk and hit.status == SanctionsHit.Status.OPEN
    assert hit.resolved_by is None and hit.resolved_at is None and hit.note == ""
    assert hit.explanation["reopened"]["status"] == "cleared"
    assert hit.explanation["reopened"]["note"] == "Born 1950 in Minsk; passport seen."
    assert hit.explanation["date_of_birth"]["reason"] == "same_date"
    assert "Open again: it was cleared" in render_panel(admin_user, case)


def test_a_decided_hit_stays_decided_when_everyone_is_screened_again_unchanged(decided):
    screening_run_process(screening_run_request().pk)
    assert decided.participant.sanctions_hits.get().status == SanctionsHit.Status.CLEARED


def test_a_hit_is_open_again_when_the_list_entry_changed(decided, admin_user):
    changed = FICTIONAL.replace(b"<DATE>1982-07-01</DATE>", b"<DATE>1983-07-01</DATE>")
    screen_a_new_version(admin_user, changed)
    hit = newest_hit(decided.participant)
    assert hit.pk != decided.pk and hit.status == SanctionsHit.Status.OPEN


def test_a_decision_recorded_without_the_persons_details_is_not_carried_over(decided, admin_user):
    explanation = {key: value for key, value in decided.explanation.items() if key != "subject"}
    SanctionsHit.objects.filter(pk=decided.pk).update(explanation=explanation)
    screen_a_new_version(admin_user)
    assert newest_hit(decided.participant).status == SanctionsHit.Status.OPEN


def test_the_newest_decision_on_an_entry_is_the_one_carried_over(decided, admin_user):
    person = decided.participant
    services.participant_update(participant=person, by=admin_user, nationality="BY")
    screen_a_new_version(admin_user)
    reopened = newest_hit(person)
    sanctions_hit_resolve(hit=reopened, decision="confirm", by=admin_user)
    screen_a_new_version(admin_user)
    assert newest_hit(person).status == SanctionsHit.Status.CONFIRMED


# --- runs left behind by a broker that was away or a worker that died ------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    from kombu.exceptions import OperationalError

    from participants import tasks

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.screening_run_process_task, "apply_async", refuse)


def test_a_participant_is_saved_while_the_broker_is_down_and_the_run_waits_queued(
    client, admin_user, listed, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("participants:participant-create"),
            {"full_name": "Iwan Sendarow", "category": "expert", "risk_level": "1", "level": "20", "languages": ["ru"]},
        )
    assert response.status_code == 302
    run = ScreeningRun.objects.get(participant__full_name="Iwan Sendarow")
    assert run.status == ScreeningRun.Status.QUEUED and run.reason == "created"


def test_the_sweep_publishes_a_run_left_queued_once_it_is_stale(listed, eager_celery, settings):
    settings.PARLEY_SCREENING_STALE_SECONDS = 300
    person = f.ParticipantFactory(full_name="Mohammed Qarwani")
    run = screening_run_request(participant=person)
    assert screening.screening_runs_sweep(now=run.created_at + dt.timedelta(seconds=299)) == 0
    run.refresh_from_db()
    assert run.status == ScreeningRun.Status.QUEUED
    assert screening.screening_runs_sweep(now=run.created_at + dt.timedelta(seconds=301)) == 1
    run.refresh_from_db()
    assert run.status == ScreeningRun.Status.DONE and person.sanctions_hits.count() == 1


def test_the_sweep_leaves_runs_queued_while_the_broker_is_still_down(listed, broker_down):
    run = screening_run_request(participant=f.ParticipantFactory())
    assert screening.screening_runs_sweep(now=run.created_at + dt.timedelta(hours=1)) == 0
    run.refresh_from_db()
    assert run.status == ScreeningRun.Status.QUEUED


def test_a_run_stuck_running_is_taken_over_and_restarts_without_duplicate_hits(listed, monkeypatch):
    monkeypatch.setattr(screening, "CHUNK_SIZE", 1)
    f.ParticipantFactory(full_name="Mohammed Qarwani")
    f.ParticipantFactory(full_name="Svetlana Krotova")
    f.ParticipantFactory.create_batch(2)
    run = screening_run_process(screening_run_request().pk)
    hits = set(SanctionsHit.objects.values_list("pk", flat=True))
    assert len(hits) == 2
    # Its worker died halfway through: running, half done, no progress for an hour.
    long_ago = run.started_at - dt.timedelta(hours=1)
    ScreeningRun.objects.filter(pk=run.pk).update(
        status=ScreeningRun.Status.RUNNING, done=2, started_at=long_ago, finished_at=None
    )
    run = screening_run_process(run.pk)
    assert run.status == ScreeningRun.Status.DONE and run.done == run.total == 4
    assert set(SanctionsHit.objects.values_list("pk", flat=True)) == hits and run.hits_found == 2
    assert screening_run_process(run.pk) is None  # done: a second delivery does nothing


def test_a_run_still_making_progress_is_not_taken_over(listed):
    f.ParticipantFactory()
    run = screening_run_request()
    ScreeningRun.objects.filter(pk=run.pk).update(status=ScreeningRun.Status.RUNNING, started_at=run.created_at)
    assert screening_run_process(run.pk) is None
    assert screening.screening_runs_sweep(now=run.created_at + dt.timedelta(seconds=10)) == 0


def test_a_worker_whose_run_was_taken_over_stops_and_its_chunk_is_rolled_back(listed, monkeypatch):
    monkeypatch.setattr(screening, "CHUNK_SIZE", 1)
    f.ParticipantFactory(full_name="Mohammed Qarwani")
    run = screening_run_request()
    original = screening._screen_chunk

    def taken_over_meanwhile(run_id, lease, index, chunk):
        ScreeningRun.objects.filter(pk=run_id).update(started_at=lease + dt.timedelta(seconds=1))
        return original(run_id, lease, index, chunk)

    monkeypatch.setattr(screening, "_screen_chunk", taken_over_meanwhile)
    assert screening_run_process(run.pk) is None
    run.refresh_from_db()
    assert run.status == ScreeningRun.Status.RUNNING and run.done == 0  # the other worker's to finish
    assert not SanctionsHit.objects.exists()


def test_beat_sweeps_screening_runs(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["screening-sweep"]
    assert entry["task"] == participant_tasks.screening_runs_sweep_task.name
    assert entry["task"] in celery_app.tasks
    assert settings.PARLEY_SCREENING_STALE_SECONDS == 300
