"""An engagement from opening to settlement in a real browser: the orchestrator opens it and
sends the baseline, the customer's admin confirms it in the portal, the orchestrator enters the
final values, calculates the benefit and issues the report, and the customer confirms the
report and sees its gain-share settlement.

Uses the live server, Chromium and fixtures of test_browser.py (imported, so they are the same
ones and the module still puts the demo back in the test database afterwards).
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from ecosys.core.models import Role

from . import test_browser as base
from .test_browser import DEMO_PASSWORD, UUID, keep

# The same fixtures (pytest finds them by name in this module).
_demo_back_afterwards = base._demo_back_afterwards
browser = base.browser
browser_errors = base.browser_errors
demo = base.demo
page = base.page

pytestmark = pytest.mark.browser

CHANNEL_MANAGER = "manager@helix.example"
CUSTOMER_ADMIN = "admin@customer-closed.example"  # the demo's customer of the closed engagement
TITLE = "Depot returns automation"


def sign_in(tab: Page, email: str) -> None:
    tab.goto("/")
    expect(tab).to_have_url(re.compile(r"/login/\?next=/$"))
    tab.get_by_label("E-mail").fill(email)
    tab.get_by_label("Password").fill(DEMO_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab).to_have_url(re.compile(r"^https?://[^/]+/$"))
    expect(tab.locator("header.topbar summary", has_text=email)).to_be_visible()


def open_engagements(tab: Page) -> None:
    """The top bar's Engagements group, then its Engagements list."""
    topbar = tab.locator("header.topbar")
    topbar.locator("summary", has_text=re.compile(r"^Engagements$")).click()
    topbar.locator("details[open]").get_by_role("link", name="Engagements", exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Engagements")


def sign_out(tab: Page) -> None:
    tab.context.clear_cookies()


def record(tab: Page, *, kind: str, period: dt.date, value: str) -> None:
    tab.get_by_role("button", name="Record a value").click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Record a value")
    tab.get_by_label("Kind").select_option(label=kind)
    tab.get_by_label("Group").select_option(label="Engagement")
    tab.get_by_label("Period from").fill(period.isoformat())
    tab.get_by_label("Value *", exact=True).fill(value)
    tab.get_by_label("Unit").fill("days")
    tab.get_by_role("button", name="Save").click()
    expect(tab.locator(".flash").first).to_contain_text("recorded")


def move(tab: Page, status: str) -> None:
    tab.get_by_role("button", name=f"Move to {status}").click()
    expect(tab.locator(".page-head .badge").first).to_have_text(status.capitalize())


def test_engagement_from_opening_to_settlement(demo, page, browser_errors):
    with scopes_disabled():
        customer = demo["members"][CUSTOMER_ADMIN]
        assert customer.role == Role.EXTERNAL_ADMIN
        customer_name = customer.organization.name
    today = timezone.localdate()
    start = today.replace(day=1) - dt.timedelta(days=300)
    months = [dt.date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1)
              for k in range(8)]  # fmt: skip

    # The orchestrator opens the engagement from the invoice automation offering.
    sign_in(page, CHANNEL_MANAGER)
    open_engagements(page)
    page.get_by_role("button", name="Open an engagement").click()
    page.get_by_label("Customer *", exact=True).select_option(label=customer_name)
    page.get_by_label("Offering").select_option(label="Invoice processing automation")
    page.get_by_label("Title *", exact=True).fill(TITLE)
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((today + dt.timedelta(days=60)).isoformat())
    page.get_by_label("Commercial model").select_option(label="Gain sharing")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/engagements/{UUID}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    engagement_url = page.url

    # The metric's agreed value per unit, target and plausible bounds, on its own page; a
    # target outside the bounds is refused with a message.
    page.get_by_role("link", name="Edit / values").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice cycle time")
    page.get_by_label("Value per unit").fill("2500")
    page.get_by_label("Plausible min").fill("0")
    page.get_by_label("Plausible max").fill("30")
    page.get_by_label("Target").fill("40")
    page.get_by_role("button", name="Save the metric").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.get_by_text("The target lies outside the plausible bounds.")).to_be_visible()
    page.get_by_label("Target").fill("5")
    page.get_by_role("button", name="Save the metric").click()
    expect(page.get_by_text("Metric Invoice cycle time saved.")).to_be_visible()
    keep(page, "engagement-metric")
    page.get_by_role("link", name="Back to the engagement").click()

    # Staffing, then the baseline: two months' values sent to the customer.
    move(page, "staffing")
    move(page, "baseline")
    record(page, kind="Baseline", period=months[0], value="11.5")
    record(page, kind="Baseline", period=months[1], value="10.5")
    page.get_by_role("button", name="Send to the customer for confirmation").click()
    expect(page.get_by_text("Sent to the customer for confirmation.")).to_be_visible()
    keep(page, "engagement-baseline-sent")
    sign_out(page)

    # The customer's admin confirms the baseline in the portal.
    sign_in(page, CUSTOMER_ADMIN)
    open_engagements(page)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Awaiting the customer's confirmation")).to_be_visible()
    keep(page, "engagement-customer-baseline")
    page.get_by_role("button", name="Confirm this baseline").click()
    expect(page.get_by_text("Baseline confirmed.")).to_be_visible()
    sign_out(page)

    # The orchestrator tracks, enters the final values, closes measurement and calculates.
    sign_in(page, CHANNEL_MANAGER)
    page.goto(engagement_url)
    move(page, "tracking")
    record(page, kind="Tracking", period=months[4], value="8.5")
    record(page, kind="Final", period=months[6], value="6.5")
    record(page, kind="Final", period=months[7], value="6")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Take the final measurement (closes measurement)").click()
    expect(page.get_by_text("Final measurement taken")).to_be_visible()
    page.get_by_role("button", name="Calculate the benefit").click()
    expect(page.get_by_text("Benefit calculated.")).to_be_visible()
    page.get_by_label("Summary for the customer").fill("Invoices now clear in six days.")
    page.get_by_role("button", name="Issue the outcome report").click()
    expect(page.get_by_text("Report issued")).to_be_visible()
    keep(page, "engagement-report-issued")

    # Gain-share terms, then the settlement generated from the benefit and issued.
    page.goto(engagement_url)
    page.locator(".part-links").get_by_role("button", name="Terms").click()
    page.get_by_label("Gain share").fill("0.2")
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_text("Commercial terms saved.")).to_be_visible()
    page.get_by_role("link", name="Settlements", exact=True).last.click()
    page.get_by_role("button", name="Generate the gain-share settlement").click()
    page.get_by_role("button", name="Issue to the customer").click()
    expect(page.locator(".page-head .badge").first).to_have_text("Issued")
    keep(page, "engagement-settlement-issued")
    sign_out(page)

    # The customer confirms the report and sees the settlement.
    sign_in(page, CUSTOMER_ADMIN)
    page.goto(engagement_url)
    page.locator(".part-links").get_by_role("button", name="Outcome report").click()
    expect(page.get_by_text("Invoices now clear in six days.")).to_be_visible()
    page.get_by_role("button", name="Confirm the report").click()
    expect(page.get_by_text("your decision is recorded")).to_be_visible()
    keep(page, "engagement-customer-report")
    page.goto(engagement_url)
    page.locator(".part-links").get_by_role("button", name="Settlements").click()
    row = page.locator("table.list tbody tr").first
    expect(row).to_contain_text("Issued")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Settlement: {TITLE}")
    expect(page.get_by_role("button", name="Accept")).to_be_visible()
    keep(page, "engagement-customer-settlement")
    assert browser_errors == []
