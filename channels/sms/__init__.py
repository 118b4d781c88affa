"""The SMS channel (Twilio): input channel, outbox delivery, reminders transport, demo request."""

from channels.sms.channel import SmsInput

__all__ = ["SmsInput"]
