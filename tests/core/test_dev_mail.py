"""Development email: decoded text on the console, and the DEBUG-only outbox page."""

import io

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from core.dev_mail import DevelopmentEmailBackend, outbox_messages

# Long enough that quoted-printable encoding would break it across lines with "=".
LINK = "http://127.0.0.1:8000/take-action/confirm/" + "a1b2c3d4e5" * 12 + "/"


@pytest.fixture
def outbox(settings, tmp_path):
    settings.DEV_OUTBOX_DIR = tmp_path / "outbox"
    return settings.DEV_OUTBOX_DIR


def send(stream):
    message = EmailMultiAlternatives(
        subject="Please confirm your signature: Reunite families",
        body=f"Hello Ana,\n\nOpen this link to confirm — it works for 7 days:\n\n{LINK}\n",
        to=["ana@example.org"],
    )
    message.attach_alternative(f'<p><a href="{LINK}">Confirm</a></p>', "text/html")
    return DevelopmentEmailBackend(stream=stream).send_messages([message])


def test_the_console_shows_the_decoded_text_with_the_link_whole(outbox):
    stream = io.StringIO()

    assert send(stream) == 1

    printed = stream.getvalue()
    assert LINK in printed
    assert "it works for 7 days" in printed and "=E2=80=94" not in printed
    assert "Subject: Please confirm your signature: Reunite families" in printed


def test_sent_messages_are_kept_newest_first(outbox):
    send(io.StringIO())
    send(io.StringIO())

    messages = outbox_messages()

    assert len(messages) == 2
    assert messages[0].name > messages[1].name
    assert LINK in messages[0].text and messages[0].to == "ana@example.org"


def test_the_outbox_page_lists_emails_with_clickable_links_when_debug_is_on(
    client, db, outbox, settings
):
    send(io.StringIO())
    settings.DEBUG = True

    response = client.get(reverse("dev-outbox"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Please confirm your signature" in html
    assert f'<a href="{LINK}"' in html


def test_the_outbox_page_is_404_when_debug_is_off(client, db, outbox, settings):
    send(io.StringIO())
    settings.DEBUG = False

    response = client.get(reverse("dev-outbox"))

    assert response.status_code == 404
    assert "ana@example.org" not in response.content.decode()
