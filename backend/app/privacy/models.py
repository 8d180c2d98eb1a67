"""A customer's personal data: whose (the data subject), its export and its erasure."""

import datetime as dt
from typing import Annotated

from pydantic import model_validator
from sqlmodel import SQLModel

from backend.app.complaints.models import ComplaintDetail
from backend.app.core.models import stripped


class DataSubject(SQLModel):
    """Whose personal data: every complaint with this phone number or this e-mail address.
    A phone number without a country code is read in each policy's region."""

    phone: Annotated[str, stripped(40)] | None = None
    email: Annotated[str, stripped(254)] | None = None

    @model_validator(mode="after")
    def _one_given(self) -> "DataSubject":
        if self.phone is None and self.email is None:
            raise ValueError("give the customer's phone or e-mail (or both)")
        return self


class PersonalDataExport(SQLModel):
    exported_at: dt.datetime
    complaints: list[ComplaintDetail]


class ErasureResult(SQLModel):
    erased_at: dt.datetime
    tracking_numbers: list[str]
    attachments_removed: int
