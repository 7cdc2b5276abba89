"""Email through an SMTP server (smtplib). Off until SMTP_HOST is set."""
from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from email.utils import formatdate

from backend.notify.channels import OutgoingMessage, PermanentError, SendResult, TransientError, register


class SmtpEmail:
    def __init__(self, config: dict):
        self.host = config["SMTP_HOST"]
        self.port = config["SMTP_PORT"]
        self.user = config["SMTP_USER"]
        self.password = config["SMTP_PASSWORD"]
        self.sender = config["SMTP_FROM"]
        self.starttls = config["SMTP_STARTTLS"]
        self.timeout = config["NOTIFY_HTTP_TIMEOUT_S"]

    def send(self, message: OutgoingMessage) -> SendResult:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.destination
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        # Stable per outbox row: a mail system that sees the same Message-ID twice may drop the copy.
        message_id = f"<lastmile-{message.id}@{self.sender.rsplit('@', 1)[-1].strip('> ') or 'localhost'}>"
        email["Message-ID"] = message_id
        email.set_content(message.body)
        for file_name, content_type, data in message.attachments:
            maintype, _, subtype = content_type.partition("/")
            email.add_attachment(data, maintype=maintype, subtype=subtype, filename=file_name)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls and smtp.has_extn("starttls"):
                    smtp.starttls()
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise PermanentError(f"Recipient refused: {exc.recipients}", response_code=codes[0])
            raise TransientError(f"Recipient deferred: {exc.recipients}", response_code=codes[0] if codes else None)
        except smtplib.SMTPResponseException as exc:
            error = PermanentError if 500 <= exc.smtp_code < 600 else TransientError
            raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:400], response_code=exc.smtp_code)
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            raise TransientError(f"SMTP server unavailable: {exc}")
        return SendResult(provider_ref=message_id)


def _email_sender(config: dict):
    return SmtpEmail(config) if config.get("SMTP_HOST") else None


_email_sender.configured = lambda config: bool(config.get("SMTP_HOST"))
register("email")(_email_sender)
