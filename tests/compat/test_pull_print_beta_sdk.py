"""Pull printing driven end to end by Microsoft's msgraph-beta-sdk (graph-print-api.md §3.2).

A partner app (app-only token) creates a task definition; a Printer Administrator signed in to the same app
(delegated token whose app id is the definition creator's) registers a virtual printer and binds a
`jobStarted` trigger to it; a user's job on the printer's share is held with a processing print task; the app
reads the task and the job and ends it: task PATCH `completed` (job released), `redirect` (a new job on a
second printer, cross-linked, same bytes), `abort` with a reason (twice). Every call goes through the SDK's
typed request builders and models.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import pytest
from msgraph_beta.generated.models.app_identity import AppIdentity
from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_beta.generated.models.print_certificate_signing_request import PrintCertificateSigningRequest
from msgraph_beta.generated.models.print_document_upload_properties import PrintDocumentUploadProperties
from msgraph_beta.generated.models.print_event import PrintEvent
from msgraph_beta.generated.models.print_job import PrintJob
from msgraph_beta.generated.models.print_job_configuration import PrintJobConfiguration
from msgraph_beta.generated.models.print_job_processing_state import PrintJobProcessingState
from msgraph_beta.generated.models.print_job_state_detail import PrintJobStateDetail
from msgraph_beta.generated.models.print_job_status import PrintJobStatus
from msgraph_beta.generated.models.print_operation_processing_state import PrintOperationProcessingState
from msgraph_beta.generated.models.print_task import PrintTask
from msgraph_beta.generated.models.print_task_collection_response import PrintTaskCollectionResponse
from msgraph_beta.generated.models.print_task_definition import PrintTaskDefinition
from msgraph_beta.generated.models.print_task_definition_collection_response import (
    PrintTaskDefinitionCollectionResponse,
)
from msgraph_beta.generated.models.print_task_processing_state import PrintTaskProcessingState
from msgraph_beta.generated.models.print_task_status import PrintTaskStatus
from msgraph_beta.generated.models.print_task_trigger import PrintTaskTrigger
from msgraph_beta.generated.models.printer_create_operation import PrinterCreateOperation
from msgraph_beta.generated.models.printer_share import PrinterShare
from msgraph_beta.generated.print.printers.create.create_post_request_body import CreatePostRequestBody
from msgraph_beta.generated.print.printers.item.jobs.item.abort.abort_post_request_body import AbortPostRequestBody
from msgraph_beta.generated.print.printers.item.jobs.item.redirect.redirect_post_request_body import (
    RedirectPostRequestBody,
)
from msgraph_beta.generated.print.shares.item.jobs.item.documents.item.create_upload_session.create_upload_session_post_request_body import (  # noqa: E501
    CreateUploadSessionPostRequestBody,
)

import sdk

PULL_APP_ROLES = "PrintTaskDefinition.ReadWrite.All PrintJob.Manage.All PrintJob.ReadWrite.All Printer.Read.All"
PULL_ADMIN_SCOPES = (
    "Printer.Create Printer.Read.All Printer.ReadWrite.All Printer.FullControl.All "
    "PrinterShare.ReadWrite.All PrintJob.ReadWrite.All"
)
PULL_USER_SCOPES = "PrintJob.ReadWrite PrinterShare.ReadBasic.All"


@dataclass
class PullSetup:
    """A pull-printing tenant setup inside the session's Platen tenant."""

    app_id: str
    app_token: str
    admin_token: str
    user_token: str
    user_upn: str
    definition_id: str
    printer_id: str
    share_id: str
    trigger_id: str
    dest_printer_id: str


def _mint(platen, *args: str) -> str:
    return platen._token(*args)  # the fixture's `platen token` runner (conftest.Platen)


async def _register_virtual_printer(admin, name: str) -> str:
    """POST /print/printers/create with hasPhysicalDevice false (no physicalDeviceId), then poll the operation."""
    hdrs, cfg = sdk.response_headers()
    assert await admin.print.printers.create.post(CreatePostRequestBody(
        display_name=name, manufacturer="Contoso", model="Pull Queue",
        has_physical_device=False,
        certificate_signing_request=PrintCertificateSigningRequest(
            content=sdk.make_csr(), transport_key=sdk.transport_key()),
    ), request_configuration=cfg) is None
    op_url = sdk.header(hdrs, "Operation-Location")
    assert op_url, hdrs.response_headers.get_all()
    op_id = op_url.rsplit("/", 1)[1]
    op = await sdk.poll_operation(lambda: admin.print.operations.by_print_operation_id(op_id).get(),
                                  sdk.header(hdrs, "Retry-After"))
    assert isinstance(op, PrinterCreateOperation) and op.status.state == PrintOperationProcessingState.Succeeded, op
    printer = await admin.print.printers.by_printer_id(op.printer.id).get()
    assert printer.has_physical_device is False, printer
    return op.printer.id


