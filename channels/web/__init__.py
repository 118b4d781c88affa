"""The web chat widget: its Rasa input channel and the static files it serves."""

from channels.web.channel import WebChatInput

__all__ = ["WebChatInput"]
