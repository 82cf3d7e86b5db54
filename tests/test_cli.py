"""The `ecosys` command for the operator's jobs."""

import csv
import subprocess
import sys

import pytest

from ecosys.cli import main
from ecosys.core.models import Membership
from ecosys.ecosystem.models import Organization


def test_help_lists_the_operator_commands():
    result = subprocess.run(
        [sys.executable, "-m", "ecosys.cli", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("serve", "worker", "setup", "demo", "createuser", "import", "export"):
        assert command in result.stdout


def test_export_then_import_round_trip(workspace, tmp_path, capsys):
    path = tmp_path / "orgs.csv"
    main(["export", "organizations", "--output", str(path)])
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == Organization.objects.count()
    assert "Wrote" in capsys.readouterr().out
    main(["import", "organizations", str(path)])
    assert Organization.objects.count() == len(rows)  # ids matched: updated, not duplicated


def test_import_with_errors_exits_non_zero_and_writes_nothing(workspace, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("name,roles\nFine,dealer\nBroken,nonsense\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "organizations", str(path)])
    assert exit_info.value.code == 1
    assert "row 3, roles" in capsys.readouterr().err
    assert not Organization.objects.filter(name="Fine").exists()


def test_createuser_gives_a_role_in_an_organisation(workspace, partner_a):
    main([
        "createuser", "new.admin@partner-a.example", "--role", "external_admin",
        "--organization", partner_a.name, "--password", "a-long-Passw0rd!",
    ])  # fmt: skip
    membership = Membership.objects.get(user__email="new.admin@partner-a.example")
    assert membership.organization == partner_a and membership.role == "external_admin"
    assert membership.user.check_password("a-long-Passw0rd!")


def test_createuser_refuses_an_orchestrator_role_for_a_partner(workspace, partner_a):
    with pytest.raises(SystemExit):
        main([
            "createuser", "wrong@partner-a.example", "--role", "orchestrator_admin",
            "--organization", partner_a.name, "--password", "a-long-Passw0rd!",
        ])  # fmt: skip
    assert not Membership.objects.filter(user__email="wrong@partner-a.example").exists()
