"""Logins on a shared server, in a real browser against a real OpenID Connect provider
(oidc-provider-mock, started here on a free loopback port): two users in two browsers. Alice trains
and imports; Bob does not see her private models, cannot rename or delete her shared one (in the
page, or through a hand-made link), and sees it once shared; logging out ends access."""

import sys
import time
from pathlib import Path

import numpy as np
import oidc_provider_mock
import pytest
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser_support import NO_WARM_UP, AppServer, chromium_path, free_port, navigate, open_browser, wait_idle  # noqa: E402

from embedviz.vectors.store import Store  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    chromium_path()
    folder = tmp_path_factory.mktemp("logins")
    with oidc_provider_mock.run_server_in_thread(0) as provider:
        port = free_port()
        secrets = folder / "secrets.toml"
        secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "embedviz-test-cookie-secret-0123456789"
client_id = "embedviz"
client_secret = "embedviz-test-secret"
server_metadata_url = "http://127.0.0.1:{provider.server_port}/.well-known/openid-configuration"
""", encoding="utf-8")
        app = AppServer(folder / "store", log=folder / "streamlit.log", env=NO_WARM_UP, args=["--secrets.files", str(secrets)])
        app.port, app.url = port, f"http://127.0.0.1:{port}"
        app.start()
        try:
            yield app
        finally:
            app.stop()
            print(f"\n--- end of the streamlit log ---\n{app.log(3000)}")


def log_in(page, server, user: str) -> None:
    page.goto(server.url, wait_until="domcontentloaded", timeout=120_000)
    page.get_by_role("button", name="Log in").click(timeout=120_000)
    page.locator("input[name=sub]").fill(user)
    page.get_by_role("button", name="Authorize").click()
    page.locator("[data-testid=stSidebar]").get_by_text(f"Logged in as {user}").wait_for(timeout=120_000)
    wait_idle(page)


def sidebar_models(page) -> list[str]:
    box = page.locator("[data-testid=stSidebar]").get_by_role("combobox", name="Model")
    box.click()
    options = [o.inner_text() for o in page.get_by_role("option").all()]
    page.keyboard.press("Escape")
    return [o.split()[0] for o in options]


def import_vectors(page, path: Path, name: str) -> None:
    uploader = page.locator("[data-testid=stFileUploader]").filter(has_text="Import vectors").first
    uploader.locator("input[type=file]").set_input_files(str(path))
    field = page.get_by_label("Name", exact=True)
    field.fill(name)
    field.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    page.locator("[data-testid=stAlertContentSuccess]").filter(has_text=f"as {name}").wait_for(timeout=60_000)
    wait_idle(page)


def choose(page, label: str, option: str) -> None:
    page.locator("[data-testid=stMain]").get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def test_two_users_own_share_and_log_out(server, tmp_path):
    vectors = tmp_path / "small.txt"
    rng = np.random.default_rng(0)
    vectors.write_text("".join(f"w{i} " + " ".join(f"{v:.3f}" for v in rng.normal(size=8)) + "\n"
                               for i in range(50)), encoding="utf-8")
    with sync_playwright() as playwright, open_browser(playwright) as first, open_browser(playwright) as second:
        alice, bob = first.new_page(), second.new_page()
        log_in(alice, server, "alice")
        navigate(alice, "Models", "models")
        import_vectors(alice, vectors, "alice-private")
        import_vectors(alice, vectors, "alice-shared")
        store = Store(server.home)
        assert store.meta("alice-private")["owner"] == "alice" and store.meta("alice-private")["shared"] is False

        log_in(bob, server, "bob")
        assert {"alice-private", "alice-shared"}.isdisjoint(sidebar_models(bob)) and "demo" in sidebar_models(bob)
        # a hand-made link to a private model: named as missing, never shown
        bob.goto(f"{server.url}/models?model=alice-private", wait_until="domcontentloaded")
        bob.get_by_text("This link's model 'alice-private' is not in the store").wait_for(timeout=60_000)

        # alice shares one of them
        choose(alice, "Model to rename, delete or export", "alice-shared")
        alice.get_by_role("tab", name="Share").click()
        alice.locator("[data-testid=stCheckbox]").filter(has_text="Shared with every user").first.click()
        alice.get_by_text("alice-shared is now shared with every user").wait_for(timeout=60_000)
        assert store.meta("alice-shared")["shared"] is True

        bob.reload()
        wait_idle(bob)
        bob.locator("[data-testid=stSidebar]").get_by_text("Logged in as bob").wait_for(timeout=60_000)
        seen = sidebar_models(bob)
        assert "alice-shared" in seen and "alice-private" not in seen
        assert "/models" in bob.url   # the hand-made link above opened the Models page
        choose(bob, "Model to rename, delete or export", "alice-shared")
        assert bob.get_by_role("button", name="Rename", exact=True).is_disabled()
        bob.get_by_role("tab", name="Delete").click()
        assert bob.get_by_role("button", name="Delete alice-shared").is_disabled()
        assert store.exists("alice-shared") and store.exists("alice-private")

        # logging out ends access
        alice.locator("[data-testid=stSidebar]").get_by_role("button", name="Log out").click()
        # Streamlit ends the session at the provider too (OpenID's end_session): confirm it there
        alice.get_by_role("button", name="End session").click(timeout=60_000)
        alice.get_by_role("button", name="Log in").wait_for(timeout=60_000)
        alice.goto(f"{server.url}/models", wait_until="domcontentloaded")
        alice.get_by_role("button", name="Log in").wait_for(timeout=60_000)
        time.sleep(0.5)
        assert alice.locator("[data-testid=stSidebar]").get_by_text("alice-private").count() == 0
