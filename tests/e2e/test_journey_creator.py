"""Journey 1 (issue 13), in Chromium against the real server on SQLite and PostgreSQL: a
creator signs up, adds a work with an ISBN, clicks "Reserve everything" and downloads the
receipt, which ``consentry receipt verify`` accepts; a sign-up with a too-short password
shows the error beside the password field and keeps the email typed. Every page visited
passes ``check_page`` (axe, 375 px, screenshots kept)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from consentry.cli.app import build_app
from tests.e2e.conftest import Server, Traffic
from tests.e2e.pages import check_page

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

ISBN = "9780141439518"  # Emma, Penguin Classics
EMAIL = "jane.writer@example.org"
PASSWORD = "a long enough passphrase"


def sign_up(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Your name").fill("Jane Writer")
    page.locator("#f-password").fill(password)  # labelled "Password (required)"
    page.locator("#f-confirm").fill(password)


def test_creator_journey(
    server: Server, context: BrowserContext, traffic: Traffic, tmp_path: Path
) -> None:
    page = context.new_page()
    base = server.base
    sign_up(page, base, EMAIL, PASSWORD)
    check_page(page, "creator-1-signup")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/creator")
    check_page(page, "creator-2-dashboard")

    page.get_by_role("link", name="My works", exact=True).first.click()
    page.get_by_label("Title").fill("Emma")
    page.get_by_label("Identifiers").fill(ISBN)
    check_page(page, "creator-3-works")
    page.get_by_role("button", name="Add the work").click()
    page.wait_for_url(f"{base}/creator/works/*")
    assert "isbn:9780141439518" in page.content()
    check_page(page, "creator-4-work")
    # one purpose changed on the work's page: htmx saves the form in place
    page.get_by_label("search").select_option("allowed")
    page.get_by_role("button", name="Save the terms").click()
    page.get_by_text("1 purpose changed; a signed receipt was issued.").wait_for()
    assert page.get_by_label("search").input_value() == "allowed"
    search_row = page.locator("#terms tbody tr", has_text="search")
    assert search_row.locator("td").first.inner_text() == "allowed"  # the table too
    check_page(page, "creator-4b-work-terms-saved")

    page.goto(f"{base}/creator/terms")
    page.get_by_role("button", name="Reserve everything").click()
    page.wait_for_url(f"{base}/creator/terms")
    matrix = page.locator("table.matrix tbody tr").first
    assert matrix.locator("th").inner_text() == "Emma"
    assert matrix.locator("td .status").all_inner_texts() == ["reserved"] * 5
    check_page(page, "creator-5-terms")

    page.get_by_role("link", name="Receipts").first.click()
    page.wait_for_url(f"{base}/creator/receipts")
    check_page(page, "creator-6-receipts")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download").first.click()
    receipt = tmp_path / "receipt.json"
    caught.value.save_as(receipt)
    assert json.loads(receipt.read_text(encoding="utf-8"))["version"] == "consentry-receipt/1"
    out = CliRunner().invoke(
        build_app(),
        ["receipt", "verify", str(receipt), "--home", str(server.registry.settings.home)],
    )
    assert out.exit_code == 0, out.output
    assert "receipt OK" in out.stdout

    page.get_by_role("link", name="Verify").first.click()
    assert "Verified:" in page.content()
    check_page(page, "creator-7-receipt-verified")  # the journey's last page, kept
    assert not traffic.offsite


def test_a_too_short_password_is_shown_beside_its_field_and_the_email_kept(
    server: Server, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_up(page, server.base, EMAIL, "short")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    password = page.locator("#f-password")
    assert page.locator("label[for=f-password]").inner_text().startswith("Password")
    described = password.get_attribute("aria-describedby") or ""
    error = page.locator("#f-password-error")
    assert "f-password-error" in described.split()
    assert "12" in error.inner_text()  # the minimum length is named
    assert page.get_by_label("Email").input_value() == EMAIL
    check_page(page, "creator-signup-short-password")


def test_an_imported_list_with_bad_rows_lists_them(
    server: Server, context: BrowserContext, tmp_path: Path
) -> None:
    page = context.new_page()
    sign_up(page, server.base, "lister@example.org", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{server.base}/creator")
    page.goto(f"{server.base}/creator/import")
    check_page(page, "creator-import")
    listed = tmp_path / "works.csv"
    listed.write_text(
        "work_id,kind,title,identifiers,contributors,holders,terms\n"
        f"a1,book,Emma,isbn:{ISBN},,Someone Else|creator|100,\n"
        "a2,book,Persuasion,isbn:9780141439519,,,\n",
        encoding="utf-8",
    )
    page.get_by_label("CSV file").set_input_files(listed)
    page.get_by_role("button", name="Import").click()  # htmx: a progress bar, then the answer
    rows = page.locator("table tbody tr")
    rows.nth(1).wait_for()
    assert rows.count() == 2  # both rows refused, with their reasons; nothing imported
    assert "check digit" in rows.nth(1).inner_text()
    assert page.locator("#f-file-error").is_visible()
    check_page(page, "creator-import-rejected")
    party = page.locator("code", has_text="party:").inner_text().split("|")[0]
    listed.write_text(
        "work_id,kind,title,identifiers,contributors,holders,terms\n"
        f"a1,book,Emma,isbn:{ISBN},,{party}|creator|100,search=allowed\n",
        encoding="utf-8",
    )
    page.get_by_label("CSV file").set_input_files(listed)
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"{server.base}/creator/works")
    assert "1 works imported." in page.locator(".flash").inner_text()
    assert page.get_by_role("link", name="Emma").is_visible()
