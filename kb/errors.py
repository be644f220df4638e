"""Exceptions of the knowledge base: one base class, precise subclasses, German messages."""


class KbError(Exception):
    """Base class; the message is German and meant for the user."""

    http_status = 500


class SettingsError(KbError):
    """A setting has an invalid value."""

    http_status = 500


class ModelError(KbError):
    """The embedding model cannot be resolved or loaded."""

    http_status = 503


class IndexMissingError(KbError):
    """No index has been built yet."""

    http_status = 503


class IndexMismatchError(KbError):
    """The index on disk was built with another model or format."""

    http_status = 503


class QueryError(KbError):
    """A search request is invalid (empty, too long, unknown filter)."""

    http_status = 400


class NotFoundError(KbError):
    """A case, submission or collection does not exist."""

    http_status = 404


class ValidationFailed(KbError):
    """Submitted data breaks the case format; carries field-level problems."""

    http_status = 422

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(
            "Die Angaben sind unvollständig oder fehlerhaft: "
            + "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        )
