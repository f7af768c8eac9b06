"""Platen driven end to end by Microsoft's official Python Graph SDKs.

- msgraph-sdk (v1.0): printer registration (LRO), share, the whole user job flow, errors, and the
  `//print` double slash that a base URL taken from the httpx client produces (graph-clients.md pitfall 1);
- msgraph-beta-sdk (beta): the same core flow through `printerShares`, `startPrintJob` and `cancelPrintJob`.

Every SDK call must come back as a typed model (never a silent None, graph-clients.md §1.5), so the
server's JSON content types, enum values and datetimes are checked on the way.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.print_certificate_signing_request import PrintCertificateSigningRequest
from msgraph.generated.models.print_color_mode import PrintColorMode
from msgraph.generated.models.print_document import PrintDocument
from msgraph.generated.models.print_document_upload_properties import PrintDocumentUploadProperties
from msgraph.generated.models.print_job import PrintJob
from msgraph.generated.models.print_job_collection_response import PrintJobCollectionResponse
from msgraph.generated.models.print_job_configuration import PrintJobConfiguration
from msgraph.generated.models.print_job_processing_state import PrintJobProcessingState
from msgraph.generated.models.print_job_state_detail import PrintJobStateDetail
from msgraph.generated.models.print_job_status import PrintJobStatus
from msgraph.generated.models.print_operation_processing_state import PrintOperationProcessingState
from msgraph.generated.models.printer import Printer
from msgraph.generated.models.printer_create_operation import PrinterCreateOperation
from msgraph.generated.models.printer_share import PrinterShare
from msgraph.generated.models.printer_share_collection_response import PrinterShareCollectionResponse
from msgraph.generated.models.upload_session import UploadSession
from msgraph.generated.models.user_identity import UserIdentity
from msgraph.generated.print.printers.create.create_post_request_body import CreatePostRequestBody
from msgraph.generated.print.shares.item.jobs.item.documents.item.create_upload_session.create_upload_session_post_request_body import (  # noqa: E501
    CreateUploadSessionPostRequestBody,
)
from msgraph.generated.print.shares.item.jobs.item.print_job_item_request_builder import PrintJobItemRequestBuilder
from msgraph.generated.print.shares.item.jobs.jobs_request_builder import JobsRequestBuilder

import sdk

# ----------------------------------------------------------------------------------------------
# shared checks


def check_job(job, *, upn: str | None = None, model=PrintJob, user_identity=UserIdentity) -> None:
    """The SDK parsed a complete printJob: typed, with valid enums and datetimes (nothing dropped)."""
    assert isinstance(job, model), f"expected {model.__name__}, got {job!r}"
    assert job.id, job
    assert isinstance(job.created_date_time, datetime.datetime), f"createdDateTime not parsed: {job!r}"
    assert job.created_date_time.tzinfo is not None
    assert job.status is not None and job.status.state is not None, f"status/state not parsed: {job.status!r}"
    assert None not in (job.status.details or []), f"unknown printJobStateDetail value: {job.status!r}"
    assert job.status.is_acquired_by_printer is not None, job.status
    assert job.configuration is not None, job
    assert job.is_fetchable is not None, job
    assert isinstance(job.created_by, user_identity), f"createdBy not a userIdentity: {job.created_by!r}"
    if upn is not None:
        assert job.created_by.user_principal_name == upn, job.created_by


def check_document(doc, *, model=PrintDocument) -> None:
    assert isinstance(doc, model), doc
    assert doc.id, doc
    assert doc.size is not None and doc.content_type is not None and doc.display_name is not None, doc


def check_status(status, *, model=PrintJobStatus) -> None:
    assert isinstance(status, model), f"expected a typed {model.__name__}, got {status!r}"
    assert status.state is not None, status
    assert None not in (status.details or []), status


async def expect_odata_error(coro, status: int, code: str) -> ODataError:
    with pytest.raises(ODataError) as info:
        await coro
    err = info.value
    assert err.response_status_code == status, f"expected HTTP {status}, got {err.response_status_code}: {err!r}"
    assert err.error is not None, "the error body was not parsed into a main error"
    assert err.error.code == code, f"expected error.code {code!r}, got {err.error.code!r} ({err.error.message!r})"
    assert err.error.message, "error.message must be a non-empty developer message"
    return err


# ----------------------------------------------------------------------------------------------
# v1.0 setup steps, done through the SDK


async def register_printer_v1(admin, platen, name: str) -> Printer:
    """POST /print/printers/create (202 + Operation-Location), then poll the operation via the SDK."""
    body = CreatePostRequestBody(
        display_name=name,
        manufacturer="Contoso",
        model="Compat 1000",
        has_physical_device=True,  # the SDK always serialises this field (its default is False)
        physical_device_id=str(uuid.uuid4()),
        certificate_signing_request=PrintCertificateSigningRequest(
            content=sdk.make_csr(), transport_key=sdk.transport_key()),
    )
    # create.post() returns None; the 202's headers come from kiota's HeadersInspectionHandler.
    hdrs, cfg = sdk.response_headers()
    assert await admin.print.printers.create.post(body, request_configuration=cfg) is None
    op_url = sdk.header(hdrs, "Operation-Location")
    assert op_url, f"202 without Operation-Location; headers: {hdrs.response_headers.get_all()}"
    assert op_url.startswith(f"{platen.url}/v1.0/print/operations/"), op_url
    retry_after = sdk.header(hdrs, "Retry-After")
    assert retry_after and retry_after.isdigit(), f"Retry-After: {retry_after!r}"
    op_id = op_url.rsplit("/", 1)[1]

    op = await sdk.poll_operation(lambda: admin.print.operations.by_print_operation_id(op_id).get(), retry_after)
    assert isinstance(op, PrinterCreateOperation), f"@odata.type not honoured: {op!r}"
    assert op.id == op_id
    assert op.status.state == PrintOperationProcessingState.Succeeded, op.status
    assert isinstance(op.created_date_time, datetime.datetime), op
    assert op.certificate, "a succeeded registration carries the signed device certificate"
    assert isinstance(op.printer, Printer) and op.printer.id, op.printer

    printer = await admin.print.printers.by_printer_id(op.printer.id).get()
    assert isinstance(printer, Printer), printer
    assert printer.display_name == name and printer.manufacturer == "Contoso" and printer.model == "Compat 1000"
    assert printer.is_shared is False, printer
    assert printer.status is not None and printer.status.state is not None, printer.status
    return printer


async def share_printer_v1(admin, printer_id: str, name: str) -> PrinterShare:
    share = PrinterShare(
        display_name=name,
        allow_all_users=True,
        additional_data={"printer@odata.bind": f"https://graph.microsoft.com/v1.0/print/printers/{printer_id}"},
    )
    created = await admin.print.shares.post(share)
    assert isinstance(created, PrinterShare), created
    assert created.id and created.display_name == name and created.allow_all_users is True, created
    assert isinstance(created.created_date_time, datetime.datetime), created
    printer = await admin.print.printers.by_printer_id(printer_id).get()
    assert printer.is_shared is True, "sharing a printer sets its isShared"
    return created


def upload_request(name: str, data: bytes) -> CreateUploadSessionPostRequestBody:
    return CreateUploadSessionPostRequestBody(properties=PrintDocumentUploadProperties(
        document_name=name, content_type="application/pdf", size=len(data)))


# ----------------------------------------------------------------------------------------------
# tests


def test_v1_user_flow_through_msgraph_sdk(platen):
    """Registration, share, and a user's job from creation to cancel, all with msgraph-sdk on /v1.0."""

    async def flow():
        data = sdk.document_bytes(100_000)
        async with sdk.v1_client(platen.url, platen.admin_token()) as admin, \
                sdk.v1_client(platen.url, platen.alice_token()) as alice:
            printer = await register_printer_v1(admin, platen, "Compat v1 printer")
            share = await share_printer_v1(admin, printer.id, "Compat v1 share")

            # The user discovers the share.
            shares = await alice.print.shares.get()
            assert isinstance(shares, PrinterShareCollectionResponse), shares
            assert share.id in [s.id for s in shares.value], shares.value

            # Create the job on the share: paused/uploadPending with one empty document.
            jobs = alice.print.shares.by_printer_share_id(share.id).jobs
            job = await jobs.post(PrintJob(configuration=PrintJobConfiguration(
                copies=2, color_mode=PrintColorMode.Grayscale)))
            check_job(job, upn=platen.alice.upn)
            assert job.status.state == PrintJobProcessingState.Paused, job.status
            assert job.status.details == [PrintJobStateDetail.UploadPending], job.status
            assert job.is_fetchable is False
            assert job.configuration.copies == 2 and job.configuration.color_mode == PrintColorMode.Grayscale
            assert job.created_by.id == platen.alice.oid, job.created_by
            assert job.documents is not None and len(job.documents) == 1, "a new job carries exactly one document"
            doc = job.documents[0]
            check_document(doc)
            assert doc.size == 0 and doc.content_type == "" and doc.display_name == "", doc

            job_rb = jobs.by_print_job_id(job.id)
            doc_rb = job_rb.documents.by_print_document_id(doc.id)

            # createUploadSession via the SDK, then plain PUTs (no Authorization) of 32 KiB ranges.
            session = await doc_rb.create_upload_session.post(upload_request("compat.pdf", data))
            assert isinstance(session, UploadSession), session
            assert session.upload_url and session.upload_url.startswith(platen.url), session.upload_url
            assert session.next_expected_ranges == [f"0-{len(data) - 1}"], session.next_expected_ranges
            assert isinstance(session.expiration_date_time, datetime.datetime)
            assert session.expiration_date_time > sdk.utc_now()
            responses = await sdk.put_document(session.upload_url, data)
            assert len(responses) == 4
            assert [r.status_code for r in responses] == [202, 202, 202, 201]
            for r in responses[:-1]:
                assert r.headers["content-type"].startswith("application/json"), r.headers
                ranges = r.json()["nextExpectedRanges"]
                assert ranges and ranges[0].endswith(f"-{len(data) - 1}"), ranges

            uploaded = await job_rb.get()
            check_job(uploaded, upn=platen.alice.upn)
            assert PrintJobStateDetail.UploadPending not in (uploaded.status.details or []), uploaded.status

            # Start returns a typed printJobStatus.
            status = await job_rb.start.post()
            check_status(status)
            assert status.state in (PrintJobProcessingState.Pending, PrintJobProcessingState.Processing), status

            # GET with $expand=documents.
            expand = RequestConfiguration(
                query_parameters=PrintJobItemRequestBuilder.PrintJobItemRequestBuilderGetQueryParameters(
                    expand=["documents"]))
            got = await job_rb.get(expand)
            check_job(got, upn=platen.alice.upn)
            assert got.id == job.id
            assert got.status.state in (PrintJobProcessingState.Pending, PrintJobProcessingState.Processing)
            assert got.documents and len(got.documents) == 1, got.documents
            d = got.documents[0]
            check_document(d)
            assert (d.id, d.display_name, d.content_type, d.size) == (doc.id, "compat.pdf", "application/pdf",
                                                                     len(data)), d
            assert isinstance(d.uploaded_date_time, datetime.datetime), d

            # An admin's own job on the same share, so that the $filter below has something to filter out.
            admin_job = await admin.print.shares.by_printer_share_id(share.id).jobs.post(
                PrintJob(configuration=PrintJobConfiguration(copies=1)))
            check_job(admin_job, upn=platen.admin.upn)

            def list_query(upn: str, expand_docs: bool = True) -> RequestConfiguration:
                return RequestConfiguration(query_parameters=JobsRequestBuilder.JobsRequestBuilderGetQueryParameters(
                    expand=["documents"] if expand_docs else None,
                    filter=f"createdBy/userPrincipalName eq '{upn}'"))

            # List with $expand=documents and $filter on createdBy/userPrincipalName.
            admin_jobs = admin.print.shares.by_printer_share_id(share.id).jobs
            for lister in (jobs, admin_jobs):
                page = await lister.get(list_query(platen.alice.upn))
                assert isinstance(page, PrintJobCollectionResponse), page
                assert [j.id for j in page.value] == [job.id], page.value
                for j in page.value:
                    check_job(j, upn=platen.alice.upn)
                    assert j.documents and j.documents[0].id == doc.id and j.documents[0].size == len(data)
            page = await admin_jobs.get(list_query(platen.admin.upn))
            assert [j.id for j in page.value] == [admin_job.id], page.value
            # Without $expand the documents are omitted from list items.
            page = await jobs.get(list_query(platen.alice.upn, expand_docs=False))
            assert [j.id for j in page.value] == [job.id] and not page.value[0].documents, page.value
            # A user without .All permissions sees only their own jobs, whatever the filter says.
            page = await jobs.get(list_query(platen.admin.upn))
            assert isinstance(page, PrintJobCollectionResponse) and page.value == [], page.value

            # Download $value and compare bytes.
            content = await doc_rb.content.get()
            assert isinstance(content, bytes), f"$value not returned as bytes: {type(content)}"
            assert content == data, f"downloaded {len(content)} bytes differ from the {len(data)} uploaded"
            # ... because the SDK followed Graph's 302 to a pre-authenticated URL, which also serves ranges.
            value_url = f"{platen.url}/v1.0/print/shares/{share.id}/jobs/{job.id}/documents/{doc.id}/$value"
            async with httpx.AsyncClient() as raw:
                found = await raw.get(value_url, headers={"Authorization": f"Bearer {platen.alice_token()}"})
                assert found.status_code == 302, found.text
                location = found.headers["location"]
                assert "/downloads/" in location and "tempauthtoken=" in location, location
                part = await raw.get(location, headers={"Range": "bytes=1-4"})
                assert part.status_code == 206 and part.content == data[1:5], (part.status_code, part.headers)

            # Cancel returns None (204); a repeat is idempotent; the job ends canceled.
            assert await job_rb.cancel.post() is None
            assert await job_rb.cancel.post() is None
            final = await job_rb.get()
            check_job(final, upn=platen.alice.upn)
            assert final.status.state == PrintJobProcessingState.Canceled, final.status

    asyncio.run(flow())


