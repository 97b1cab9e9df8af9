"""The "Add data" instructions match how the collector serves: plaintext or TLS."""

from __future__ import annotations

from devfiler.ui.add_data import add_data_text


def test_plaintext_instructions_tell_the_agent_to_disable_tls() -> None:
    text = add_data_text()
    assert text.count("-collection-agent=127.0.0.1:11000 -disable-tls") == 2
    assert "serves TLS" not in text


def test_tls_instructions_leave_disable_tls_out_and_say_why() -> None:
    text = add_data_text(tls=True)
    assert "-disable-tls\n" not in text
    assert text.count("-collection-agent=127.0.0.1:11000\n") == 2
    assert "devfiler serves TLS (--tls-cert)" in text
