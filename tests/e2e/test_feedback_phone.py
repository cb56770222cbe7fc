"""On a 390 × 844 phone an agency user rates a finished project and reports an incident, by thumb."""
from tests.e2e.conftest import login, screenshot

PHONE_WIDTH = 390


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"page is {width}px wide on a {PHONE_WIDTH}px phone"


def _tap_level(page, dimension: str, level: int) -> None:
    option = page.locator(f"#dim-{dimension} label.rating-option:has(input[value='{level}'])")
    box = option.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 300, box  # one full-width box per level
    option.tap()
    assert option.locator("input").is_checked()


def test_agency_rates_finished_project_and_reports_incident_on_phone(phone_page, live_server):
    page = phone_page
    base = live_server.url
    login(page, base, "agency01")

    page.goto(f"{base}/agency/?lang=en")
    _no_sideways_scroll(page)
    due = page.locator("[data-testid=feedback-due] a.button.primary[href*='period=completion']").first
    due.tap()
    page.wait_for_url("**/rate?period=completion")
    _no_sideways_scroll(page)
    for dimension in ("quality", "timeliness", "security", "conduct"):
        _tap_level(page, dimension, 4)
    _tap_level(page, "communication", 5)
    page.locator("label.rating-option:has(input[name=hire_again][value=yes])").tap()
    page.fill("textarea[name=narrative]", "The project manager reported every week and solved problems the same day.")
    screenshot(page, "feedback-form-390x844")
    _no_sideways_scroll(page)
    page.locator("form.feedback-form button[type=submit]").tap()
    page.wait_for_url("**/feedback/*")
    assert page.locator(".flash-success").is_visible()
    assert "The project manager reported every week" in page.content()

    page.goto(f"{base}/incidents/new?lang=en")
    _no_sideways_scroll(page)
    page.select_option("select[name=filing_id]", index=1)
    page.locator("label.rating-option:has(input[name=incident_type][value=device_media_violation])").tap()
    page.locator("label.rating-option:has(input[name=severity][value=medium])").tap()
    page.fill("input[name=occurred_at]", "2026-11-20T10:30")
    page.fill("textarea[name=description]", "An unregistered laptop with internet access was found in the scanning room.")
    screenshot(page, "incident-form-390x844")
    _no_sideways_scroll(page)
    page.locator("form.incident-form button[type=submit]").tap()
    page.wait_for_url("**/incidents/*")
    assert page.locator("[data-testid=incident-status]").inner_text().strip() == "reported"
    _no_sideways_scroll(page)