@pytest.fixture(scope="module")
def v1_share(platen):
    """A registered and shared printer for the smaller v1.0 tests: (printer_id, share_id)."""

    async def setup():
        async with sdk.v1_client(platen.url, platen.admin_token()) as admin:
            printer = await register_printer_v1(admin, platen, "Compat v1 fixture printer")
            share = await share_printer_v1(admin, printer.id, "Compat v1 fixture share")
            return printer.id, share.id

    return asyncio.run(setup())


def test_v1_errors_raise_typed_odata_errors(platen, v1_share):
    """A missing job is 404 itemNotFound; cancel with an app token is 403 accessDenied (delegated only)."""
    printer_id, share_id = v1_share

    async def flow():
        async with sdk.v1_client(platen.url, platen.alice_token()) as alice, \
                sdk.v1_client(platen.url, platen.app_token()) as app:
            jobs = alice.print.shares.by_printer_share_id(share_id).jobs
            await expect_odata_error(jobs.by_print_job_id("999999999").get(), 404, "itemNotFound")
            await expect_odata_error(jobs.by_print_job_id("999999999").cancel.post(), 404, "itemNotFound")
            await expect_odata_error(
                alice.print.shares.by_printer_share_id(str(uuid.uuid4())).jobs.by_print_job_id("1").get(),
                404, "itemNotFound")

            job = await jobs.post(PrintJob(configuration=PrintJobConfiguration(copies=1)))
            check_job(job, upn=platen.alice.upn)
            # The app holds every job permission, but cancel is a delegated-only action.
            await expect_odata_error(
                app.print.printers.by_printer_id(printer_id).jobs.by_print_job_id(job.id).cancel.post(),
                403, "accessDenied")
            after = await jobs.by_print_job_id(job.id).get()
            check_job(after, upn=platen.alice.upn)
            assert after.status.state == PrintJobProcessingState.Paused, "a refused cancel must not change the job"

    asyncio.run(flow())


