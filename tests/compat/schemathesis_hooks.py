"""schemathesis hooks for test_openapi_schemathesis.py: IPP messages (`application/ipp`) are sent as the raw bytes
schemathesis generates for the binary schema, like `application/octet-stream`."""

import schemathesis

schemathesis.serializer.alias("application/ipp", "application/octet-stream")
