"""`ecosys bundle-export` and `ecosys bundle-import`: a round trip into a new, empty workspace,
one organisation's share, a dry run, and a refused bundle that leaves nothing behind."""

import io
import json
import uuid
import zipfile

import pytest
from django_scopes import scope

from ecosys.cli import build_parser
from ecosys.core.models import Workspace
from ecosys.ecosystem.models import Organization
from ecosys.portability.registry import declarations


def ecosys(*argv: str) -> None:
    args = build_parser().parse_args(list(argv))
    args.func(args)


def entity_files(path) -> dict[str, bytes]:
    archive = zipfile.ZipFile(path)
    return {name: archive.read(name) for name in archive.namelist() if name != "manifest.json"}


def give_new_ids(workspace: Workspace) -> None:
    """Free the bundle's ids in this database (one database holds source and target)."""
    with scope(workspace=workspace.pk):
        for declaration in declarations():
            unique = [
                field.name
                for field in declaration.model._meta.concrete_fields
                if field.unique
                and not field.is_relation
                and field.get_internal_type() == "CharField"
            ]
            for pk in declaration.model.objects.values_list("pk", flat=True):
                fresh = {name: uuid.uuid4().hex[:16] for name in unique}
                declaration.model.objects.filter(pk=pk).update(public_id=uuid.uuid4(), **fresh)


def test_round_trip_into_a_new_empty_workspace(workspace, tmp_path, capsys):
    first = tmp_path / "helix.zip"
    ecosys("bundle-export", "--workspace", "helix", str(first))
    out = capsys.readouterr().out
    assert f"to {first}" in out and "records" in out
    manifest = json.loads(zipfile.ZipFile(first).read("manifest.json"))
    assert manifest["scope"]["kind"] == "workspace"
    give_new_ids(workspace)
    ecosys("bundle-import", "--workspace", "copy", "--create", str(first))
    out = capsys.readouterr().out
    assert "Imported into copy:" in out and "partners.partner: 17 created" in out
    copy = Workspace.objects.get(slug="copy")
    assert copy.orchestrator is not None and copy.name == workspace.name
    second = tmp_path / "copy.zip"
    ecosys("bundle-export", "--workspace", "copy", str(second))
    assert entity_files(second) == entity_files(first)
    one, two = (json.loads(zipfile.ZipFile(p).read("manifest.json")) for p in (first, second))
    assert one.pop("created_at") and two.pop("created_at")
    assert one == two


def test_one_organisations_share_and_a_dry_run(workspace, partner_a, tmp_path, capsys):
    path = tmp_path / "a.zip"
    ecosys("bundle-export", "--organization", str(partner_a.public_id), str(path))
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert manifest["scope"] == {"kind": "organization", "organization": str(partner_a.public_id)}
    assert "Harbor Controls" in capsys.readouterr().out
    Organization.objects.filter(pk=partner_a.pk).update(name="Renamed")
    ecosys("bundle-import", "--policy", "update", "--dry-run", str(path))
    out = capsys.readouterr().out
    assert "Dry run, nothing written" in out
    assert "ecosystem.organization: 0 created, 1 updated" in out
    assert Organization.objects.get(pk=partner_a.pk).name == "Renamed"


def test_bad_input_is_refused_and_leaves_nothing(workspace, tmp_path, capsys):
    with pytest.raises(SystemExit, match="No organisation"):
        ecosys("bundle-export", "--organization", "not-a-uuid", str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()
    broken = tmp_path / "broken.zip"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", "{}")
    broken.write_bytes(out.getvalue())
    with pytest.raises(SystemExit) as stop:
        ecosys("bundle-import", "--workspace", "fresh", "--create", str(broken))
    assert stop.value.code == 1
    assert "Refused; nothing was written" in capsys.readouterr().err
    assert not Workspace.objects.filter(slug="fresh").exists()
    with pytest.raises(SystemExit, match="exists already"):
        ecosys("bundle-import", "--workspace", "helix", "--create", str(broken))