@pytest.fixture(scope="module")
def pull(platen) -> PullSetup:
    app_id = str(uuid.uuid4())
    admin_oid, user_oid = str(uuid.uuid4()), str(uuid.uuid4())
    user_upn = f"pat.{user_oid[:8]}@contoso.example"
    app_token = _mint(platen, "app", "--tenant", platen.tenant, "--app", app_id, "--roles", PULL_APP_ROLES)
    admin_token = _mint(platen, "user", "--tenant", platen.tenant, "--user", admin_oid, "--upn",
                        "pull.admin@contoso.example", "--name", "Pull Admin", "--app", app_id,
                        "--scopes", PULL_ADMIN_SCOPES, "--admin")
    user_token = _mint(platen, "user", "--tenant", platen.tenant, "--user", user_oid, "--upn", user_upn,
                       "--name", "Pat Puller", "--scopes", PULL_USER_SCOPES)

    async def setup() -> PullSetup:
        async with sdk.beta_client(platen.url, app_token) as app, \
                sdk.beta_client(platen.url, admin_token) as admin:
            # 1. The app's task definition (createdBy.appId filled in by the server).
            definition = await app.print.task_definitions.post(PrintTaskDefinition(
                display_name="Compat pull release", created_by=AppIdentity(display_name="Compat Release Station")))
            assert isinstance(definition, PrintTaskDefinition) and definition.id, definition
            assert isinstance(definition.created_by, AppIdentity), definition
            assert definition.created_by.app_id == app_id, definition.created_by
            assert definition.created_by.display_name == "Compat Release Station", definition.created_by

            # 2. Virtual printers: the held queue and the redirect destination.
            printer_id = await _register_virtual_printer(admin, "Compat pull queue")
            dest_id = await _register_virtual_printer(admin, "Compat pull device")
            share = await admin.print.shares.post(PrinterShare(
                display_name="Compat pull", allow_all_users=True,
                additional_data={"printer@odata.bind": f"https://graph.microsoft.com/beta/print/printers/{printer_id}"}))
            assert isinstance(share, PrinterShare) and share.id, share

            # 3. The trigger, by the administrator signed in to the definition's app.
            trigger = await admin.print.printers.by_printer_id(printer_id).task_triggers.post(PrintTaskTrigger(
                event=PrintEvent.JobStarted,
                additional_data={"definition@odata.bind":
                                 f"https://graph.microsoft.com/beta/print/taskDefinitions/{definition.id}"}))
            assert isinstance(trigger, PrintTaskTrigger) and trigger.id, trigger
            assert trigger.event == PrintEvent.JobStarted, trigger
            return PullSetup(app_id, app_token, admin_token, user_token, user_upn, definition.id, printer_id,
                             share.id, trigger.id, dest_id)

    return asyncio.run(setup())


async def _held_job(pull: PullSetup, user, data: bytes) -> tuple[str, str]:
    """The user's job on the share: created, uploaded, started, and held (paused/releaseWait)."""
    jobs = user.print.shares.by_printer_share_id(pull.share_id).jobs
    job = await jobs.post(PrintJob(configuration=PrintJobConfiguration(copies=1)))
    assert isinstance(job, PrintJob) and job.id and job.documents, job
    doc_id = job.documents[0].id
    job_rb = jobs.by_print_job_id(job.id)
    session = await job_rb.documents.by_print_document_id(doc_id).create_upload_session.post(
        CreateUploadSessionPostRequestBody(properties=PrintDocumentUploadProperties(
            document_name="pull.pdf", content_type="application/pdf", size=len(data))))
    await sdk.put_document(session.upload_url, data)
    status = await job_rb.start.post()
    assert isinstance(status, PrintJobStatus), status
    assert status.state == PrintJobProcessingState.Paused, status
    assert PrintJobStateDetail.ReleaseWait in (status.details or []), status
    return job.id, doc_id


