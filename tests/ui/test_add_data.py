"""The "Add data" text names the address devfiler listens on, how to open it up, and
matches how the collector serves: plaintext or TLS."""

from __future__ import annotations

from devfiler.config import DEFAULT_LISTEN
from devfiler.ui.add_data import add_data_text


def test_add_data_text_names_the_default_address_the_tunnel_and_the_flag() -> None:
    text = add_data_text()
    assert DEFAULT_LISTEN == "127.0.0.1:11000"
    assert f"on {DEFAULT_LISTEN}: only this machine can send" in text
    assert "ssh -R 11000:127.0.0.1:11000 user@host" in text
    assert "devfiler --listen 0.0.0.0:11000" in text


def test_plaintext_instructions_tell_the_agent_to_disable_tls() -> None:
    text = add_data_text()
    assert text.count("-collection-agent=127.0.0.1:11000 -disable-tls") == 2
    assert "serves TLS" not in text


def test_tls_instructions_leave_disable_tls_out_and_say_why() -> None:
    text = add_data_text(tls=True)
    assert "-disable-tls\n" not in text
    assert text.count("-collection-agent=127.0.0.1:11000\n") == 2
    assert "devfiler serves TLS (--tls-cert)" in text
