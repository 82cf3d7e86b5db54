"""What people see in a real browser: the orchestrator's pages, and partners kept apart.

Drives Debian's Chromium through Playwright against pytest-django's live server. The live
server needs a transactional database, which is emptied after every test, so each test loads
the small demo ecosystem itself (a quarter of a second) and the module puts it back at the end
for any database tests that run after it in the same session.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db.models import Q
from django_scopes import scope, scopes_disabled
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ecosys.core.access import Actor
from ecosys.core.models import AuditEvent, Membership, Workspace
from ecosys.ecosystem.demo import DEMO_PASSWORD, DEMO_SLUG, demo_load
from ecosys.ecosystem.models import Organization, Person, Relationship
from ecosys.ecosystem.services import organization_create

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"

CHANNEL_MANAGER = "manager@helix.example"
PARTNER_A_ADMIN = "admin@partner-a.example"
PARTNER_B_MEMBER = "member@partner-b.example"

NEW_ORG = "Quantum Gearworks GmbH"
NEW_ORG_DOMAIN = "quantum-gearworks.example"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

WHEN = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")

_flushed = {"test database": False}


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _demo_back_afterwards(django_db_blocker) -> Iterator[None]:
    """The live server's flush empties the test database; refill it as tests/conftest.py does."""
    yield
    if not _flushed["test database"]:
        return  # no test ran against the live server (e.g. all skipped): nothing to put back
    with django_db_blocker.unblock():
        if not Workspace.objects.filter(slug=DEMO_SLUG).exists():
            demo_load(size="small")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module; a missing browser skips locally but fails in CI."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing: install Debian's chromium package"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS.glob("FAILED-*.png"):
        stale.unlink()
    # Playwright's sync API keeps an event loop on this thread; the database calls the tests
    # make here (and the live server's flush) are ordinary blocking calls, which is fine.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(browser, live_server) -> dict:
    """The small demo in the (transactional) test database, and its demo members by e-mail."""
    _flushed["test database"] = True
    if not Workspace.objects.filter(slug=DEMO_SLUG).exists():
        demo_load(size="small")
    with scopes_disabled():
        workspace = Workspace.objects.select_related("orchestrator").get(slug=DEMO_SLUG)
        members = {
            m.user.email: m
            for m in Membership.objects.select_related("user", "organization", "workspace")
        }
    return {"workspace": workspace, "members": members}


@pytest.fixture
def browser_errors() -> list[str]:
    return []


@pytest.fixture
def page(request, browser, live_server, browser_errors) -> Iterator[Page]:
    """A fresh, signed-out tab on the live server; JavaScript errors and broken assets are noted."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.on("pageerror", lambda error: browser_errors.append(f"JavaScript error: {error}"))
    tab.on(
        "response",
        lambda response: (
            browser_errors.append(f"{response.status} for {response.url}")
            if "/static/" in response.url and response.status >= 400
            else None
        ),
    )
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=SCREENSHOTS / f"FAILED-{request.node.name}.png", full_page=True)
    context.close()


# -- helpers ---------------------------------------------------------------------------------


def keep(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def sign_in(page: Page, email: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in to Ecosys")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.locator("header.topbar summary").last).to_have_text(email)


def nav(page: Page, name: str) -> None:
    """Click a top-bar link, opening its dropdown group first when it sits in one."""
    topbar = page.locator("header.topbar")
    link = topbar.get_by_role("link", name=name, exact=True)
    if not link.count():  # inside a closed menu, where it has no role yet
        exact = re.compile(rf"^\s*{re.escape(name)}\s*$")
        group = topbar.locator("details", has=page.locator("a", has_text=exact))
        group.first.locator("summary").click()
    link.first.click()


def results(count: int) -> re.Pattern:
    """The list footer for a number of results, as |pluralize and |intcomma write it."""
    return re.compile(rf"^\s*{count:,} results?\b")


def search(page: Page, text: str) -> None:
    """Type into a list's search box; HTMX swaps the results in and puts q= in the address."""
    page.get_by_role("searchbox", name="Search").fill(text)
    expect(page).to_have_url(re.compile(r"[?&]q="))


def column(page: Page, label: str) -> list[str]:
    """The texts of one column of the list table, by its header label."""
    headers = [text.strip(" ▲▼") for text in page.locator("table.list thead th").all_inner_texts()]
    index = headers.index(label)
    return [
        row.locator("td").nth(index).inner_text().strip()
        for row in page.locator("table.list tbody tr").all()
    ]


