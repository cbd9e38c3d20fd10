"""Uploads on S3-compatible object storage, against a real S3 API server (moto's, in server
mode, on a free loopback port) through django-storages and boto3 over HTTP."""

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings

from core.storage import media_origins, media_storage
from demo.factories.articles import ArticleFactory, ImageFactory, png_bytes
from tests.net import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
BUCKET = "campaign-media"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    """A fresh bucket on the local S3 server, and settings that store uploads in it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    storages = {
        "default": media_storage(bucket=BUCKET, endpoint_url=s3_server, region="us-east-1"),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_local_files_stay_the_default():
    assert media_storage(bucket="") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert media_origins(bucket="") == []


def test_an_uploaded_image_is_stored_in_the_bucket_and_read_back(s3, db, tmp_path):
    image = ImageFactory(title="Families at the border", slug="families-at-the-border")

    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [image.file.name]
    assert image.file.name.startswith("images/")
    assert s3.get_object(Bucket=BUCKET, Key=image.file.name)["Body"].read() == png_bytes()
    assert default_storage.open(image.file.name).read() == png_bytes()
    # Nothing was written to the app server's own disk.
    assert not any(tmp_path.rglob("*.png"))


def test_the_article_page_points_readers_at_the_object_storage_url(s3, s3_server, client, db):
    hero = ImageFactory(title="Hero", slug="hero")
    article = ArticleFactory(title="A story with a picture", hero_image=hero)

    html = client.get(article.get_absolute_url()).content.decode()

    url = f"{s3_server}/{BUCKET}/{hero.file.name}"
    assert url in html
    assert "X-Amz-Signature" not in html  # Public media: plain URLs a CDN can keep.


def test_two_uploads_with_one_name_never_overwrite_each_other(s3, db):
    first = default_storage.save("images/same.png", ContentFile(b"first"))
    second = default_storage.save("images/same.png", ContentFile(b"second"))

    assert first != second
    assert default_storage.open(first).read() == b"first"
    default_storage.delete(first)
    assert not default_storage.exists(first) and default_storage.exists(second)


def test_the_environment_selects_object_storage_and_allows_its_images(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "true",
        "MEDIA_S3_BUCKET": "newsroom-media",
        "MEDIA_S3_CUSTOM_DOMAIN": "media.example.org",
    }
    code = (
        "from django.conf import settings;"
        "print(settings.STORAGES['default']['BACKEND']);"
        "print(settings.STORAGES['default']['OPTIONS']['bucket_name']);"
        "print(settings.SECURE_CSP['img-src'][-1])"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "newsroom-media",
        "https://media.example.org",
    ]
