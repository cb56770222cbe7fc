"""Real browser: vendor01 files a project with staff and a document, the agency confirms, the
regulator registers it, and the receipt prints (screenshot in print media, and a PDF)."""
from datetime import timedelta

from portal.core import clock
from tests.e2e.conftest import ARTIFACTS, login, screenshot
from tests.filings.builders import PDF, WORK_PLAN


def _agency_of_vendor_filing_name() -> str:
    # agency01 is the first demo agency: a city body (see portal/seed/orgs.py).
    return "泸州市教育局"


def test_file_confirm_register_and_print_receipt(browser, live_server):
    base = live_server.url
    today = clock.today()
    contexts = []

    def new_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    try:
        vendor = new_page()
        login(vendor, base, "vendor01")
        vendor.goto(f"{base}/filings/new")
        vendor.fill("input[name=title]", "浏览器测试：文书档案数字化项目")
        vendor.select_option("select[name=agency_id]", label=_agency_of_vendor_filing_name())
        vendor.fill("input[name=contract_number]", "HT-E2E-001")
        vendor.fill("input[name=contract_date]", (today - timedelta(days=3)).isoformat())
        vendor.fill("textarea[name=contract_scope]", "文书档案2000卷数字化")
        vendor.fill("textarea[name=quality_standard]", "DA/T 31-2017")
        vendor.fill("textarea[name=technical_standard]", "300dpi 彩色扫描")
        vendor.check("input[name=service_types][value=digitisation]")
        vendor.fill("input[name=qty_volumes]", "2000")
        vendor.check("input[name=non_classified_declared]")
        vendor.fill("input[name=start_date]", (today + timedelta(days=7)).isoformat())
        vendor.fill("input[name=end_date]", (today + timedelta(days=90)).isoformat())
        for name, text in WORK_PLAN.items():  # DA/T 68.2 §5: every part of the work plan
            vendor.fill(f"textarea[name={name}]", text)
        # Assign two qualified people (the demo roster also has some not yet qualified).
        qualified = vendor.locator("li:has(input[name=staff_ids])").filter(has_not_text="尚不符合上岗条件")
        assert qualified.count() >= 2
        qualified.nth(0).locator("input").check()
        qualified.nth(1).locator("input").check()
        vendor.check("input[name=chk_network_isolation]")
        vendor.set_input_files("input[name=file_contract]",
                               files=[{"name": "contract.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        vendor.click("input[name=submit_filing]")
        vendor.wait_for_url(f"{base}/filings/*")
        heading = vendor.locator("h1").inner_text()
        assert "LZWB-" in heading, vendor.content()[:2000]
        number = heading.split()[0]
        filing_url = vendor.url.split("?")[0]
        assert vendor.locator("[data-testid=documents]").inner_text().count("contract.pdf") == 1
        assert vendor.locator("[data-testid=staff] li").count() == 2

        agency = new_page()
        login(agency, base, "agency01")
        agency.goto(filing_url)
        agency.click("[data-testid=act-confirm] button")
        agency.wait_for_selector(".flash-success")
        assert "status-confirmed" in agency.content()

        regulator = new_page()
        login(regulator, base, "regulator")
        regulator.goto(filing_url)
        regulator.click("[data-testid=act-register] button")
        regulator.wait_for_selector(".flash-success")
        assert "status-registered" in regulator.content()
        assert regulator.locator("[data-testid=timeline] li").count() >= 4

        vendor.goto(f"{filing_url}/receipt")
        assert vendor.locator("[data-testid=receipt-number]").inner_text() == number
        assert vendor.locator("img[data-testid=qr]").evaluate("img => img.naturalWidth") > 0
        vendor.emulate_media(media="print")
        shot = screenshot(vendor, "filing-receipt-print")
        assert shot.stat().st_size > 5000
        assert not vendor.locator(".site-header").is_visible()
        pdf_path = ARTIFACTS / "filing-receipt.pdf"
        data = vendor.pdf(path=str(pdf_path), format="A4")
        assert data[:5] == b"%PDF-" and len(data) > 5000

        verify_url = vendor.locator(".verify-url").inner_text().strip()
        public = new_page()
        public.goto(verify_url)
        assert number in public.locator("[data-testid=verified]").inner_text()
    finally:
        for context in contexts:
            context.close()
