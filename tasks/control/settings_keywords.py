"""The part of the control and matching keyword libraries that reads controls.toml.

Bad settings must stop a robot before it touches any invoice, with a clear message: the
suites call ``Kontroller innstillinger`` as their suite setup, which fails the whole run.
"""

from __future__ import annotations

from pathlib import Path

from robot.api.deco import keyword

from tasks.control.settings import ControlSettings, SettingsBook, SettingsError, load_settings


class SettingsKeywords:
    """Loads ``$KOMMUNERPA_HOME/controls.toml`` once per robot process."""

    def __init__(self, home: Path) -> None:
        self._settings_error: SettingsError | None = None
        try:
            self.book: SettingsBook = load_settings(home / "controls.toml")
        except SettingsError as exc:
            self._settings_error = exc
            self.book = SettingsBook(ControlSettings(), {})

    @keyword("Kontroller innstillinger")
    def check_settings(self) -> None:
        """Stopper kjøringen, før den første fakturaen, når ``controls.toml`` har ukjente
        nøkler eller ugyldige verdier.

        Eksempel:
        | *** Settings *** |
        | Suite Setup | Kontroller innstillinger |
        """
        if self._settings_error is not None:
            raise SettingsError(
                f"controls.toml is invalid, nothing was processed: {self._settings_error}"
            )
