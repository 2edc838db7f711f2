"""Flow-side configuration that needs a Prefect server: SMTP credentials from a Prefect Secret block."""

from __future__ import annotations

import pytest
from prefect.blocks.system import Secret

from council.delivery.channels import SmtpSettings
from flows.common import load_secret

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_server")]


def test_smtp_password_comes_from_a_prefect_secret_block() -> None:
    Secret(value="s3cret-from-block").save("council-smtp-password", overwrite=True)
    assert load_secret("council-smtp-password") == "s3cret-from-block"
    env = {
        "COUNCIL_SMTP_HOST": "127.0.0.1",
        "COUNCIL_SMTP_USERNAME": "council",
        "COUNCIL_SMTP_PASSWORD_BLOCK": "council-smtp-password",
    }
    settings = SmtpSettings.from_env(env, secret_resolver=load_secret)
    assert settings.password == "s3cret-from-block"
    assert "s3cret" not in repr(settings)
