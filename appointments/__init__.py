"""Appointments at the foreign-talent service windows (外国人来晋工作服务窗口, article 18).

The one read-write store the assistant owns, kept apart from the Rasa actions so that the CLI, the
actions and the tests use the same code without a Rasa server:

- :mod:`appointments.catalogue` - services and windows (YAML + operator overrides), contact text;
- :mod:`appointments.workdays` - China's working days, opening hours, booking range (Asia/Shanghai);
- :mod:`appointments.dates` - "下周二上午10点" / "next Tuesday at 10" into a date and time;
- :mod:`appointments.contacts` - contact, name and reference-code validation;
- :mod:`appointments.models`, :mod:`appointments.store` - the database and every booking operation.
"""

from appointments.catalogue import Catalogue, CatalogueError, contact_text, find_window, find_windows, get_catalogue
from appointments.contacts import Invalid, format_code, normalise_code, normalise_contact, normalise_name
from appointments.dates import DateError, When, parse_time_of_day, parse_when, slot_label
from appointments.store import (
    Appointment,
    AppointmentStore,
    Availability,
    BookingResult,
    CancelResult,
    FreeSlot,
    InvalidInput,
    Offer,
    open_store,
)
from appointments.workdays import TZ, DayStatus, now_local

__all__ = [
    "TZ", "Appointment", "AppointmentStore", "Availability", "BookingResult", "CancelResult", "Catalogue",
    "CatalogueError", "DateError", "DayStatus", "FreeSlot", "Invalid", "InvalidInput", "Offer", "When", "contact_text",
    "find_window", "find_windows", "format_code", "get_catalogue", "normalise_code", "normalise_contact",
    "normalise_name", "now_local", "open_store", "parse_time_of_day", "parse_when", "slot_label",
]
