"""make backup and make restore: a custom-format dump round-trips the data."""

import pytest
from django.core.management import call_command

from apps.actors.models import Country


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_what_was_there(tmp_path, capsys):
    Country.objects.create(code="EE", name="Estonia")

    call_command("backup", "--directory", str(tmp_path))
    dump = capsys.readouterr().out.strip()
    Country.objects.all().delete()
    Country.objects.create(code="LV", name="Latvia")

    call_command("restore", dump)

    assert dump.startswith(str(tmp_path)) and dump.endswith(".dump")
    assert list(Country.objects.values_list("code", flat=True)) == ["EE"]


def test_restoring_a_missing_file_is_a_clear_error(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore", "/nonexistent/backup.dump")
