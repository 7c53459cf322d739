"""How reminders reach customers: an adapter chosen by ``NOTIFIER`` (``log`` by default:
one JSON log line per message; ``smtp`` sends mail through ``SMTP_URL``).

The booking service records each reminder as due (``BookingReminderDue``, exactly once)
and hands it to the adapter after that commit: a crash between the two loses a message,
never sends one twice.
"""
import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import urlparse

from shared.config import NOTIFIER, SMTP_FROM, SMTP_URL

log = logging.getLogger(__name__)


class LogNotifier:
    channel = "log"

    def send(self, reminder: dict) -> None:
        log.info("reminder sent", extra={"fields": {"channel": self.channel, **reminder}})


class SmtpNotifier:
    """Mail to ``reminder["email"]``; reminders without an address are only logged."""
    channel = "email"

    def __init__(self, url: str, sender: str):
        self.url = urlparse(url)
        self.sender = sender

    def send(self, reminder: dict) -> None:
        if not reminder.get("email"):
            LogNotifier().send(reminder)
            return
        message = EmailMessage()
        message["From"], message["To"] = self.sender, reminder["email"]
        message["Subject"] = f"Your appointment at {reminder['store_name']}"
        message.set_content(f"A reminder: {', '.join(reminder['services'])} on {reminder['local_start']}.")
        with smtplib.SMTP(self.url.hostname, self.url.port or 25, timeout=10) as smtp:
            if self.url.username:
                smtp.login(self.url.username, self.url.password or "")
            smtp.send_message(message)


def notifier():
    if NOTIFIER.get() == "smtp":
        return SmtpNotifier(SMTP_URL.get(), SMTP_FROM.get())
    return LogNotifier()
