"""The errors publisher raises for bad input; each message names the problem."""


class PublisherError(Exception):
    """Base class: a problem the user can fix, with a message that says what it is."""


class ImportFailed(PublisherError):
    """An article file could not be read as an article."""


class InvalidAddress(PublisherError):
    """One or more email addresses are not valid."""


class NotFound(PublisherError):
    """An id or name that does not exist."""


class HeaderInjection(PublisherError):
    """A value meant for a mail header contains a line break."""


class ConfigError(PublisherError):
    """The settings are inconsistent or incomplete."""
