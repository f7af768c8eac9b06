"""Print reports driven by Microsoft's Python SDKs (msgraph-sdk on /v1.0, msgraph-beta-sdk on /beta): the usage
navigations of `client.reports` with $filter, one row by id, and the three archived-jobs functions, whose
date/time parameters the SDK writes into the path itself. The jobs are a user's canceled jobs (they end without a
device, so they count as incomplete and are archived), on a printer of this test alone.
"""

from __future__ import annotations

import asyncio
import datetime
import uuid

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.archived_print_job import ArchivedPrintJob
from msgraph.generated.models.print_job import PrintJob
from msgraph.generated.models.print_job_configuration import PrintJobConfiguration
from msgraph.generated.models.print_job_processing_state import PrintJobProcessingState
from msgraph.generated.models.print_usage_by_printer import PrintUsageByPrinter
from msgraph.generated.models.print_usage_by_user import PrintUsageByUser
from msgraph.generated.reports.daily_print_usage_by_printer.daily_print_usage_by_printer_request_builder import (
    DailyPrintUsageByPrinterRequestBuilder,
)
from msgraph.generated.reports.daily_print_usage_by_user.daily_print_usage_by_user_request_builder import (
    DailyPrintUsageByUserRequestBuilder,
)
from msgraph_beta.generated.models.archived_print_job import ArchivedPrintJob as BetaArchivedPrintJob

import sdk
from conftest import Identity
from test_graph_sdk import expect_odata_error, register_printer_v1, share_printer_v1

READER_SCOPES = "Reports.Read.All"


def test_reports_through_the_sdks(platen):
    group = str(uuid.uuid4())
    bob = Identity(str(uuid.uuid4()), f"bob.{uuid.uuid4().hex[:8]}@contoso.example", "Bob Reports")

    async def flow():
        bob_token = platen._token(
            "user", "--tenant", platen.tenant, "--user", bob.oid, "--upn", bob.upn, "--name", bob.name,
            "--app", platen.client_app, "--scopes", "PrintJob.ReadWrite Printer.Read.All PrinterShare.ReadBasic.All", "--groups", group)
        reader_token = platen.user_token(Identity(str(uuid.uuid4()), "reader@contoso.example", "Reader"),
                                         READER_SCOPES)
        async with sdk.v1_client(platen.url, platen.admin_token()) as admin, \
                sdk.v1_client(platen.url, bob_token) as bob_client, \
                sdk.v1_client(platen.url, reader_token) as reader, \
                sdk.beta_client(platen.url, reader_token) as beta_reader:
            printer = await register_printer_v1(admin, platen, "Compat reports printer")
            share = await share_printer_v1(admin, printer.id, "Compat reports share")
            before = sdk.utc_now() - datetime.timedelta(seconds=5)
            jobs = bob_client.print.shares.by_printer_share_id(share.id).jobs
            ids = []
            for _ in range(2):
                job = await jobs.post(PrintJob(configuration=PrintJobConfiguration(copies=1)))
                assert await jobs.by_print_job_id(job.id).cancel.post() is None
                ids.append(job.id)
            after = sdk.utc_now() + datetime.timedelta(seconds=5)
            today = datetime.datetime.now(datetime.timezone.utc).date()

            by_user = await reader.reports.daily_print_usage_by_user.get(RequestConfiguration(
                query_parameters=DailyPrintUsageByUserRequestBuilder.DailyPrintUsageByUserRequestBuilderGetQueryParameters(
                    filter=f"userPrincipalName eq '{bob.upn}'")))
            assert len(by_user.value) == 1, by_user.value
            row = by_user.value[0]
            assert isinstance(row, PrintUsageByUser), row
            assert row.user_principal_name == bob.upn and row.usage_date == today, row
            assert (row.incomplete_job_count, row.completed_job_count, row.page_count) == (2, 0, 0), row

            by_printer = await reader.reports.daily_print_usage_by_printer.get(RequestConfiguration(
                query_parameters=DailyPrintUsageByPrinterRequestBuilder.DailyPrintUsageByPrinterRequestBuilderGetQueryParameters(
                    filter=f"printerId eq '{printer.id}'")))
            assert len(by_printer.value) == 1, by_printer.value
            p = by_printer.value[0]
            assert isinstance(p, PrintUsageByPrinter) and p.printer_name == "Compat reports printer", p
            again = await reader.reports.daily_print_usage_by_printer.by_print_usage_by_printer_id(p.id).get()
            assert again.incomplete_job_count == 2, again
            monthly = await reader.reports.monthly_print_usage_by_user.get()
            assert any(r.user_principal_name == bob.upn and r.usage_date == today.replace(day=1)
                       for r in monthly.value), monthly.value

            reports = reader.reports
            by_printer_jobs = await reports.get_printer_archived_print_jobs_with_printer_id_with_start_date_time_with_end_date_time(  # noqa: E501
                end_date_time=after, printer_id=printer.id, start_date_time=before).get()
            archived = by_printer_jobs.value
            assert [a.id for a in archived] == ids, archived
            for a in archived:
                assert isinstance(a, ArchivedPrintJob), a
                assert a.processing_state == PrintJobProcessingState.Canceled, a
                assert a.acquired_by_printer is False and a.copies_printed == 0, a
                assert a.created_by.user_principal_name == bob.upn, a.created_by
                assert isinstance(a.completion_date_time, datetime.datetime), a
            by_user_jobs = await reports.get_user_archived_print_jobs_with_user_id_with_start_date_time_with_end_date_time(  # noqa: E501
                end_date_time=after, start_date_time=before, user_id=bob.oid).get()
            assert [a.id for a in by_user_jobs.value] == ids
            by_group = await beta_reader.reports.get_group_archived_print_jobs_with_group_id_with_start_date_time_with_end_date_time(  # noqa: E501
                end_date_time=after, group_id=group, start_date_time=before).get()
            assert [a.id for a in by_group.value] == ids
            assert all(isinstance(a, BetaArchivedPrintJob) and a.page_count == 0 for a in by_group.value)
            # A window that ended before the jobs: nothing.
            empty = await reports.get_user_archived_print_jobs_with_user_id_with_start_date_time_with_end_date_time(  # noqa: E501
                end_date_time=before, start_date_time=before - datetime.timedelta(days=1), user_id=bob.oid).get()
            assert empty.value == [], empty.value

            # Reports.Read.All is delegated only, and the print administrator's scopes do not include it.
            await expect_odata_error(admin.reports.daily_print_usage_by_user.get(), 403, "accessDenied")

    asyncio.run(flow())
