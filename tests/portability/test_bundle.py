"""The exit bundle: round trip, hostile bundles refused, policies, dry run, and the leak test."""

import csv
import io
import json
import os
import shutil
import threading
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import (
    DateField,
    DateTimeField,
    DecimalField,
    Func,
    TextField,
    UUIDField,
    Value,
)
from django.db.models.functions import Cast
from django_scopes import scope

from ecosys.core.access import Actor, restrict
from ecosys.core.models import Membership, Workspace
from ecosys.ecosystem.models import Organization
from ecosys.portability import bundle_import
from ecosys.portability.bundle_export import _as_text, _IsoDate, _IsoTimestamp, export_bundle
from ecosys.portability.bundle_import import Upgrade, import_bundle
from ecosys.portability.registry import declarations


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path):
    """A private copy of the demo's channel store: imports may write to it freely."""
    private = tmp_path / "analytics"
    shutil.copytree(settings.ECOSYS_ANALYTICS_DIR, private, dirs_exist_ok=True)
    settings.ECOSYS_ANALYTICS_DIR = private
    return private


def export_bytes(workspace, **kwargs) -> bytes:
    out = io.BytesIO()
    with scope(workspace=workspace.pk):
        export_bundle(workspace, out=out, **kwargs)
    return out.getvalue()


def entity_files(data: bytes, *, facts: bool = True) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {
        name: archive.read(name)
        for name in archive.namelist()
        if name != "manifest.json" and (facts or not name.startswith("channel_facts/"))
    }


def manifest_of(data: bytes) -> dict:
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))


