class ConsentRequired(Exception):
    """The person has no active consent for the purpose this processing needs."""

    def __init__(self, purpose: str) -> None:
        super().__init__(f"Active consent required for purpose {purpose!r}")
        self.purpose = purpose