async def _task_of(pull: PullSetup, app, job_id: str) -> PrintTask:
    """The app finds the job's task in its definition's task list and through the job."""
    listed = await app.print.task_definitions.by_print_task_definition_id(pull.definition_id).tasks.get()
    assert isinstance(listed, PrintTaskCollectionResponse), listed
    job_url_suffix = f"/beta/print/printers/{pull.printer_id}/jobs/{job_id}"
    mine = [t for t in listed.value if (t.parent_url or "").endswith(job_url_suffix)]
    assert len(mine) == 1, [(t.id, t.parent_url) for t in listed.value]
    task = mine[0]
    assert isinstance(task, PrintTask) and isinstance(task.status, PrintTaskStatus), task
    assert task.status.state == PrintTaskProcessingState.Processing, task.status
    via_job = await app.print.printers.by_printer_id(pull.printer_id).jobs.by_print_job_id(job_id).tasks.get()
    assert [t.id for t in via_job.value] == [task.id], via_job.value
    return task


def _task_rb(pull: PullSetup, app, task_id: str):
    return app.print.task_definitions.by_print_task_definition_id(pull.definition_id).tasks.by_print_task_id(task_id)


def test_pull_definitions_and_task_navigation(platen, pull):
    """The app lists only its definitions and reaches the task's definition and trigger."""

    async def flow():
        async with sdk.beta_client(platen.url, pull.app_token) as app, \
                sdk.beta_client(platen.url, pull.user_token) as user:
            defs = await app.print.task_definitions.get()
            assert isinstance(defs, PrintTaskDefinitionCollectionResponse), defs
            assert [d.id for d in defs.value] == [pull.definition_id], "only the calling app's definitions"
            job_id, _ = await _held_job(pull, user, sdk.document_bytes(5_000))
            task = await _task_of(pull, app, job_id)
            task_rb = _task_rb(pull, app, task.id)
            got = await task_rb.get()
            assert isinstance(got, PrintTask) and got.id == task.id, got
            assert got.parent_url == f"{platen.url}/beta/print/printers/{pull.printer_id}/jobs/{job_id}", got
            definition = await task_rb.definition.get()
            assert isinstance(definition, PrintTaskDefinition) and definition.id == pull.definition_id, definition
            trigger = await task_rb.trigger.get()
            assert isinstance(trigger, PrintTaskTrigger) and trigger.id == pull.trigger_id, trigger
            # Leave nothing held behind.
            assert await app.print.printers.by_printer_id(pull.printer_id).jobs.by_print_job_id(job_id).abort.post(
                AbortPostRequestBody(reason="navigation test done")) is None

    asyncio.run(flow())


def test_pull_task_completed_releases_the_job(platen, pull):
    async def flow():
        data = sdk.document_bytes(40_000)
        async with sdk.beta_client(platen.url, pull.app_token) as app, \
                sdk.beta_client(platen.url, pull.user_token) as user:
            job_id, _ = await _held_job(pull, user, data)
            job_rb = app.print.printers.by_printer_id(pull.printer_id).jobs.by_print_job_id(job_id)
            held = await job_rb.get()
            assert isinstance(held, PrintJob) and held.status.state == PrintJobProcessingState.Paused, held
            assert held.is_fetchable is False, held
            assert held.created_by.user_principal_name == pull.user_upn, held.created_by
            task = await _task_of(pull, app, job_id)

            done = await _task_rb(pull, app, task.id).patch(PrintTask(status=PrintTaskStatus(
                state=PrintTaskProcessingState.Completed, description="Released at the device")))
            assert isinstance(done, PrintTask), done
            assert done.status.state == PrintTaskProcessingState.Completed, done.status
            assert done.status.description == "Released at the device", done.status

            released = await job_rb.get()
            assert released.status.state == PrintJobProcessingState.Pending, released.status
            assert released.is_fetchable is True, released
            mine = await user.print.shares.by_printer_share_id(pull.share_id).jobs.by_print_job_id(job_id).get()
            assert mine.status.state == PrintJobProcessingState.Pending, mine.status

    asyncio.run(flow())


