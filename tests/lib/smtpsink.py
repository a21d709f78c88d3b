"""A real SMTP server on 127.0.0.1 for the digest tests: Debian's aiosmtpd
(python3-aiosmtpd), run in this process by its Controller thread.

    with SmtpSink() as smtp:
        smtp.reject("gone@example.org", "550 5.1.1 No such user")        # every time
        smtp.reject("busy@example.org", "451 4.3.0 Try later", times=1)  # once
        ... crier sends to 127.0.0.1:smtp.port ...
        smtp.messages     # [(mail_from, rcpt, bytes)] as received, dot-unstuffed
        smtp.connections  # how many SMTP connections delivered mail

    SmtpSink(users={"crier": "secret"})   # AUTH required (over plain SMTP, for tests)

Every accepted message is kept whole (decode_data=False: the bytes as sent).
"""

import logging
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from crierlib import free_port

# AUTH without TLS is what the tests want; aiosmtpd warns about it on stderr
logging.getLogger("mail.log").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.sink._rejection(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            self.sink.peers.add(session.peer)
            for rcpt in envelope.rcpt_tos:
                self.sink.messages.append((envelope.mail_from, rcpt, envelope.original_content))
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, users=None):
        self.lock = threading.Lock()
        self.messages = []
        self.peers = set()
        self.logins = []            # (login, accepted)
        self._rejects = {}          # address -> [reply, times left or None]
        self._users = users
        self.port = free_port()
        auth = {}
        if users is not None:
            auth = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **auth)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and
              self._users.get(auth_data.login.decode()) == auth_data.password.decode())
        with self.lock:
            self.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else None, ok))
        return AuthResult(success=ok, handled=False)

    def reject(self, address, reply, times=None):
        """Answer RCPT TO:<address> with reply (times times, or always)."""
        with self.lock:
            self._rejects[address.lower()] = [reply, times]

    def accept(self, address):
        with self.lock:
            self._rejects.pop(address.lower(), None)

    def _rejection(self, address):
        with self.lock:
            r = self._rejects.get(address.lower())
            if r is None:
                return None
            if r[1] is not None:
                r[1] -= 1
                if r[1] <= 0:
                    del self._rejects[address.lower()]
            return r[0]

    def to(self, address):
        """The messages that went to address, as bytes."""
        with self.lock:
            return [m for f, r, m in self.messages if r.lower() == address.lower()]

    @property
    def connections(self):
        with self.lock:
            return len(self.peers)

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.peers.clear()

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()