def quiet_charts(page: Page) -> None:
    """Wait for the dashboard's three charts and finish their animation before a screenshot."""
    page.wait_for_function("window.Chart && Object.keys(Chart.instances).length === 3")
    page.evaluate(
        "Object.values(Chart.instances)"
        ".forEach((chart) => { chart.options.animation = false; chart.update('none'); })"
    )


def member(demo: dict, email: str) -> Membership:
    return demo["members"][email]


# -- tests -----------------------------------------------------------------------------------


def test_channel_manager_searches_and_adds_an_organisation(demo, page, browser_errors):
    workspace = demo["workspace"]
    with scopes_disabled():
        totals = {
            "Organisations": Organization.objects.filter(workspace=workspace).count(),
            "People": Person.objects.filter(workspace=workspace).count(),
            "Relationships": Relationship.objects.filter(workspace=workspace).count(),
        }
    sign_in(page, CHANNEL_MANAGER)

    # The dashboard: workspace name, the three counts, charts and recent activity.
    expect(page).to_have_title("Dashboard · Ecosys")
    expect(page.get_by_role("heading", level=1)).to_have_text("Helix Industrial ecosystem")
    for label, total in totals.items():
        card = page.locator("a.card").filter(has_text=label)
        expect(card.locator(".figure")).to_have_text(f"{total:,}")
    expect(page.locator("article", has_text="Recent activity")).to_contain_text("demo_load")
    quiet_charts(page)
    keep(page, "dashboard-orchestrator")

    # The organisation list, then a search that narrows it.
    nav(page, "Organisations")
    expect(page).to_have_url(re.compile(r"/organizations/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    expect(page.locator(".list-foot")).to_contain_text(results(totals["Organisations"]))
    expect(page.locator("table.list tbody tr")).to_have_count(25)
    keep(page, "organisation-list")

    query = "controls"
    with scopes_disabled():
        matching = (
            Organization.objects.filter(workspace=workspace)
            .filter(
                Q(name__icontains=query)
                | Q(website_domain__icontains=query)
                | Q(description__icontains=query)
            )
            .count()
        )
    assert 1 < matching < 25, "the demo should have a few organisations matching the query"
    search(page, query)
    expect(page.locator(".list-foot")).to_contain_text(results(matching))
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(matching)
    for text in rows.all_inner_texts():
        assert query in text.lower()
    partner_a = member(demo, PARTNER_A_ADMIN).organization
    expect(page.get_by_role("link", name=partner_a.name, exact=True)).to_be_visible()

    # The form: a website with a scheme and a path is refused, nothing is created.
    page.get_by_role("button", name="New organisation").click()
    expect(page).to_have_url(re.compile(r"/organizations/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New organisation")
    page.locator("#id_name").fill(NEW_ORG)
    page.locator("#id_region").select_option(label="Europe")
    page.locator("#id_country").select_option(label="Germany")
    page.locator("#id_industry").select_option(label="Manufacturing")
    page.locator("#id_size").select_option(label="51-250")
    page.locator("#id_website_domain").fill("https://bad/path")
    page.locator("#id_description").fill("Gearboxes for packaging lines.")
    page.get_by_label("Dealer / retailer", exact=True).check()
    page.get_by_label("Integrator", exact=True).check()
    page.locator("#id_tags").fill("premium, browser-test")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/organizations/new/$"))
    website = page.locator(".field").filter(has=page.locator("#id_website_domain"))
    expect(website.get_by_role("alert")).to_have_text(
        "Enter a bare domain such as example.com, without a path."
    )
    expect(page.get_by_role("alert")).to_have_count(1)
    expect(page.locator("#id_name")).to_have_value(NEW_ORG)
    expect(page.get_by_label("Integrator", exact=True)).to_be_checked()
    expect(page.locator("#id_tags")).to_have_value("premium, browser-test")
    with scopes_disabled():
        assert not Organization.objects.filter(name=NEW_ORG).exists()
        assert Organization.objects.filter(workspace=workspace).count() == totals["Organisations"]
    keep(page, "organisation-create-error")

    # Fixed and saved: the new organisation's page.
    page.locator("#id_website_domain").fill(NEW_ORG_DOMAIN)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/organizations/({UUID})/$"))
    public_id = re.search(UUID, page.url).group(0)
    expect(page.get_by_role("status")).to_have_text(f"Organisation “{NEW_ORG}” created.")
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_ORG)
    expect(page.locator(".page-head .badge")).to_have_text(["Dealer / retailer", "Integrator"])
    facts = page.locator("dl.facts")
    for label, value in {
        "Region": "Europe",
        "Country": "Germany",
        "Industry": "Manufacturing",
        "Size": "51-250 employees",
        "Website": NEW_ORG_DOMAIN,
        "Id": public_id,
    }.items():
        expect(facts.locator(f"dt:text-is('{label}') + dd")).to_have_text(value)
    tags = facts.locator("dt:text-is('Tags') + dd .badge")
    expect(tags).to_have_text(["browser-test", "premium"])

    history = page.locator("article").filter(has=page.get_by_role("heading", name="History"))
    creation = history.locator("tbody tr")
    expect(creation).to_have_count(1)
    expect(creation.locator("td")).to_have_text(
        [WHEN, CHANNEL_MANAGER, "Web", "create", re.compile(".")]
    )
    changes = creation.locator("ul.changes")
    expect(changes).to_contain_text(f"Name: {NEW_ORG}")
    expect(changes).to_contain_text(f"Website domain: {NEW_ORG_DOMAIN}")
    expect(changes).to_contain_text("Roles: Dealer / retailer, Integrator")
    expect(changes).to_contain_text("Region: Europe")
    keep(page, "organisation-detail")

    with scopes_disabled():
        created = Organization.objects.get(name=NEW_ORG)
        assert str(created.public_id) == public_id
        assert sorted(created.roles.values_list("role", flat=True)) == ["dealer", "integrator"]
        assert created.website_domain == NEW_ORG_DOMAIN
        event = AuditEvent.objects.get(target_public_id=created.public_id)
        assert (event.action, event.channel, event.user.email) == ("create", "web", CHANNEL_MANAGER)

    # The list finds it, and its link leads back to its page.
    nav(page, "Organisations")
    search(page, "gearworks")
    expect(page.locator(".list-foot")).to_contain_text(results(1))
    link = page.locator("table.list tbody").get_by_role("link", name=NEW_ORG, exact=True)
    expect(link).to_have_attribute("href", f"/organizations/{public_id}/")
    expect(page.locator("table.list tbody tr")).to_contain_text(NEW_ORG_DOMAIN)

    # The ecosystem graph draws the organisations and their relationships.
    nav(page, "Graph")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ecosystem graph")
    expect(page.locator("#graph-status")).to_have_text(
        re.compile(r"^([1-9]\d*) organisations, ([1-9]\d*) relationships$")
    )
    expect(page.locator("#graph canvas").first).to_be_visible()
    keep(page, "graph-orchestrator")

    assert browser_errors == []


def test_partner_admin_sees_only_their_own_organisation_and_people(demo, page, browser_errors):
    manager = member(demo, CHANNEL_MANAGER)
    partner_a = member(demo, PARTNER_A_ADMIN).organization
    partner_b = member(demo, PARTNER_B_MEMBER).organization
    # The live server's flush removed the first test's organisation; the channel manager adds
    # another one here, which only the orchestrator may see.
    actor = Actor(workspace=manager.workspace, user=manager.user, membership=manager)
    with scope(workspace=manager.workspace.pk):
        prospect = organization_create(
            actor=actor, name=NEW_ORG, roles=["dealer"], website_domain=NEW_ORG_DOMAIN
        )
    with scopes_disabled():
        our_people = Person.objects.filter(organization=partner_a).count()
        b_person = Person.objects.filter(organization=partner_b).first()
    assert our_people >= 2, "the demo gives partner A some people"
    sign_in(page, PARTNER_A_ADMIN)

    # The portal home, not the orchestrator's dashboard.
    expect(page).to_have_title("Portal · Ecosys")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {partner_a.name}")
    expect(page.locator("a.card").filter(has_text="Our organisation")).to_contain_text(
        partner_a.name
    )
    expect(page.locator("a.card").filter(has_text="Our people").locator(".figure")).to_have_text(
        str(our_people)
    )
    topbar = page.locator("header.topbar")
    for orchestrator_only in ("Dashboard", "Organisations", "Graph", "Audit log"):
        # counted among every link, those of closed menus included
        exact = re.compile(rf"^\s*{re.escape(orchestrator_only)}\s*$")
        expect(topbar.locator("a", has_text=exact)).to_have_count(0)
    keep(page, "portal-home-partner-a")

    # The organisation list holds their own organisation only.
    page.goto("/organizations/")
    expect(page.locator(".list-foot")).to_contain_text(results(1))
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    assert column(page, "Name") == [partner_a.name]
    search(page, partner_b.name)
    expect(page.locator(".list-foot")).to_contain_text(results(0))
    expect(page.locator("table.list tbody")).to_contain_text("Nothing matches")

    # Their people, every one of them theirs.
    nav(page, "Our people")
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.locator(".list-foot")).to_contain_text(results(our_people))
    expect(page.locator("table.list tbody tr")).to_have_count(our_people)
    assert column(page, "Organisation") == [partner_a.name] * our_people
    keep(page, "people-list-partner-a")

    # Other organisations' pages do not exist for them.
    for hidden in (partner_b, prospect):
        response = page.goto(f"/organizations/{hidden.public_id}/")
        assert response is not None and response.status == 404, hidden.name
        expect(page.locator("body")).not_to_contain_text(hidden.name)
    response = page.goto(f"/people/{b_person.public_id}/")
    assert response is not None and response.status == 404
    for orchestrator_page in ("/graph/", "/audit/"):
        response = page.goto(orchestrator_page)
        assert response is not None and response.status == 403, orchestrator_page

    assert browser_errors == []


def test_partner_b_member_cannot_see_partner_a(demo, page, browser_errors):
    partner_a = member(demo, PARTNER_A_ADMIN).organization
    partner_b = member(demo, PARTNER_B_MEMBER).organization
    with scopes_disabled():
        a_people = list(Person.objects.filter(organization=partner_a))
        b_relationships = Relationship.objects.filter(Q(source=partner_b) | Q(target=partner_b))
        b_relationships = b_relationships.count()
    assert a_people and b_relationships
    sign_in(page, PARTNER_B_MEMBER)

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {partner_b.name}")
    expect(page.locator("main")).not_to_contain_text(partner_a.name)

    page.goto("/organizations/")
    expect(page.locator(".list-foot")).to_contain_text(results(1))
    assert column(page, "Name") == [partner_b.name]
    search(page, partner_a.name)
    expect(page.locator(".list-foot")).to_contain_text(results(0))

    # The organisation picker of the forms suggests nothing of partner A either.
    page.goto(f"/organizations/suggest/?search={quote(partner_b.name)}")
    expect(page.get_by_role("button", name=partner_b.name, exact=True)).to_be_visible()
    page.goto(f"/organizations/suggest/?search={quote(partner_a.name)}")
    expect(page.get_by_role("button")).to_have_count(0)

    response = page.goto(f"/organizations/{partner_a.public_id}/")
    assert response is not None and response.status == 404

    page.goto("/")
    nav(page, "Our people")
    names = column(page, "Organisation")
    assert names and set(names) == {partner_b.name}
    for person in a_people:
        expect(page.locator("main")).not_to_contain_text(person.email)

    nav(page, "Relationships")
    expect(page.locator(".list-foot")).to_contain_text(results(b_relationships))
    for source, target in zip(column(page, "From"), column(page, "To"), strict=True):
        assert partner_b.name in (source, target)
    expect(page.locator("main")).not_to_contain_text(partner_a.name)

    assert browser_errors == []


def test_an_applicant_becomes_an_active_partner_with_a_certified_person(
    demo, page, browser, live_server, browser_errors
):
    """The whole partner journey in the browser: public form, approval, invitation, onboarding,
    activation, training with a quiz, and the certificate on the partner's page."""
    from django.core import mail

    # 1. The applicant, not signed in, fills the public form (and takes more than 3 seconds).
    page.goto("/apply/helix/")
    page.locator("input[name=company_name]").fill("Kestrel Motion Oy")
    page.locator("input[name=website_domain]").fill("kestrel-motion.example")
    page.locator("select[name=country]").select_option("FI")
    page.locator("select[name=region]").select_option("europe")
    page.locator("select[name=partner_type]").select_option("integrator")
    page.locator("input[name=contact_name]").fill("Kaisa Kestrel")
    page.locator("input[name=contact_email]").fill("kaisa@kestrel-motion.example")
    page.wait_for_timeout(3200)
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    # 2. The channel manager approves it; the approval creates the partner in onboarding.
    sign_in(page, CHANNEL_MANAGER)
    page.goto("/partners/applications/")
    page.get_by_role("link", name="Kestrel Motion Oy").click()
    page.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator(".flash")).to_contain_text("Decision recorded")
    page.get_by_role("link", name="Kestrel Motion Oy").last.click()
    expect(page.locator(".page-head .badge.state-onboarding")).to_be_visible()
    keep(page, "journey-partner-onboarding")
    page.locator("select[name=to_state]").select_option("active")
    page.get_by_role("button", name="Change state").click()
    expect(page.locator(".flash")).to_contain_text("is now active")
    page.locator("form[action='/logout/'] button").evaluate("button => button.click()")
    expect(page).to_have_url(re.compile(r"/login/"))  # signed out before following the link

    # 3. The applicant's invitation: choose a password through the one-time link, sign in.
    invitation = next(m for m in mail.outbox if "/password/set/" in m.body)
    link = re.search(r"/password/set/\S+", invitation.body).group(0)
    page.goto(link)
    page.locator("input[name=new_password1]").fill("Kestrel-rotor-77")
    page.locator("input[name=new_password2]").fill("Kestrel-rotor-77")
    page.get_by_role("button", name="Save password").click()
    page.get_by_label("E-mail").fill("kaisa@kestrel-motion.example")
    page.get_by_label("Password").fill("Kestrel-rotor-77")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Kestrel Motion Oy")).to_be_visible()
    expect(page.locator(".card").filter(has_text="Partnership status")).to_contain_text("Active")

    # 4. She records herself as a person of her company and takes the training.
    page.goto("/people/new/")
    page.locator("input[name=first_name]").fill("Kaisa")
    page.locator("input[name=last_name]").fill("Kestrel")
    page.locator("input[name=email]").fill("kaisa@kestrel-motion.example")
    page.locator("select[name=worker_type]").select_option("employee")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("added")
    for course, answers in (
        ("Servo drive basics", {"q1": "hx-200", "q2": "every-6-months"}),
        ("Field service essentials", {}),
    ):
        page.goto("/courses/")
        page.get_by_role("link", name=course).click()
        page.locator("select[name=person]").select_option(label="Kaisa Kestrel (Kestrel Motion Oy)")
        page.get_by_role("button", name="Enrol").click()
        for name, value in answers.items():
            page.locator(f"input[name={name}][value={value}]").check()
        page.get_by_role("button", name=re.compile("Submit the quiz|Mark completed")).click()
        expect(page.locator(".flash")).to_contain_text("Course completed")

    # 5. Her certificate shows on the partner's page, with its PDF.
    page.goto("/")
    page.get_by_role("link", name=re.compile("Partnership status")).click()
    certified = page.locator("article").filter(
        has=page.get_by_role("heading", name="Certified people")
    )
    expect(certified).to_contain_text("Kaisa Kestrel")
    expect(certified).to_contain_text("Certified Helix drive engineer")
    keep(page, "journey-certified-partner")
    assert browser_errors == []


