"""Phone numbers as residents type them; only French numbers are accepted."""

import pytest

from bot.storage.phone import InvalidPhone, normalise_french_phone


@pytest.mark.parametrize(
    "text, e164",
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("07 81 23 45 67", "+33781234567"),
        ("01 99 00 12 34", "+33199001234"),  # fiction range (landline)
        ("06 39 98 12 34", "+33639981234"),  # fiction range (mobile)
    ],
)
def test_french_numbers_are_normalised_to_e164(text, e164):
    assert normalise_french_phone(text) == e164


@pytest.mark.parametrize(
    "text",
    ["12345", "06 12 34", "abc", "", "+44 20 7946 0000", "06 12 34 56 78 90", "06 39 98 12"],
)
def test_anything_else_is_invalid(text):
    with pytest.raises(InvalidPhone):
        normalise_french_phone(text)