def test_v1_double_slash_base_url_is_tolerated(platen, v1_share):
    """A base URL taken from the httpx client sends /v1.0//print/... (pitfall 1); Platen must serve it."""
    _, share_id = v1_share
    seen: list[str] = []

    async def flow():
        data = sdk.document_bytes(1000)
        async with sdk.v1_client_double_slash(platen.url, platen.alice_token(), seen) as alice:
            shares = await alice.print.shares.get()
            assert isinstance(shares, PrinterShareCollectionResponse), shares
            assert share_id in [s.id for s in shares.value]
            jobs = alice.print.shares.by_printer_share_id(share_id).jobs
            job = await jobs.post(PrintJob(configuration=PrintJobConfiguration(copies=1)))
            check_job(job, upn=platen.alice.upn)
            job_rb = jobs.by_print_job_id(job.id)
            session = await job_rb.documents.by_print_document_id(job.documents[0].id).create_upload_session.post(
                upload_request("slash.pdf", data))
            assert isinstance(session, UploadSession), session
            await sdk.put_document(session.upload_url, data)
            check_status(await job_rb.start.post())
            assert await job_rb.cancel.post() is None
            final = await job_rb.get()
            check_job(final)
            assert final.status.state == PrintJobProcessingState.Canceled, final.status

    asyncio.run(flow())
    sdk_urls = [u for u in seen if "/print/" in u]
    assert sdk_urls and all(f"{platen.url}/v1.0//print/" in u for u in sdk_urls), \
        f"the SDK did not send the double slash this test is about: {sdk_urls}"


