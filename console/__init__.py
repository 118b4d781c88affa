"""Coordinator console: a small aiohttp web app for the people who run the assistant.

They review what the bot did not understand (redacted), teach it, retrain it safely, report
unmet needs, watch the figures and the freshness of the fiches. See console/README.md.
"""