def rebuild(data: bytes, change) -> bytes:
    """A copy of a bundle with files changed by ``change(files)``, checksums left as they were."""
    files = {
        n: zipfile.ZipFile(io.BytesIO(data)).read(n)
        for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
    }
    change(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def write(tmp_path, data: bytes, name="bundle.zip"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def drop_workspace(workspace: Workspace) -> None:
    """Give the source rows new public ids (and new values of other instance-wide unique
    fields), so the bundle's ids are free in this database, as in an empty instance."""
    with scope(workspace=workspace.pk):
        for declaration in declarations():
            unique = [
                f.name
                for f in declaration.model._meta.concrete_fields
                if f.unique and not f.is_relation and f.get_internal_type() == "CharField"
            ]
            for pk in declaration.model.objects.values_list("pk", flat=True):
                fresh = {name: uuid.uuid4().hex[:16] for name in unique}
                declaration.model.objects.filter(pk=pk).update(public_id=uuid.uuid4(), **fresh)


def new_workspace(**fields) -> Workspace:
    """A new workspace with an empty channel store (stores live on disk, outside the test's
    rolled-back transaction, and a workspace id can come back)."""
    from ecosys.performance.services import store_for

    workspace = Workspace.objects.create(**fields)
    store_for(workspace).clear()
    return workspace


def row_total(workspace) -> int:
    with scope(workspace=workspace.pk):
        return sum(d.model.objects.count() for d in declarations())


@pytest.fixture
def bundle(workspace) -> bytes:
    return export_bytes(workspace, scope="workspace")


def same_bundle(first: bytes, second: bytes) -> None:
    """Same files with the same bytes and checksums; the manifests differ only in time."""
    assert entity_files(first) == entity_files(second)
    one, two = manifest_of(first), manifest_of(second)
    assert one.pop("created_at") and two.pop("created_at")
    assert one == two


def test_round_trip_of_the_demo_gives_the_same_bundle(workspace, bundle, tmp_path):
    path = write(tmp_path, bundle)
    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    target.name = workspace.name  # the manifest names the workspace
    target.save()
    report = import_bundle(target, path)
    assert report.ok, report.problems
    assert report.counts["partners.partner"]["created"] == 17
    assert report.counts["channel_facts"]["created"] == manifest_of(bundle)["channel_facts"]["rows"]
    assert manifest_of(bundle)["channel_facts"]["rows"] > 0
    target.refresh_from_db()
    again = export_bytes(target, scope="workspace")
    same_bundle(bundle, again)
    assert (
        manifest_of(again)["workspace"]["orchestrator"]
        == manifest_of(bundle)["workspace"]["orchestrator"]
    )


def test_bundle_holds_readme_schemas_csv_and_checksums(bundle):
    manifest = manifest_of(bundle)
    files = entity_files(bundle)
    assert "README.md" in files
    assert manifest["format_version"] == "2"
    assert manifest["entities"]["ecosystem.organization"]["count"] == 67
    for entity in manifest["entities"]:
        assert f"schema/{entity}.json" in files
        assert f"entities/{entity}.csv" in files
    assert set(manifest["files"]) == set(files)
    lines = files["entities/selling.dealregistration.jsonl"].decode().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(ids)
    assert isinstance(json.loads(lines[0])["estimated_value"], str)
    assert any(name.startswith("channel_facts/") for name in files)


def test_reimport_into_the_same_workspace_skips_or_updates(workspace, bundle, tmp_path):
    path = write(tmp_path, bundle)
    report = import_bundle(workspace, path, policy="skip")
    assert report.ok, report.problems
    assert report.counts["ecosystem.organization"] == {"created": 0, "updated": 0, "skipped": 67}
    report = import_bundle(workspace, path, policy="fail")
    assert not report.ok and "policy is 'fail'" in report.problems[0]
    organization = Organization.objects.exclude(pk=workspace.orchestrator_id).order_by("pk")[0]
    name = organization.name
    Organization.objects.filter(pk=organization.pk).update(name="Renamed")
    dry = import_bundle(workspace, path, policy="update", dry_run=True)
    assert dry.ok and dry.counts["ecosystem.organization"]["updated"] == 1
    assert Organization.objects.get(pk=organization.pk).name == "Renamed"
    report = import_bundle(workspace, path, policy="update")
    assert report.counts == dry.counts and report.applied
    assert Organization.objects.get(pk=organization.pk).name == name


def test_dry_run_into_an_empty_workspace_writes_nothing(workspace, bundle, tmp_path):
    path = write(tmp_path, bundle)
    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, path, dry_run=True)
    assert report.ok and not report.applied
    people = manifest_of(bundle)["entities"]["ecosystem.person"]["count"]
    assert people >= 66 and report.counts["ecosystem.person"]["created"] == people
    assert row_total(target) == 0


def _tamper(files):
    files["entities/ecosystem.tag.jsonl"] = files["entities/ecosystem.tag.jsonl"].replace(
        b"a", b"b", 1
    )


def _wrong_type(files):
    name = "entities/ecosystem.tag.jsonl"
    first, rest = files[name].split(b"\n", 1)
    record = json.loads(first)
    record["name"] = 42
    files[name] = json.dumps(record).encode() + b"\n" + rest
    _fix_checksum(files, name)


def _dangling(files):
    name = "entities/ecosystem.person.jsonl"
    lines = files[name].split(b"\n")
    record = json.loads(lines[0])
    record["organization"] = "00000000-0000-4000-8000-000000000000"
    lines[0] = json.dumps(record, sort_keys=True).encode()
    files[name] = b"\n".join(lines)
    _fix_checksum(files, name)


def _fix_checksum(files, name):
    import hashlib

    manifest = json.loads(files["manifest.json"])
    manifest["files"][name]["sha256"] = hashlib.sha256(files[name]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()


def _unknown_version(files):
    manifest = json.loads(files["manifest.json"])
    manifest["format_version"] = "99"
    files["manifest.json"] = json.dumps(manifest).encode()


def _slip(files):
    files["../evil.txt"] = b"x"


def _huge_line(files):
    files["entities/ecosystem.tag.jsonl"] += os.urandom(bundle_import.MAX_LINE_BYTES).hex().encode()
    _fix_checksum(files, "entities/ecosystem.tag.jsonl")


def _no_manifest(files):
    del files["manifest.json"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_tamper, "Checksum mismatch"),
        (_wrong_type, "expected string"),
        (_dangling, "resolve neither"),
        (_unknown_version, "Unknown bundle format version"),
        (_slip, "Unsafe path"),
        (_no_manifest, "no manifest.json"),
        (_huge_line, "longer than"),
    ],
)
def test_hostile_or_broken_bundles_are_refused_and_write_nothing(
    workspace, bundle, tmp_path, monkeypatch, change, reason
):
    monkeypatch.setattr(bundle_import, "MAX_LINE_BYTES", 1 << 20)
    path = write(tmp_path, rebuild(bundle, change))
    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, path)
    assert not report.ok and not report.applied
    assert any(reason in problem for problem in report.problems), report.problems
    assert row_total(target) == 0


