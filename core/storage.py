"""Where uploads live: the local disk by default, or an S3-compatible bucket for servers that
keep nothing on their own disk (any number of app servers, replaced at will)."""

from urllib.parse import urlsplit


def media_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    custom_domain: str = "",
    querystring_auth: bool = False,
    location: str = "",
) -> dict:
    """The `STORAGES["default"]` entry: local files when `bucket` is empty, else django-storages'
    S3 backend with these options.

    Credentials come from boto3's usual chain (`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
    in the environment, or the machine's role), never from settings. Media is public by default
    (`querystring_auth=False`: plain URLs a CDN can keep, under `custom_domain` when set); files
    are never overwritten, so an upload cannot replace another's picture.
    """
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "querystring_auth": querystring_auth,
        "file_overwrite": False,
        "location": location,
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if region:
        options["region_name"] = region
    if custom_domain:
        options["custom_domain"] = custom_domain
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def media_origins(
    *, bucket: str, endpoint_url: str = "", region: str = "", custom_domain: str = ""
) -> list[str]:
    """The origins media URLs point at, for the content security policy's `img-src`."""
    if not bucket:
        return []
    if custom_domain:
        return [f"https://{custom_domain}"]
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        return [f"{parts.scheme}://{parts.netloc}"]
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins
