"""axe-core and hand-made WCAG 2.1 AA checks on the pages readers and supporters use.

axe fails a test on any serious or critical violation and names the page, rule and elements.
The hand checks cover what axe cannot judge: one h1 and headings in order, visible focus, a text
equivalent for progress bars, and reduced motion.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.support import (
    DESKTOP,
    LEAD_ARTICLE,
    LEAD_CAMPAIGN,
    LEAD_TOPIC,
    PHONE,
    assert_no_serious_axe_violations,
    assert_structure,
    tab_to,
)

FOCUS_STYLE = """() => { const el = document.activeElement, s = getComputedStyle(el);
    return {visible: el.matches(':focus-visible'), outline: s.outlineStyle,
            width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"""


def assert_focus_indicator(page, what: str) -> None:
    style = page.evaluate(FOCUS_STYLE)
    assert style["visible"], f"{what} does not match :focus-visible"
    assert (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] != "none", (
        f"{what} shows no focus indicator when reached with the keyboard ({style})"
    )


pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "article": f"/news/{LEAD_ARTICLE}/",
    "topic": f"/topics/{LEAD_TOPIC}/",
    "campaign": f"/take-action/{LEAD_CAMPAIGN}/",
    "pledge": f"/pledges/{LEAD_CAMPAIGN}/",
    "search": "/search/?q=children",
    "sign-thanks": f"/take-action/{LEAD_CAMPAIGN}/thanks/",
}


@pytest.mark.parametrize("name", PAGES)
def test_page_passes_axe_and_the_structure_checks_at_both_widths(page, site, name):
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        response = page.goto(site + PAGES[name])

        assert response.status == 200, f"{name} page answered {response.status}"
        assert_no_serious_axe_violations(page, f"{name} ({label})")
        assert_structure(page, f"{name} ({label})")


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800})
def test_staff_dashboard_passes_axe_and_the_structure_checks(page, site):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "x-long-pw-1234")
    page.goto(f"{site}/admin/login/?next=/admin/dashboard/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("x-long-pw-1234")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/admin/dashboard/$"))
    assert_no_serious_axe_violations(page, "staff dashboard")
    assert_structure(page, "staff dashboard")


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800})
@pytest.mark.parametrize("name", ["home", "article", "campaign"])
def test_keyboard_focus_is_visible_on_links(page, site, name):
    page.goto(site + PAGES[name])

    # The first Tab lands on the skip link; keep going until a link in the content has focus.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(
            "!!document.activeElement.closest('main') && document.activeElement.tagName === 'A'"
        ):
            break
    else:
        pytest.fail(f"{name}: no link inside <main> is reachable with Tab")

    assert_focus_indicator(page, f"{name}: a link in the content")


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800})
def test_keyboard_focus_is_visible_on_the_sign_form_controls(page, site):
    page.goto(site + PAGES["campaign"])

    for name, kind in (
        ("first_name", "text field"),
        ("country", "select"),
        ("show_publicly", "checkbox"),
    ):
        tab_to(page, lambda f, name=name: f["name"] == name, what=f"the {name} {kind}")
        assert_focus_indicator(page, f"campaign: the {name} {kind}")
    tab_to(page, lambda f: f["tag"] == "button", what="the sign button")
    assert_focus_indicator(page, "campaign: the sign button")


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800})
def test_skip_link_moves_focus_to_the_main_content(page, site):
    page.goto(site + "/")

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main-content"


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800})
def test_progress_bars_on_the_campaign_page_have_a_text_equivalent(page, site):
    page.goto(site + PAGES["campaign"])

    bars = page.locator("progress, [role=progressbar]")
    assert bars.count() >= 1, "the campaign page shows no progress bar"
    for index in range(bars.count()):
        bar = bars.nth(index)
        name_and_text = bar.evaluate(
            """el => {
                const ids = ((el.getAttribute('aria-labelledby') || '') + ' ' +
                             (el.getAttribute('aria-describedby') || '')).trim().split(/\\s+/);
                const referenced = ids.filter(Boolean)
                    .map(id => document.getElementById(id)?.textContent || '').join(' ');
                const labels = Array.from(el.labels || []).map(l => l.textContent).join(' ');
                return [el.getAttribute('aria-label') || '', labels, referenced,
                        el.getAttribute('aria-valuetext') || '', el.textContent].join(' | ');
            }"""
        )
        assert any(ch.isdigit() for ch in name_and_text), (
            f"campaign page: progress bar {index} has no text equivalent with its numbers "
            f"({name_and_text!r})"
        )


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844})
@pytest.mark.parametrize("name", ["home", "campaign", "pledge"])
def test_reduced_motion_turns_off_animation_and_transitions(page, site, name):
    page.emulate_media(reduced_motion="reduce")
    response = page.goto(site + PAGES[name])
    assert response.status == 200, f"{name} page answered {response.status}"

    moving = page.evaluate(
        """() => Array.from(document.querySelectorAll('*')).filter(el => {
              const s = getComputedStyle(el);
              const seconds = v => Math.max(...v.split(',').map(parseFloat));
              return (s.animationName !== 'none' && seconds(s.animationDuration) > 0.01)
                  || seconds(s.transitionDuration) > 0.01 || s.scrollBehavior === 'smooth';
           }).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))"""
    )
    assert moving == [], f"{name}: still animated with prefers-reduced-motion: {moving[:10]}"


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844})
def test_reduced_motion_also_stops_motion_a_new_component_would_add(page, site):
    page.goto(site + PAGES["campaign"])
    probe = """() => { const el = document.createElement('div');
        el.style.transition = 'opacity 1s'; el.style.animation = 'spin 1s infinite';
        document.querySelector('main').append(el);
        const s = getComputedStyle(el), result = [s.transitionDuration, s.animationName];
        el.remove(); return result; }"""

    page.emulate_media(reduced_motion="no-preference")
    assert page.evaluate(probe) == ["1s", "spin"]  # The probe does move without the preference.
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(probe) == ["0s", "none"], "site.css lets motion through reduced-motion"
