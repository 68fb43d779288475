"""Booking, rescheduling and cancelling visits to the service windows (article 18), in either language.

Three forms, all on top of :mod:`appointments` (the catalogue, the date parser and the store):

* ``booking_form``: service -> window -> date and time -> consent -> (name -> contact, only with
  consent) -> a confirmation summary. The booking is made when the user confirms, inside the form,
  so a slot taken in the meantime sends the user straight back to pick another time.
* ``cancel_form``: reference code -> "really cancel?"; ``reschedule_form``: reference code -> new time
  (the move happens as soon as an exact free slot is chosen; the code stays the same).
* ``action_my_appointments`` lists this conversation's upcoming appointments with buttons.

How answers reach the forms. Every form slot has a ``custom`` mapping and is extracted here
(``extract_<slot>``) rather than by Rasa, because what counts as an answer depends on the question:

* an answer to the *question being asked* is taken whatever the NLU thought it was, unless its intent
  is a digression (:data:`~actions.appointment_forms.common.DIGRESSIONS`) or it answers another question:
  the form base decides that once (:meth:`actions.form_base.TypedForm.validate`), the extractors read
  the answer it kept (:meth:`~actions.form_base.TypedForm.answer`); a rejected form's digression rules
  (``data/rules/appointments.yml``) answer and resume it;
* besides that, the opening request and the answers to the first three questions may carry the service
  (entity ``service``), the window (a city) and a date ("帮我约明天下午去大同办工作许可"): those fill
  their slots too; a date said before the window is known waits in ``booking_request``;
* buttons send ``/inform{"service"|"city"|"booking_start"|"appointment_code": ...}``.

Validators turn what was extracted into catalogue ids, an exact slot start (ISO, Asia/Shanghai) or a
reference code. When an answer cannot be used, the validator leaves a *prompt* (text and buttons) in
``form_prompt`` and the next question's ``action_ask_*`` shows it instead of the plain question,
so each turn is one message: "周六是周末，窗口不开放。离您要的时间最近的空闲时段：[buttons]".

Stopping: "不预约了"/"no" at a question, or "取消" (cancel_appointment) during a booking, sets
``appointment_stopped`` and the form ends with nothing saved (the base checks it before any validator:
:meth:`~actions.appointment_forms.forms.AppointmentForm.stops`). Refusing consent, or refusing to give a
name or contact, makes the booking anonymous.

Name, contact and code answers keep the conversation's language: "Anna Schmidt" typed in a Chinese
conversation is an answer, not a switch to English.

The modules:

* :mod:`.common`: constants and slot names, the store and the clock, reading answers, prompts;
* :mod:`.formatting`: dates, windows and appointments said back, and their buttons;
* :mod:`.times`: turning a requested time into an exact free slot, or a reason and alternatives;
* :mod:`.forms`: the validators' base class (on the one form base, :mod:`actions.form_base`, whose
  :class:`~actions.form_base.AskSlot` asks every question), and ``action_appointment_reset``;
* :mod:`.booking`: ``booking_form`` (validator, questions, ``action_booking_result``);
* :mod:`.changes`: ``cancel_form`` and ``reschedule_form`` (validators, questions, results);
* :mod:`.listing`: ``action_my_appointments``.

The action server registers the actions of every module here (``rasa run actions --actions actions``).
"""

from actions.appointment_forms.booking import ActionBookingResult, ValidateBookingForm
from actions.appointment_forms.changes import (
    ActionCancelResult,
    ActionRescheduleResult,
    ValidateCancelForm,
    ValidateRescheduleForm,
)
from actions.appointment_forms.common import clean_name, find_code, resolve_service
from actions.appointment_forms.forms import ActionAppointmentReset
from actions.appointment_forms.listing import ActionMyAppointments
from appointments.contacts import find_contact

__all__ = [
    "ActionAppointmentReset",
    "ActionBookingResult",
    "ActionCancelResult",
    "ActionMyAppointments",
    "ActionRescheduleResult",
    "ValidateBookingForm",
    "ValidateCancelForm",
    "ValidateRescheduleForm",
    "clean_name",
    "find_code",
    "find_contact",
    "resolve_service",
]
