from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from pcsync.logs import REDACTED, configure_logging


@pytest.fixture
def captured():
    stream = io.StringIO()
    configure_logging("DEBUG", secrets=["hs-client-secret-value", "pat-na1-token-value"])
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_pcsync", False))
    handler.setStream(stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_lines_are_json_with_extra_fields(captured):
    logging.getLogger("pcsync.test").info("webhook.accepted", extra={"queued": 3})
    (line,) = lines(captured)
    assert line["message"] == "webhook.accepted"
    assert line["queued"] == 3
    assert line["level"] == "INFO"


def test_configured_secrets_and_credentials_never_appear(captured):
    log = logging.getLogger("pcsync.test")
    log.info("token %s used", "pat-na1-token-value")
    log.warning("request", extra={"headers": "Authorization: Bearer abc.def-ghi"})
    log.warning("sig X-HubSpot-Signature-v3: K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=")
    log.error("config client_secret=hs-client-secret-value")
    try:
        raise RuntimeError("failed with hs-client-secret-value")
    except RuntimeError:
        log.exception("boom")
    text = captured.getvalue()
    for secret in (
        "pat-na1-token-value",
        "abc.def-ghi",
        "K36dawei4A",
        "hs-client-secret-value",
    ):
        assert secret not in text
    assert text.count(REDACTED) >= 5


def test_no_aws_credential_in_botocore_debug_logs(captured):
    """The real botocore client at DEBUG logs its request headers and the
    SigV4 canonical request; neither the access key id nor the session token
    may come through (the call goes to a closed port: the request is logged
    before it is sent)."""
    import boto3
    from botocore.config import Config

    access_key, session_token = "AKIAIOSFODNN7EXAMPLE", "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKEN0123"
    client = boto3.client(
        "partnercentral-selling",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:1",
        aws_access_key_id=access_key,
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        aws_session_token=session_token,
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises(Exception, match="Could not connect"):
        client.list_opportunities(Catalog="Sandbox")
    text = captured.getvalue()
    assert "x-amz-security-token" in text.lower()  # the header was logged...
    assert "Authorization" in text
    for credential in (access_key, session_token, "wJalrXUtnFEMI"):
        assert credential not in text  # ...its value was not


def test_log_lines_stay_whole_beside_a_progress_bar(capsys):
    from tqdm import tqdm

    from pcsync.logs import around_progress_bars

    configure_logging("INFO")
    log = logging.getLogger("pcsync.test")
    with tqdm(desc="backfill", unit=" objects", file=sys.stderr) as bar, around_progress_bars():
        for number in range(3):
            bar.update(1)
            log.info("backfill.item", extra={"number": number})
    err = capsys.readouterr().err
    # What the terminal shows on each line: the text after its last carriage return.
    shown = [line.rsplit("\r", 1)[-1].strip() for line in err.split("\n")]
    logged = [json.loads(line) for line in shown if "backfill.item" in line]
    assert [entry["number"] for entry in logged] == [0, 1, 2]
