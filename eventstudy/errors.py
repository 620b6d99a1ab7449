"""Exceptions and warnings raised by eventstudy.

Library code raises these; only :mod:`eventstudy.cli` turns them into a message and an exit code
(2 for anything the user can fix, 1 for internal errors).
"""

from __future__ import annotations

from ._text import plain_message


class EventStudyError(Exception):
    """Base class of every error raised on purpose by eventstudy.

    A text message reads numpy values as plain Python (``inf``, not ``np.float64(inf)``).
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(plain_message(a) if isinstance(a, str) else a for a in args))


class InputError(EventStudyError, ValueError):
    """Bad input the user can fix: a file, field, ticker or parameter.

    Parameters
    ----------
    message
        One sentence naming the file, field, ticker or parameter, the value received, the valid
        choices or bounds, and the fix.
    source
        File (or other origin) the bad value came from, when known.
    field
        Field, column, ticker or parameter name, when known.
    value
        The value received, when useful.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.field = field
        self.value = value


class EventFileError(InputError):
    """An event file (TOML or CSV) is malformed; ``problems`` lists every problem found."""

    def __init__(
        self, message: str, *, source: str | None = None, problems: list[str] | None = None
    ):
        super().__init__(message, source=source)
        self.problems = [plain_message(p) for p in problems or [message]]


class DataUnavailableError(InputError):
    """Prices or share counts could not be obtained (offline, unknown ticker, missing file)."""


class DataQualityError(InputError):
    """Price data is unusable as given (duplicate dates, non-positive prices, ...)."""


class OutputExistsError(InputError):
    """The output folder already holds results of an earlier run and ``--force`` was not given."""


class OutputError(EventStudyError):
    """The output folder cannot be used: not writable, a full disk, the current folder, ...

    An environment problem, not a bug: the message names the folder, what went wrong and what to
    do. ``folder`` is the ``--out`` folder as given.
    """

    def __init__(self, message: str, *, folder: str | None = None) -> None:
        super().__init__(message)
        self.folder = folder


class OutputBusyError(OutputError):
    """Another run holds the lock of the same output folder (try again when it has finished)."""


class CacheCorruptError(EventStudyError):
    """A cache file could not be read back; it is discarded and fetched again."""


class EventStudyWarning(UserWarning):
    """Base class of eventstudy warnings (messages read numpy values as plain Python)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(plain_message(a) if isinstance(a, str) else a for a in args))


class InvalidTestStatistic(EventStudyWarning):
    """A test statistic could not be computed (too few firms, zero variance); it is NaN with a reason."""


class DataQualityWarning(EventStudyWarning):
    """A data-quality check flagged something that was handled (excluded, re-fetched, ...)."""


class ClusteringWarning(EventStudyWarning):
    """Event dates are clustered: cross-sectional tests that assume independence over-reject."""


class BenchmarkContaminationWarning(EventStudyWarning):
    """Event firms are a large share of the market benchmark, which absorbs part of their move."""


class RowsDroppedWarning(EventStudyWarning):
    """Rows were left out of a computation because a value they need is missing."""


class ModelFitWarning(EventStudyWarning):
    """The normal-return model could not be fitted to some firm-events; they are excluded.

    For example a GARCH fit that did not converge; each has its reason in the exclusions table.
    """


class OutputRecoveredWarning(EventStudyWarning):
    """A run found the output folder of an interrupted run mid-swap and restored the earlier outputs."""


class OverlapWarning(EventStudyWarning):
    """Studied firm-events overlap.

    A (firm, day 0) repeats in a pooled group (counted once), or one firm's event falls inside
    the event or estimation window of another of its events (flagged as a confounder).
    """
