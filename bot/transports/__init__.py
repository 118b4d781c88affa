"""How messages leave the assistant, one adapter per way: SMS through the operator (sms.py),
email (email.py) and a signed webhook (webhook.py) to the référents. The outbox engine
(bot/storage/outbox.py) calls them by name; they know nothing of Rasa or of the channels."""
