"""The balance never goes negative under concurrent redemptions — from eight processes at once, each with its
own connections, all redeeming from one balance until it refuses."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.timebank.account import TimeAccount, account_id
from tests.conftest import MASTER_KEY
from tests.timebank.conftest import CLAIMS_SECRET, World
from tests.timebank.workers import redeem_until_refused

PROCESSES = 8


def test_eight_processes_redeeming_at_once_never_take_more_than_the_balance(
        world: World, app_db: ConnectionParams, timebank_ledger: Ledger) -> None:
    volunteer = world.volunteer()
    world.verified(volunteer, "12")
    world.verified(volunteer, "8")  # 20 hours banked: thirteen redemptions of 1.5 hours fit, a fourteenth does not

    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager, spawn.Pool(PROCESSES) as pool:
        barrier = manager.Barrier(PROCESSES)
        jobs = [pool.apply_async(redeem_until_refused, (app_db, MASTER_KEY, CLAIMS_SECRET, volunteer, "1.5", barrier))
                for _ in range(PROCESSES)]
        results = [job.get(timeout=300) for job in jobs]

    redeemed = sum(r["redeemed"] for r in results)
    assert redeemed * Decimal("1.5") <= Decimal("20")
    assert redeemed == 13, results
    assert all(r["refused"] == 1 for r in results), results  # every process ran until the balance refused it
    account = world.timebank.find_account(volunteer)
    assert account is not None and account.balance == Decimal("0.50")
    balances = _balances_after_each_event(timebank_ledger, account)
    assert min(balances) >= 0
    assert len([e for e in timebank_ledger.recorder.select_events(account_id(volunteer))]) == 1 + 2 + 13


def _balances_after_each_event(ledger: Ledger, account: TimeAccount) -> list[Decimal]:
    """The balance replayed after every stored event of the account (the write model's own history)."""
    balances = []
    state = None
    for stored in ledger.recorder.select_events(account.id):
        state = ledger.mapper.to_domain_event(stored).mutate(state)
        balances.append(state.balance)
    return balances
