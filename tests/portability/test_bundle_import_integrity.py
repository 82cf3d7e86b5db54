"""References an import writes: resolved only inside the target workspace, protected while the
import runs, and checked by the database again for everything written after it."""

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scope

from ecosys.ecosystem.models import Organization, Person
from ecosys.portability.bundle_import import import_bundle

from .test_bundle import _fix_checksum, drop_workspace, new_workspace, rebuild, row_total, write
from .test_bundle import analytics_dir as analytics_dir  # noqa: F401 (fixture)
from .test_bundle import bundle as bundle  # noqa: F401 (fixture)


def _refer_to(public_id: str):
    import json

    def change(files):
        name = "entities/ecosystem.person.jsonl"
        lines = files[name].split(b"\n")
        record = json.loads(lines[0])
        record["organization"] = public_id
        lines[0] = json.dumps(record, sort_keys=True).encode()
        files[name] = b"\n".join(lines)
        _fix_checksum(files, name)

    return change


def test_a_reference_to_another_workspaces_row_is_refused(workspace, bundle, tmp_path):
    other = new_workspace(name="Other", slug="other")
    with scope(workspace=other.pk):
        foreign = Organization.objects.create(workspace=other, name="Not yours")
    path = write(tmp_path, rebuild(bundle, _refer_to(str(foreign.public_id))))
    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, path)
    assert not report.ok and not report.applied
    assert any("resolve neither" in problem for problem in report.problems), report.problems
    assert row_total(target) == 0


def test_the_database_checks_references_again_after_an_import(workspace, bundle, tmp_path):
    path = write(tmp_path, bundle)
    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, path)
    assert report.ok and report.applied, report.problems
    with scope(workspace=target.pk):
        person = Person.objects.order_by("pk").first()
    # Written in the same transaction after the import: the database refuses it again.
    assert Person._base_manager.filter(pk=person.pk).update(organization_id=10**12) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        connection.check_constraints(table_names=["ecosystem_person"])
    Person._base_manager.filter(pk=person.pk).update(organization_id=person.organization_id)


@pytest.mark.postgresql  # row locks seen from another connection
def test_rows_the_import_refers_to_cannot_be_deleted_before_it_commits(workspace, bundle, tmp_path):
    import psycopg
    from psycopg.errors import LockNotAvailable

    report = import_bundle(workspace, write(tmp_path, bundle), policy="skip")
    assert report.ok and report.applied, report.problems
    organization = Organization.objects.exclude(pk=workspace.orchestrator_id).order_by("pk")[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other, pytest.raises(LockNotAvailable):
        other.execute(
            "SELECT 1 FROM ecosystem_organization WHERE id = %s FOR UPDATE NOWAIT",
            [organization.pk],
        )


@pytest.mark.postgresql  # the foreign-key triggers are off only on PostgreSQL
def test_a_row_found_then_deleted_before_it_is_locked_refuses_the_import(workspace):
    from ecosys.portability.bundle_import import Refused, _fk_triggers_off

    pk = Organization.objects.order_by("pk").values_list("pk", flat=True)[0]
    with transaction.atomic(), _fk_triggers_off() as guard:
        assert guard.active
        guard.lock(Organization._meta, [pk])  # there: locked
        with pytest.raises(Refused, match="1 organizations the bundle refers to were deleted"):
            guard.lock(Organization._meta, [pk, 10**12])


def test_a_row_the_database_refuses_stops_the_import_and_writes_nothing(
    workspace, bundle, tmp_path
):
    import io
    import json
    import zipfile

    from ecosys.readiness.models import CertificateAward

    path = write(tmp_path, bundle)
    lines = zipfile.ZipFile(io.BytesIO(bundle)).read("entities/readiness.certificateaward.jsonl")
    code = json.loads(lines.split(b"\n")[0])["code"]
    drop_workspace(workspace)  # the source's awards get new codes; one takes the bundle's back
    award = CertificateAward.objects.order_by("pk").first()
    CertificateAward._base_manager.filter(pk=award.pk).update(code=code)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, path)
    assert not report.ok and not report.applied
    assert "database refused" in report.problems[0], report.problems
    assert row_total(target) == 0  # and the connection is usable


def test_an_error_while_rows_are_streaming_leaves_nothing_and_a_usable_connection(
    workspace, bundle, tmp_path, monkeypatch
):
    from ecosys.portability import bundle_import

    path = write(tmp_path, bundle)
    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    written = bundle_import._EntityWriter._written
    calls = []

    def failing(self, public_ids, assigned):
        calls.append(self.entity)
        if len(calls) == 3:
            raise RuntimeError("stopped")
        return written(self, public_ids, assigned)

    monkeypatch.setattr(bundle_import._EntityWriter, "_written", failing)
    with pytest.raises(RuntimeError, match="stopped"):
        import_bundle(target, path)
    assert row_total(target) == 0


def test_the_garbage_collector_is_paused_only_while_a_bundle_streams(workspace, bundle, tmp_path):
    import gc

    from ecosys.portability.bundle_export import collector_paused

    seen = []
    path = write(tmp_path, bundle)
    report = import_bundle(
        workspace, path, dry_run=True, progress=lambda *_: seen.append(gc.isenabled())
    )
    assert report.ok and seen and not any(seen)
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_a_duplicate_id_is_refused_with_its_line(workspace, bundle, tmp_path):
    def duplicate(files):
        name = "entities/ecosystem.person.jsonl"
        lines = files[name].rstrip(b"\n").split(b"\n")
        files[name] = b"\n".join([*lines, lines[0]]) + b"\n"
        _fix_checksum(files, name)
        duplicate.line = len(lines) + 1

    path = write(tmp_path, rebuild(bundle, duplicate))
    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, path)
    assert not report.ok and row_total(target) == 0
    assert any(
        f"ecosystem.person line {duplicate.line}: duplicate id" in problem
        for problem in report.problems
    ), report.problems


def test_records_whose_required_user_has_no_account_are_left_out(workspace, tmp_path):
    import json

    from ecosys.core.models import Membership
    from ecosys.readiness.models import Announcement, AnnouncementRead

    from .test_bundle import export_bytes

    announcement = Announcement.objects.create(workspace=workspace, title="News", body="Read me")
    users = list(Membership.objects.filter(workspace=workspace).values_list("user", flat=True))
    for user in users[:3]:
        AnnouncementRead.objects.create(
            workspace=workspace, announcement=announcement, user_id=user
        )
    name = "entities/readiness.announcementread.jsonl"

    def stranger(files):
        lines = files[name].splitlines()
        record = json.loads(lines[0])
        record["user"] = "nobody-here@example.com"
        lines[0] = json.dumps(record, sort_keys=True).encode()
        files[name] = b"\n".join(lines) + b"\n"
        _fix_checksum(files, name)

    path = write(tmp_path, rebuild(export_bytes(workspace, scope="workspace"), stranger))
    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, path)
    assert report.ok and report.applied, report.problems
    assert any("1 readiness.announcementread records are left out" in w for w in report.warnings)
    assert report.counts["readiness.announcementread"] == {
        "created": 2,
        "updated": 0,
        "skipped": 1,
    }
    with scope(workspace=target.pk):
        assert AnnouncementRead.objects.count() == 2
