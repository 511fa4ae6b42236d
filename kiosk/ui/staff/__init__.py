"""Staff mode: hidden gesture, PIN pad, staff panel and kiosk lock-down.

The app wires it with one call, :func:`kiosk.ui.staff.integration.install_staff_mode`,
and a :class:`kiosk.ui.staff.services.StaffServices` of callables; nothing in here reaches
into the visitor flow directly.
"""
