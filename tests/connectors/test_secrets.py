"""Secrets (issue 16): the ERP token and the session key come from the environment or a file
only its owner may read, never from the repository, and appear in no log, error or ``repr``.
The stub started with a token answers 401 without it; the client sends it."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from connectors.erp.base import ErpError
from connectors.erp.rest import RestErp
from connectors.erp_stub.cli import erp_stub
from connectors.secret_files import SecretFileError, write_secret_file
from orchestrator.cli import main
from orchestrator.config import load_settings
from orchestrator.embedded_erp import TOKEN_FILE_ENV, erp_for
from orchestrator.web.session import secret_key

TOKEN = "tok-3f9a1c7e-never-in-a-message"


def open_file(path: Path, value: str) -> Path:
    """``value`` in a file anyone may read (mode 0644)."""
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o644)
    return path


def test_a_secret_file_others_may_read_is_refused_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = open_file(tmp_path / "erp-token", TOKEN)
    monkeypatch.delenv("KOMMUNERPA_ERP_TOKEN", raising=False)
    monkeypatch.setenv("KOMMUNERPA_ERP_TOKEN_FILE", str(token_file))
    with pytest.raises(SecretFileError, match="mode 0644.*chmod 600") as refused:
        RestErp("http://127.0.0.1:9")
    assert TOKEN not in str(refused.value)

    key_file = open_file(tmp_path / "session-key", "session-key-secret")
    env = {"KOMMUNERPA_HOME": str(tmp_path / "home"), "KOMMUNERPA_SECRET_KEY_FILE": str(key_file)}
    with pytest.raises(SecretFileError, match="KOMMUNERPA_SECRET_KEY_FILE"):
        load_settings(env)
    key_file.chmod(0o600)
    settings = load_settings(env)
    assert settings.secret_key == "session-key-secret"
    assert "session-key-secret" not in repr(settings)

    # A command stops with one line and exit 2, naming the file, not the secret.
    key_file.chmod(0o640)
    monkeypatch.setenv("KOMMUNERPA_HOME", env["KOMMUNERPA_HOME"])
    monkeypatch.setenv("KOMMUNERPA_SECRET_KEY_FILE", str(key_file))
    monkeypatch.setattr(sys, "argv", ["kommunerpa", "exceptions", "list"])
    with pytest.raises(SystemExit) as ended:
        main()
    error = capsys.readouterr().err
    assert ended.value.code == 2 and error.count("\n") == 1
    assert str(key_file) in error and "session-key-secret" not in error

    # The stub refuses such a token file before it serves anything.
    served = CliRunner().invoke(erp_stub, ["serve", "--token-file", str(token_file)])
    assert served.exit_code == 2 and "chmod 600" in served.output


def test_the_control_rooms_own_key_file_is_private_and_checked(tmp_path: Path) -> None:
    settings = load_settings({"KOMMUNERPA_HOME": str(tmp_path / "home")})
    settings.home.mkdir(parents=True)
    key = secret_key(settings)
    assert oct(settings.secret_key_file.stat().st_mode & 0o777) == "0o600"
    assert secret_key(settings) == key  # the same key on every start
    settings.secret_key_file.chmod(0o644)
    with pytest.raises(SecretFileError, match="session key"):
        secret_key(settings)
    with pytest.raises(FileExistsError):  # never overwrites a key in place
        write_secret_file(settings.secret_key_file, "other")


def test_the_embedded_stub_asks_for_a_token_it_hands_over_and_no_token_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("KOMMUNERPA_ERP_TOKEN", raising=False)
    settings = load_settings({"KOMMUNERPA_HOME": str(tmp_path / "home")})
    before = os.environ.get(TOKEN_FILE_ENV)
    with erp_for(settings, fresh=True) as served, caplog.at_level(logging.DEBUG):
        url = served.erp_url
        handed = Path(os.environ[TOKEN_FILE_ENV])  # for this process and the robots it starts
        token = handed.read_text(encoding="utf-8").strip()
        assert oct(handed.stat().st_mode & 0o777) == "0o600"
        assert httpx.get(f"{url}/tenants", timeout=10).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert httpx.get(f"{url}/tenants", headers=wrong, timeout=10).status_code == 401
        assert httpx.post(f"{url}/admin/seed", json={}, timeout=10).status_code == 401
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200  # the outage check
        with RestErp(url, retries=0) as erp:  # the robots' client: the token from the env
            assert erp.tenants()
            assert token not in repr(erp._client.headers)  # httpx masks it
        refused = RestErp(url, retries=0, token="wrong-token-also-secret")
        with refused, pytest.raises(ErpError) as failed:
            refused.tenants()
        stub_log = "".join(p.read_text(errors="replace") for p in handed.parent.glob("*.log"))
    assert os.environ.get(TOKEN_FILE_ENV) == before
    assert failed.value.code == "ERP-ERROR" and failed.value.details["status"] == 401
    said = f"{failed.value} {failed.value.details} {caplog.text} {stub_log}"
    assert "httpx" in caplog.text  # the requests were logged, at DEBUG …
    assert token not in said and "wrong-token-also-secret" not in said  # … without a token
