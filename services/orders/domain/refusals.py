"""A rule saying no: the field it is about, why, and whether the order's state forbids it
(409) or the request is wrong (422)."""


class Refused(ValueError):
    def __init__(self, field: str, message: str, conflict: bool = True):
        super().__init__(message)
        self.field = field
        self.message = message
        self.conflict = conflict
