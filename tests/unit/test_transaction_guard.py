"""The suite's transaction guard (tests/conftest.py) sees an HTTP call made
inside an open database transaction, and only then."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import sqlalchemy as sa

from models.db import Database
from tests.conftest import TRANSACTION_GUARD


class Answer204(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def server_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer204)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def database(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'guard.sqlite3'}")
    with database.engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE notes (body TEXT)"))
    yield database
    database.dispose()


def call(url: str) -> None:
    assert requests.get(f"{url}/deals", timeout=5).status_code == 204


def test_a_call_inside_an_open_transaction_is_recorded(database, server_url):
    with database.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO notes VALUES ('sent?')"))
        call(server_url)

    [violation] = TRANSACTION_GUARD.take_violations()
    assert violation.startswith(f"GET {server_url}/deals from ")


def test_a_session_counts_from_its_first_statement(database, server_url):
    with database.transaction() as session:
        call(server_url)  # the session has not touched its connection yet
        assert TRANSACTION_GUARD.take_violations() == []
        session.execute(sa.text("SELECT count(*) FROM notes"))
        call(server_url)

    assert len(TRANSACTION_GUARD.take_violations()) == 1


def test_calls_after_commit_or_rollback_are_fine(database, server_url):
    with database.transaction() as session:
        session.execute(sa.text("INSERT INTO notes VALUES ('kept')"))
    call(server_url)
    with pytest.raises(RuntimeError), database.transaction() as session:
        session.execute(sa.text("INSERT INTO notes VALUES ('dropped')"))
        raise RuntimeError("abandon")
    call(server_url)

    assert TRANSACTION_GUARD.take_violations() == []


def test_another_threads_transaction_does_not_count(database, server_url):
    opened, release = threading.Event(), threading.Event()

    def hold_a_transaction():
        with database.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO notes VALUES ('held')"))
            opened.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=hold_a_transaction)
    holder.start()
    opened.wait(timeout=10)
    call(server_url)
    release.set()
    holder.join()

    assert TRANSACTION_GUARD.take_violations() == []
