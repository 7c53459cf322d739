"""A domain rule saying no, free of any framework, for every service's pure rules: the field
it is about, why, and whether the state forbids it (409) or the request is wrong (422).
``shared.errors.refusal`` turns one into the error the gateway answers with."""


class Refused(ValueError):
    def __init__(self, field: str, message: str, conflict: bool = True):
        super().__init__(message)
        self.field = field
        self.message = message
        self.conflict = conflict
