"""`$metadata` read by an independent OData v4 client: python-odata (PyPI `python-odata`) fetches
`{service root}/$metadata` without a token, as OData tooling does, and builds its model (entity sets, entity
types with their properties and navigations, bound actions and functions) from it. (`pyodata`, the other CSDL
reader on PyPI, reads OData v2 only and refuses a v4 document.)
"""

from __future__ import annotations

import pytest
from odata import ODataService

ENTITY_SETS_AND_SINGLETONS = {"print", "reports", "me", "users", "groups", "subscriptions"}


def members(cls) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_an_odata_v4_client_builds_its_model_from_metadata(platen, version):
    service = ODataService(f"{platen.url}/{version}/", reflect_entities=True)
    assert set(service.entities) == ENTITY_SETS_AND_SINGLETONS

    print_navigations = {"printers", "shares", "connectors", "operations", "services", "taskDefinitions", "settings"}
    assert print_navigations <= members(service.entities["print"])

    printer = service.types["microsoft.graph.printer"]
    # Own, inherited (printerBase, entity) and bound operations.
    assert {"isShared", "hasPhysicalDevice", "displayName", "status", "jobs", "id", "restoreFactoryDefaults"} <= members(
        printer
    )
    job = service.types["microsoft.graph.printJob"]
    assert {"configuration", "createdBy", "status", "documents", "start", "cancel", "abort", "redirect"} <= members(job)
    reports = service.types["microsoft.graph.reportRoot"]
    assert {"dailyPrintUsageByUser", "getPrinterArchivedPrintJobs"} <= members(reports)

    beta_only = {"acceptingJobs", "share", "getCapabilities", "resetDefaults", "name"}
    if version == "beta":
        assert beta_only <= members(printer)
        assert {"displayName", "completedDateTime"} <= members(job)
        assert {"printerShares", "reports"} <= members(service.entities["print"])
    else:
        assert not beta_only & members(printer)
        assert "completedDateTime" not in members(job)
