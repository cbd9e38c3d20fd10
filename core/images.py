"""Image dimensions, read once when a picture is saved and stored with its row.

Pages print `width`/`height` on every `<img>` so the layout does not jump while pictures load.
Asking the file (`FieldFile.width`) opens it through the storage on every render: with media
on S3 that downloads each picture on each uncached page, and a file missing from storage makes
the page answer 500. So the size is read here, when the file is set, and pages read columns.

Not ImageField's own `width_field`/`height_field`: Django refills those in a `post_init`
signal for every instance loaded with them empty, which reads the file whenever a row is
loaded (and raises, in the admin's lists too, when the file is missing).
"""

import logging

from django.core.files.images import get_image_dimensions

logger = logging.getLogger(__name__)


def image_dimensions(file, *, label: str) -> tuple[int | None, int | None]:
    """The (width, height) in pixels of the picture in `file` (a `FieldFile`), or (None, None)
    when there is no file or it cannot be read or understood.

    Never raises: a missing or unreadable file is logged once, at warning level, with `label`
    (the row's model and id) and the error's type, and the picture is simply shown without
    its size. A new upload, not yet in storage, is read where it is (memory or a temporary
    file); a stored file is opened through its storage once and closed.
    """
    if not file:
        return None, None
    try:
        # `_committed` is False from the moment a new file is assigned until the field's
        # pre_save writes it to storage: there is nothing in storage to open yet.
        if not file._committed:
            return get_image_dimensions(file.file)
        with file.storage.open(file.name, "rb") as handle:
            return get_image_dimensions(handle)
    # Each storage raises its own errors (FileNotFoundError on disk, botocore's ClientError on
    # S3, which is not an OSError): none of them may stop a save or a migration.
    except Exception as err:  # noqa: BLE001
        logger.warning("%s: image dimensions unreadable (%s)", label, type(err).__name__)
        return None, None


class StoresImageDimensions:
    """Model mixin: keeps width and height columns in step with image fields, on `save()`.

    `image_dimension_fields` maps each image field to its (width, height) fields. They are
    read again when the file is a new upload, when the stored name differs from the one the
    row was loaded with, or when they are still empty (a file that could not be read is tried
    again at the next save); they are emptied when the file is cleared. A save with
    `update_fields` that names the image field saves the two columns with it.

    This lives in `save()`, against the rule of no logic in `save()`, because it is not a
    business rule but the integrity of the row, as `auto_now` is: every path that stores a
    picture (the admin's plain `ModelAdmin` save for `Image`, which has no service; the demo
    content, which sets a campaign's hero with `save(update_fields=...)`; the factories) goes
    through `save()`, and a service would be one more thing each of them must remember.
    """

    image_dimension_fields: dict[str, tuple[str, str]] = {}

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_image_names = {
            name: instance.__dict__.get(name)
            for name in cls.image_dimension_fields
            if name in field_names
        }
        return instance

    def save(self, *args, update_fields=None, **kwargs):
        changed = self._refresh_image_dimensions(update_fields)
        if update_fields is not None and changed:
            update_fields = {*update_fields, *changed}
        super().save(*args, update_fields=update_fields, **kwargs)
        self._loaded_image_names = {
            name: getattr(self, name).name for name in self.image_dimension_fields
        }

    def _refresh_image_dimensions(self, update_fields) -> list[str]:
        """Set the dimension fields that need it; return the names of those it set."""
        changed = []
        loaded = getattr(self, "_loaded_image_names", {})
        for name, (width_field, height_field) in self.image_dimension_fields.items():
            if update_fields is not None and name not in update_fields:
                continue
            file = getattr(self, name)
            if not file:
                dimensions = (None, None)
            elif (
                not file._committed
                or file.name != loaded.get(name, file.name)
                or getattr(self, width_field) is None
            ):
                label = f"{self._meta.label} {self.pk or '(new)'}"
                dimensions = image_dimensions(file, label=label)
            else:
                continue
            setattr(self, width_field, dimensions[0])
            setattr(self, height_field, dimensions[1])
            changed += [width_field, height_field]
        return changed


def fill_missing_dimensions(model, *, field: str, width_field: str, height_field: str) -> int:
    """For data migrations: store the dimensions of every row of `model` (a historical model
    is fine) that has a file in `field` and no width yet. Returns how many rows were filled.

    Each file is opened once through its storage; a missing or unreadable one leaves the row's
    columns empty (logged by `image_dimensions`). Each row is one UPDATE of the two columns,
    so nothing else is touched, `updated_at` included.
    """
    filled = 0
    rows = (
        model.objects.exclude(**{field: ""})
        .exclude(**{f"{field}__isnull": True})
        .filter(**{f"{width_field}__isnull": True})
        .only("pk", field)
    )
    for row in rows.iterator(chunk_size=200):
        width, height = image_dimensions(getattr(row, field), label=f"{model._meta.label} {row.pk}")
        if width is not None:
            model.objects.filter(pk=row.pk).update(**{width_field: width, height_field: height})
            filled += 1
    return filled
