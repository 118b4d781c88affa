"""Custom actions, one module per skill. The action server imports every module of this package.

Start it with `rasa run actions --actions bot.actions` (or `make run`).
"""
