import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from portal import embedded_db

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the embedded server is not used"
)


def test_the_running_server_is_reused_not_started_twice():
    pid_before, socket_dir = embedded_db.running_server()
    assert embedded_db.ensure_running() == socket_dir
    assert embedded_db.ensure_running() == socket_dir
    assert embedded_db.running_server()[0] == pid_before


def test_another_process_attaches_to_the_same_server():
    pid, _ = embedded_db.running_server()
    result = subprocess.run(
        [sys.executable, "-m", "portal.embedded_db", "status"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"pid {pid}" in result.stdout


@pytest.mark.django_db
def test_django_talks_to_the_embedded_server_over_its_socket():
    _, socket_dir = embedded_db.running_server()
    assert connection.settings_dict["HOST"] == str(socket_dir)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]


def test_no_server_is_reported_for_an_empty_folder(tmp_path):
    assert embedded_db.running_server(tmp_path) is None


def test_a_server_that_cannot_start_fails_with_one_clear_line(tmp_path):
    data_dir = tmp_path / "pg"
    data_dir.mkdir()
    (data_dir / "PG_VERSION").write_text("9\n")  # looks initialised, cannot be started
    with pytest.raises(embedded_db.EmbeddedDatabaseError) as error:
        embedded_db.ensure_running(data_dir)
    message = str(error.value)
    assert "\n" not in message
    assert "server log" in message and "DATABASE_URL" in message
