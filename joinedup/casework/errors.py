"""What casework services raise: views turn NotAllowed into a 404 and RuleBroken into form errors."""


class NotAllowed(Exception):
    """The access policy refused; the message is the policy's reason."""


class RuleBroken(Exception):
    """A rule of the process was broken; the message is written for the practitioner."""
