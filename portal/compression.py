"""HTML compressed with gzip, only where no secret can be recovered from the compressed size.

BREACH: when a page reflects what an attacker sends (a search query) next to a secret (a
CSRF token, a session's data), the length of the compressed answer reveals the secret a byte
at a time. So only pages without a secret are compressed: the request carries no session
cookie (staff pages show their user), the view asked for no CSRF token (a form of the page
holds one), and the answer sets no cookie. Public pages qualify; a form's page, the staff's
pages and the admin stay uncompressed. Django's gzip also pads each answer with random bytes
("Heal the Breach") on top of this.

Placed outside the page cache: the cache keeps one uncompressed copy of each page and each
answer is compressed on its way out, for clients that accept gzip (Vary: Accept-Encoding for
any cache beyond). Static files are compressed ahead of time by WhiteNoise; the exports
stream and the API answers are left as they are.
"""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware


def holds_no_secret(request, response):
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.cookies
    )


class PublicPageGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or not holds_no_secret(request, response)
        ):
            return response
        return super().process_response(request, response)
