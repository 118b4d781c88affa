"""Alerts to référents by email, over SMTP: to the référent the alert was routed to; an urgent
one (raised after a danger message) is marked so in its subject and goes to the coordinator too.
The words are the text catalogue's (bot/texts.yml, `alerts.email_*`)."""

import smtplib
import ssl
from email.message import EmailMessage
from typing import Callable, Optional

from bot.knowledge.models import ALERT_THEME_LABELS, DANGER_LABELS
from bot.storage.alerts import AlertMessage
from bot.texts import text

# Well within a round of the alert sender: a slow server only delays the next delivery.
SMTP_TIMEOUT_SECONDS = 10


def email_text(alert: AlertMessage) -> str:
    """What the référent reads: who, how to reach them, about what, and the summary."""
    urgent = ""
    if alert.urgent:
        danger = DANGER_LABELS.get(alert.danger or "", alert.danger)
        urgent = text("alerts.email_urgent", danger=danger) + "\n\n"
    return text(
        "alerts.email_body",
        referent_name=alert.referent_name,
        urgent=urgent,
        reference=alert.reference,
        behalf=text("alerts.email_behalf") if alert.on_behalf else "",
        first_name=alert.first_name,
        contact=" / ".join(contact for contact in (alert.phone, alert.email) if contact),
        theme=ALERT_THEME_LABELS.get(alert.theme, alert.theme),
        quartier=alert.quartier,
        availability=alert.availability,
        summary=alert.summary,
    )


def smtp_transport(
    host: str,
    port: int,
    sender: str,
    starttls: bool = False,
    user: Optional[str] = None,
    password: Optional[str] = None,
) -> Callable[[AlertMessage], None]:
    """Send each alert as one email; with `starttls` the connection is upgraded to TLS
    (certificate checked) before anything is sent, and `user` logs in."""

    def send(alert: AlertMessage) -> None:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = alert.referent_email
        if alert.copy_email and alert.copy_email != alert.referent_email:
            message["Cc"] = alert.copy_email
        urgent = text("alerts.email_subject_urgent") if alert.urgent else ""
        message["Subject"] = text("alerts.email_subject", urgent=urgent, reference=alert.reference)
        message.set_content(email_text(alert))
        with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if starttls:
                smtp.starttls(context=ssl.create_default_context())
            if user:
                smtp.login(user, password or "")
            smtp.send_message(message)

    return send
