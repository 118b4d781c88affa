"""What the assistant shows of one local service: plain data, and its SMS and web texts.

One service per SMS message (`sms_text`, one GSM-7 segment when it fits: the name, the address,
the phone, today's hours), and a longer web text (`web_text`, one fact per line). The words come
from the text catalogue (bot/texts.yml, section `offer`). `stale` is for the coordinators' eyes
(data over a year old): the resident's texts do not mention it.
"""

from dataclasses import dataclass
from datetime import date
from typing import List, Optional, Tuple

import phonenumbers

from bot.gsm7 import SINGLE_SEGMENT_SEPTETS, septets, to_sms_text
from bot.texts import entry, text

SMS_SEPARATOR = " - "
# The `custom` payload key that follows a service's text in a bot turn (bot/actions/local_offer.py):
# the SMS channel sends that text as an SMS of its own (channels/sms/replies.py).
LOCAL_SERVICE_PAYLOAD = "local_service"
# data·inclusion's modes_mobilisation, in the order a resident would rather read them.
HOW_TO_GO_KEYS = {
    "se-presenter": "offer.how_to_go.se_presenter",
    "telephoner": "offer.how_to_go.telephoner",
    "envoyer-un-courriel": "offer.how_to_go.envoyer_un_courriel",
    "utiliser-lien-mobilisation": "offer.how_to_go.utiliser_lien_mobilisation",
}


@dataclass(frozen=True)
class LocalOffer:
    """One service of the territory, as the assistant shows it."""

    source: str
    id: str
    name: str
    structure_name: Optional[str]
    address: Optional[str]  # one line, None when the service is only given at a distance
    phone: Optional[str]  # as dialled in France: "01 99 00 12 34"
    email: Optional[str]
    link: Optional[str]  # where to sign up online (lien_mobilisation)
    hours_today: Optional[str]  # "ouvert aujourd'hui de 9 h à 12 h"; None: unknown, never guessed
    accessibility: Optional[str]  # a link to the place's accessibility page (Accèslibre)
    how_to_go: Tuple[str, ...]  # "appeler le 01 99 00 12 34", "venir sur place"
    thematiques: Tuple[str, ...]
    free: Optional[bool]  # None: the data does not say
    fee_details: Optional[str]
    in_person: bool  # modes_accueil says en-presentiel
    remote_only: bool  # modes_accueil says only a-distance
    for_qpv: bool  # open to residents of quartiers prioritaires (publics: residents-qpv-frr)
    date_maj: date
    stale: bool  # date_maj over a year old: warn coordinators, not residents

    @property
    def hours(self) -> str:
        """Today's hours, or the text saying to check them with the structure."""
        return self.hours_today or text("offer.hours.unknown")

    @property
    def how_to_go_sentence(self) -> Optional[str]:
        if not self.how_to_go:
            return None
        return text("offer.how_to_go.sentence", ways=join_or(list(self.how_to_go)))

    def sms_text(self, max_septets: int = SINGLE_SEGMENT_SEPTETS) -> str:
        """Name, address, phone and today's hours, in one SMS segment if they fit: today's hours
        go first, then the address, when they do not."""
        name = self.name
        phone = text("offer.phone", phone=self.phone) if self.phone else None
        hours = capitalised(self.hours)
        for parts in (
            [name, self.address, phone, hours],
            [name, self.address, phone],
            [name, phone],
        ):
            message = SMS_SEPARATOR.join(part for part in parts if part)
            if septets(to_sms_text(message)) <= max_septets:
                return message
        return message  # the name and phone alone are too long: sent in two segments

    def web_text(self) -> str:
        """Every fact the assistant has, one per line."""
        title = SMS_SEPARATOR.join(part for part in (self.name, self.structure_name) if part)
        contact = [
            text("offer.phone", phone=self.phone) if self.phone else None,
            text("offer.email", email=self.email) if self.email else None,
        ]
        if self.free is True:
            fee: Optional[str] = text("offer.free")
        elif self.free is False:
            fee = (
                text("offer.paid_details", details=self.fee_details)
                if self.fee_details
                else text("offer.paid")
            )
        else:
            fee = None
        lines = [
            title,
            self.address,
            capitalised(self.hours) + ".",
            " · ".join(part for part in contact if part) or None,
            self.how_to_go_sentence,
            text("offer.remote_only") if self.remote_only else None,
            fee,
            text("offer.for_qpv") if self.for_qpv else None,
            text("offer.accessibility", url=self.accessibility) if self.accessibility else None,
            text("offer.updated", date=format_date(self.date_maj)),
        ]
        return "\n".join(line for line in lines if line)


def how_to_go(
    modes: List[str], phone: Optional[str], email: Optional[str], link: Optional[str]
) -> Tuple[str, ...]:
    """The ways to use the service, in French; a way whose phone, email or link is missing is
    left out."""
    ways = []
    for mode, key in HOW_TO_GO_KEYS.items():
        if mode not in modes:
            continue
        if mode == "se-presenter":
            ways.append(text(key))
        elif mode == "telephoner" and phone:
            ways.append(text(key, phone=phone))
        elif mode == "envoyer-un-courriel" and email:
            ways.append(text(key, email=email))
        elif mode == "utiliser-lien-mobilisation" and link:
            ways.append(text(key, url=link))
    return tuple(ways)


def display_phone(number: Optional[str]) -> Optional[str]:
    """ "+33199001234" → "01 99 00 12 34"; a number phonenumbers cannot read is shown as given."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def format_date(day: date) -> str:
    """ "12 janvier 2026"."""
    months = entry("web.months")
    return text("offer.date", day=day.day, month=months[day.month - 1], year=day.year)


def join_or(parts: List[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return text("offer.how_to_go.last_joined", first=", ".join(parts[:-1]), last=parts[-1])


def capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
