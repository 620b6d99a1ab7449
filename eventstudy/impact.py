r"""Dollar market-value effect of abnormal returns, per firm-event day, window and claim.

Conventions
-----------
* Market value before day t is the previous session's close times the share count in force then:
  :math:`MV_{i,t-1} = P_{i,t-1} \cdot S_i`. ``close`` is the split-adjusted (not dividend-adjusted)
  close, so the level is the traded one.
* Raw dollar change :math:`MV_{i,t-1} R_{it}`; abnormal dollar change :math:`MV_{i,t-1} AR_{it}`.
  Window and claim figures are sums of daily changes (each day on its own previous close).
* The share count is the latest one dated on or before day t-1; when only later counts exist the
  earliest is used and the row says so in ``shares_note``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .events.schema import Claim


def share_counts(
    shares: pd.DataFrame | None, overrides: dict[str, float] | None = None
) -> pd.DataFrame:
    """Normalise share counts to ``ticker, as_of, shares, source``, overrides first.

    Overrides from the event file carry no date and apply at all times.
    """
    frames = []
    if shares is not None and len(shares):
        frame = shares[["ticker", "as_of", "shares"]].copy()
        frame["source"] = shares["source"] if "source" in shares else ""
        frame["as_of"] = pd.to_datetime(frame["as_of"])
        frames.append(frame)
    for ticker, count in (overrides or {}).items():
        frames = [f[f["ticker"] != ticker] for f in frames]
        frames.append(
            pd.DataFrame(
                {
                    "ticker": [ticker],
                    "as_of": [pd.Timestamp("1900-01-01")],
                    "shares": [float(count)],
                    "source": ["event file override"],
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {
                "ticker": pd.Series([], dtype=str),
                "as_of": pd.Series([], dtype="datetime64[ns]"),
                "shares": pd.Series([], dtype=float),
                "source": pd.Series([], dtype=str),
            }
        )
    out = pd.concat(frames, ignore_index=True)
    out["as_of"] = out["as_of"].astype("datetime64[ns]")
    return out.sort_values(["ticker", "as_of"]).reset_index(drop=True)


def attach_market_value(
    daily: pd.DataFrame, close: pd.DataFrame, shares: pd.DataFrame
) -> pd.DataFrame:
    """Add market value and dollar changes to a daily abnormal-return table.

    Parameters
    ----------
    daily
        Columns ``event_id, ticker, date, rel_day, return, abnormal_return`` (one row per firm-event
        day).
    close
        Wide closes (index = the panel's sessions, columns = tickers).
    shares
        Output of :func:`share_counts`.

    Returns
    -------
    pandas.DataFrame
        ``daily`` with ``close_prev``, ``shares``, ``shares_as_of``, ``shares_note``,
        ``market_value_prev``, ``raw_change_usd`` and ``abnormal_change_usd``.
    """
    out = daily.copy(deep=False)  # copy-on-write: new columns do not touch ``daily``
    prev_close = close.shift(1)
    col = prev_close.columns.get_indexer(out["ticker"])
    row = prev_close.index.get_indexer(pd.DatetimeIndex(out["date"]))
    values = prev_close.to_numpy(dtype=float)
    ok = (col >= 0) & (row >= 0)
    out["close_prev"] = np.where(ok, values[np.maximum(row, 0), np.maximum(col, 0)], np.nan)
    prev_date = pd.Series(prev_close.index, index=prev_close.index).shift(1)
    prev_dates = np.where(row >= 0, prev_date.to_numpy()[np.maximum(row, 0)], np.datetime64("NaT"))
    out["_prev_date"] = pd.to_datetime(prev_dates)
    out = _merge_shares(out, shares)
    out["market_value_prev"] = out["close_prev"] * out["shares"]
    out["raw_change_usd"] = out["market_value_prev"] * out["return"]
    out["abnormal_change_usd"] = out["market_value_prev"] * out["abnormal_return"]
    return out.drop(columns="_prev_date")


def _merge_shares(out: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Attach the share count in force on the previous session (as-of join per ticker)."""
    out = out.reset_index(drop=True)
    if shares.empty:
        # no share count at all: the as-of joins below would find nothing, so skip them
        n = len(out)
        out["shares"] = np.full(n, np.nan)
        out["shares_as_of"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        # scalars broadcast to string columns without an (n,) array of Python/NumPy strings
        out["shares_source"] = pd.Series("", index=out.index, dtype=str)
        out["shares_note"] = pd.Series(
            "no share count: dollar figures not computed", index=out.index, dtype=str
        )
        return out
    out["_row"] = np.arange(len(out))
    left = out[["_row", "ticker", "_prev_date"]].copy()
    left["_key"] = left["_prev_date"].fillna(pd.Timestamp("1900-01-01")).astype("datetime64[ns]")
    left = left.sort_values("_key")
    right = shares.rename(columns={"as_of": "_key"}).sort_values("_key")
    right["shares_as_of"] = right["_key"]
    back = pd.merge_asof(left, right, on="_key", by="ticker", direction="backward")
    fwd = pd.merge_asof(left, right, on="_key", by="ticker", direction="forward")
    back = back.set_index("_row").sort_index()
    fwd = fwd.set_index("_row").sort_index()
    use_fwd = back["shares"].isna() & fwd["shares"].notna()
    out["shares"] = back["shares"].where(~use_fwd, fwd["shares"]).to_numpy()
    out["shares_as_of"] = back["shares_as_of"].where(~use_fwd, fwd["shares_as_of"]).to_numpy()
    out["shares_source"] = back["source"].where(~use_fwd, fwd["source"]).fillna("").to_numpy()
    note = np.where(use_fwd.to_numpy(), "share count dated after the day (earliest available)", "")
    note = np.where(out["shares"].isna(), "no share count: dollar figures not computed", note)
    out["shares_note"] = note
    return out.drop(columns="_row")


def window_changes(daily: pd.DataFrame, windows: tuple[tuple[int, int], ...]) -> pd.DataFrame:
    """Sum the daily dollar changes of each firm-event over each inclusive window.

    A window with any day lacking a dollar figure sums to NaN (no silent partial totals).
    """
    rows = []
    for start, end in windows:
        part = daily[(daily["rel_day"] >= start) & (daily["rel_day"] <= end)]
        grouped = part.groupby(["event_id", "ticker"], sort=False)
        summed = grouped[["raw_change_usd", "abnormal_change_usd"]].sum(min_count=1)
        complete = grouped[["raw_change_usd", "abnormal_change_usd"]].count() == (end - start + 1)
        summed = summed.where(complete)
        summed["window_start"], summed["window_end"] = start, end
        rows.append(summed.reset_index())
    return pd.concat(rows, ignore_index=True)


def window_sums_by_row(
    daily: pd.DataFrame, windows: tuple[tuple[int, int], ...], row: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`window_changes` keyed by firm-event number instead of ``event_id, ticker``.

    Parameters
    ----------
    daily
        Output of :func:`attach_market_value`.
    windows
        Inclusive event windows.
    row
        The firm-event (``0 .. n-1``) of each row of ``daily``.
    n
        Number of firm-events.

    Returns
    -------
    raw, abnormal
        Raw and abnormal dollar changes, shape ``(len(windows) * n,)``: window by window, each
        in firm-event order; NaN where a window lacks a dollar figure on any of its days.
    """
    rel = daily["rel_day"].to_numpy()
    values = daily[["raw_change_usd", "abnormal_change_usd"]]
    raw = np.full((len(windows), n), np.nan)
    abnormal = np.full((len(windows), n), np.nan)
    for k, (start, end) in enumerate(windows):
        pick = (rel >= start) & (rel <= end)
        grouped = values[pick].groupby(row[pick], sort=False)
        summed = grouped.sum(min_count=1)
        complete = grouped.count() == (end - start + 1)
        summed = summed.where(complete)
        at = summed.index.to_numpy()
        raw[k, at] = summed["raw_change_usd"].to_numpy()
        abnormal[k, at] = summed["abnormal_change_usd"].to_numpy()
    return raw.ravel(), abnormal.ravel()


def compare_claims(daily: pd.DataFrame, claims: tuple[Claim, ...]) -> pd.DataFrame:
    """Put each reported figure beside the raw and abnormal dollar changes computed for it.

    ``difference_pct`` is ``(computed_raw - reported) / |reported| * 100``; the abnormal figure
    gets its own ``abnormal_difference_pct``.
    """
    records = []
    for claim in claims:
        day = pd.Timestamp(claim.date)
        part = daily[daily["ticker"].isin(claim.tickers)]
        if claim.event_id is not None:
            part = part[part["event_id"] == claim.event_id]
        # the claim's window is counted around the row whose date is the claim date
        anchor = part[part["date"] == day][["event_id", "ticker", "rel_day"]]
        anchor = anchor.drop_duplicates(["ticker"])
        merged = part.merge(anchor, on=["event_id", "ticker"], suffixes=("", "_anchor"))
        offset = merged["rel_day"] - merged["rel_day_anchor"]
        inside = merged[(offset >= claim.window[0]) & (offset <= claim.window[1])]
        found = set(inside["ticker"])
        missing = [
            t
            for t in claim.tickers
            if t not in found or inside.loc[inside["ticker"] == t, "raw_change_usd"].isna().any()
        ]
        raw = np.nan if missing else float(inside["raw_change_usd"].sum())
        abn = np.nan if missing else float(inside["abnormal_change_usd"].sum())
        reported = float(claim.value_usd)
        first = inside.sort_values("rel_day").drop_duplicates("ticker")
        closes = "; ".join(
            f"{r.ticker} close {r.close_prev:.2f} on the session before {r.date:%Y-%m-%d}"
            for r in first.itertuples()
        )
        counts = "; ".join(
            f"{r.ticker} {r.shares:,.0f} as of {r.shares_as_of:%Y-%m-%d}"
            for r in first.itertuples()
            if np.isfinite(r.shares)
        )
        records.append(
            {
                "claim": claim.id,
                "tickers": "+".join(claim.tickers),
                "date": day,
                "window_start": claim.window[0],
                "window_end": claim.window[1],
                "reported_usd": reported,
                "computed_raw_usd": raw,
                "computed_abnormal_usd": abn,
                "difference_pct": (raw - reported) / abs(reported) * 100.0,
                "abnormal_difference_pct": (abn - reported) / abs(reported) * 100.0,
                "closes_used": closes,
                "shares_used": counts,
                "missing": ", ".join(missing),
                "source": claim.source,
            }
        )
    return pd.DataFrame.from_records(
        records,
        columns=[
            "claim",
            "tickers",
            "date",
            "window_start",
            "window_end",
            "reported_usd",
            "computed_raw_usd",
            "computed_abnormal_usd",
            "difference_pct",
            "abnormal_difference_pct",
            "closes_used",
            "shares_used",
            "missing",
            "source",
        ],
    )