def test_beta_core_flow_through_msgraph_beta_sdk(platen):
    """Registration, share (printerShares), job, upload, startPrintJob, list, cancelPrintJob on /beta."""
    from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError as BetaODataError
    from msgraph_beta.generated.models.print_certificate_signing_request import (
        PrintCertificateSigningRequest as BetaCsr)
    from msgraph_beta.generated.models.print_document import PrintDocument as BetaPrintDocument
    from msgraph_beta.generated.models.print_document_upload_properties import (
        PrintDocumentUploadProperties as BetaUploadProperties)
    from msgraph_beta.generated.models.print_job import PrintJob as BetaPrintJob
    from msgraph_beta.generated.models.print_job_collection_response import (
        PrintJobCollectionResponse as BetaJobCollection)
    from msgraph_beta.generated.models.print_job_configuration import PrintJobConfiguration as BetaJobConfig
    from msgraph_beta.generated.models.print_job_processing_state import PrintJobProcessingState as BetaState
    from msgraph_beta.generated.models.print_job_status import PrintJobStatus as BetaPrintJobStatus
    from msgraph_beta.generated.models.print_operation_processing_state import (
        PrintOperationProcessingState as BetaOpState)
    from msgraph_beta.generated.models.printer import Printer as BetaPrinter
    from msgraph_beta.generated.models.printer_create_operation import PrinterCreateOperation as BetaCreateOp
    from msgraph_beta.generated.models.printer_share import PrinterShare as BetaPrinterShare
    from msgraph_beta.generated.models.upload_session import UploadSession as BetaUploadSession
    from msgraph_beta.generated.models.user_identity import UserIdentity as BetaUserIdentity
    from msgraph_beta.generated.print.printer_shares.item.jobs.item.documents.item.create_upload_session.create_upload_session_post_request_body import (  # noqa: E501
        CreateUploadSessionPostRequestBody as BetaUploadBody)
    from msgraph_beta.generated.print.printer_shares.item.jobs.jobs_request_builder import (
        JobsRequestBuilder as BetaJobsRequestBuilder)
    from msgraph_beta.generated.print.printers.create.create_post_request_body import (
        CreatePostRequestBody as BetaCreateBody)

    def check_beta_job(j, upn=None):
        check_job(j, upn=upn, model=BetaPrintJob, user_identity=BetaUserIdentity)

    async def flow():
        data = sdk.document_bytes(70_000)
        async with sdk.beta_client(platen.url, platen.admin_token()) as admin, \
                sdk.beta_client(platen.url, platen.alice_token()) as alice:
            # Registration LRO.
            hdrs, cfg = sdk.response_headers()
            assert await admin.print.printers.create.post(BetaCreateBody(
                display_name="Compat beta printer", manufacturer="Contoso", model="Compat 2000",
                has_physical_device=True, physical_device_id=str(uuid.uuid4()),
                certificate_signing_request=BetaCsr(content=sdk.make_csr(), transport_key=sdk.transport_key()),
            ), request_configuration=cfg) is None
            op_url = sdk.header(hdrs, "Operation-Location")
            assert op_url and op_url.startswith(f"{platen.url}/beta/print/operations/"), op_url
            op_id = op_url.rsplit("/", 1)[1]
            op = await sdk.poll_operation(lambda: admin.print.operations.by_print_operation_id(op_id).get(),
                                          sdk.header(hdrs, "Retry-After"))
            assert isinstance(op, BetaCreateOp) and op.status.state == BetaOpState.Succeeded, op
            assert isinstance(op.printer, BetaPrinter) and op.printer.id, op.printer
            printer_id = op.printer.id

            # Share through the beta printerShares alias.
            share = await admin.print.printer_shares.post(BetaPrinterShare(
                display_name="Compat beta share", allow_all_users=True,
                additional_data={"printer@odata.bind": f"https://graph.microsoft.com/beta/print/printers/{printer_id}"}))
            assert isinstance(share, BetaPrinterShare) and share.id, share
            got_share = await alice.print.printer_shares.by_printer_share_id(share.id).get()
            assert isinstance(got_share, BetaPrinterShare) and got_share.display_name == "Compat beta share"

            # Job with the beta-only displayName.
            jobs = alice.print.printer_shares.by_printer_share_id(share.id).jobs
            job = await jobs.post(BetaPrintJob(display_name="beta compat job",
                                               configuration=BetaJobConfig(copies=1)))
            check_beta_job(job, upn=platen.alice.upn)
            assert job.display_name == "beta compat job", job
            assert job.status.state == BetaState.Paused, job.status
            assert job.documents and len(job.documents) == 1, job.documents
            job_rb = jobs.by_print_job_id(job.id)
            doc_rb = job_rb.documents.by_print_document_id(job.documents[0].id)

            session = await doc_rb.create_upload_session.post(BetaUploadBody(properties=BetaUploadProperties(
                document_name="beta.pdf", content_type="application/pdf", size=len(data))))
            assert isinstance(session, BetaUploadSession) and session.upload_url, session
            await sdk.put_document(session.upload_url, data)

            status = await job_rb.start_print_job.post()
            check_status(status, model=BetaPrintJobStatus)
            assert status.state in (BetaState.Pending, BetaState.Processing), status

            page = await jobs.get(RequestConfiguration(
                query_parameters=BetaJobsRequestBuilder.JobsRequestBuilderGetQueryParameters(
                    expand=["documents"], filter=f"createdBy/userPrincipalName eq '{platen.alice.upn}'")))
            assert isinstance(page, BetaJobCollection), page
            assert [j.id for j in page.value] == [job.id], page.value
            check_beta_job(page.value[0], upn=platen.alice.upn)
            listed_doc = page.value[0].documents[0]
            check_document(listed_doc, model=BetaPrintDocument)
            assert listed_doc.size == len(data) and listed_doc.display_name == "beta.pdf", listed_doc

            assert await doc_rb.content.get() == data

            assert await job_rb.cancel_print_job.post() is None
            assert await job_rb.cancel_print_job.post() is None
            assert await job_rb.cancel.post() is None  # the v1.0 name works on beta too
            final = await job_rb.get()
            check_beta_job(final)
            assert final.status.state == BetaState.Canceled, final.status

            with pytest.raises(BetaODataError) as info:
                await jobs.by_print_job_id("999999999").get()
            assert info.value.response_status_code == 404 and info.value.error.code == "itemNotFound"

    asyncio.run(flow())


def test_json_responses_carry_json_content_type(platen, v1_share):
    """Raw check behind the typed parsing: JSON bodies are labelled application/json (pitfall 2)."""
    _, share_id = v1_share
    token = platen.alice_token()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=platen.url, headers=headers, timeout=30) as http:
        for method, path, body in [
            ("GET", "/v1.0/print/shares", None),
            ("POST", f"/v1.0/print/shares/{share_id}/jobs", {"configuration": {"copies": 1}}),
            ("GET", f"/v1.0/print/shares/{share_id}/jobs", None),
            ("GET", f"/v1.0/print/shares/{share_id}/jobs/999999999", None),
        ]:
            r = http.request(method, path, json=body)
            ctype = r.headers.get("content-type", "")
            assert ctype.split(";")[0].strip() == "application/json", f"{method} {path}: Content-Type {ctype!r}"
            json.loads(r.content)
