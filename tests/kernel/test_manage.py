"""``python -m shared.manage`` refuses what it cannot do in one line and exit status 2, never
with a traceback."""
import pytest

from shared import manage


def test_an_unknown_service_is_refused_in_one_line_with_status_2(capsys):
    with pytest.raises(SystemExit) as stopped:
        manage.main(["rebuild", "payroll", "all"])

    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "unknown service 'payroll'; known: booking, orders, members, inventory, finance, identity\n")


@pytest.mark.parametrize("command", [["parked", "toyempty"], ["timers", "toyempty"],
                                     ["requeue", "toyempty", "account-1"]])
def test_inspecting_a_database_without_the_schema_says_so_in_one_line(command, tmp_path, monkeypatch,
                                                                        capsys):
    monkeypatch.setenv("TOYEMPTY_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")

    assert manage.main(command) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("toyempty: cannot read its database (OperationalError: no such table")
    assert "manage migrate toyempty" in err
