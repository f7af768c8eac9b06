"""Throttling as Microsoft's Python SDK meets it: a server whose users may create one job per 2-second window
answers the second creation with 429 + Retry-After, and msgraph-core's retry handler waits that long and sends
the request again, which then succeeds. Three jobs in a row cannot all fit in fewer than three windows, so at
least one creation is throttled and retried (Retry-After is at least one second)."""

from __future__ import annotations

import asyncio
import time

from msgraph.generated.models.print_job import PrintJob
from msgraph.generated.models.print_job_configuration import PrintJobConfiguration

import sdk
from test_graph_sdk import check_job, register_printer_v1, share_printer_v1


def test_the_sdk_retry_handler_waits_out_a_429(throttled_platen):
    p = throttled_platen

    async def flow():
        async with sdk.v1_client(p.url, p.admin_token()) as admin, \
                sdk.v1_client(p.url, p.alice_token()) as alice:
            printer = await register_printer_v1(admin, p, "Compat throttled printer")
            share = await share_printer_v1(admin, printer.id, "Compat throttled share")
            jobs = alice.print.shares.by_printer_share_id(share.id).jobs
            started = time.monotonic()
            created = []
            for _ in range(3):
                job = await jobs.post(PrintJob(configuration=PrintJobConfiguration(copies=1)))
                check_job(job, upn=p.alice.upn)
                created.append(job.id)
            elapsed = time.monotonic() - started
            assert len(set(created)) == 3, created
            assert elapsed >= 1.0, f"no creation was throttled and retried ({elapsed:.2f} s)"
            listed = await jobs.get()
            assert sorted(j.id for j in listed.value) == sorted(created), listed.value

    asyncio.run(flow())
