class ConsentRequired(Exception):
    """The person has no active consent for the purpose this processing needs."""

    def __init__(self, purpose: str) -> None:
        super().__init__(f"Active consent required for purpose {purpose!r}")
        self.purpose = purpose


class ExportUnavailable(Exception):
    """A data export link that cannot be used (base of the reasons below)."""


class ExportLinkInvalid(ExportUnavailable):
    """The token is not one we signed, or names an export that does not exist."""


class ExportNotOwner(ExportUnavailable):
    """The export belongs to another account."""


class ExportExpired(ExportUnavailable):
    """The download window has passed (the ZIP is or will be deleted)."""


class ExportAlreadyDownloaded(ExportUnavailable):
    """Each export can be downloaded once."""


class ExportNotReady(ExportUnavailable):
    """The ZIP is still being built (or building it failed)."""
