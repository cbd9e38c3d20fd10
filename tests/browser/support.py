"""Helpers the browser tests share: the two widths, axe, and the hand-made WCAG checks."""

import pytest
from axe_playwright_python.sync_playwright import Axe

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# Each journey runs once per width; pytest-playwright reads the marker when it opens the context.
both_widths = pytest.mark.parametrize(
    "width",
    [
        pytest.param("phone", id="phone", marks=pytest.mark.browser_context_args(viewport=PHONE)),
        pytest.param(
            "desktop", id="desktop", marks=pytest.mark.browser_context_args(viewport=DESKTOP)
        ),
    ],
)

BLOCKING_IMPACTS = {"serious", "critical"}
_axe = Axe()


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now."""
    return _axe.run(page).response["violations"]


def describe_violations(label: str, url: str, violations: list[dict]) -> str:
    lines = [f"axe found serious/critical violations on the {label} page ({url}):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node['html'][:160]}")
    return "\n".join(lines)


def assert_no_serious_axe_violations(page, label: str) -> None:
    """No serious or critical axe violation; the message names the page, rule and elements."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert [(v["id"], v["impact"]) for v in blocking] == [], describe_violations(
        label, page.url, blocking
    )


def heading_levels(page) -> list[int]:
    return page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "els => els.map(e => Number(e.tagName[1]))"
    )


def assert_structure(page, label: str) -> None:
    """Hand checks axe leaves to people: lang, one h1, headings in order, alt text, labels."""
    assert page.get_attribute("html", "lang"), f"{label}: <html> has no lang attribute"
    levels = heading_levels(page)
    assert levels.count(1) == 1, f"{label}: expected exactly one <h1>, found levels {levels}"
    assert levels[0] == 1, f"{label}: the first heading is h{levels[0]}, not h1 ({levels})"
    skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert skips == [], f"{label}: heading levels skip {skips} in {levels}"
    no_alt = page.eval_on_selector_all(
        "img:not([alt])", "els => els.map(e => e.outerHTML.slice(0, 120))"
    )
    assert no_alt == [], f"{label}: images without alt: {no_alt}"
    unlabelled = page.eval_on_selector_all(
        "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea",
        """els => els.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                     && !e.getAttribute('aria-labelledby')).map(e => e.outerHTML.slice(0, 120))""",
    )
    assert unlabelled == [], f"{label}: form fields without a label: {unlabelled}"


LEAD_ARTICLE = "clooneys-donate-100000-for-separated-migrant-children"
LEAD_TOPIC = "demand-equity"
LEAD_CAMPAIGN = "reunite-separated-families"


def focused(page) -> dict:
    """What has keyboard focus: tag, name, type, id, and whether it is inside a form."""
    return page.evaluate(
        """() => { const el = document.activeElement;
                   return {tag: el.tagName.toLowerCase(), name: el.getAttribute('name') || '',
                           type: el.getAttribute('type') || '', id: el.id || '',
                           form: el.form ? el.form.getAttribute('action') : null}; }"""
    )


def tab_to(page, predicate, *, limit: int = 200, what: str = "the field") -> dict:
    """Press Tab until `predicate(focused(page))` holds; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if predicate(now):
            return now
    pytest.fail(f"{what} is not reachable with the Tab key from {page.url}")


def fill_form_by_keyboard(page, *, first: str, typed: dict, ticked: set, limit: int = 40):
    """Tab from the top of the page to field `first`, then walk the form with the keyboard.

    Types `typed[name]` into each named field it reaches, presses Space on `ticked` checkboxes,
    and presses Enter on the submit button. Returns the names of the fields focus passed through.
    """
    start = tab_to(page, lambda f: f["name"] == first, what=f"the {first!r} field")
    action = start["form"]
    visited = []
    for _ in range(limit):
        now = focused(page)
        assert now["form"] == action, f"Tab left the form at {now} after {visited}"
        if now["tag"] == "button" or now["type"] == "submit":
            page.keyboard.press("Enter")
            return visited
        visited.append(now["name"])
        if now["name"] in typed:
            page.keyboard.type(typed[now["name"]])
        elif now["name"] in ticked:
            page.keyboard.press("Space")
        page.keyboard.press("Tab")
    pytest.fail(f"never reached the submit button; focus went through {visited}")
