"""Cités de l'emploi assistant: Rasa bot, custom actions and the knowledge base loader."""
