"""A small SMTP server on the loopback for tests: enough of RFC 5321 for Django's SMTP backend
(EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT), keeping what it received. The standard library
lost its `smtpd` in Python 3.12; a test dependency for forty lines was not worth it."""

import base64
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list
    data: bytes
    login: str | None


@dataclass
class Mailbox:
    username: str = ""
    password: str = ""
    messages: list = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 10

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        box = self.server.mailbox
        sender, recipients, login = None, [], None
        self.reply("220 localhost SMTP de test")
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, argument = command.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                self.reply("250-8BITMIME")
                self.reply("250 AUTH PLAIN")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "AUTH":
                mechanism, _, initial = argument.partition(" ")
                if mechanism.upper() != "PLAIN":
                    self.reply("504 mécanisme inconnu")
                    continue
                if not initial:
                    self.reply("334 ")
                    initial = self.rfile.readline().decode().strip()
                _, username, password = base64.b64decode(initial).decode().split("\0")
                if (username, password) == (box.username, box.password):
                    login = username
                    self.reply("235 ok")
                else:
                    self.reply("535 identifiants refusés")
            elif verb == "MAIL":
                if box.username and login is None:
                    self.reply("530 authentification requise")
                    continue
                sender, recipients = argument.split(":", 1)[1].strip(" <>").split(">")[0], []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(argument.split(":", 1)[1].strip(" <>").split(">")[0])
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 fin par <CRLF>.<CRLF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                box.messages.append(Received(sender, recipients, b"".join(lines), login))
                self.reply("250 reçu")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 au revoir")
                return
            else:
                self.reply("502 commande inconnue")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPServer:
    """`with SMTPServer(username, password) as server:` … `server.port`, `server.messages`."""

    def __init__(self, username="", password=""):
        self.mailbox = Mailbox(username, password)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.mailbox = self.mailbox
        self.port = self._server.server_address[1]
        self.messages = self.mailbox.messages

    def __enter__(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
