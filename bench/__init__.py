"""Benchmarks of the assistant (`make bench`, `python -m bench`): understanding on the held-out
set against Rasa's default pipeline, latency and throughput through the REST channel against a
minimal Rasa bot, and cost (training time, cold start, peak memory).

Figures, not tests: nothing here asserts on speed. Results go to bench/report.md, report.json and
PNG plots; models and scratch files to bench/work/ (gitignored), never to models/.
"""
