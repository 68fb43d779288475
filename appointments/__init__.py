"""Appointments at the foreign-talent service windows (外国人来晋工作服务窗口, article 18).

The one read-write store the assistant owns, kept apart from the Rasa actions so that the CLI, the
actions and the tests use the same code without a Rasa server:

- :mod:`appointments.catalogue` - services and windows (YAML + operator overrides), contact text;
- :mod:`appointments.workdays` - China's working days, opening hours, booking range (Asia/Shanghai);
- :mod:`appointments.dates` - "下周二上午10点" / "next Tuesday at 10" into a date and time;
- :mod:`appointments.contacts` - contact, name and reference-code validation, contacts in sentences, masking;
- :mod:`appointments.database` - where the appointments live (``APPOINTMENTS_DATABASE_URL``), the engine;
- :mod:`appointments.models` - the table, whose constraints keep a slot from being overbooked;
- :mod:`appointments.availability` - free slots and alternatives (read-only);
- :mod:`appointments.store` - every booking operation, including who may open a booking (the
  conversation that made it, or one that proves the contact);
- :mod:`appointments.results` - the values and status enums the store answers with;
- :mod:`appointments.settings` - the operator's caps, proof limits and the one retention period;
- :mod:`appointments.keys` - keyed hashes of conversation ids.

Deleting personal data across every store (Rasa's trackers too) is :mod:`bot.privacy`.

May import: ``lexicon``, ``i18n`` and ``datafile``; never ``policy_kb``, ``rasa``, ``rasa_sdk``, ``sanic``,
``aiohttp``, ``bot`` or ``actions``.
"""

from appointments.catalogue import Catalogue, CatalogueError, contact_text, find_window, find_windows, get_catalogue
from appointments.contacts import (
    Invalid,
    find_contact,
    format_code,
    mask_contact,
    normalise_code,
    normalise_contact,
    normalise_name,
)
from appointments.dates import DateError, When, parse_time_of_day, parse_when
from appointments.results import (
    Access,
    AccessStatus,
    Appointment,
    Availability,
    BookingResult,
    BookingStatus,
    CancelResult,
    CancelStatus,
    FreeSlot,
    Offer,
)
from appointments.store import AppointmentStore, InvalidInput, open_store
from appointments.workdays import TZ, DayStatus, now_local

__all__ = [
    "TZ", "Access", "AccessStatus", "Appointment", "AppointmentStore", "Availability", "BookingResult", "BookingStatus",
    "CancelResult", "CancelStatus", "Catalogue", "CatalogueError", "DateError", "DayStatus", "FreeSlot", "Invalid",
    "InvalidInput", "Offer", "When", "contact_text", "find_contact", "find_window", "find_windows", "format_code",
    "mask_contact", "get_catalogue", "normalise_code", "normalise_contact", "normalise_name", "now_local", "open_store",
    "parse_time_of_day", "parse_when",
]
