"""English dates and times as Parley shows them: day month year, and a 24-hour clock.

Django's own English formats mix "Dec. 16, 2026", "12/16/2026" and "9 a.m."; an international
organisation reads "16 Dec 2026, 09:00". Other languages keep Django's formats for them (already a
24-hour clock). Templates use the ``when``, ``day`` and ``clock`` filters (core_tags), which ask these.
"""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
