import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from initiatives.models import Document, PublicationState
from initiatives.uploads import MAX_UPLOAD_BYTES, DocumentFileValidator

PDF = b"%PDF-1.7\n% Livre Blanc\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<script>alert(1)</script>"),
        ("outil.exe", b"MZ\x90\x00"),
        ("image.svg", b"<svg onload='alert(1)'/>"),
        ("faux.pdf", b"<html><script>alert(1)</script>"),
        ("notes.txt", b"\xff\xfe\x00b\x00a\x00d" * 10),
    ],
)
def test_rejects_dangerous_or_disguised_files(name, content):
    with pytest.raises(ValidationError):
        DocumentFileValidator()(SimpleUploadedFile(name, content))


def test_rejects_files_over_20_mb():
    big = SimpleUploadedFile("rapport.pdf", PDF + b"0" * MAX_UPLOAD_BYTES)
    with pytest.raises(ValidationError, match="20 Mo"):
        DocumentFileValidator()(big)


@pytest.mark.parametrize(
    ("name", "content"),
    [("livre-blanc.pdf", PDF), ("liste.csv", "nom;ville\nÉcole;Amiens\n".encode()),
     ("carte.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10)],
)  # fmt: skip
def test_accepts_ordinary_documents(name, content):
    DocumentFileValidator()(SimpleUploadedFile(name, content))


@pytest.mark.django_db
def test_published_files_download_as_attachments(client):
    document = Document.objects.create(
        title="Livre Blanc", slug="livre-blanc", kind="white_paper",
        publication_state=PublicationState.PUBLISHED,
        file=SimpleUploadedFile("livre-blanc.pdf", PDF),
    )  # fmt: skip
    response = client.get(document.get_download_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF
    assert document.get_download_url() in client.get(document.get_absolute_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["draft", "review", "archived"])
def test_files_of_unpublished_documents_are_404(client, state):
    document = Document.objects.create(
        title="Note interne", slug="note", kind="internal", publication_state=state,
        file=SimpleUploadedFile("note.pdf", PDF),
    )  # fmt: skip
    assert client.get(document.get_download_url()).status_code == 404


@pytest.mark.django_db
def test_uploads_are_not_served_as_static_or_media_urls(client, settings):
    Document.objects.create(
        title="Note", slug="note", kind="internal", publication_state="published",
        file=SimpleUploadedFile("note.pdf", PDF),
    )  # fmt: skip
    assert not str(settings.MEDIA_ROOT).startswith(str(settings.STATIC_ROOT))
    assert client.get("/media/documents/").status_code == 404