def test_pull_redirect_creates_a_new_job_on_the_destination(platen, pull):
    async def flow():
        data = sdk.document_bytes(50_000)
        async with sdk.beta_client(platen.url, pull.app_token) as app, \
                sdk.beta_client(platen.url, pull.user_token) as user:
            job_id, _ = await _held_job(pull, user, data)
            task = await _task_of(pull, app, job_id)
            source_rb = app.print.printers.by_printer_id(pull.printer_id).jobs.by_print_job_id(job_id)

            new = await source_rb.redirect.post(RedirectPostRequestBody(
                destination_printer_id=pull.dest_printer_id, configuration=PrintJobConfiguration(copies=2)))
            assert isinstance(new, PrintJob) and new.id and new.id != job_id, new
            source_url = f"{platen.url}/beta/print/printers/{pull.printer_id}/jobs/{job_id}"
            assert new.redirected_from == source_url, new.redirected_from
            assert new.configuration.copies == 2, new.configuration

            source = await source_rb.get()
            assert source.status.state == PrintJobProcessingState.Completed, source.status
            assert source.redirected_to == f"{platen.url}/beta/print/printers/{pull.dest_printer_id}/jobs/{new.id}"
            done = await _task_rb(pull, app, task.id).get()
            assert done.status.state == PrintTaskProcessingState.Completed, "redirect completes the task"

            dest_rb = app.print.printers.by_printer_id(pull.dest_printer_id).jobs.by_print_job_id(new.id)
            moved = await dest_rb.get()
            assert moved.status.state == PrintJobProcessingState.Pending and moved.is_fetchable is True, moved.status
            docs = await dest_rb.documents.get()
            assert len(docs.value) == 1, docs.value
            content = await dest_rb.documents.by_print_document_id(docs.value[0].id).content.get()
            assert content == data, "the new job carries the same bytes"

            with pytest.raises(ODataError) as info:
                await source_rb.redirect.post(RedirectPostRequestBody(destination_printer_id=pull.dest_printer_id))
            assert info.value.response_status_code == 409, info.value

    asyncio.run(flow())


def test_pull_abort_with_a_reason_twice(platen, pull):
    async def flow():
        reason = "Release window expired"
        async with sdk.beta_client(platen.url, pull.app_token) as app, \
                sdk.beta_client(platen.url, pull.user_token) as user:
            job_id, _ = await _held_job(pull, user, sdk.document_bytes(8_000))
            task = await _task_of(pull, app, job_id)
            job_rb = app.print.printers.by_printer_id(pull.printer_id).jobs.by_print_job_id(job_id)

            assert await job_rb.abort.post(AbortPostRequestBody(reason=reason)) is None
            aborted = await job_rb.get()
            assert aborted.status.state == PrintJobProcessingState.Aborted, aborted.status
            assert reason in (aborted.status.description or ""), aborted.status
            # A second abort is not an error.
            assert await job_rb.abort.post(AbortPostRequestBody(reason=reason)) is None
            again = await job_rb.get()
            assert again.status.state == PrintJobProcessingState.Aborted, again.status
            t = await _task_rb(pull, app, task.id).get()
            assert t.status.state == PrintTaskProcessingState.Aborted, t.status
            mine = await user.print.shares.by_printer_share_id(pull.share_id).jobs.by_print_job_id(job_id).get()
            assert mine.status.state == PrintJobProcessingState.Aborted and reason in mine.status.description

            # An aborted task does not complete.
            with pytest.raises(ODataError) as info:
                await _task_rb(pull, app, task.id).patch(PrintTask(status=PrintTaskStatus(
                    state=PrintTaskProcessingState.Completed)))
            assert info.value.response_status_code == 409, info.value

    asyncio.run(flow())


def test_pull_abort_refused_for_another_app(platen, pull):
    """Another app (every permission, no task of its own on the job) gets 403 accessDenied."""

    async def flow():
        other = _mint(platen, "app", "--tenant", platen.tenant, "--app", str(uuid.uuid4()), "--roles", PULL_APP_ROLES)
        async with sdk.beta_client(platen.url, pull.app_token) as app, \
                sdk.beta_client(platen.url, other) as intruder, \
                sdk.beta_client(platen.url, pull.user_token) as user:
            job_id, _ = await _held_job(pull, user, sdk.document_bytes(3_000))
            with pytest.raises(ODataError) as info:
                await intruder.print.printers.by_printer_id(pull.printer_id).jobs.by_print_job_id(job_id).abort.post(
                    AbortPostRequestBody(reason="not mine"))
            assert info.value.response_status_code == 403 and info.value.error.code == "accessDenied", info.value
            job_rb = app.print.printers.by_printer_id(pull.printer_id).jobs.by_print_job_id(job_id)
            assert (await job_rb.get()).status.state == PrintJobProcessingState.Paused
            assert await job_rb.abort.post(AbortPostRequestBody(reason="cleanup")) is None

    asyncio.run(flow())