def test_truncated_archive_and_zip_bomb_are_refused(workspace, bundle, tmp_path):
    report = import_bundle(workspace, write(tmp_path, bundle[: len(bundle) // 2]))
    assert not report.ok and "ZIP" in report.problems[0]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", b"{}")
        archive.writestr("entities/ecosystem.tag.jsonl", b"\0" * (50 << 20))
    report = import_bundle(workspace, write(tmp_path, bomb.getvalue(), "bomb.zip"))
    assert not report.ok and "zip bomb" in report.problems[0]


def test_an_older_format_version_is_upgraded_by_its_steps(workspace, bundle, tmp_path, monkeypatch):
    def to_v0(files):
        name = "entities/ecosystem.tag.jsonl"
        files[name] = files[name].replace(b'"name":', b'"label":')
        _fix_checksum(files, name)
        manifest = json.loads(files["manifest.json"])
        manifest["format_version"] = "0"
        files["manifest.json"] = json.dumps(manifest).encode()

    def rename(entity, record):
        if entity == "ecosystem.tag":
            record = {("name" if key == "label" else key): value for key, value in record.items()}
        return record

    path = write(tmp_path, rebuild(bundle, to_v0))
    assert not import_bundle(workspace, path).ok
    monkeypatch.setattr(
        bundle_import,
        "UPGRADES",
        [Upgrade("0", "1", lambda manifest: manifest, rename), *bundle_import.UPGRADES],
    )
    report = import_bundle(workspace, path)
    assert report.ok, report.problems
    assert report.upgraded_from == "0"
    assert report.counts["ecosystem.tag"]["skipped"] == 8


def test_no_organisation_bundle_shows_more_than_its_portal(workspace):
    checked = 0
    by_org: dict[int, Membership] = {}
    for membership in Membership.objects.select_related("user", "organization"):
        by_org.setdefault(membership.organization_id, membership)
    for organization in Organization.objects.exclude(pk=workspace.orchestrator_id):
        data = export_bytes(workspace, scope="organization", organization=organization)
        files = entity_files(data)
        member = by_org.get(organization.pk)
        for declaration in declarations():
            lines = files[f"entities/{declaration.entity}.jsonl"].decode().splitlines()
            exported = {json.loads(line)["id"] for line in lines}
            if member is None or not hasattr(declaration.model, "Access"):
                continue
            actor = Actor(workspace=workspace, user=member.user, membership=member)
            visible = {
                str(u)
                for u in restrict(declaration.model.objects.all(), actor).values_list(
                    "public_id", flat=True
                )
            }
            assert exported <= visible, (organization.name, declaration.entity)
            checked += 1
        assert (
            str(organization.public_id) in files["entities/ecosystem.organization.jsonl"].decode()
        )
    assert checked > 50


def test_a_version_1_bundle_is_upgraded_to_version_2(workspace, bundle, tmp_path):
    """Version 1 had no course on onboarding tasks and no channel facts section."""

    def to_v1(files):
        name = "entities/readiness.onboardingtask.jsonl"
        lines = []
        for line in files[name].decode().splitlines():
            record = json.loads(line)
            assert record.pop("course", "absent") is None
            lines.append(json.dumps(record, sort_keys=True))
        files[name] = ("\n".join(lines) + "\n").encode()
        _fix_checksum(files, name)
        manifest = json.loads(files["manifest.json"])
        manifest["format_version"] = "1"
        del manifest["channel_facts"]
        files["manifest.json"] = json.dumps(manifest).encode()

    path = write(tmp_path, rebuild(bundle, to_v1))
    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, path)
    assert report.ok, report.problems
    assert report.upgraded_from == "1" and report.format_version == "2"
    assert report.counts["readiness.onboardingtask"]["created"] > 0


# -- the exporter's text, made by PostgreSQL, is Python's text ------------------------------

postgresql_only = pytest.mark.postgresql  # text the PostgreSQL server makes for the export


def server_text(expression):
    """One value of ``expression`` as the server computes it, in a session whose time zone is
    not UTC (the export must not depend on it)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Pacific/Chatham'")  # +12:45 / +13:45
    return Workspace.objects.annotate(v=expression).values_list("v", flat=True)[:1].get()


EDGE_TIMES = [
    datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2025, 1, 2, 3, 4, 5, 1, tzinfo=UTC),
    datetime(2025, 1, 2, 3, 4, 5, 120000, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 6, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),  # the day before in UTC
    datetime(5, 3, 4, 5, 6, 7, tzinfo=UTC),
    datetime(999, 12, 31, 23, 59, 59, 500, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@postgresql_only
@pytest.mark.parametrize("value", EDGE_TIMES, ids=str)
def test_the_servers_timestamp_text_is_pythons_isoformat_in_utc(workspace, value):
    text = server_text(_IsoTimestamp(Value(value, output_field=DateTimeField())))
    assert text == value.astimezone(UTC).isoformat()


@postgresql_only
@pytest.mark.parametrize(
    "value",
    [date(2024, 2, 29), date(1, 1, 1), date(5, 6, 7), date(999, 12, 31), date(9999, 12, 31)],
    ids=str,
)
def test_the_servers_date_text_is_pythons_isoformat(workspace, value):
    assert server_text(_IsoDate(Value(value, output_field=DateField()))) == value.isoformat()


@postgresql_only
@pytest.mark.parametrize(
    ("value", "places"),
    [
        ("1200.00", 2),
        ("0.000001", 6),
        ("0.000000", 6),
        ("-0.50", 2),
        ("123456789012.5", 1),
        ("7", 0),
    ],
)
def test_the_servers_decimal_text_is_str_of_the_decimal(workspace, value, places):
    column = Cast(Value(Decimal(value)), DecimalField(max_digits=20, decimal_places=places))
    assert server_text(_as_text(column)) == str(Decimal(value)) == value


@postgresql_only
def test_the_servers_uuid_text_is_str_of_the_uuid(workspace):
    value = uuid.UUID("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")
    assert server_text(_as_text(Value(value, output_field=UUIDField()))) == str(value)


@postgresql_only
def test_the_servers_json_list_is_the_compact_dump_sorted_as_python_sorts(workspace):
    strings = ['b"c', "x\u0001é\\\n\t", "Zoë", "a b", "\u2028", "", "ß", "Ä", "😀", "a"]
    array = Func(
        *[Value(s, output_field=TextField()) for s in strings],
        template="array_to_json(ARRAY(SELECT x FROM unnest(ARRAY[%(expressions)s]) x "
        'ORDER BY x COLLATE "C"))::text',
        output_field=TextField(),
    )
    assert server_text(array) == json.dumps(
        sorted(strings), ensure_ascii=False, separators=(",", ":")
    )
    ids = sorted((uuid.uuid4() for _ in range(50)), key=lambda u: u.bytes)
    assert [str(u) for u in ids] == sorted(str(u) for u in ids)  # uuid order is text order


def test_many_to_many_lists_and_json_columns_are_written_as_python_writes_them(workspace, bundle):
    """Organisations' tags (a list the server makes on PostgreSQL) and JSON columns (read as
    text, dumped once): the JSON Lines hold the compact dump, the CSV copy the same text."""
    files = entity_files(bundle)
    lines = [
        json.loads(line)
        for line in files["entities/ecosystem.organization.jsonl"].split(b"\n")
        if line
    ]
    table = list(csv.DictReader(io.StringIO(files["entities/ecosystem.organization.csv"].decode())))
    assert len(lines) == len(table) == Organization.objects.count()
    tagged = 0
    for record, row in zip(lines, table, strict=True):
        organization = Organization.objects.get(public_id=record["id"])
        tags = sorted(str(t) for t in organization.tags.values_list("public_id", flat=True))
        assert record["tags"] == tags
        tagged += bool(tags)
        for name in ("tags", "role_codes", "tag_names"):
            assert row[name] == json.dumps(
                record[name], ensure_ascii=False, sort_keys=True, separators=(",", ":")
            )
        assert record["role_codes"] == organization.role_codes
        assert record["created_at"] == organization.created_at.astimezone(UTC).isoformat()
    assert tagged
    for line in files["entities/ecosystem.organization.jsonl"].split(b"\n")[:-1]:
        record = json.loads(line)
        assert line.decode() == json.dumps(
            record, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )


class _FailingOut(io.BytesIO):
    """A file that fails once a few hundred kB are written (a full disk, say)."""

    def write(self, data):
        if self.tell() > 200_000:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_an_error_while_the_thread_writes_stops_the_export_with_that_error(workspace):
    with pytest.raises(OSError, match="No space left"), scope(workspace=workspace.pk):
        export_bundle(workspace, scope="workspace", out=_FailingOut())
    assert not [t for t in threading.enumerate() if t.name.startswith("bundle-")]
