"""No personal data in logs: every log record and warning of a process is redacted
(bot/redaction.py: phone numbers, emails, IBANs, NIRs, addresses) before any handler sees it.

Rasa's own warnings quote what residents typed ("Failed to parse arguments in line '/x 06 …'"),
and a database error may quote a statement's values: redacting at the source covers every
library, whatever handlers it installs later. Installed first thing by each process's entry
point (bot.server, bot.action_server, the senders, the console).
"""

import contextlib
import logging
import warnings

from bot.redaction import redact

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacted_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        # A malformed record stays as the logging module would show it.
        with contextlib.suppress(Exception):
            record.msg, record.args = redact(record.getMessage()), ()
        return record

    logging.setLogRecordFactory(redacted_record)
    show = warnings.showwarning

    def show_redacted(message, category, filename, lineno, file=None, line=None) -> None:
        show(redact(str(message)), category, filename, lineno, file, line)

    warnings.showwarning = show_redacted
    _installed = True
