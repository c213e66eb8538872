"""Reports checked against docs/report.schema.json, the schema itself checked once per session, not per report."""

from __future__ import annotations

import functools
import json
import pathlib
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

SCHEMA = json.loads((pathlib.Path(__file__).parents[1] / "docs" / "report.schema.json").read_text())


@functools.lru_cache(maxsize=None)
def _validator() -> Validator:
    # what jsonschema.validate does on every call: checking the schema against its metaschema is most of its cost
    cls = validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA)


def validate(document: Any) -> None:
    """Raise the most relevant ValidationError, as jsonschema.validate does."""
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        raise error