def test_partner_admin_loads_channel_data_and_sees_its_profile(demo, page, browser_errors):
    partner_a = member(demo, PARTNER_A_ADMIN).organization
    sign_in(page, PARTNER_A_ADMIN)
    nav(page, "Performance")
    # A partner lands on its own profile, never the channel's league table.
    expect(page.get_by_role("heading", level=1)).to_have_text(partner_a.name)
    expect(page.locator("body")).to_contain_text("How the score is made")
    page.wait_for_function("window.Chart && Object.keys(Chart.instances).length === 2")
    keep(page, "performance-profile-partner-a")

    # Upload a file with the partner's own columns; map them; watch it load.
    page.goto("/performance/data/")
    page.get_by_text("Load sell-through data").click()
    csv = (
        "Reseller,Order Date,SKU,Customer,Invoice,Qty,Revenue\n"
        f"{partner_a.name},2026-11-02,SD-100,BROWSER-1,B-1,2,3600.00\n"
        f"{partner_a.name},2026-11-03,BR-6204,BROWSER-2,B-2,10,450.00\n"
    )
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "browser.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Match the file's columns")).to_be_visible()
    expect(page.locator("select[name=map_partner]")).to_have_value("Reseller")
    keep(page, "channel-load-mapping")
    page.get_by_role("button", name="Check and load").click()
    expect(page.locator("#load-progress h2")).to_have_text("Stored", timeout=30_000)
    expect(page.locator("#load-progress")).to_contain_text("2 rows stored for 1 partners")
    keep(page, "channel-load-stored")

    # A row for another partner is refused, whole, with the row named.
    page.goto("/performance/data/")
    page.get_by_text("Load sell-through data").click()
    other = member(demo, PARTNER_B_MEMBER).organization
    page.locator("input[type=file][name=file]").set_input_files(
        files=[
            {
                "name": "mixed.csv",
                "mimeType": "text/csv",
                "buffer": (
                    "Reseller,Order Date,SKU,Invoice,Qty,Revenue\n"
                    f"{other.name},2026-11-04,SD-100,M-1,1,1800.00\n"
                ).encode(),
            }
        ]
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Check and load").click()
    expect(page.locator("#load-progress h2")).to_have_text("Refused", timeout=30_000)
    expect(page.locator("#load-progress table")).to_contain_text("your own organisation")
    assert browser_errors == []
