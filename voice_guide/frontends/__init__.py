"""Front ends: the keyboard, the voice, and the screen. Each presents the dialog's events and hears the next answer
(the :class:`~voice_guide.session.Frontend` protocol); all drive the same :class:`~voice_guide.dialog.Dialog`."""
