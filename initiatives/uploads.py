"""Files staff attach to documents: a short list of types, checked by content, 20 MB at most."""

import mimetypes

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ZIP = b"PK\x03\x04"
# Extension → the bytes such a file starts with (None: text, checked as UTF-8).
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "odt": (ZIP,),
    "ods": (ZIP,),
    "odp": (ZIP,),
    "docx": (ZIP,),
    "xlsx": (ZIP,),
    "pptx": (ZIP,),
    "csv": None,
    "txt": None,
}
CONTENT_TYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}


def extension(name):
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def content_type(name):
    ext = extension(name)
    return CONTENT_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"


@deconstructible
class DocumentFileValidator:
    def __call__(self, file):
        ext = extension(file.name)
        if ext not in SIGNATURES:
            allowed = ", ".join(sorted(SIGNATURES))
            raise ValidationError(f"Type de fichier refusé (.{ext}) ; types acceptés : {allowed}.")
        if file.size > MAX_UPLOAD_BYTES:
            raise ValidationError("Fichier trop lourd : 20 Mo au plus.")
        file.seek(0)
        head = file.read(2048)
        file.seek(0)
        signatures = SIGNATURES[ext]
        if signatures is None:
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as error:
                if error.start < len(head) - 4:  # a character cut at the end of the sample is fine
                    raise ValidationError("Le fichier texte doit être encodé en UTF-8.") from None
        elif not head.startswith(signatures):
            raise ValidationError(f"Le contenu du fichier ne correspond pas à un fichier .{ext}.")

    def __eq__(self, other):
        return isinstance(other, DocumentFileValidator)
