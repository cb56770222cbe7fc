"""The site icon: a real icon file served at /favicon.ico and linked from every page (it was a 404)."""
from __future__ import annotations

import re


def test_favicon_is_a_real_icon_served_without_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    body = response.get_data()
    assert body[:4] == b"\x00\x00\x01\x00" and int.from_bytes(body[4:6], "little") >= 1  # ICO header, images


def test_every_page_links_the_icon_and_the_link_resolves(client):
    page = client.get("/auth/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert client.get(href).status_code == 200
