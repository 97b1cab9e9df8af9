"""The "Add data" text names the address devfiler listens on and how to open it up."""

from __future__ import annotations

from devfiler.config import DEFAULT_LISTEN
from devfiler.ui.add_data import add_data_text


def test_add_data_text_names_the_default_address_the_tunnel_and_the_flag() -> None:
    text = add_data_text()
    assert DEFAULT_LISTEN == "127.0.0.1:11000"
    assert f"on {DEFAULT_LISTEN}: only this machine can send" in text
    assert "ssh -R 11000:127.0.0.1:11000 user@host" in text
    assert "devfiler --listen 0.0.0.0:11000" in text
